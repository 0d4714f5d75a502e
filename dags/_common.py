"""Shared DAG constants: default args, assets, tags. No I/O here (imported at parse time)."""

from datetime import timedelta

import pendulum
from airflow.sdk import Asset

START_DATE = pendulum.datetime(2026, 1, 1, tz="Africa/Algiers")



def alert_on_failure(context):
    """A task that failed for good (retries exhausted, or a non-retryable failure) raises
    an alert through the same path as data-quality failures (expectations/alerts.py).
    Imported at run time only; never raises."""
    from clusterwatch.jobs import alert_task_failure

    alert_task_failure(context)


DEFAULT_ARGS = {
    "owner": "clusterwatch",
    "retries": 2,
    "retry_delay": timedelta(seconds=20),
    "retry_exponential_backoff": True,
    "on_failure_callback": alert_on_failure,
}

TAGS = {"scrape", "ingest", "validate", "transform", "news", "registry", "trade", "clusterwatch"}

# Emitted only for batches that passed every error-level expectation; the transform
# DAG listens to these. Extra: {"batch_id", "dataset", "rows"}.
NEWS_ARTICLES_VALIDATED = Asset(name="news_articles_validated", uri="clusterwatch://validated/raw/news_articles")
# One event per loaded registry / trade batch (dags/ingest_landing.py, reconcile_landing.py);
# extra also carries "format" and "suites".
REGISTRY_VALIDATED = Asset(name="registry_validated", uri="clusterwatch://validated/raw/registry")
TRADE_VALIDATED = Asset(name="trade_validated", uri="clusterwatch://validated/raw/trade")

VALIDATED_ASSETS = [NEWS_ARTICLES_VALIDATED, REGISTRY_VALIDATED, TRADE_VALIDATED]

# Emitted by transform_warehouse when the rebuilt marts pass every error-level mart
# expectation (extra: {"batch_id", "dataset": "marts", "rows"}): consumers of the marts
# (reports) can be scheduled on it.
MARTS_VALIDATED = Asset(name="marts_validated", uri="clusterwatch://validated/marts")
