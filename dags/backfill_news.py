"""Back-fill one source over an id range or a date range, then validate the batch.

Params: `source` (its id), and either `id_from` + `id_to` (the source's `id_range`
discovery: El Khabar article ids, a djazairess paper's ids; `entry` picks one of several
id ranges by a piece of its URL, e.g. `/alfadjr/`) or `date_from` + `date_to` (its
sitemaps, entries dated in the range, and JORADP yearly indexes). `source_set` /
`demo_site` as in `scrape_news`. Triggered by hand (or the REST API), never by a clock.

The batch is `backfill_news:<run id>`; a batch that passes its error-level expectations
emits `news_articles_validated` like a scheduled scrape, so the transform picks it up.
"""

from airflow.sdk import Param, dag, task

from _common import DEFAULT_ARGS, NEWS_ARTICLES_VALIDATED, START_DATE


@dag(
    schedule=None,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["scrape", "news", "clusterwatch"],
    doc_md=__doc__,
    params={
        "source": Param("djazairess", type="string", pattern=r"^[a-z][a-z0-9_]*$"),
        "id_from": Param(None, type=["null", "integer"], minimum=0),
        "id_to": Param(None, type=["null", "integer"], minimum=0),
        "date_from": Param(None, type=["null", "string"], format="date"),
        "date_to": Param(None, type=["null", "string"], format="date"),
        "entry": Param(None, type=["null", "string"]),
        "source_set": Param("live", enum=["live", "demo"]),
        "demo_site": Param(None, type=["null", "string"]),
    },
)
def backfill_news():
    @task
    def backfill(params=None, run_id=None) -> dict:
        from clusterwatch.jobs import backfill

        return backfill(dict(params), f"backfill_news:{run_id}")

    @task(outlets=[NEWS_ARTICLES_VALIDATED])
    def validate(result: dict, run_id=None, outlet_events=None) -> dict:
        from clusterwatch.jobs import validate

        outcome = validate("news_articles", f"backfill_news:{run_id}")
        outlet_events[NEWS_ARTICLES_VALIDATED].extra = {
            "batch_id": outcome["batch_id"], "dataset": "news_articles",
            "rows": outcome["rows_checked"], "sources": [result["source_id"]],
        }
        return outcome

    validate(backfill())


backfill_news()
