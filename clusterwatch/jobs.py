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


def source_set_config(source_set: str, demo_site: str | None = None) -> tuple[Path, dict, tuple[str, ...]]:
    """(sources directory, placeholder values, origins allowed on a private address)."""
    if source_set == "live":
        return settings.sources_dir(), {}, ()
    if source_set == "demo":
        if not demo_site:
            raise ValueError("source_set 'demo' needs demo_site (the recorded site's base URL)")
        # The recorded site runs on 127.0.0.1: the demo may reach that one origin (host
        # and port) on loopback, and no other private address (scrapers/http.py).
        from scrapers.http import origin_key

        return (settings.PROJECT_ROOT / "demo" / "sources", {"demo_site": demo_site.rstrip("/")},
                (origin_key(demo_site),))
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
    """Run the dataset's suite on one batch, alert on any failure (errors and warnings,
    through the alert outbox), and fail without retry when an error-level expectation
    failed: the batch is quarantined and its asset event is not emitted."""
    from clusterwatch import db, warehouse
    from expectations.runner import DataQualityError, require_success, validate_batch

    url = warehouse.warehouse_url()
    db.bootstrap(url)
    outcome = validate_batch(dataset, batch_id, url)
    alert_validation(outcome, url)
    try:
        require_success(outcome)
    except DataQualityError as exc:
        fail_without_retry(exc)
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


def alert_validation(outcome, url: str) -> dict | None:
    """Raise (and try to deliver at once) the alert of a validation with failures."""
    from expectations import alerts

    alert = alerts.alert_for_validation(outcome)
    if alert is None:
        return None
    record = alerts.raise_alert(alert, url)
    report = alerts.deliver_pending(url, alert_ids=[record.alert_id])
    return {"alert_id": record.alert_id, "occurrences": record.occurrences, **report.as_dict()}


def fail_without_retry(exc: Exception):
    """Re-raise a data-quality failure as Airflow's AirflowFailException: retrying the
    same batch against the same suite cannot succeed. Marked as already alerted, so the
    task-failure callback does not send a second alert."""
    from airflow.sdk.exceptions import AirflowFailException

    failure = AirflowFailException(str(exc))
    failure.clusterwatch_alerted = True
    raise failure from exc


def mart_datasets() -> list[str]:
    """Datasets whose suite checks a table of the `marts` schema."""
    from expectations.runner import suite_module, suites

    return sorted(d for d in suites() if suite_module(d).RELATION.startswith("marts."))


def validate_marts(run_id: str) -> dict:
    """After dbt: validate every mart suite on the rebuilt tables (batch id = the transform
    run), alert on failures, and fail (no retry) when an error-level expectation failed."""
    from clusterwatch import warehouse
    from expectations.runner import DataQualityError, validate_batch

    url = warehouse.warehouse_url()
    batch_id = f"transform_warehouse:{run_id}"
    results, blocking = {}, []
    for dataset in mart_datasets():
        outcome = validate_batch(dataset, batch_id, url)
        alert_validation(outcome, url)
        results[dataset] = {"status": outcome.status, "rows": outcome.rows_checked,
                            "errors": outcome.error_failures, "warnings": outcome.warning_failures}
        if not outcome.success:
            blocking.append(f"{dataset}: {', '.join(f for f in outcome.summary()['failed'] if f.startswith('error'))}")
    if blocking:
        fail_without_retry(DataQualityError("marts failed error-level expectations: " + "; ".join(blocking)))
    return results


def deliver_alerts() -> dict:
    """Send every due alert of the outbox; failures stay pending for the next run."""
    from clusterwatch import db, warehouse
    from expectations import alerts

    url = warehouse.warehouse_url()
    db.bootstrap(url)
    return alerts.deliver_pending(url).as_dict()


