"""scrape_news with a failing source, and backfill_news, through the session's running
Airflow (tests/e2e/conftest.py): real scheduler, real workers, real PostgreSQL.

The failing source comes from a second copy of the recorded demo site (passed as the
run's `demo_site`) whose El Watan feed is missing: that source cannot be read, the
others can."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from clusterwatch import db
from clusterwatch.demo_server import serve_site

pytestmark = [pytest.mark.airflow, pytest.mark.postgres, pytest.mark.slow]

DEMO_SITE = Path(__file__).resolve().parents[2] / "demo" / "site"


def _states(client, dag_id, run_id) -> dict[tuple[str, int], str]:
    return {(t["task_id"], t.get("map_index", -1)): t["state"]
            for t in client.task_instances(dag_id, run_id)}


def test_a_failing_source_is_reported_without_failing_the_others(airflow_stack, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(DEMO_SITE, site)
    shutil.rmtree(site / "elwatan.com" / "feed")
    client = airflow_stack.client
    with serve_site(site) as broken_site:
        run_id = client.trigger("scrape_news", {"source_set": "demo", "demo_site": broken_site})
        run = client.wait_for_run("scrape_news", run_id, timeout=600)
    states = _states(client, "scrape_news", run_id)
    assert run["state"] == "failed", "the run shows that a source failed"
    scrape_states = [state for (task, _), state in states.items() if task == "scrape"]
    assert len(scrape_states) == 4 and set(scrape_states) == {"success"}
    assert states[("validate", -1)] == "success", "the good sources were validated"
    assert states[("report", -1)] == "failed"

    batch = f"scrape_news:{run_id}"
    with db.connect(airflow_stack.warehouse_url) as conn:
        rows = dict(conn.execute(
            "select source_id, status from raw.scrape_runs where scrape_run_id = %s",
            (batch,)).fetchall())
        dq = conn.execute("select success from monitoring.dq_runs where batch_id = %s",
                          (batch,)).fetchall()
    assert rows["demo_elwatan_fr"] == "failed"
    assert {k: v for k, v in rows.items() if k != "demo_elwatan_fr"} == {
        "demo_aps_ar": "succeeded", "demo_industrie": "succeeded",
        "demo_djazairess": "succeeded"}
    assert dq == [(True,)]

    # the validated asset event carries the batch and names the failed source
    events = client._call("GET", "/assets/events", params={"limit": 100,
                                                            "order_by": "-timestamp"})
    extras = [e["extra"] for e in events["asset_events"] if e["extra"].get("batch_id") == batch]
    assert extras and extras[0]["failed_sources"] == ["demo_elwatan_fr"]


def test_backfill_news_loads_an_id_range(airflow_stack):
    client = airflow_stack.client
    client.wait_for_dags(["backfill_news"])
    run_id = client.trigger("backfill_news", {
        "source": "demo_djazairess", "id_from": 354808, "id_to": 354808,
        "source_set": "demo", "demo_site": airflow_stack.site})
    run = client.wait_for_run("backfill_news", run_id, timeout=600)
    assert run["state"] == "success", _states(client, "backfill_news", run_id)
    with db.connect(airflow_stack.warehouse_url) as conn:
        ((mode, new, status),) = conn.execute(
            """select run_mode, articles_new + articles_unchanged, status from raw.scrape_runs
               where scrape_run_id = %s""", (f"backfill_news:{run_id}",)).fetchall()
        ((language,),) = conn.execute(
            """select language from raw.news_articles where source_id = 'demo_djazairess'
               and canonical_url = 'https://www.djazairess.com/alfadjr/354808'""").fetchall()
    assert (mode, new, status, language) == ("backfill", 1, "succeeded", "ar")
