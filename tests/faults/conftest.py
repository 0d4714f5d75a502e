"""The fault suite's own world, for the whole tests/faults/ module set:

- a warehouse on an embedded PostgreSQL of its own (`faulted.pg`), so a scenario can
  stop it for real (fast shutdown) without touching the session's server;
- Airflow (api-server, scheduler, dag-processor, triggerer, LocalExecutor) on its own
  CLUSTERWATCH_HOME, metadata DB on the session's server (it must outlive the
  warehouse's restarts);
- the recorded demo site with switchable outages (`DemoSite.faults`);
- fake secrets planted in the stack's environment and in an Airflow connection;
- a clean reference warehouse on the session's server: each scenario applies its
  inputs there too, once, with no fault, through the same job functions the DAG tasks
  call (clusterwatch/jobs.py), and compares fingerprints (clusterwatch/fingerprint.py).

`transform_warehouse` stays paused: a dbt build per scenario costs minutes here, and the
marts are rebuilt from `raw` (they cannot differ when raw does not); the figures command
(`python -m benchmarks faults`) builds and compares the marts once at the end."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from airflow.sdk.exceptions import AirflowFailException

import faultkit
from clusterwatch import airflow_runtime, db, warehouse
from clusterwatch.demo_server import DemoSite
from clusterwatch.ports import free_port
from clusterwatch.warehouse import EmbeddedPostgres

DAGS = ["ingest_landing", "reconcile_landing", "scrape_news"]
PAUSED = ["transform_warehouse", "monitor_sources", "deliver_alerts", "fetch_comtrade", "backfill_news"]


@dataclass
class Faulted:
    """The faulted side: its stack, warehouse server and landing zone."""

    client: airflow_runtime.AirflowClient
    runtime: airflow_runtime.AirflowStack
    pg: EmbeddedPostgres
    url: str
    landing: Path
    site: DemoSite
    home: Path
    receivers: dict
    figures: dict = field(default_factory=dict)

    def record(self, scenario: str, lost: int, differing: dict) -> None:
        """What a scenario's comparison found, under the running test's name."""
        test = os.environ.get("PYTEST_CURRENT_TEST", "?").split("::")[-1].split(" ")[0]
        self.figures.setdefault("by_test", {})[test] = {
            "scenario": scenario, "rows_lost": lost, "tables_differing": sorted(differing)}


@dataclass
class Reference:
    """The clean side: the same inputs, applied once each, no fault."""

    url: str
    landing: Path
    site: str
    runs: int = 0

    def _env(self, monkeypatch):
        monkeypatch.setenv("CLUSTERWATCH_DATABASE_URL", self.url)
        monkeypatch.setenv("CLUSTERWATCH_LANDING_DIR", str(self.landing))
        monkeypatch.setenv("CLUSTERWATCH_LANDING_SETTLE_SECONDS", "none")

    def ingest(self, files: list[tuple[str, str]]) -> None:
        """Land `files` (name, body) with markers, then what ingest_landing's tasks do."""
        from clusterwatch import jobs

        with pytest.MonkeyPatch.context() as monkeypatch:
            self._env(monkeypatch)
            for name, body in files:
                faultkit.land(self.landing / "trade", name, body)
            jobs.ingest_landed("trade", "watcher")
            for batch in jobs.ingest_batches_to_validate("trade"):
                try:
                    jobs.validate_ingest_batch(batch)
                except AirflowFailException:  # a failed verdict is recorded, as in the DAG
                    pass

    def scrape(self, sources: list[str]) -> None:
        """What scrape_news's scrape (per source) and analyse_text tasks do."""
        from clusterwatch import jobs

        self.runs += 1
        batch = f"clean:{self.runs}"
        with pytest.MonkeyPatch.context() as monkeypatch:
            self._env(monkeypatch)
            for source_id in sources:
                jobs.scrape(source_id, batch, "demo", self.site, raise_on_failure=False)
            jobs.analyse_text(batch)


@pytest.fixture(scope="module")
def fault_receivers():
    from alert_servers import SmtpServer, WebhookServer

    smtp, webhook = SmtpServer().start(), WebhookServer().start()
    yield {"smtp": smtp, "webhook": webhook}
    smtp.stop()
    webhook.stop()


