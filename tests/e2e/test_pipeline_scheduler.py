"""End to end through a running Airflow (api-server, scheduler, dag-processor,
triggerer) on a real PostgreSQL: the upstream DAG's asset event, not the test, starts
the downstream DAG (PLATFORM.md: `dag.test()` cannot show this).

One Airflow stack serves the session (tests/e2e/conftest.py); each test drives it over
the REST API."""

from __future__ import annotations

import pytest

from clusterwatch import db
from clusterwatch.demo import TRANSFORM_DAG, read_summary, run_pipeline_once

pytestmark = [pytest.mark.airflow, pytest.mark.postgres, pytest.mark.slow]


def _table_counts(url: str) -> dict[str, int]:
    with db.connect(url) as conn:
        return {
            "raw.news_articles": conn.execute("select count(*) from raw.news_articles").fetchone()[0],
            "raw.distinct_urls": conn.execute(
                "select count(distinct canonical_url) from raw.news_articles").fetchone()[0],
            "quarantine.news_pages": conn.execute("select count(*) from quarantine.news_pages").fetchone()[0],
            "marts.fct_article_publications": conn.execute(
                "select count(*) from marts.fct_article_publications").fetchone()[0],
            "marts.distinct_articles": conn.execute(
                "select count(distinct article_id) from marts.fct_article_publications").fetchone()[0],
        }


def test_asset_event_triggers_transform_and_rerun_is_idempotent(airflow_stack, warehouse_url):
    client = airflow_stack.client

    first = run_pipeline_once(client, airflow_stack.site, timeout=600)
    assert first.transform_run["run_type"] == "asset_triggered"
    batch_ids = [e["extra"]["batch_id"] for e in first.triggering_events]
    assert f"scrape_news:{first.scrape_run['dag_run_id']}" in batch_ids
    mapped = [t for t in first.scrape_tasks if t["task_id"] == "scrape"]
    assert len(mapped) >= 3, "one mapped scrape task per demo source"
    counts_after_first = _table_counts(warehouse_url)
    assert counts_after_first["raw.news_articles"] > 0
    assert counts_after_first["quarantine.news_pages"] > 0, "the demo's bad pages are kept with a reason"
    assert counts_after_first["marts.fct_article_publications"] == counts_after_first["raw.news_articles"]
    summary = read_summary(warehouse_url)
    assert summary["articles_ar"] > 0 and summary["articles_fr"] > 0
    # the analyse_text task ran before validation and dbt built the mentions mart
    assert summary["cluster_related_articles"] > 0 and summary["top_entities"]

    second = run_pipeline_once(client, airflow_stack.site, timeout=600)
    assert second.transform_run["dag_run_id"] != first.transform_run["dag_run_id"]
    counts_after_second = _table_counts(warehouse_url)
    assert counts_after_second == counts_after_first
    assert counts_after_second["raw.news_articles"] == counts_after_second["raw.distinct_urls"]
    assert counts_after_second["marts.fct_article_publications"] == counts_after_second["marts.distinct_articles"]

    # Every page the runs fetched is accounted for: loaded (new/updated/unchanged) or rejected.
    with db.connect(warehouse_url) as conn:
        unbalanced = conn.execute(
            """select scrape_run_id, source_id from raw.scrape_runs
               where pages_fetched <> articles_new + articles_updated + articles_unchanged + pages_rejected"""
        ).fetchall()
        second_run_new = conn.execute(
            "select coalesce(sum(articles_new), 0) from raw.scrape_runs where scrape_run_id = %s",
            (f"scrape_news:{second.scrape_run['dag_run_id']}",),
        ).fetchone()[0]
    assert unbalanced == []
    assert second_run_new == 0


def test_external_producer_can_post_an_asset_event(airflow_stack, warehouse_url):
    """ARCHITECTURE: external producers poke the platform through Airflow's REST API.
    A posted `news_articles_validated` event starts the transform like a DAG's would."""
    client = airflow_stack.client
    known = {r["dag_run_id"] for r in client.dag_runs(TRANSFORM_DAG)}
    assets = client._call("GET", "/assets", params={"name_pattern": "news_articles_validated"})["assets"]
    asset_id = assets[0]["id"]
    client._call("POST", "/assets/events", json={
        "asset_id": asset_id, "extra": {"batch_id": "external:replay", "dataset": "news_articles", "rows": 0}})
    run = client.wait_for_new_run(TRANSFORM_DAG, known, "asset_triggered", timeout=300)
    run = client.wait_for_run(TRANSFORM_DAG, run["dag_run_id"], timeout=600)
    assert run["state"] == "success"
    events = client.upstream_asset_events(TRANSFORM_DAG, run["dag_run_id"])
    assert any(e["extra"].get("batch_id") == "external:replay" for e in events)
