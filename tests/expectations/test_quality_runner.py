"""The widened runner against a real PostgreSQL: volume against recent batches, duplicate
ratio, batch decisions, data docs, the latest batch, mart suites and the suite contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from clusterwatch import db
from expectations import runner
from expectations.runner import validate_batch
from news_rows import good_batch, insert_article, insert_run

pytestmark = pytest.mark.postgres


def failed_checks(outcome) -> dict:
    return {(f["check"] or f["expectation_type"], f["column_name"]): f for f in outcome.failed}


def test_every_suite_keeps_the_module_contract():
    found = runner.suites()
    runner.gx_context()  # GX builds suites only inside an active context
    assert {"news_articles", "fct_article_publications", "fct_scrape_runs_daily"} <= set(found)
    for dataset in found:
        module = runner.suite_module(dataset)
        assert module.RELATION.count(".") == 1 and module.COLUMNS
        assert hasattr(module, "BATCH_COLUMN")
        suite = runner.build_module_suite(module, runner.BatchInfo(dataset, "b", module.RELATION,
                                                                    datetime.now(timezone.utc)))
        severities = {e.meta.get("severity") for e in suite.expectations}
        assert severities <= {"error", "warning"} and "error" in severities, dataset


def test_volume_is_checked_per_source_against_its_recent_runs(fresh_warehouse_url):
    start = datetime.now(timezone.utc) - timedelta(days=5)
    with db.connect(fresh_warehouse_url) as conn:
        for day in range(4):
            run = f"scrape_news:day{day}"
            insert_run(conn, run, "demo_aps_ar", 20, started=start + timedelta(days=day))
            insert_run(conn, run, "demo_elwatan_fr", 10, started=start + timedelta(days=day))
        # Today APS saw 3 articles instead of ~20; El Watan saw its usual 10, nothing new.
        insert_run(conn, "scrape_news:today", "demo_aps_ar", 3, new=1)
        insert_run(conn, "scrape_news:today", "demo_elwatan_fr", 10, new=0)
        good_batch(conn, "scrape_news:today", n=1)
    outcome = validate_batch("news_articles", "scrape_news:today", fresh_warehouse_url)
    assert outcome.success and outcome.status == "validated"  # volume is a warning
    volume = failed_checks(outcome)[("volume_vs_recent_batches", "volume_ratio")]
    assert volume["severity"] == "warning" and volume["unexpected_count"] == 1
    assert volume["unexpected_rows"] == [{"volume_group": "demo_aps_ar", "volume_ratio": 0.15,
                                          "batch_volume": 3, "recent_median": 20.0, "recent_batches": 4}]
    assert outcome.batch_volume == 13
    assert outcome.volume_note is None


def test_volume_needs_history_and_says_so(fresh_warehouse_url):
    with db.connect(fresh_warehouse_url) as conn:
        good_batch(conn, "b1", n=2)
    outcome = validate_batch("news_articles", "b1", fresh_warehouse_url)
    assert "volume not checked" in outcome.volume_note
    assert not any(f["check"] == "volume_vs_recent_batches" for f in outcome.failed)


def test_duplicate_ratio_and_old_dates_warn(fresh_warehouse_url):
    with db.connect(fresh_warehouse_url) as conn:
        good_batch(conn, "dup", n=3, content_hash="same-text")
        insert_article(conn, "dup", "https://www.aps.dz/ar/old", published=datetime(1970, 1, 1, tzinfo=timezone.utc))
    outcome = validate_batch("news_articles", "dup", fresh_warehouse_url)
    checks = failed_checks(outcome)
    assert outcome.success
    assert checks[("duplicate_ratio", "content_hash")]["unexpected_count"] == 3
    assert checks[("plausibly_old", "published_at")]["severity"] == "warning"


def test_decision_data_docs_and_index(fresh_warehouse_url, monkeypatch):
    with db.connect(fresh_warehouse_url) as conn:
        insert_article(conn, "bad", "notaurl")
    outcome = validate_batch("news_articles", "bad", fresh_warehouse_url)
    assert outcome.status == "quarantined"
    page = Path(outcome.data_docs_url.removeprefix("file://"))
    assert page.exists() and "notaurl" in page.read_text(encoding="utf-8")
    index = runner.data_docs_dir() / "index.html"
    assert "quarantined" in index.read_text(encoding="utf-8")
    with db.connect(fresh_warehouse_url) as conn:
        stored = conn.execute("select data_docs_url, batch_volume from monitoring.dq_runs").fetchone()
        decision = conn.execute("select status, dq_run_id from monitoring.batch_quality").fetchone()
        expected = conn.execute(
            """select expectation_kwargs, unexpected_rows from monitoring.dq_results
               where column_name = 'canonical_url' and not success
                 and expectation_type = 'expect_column_values_to_match_regex'""").fetchone()
    assert stored == (outcome.data_docs_url, 1)
    assert decision == ("quarantined", outcome.dq_run_id)
    assert expected[0]["regex"].startswith("^https?://") and expected[1][0]["canonical_url"] == "notaurl"

    # With a base URL (docs served by a web server), links point there.
    monkeypatch.setenv("CLUSTERWATCH_DATA_DOCS_BASE_URL", "https://dq.example.org/docs/")
    again = validate_batch("news_articles", "bad", fresh_warehouse_url)
    assert again.data_docs_url.startswith("https://dq.example.org/docs/validations/raw__news_articles/bad/")


def test_release_and_revalidation(fresh_warehouse_url):
    with db.connect(fresh_warehouse_url) as conn:
        insert_article(conn, "fixme", "notaurl")
    validate_batch("news_articles", "fixme", fresh_warehouse_url)
    runner.release_batch("news_articles", "fixme", "checked by hand", fresh_warehouse_url)
    with pytest.raises(LookupError):
        runner.release_batch("news_articles", "fixme", "twice", fresh_warehouse_url)
    with db.connect(fresh_warehouse_url) as conn:
        conn.execute("update raw.news_articles set canonical_url = 'https://www.aps.dz/ar/fixed', "
                     "url = 'https://www.aps.dz/ar/fixed' where _batch_id = 'fixme'")
    validate_batch("news_articles", "fixme", fresh_warehouse_url)
    with db.connect(fresh_warehouse_url) as conn:
        assert conn.execute("select status from monitoring.batch_quality").fetchone() == ("released",)


def test_validate_cli_defaults_to_the_latest_batch(fresh_warehouse_url):
    now = datetime.now(timezone.utc)
    with db.connect(fresh_warehouse_url) as conn:
        insert_run(conn, "scrape_news:old", "demo_aps_ar", 2, started=now - timedelta(hours=6))
        insert_run(conn, "scrape_news:new", "demo_aps_ar", 2, started=now)
        good_batch(conn, "scrape_news:old", n=1)
        insert_article(conn, "scrape_news:new", "ftp://bad.example.dz/x")
    env = {**os.environ, "CLUSTERWATCH_DATABASE_URL": fresh_warehouse_url}
    result = subprocess.run([sys.executable, "-m", "clusterwatch.cli", "validate", "news_articles"],
                            env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 1, result.stderr
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert last["batch_id"] == "scrape_news:new" and last["status"] == "quarantined"
    assert "latest batch of news_articles: scrape_news:new" in result.stdout

    listed = subprocess.run([sys.executable, "-m", "clusterwatch.cli", "quarantine", "list"],
                            env=env, capture_output=True, text=True, timeout=180)
    assert json.loads(listed.stdout.strip().splitlines()[-1])["quarantined"] == [
        {"dataset": "news_articles", "batch_id": "scrape_news:new"}]


def test_mart_suite_checks_the_whole_table(fresh_warehouse_url):
    with db.connect(fresh_warehouse_url) as conn:
        conn.execute("""create table marts.fct_article_publications (article_id text, source_id text,
            language text, published_at timestamptz, published_date date, published_month date, title text,
            canonical_url text, body_word_count integer)""")
        conn.execute("""insert into marts.fct_article_publications values
            ('a1', 'aps_ar', 'ar', '2017-02-21 09:00+00', '2017-02-21', '2017-02-01', 't', 'https://www.aps.dz/a', 120),
            ('a2', 'elwatan', 'en', '2017-02-21 09:00+00', '2017-02-21', '2017-02-01', 't', 'https://www.elwatan.com/b', -1)""")
    outcome = validate_batch("fct_article_publications", "transform_warehouse:r1", fresh_warehouse_url)
    assert outcome.rows_checked == 2 and outcome.status == "quarantined"
    checks = failed_checks(outcome)
    assert checks[("non_negative", "body_word_count")]["unexpected_rows"][0]["article_id"] == "a2"
    assert ("expect_column_values_to_be_in_set", "language") in checks
