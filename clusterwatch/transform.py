"""Run the dbt project (`dbt_project/`) against a warehouse given by its URL.

dbt runs as a subprocess, the same way Cosmos runs it in Airflow: a crash or a leaked
global in dbt cannot take the caller down, and the exit code is dbt's own. The process
runs the `dbt` executable's code (`python -m clusterwatch.dbt_process`, dbt installed
next to this Python), minus Python's teardown after dbt has finished.

Connection settings reach dbt only through environment variables that
`dbt_project/profiles.yml` reads (`dbt_env`); the password travels as
`DBT_ENV_SECRET_PG_PASSWORD`, which dbt masks in its logs, and this module scrubs it
from any output it keeps or raises.

    from clusterwatch import transform
    result = transform.build(database_url)               # dbt build, whole project
    result = transform.build(database_url, select="marts")
    transform.run_dbt(["test", "--select", "stg_news__articles"], database_url)
    manifest = transform.ensure_manifest()               # for Cosmos' dbt_manifest mode
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from clusterwatch import settings

log = logging.getLogger(__name__)

# What `dbt parse` reads; a change to any of these makes target/manifest.json stale.
MANIFEST_INPUTS = ("models", "macros", "seeds", "snapshots", "tests", "analyses")
MANIFEST_INPUT_FILES = ("dbt_project.yml", "profiles.yml")

OUTPUT_TAIL_LINES = 40
_URL_SCHEMES = {"postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2"}
_MASK = "*****"


class DbtError(RuntimeError):
    """dbt exited non-zero. `result` holds the (scrubbed) output and the exit code."""

    def __init__(self, message: str, result: DbtResult):
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class DbtResult:
    args: list[str]
    returncode: int
    output: str = field(repr=False)  # stdout and stderr, secrets scrubbed
    duration_seconds: float
    target_path: Path

    @property
    def success(self) -> bool:
        return self.returncode == 0

    def output_tail(self, lines: int = OUTPUT_TAIL_LINES) -> str:
        return "\n".join(self.output.rstrip().splitlines()[-lines:])

    def run_results(self) -> dict | None:
        """dbt's `run_results.json` of this invocation, when the command writes one."""
        path = self.target_path / "run_results.json"
        if not path.exists():
            return None
        return json.loads(path.read_text(encoding="utf-8"))

    def summary(self) -> dict:
        """Small, JSON-ready account of the run: node counts per status."""
        counts: dict[str, int] = {}
        for node in (self.run_results() or {}).get("results", []):
            counts[node["status"]] = counts.get(node["status"], 0) + 1
        return {
            "command": " ".join(self.args[:1]),
            "returncode": self.returncode,
            "seconds": round(self.duration_seconds, 1),
            "statuses": counts,
        }


def dbt_env(database_url: str) -> dict[str, str]:
    """The variables `dbt_project/profiles.yml` reads, taken from a postgresql:// URL.

    `postgresql://user:pass@host:5432/dbname?sslmode=require`; user and password may
    be percent-encoded. A missing port is 5432, a missing database `postgres`.
    """
    parts = urlsplit(database_url)
    if parts.scheme not in _URL_SCHEMES:
        raise ValueError(f"not a PostgreSQL URL (scheme {parts.scheme!r})")
    query = parse_qs(parts.query)
    host = parts.hostname or (query.get("host") or ["localhost"])[0]
    try:
        port = parts.port or int((query.get("port") or ["5432"])[0])
    except ValueError as exc:  # urlsplit raises on a non-numeric port
        raise ValueError("invalid port in the database URL") from exc
    env = {
        "CLUSTERWATCH_DBT_HOST": host,
        "CLUSTERWATCH_DBT_PORT": str(port),
        "CLUSTERWATCH_DBT_USER": unquote(parts.username or "") or "postgres",
        "DBT_ENV_SECRET_PG_PASSWORD": unquote(parts.password or ""),
        "CLUSTERWATCH_DBT_DBNAME": unquote(parts.path.lstrip("/")) or "postgres",
    }
    if query.get("sslmode"):
        env["CLUSTERWATCH_DBT_SSLMODE"] = query["sslmode"][0]
    return env


def dbt_executable() -> Path:
    return Path(sys.executable).parent / "dbt"


def _base_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",  # no network here, and none wanted
        DBT_VERSION_CHECK="false",
        DBT_USE_COLORS="false",
    )
    return env


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, _MASK)
    return text


def _invoke(
    args: list[str],
    env_overrides: dict[str, str],
    *,
    project_dir: Path | None = None,
    target_path: Path | str | None = None,
    timeout: float | None = None,
) -> DbtResult:
    project_dir = Path(project_dir or settings.DBT_PROJECT_DIR)
    executable = dbt_executable()
    if not executable.exists():
        raise FileNotFoundError(f"dbt is not installed next to {sys.executable} ({executable})")
    # The `dbt` executable's own code, minus the interpreter's teardown at exit
    # (clusterwatch/dbt_process.py): same process boundary, ~0.5-1 s less per command.
    command = [sys.executable, "-P", "-m", "clusterwatch.dbt_process", *args,
               "--project-dir", str(project_dir), "--profiles-dir", str(project_dir)]
    resolved_target = Path(target_path) if target_path else project_dir / "target"
    env = _base_env()
    env.update(env_overrides)
    if target_path:
        # An own target (and log) folder lets several runs share one checkout. Set
        # through the environment: not every dbt command takes --target-path.
        env.update(DBT_TARGET_PATH=str(resolved_target), DBT_LOG_PATH=str(resolved_target))
    secrets = [env.get("DBT_ENV_SECRET_PG_PASSWORD", "")]

    log.info("dbt %s", " ".join(args))
    started = time.monotonic()
    completed = subprocess.run(
        command, check=False, cwd=project_dir, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout,
    )
    result = DbtResult(
        args=list(args),
        returncode=completed.returncode,
        output=_scrub(completed.stdout or "", secrets),
        duration_seconds=time.monotonic() - started,
        target_path=resolved_target,
    )
    log.info("dbt %s exited %s after %.1f s", args[0] if args else "", result.returncode,
             result.duration_seconds)
    if result.returncode != 0:
        raise DbtError(
            f"dbt {' '.join(args)} failed with exit code {result.returncode}:\n"
            f"{result.output_tail()}",
            result,
        )
    return result


