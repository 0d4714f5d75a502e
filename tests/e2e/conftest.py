"""One running Airflow stack (api-server, scheduler, dag-processor, triggerer) for the
whole test session, on the session's warehouse: starting one costs ~10 s, so every
scheduler-driven test shares it and drives it over the REST API.

Tests that need more of the environment (a landing zone, SMTP, webhooks) add it to
`STACK_ENV_HOOKS` style fixtures below, before the stack starts."""

from __future__ import annotations

import socket
from dataclasses import dataclass

import pytest

from clusterwatch import airflow_runtime, warehouse
from clusterwatch.demo import SCRAPE_DAG, TRANSFORM_DAG


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Stack:
    client: airflow_runtime.AirflowClient
    runtime: airflow_runtime.AirflowStack
    site: str
    warehouse_url: str
    env: dict


@pytest.fixture(scope="session")
def alert_receivers():
    """A real SMTP server and HTTP webhook receiver for the whole session: the stack's
    tasks send their alerts there (tests/alert_servers.py)."""
    from alert_servers import SmtpServer, WebhookServer

    smtp, webhook = SmtpServer().start(), WebhookServer().start()
    yield {"smtp": smtp, "webhook": webhook}
    smtp.stop()
    webhook.stop()


@pytest.fixture(scope="session")
def landing_dir(tmp_path_factory):
    """The landing zone the stack's AssetWatchers and ingest DAGs use."""
    return tmp_path_factory.mktemp("landing")


@pytest.fixture(scope="session")
def stack_extra_env(tmp_path_factory, alert_receivers, landing_dir) -> dict[str, str]:
    """Environment the stack's processes get on top of the standard one. Extend here."""
    env = {"CLUSTERWATCH_SCRAPE_SCHEDULE": "none"}
    # Alerts to the local receivers; the timers of the monitoring DAGs off (tests trigger).
    env.update(alert_receivers["smtp"].env())
    env.update({
        "CLUSTERWATCH_ALERT_WEBHOOK_URLS": alert_receivers["webhook"].url("/hook"),
        "CLUSTERWATCH_MONITOR_SCHEDULE": "none",
        "CLUSTERWATCH_ALERT_DELIVERY_SCHEDULE": "none",
    })
    # Landing zone (tests/e2e/test_landing_zone.py): markers seen within a second;
    # no reconcile clock (the test triggers it), no marker-less pick-up.
    env.update({
        "CLUSTERWATCH_LANDING_DIR": str(landing_dir),
        "CLUSTERWATCH_LANDING_POKE_SECONDS": "1",
        "CLUSTERWATCH_RECONCILE_SCHEDULE": "none",
        "CLUSTERWATCH_LANDING_SETTLE_SECONDS": "none",
    })
    return env


@pytest.fixture(scope="session")
def airflow_stack(warehouse_url, stack_extra_env) -> Stack:
    from clusterwatch.demo_server import serve_site
    from clusterwatch.transform import ensure_manifest

    ensure_manifest()
    env = airflow_runtime.airflow_environment(warehouse_url, port=free_port())
    env.update(stack_extra_env)
    metadata_url = warehouse.airflow_metadata_url(warehouse_url)
    airflow_runtime.migrate_metadata(warehouse_url, env)
    runtime = airflow_runtime.AirflowStack(env)
    with serve_site() as site:
        runtime.start()
        try:
            client = airflow_runtime.AirflowClient.for_local_stack(runtime)
            client.wait_for_dags([SCRAPE_DAG, TRANSFORM_DAG])
            yield Stack(client, runtime, site, warehouse_url, env)
        finally:
            runtime.stop()
            warehouse.drop_database(metadata_url)