@pytest.fixture(scope="module")
def faulted(pg_server_url, tmp_path_factory, fault_receivers) -> Faulted:
    from clusterwatch.transform import ensure_manifest

    ensure_manifest()  # the transform DAG (Cosmos, DBT_MANIFEST) must parse
    # Not under pytest's basetemp: a concurrent pytest session (another checkout on the
    # same machine) prunes old basetemps, and the embedded server's data dir with them.
    home = Path(tempfile.mkdtemp(prefix="cw_faults_home_"))
    landing = home / "landing"
    # Own home (own Airflow logs, secrets and caches: the suite greps them all), set
    # while the stack is made; its processes get it in their environment.
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("CLUSTERWATCH_HOME", str(home))
        pg = EmbeddedPostgres(home / "pgdata")
        pg.start()
        # The warehouse URL carries a (planted) password: the embedded server trusts
        # local logins and ignores it, so every task and dbt hold a secret to leak.
        url = warehouse.with_database(pg.server_url(), "cw_faults").replace(
            "postgresql://postgres@", f"postgresql://postgres:{faultkit.SECRETS['database_password']}@", 1)
        warehouse.ensure_database(url)
        db.bootstrap(url)
        metadata_url = warehouse.with_database(pg_server_url, f"cw_faults_airflow_{uuid.uuid4().hex[:6]}")
        site = DemoSite()
        site.start()
        smtp, webhook = fault_receivers["smtp"], fault_receivers["webhook"]
        env = airflow_runtime.airflow_environment(url, port=free_port())
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = metadata_url.replace(
            "postgresql://", "postgresql+psycopg2://", 1)
        env.update(smtp.env())
        env.update({
            "CLUSTERWATCH_SCRAPE_SCHEDULE": "none",
            "CLUSTERWATCH_MONITOR_SCHEDULE": "none",
            "CLUSTERWATCH_ALERT_DELIVERY_SCHEDULE": "none",
            "CLUSTERWATCH_RECONCILE_SCHEDULE": "none",
            "CLUSTERWATCH_LANDING_DIR": str(landing),
            "CLUSTERWATCH_LANDING_POKE_SECONDS": "1",
            "CLUSTERWATCH_LANDING_SETTLE_SECONDS": "none",
            # Planted secrets (tests/faults/test_secrets_in_outputs.py looks for them).
            "CLUSTERWATCH_SMTP_PASSWORD": faultkit.SECRETS["CLUSTERWATCH_SMTP_PASSWORD"],
            "CLUSTERWATCH_COMTRADE_API_KEY": faultkit.SECRETS["CLUSTERWATCH_COMTRADE_API_KEY"],
            "CLUSTERWATCH_ALERT_WEBHOOK_URLS": webhook.url(
                f"/hook?token={faultkit.SECRETS['webhook_token']}"),
        })
        warehouse.ensure_database(metadata_url)
        airflow_runtime.run_airflow_cli(["db", "migrate"], env)
        runtime = airflow_runtime.AirflowStack(env)
        runtime.start()
        admin_password = airflow_runtime.local_secrets()["admin_password"]
    try:
        client = airflow_runtime.AirflowClient(runtime.base_url, airflow_runtime.ADMIN_USER, admin_password)
        client.wait_for_dags(DAGS)
        for dag_id in PAUSED:
            client._call("PATCH", f"/dags/{dag_id}", json={"is_paused": True})
        client._call("POST", "/connections", json={
            "connection_id": "comtrade_api", "conn_type": "http", "host": "comtradeapi.un.org",
            "login": "observatory", "password": faultkit.SECRETS["connection_password"]})
        faulted = Faulted(client, runtime, pg, url, landing, site, home, fault_receivers)
        yield faulted
        figures = os.environ.get("CLUSTERWATCH_FAULTS_FIGURES")
        if figures:  # for `python -m benchmarks faults`
            with db.connect(url) as conn:
                faulted.figures["warehouse_mb"] = round(conn.execute(
                    "select pg_database_size(current_database())").fetchone()[0] / 2**20, 1)
            Path(figures).write_text(json.dumps(faulted.figures, indent=1))
    finally:
        runtime.stop()
        site.stop()
        pg.stop()
        warehouse.drop_database(metadata_url)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def reference(pg_server_url, tmp_path_factory, faulted) -> Reference:
    url = warehouse.with_database(pg_server_url, f"cw_clean_{uuid.uuid4().hex[:8]}")
    warehouse.ensure_database(url)
    db.bootstrap(url)
    yield Reference(url, faulted.home / "clean_landing", faulted.site.base_url)
    warehouse.drop_database(url)



@pytest.fixture(autouse=True)
def timed(request):
    """Seconds per scenario, for the figures (`python -m benchmarks faults`)."""
    started = time.monotonic()
    yield
    if "faulted" in request.fixturenames:
        faulted = request.getfixturevalue("faulted")
        faulted.figures.setdefault("seconds", {})[request.node.name] = round(time.monotonic() - started, 1)
