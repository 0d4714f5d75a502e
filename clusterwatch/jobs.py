"""The functions Airflow tasks call: one per task, each small, each also usable from the CLI.

DAG files stay thin (STYLE C7): they import one of these inside the task body and pass
what the run knows (run id, params, triggering events).
"""

from __future__ import annotations

import logging
from pathlib import Path

from clusterwatch import settings

log = logging.getLogger(__name__)

SOURCE_SETS = ("live", "demo")


def source_set_config(source_set: str, demo_site: str | None = None) -> tuple[Path, dict, bool]:
    """(sources directory, placeholder values, may fetch private/loopback addresses)."""
    if source_set == "live":
        return settings.sources_dir(), {}, False
    if source_set == "demo":
        if not demo_site:
            raise ValueError("source_set 'demo' needs demo_site (the recorded site's base URL)")
        # The recorded site runs on 127.0.0.1: only the demo may reach loopback.
        return settings.PROJECT_ROOT / "demo" / "sources", {"demo_site": demo_site.rstrip("/")}, True
    raise ValueError(f"unknown source_set {source_set!r}; expected one of {SOURCE_SETS}")


def plan_scrape(source_set: str, only: list[str] | None = None, demo_site: str | None = None) -> list[str]:
    """The source ids one scrape run covers (each becomes one mapped task)."""
    from scrapers.sources import load_sources

    directory, variables, _ = source_set_config(source_set, demo_site)
    ids = [source.id for source in load_sources(directory, variables)]
    if only:
        unknown = sorted(set(only) - set(ids))
        if unknown:
            raise ValueError(f"unknown source ids for set {source_set!r}: {unknown}")
        ids = [i for i in ids if i in only]
    return ids


def scrape(source_id: str, scrape_run_id: str, source_set: str, demo_site: str | None = None,
           *, raise_on_failure: bool = True, backfill: dict | None = None) -> dict:
    """Scrape one source. With `raise_on_failure=False` a source the run could not read
    (ScrapeFailed: recorded as `failed` in raw.scrape_runs) returns its counts with
    status 'failed' instead of raising, so one broken site does not fail its task; any
    other error (database, bug) still raises."""
    from clusterwatch import db, warehouse
    from scrapers.pipeline import ScrapeFailed, scrape_source

    url = warehouse.warehouse_url()
    db.bootstrap(url)
    directory, variables, allow_private = source_set_config(source_set, demo_site)
    try:
        return scrape_source(
            source_id, scrape_run_id=scrape_run_id, database_url=url, sources_dir=directory,
            variables=variables, allow_private_addresses=allow_private, backfill=backfill,
        )
    except ScrapeFailed as exc:
        if raise_on_failure:
            raise
        log.error("source %s failed in run %s: %s", source_id, scrape_run_id, exc)
        return {**exc.counts, "status": "failed", "error": str(exc)}


class NothingToValidate(RuntimeError):
    """No source of the batch succeeded: there is no batch to validate."""


class SourcesFailed(RuntimeError):
    """Some sources of a scrape run failed (their rows in raw.scrape_runs say why)."""


def scrape_run_status(batch_id: str) -> dict[str, dict]:
    """source_id -> {status, error, counts} of one scrape run, from raw.scrape_runs."""
    from clusterwatch import warehouse
    from clusterwatch.db import connect

    with connect(warehouse.warehouse_url()) as conn:
        rows = conn.execute(
            """select source_id, status, error, pages_fetched, articles_new, articles_updated,
                      pages_rejected, pages_not_modified
               from raw.scrape_runs where scrape_run_id = %s order by source_id""",
            (batch_id,),
        ).fetchall()
    return {r[0]: {"status": r[1], "error": r[2], "pages_fetched": r[3], "articles_new": r[4],
                   "articles_updated": r[5], "pages_rejected": r[6], "pages_not_modified": r[7]}
            for r in rows}


def validate_scrape(batch_id: str) -> dict:
    """Validate the rows the run's *successful* sources loaded; NothingToValidate when no
    source succeeded (the DAG turns it into a skip: no asset event)."""
    runs = scrape_run_status(batch_id)
    succeeded = sorted(s for s, r in runs.items() if r["status"] == "succeeded")
    if not succeeded:
        raise NothingToValidate(f"no source of {batch_id} succeeded: {sorted(runs)}")
    outcome = validate("news_articles", batch_id)
    outcome["sources"] = succeeded
    outcome["failed_sources"] = sorted(s for s, r in runs.items() if r["status"] != "succeeded")
    return outcome


def report_scrape(batch_id: str, planned: list[str]) -> dict:
    """Per-source outcome of a run; raises SourcesFailed (naming each source and its
    error) when a planned source failed or left no row, so the run shows as failed."""
    runs = scrape_run_status(batch_id)
    problems = {}
    for source_id in planned:
        row = runs.get(source_id)
        if row is None:
            problems[source_id] = "no run row (the task crashed before starting)"
        elif row["status"] != "succeeded":
            problems[source_id] = f"{row['status']}: {row['error']}"
    report = {"batch_id": batch_id, "planned": list(planned), "sources": runs,
              "failed": sorted(problems)}
    log.info("scrape report %s", report)
    if problems:
        raise SourcesFailed(
            f"{len(problems)} of {len(planned)} sources failed in {batch_id}: "
            + "; ".join(f"{k}: {v}" for k, v in sorted(problems.items()))
        )
    return report


def backfill(params: dict, scrape_run_id: str) -> dict:
    """One back-fill of one source over an id or a date range (backfill_news DAG)."""
    ranges = {key: params.get(key) for key in ("id_from", "id_to", "date_from", "date_to", "entry")}
    return scrape(params["source"], scrape_run_id, params.get("source_set") or "live",
                  params.get("demo_site"), backfill={k: v for k, v in ranges.items()
                                                     if v not in (None, "")})


def validate(dataset: str, batch_id: str) -> dict:
    """Run the dataset's suite on one batch; raise when an error-level expectation fails."""
    from clusterwatch import warehouse
    from expectations.runner import require_success, validate_batch

    outcome = validate_batch(dataset, batch_id, warehouse.warehouse_url())
    require_success(outcome)
    return outcome.summary()


def analyse_text(batch_id: str) -> dict:
    """Text analysis (relevance, entities, stories) of the articles a batch loaded or
    changed, stored in raw.article_analysis / raw.article_mentions for dbt. Idempotent:
    unchanged articles are not re-analysed."""
    from clusterwatch import db, warehouse
    from scrapers.text.store import analyse_pending

    url = warehouse.warehouse_url()
    db.bootstrap(url)
    return analyse_pending(url, batch_id=batch_id)


def describe_triggering_events(triggering_asset_events) -> list[dict]:
    """The batches a transform run builds on, from the asset events' `extra` (small)."""
    batches = []
    for asset, events in (triggering_asset_events or {}).items():
        for event in events:
            extra = dict(event.extra or {})
            batches.append({"asset": getattr(asset, "name", str(asset)), **extra})
    log.info("transform triggered by %d event(s): %s", len(batches), batches)
    return batches


def mart_row_counts() -> dict[str, int]:
    """Row count of every table in `marts` (what the transform run produced)."""
    from clusterwatch import warehouse
    from clusterwatch.db import connect

    from psycopg import sql

    with connect(warehouse.warehouse_url()) as conn:
        tables = [r[0] for r in conn.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "and table_type = 'BASE TABLE' order by 1").fetchall()]
        return {t: conn.execute(sql.SQL("select count(*) from {}").format(
            sql.Identifier("marts", t))).fetchone()[0] for t in tables}
