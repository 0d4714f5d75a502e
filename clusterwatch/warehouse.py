"""Where the warehouse is: an external PostgreSQL (`CLUSTERWATCH_DATABASE_URL`) or an
embedded one (the `pgserver` package's PostgreSQL 16 binaries) under `CLUSTERWATCH_HOME`.

The embedded server listens on 127.0.0.1 on a port chosen once and kept in its
`postgresql.conf`, so that Airflow, dbt, GX and BI tools all reach it over TCP like any
other server (asset URIs need a host and a port). It keeps running between commands, so
later commands reuse it; `clusterwatch db stop` (or the end of `make up` / `demo`) stops
it with a fast shutdown.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

# pgserver's import asks platformdirs for a runtime dir it never uses here (we run
# pg_ctl ourselves); without XDG_RUNTIME_DIR that only prints a warning. Silence it.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

from clusterwatch import settings
from clusterwatch.ports import free_port, port_is_free

log = logging.getLogger(__name__)

SUPERUSER = "postgres"


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL server whose data directory lives under the clusterwatch home."""

    pgdata: Path

    @property
    def log_file(self) -> Path:
        return self.pgdata.parent / "logs" / "postgresql.log"

    @property
    def _conf(self) -> Path:
        return self.pgdata / "postgresql.conf"

    @property
    def _os_user(self) -> str | None:
        # PostgreSQL refuses to run as root; pgserver creates an unprivileged user.
        return "pgserver" if os.geteuid() == 0 else None

    # -- lifecycle -----------------------------------------------------------------
    @contextlib.contextmanager
    def _lock(self):
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        with open(self.pgdata.parent / ".pg.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _pg(self, tool: str, args: list[str], timeout: float = 60) -> str:
        from pgserver._commands import POSTGRES_BIN_PATH  # pinned in constraints.txt

        result = subprocess.run(
            [str(POSTGRES_BIN_PATH / tool), "-D", str(self.pgdata), *args],
            capture_output=True, text=True, timeout=timeout, user=self._os_user,
            cwd="/",  # the unprivileged user may not be able to enter the caller's cwd
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{tool} {' '.join(args)} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}"
            )
        return result.stdout

    def _prepare_permissions(self) -> None:
        if self._os_user is None:
            return
        import pwd
        import stat

        from pgserver._commands import POSTGRES_BIN_PATH
        from pgserver.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

        ensure_user_exists(self._os_user)
        ensure_prefix_permissions(self.pgdata)
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        read, execute = stat.S_IRGRP | stat.S_IROTH, stat.S_IXGRP | stat.S_IXOTH
        ensure_folder_permissions(POSTGRES_BIN_PATH, execute | read)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", read)
        account = pwd.getpwnam(self._os_user)
        for path in (self.pgdata, self.log_file.parent):
            os.chown(path, account.pw_uid, account.pw_gid)
        if self.log_file.exists():
            os.chown(self.log_file, account.pw_uid, account.pw_gid)

    def initialised(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists()

    def port(self) -> int | None:
        if not self._conf.exists():
            return None
        for line in self._conf.read_text().splitlines():
            if line.startswith("port = "):
                return int(line.split("=", 1)[1].split("#")[0].strip())
        return None

    def _set_port(self, port: int) -> None:
        lines = [ln for ln in self._conf.read_text().splitlines() if not ln.startswith("port = ")]
        lines.append(f"port = {port}  # chosen by clusterwatch")
        self._conf.write_text("\n".join(lines) + "\n")

    def init(self) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self._prepare_permissions()
        if self.initialised():
            return
        self._pg("initdb", ["--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "-U", SUPERUSER])
        with open(self._conf, "a") as conf:
            conf.write(
                "\n# --- clusterwatch embedded server ---\n"
                "listen_addresses = '127.0.0.1'\n"
                "unix_socket_directories = ''\n"
                "max_connections = 200\n"  # Airflow's scheduler, api-server and workers pool
                "shared_buffers = 128MB\n"
                "timezone = 'UTC'\n"
            )
        port = int(os.environ.get("CLUSTERWATCH_EMBEDDED_PG_PORT") or free_port())
        self._set_port(port)

    def is_running(self) -> bool:
        if not self.initialised():
            return False
        result = subprocess.run(
            [self._bin("pg_ctl"), "-D", str(self.pgdata), "status"],
            capture_output=True, text=True, user=self._os_user, cwd="/",
        )
        return result.returncode == 0

    def _bin(self, tool: str) -> str:
        from pgserver._commands import POSTGRES_BIN_PATH

        return str(POSTGRES_BIN_PATH / tool)

    def start(self) -> bool:
        """Start the server if it is not running. Returns True when this call started it."""
        with self._lock():
            self.init()
            if self.is_running():
                return False
            port = self.port()
            if port is None or not port_is_free(port):
                # The port was taken while we were stopped: move rather than fail.
                self._set_port(free_port())
            self._prepare_permissions()
            self._pg("pg_ctl", ["-w", "-t", "60", "-l", str(self.log_file), "start"], timeout=90)
            _wait_for_connection(self.server_url(), timeout=30)
            log.info("embedded PostgreSQL started on 127.0.0.1:%s (%s)", self.port(), self.pgdata)
            return True

    def stop(self) -> bool:
        """Fast shutdown (rolls back open transactions). Returns True when it was running."""
        with self._lock():
            if not self.is_running():
                return False
            self._pg("pg_ctl", ["-w", "-t", "60", "-m", "fast", "stop"], timeout=90)
            return True

    def server_url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port()}/{database}"


def embedded() -> EmbeddedPostgres:
    return EmbeddedPostgres(settings.embedded_pgdata())


def _wait_for_connection(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(url, connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/") or "postgres"


def ensure_database(url: str) -> None:
    """Create the database named in `url` if it does not exist (connects to `postgres`)."""
    name = database_name(url)
    admin_url = with_database(url, "postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
            log.info("created database %s", name)


def drop_database(url: str) -> None:
    name = database_name(url)
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


def server_url() -> str:
    """URL of the server (any database) that holds the warehouse and Airflow's metadata."""
    configured = settings.configured_database_url()
    if configured:
        return configured
    server = embedded()
    server.start()
    return server.server_url()


def warehouse_url(ensure: bool = True) -> str:
    """The warehouse database URL, starting the embedded server and creating the database
    when needed."""
    configured = settings.configured_database_url()
    url = configured or with_database(server_url(), settings.WAREHOUSE_DB_NAME)
    if ensure:
        ensure_database(url)
    return url


def airflow_metadata_url(warehouse: str) -> str:
    """Airflow's metadata database: its own database on the warehouse's server."""
    explicit = os.environ.get("CLUSTERWATCH_AIRFLOW_DATABASE_URL")
    if explicit:
        return explicit
    name = database_name(warehouse)
    suffix = "_airflow" if name != settings.WAREHOUSE_DB_NAME else ""
    return with_database(warehouse, name + suffix if suffix else settings.AIRFLOW_DB_NAME)


def describe(url: str) -> str:
    """A URL safe to print: the password is masked."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password:
        netloc = netloc.replace(":" + parts.password + "@", ":***@")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
