"""The report reads the warehouse as the analyst, never as its owner.

Whatever BI users cannot see, the report cannot show: it logs in with a login that
inherits `clusterwatch_analyst` (docs/bi.md) and then `set role`s to that role, so a
login with extra grants still reads only `marts`. A superuser or the owner of `marts` is
refused rather than silently used.
"""

from __future__ import annotations

import os
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

ANALYST_ROLE = "clusterwatch_analyst"
DEFAULT_ANALYST_LOGIN = "clusterwatch_bi"


class AnalystAccessError(RuntimeError):
    """The report's login is not a plain member of the analyst role."""


def analyst_login() -> str:
    return os.environ.get("CLUSTERWATCH_ANALYST_USER") or DEFAULT_ANALYST_LOGIN


def analyst_url(warehouse_url: str, login: str | None = None, password: str | None = None) -> str:
    """The warehouse URL with the analyst login (and password, when one is set) in place of
    the owner's. The password comes from `CLUSTERWATCH_ANALYST_PASSWORD` (compose sets the
    same one for Metabase); an embedded server trusts loopback logins and needs none."""
    login = login or analyst_login()
    if password is None:
        password = os.environ.get("CLUSTERWATCH_ANALYST_PASSWORD") or ""
    parts = urlsplit(warehouse_url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = quote(login, safe="")
    if password:
        netloc += ":" + quote(password, safe="")
    netloc += "@" + host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def ensure_analyst_login(owner_url: str, login: str | None = None) -> bool:
    """Create a passwordless login in the analyst role if it is missing (for the embedded,
    loopback-only server, where the CLI is its owner). Returns True when it was created.
    A team server gets its login from docker/postgres/init.sh or its DBA instead."""
    login = login or analyst_login()
    with psycopg.connect(owner_url, autocommit=True) as conn:
        if conn.execute("select 1 from pg_roles where rolname = %s", (login,)).fetchone():
            return False
        try:
            conn.execute(sql.SQL("create role {} login in role {}").format(
                sql.Identifier(login), sql.Identifier(ANALYST_ROLE)))
        except psycopg.errors.DuplicateObject:  # created meanwhile by a parallel run
            return False
        return True


def connect_as_analyst(url: str) -> psycopg.Connection:
    """A read-only connection acting as `clusterwatch_analyst`."""
    conn = psycopg.connect(url, autocommit=True)
    try:
        login, is_super, is_member, owns_marts = conn.execute(
            """
            select current_user, rolsuper,
                   pg_has_role(current_user, %(role)s, 'member'),
                   coalesce((select pg_has_role(current_user, nspowner, 'member')
                             from pg_namespace where nspname = 'marts'), false)
            from pg_roles where rolname = current_user
            """,
            {"role": ANALYST_ROLE},
        ).fetchone()
        if is_super or owns_marts:
            raise AnalystAccessError(
                f"login {login!r} is a superuser or owns the marts: the report runs as a member "
                f"of {ANALYST_ROLE} only (set CLUSTERWATCH_ANALYST_USER; docs/bi.md)")
        if not is_member:
            raise AnalystAccessError(
                f"login {login!r} is not a member of {ANALYST_ROLE} "
                f"(grant {ANALYST_ROLE} to {login}; docs/bi.md)")
        conn.execute(sql.SQL("set role {}").format(sql.Identifier(ANALYST_ROLE)))
        conn.execute("set default_transaction_read_only = on")
        conn.execute("set search_path = marts")
    except BaseException:
        conn.close()
        raise
    return conn
