"""Run Airflow locally on the clusterwatch home: its environment, its processes, its API.

`airflow_environment()` is the one place that says how Airflow is configured for local
use (home, metadata database, executor, parallelism, DAG folder, auth); `AirflowStack`
starts the four Airflow 3 components (api-server, scheduler, dag-processor, triggerer)
as child processes with their logs under the home, and stops them with SIGINT (SIGTERM
orphans the scheduler's workers); `AirflowClient` talks to the REST API like any
external producer or operator would.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from clusterwatch import settings, warehouse
from clusterwatch.ports import free_port
from clusterwatch.transform import dbt_env

log = logging.getLogger(__name__)

COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
ADMIN_USER = "admin"


def _secrets_file() -> Path:
    return settings.airflow_home() / "local_secrets.json"


def local_secrets() -> dict[str, str]:
    """Keys Airflow needs (fernet, JWT, admin password), made once per home, mode 0600.

    They never leave the home: nothing here is committed or printed except the admin
    password, which `make up` shows so the user can log in."""
    path = _secrets_file()
    if path.exists():
        return json.loads(path.read_text())
    from cryptography.fernet import Fernet

    path.parent.mkdir(parents=True, exist_ok=True)
    values = {
        "fernet_key": Fernet.generate_key().decode(),
        "jwt_secret": secrets.token_urlsafe(32),
        "api_secret_key": secrets.token_urlsafe(32),
        "admin_password": secrets.token_urlsafe(12),
    }
    path.write_text(json.dumps(values))
    path.chmod(0o600)
    return values


def _passwords_file() -> Path:
    return settings.airflow_home() / "simple_auth_manager_passwords.json"


def airflow_environment(warehouse_url: str, *, port: int | None = None) -> dict[str, str]:
    """Environment for every Airflow process (and so every task) of the local stack."""
    port = port or settings.airflow_port()
    home = settings.airflow_home()
    home.mkdir(parents=True, exist_ok=True)
    keys = local_secrets()
    passwords = _passwords_file()
    if not passwords.exists():
        passwords.write_text(json.dumps({ADMIN_USER: keys["admin_password"]}))
        passwords.chmod(0o600)
    metadata_url = warehouse.airflow_metadata_url(warehouse_url)
    sqlalchemy_url = metadata_url.replace("postgresql://", "postgresql+psycopg2://", 1)
    venv_bin = str(Path(sys.executable).parent)
    env = {
        "AIRFLOW_HOME": str(home),
        "CLUSTERWATCH_HOME": str(settings.home()),
        "CLUSTERWATCH_DATABASE_URL": warehouse_url,
        "PATH": venv_bin + os.pathsep + os.environ.get("PATH", ""),
        "AIRFLOW__CORE__DAGS_FOLDER": str(settings.DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": str(settings.airflow_parallelism()),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__FERNET_KEY": keys["fernet_key"],
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sqlalchemy_url,
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__API__SECRET_KEY": keys["api_secret_key"],
        "AIRFLOW__API_AUTH__JWT_SECRET": keys["jwt_secret"],
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(settings.logs_dir() / "airflow"),
        # The log servers of the scheduler and triggerer default to 8793/8794: free ports
        # instead, so a demo and a test run (or two homes) can run side by side.
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
        # Local, event-driven use: notice new DAG files and asset events within seconds.
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "30",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "AIRFLOW__COSMOS__CACHE_DIR": str(settings.home() / "cosmos_cache"),
        "SCARF_ANALYTICS": "false",
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "PYTHONUNBUFFERED": "1",
    }
    env.update(dbt_env(warehouse_url))
    return env


def merged_environment(extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    return env


def run_airflow_cli(args: list[str], env: dict[str, str], timeout: float = 300) -> str:
    airflow = str(Path(sys.executable).parent / "airflow")
    result = subprocess.run(
        [airflow, *args], env=merged_environment(env), capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise RuntimeError(f"airflow {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def migrate_metadata(warehouse_url: str, env: dict[str, str]) -> None:
    warehouse.ensure_database(warehouse.airflow_metadata_url(warehouse_url))
    run_airflow_cli(["db", "migrate"], env)


@dataclass
class AirflowStack:
    """The four Airflow components as child processes of this one."""

    env: dict[str, str]
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return self.env["AIRFLOW__API__BASE_URL"]

    def start(self, timeout: float = 120) -> None:
        for component in COMPONENTS:
            self.start_component(component)
        try:
            self.wait_healthy(timeout)
        except BaseException:
            self.stop()
            raise

    def wait_healthy(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            for name, proc in self.processes.items():
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"airflow {name} exited with {proc.returncode}; see "
                        f"{settings.logs_dir() / f'airflow-{name}.log'}"
                    )
            try:
                health = requests.get(f"{self.base_url}/api/v2/monitor/health", timeout=3).json()
                last = health
                wanted = ("metadatabase", "scheduler", "dag_processor", "triggerer")
                if all((health.get(k) or {}).get("status") == "healthy" for k in wanted):
                    return health
            except (requests.RequestException, ValueError):
                pass
            time.sleep(1)
        raise TimeoutError(f"Airflow not healthy after {timeout}s; last health: {last}")

    def stop(self, timeout: float = 60) -> None:
        """SIGINT each component's process group (Airflow's clean shutdown), then wait;
        SIGKILL only what is still alive after `timeout`."""
        for proc in self.processes.values():
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGINT)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + timeout
        for name, proc in self.processes.items():
            remaining = max(0.1, deadline - time.monotonic())
            try:
                proc.wait(remaining)
            except subprocess.TimeoutExpired:
                log.warning("airflow %s did not stop in time; killing it", name)
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(10)
        self.processes.clear()

    def start_component(self, component: str) -> subprocess.Popen:
        """Start one component (also again after `stop_component`), its output appended
        to its log under the home."""
        # The stack's own home (its env), even if this process's has changed since.
        home = self.env.get("CLUSTERWATCH_HOME")
        logs = Path(home) / "logs" if home else settings.logs_dir()
        logs.mkdir(parents=True, exist_ok=True)
        airflow = str(Path(sys.executable).parent / "airflow")
        with open(logs / f"airflow-{component}.log", "ab") as out:
            self.processes[component] = subprocess.Popen(
                [airflow, component], env=merged_environment(self.env), stdout=out,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )
        return self.processes[component]

    def stop_component(self, component: str, timeout: float = 60) -> None:
        """Stop one component the clean way (SIGINT to its process group), the others
        running on: e.g. the triggerer alone, so AssetWatcher events stop (fault tests)."""
        proc = self.processes.pop(component)
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGINT)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)

    def __enter__(self) -> "AirflowStack":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class AirflowClient:
    """A small client of Airflow's public REST API (v2), authenticated like a user."""

    def __init__(self, base_url: str, username: str, password: str):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        response = self.session.post(
            f"{self.base_url}/auth/token", json={"username": username, "password": password}, timeout=30
        )
        response.raise_for_status()
        self.session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"

    @classmethod
    def for_local_stack(cls, stack: AirflowStack) -> "AirflowClient":
        return cls(stack.base_url, ADMIN_USER, local_secrets()["admin_password"])

    def _call(self, method: str, path: str, **kwargs) -> dict:
        response = self.session.request(method, f"{self.base_url}/api/v2{path}", timeout=30, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:500]}")
        return response.json() if response.content else {}

    def wait_for_dags(self, dag_ids: list[str], timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        missing = list(dag_ids)
        while missing:
            errors = self._call("GET", "/importErrors").get("import_errors", [])
            if errors:
                raise RuntimeError("DAG import errors: " + "; ".join(e["stack_trace"][-500:] for e in errors))
            missing = [d for d in dag_ids if self.session.get(
                f"{self.base_url}/api/v2/dags/{d}", timeout=30).status_code != 200]
            if not missing:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"DAGs not parsed after {timeout}s: {missing}")
            time.sleep(1)
        for dag_id in dag_ids:
            self._call("PATCH", f"/dags/{dag_id}", json={"is_paused": False})

    def trigger(self, dag_id: str, conf: dict | None = None) -> str:
        from datetime import datetime, timezone

        run = self._call("POST", f"/dags/{dag_id}/dagRuns", json={
            "conf": conf or {}, "logical_date": datetime.now(timezone.utc).isoformat()})
        return run["dag_run_id"]

    def dag_runs(self, dag_id: str) -> list[dict]:
        return self._call("GET", f"/dags/{dag_id}/dagRuns", params={"order_by": "-run_after", "limit": 50})["dag_runs"]

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 600) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            run = self._call("GET", f"/dags/{dag_id}/dagRuns/{run_id}")
            if run["state"] in ("success", "failed"):
                return run
            if time.monotonic() > deadline:
                raise TimeoutError(f"{dag_id} run {run_id} still {run['state']} after {timeout}s")
            time.sleep(1)

    def wait_for_new_run(self, dag_id: str, known: set[str], run_type: str, timeout: float = 300) -> dict:
        """Wait for a run of `dag_id` not in `known`, of the given type (e.g. asset_triggered)."""
        deadline = time.monotonic() + timeout
        while True:
            for run in self.dag_runs(dag_id):
                if run["dag_run_id"] not in known and run["run_type"] == run_type:
                    return run
            if time.monotonic() > deadline:
                raise TimeoutError(f"no new {run_type} run of {dag_id} after {timeout}s")
            time.sleep(1)

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        return self._call("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")["task_instances"]

    def upstream_asset_events(self, dag_id: str, run_id: str) -> list[dict]:
        return self._call("GET", f"/dags/{dag_id}/dagRuns/{run_id}/upstreamAssetEvents")["asset_events"]
