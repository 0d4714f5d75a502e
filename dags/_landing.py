"""Shared wiring of the two landing-zone DAGs (ingest_landing, reconcile_landing): the
watched assets and the per-dataset task chain. No I/O here (imported at parse time); the
landing folder comes from CLUSTERWATCH_LANDING_DIR, read once at parse time."""

from airflow.sdk import Asset, AssetWatcher, task

from _common import REGISTRY_VALIDATED, TRADE_VALIDATED
from ingest.config import dataset_dir, marker_poke_seconds
from ingest.triggers import LandingMarkerTrigger

VALIDATED = {"registry": REGISTRY_VALIDATED, "trade": TRADE_VALIDATED}


def landed_asset(dataset: str) -> Asset:
    """Fires when a `<file>.ready` marker appears in landing/<dataset>/."""
    return Asset(
        name=f"{dataset}_file_landed",
        uri=f"clusterwatch://landing/{dataset}",
        watchers=[AssetWatcher(
            name=f"{dataset}_ready_markers",
            trigger=LandingMarkerTrigger(directory=str(dataset_dir(dataset)),
                                         poke_interval=marker_poke_seconds()),
        )],
    )


def landing_chain(dataset: str, received_via: str) -> None:
    """ingest_<dataset> -> plan_validation_<dataset> -> validate_<dataset> (one mapped task
    per batch; each success emits the dataset's validated asset with the batch in extra)."""
    validated = VALIDATED[dataset]

    @task(task_id=f"ingest_{dataset}")
    def ingest() -> list[dict]:
        from clusterwatch.jobs import ingest_landed

        return ingest_landed(dataset, received_via)

    # Runs even when one file failed: the batches that did load still get validated.
    @task(task_id=f"plan_validation_{dataset}", trigger_rule="all_done")
    def plan_validation() -> list[dict]:
        from clusterwatch.jobs import ingest_batches_to_validate

        return ingest_batches_to_validate(dataset)

    @task(task_id=f"validate_{dataset}", outlets=[validated], map_index_template="{{ batch['batch_id'] }}")
    def validate(batch: dict, outlet_events=None) -> dict:
        from airflow.sdk.exceptions import AirflowFailException

        from clusterwatch.jobs import validate_ingest_batch
        from expectations.runner import DataQualityError

        try:
            extra = validate_ingest_batch(batch)
        except DataQualityError as exc:  # a verdict on the data: retrying cannot change it
            raise AirflowFailException(str(exc)) from exc
        outlet_events[validated].extra = extra
        return extra

    batches = plan_validation()
    ingest() >> batches
    validate.expand(batch=batches)