def run_dbt(
    args: list[str],
    database_url: str,
    *,
    target_path: Path | str | None = None,
    timeout: float | None = None,
    project_dir: Path | str | None = None,
) -> DbtResult:
    """Run `dbt <args>` on the warehouse at `database_url`; raise DbtError on failure.

    `target_path` (default `dbt_project/target`) receives manifest, run results and
    dbt's log, so concurrent callers can keep theirs apart. `project_dir` (default
    the platform's `dbt_project/`) runs another copy of the project, as tests do.
    """
    return _invoke(args, dbt_env(database_url), project_dir=Path(project_dir) if project_dir else None,
                   target_path=target_path, timeout=timeout)


def build(
    database_url: str,
    select: str | list[str] | None = None,
    full_refresh: bool = False,
    *,
    target_path: Path | str | None = None,
) -> DbtResult:
    """`dbt build` (seeds, models, snapshots, unit and data tests in DAG order)."""
    args = ["build"]
    if select:
        args += ["--select", *([select] if isinstance(select, str) else select)]
    if full_refresh:
        args.append("--full-refresh")
    return run_dbt(args, database_url, target_path=target_path)


def generate_docs(database_url: str) -> Path:
    """`dbt docs generate --static` into the home: one self-contained HTML file (manifest
    and catalog inlined) that opens from disk, plus the usual index/manifest/catalog."""
    out = settings.home() / "dbt_docs"
    run_dbt(["docs", "generate", "--static"], database_url, target_path=out)
    return out / "static_index.html"


# -- manifest for Cosmos (LoadMode.DBT_MANIFEST) --------------------------------------
def manifest_path(project_dir: Path | None = None) -> Path:
    return Path(project_dir or settings.DBT_PROJECT_DIR) / "target" / "manifest.json"


def _newest_input_mtime(project_dir: Path) -> float:
    newest = 0.0
    for name in MANIFEST_INPUT_FILES:
        path = project_dir / name
        if path.exists():
            newest = max(newest, path.stat().st_mtime)
    for folder in MANIFEST_INPUTS:
        root = project_dir / folder
        if not root.is_dir():
            continue
        for path in root.rglob("*"):
            # Both files and folders: a deleted file only changes its folder's mtime.
            newest = max(newest, path.stat().st_mtime)
        newest = max(newest, root.stat().st_mtime)
    return newest


def _fingerprint_path(project_dir: Path) -> Path:
    return project_dir / "target" / "manifest.inputs.sha256"


def inputs_fingerprint(project_dir: Path | None = None) -> str:
    """sha256 over the names and contents of every file dbt parses.

    Catches what modification times miss: a file put back with an older time stamp
    (`cp -p`, an archive, a checkout that keeps times), or a manifest copied in newer
    than the project it came from."""
    project_dir = Path(project_dir or settings.DBT_PROJECT_DIR)
    paths = [project_dir / name for name in MANIFEST_INPUT_FILES]
    for folder in MANIFEST_INPUTS:
        paths += (project_dir / folder).rglob("*")
    sha = hashlib.sha256()
    for path in sorted(p for p in paths if p.is_file()):
        sha.update(str(path.relative_to(project_dir)).encode() + b"\0")
        sha.update(path.read_bytes() + b"\0")
    return sha.hexdigest()


def manifest_is_stale(project_dir: Path | None = None) -> bool:
    """True when manifest.json is missing, older than any file dbt parses, or (when
    `ensure_manifest` wrote it) parsed from files whose contents have changed since."""
    project_dir = Path(project_dir or settings.DBT_PROJECT_DIR)
    manifest = manifest_path(project_dir)
    if not manifest.exists():
        return True
    if _newest_input_mtime(project_dir) > manifest.stat().st_mtime:
        return True
    recorded = _fingerprint_path(project_dir)
    if recorded.exists() and recorded.stat().st_mtime >= manifest.stat().st_mtime:
        return recorded.read_text(encoding="utf-8").strip() != inputs_fingerprint(project_dir)
    return False


@contextlib.contextmanager
def _parse_lock(project_dir: Path):
    target = project_dir / "target"
    target.mkdir(parents=True, exist_ok=True)
    with open(target / ".parse.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_manifest(project_dir: Path | None = None) -> Path:
    """Path of an up-to-date `target/manifest.json`, running `dbt parse` when stale.

    Parsing needs no database: the profile's defaults are enough. A lock keeps two
    processes (a DAG parse and a test, say) from writing the manifest at once.
    """
    project_dir = Path(project_dir or settings.DBT_PROJECT_DIR)
    if not manifest_is_stale(project_dir):
        return manifest_path(project_dir)
    with _parse_lock(project_dir):
        if manifest_is_stale(project_dir):  # someone else may have parsed meanwhile
            fingerprint = inputs_fingerprint(project_dir)  # of what this parse reads
            _invoke(["parse"], {}, project_dir=project_dir)
            _fingerprint_path(project_dir).write_text(fingerprint + "\n", encoding="utf-8")
    return manifest_path(project_dir)
