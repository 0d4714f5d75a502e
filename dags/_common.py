"""Shared DAG constants: default args, assets, tags. No I/O here (imported at parse time)."""

from datetime import timedelta

import pendulum
from airflow.sdk import Asset

START_DATE = pendulum.datetime(2026, 1, 1, tz="Africa/Algiers")

DEFAULT_ARGS = {
    "owner": "clusterwatch",
    "retries": 2,
    "retry_delay": timedelta(seconds=20),
    "retry_exponential_backoff": True,
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
