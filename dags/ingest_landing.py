"""Load registry and trade files the moment they land.

A producer drops `<file>` into `$CLUSTERWATCH_LANDING_DIR/registry/` or `.../trade/`, then an
empty `<file>.ready`. An AssetWatcher (trigger `ingest.triggers.LandingMarkerTrigger`)
claims the marker and emits `registry_file_landed` / `trade_file_landed`, which starts
this DAG. Per dataset: load every landed file (ledger `ingest.batches`, quarantine,
COPY, merge into `raw`; file to `archive/` or `rejected/`), then validate each new batch
with its Great Expectations suites; each batch that passes emits `registry_validated` /
`trade_validated` with extra {batch_id, dataset, rows, format}, which schedules
`transform_warehouse`. Events are pokes: the work comes from the folder and the ledger,
so a lost or doubled event changes nothing (`reconcile_landing` catches up on a timer).
"""

from airflow.sdk import dag

from _common import DEFAULT_ARGS, START_DATE
from _landing import landed_asset, landing_chain

REGISTRY_LANDED = landed_asset("registry")
TRADE_LANDED = landed_asset("trade")


@dag(
    schedule=REGISTRY_LANDED | TRADE_LANDED,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["ingest", "registry", "trade", "clusterwatch"],
    doc_md=__doc__,
)
def ingest_landing():
    for dataset in ("registry", "trade"):
        landing_chain(dataset, received_via="watcher")


ingest_landing()
