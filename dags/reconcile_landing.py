"""Catch up with the landing zone on a timer: events can be lost.

Every `CLUSTERWATCH_RECONCILE_SCHEDULE` (cron, default every 15 minutes; `none` disables
the clock) this DAG does what `ingest_landing` does, for any landed file that no event
brought in: files with a `.ready` marker the watcher did not see, files whose marker was
claimed (`.queued`) but whose run never came, and files without a marker unchanged for
`CLUSTERWATCH_LANDING_SETTLE_SECONDS`. It also validates loaded batches that no run
validated yet (for example files loaded with `clusterwatch ingest`), and emits their
validated assets.
"""

import os

from airflow.sdk import dag

from _common import DEFAULT_ARGS, START_DATE
from _landing import landing_chain

SCHEDULE = os.environ.get("CLUSTERWATCH_RECONCILE_SCHEDULE", "*/15 * * * *")


@dag(
    schedule=None if SCHEDULE == "none" else SCHEDULE,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["ingest", "registry", "trade", "clusterwatch"],
    doc_md=__doc__,
)
def reconcile_landing():
    for dataset in ("registry", "trade"):
        landing_chain(dataset, received_via="reconcile")


reconcile_landing()
