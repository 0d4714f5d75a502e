"""Connections and the schema bootstrap of the warehouse."""

from __future__ import annotations

import logging
from importlib import resources

import psycopg

log = logging.getLogger(__name__)


def connect(url: str, **kwargs) -> psycopg.Connection:
    return psycopg.connect(url, application_name="clusterwatch", **kwargs)


def migration_files() -> list[tuple[str, str]]:
    folder = resources.files("clusterwatch") / "sql"
    files = sorted(p for p in folder.iterdir() if p.name.endswith(".sql"))
    return [(p.name, p.read_text(encoding="utf-8")) for p in files]


def bootstrap(url: str) -> list[str]:
    """Apply every SQL file of `clusterwatch/sql` in order; each is idempotent.

    An advisory lock serialises concurrent callers (parallel tasks, CLI and DAGs)."""
    applied = []
    with connect(url) as conn:
        conn.execute("select pg_advisory_xact_lock(hashtext('clusterwatch.bootstrap'))")
        for name, text in migration_files():
            conn.execute(text)
            applied.append(name)
    return applied