def monitor_sources() -> dict:
    """Freshness of every configured (live) source; alert on those silent too long."""
    from clusterwatch import db, warehouse
    from expectations import alerts, freshness

    url = warehouse.warehouse_url()
    db.bootstrap(url)
    health = freshness.check_sources(url, plan_scrape("live"))
    raised = []
    for record in health:
        alert = alerts.alert_for_source_health(record)
        if alert is not None:
            raised.append(alerts.raise_alert(alert, url).alert_id)
    delivery = alerts.deliver_pending(url, alert_ids=raised) if raised else None
    statuses: dict[str, int] = {}
    for record in health:
        statuses[record["status"]] = statuses.get(record["status"], 0) + 1
    return {"sources": len(health), "statuses": statuses, "alerts": len(raised),
            "delivery": delivery.as_dict() if delivery else None}


MONITORING_SELECTORS = ["path:models/staging/monitoring", "path:models/marts/monitoring"]


def build_monitoring_marts() -> dict:
    """`dbt build` of the monitoring staging views and marts (one invocation, its own
    target folder so it never clobbers the manifest Cosmos reads). Skipped until the
    transform has built the marts they join (dim_sources, stg_news__scrape_runs)."""
    from clusterwatch import warehouse
    from clusterwatch.db import connect
    from clusterwatch.transform import build

    url = warehouse.warehouse_url()
    with connect(url) as conn:
        ready = conn.execute("select to_regclass('marts.dim_sources') is not null and "
                             "to_regclass('staging.stg_news__scrape_runs') is not null").fetchone()[0]
    if not ready:
        log.info("monitoring marts not built: run the transform first (marts.dim_sources missing)")
        return {"skipped": "the transform has not built marts.dim_sources yet"}
    result = build(url, select=MONITORING_SELECTORS, target_path=settings.home() / "dbt_target_monitoring")
    return result.summary()


def alert_task_failure(context) -> None:
    """on_failure_callback of every task (DEFAULT_ARGS): the failure goes through the
    alert path. Never raises: a broken alert must not hide the task's own error."""
    try:
        from clusterwatch import warehouse
        from expectations import alerts

        alert = alerts.alert_for_task_failure(context)
        if alert is None:
            return
        url = warehouse.warehouse_url()
        record = alerts.raise_alert(alert, url)
        alerts.deliver_pending(url, alert_ids=[record.alert_id])
    except Exception:
        log.exception("could not raise the task-failure alert")


def dbt_results_callback(project_dir: str, context=None, **_) -> None:
    """Cosmos `callback` of every dbt task: runs after dbt, before Cosmos raises on a
    failure, with the project copy that holds `target/run_results.json`. Failed, erroring
    and warning tests and models become one alert through the same path (dbt warnings
    alert without failing the task). Never raises."""
    try:
        import json as _json

        from clusterwatch import warehouse
        from expectations import alerts

        path = Path(project_dir) / "target" / "run_results.json"
        if not path.exists():
            return
        ti = (context or {}).get("ti")
        alert = alerts.alerts_for_dbt_results(
            _json.loads(path.read_text(encoding="utf-8")),
            task_label=getattr(ti, "task_id", "dbt"), run_id=getattr(ti, "run_id", None),
            link=getattr(ti, "log_url", None))
        if alert is None:
            return
        url = warehouse.warehouse_url()
        record = alerts.raise_alert(alert, url)
        if alert.severity == "error" and ti is not None:
            alerts.mark_task_alerted(ti)
        alerts.deliver_pending(url, alert_ids=[record.alert_id])
    except Exception:
        log.exception("could not raise the dbt results alert")


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


