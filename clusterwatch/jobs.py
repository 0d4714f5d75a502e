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


def scrape(source_id: str, scrape_run_id: str, source_set: str, demo_site: str | None = None) -> dict:
    from clusterwatch import db, warehouse
    from scrapers.pipeline import scrape_source

    url = warehouse.warehouse_url()
    db.bootstrap(url)
    directory, variables, allow_private = source_set_config(source_set, demo_site)
    return scrape_source(
        source_id, scrape_run_id=scrape_run_id, database_url=url, sources_dir=directory,
        variables=variables, allow_private_addresses=allow_private,
    )


def validate(dataset: str, batch_id: str) -> dict:
    """Run the dataset's suite on one batch; raise when an error-level expectation fails."""
    from clusterwatch import warehouse
    from expectations.runner import require_success, validate_batch

    outcome = validate_batch(dataset, batch_id, warehouse.warehouse_url())
    require_success(outcome)
    return outcome.summary()


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
    the ledger. Returns the asset event's extra; raises DataQualityError on failure."""
    from clusterwatch import db, warehouse
    from expectations.runner import DataQualityError
    from ingest import ledger
    from ingest.formats.layouts import LAYOUTS

    layout = LAYOUTS[batch["format"].split("-")[0]]
    outcomes = []
    try:
        for suite in layout.suites:
            outcomes.append(validate(suite, batch["batch_id"]))
    except DataQualityError:
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
