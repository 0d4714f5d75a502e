"""Watch every configured source's freshness; alert when one stays silent too long.

A source is silent since its newest new article in `raw.news_articles` (or since the
monitor first watched it). Beyond its target in `expectations/freshness.yaml` (default
24 h warning, 72 h error) an alert goes through the same path as data-quality failures,
deduplicated to one a day per source and level. The state of each source is kept in
`monitoring.source_health`; then the monitoring marts (data-quality history, alerts,
source health) are rebuilt with dbt in one invocation. Schedule:
`CLUSTERWATCH_MONITOR_SCHEDULE` (default hourly; `none` disables the clock).
"""

import os

from airflow.sdk import dag, task

from _common import DEFAULT_ARGS, START_DATE

SCHEDULE = os.environ.get("CLUSTERWATCH_MONITOR_SCHEDULE", "17 * * * *")


@dag(
    schedule=None if SCHEDULE == "none" else SCHEDULE,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["monitoring", "news", "clusterwatch"],
    doc_md=__doc__,
)
def monitor_sources():
    @task
    def check_freshness() -> dict:
        from clusterwatch.jobs import monitor_sources as check

        return check()

    @task
    def refresh_monitoring_marts() -> dict:
        from clusterwatch.jobs import build_monitoring_marts

        return build_monitoring_marts()

    check_freshness() >> refresh_monitoring_marts()


monitor_sources()