# -- registry and trade files (ingest/) ------------------------------------------------------
def ingest_path(dataset: str, path: str, format: str | None = None, received_via: str = "cli") -> dict:
    """`clusterwatch ingest registry|trade PATH`: one file, the same code as the DAGs. A file
    inside the landing zone is moved like the DAGs would (archive/ or rejected/)."""
    from clusterwatch import db, warehouse
    from ingest import config, landing
    from ingest.pipeline import ingest_file

    url = warehouse.warehouse_url()
    db.bootstrap(url)
    resolved = Path(path).resolve()
    if resolved.parent == config.dataset_dir(dataset):
        with landing.dataset_lock(dataset):
            return landing.process_file(dataset, landing.LandedFile(resolved, None), database_url=url,
                                        received_via=received_via, format=format)
    return ingest_file(resolved, dataset, database_url=url, format=format, received_via=received_via).summary()


def ingest_landed(dataset: str, received_via: str) -> list[dict]:
    """Every file landed in `landing/<dataset>/` (marker, or settled for the reconcile run)."""
    from clusterwatch import db, warehouse
    from ingest import config, landing

    url = warehouse.warehouse_url()
    db.bootstrap(url)
    settle = config.settle_seconds() if received_via == "reconcile" else None
    results = landing.process_pending(dataset, database_url=url, received_via=received_via,
                                      settle_seconds=settle)
    log.info("%s landing (%s): %d file(s): %s", dataset, received_via, len(results),
             [(r["file"], r["status"], r.get("rows_loaded")) for r in results])
    return results


def ingest_batches_to_validate(dataset: str) -> list[dict]:
    """Loaded batches of the dataset waiting for validation (from the ledger, so a batch
    whose run died before validating is not forgotten)."""
    from clusterwatch import db, warehouse
    from ingest import ledger

    with db.connect(warehouse.warehouse_url()) as conn:
        return [{"batch_id": row["batch_id"], "dataset": row["dataset"], "format": row["format"],
                 "rows": row["rows_loaded"]} for row in ledger.pending_validation(conn, dataset)]


def validate_ingest_batch(batch: dict) -> dict:
    """Run every suite of the batch's layout (`validate`, per suite); record the verdict in
    the ledger. Returns the asset event's extra; raises (AirflowFailException caused by a
    DataQualityError) on failure."""
    from clusterwatch import db, warehouse
    from expectations.runner import DataQualityError
    from ingest import ledger
    from ingest.formats.layouts import LAYOUTS

    layout = LAYOUTS[batch["format"].split("-")[0]]
    outcomes = []
    try:
        for suite in layout.suites:
            outcomes.append(validate(suite, batch["batch_id"]))
    except Exception as exc:
        # `validate` re-raises a DataQualityError as AirflowFailException (no retry).
        if isinstance(exc, DataQualityError) or isinstance(exc.__cause__, DataQualityError):
            with db.connect(warehouse.warehouse_url()) as conn:
                ledger.mark_validation(conn, batch["batch_id"], passed=False)
        raise
    with db.connect(warehouse.warehouse_url()) as conn:
        ledger.mark_validation(conn, batch["batch_id"], passed=True)
    return {"batch_id": batch["batch_id"], "dataset": batch["dataset"], "rows": batch["rows"],
            "format": batch["format"], "suites": [o["suite_name"] for o in outcomes]}


def fetch_comtrade(reporter_code: str, periods: list[str], cmd_code: str = "TOTAL", flow_code: str | None = None,
                   partner_code: str | None = "0", freq_code: str = "A") -> dict:
    """Download a UN Comtrade query into landing/trade/ with its `.ready` marker; the
    AssetWatcher then loads it like any landed file. The key comes from
    CLUSTERWATCH_COMTRADE_API_KEY or the Airflow connection `comtrade_api`."""
    from ingest.comtrade import ComtradeQuery, fetch_to_landing

    query = ComtradeQuery(reporter_code=str(reporter_code), periods=tuple(str(p) for p in periods),
                          cmd_code=cmd_code, flow_code=flow_code or None, partner_code=partner_code,
                          freq_code=freq_code)
    result = fetch_to_landing(query)
    return {"path": str(result.path), "records": result.records, "calls": result.calls, "pages": result.pages}
