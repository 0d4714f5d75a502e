"""Scrape news and official announcements into `raw.news_articles`, one mapped task per
source, then validate the run's batch with Great Expectations.

A source that cannot be read (site down, robots.txt refusing, too many rejected pages)
does not fail its mapped task: the task returns the source's counts with status
`failed`, and `raw.scrape_runs` keeps the row with the error. `validate` runs on what
the successful sources loaded (trigger rule `all_done`); only a batch that passes every
error-level expectation emits the `news_articles_validated` asset (extra: batch_id,
dataset, rows, sources, failed_sources), which schedules `transform_warehouse`.
`report` (also `all_done`) then fails the run, naming each failed source and its error,
so a broken source is visible on the run without holding back the others.

Params: `source_set` (`live` = `scrapers/sources`, `demo` = the recorded site of
`demo/`), `demo_site` (its base URL), `sources` (a subset of ids).
"""

import os
from datetime import timedelta

from airflow.sdk import Param, dag, task

from _common import DEFAULT_ARGS, NEWS_ARTICLES_VALIDATED, START_DATE

# "none" disables the clock (tests and the demo trigger runs themselves).
SCHEDULE = os.environ.get("CLUSTERWATCH_SCRAPE_SCHEDULE", "0 */6 * * *")


@dag(
    schedule=None if SCHEDULE == "none" else SCHEDULE,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["scrape", "news", "clusterwatch"],
    doc_md=__doc__,
    params={
        "source_set": Param("live", enum=["live", "demo"]),
        "demo_site": Param(None, type=["null", "string"]),
        "sources": Param([], type="array"),
    },
)
def scrape_news():
    @task
    def plan(params=None) -> list[str]:
        from clusterwatch.jobs import plan_scrape

        return plan_scrape(params["source_set"], params["sources"], params["demo_site"])

    @task(max_active_tis_per_dagrun=2)
    def scrape(source_id: str, params=None, run_id=None) -> dict:
        from clusterwatch.jobs import scrape

        return scrape(source_id, f"scrape_news:{run_id}", params["source_set"],
                      params["demo_site"], raise_on_failure=False)

    @task(outlets=[NEWS_ARTICLES_VALIDATED], trigger_rule="all_done")
    def validate(run_id=None, outlet_events=None) -> dict:
        from airflow.exceptions import AirflowSkipException

        from clusterwatch.jobs import NothingToValidate, validate_scrape

        try:
            outcome = validate_scrape(f"scrape_news:{run_id}")
        except NothingToValidate as exc:
            raise AirflowSkipException(str(exc)) from None
        outlet_events[NEWS_ARTICLES_VALIDATED].extra = {
            "batch_id": outcome["batch_id"], "dataset": "news_articles",
            "rows": outcome["rows_checked"], "sources": outcome["sources"],
            "failed_sources": outcome["failed_sources"],
        }
        return outcome

    # Retried once, quickly: it only reads raw.scrape_runs, so a retry helps only when
    # the database blipped; a failed source fails it again at once.
    @task(trigger_rule="all_done", retries=1, retry_delay=timedelta(seconds=3),
          retry_exponential_backoff=False)
    def report(planned: list[str], run_id=None) -> dict:
        from clusterwatch.jobs import report_scrape

        return report_scrape(f"scrape_news:{run_id}", planned)

    planned = plan()
    scraped = scrape.expand(source_id=planned)
    scraped >> [validate(), report(planned)]


scrape_news()
