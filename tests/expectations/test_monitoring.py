"""Source freshness alerts and the monitoring marts, on a real PostgreSQL with dbt."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from airflow.sdk.exceptions import AirflowFailException

from clusterwatch import db, jobs, transform
from expectations import alerts, freshness
from news_rows import good_batch, insert_article, insert_run

pytestmark = pytest.mark.postgres


def test_silent_sources_alert_once_per_window_with_a_count(fresh_warehouse_url, alert_env):
    now = datetime.now(timezone.utc)
    with db.connect(fresh_warehouse_url) as conn:
        insert_article(conn, "r1", "https://www.aps.dz/ar/1", source_id="aps_ar", scraped_at=now - timedelta(hours=30))
        insert_run(conn, "r1", "aps_ar", 1, started=now - timedelta(hours=30))
        insert_article(conn, "r1", "https://www.elwatan.com/1", source_id="elwatan", scraped_at=now - timedelta(hours=2))
        insert_article(conn, "r1", "https://www.joradp.dz/1", source_id="joradp", scraped_at=now - timedelta(hours=30))
        insert_run(conn, "r2", "elkhabar", 0, started=now - timedelta(hours=1), status="failed")
        conn.execute("update raw.scrape_runs set error = 'feed answered 503' where source_id = 'elkhabar'")
    ids = ["aps_ar", "elwatan", "joradp", "elkhabar"]

    health = {h["source_id"]: h for h in freshness.check_sources(fresh_warehouse_url, ids, now=now)}
    assert {k: v["status"] for k, v in health.items()} == {
        "aps_ar": "warn",      # 30 h without a new article > 24 h
        "elwatan": "fresh",
        "joradp": "fresh",     # its own target: a week
        "elkhabar": "fresh",   # never delivered, but only just watched
    }
    assert health["elkhabar"]["last_run_error"] == "feed answered 503"

    def check_and_alert(at):
        for record in freshness.check_sources(fresh_warehouse_url, ids, now=at):
            alert = alerts.alert_for_source_health(record)
            if alert:
                alerts.raise_alert(alert, fresh_warehouse_url, now=at)
        alerts.deliver_pending(fresh_warehouse_url, now=at)

    check_and_alert(now)
    check_and_alert(now + timedelta(hours=1))  # hourly re-check: same alert, count 2
    mails = alert_env["smtp"].messages
    assert len(mails) == 1 and "source aps_ar silent for 30 h (target 24 h)" in mails[0].subject
    assert "last_new_article_at:" in mails[0].body and "warn_after_hours: 24.0" in mails[0].body

    later = now + timedelta(hours=80)  # aps_ar past 72 h (error); elkhabar silent since first watched
    check_and_alert(later)
    subjects = sorted(m.subject for m in alert_env["smtp"].messages[1:])
    assert len(subjects) == 3
    assert "[ERROR] source aps_ar" in subjects[0] and "[ERROR] source elkhabar" in subjects[1]
    assert "[ERROR] source elwatan silent for 82 h" in subjects[2]  # joradp (110 h < 168 h) stays fresh
    with db.connect(fresh_warehouse_url) as conn:
        counts = dict(conn.execute("select dedup_key, occurrences from monitoring.alerts").fetchall())
    assert counts["source_freshness:aps_ar:warning"] == 2


def test_monitor_sources_job_checks_every_live_source(fresh_warehouse_url, monkeypatch, alert_env):
    monkeypatch.setenv("CLUSTERWATCH_DATABASE_URL", fresh_warehouse_url)
    result = jobs.monitor_sources()
    assert result["sources"] >= 6 and result["statuses"] == {"fresh": result["sources"]}
    assert result["alerts"] == 0 and alert_env["smtp"].messages == []
    with db.connect(fresh_warehouse_url) as conn:
        assert conn.execute("select count(*) from monitoring.source_health").fetchone()[0] == result["sources"]
        assert conn.execute("select count(*) from monitoring.source_freshness_targets").fetchone()[0] == \
            result["sources"]


@pytest.mark.slow
def test_quarantine_keeps_rows_out_of_marts_and_monitoring_marts_add_up(fresh_warehouse_url, monkeypatch,
                                                                       alert_env, tmp_path):
    monkeypatch.setenv("CLUSTERWATCH_DATABASE_URL", fresh_warehouse_url)
    with db.connect(fresh_warehouse_url) as conn:
        good_batch(conn, "scrape_news:good", n=2)
        good_batch(conn, "scrape_news:bad", n=1, prefix="https://www.aps.dz/ar/bad/")
        insert_article(conn, "scrape_news:bad", "notaurl")
    jobs.validate("news_articles", "scrape_news:good")
    with pytest.raises(AirflowFailException):
        jobs.validate("news_articles", "scrape_news:bad")
    freshness.check_sources(fresh_warehouse_url, ["demo_aps_ar"])

    def build():
        transform.build(fresh_warehouse_url, target_path=tmp_path / "target")

    def query(sql):
        with db.connect(fresh_warehouse_url) as conn:
            return conn.execute(sql).fetchall()

    build()
    in_marts = {r[0] for r in query("select canonical_url from marts.fct_article_publications")}
    assert in_marts == {"https://www.aps.dz/ar/economie/scrape_news:good-0",
                        "https://www.aps.dz/ar/economie/scrape_news:good-1"}  # the quarantined batch is left out

    quality = query("""select dataset, validation_count, failed_validation_count, batch_count,
                              quarantined_batch_count, rows_checked, alert_count
                       from marts.fct_data_quality_daily""")
    assert quality == [("news_articles", 2, 1, 2, 1, 4, 1)]
    alert_rows = query("""select alert_kind, severity, subject, occurrence_count, channel_target_count,
                                 delivered_target_count, is_fully_delivered from marts.fct_alerts""")
    assert alert_rows == [("data_quality", "error", "news_articles", 1, 2, 2, True)]
    source = query("""select health_status, scrape_run_count from marts.dim_monitored_sources
                      where source_id = 'demo_aps_ar'""")
    assert source == [("fresh", 0)]
    assert query("select count(*) from marts.dim_monitored_sources where health_status = 'unchecked'")[0][0] > 0

    # An operator accepts the batch: the next build takes its rows in.
    from expectations.runner import release_batch

    release_batch("news_articles", "scrape_news:bad", "URL fixed upstream", fresh_warehouse_url)
    build()
    assert query("select count(*) from marts.fct_article_publications")[0][0] == 4
