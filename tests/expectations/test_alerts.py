"""Alerts end to end against real receivers: an SMTP server (aiosmtpd) and an HTTP
webhook, a real PostgreSQL, the real task functions (`clusterwatch.jobs.validate`)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from airflow.sdk.exceptions import AirflowFailException

from clusterwatch import db, jobs
from expectations import alerts
from expectations.runner import DataQualityError, validate_batch
from news_rows import BODY_FR, good_batch, insert_article

pytestmark = pytest.mark.postgres

FUTURE = datetime.now(timezone.utc) + timedelta(days=30)


@pytest.fixture
def warehouse_env(monkeypatch, fresh_warehouse_url):
    monkeypatch.setenv("CLUSTERWATCH_DATABASE_URL", fresh_warehouse_url)
    return fresh_warehouse_url


def bad_batch(conn, batch_id):
    good_batch(conn, batch_id, n=2)
    insert_article(conn, batch_id, f"ftp://mirror.example.dz/{batch_id}", published=FUTURE, title="مقال معطوب")


def rows(url, query, params=()):
    with db.connect(url) as conn:
        return conn.execute(query, params).fetchall()


def test_known_bad_batch_sends_one_email_and_one_webhook_with_the_content(warehouse_env, alert_env):
    smtp, webhook = alert_env["smtp"], alert_env["webhook"]
    with db.connect(warehouse_env) as conn:
        bad_batch(conn, "run-bad-1")

    with pytest.raises(AirflowFailException) as failure:
        jobs.validate("news_articles", "run-bad-1")
    assert isinstance(failure.value.__cause__, DataQualityError)
    assert getattr(failure.value, "clusterwatch_alerted", False)  # the failure callback stays quiet

    assert len(smtp.messages) == 1 and len(webhook.requests) == 1
    mail = smtp.messages[0]
    assert mail.recipients == ["monitoring@example.org", "oncall@example.org"]
    assert "news_articles" in mail.subject and "run-bad-1" in mail.subject and "[ERROR]" in mail.subject
    body = mail.body
    for expected in ("Dataset:      news_articles", "Batch:        run-bad-1", "quarantined",
                     "expect_column_values_to_match_regex(canonical_url)",  # which expectation
                     "expect_column_values_to_be_between(published_at)",
                     "expected: {\"regex\": \"^https?://",                # expected
                     "1 of 3 rows unexpected",                             # observed
                     "bad row: source_id=demo_aps_ar, canonical_url=ftp://mirror.example.dz/run-bad-1, url=ftp://",
                     "Link:         file://"):
        assert expected in body, expected
    link = body.split("Link:         ", 1)[1].splitlines()[0]
    assert link.endswith(".html")
    page = link.removeprefix("file://")
    assert "ftp://mirror.example.dz/run-bad-1" in open(page, encoding="utf-8").read()  # GX data docs page

    payload = webhook.requests[0].json
    assert webhook.requests[0].headers["Idempotency-Key"] == payload["alert_id"]
    assert payload["kind"] == "data_quality" and payload["severity"] == "error"
    assert payload["subject"] == "news_articles" and payload["batch_id"] == "run-bad-1"
    assert payload["link"] == link and payload["occurrences"] == 1
    failures = {(f["expectation"], f["column"]): f for f in payload["details"]["failures"]}
    url_failure = failures[("expect_column_values_to_match_regex", "canonical_url")]
    assert url_failure["severity"] == "error"
    assert url_failure["sample_values"] == ["ftp://mirror.example.dz/run-bad-1"]
    assert url_failure["sample_rows"][0]["canonical_url"] == "ftp://mirror.example.dz/run-bad-1"
    assert url_failure["expected"]["regex"].startswith("^https?://")

    decision = rows(warehouse_env, "select status from monitoring.batch_quality where batch_id = 'run-bad-1'")
    assert decision == [("quarantined",)]
    outbox = rows(warehouse_env, "select channel, status, attempts from monitoring.alert_outbox order by channel")
    assert outbox == [("email", "delivered", 1), ("webhook", "delivered", 1)]


def test_good_batch_sends_nothing(warehouse_env, alert_env):
    with db.connect(warehouse_env) as conn:
        good_batch(conn, "run-good-1", n=2)
        insert_article(conn, "run-good-1", "https://www.elwatan.com/edition/economie/a", title="Clusters",
                       body=BODY_FR, language="fr", source_id="demo_elwatan_fr")
    summary = jobs.validate("news_articles", "run-good-1")
    assert summary["success"] is True and summary["status"] == "validated"
    assert alert_env["smtp"].messages == [] and alert_env["webhook"].requests == []
    assert rows(warehouse_env, "select count(*) from monitoring.alerts") == [(0,)]
    assert rows(warehouse_env, "select status from monitoring.batch_quality") == [("validated",)]


def test_warning_alerts_without_blocking(warehouse_env, alert_env):
    with db.connect(warehouse_env) as conn:
        good_batch(conn, "run-warn-1", n=2)
        # Presentation Forms-B letters that NFKC should have folded, and an English page.
        insert_article(conn, "run-warn-1", "https://www.elkhabar.com/press/article/1/", title="ﺍﻟﺘﺠﻤﻌﺎﺕ",
                       language="en")
    summary = jobs.validate("news_articles", "run-warn-1")  # does not raise
    assert summary["status"] == "validated" and summary["warning_failures"] == 2
    mail, = alert_env["smtp"].messages
    assert "[WARNING]" in mail.subject and "passed with warnings" in mail.subject
    assert "no_presentation_forms" in mail.body and "algerian_language" in mail.body
    assert len(alert_env["webhook"].requests) == 1


def test_webhook_that_answers_500_then_200_gets_the_alert_on_retry(warehouse_env, alert_env):
    smtp, webhook = alert_env["smtp"], alert_env["webhook"]
    webhook.fail_next("/hook", 500)
    with db.connect(warehouse_env) as conn:
        bad_batch(conn, "run-retry")
    with pytest.raises(AirflowFailException):
        jobs.validate("news_articles", "run-retry")
    assert len(smtp.messages) == 1  # e-mail is independent of the webhook
    assert [r.status for r in webhook.requests] == [500]
    pending = rows(warehouse_env, """select status, attempts, last_error, next_attempt_at > now()
                                     from monitoring.alert_outbox where channel = 'webhook'""")
    assert pending[0][:2] == ("pending", 1) and "HTTP 500" in pending[0][2] and pending[0][3] is True

    # Not due yet: the deliverer leaves it alone ...
    assert alerts.deliver_pending(warehouse_env).attempted == 0
    # ... and sends it once due (what the deliver_alerts DAG does on its timer).
    later = datetime.now(timezone.utc) + timedelta(minutes=2)
    report = alerts.deliver_pending(warehouse_env, now=later)
    assert report.delivered == 1 and report.still_pending == 0
    assert [r.status for r in webhook.requests] == [500, 200]
    assert webhook.requests[0].body == webhook.requests[1].body  # the same alert, unchanged
    assert rows(warehouse_env, "select status, attempts, last_error from monitoring.alert_outbox "
                               "where channel = 'webhook'") == [("delivered", 2, None)]
    assert len(smtp.messages) == 1  # the e-mail is not sent again


def test_same_failure_twice_in_the_window_is_one_alert_with_count_two(warehouse_env, alert_env):
    smtp, webhook = alert_env["smtp"], alert_env["webhook"]
    with db.connect(warehouse_env) as conn:
        bad_batch(conn, "run-a")
        bad_batch(conn, "run-b")
    for batch in ("run-a", "run-b"):
        with pytest.raises(AirflowFailException):
            jobs.validate("news_articles", batch)
    assert len(smtp.messages) == 1 and len(webhook.requests) == 1
    assert rows(warehouse_env, "select occurrences, batch_id, last_batch_id from monitoring.alerts") == [
        (2, "run-a", "run-b")]
    assert len(alerts.list_alerts(warehouse_env)) == 1

    # After the window (6 h by default) the same failure opens a new alert.
    with db.connect(warehouse_env) as conn:
        bad_batch(conn, "run-c")
    outcome = validate_batch("news_articles", "run-c", warehouse_env)
    record = alerts.raise_alert(alerts.alert_for_validation(outcome), warehouse_env,
                                now=datetime.now(timezone.utc) + timedelta(hours=7))
    assert record.is_new and record.occurrences == 1


def test_occurrences_while_a_channel_is_down_arrive_as_one_message_with_the_count(warehouse_env, alert_env):
    webhook = alert_env["webhook"]
    webhook.fail_next("/hook", 503)
    with db.connect(warehouse_env) as conn:
        bad_batch(conn, "run-x")
        bad_batch(conn, "run-y")
    for batch in ("run-x", "run-y"):
        with pytest.raises(AirflowFailException):
            jobs.validate("news_articles", batch)
    assert [r.status for r in webhook.requests] == [503]  # the second occurrence queued nothing new
    report = alerts.deliver_pending(warehouse_env, now=datetime.now(timezone.utc) + timedelta(minutes=5))
    assert report.delivered == 1
    delivered = webhook.received(ok_only=True)
    assert len(delivered) == 1 and delivered[0].json["occurrences"] == 2
    assert delivered[0].json["last_batch_id"] == "run-y"


def test_routing_per_dataset_and_severity(warehouse_env, alert_env, tmp_path, monkeypatch):
    routing = tmp_path / "routing.yaml"
    routing.write_text(
        "defaults: {dedup_window_minutes: 60}\n"
        "routes:\n"
        "  - match: {kind: data_quality, subject: news_*, severity: warning}\n"
        "    channels: [webhook]\n"
        "  - match: {subject: [fct_*]}\n"
        "    channels: []\n"
        "  - match: {}\n"
        "    channels: [email, webhook]\n", encoding="utf-8")
    monkeypatch.setenv("CLUSTERWATCH_ALERT_ROUTING", str(routing))
    with db.connect(warehouse_env) as conn:
        good_batch(conn, "run-w", n=2)
        insert_article(conn, "run-w", "https://www.aps.dz/ar/x", language="en")
        bad_batch(conn, "run-e")
    jobs.validate("news_articles", "run-w")  # warning: webhook only
    assert len(alert_env["webhook"].requests) == 1 and alert_env["smtp"].messages == []
    with pytest.raises(AirflowFailException):
        jobs.validate("news_articles", "run-e")  # error: e-mail and webhook
    assert len(alert_env["webhook"].requests) == 2 and len(alert_env["smtp"].messages) == 1
    muted = alerts.Alert(kind="data_quality", severity="error", subject="fct_article_publications",
                         title="t", dedup_key="k-muted")
    record = alerts.raise_alert(muted, warehouse_env)
    assert record.channels == [] and record.targets == []  # recorded, not sent
    assert alerts.route(muted)[1] == 60


def test_secrets_never_reach_alerts_or_the_outbox(warehouse_env, alert_env, monkeypatch):
    secret_hook = alert_env["webhook"].url("/services/T0SECRET/B0SECRET/xoxsecrettoken")
    monkeypatch.setenv("CLUSTERWATCH_ALERT_WEBHOOK_URLS", secret_hook)
    monkeypatch.setenv("CLUSTERWATCH_SMTP_PASSWORD", "smtp-pa55word-xyz")
    context = {
        "ti": type("TI", (), {"dag_id": "scrape_news", "task_id": "scrape", "run_id": "manual__1",
                              "map_index": 2, "try_number": 3, "log_url": None})(),
        "exception": RuntimeError(
            "connection to postgresql://cw:db-pa55word@db:5432/x failed; smtp login smtp-pa55word-xyz refused"),
    }
    alert = alerts.alert_for_task_failure(context)
    alerts.raise_alert(alert, warehouse_env)
    alerts.deliver_pending(warehouse_env)
    stored = json.dumps(rows(warehouse_env, "select * from monitoring.alerts"), default=str) + \
        json.dumps(rows(warehouse_env, "select * from monitoring.alert_outbox"), default=str)
    sent = alert_env["webhook"].requests[0].body.decode() + alert_env["smtp"].messages[0].body
    for secret in ("db-pa55word", "smtp-pa55word-xyz", "xoxsecrettoken", "T0SECRET"):
        assert secret not in stored and secret not in sent, secret
    assert "postgresql://cw:***@db:5432/x" in sent
    assert alert.title.startswith("[ERROR] Airflow task scrape_news.scrape[2] failed: RuntimeError")


def test_task_failure_alert_skips_failures_already_alerted():
    ti = type("TI", (), {"dag_id": "d", "task_id": "t", "run_id": "r", "map_index": -1, "try_number": 1})()
    cause = DataQualityError("news_articles batch b: 1 error-level expectation(s) failed")
    try:
        try:
            raise cause
        except DataQualityError as exc:
            raise AirflowFailException(str(exc)) from exc
    except AirflowFailException as wrapped:
        assert alerts.alert_for_task_failure({"ti": ti, "exception": wrapped}) is None
    assert alerts.alert_for_task_failure({"ti": ti, "exception": ValueError("boom")}) is not None
    alerts.mark_task_alerted(ti)  # e.g. dbt results already reported this task
    assert alerts.alert_for_task_failure({"ti": ti, "exception": ValueError("boom")}) is None


def test_dbt_results_become_one_alert(warehouse_env, alert_env, tmp_path):
    run_results = {"results": [
        {"unique_id": "test.clusterwatch.not_null_stg_news__articles_article_id.1a2b", "status": "fail",
         "failures": 3, "message": "Got 3 results, configured to fail if != 0"},
        {"unique_id": "test.clusterwatch.not_in_future_stg_news__articles_published_at.9f", "status": "warn",
         "failures": 1, "message": "Got 1 result, configured to warn if != 0"},
        {"unique_id": "model.clusterwatch.stg_news__articles", "status": "success", "failures": None},
    ]}
    target = tmp_path / "target"
    target.mkdir()
    (target / "run_results.json").write_text(json.dumps(run_results))
    ti = type("TI", (), {"dag_id": "transform_warehouse", "task_id": "dbt.stg_news__articles.test",
                         "run_id": "asset_triggered__1", "map_index": -1, "try_number": 1, "log_url": None})()
    jobs.dbt_results_callback(str(tmp_path), context={"ti": ti})
    mail, = alert_env["smtp"].messages
    assert "[ERROR] dbt dbt.stg_news__articles.test: 2 node(s) failed" in mail.subject
    assert "not_null_stg_news__articles_article_id" in mail.body and "Got 3 results" in mail.body
    assert alerts.task_already_alerted(ti)  # the failure callback will not send a second alert


def test_slack_gets_a_slack_compatible_message(warehouse_env, alert_env, monkeypatch):
    webhook = alert_env["webhook"]
    monkeypatch.setenv("CLUSTERWATCH_SLACK_WEBHOOK_URL", webhook.url("/slack/T000/B000/XXXX"))
    monkeypatch.setenv("CLUSTERWATCH_ALERT_WEBHOOK_URLS", "")
    with db.connect(warehouse_env) as conn:
        bad_batch(conn, "run-slack")
    with pytest.raises(AirflowFailException):
        jobs.validate("news_articles", "run-slack")
    call, = webhook.received(path="/slack/T000/B000/XXXX")
    message = call.json
    assert message["text"].startswith(":red_circle: [ERROR] news_articles batch run-slack")
    assert message["blocks"][0]["type"] == "section" and "run-slack" in message["blocks"][1]["text"]["text"]
    labels = rows(warehouse_env, "select target_label from monitoring.alert_outbox where channel = 'slack'")
    assert "XXXX" not in labels[0][0] and labels[0][0].startswith("slack http://127.0.0.1:")


def test_cli_lists_pending_alerts_and_delivers_them(warehouse_env, alert_env):
    import os
    import subprocess
    import sys

    webhook = alert_env["webhook"]
    webhook.fail_next("/hook", 502)
    with db.connect(warehouse_env) as conn:
        bad_batch(conn, "run-cli-alerts")
    with pytest.raises(AirflowFailException):
        jobs.validate("news_articles", "run-cli-alerts")
    env = dict(os.environ)

    def cli(*args):
        result = subprocess.run([sys.executable, "-m", "clusterwatch.cli", "alerts", *args], env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return result.stdout, json.loads(result.stdout.strip().splitlines()[-1])

    out, summary = cli("list", "--status", "pending")
    assert summary == {"alerts": 1, "pending": 1} and "HTTP 502" in out and "run-cli-alerts" in out
    _, report = cli("deliver")  # not due yet (1 min back-off)
    assert report["attempted"] == 0 and report["still_pending"] == 1
    _, report = cli("deliver", "--now")
    assert report["delivered"] == 1 and report["still_pending"] == 0
    assert [r.status for r in webhook.requests] == [502, 200]
