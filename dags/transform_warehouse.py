"""Build the warehouse with dbt (through astronomer-cosmos) whenever a validated batch lands.

Scheduled on the `*_validated` assets, never on a clock: a run starts when a batch
passed its error-level expectations. Runs started by an asset event have no data
interval; the first task records which batches (from the events' `extra`) this run
builds on. dbt models are rebuilt from `raw` as a whole, so a lost or duplicated event
changes nothing: the next run catches up.

dbt runs as one Cosmos `dbt build` task by default, or one task per dbt node with
CLUSTERWATCH_DBT_TASKS=per_node (see `dbt_tasks` below for when each pays off).
After dbt, `validate_marts` runs the mart suites (expectations/suites/marts__*.py); only
marts that pass every error-level expectation emit `marts_validated`. Every dbt task
reports failed / warning tests through the alert path (Cosmos `callback`).

In the per-node shape the dbt graph comes from `dbt_project/target/manifest.json`
(LoadMode.DBT_MANIFEST: ~0.3 s to parse instead of ~2.3 s for `dbt ls`); `clusterwatch`
refreshes it with `dbt parse` before it starts Airflow, and a test checks it is current.
"""

import os
import sys
from pathlib import Path

from airflow.sdk import dag, task
from cosmos import DbtTaskGroup, ExecutionConfig, LoadMode, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import InvocationMode, TestBehavior
from cosmos.operators.local import DbtBuildLocalOperator

from _common import DEFAULT_ARGS, MARTS_VALIDATED, START_DATE, VALIDATED_ASSETS

DBT_PROJECT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"
MONITORING_MODELS = ["path:models/staging/monitoring", "path:models/marts/monitoring"]


def _any_of(assets):
    condition = assets[0]
    for asset in assets[1:]:
        condition = condition | asset
    return condition


def _project_config() -> ProjectConfig:
    """The per-node shape's graph source: the prebuilt manifest."""
    config = ProjectConfig(dbt_project_path=DBT_PROJECT_DIR,
                           manifest_path=DBT_PROJECT_DIR / "target" / "manifest.json")
    # Cosmos wraps manifest_path in Airflow's ObjectStoragePath, whose first read loads
    # every plugin (Cosmos' own imports FastAPI): ~0.8 s of a cold parse, measured by
    # tests/dags/test_dag_integrity.py. A local file needs none of that: read it as a Path.
    config.manifest_path = DBT_PROJECT_DIR / "target" / "manifest.json"
    return config


def _profile_config() -> ProfileConfig:
    return ProfileConfig(profile_name="clusterwatch", target_name="dev",
                         profiles_yml_filepath=DBT_PROJECT_DIR / "profiles.yml")


# After every dbt command (also a failing one), read its run_results.json and alert on
# failed, erroring or warning tests and models (expectations/alerts.py).
_OPERATOR_ARGS = {"install_deps": False, "callback": "clusterwatch.jobs.dbt_results_callback"}


def dbt_tasks():
    """The dbt part of the DAG, in one of two shapes (CLUSTERWATCH_DBT_TASKS, read at parse
    time; docs/warehouse.md "Run time of the transform DAG"):

    - `build` (default): one Cosmos `DbtBuildLocalOperator` task runs `dbt build` over the
      project (monitoring models excepted). dbt orders the ~90 nodes itself and pays its
      start-up once: measured here, one build takes 44 s where one task per node took
      420 s on the same machine (each task is a process that imports dbt and reads the
      manifest). Per-node status still reaches the alerts through run_results.json.
    - `per_node`: a Cosmos `DbtTaskGroup`, one task per model, seed and snapshot (`dbt
      build --select` of the node and its tests, TestBehavior.BUILD): per-model retries
      and visibility, for a deployment with several workers (CeleryExecutor, Kubernetes
      executor: docs/scaling.md) where the per-task start-up runs in parallel.
    """
    shape = os.environ.get("CLUSTERWATCH_DBT_TASKS", "build")
    if shape == "build":
        return DbtBuildLocalOperator(
            task_id="dbt_build",
            project_dir=DBT_PROJECT_DIR,
            profile_config=_profile_config(),
            dbt_executable_path=str(Path(sys.executable).parent / "dbt"),
            invocation_mode=InvocationMode.SUBPROCESS,
            exclude=MONITORING_MODELS,
            retries=1,
            **_OPERATOR_ARGS,
        )
    if shape != "per_node":
        raise ValueError(f"CLUSTERWATCH_DBT_TASKS={shape!r}: expected 'build' or 'per_node'")
    return DbtTaskGroup(
        group_id="dbt",
        project_config=_project_config(),
        profile_config=_profile_config(),
        execution_config=ExecutionConfig(
            dbt_executable_path=str(Path(sys.executable).parent / "dbt"),
            invocation_mode=InvocationMode.SUBPROCESS,
        ),
        # Tests with several parents (relationships to dim_sources) run in their own task
        # after all parents: in a parent's test task (dbt's eager selection) they would
        # query a model that may not be built yet and fail the first build at random.
        # The monitoring models describe the platform's own bookkeeping, not the batch:
        # the monitor_sources DAG rebuilds them hourly in one dbt invocation.
        render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST, test_behavior=TestBehavior.BUILD,
                                   should_detach_multiple_parents_tests=True, exclude=MONITORING_MODELS),
        operator_args=_OPERATOR_ARGS,
        default_args={**DEFAULT_ARGS, "retries": 1},
    )


@dag(
    schedule=_any_of(VALIDATED_ASSETS),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,  # one dbt build at a time (snapshots must not overlap)
    default_args=DEFAULT_ARGS,
    tags=["transform", "clusterwatch"],
    doc_md=__doc__,
)
def transform_warehouse():
    @task
    def record_triggering_batches(triggering_asset_events=None) -> list[dict]:
        from clusterwatch.jobs import describe_triggering_events

        return describe_triggering_events(triggering_asset_events)

    dbt = dbt_tasks()
    @task(outlets=[MARTS_VALIDATED])
    def validate_marts(run_id=None, outlet_events=None) -> dict:
        from clusterwatch.jobs import validate_marts

        results = validate_marts(run_id)  # raises (no retry) on an error-level failure
        outlet_events[MARTS_VALIDATED].extra = {
            "batch_id": f"transform_warehouse:{run_id}", "dataset": "marts",
            "rows": sum(r["rows"] for r in results.values())}
        return results

    @task
    def summarise_marts() -> dict:
        from clusterwatch.jobs import mart_row_counts

        return mart_row_counts()

    record_triggering_batches() >> dbt >> validate_marts() >> summarise_marts()


transform_warehouse()
