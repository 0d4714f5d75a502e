"""The quality gate through the running scheduler (the session's `airflow_stack`): a
scrape batch that fails an error-level expectation is quarantined, alerts exactly once
by e-mail and webhook, emits no validated asset event, so `transform_warehouse` does
not run on it, and its rows stay out of the marts when a later good batch triggers the
transform. A good batch alerts nobody.

How the bad batch is made, honestly: a scrape run's batch id is
`scrape_news:<dag_run_id>`, and the test chooses the run id. Before triggering, it
writes one defective article (a non-http URL, a date a month ahead: what a broken
extractor would produce) into raw.news_articles under that batch id, exactly as the
scraper would have. Nothing in the platform's code knows about the test: the real
scrape runs, the real `validate` task reads the batch from the table and the real suite
fails it."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from alert_servers import wait_until
from clusterwatch import db
from clusterwatch.demo import SCRAPE_DAG, TRANSFORM_DAG, run_pipeline_once

pytestmark = [pytest.mark.airflow, pytest.mark.postgres, pytest.mark.slow]

NO_TRIGGER_WAIT_SECONDS = 10  # asset-triggered runs appear within ~5 s of the event


def _demo_articles(url: str) -> int:
    with db.connect(url) as conn:
        return conn.execute("select count(*) from raw.news_articles where source_id like 'demo_%'").fetchone()[0]


def _events_of(client, asset_name: str) -> list[dict]:
    asset_id = client._call("GET", "/assets", params={"name_pattern": asset_name})["assets"][0]["id"]
    return client._call("GET", "/assets/events", params={"asset_id": asset_id, "limit": 100})["asset_events"]


def test_error_level_failure_keeps_the_transform_off_the_batch(airflow_stack, warehouse_url, alert_receivers):
    client, site = airflow_stack.client, airflow_stack.site
    smtp, webhook = alert_receivers["smtp"], alert_receivers["webhook"]

    if _demo_articles(warehouse_url) == 0:
        # The demo's articles first land in a validated batch of their own, so the bad
        # batch below holds only the defective row.
        run_pipeline_once(client, site, timeout=600)

    run_id = f"manual__quality_gate_{uuid.uuid4().hex[:8]}"
    batch_id = f"scrape_news:{run_id}"
    bad_url = f"ftp://mirror.example.dz/{run_id}"
    with db.connect(warehouse_url) as conn:
        conn.execute(
            """insert into raw.news_articles (article_id, source_id, canonical_url, url, language, title,
                   body_text, published_at, content_hash, extractor, _batch_id, _scraped_at)
               values (md5('demo_aps_ar|' || %s), 'demo_aps_ar', %s, %s, 'ar', 'تجمع صناعي', %s, %s, md5(%s),
                       'selectors', %s, now())""",
            (bad_url, bad_url, bad_url, "نص المقال " * 40, datetime.now(timezone.utc) + timedelta(days=30), bad_url,
             batch_id))
    try:
        known_transforms = {r["dag_run_id"] for r in client.dag_runs(TRANSFORM_DAG)}
        client._call("POST", f"/dags/{SCRAPE_DAG}/dagRuns", json={
            "dag_run_id": run_id, "logical_date": datetime.now(timezone.utc).isoformat(),
            "conf": {"source_set": "demo", "demo_site": site}})
        scrape = client.wait_for_run(SCRAPE_DAG, run_id, timeout=600)
        assert scrape["state"] == "failed"
        tasks = {t["task_id"]: t for t in client.task_instances(SCRAPE_DAG, run_id) if t["task_id"] != "scrape"}
        assert tasks["validate"]["state"] == "failed"
        assert tasks["validate"]["try_number"] == 1, "a data-quality failure is not retried"

        # No validated asset event for the batch, so no transform run starts on it.
        time.sleep(NO_TRIGGER_WAIT_SECONDS)
        new_transforms = [r for r in client.dag_runs(TRANSFORM_DAG) if r["dag_run_id"] not in known_transforms]
        assert new_transforms == []
        assert not any((e.get("extra") or {}).get("batch_id") == batch_id
                       for e in _events_of(client, "news_articles_validated"))
        with db.connect(warehouse_url) as conn:
            assert conn.execute("select status from monitoring.batch_quality where batch_id = %s",
                                (batch_id,)).fetchone() == ("quarantined",)

        # Exactly one e-mail and one webhook call, with the details to act on.
        mails = wait_until(lambda: smtp.matching(batch_id), timeout=30)
        calls = wait_until(lambda: webhook.received(text=batch_id), timeout=30)
        assert len(mails) == 1 and len(calls) == 1
        body = mails[0].body
        for expected in ("Dataset:      news_articles", f"Batch:        {batch_id}", "quarantined",
                         "expect_column_values_to_match_regex(canonical_url)",
                         "expect_column_values_to_be_between(published_at)", "expected: {\"regex\"",
                         "1 of 1 rows unexpected", f"bad row: source_id=demo_aps_ar, canonical_url={bad_url}", "Link:         file://"):
            assert expected in body, expected
        payload = calls[0].json
        assert payload["severity"] == "error" and payload["batch_id"] == batch_id
        assert payload["link"].endswith(".html")

        # A later good batch triggers the transform, which builds without the quarantined rows.
        before_mails, before_calls = len(smtp.messages), len(webhook.requests)
        good = run_pipeline_once(client, site, timeout=600)
        good_batch = f"scrape_news:{good.scrape_run['dag_run_id']}"
        assert [e["extra"]["batch_id"] for e in good.triggering_events] == [good_batch]
        with db.connect(warehouse_url) as conn:
            assert conn.execute("select count(*) from raw.news_articles where canonical_url = %s",
                                (bad_url,)).fetchone() == (1,)
            assert conn.execute("select count(*) from marts.fct_article_publications where canonical_url = %s",
                                (bad_url,)).fetchone() == (0,)
            decisions = conn.execute(
                """select dataset, status from monitoring.batch_quality
                   where batch_id in (%s, %s) order by 1""",
                (good_batch, f"transform_warehouse:{good.transform_run['dag_run_id']}")).fetchall()
        assert ("news_articles", "validated") in decisions
        assert ("fct_article_publications", "validated") in decisions  # mart suites ran after dbt
        # The good batch (scrape validation and mart validation) alerted nobody.
        assert len(smtp.messages) == before_mails and len(webhook.requests) == before_calls
    finally:
        with db.connect(warehouse_url) as conn:
            conn.execute("delete from raw.news_articles where canonical_url = %s", (bad_url,))


def test_monitoring_dags_run_on_the_scheduler(airflow_stack, warehouse_url):
    """monitor_sources checks every live source and rebuilds the monitoring marts;
    deliver_alerts empties the outbox. Both triggered by hand (their clocks are off in
    the test stack)."""
    client = airflow_stack.client
    client.wait_for_dags(["monitor_sources", "deliver_alerts"])
    with db.connect(warehouse_url) as conn:
        transformed = conn.execute("select to_regclass('marts.dim_sources') is not null").fetchone()[0]
    runs = {dag_id: client.trigger(dag_id) for dag_id in ("monitor_sources", "deliver_alerts")}
    for dag_id, run_id in runs.items():
        run = client.wait_for_run(dag_id, run_id, timeout=300)
        assert run["state"] == "success", (dag_id, client.task_instances(dag_id, run_id))
    with db.connect(warehouse_url) as conn:
        assert conn.execute("select count(*) from monitoring.source_health").fetchone()[0] >= 6
        assert conn.execute("select count(*) from monitoring.alert_outbox where status = 'pending'").fetchone() \
            == (0,)
        if transformed:  # the monitoring marts join marts the transform builds
            assert conn.execute("select count(*) from marts.dim_monitored_sources").fetchone()[0] > 0
            assert conn.execute("select count(*) from marts.fct_data_quality_daily").fetchone()[0] > 0
