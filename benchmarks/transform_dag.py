"""The transform DAG through a real Airflow scheduler vs one `dbt build`, same warehouse.

    python -m benchmarks transform_dag [--parallelism=4]

Cosmos renders one Airflow task per dbt node (a model's run, then its tests), each a
dbt process of its own; on a 2-core machine that per-task start-up is most of a run.
Measured in the same run, on one fresh warehouse (empty raw tables, so the numbers are
overhead, not data):

- baseline: `transform.build()` (`clusterwatch transform`), one `dbt build` process;
- a manual run of `transform_warehouse` on a local Airflow stack (api-server, scheduler,
  dag-processor, triggerer; LocalExecutor with `--parallelism` workers): the run's
  duration, the span of its `dbt.*` tasks, their count and mean duration.

Last line: {bench, dbt_build_s, dag_run_s, dbt_tasks_span_s, ratio (span / build), ...}.
Starts and stops its own Airflow and drops its databases.
"""

from __future__ import annotations

import argparse
import os
import socket
import tempfile
import uuid
from datetime import datetime


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _seconds(start: str | None, end: str | None) -> float:
    if not start or not end:
        return 0.0
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks transform_dag")
    parser.add_argument("--parallelism", type=int, default=4)
    args = parser.parse_args(argv or [])

    with tempfile.TemporaryDirectory() as home:
        os.environ["CLUSTERWATCH_HOME"] = home  # own Airflow home, logs and caches
        os.environ["CLUSTERWATCH_AIRFLOW_PARALLELISM"] = str(args.parallelism)
        from clusterwatch import airflow_runtime, db, transform, warehouse
        from clusterwatch.demo import TRANSFORM_DAG

        url = warehouse.with_database(warehouse.server_url(), f"cw_bench_dag_{uuid.uuid4().hex[:8]}")
        warehouse.ensure_database(url)
        metadata_url = warehouse.airflow_metadata_url(url)
        try:
            db.bootstrap(url)
            transform.ensure_manifest()
            build = transform.build(url, target_path=os.path.join(home, "dbt_target"))
            print(f"dbt build in one process: {build.duration_seconds:.1f}s", flush=True)

            env = airflow_runtime.airflow_environment(url, port=_free_port())
            env.update({"CLUSTERWATCH_SCRAPE_SCHEDULE": "none", "CLUSTERWATCH_MONITOR_SCHEDULE": "none",
                        "CLUSTERWATCH_ALERT_DELIVERY_SCHEDULE": "none",
                        "CLUSTERWATCH_RECONCILE_SCHEDULE": "none"})
            airflow_runtime.migrate_metadata(url, env)
            stack = airflow_runtime.AirflowStack(env)
            stack.start()
            try:
                client = airflow_runtime.AirflowClient.for_local_stack(stack)
                client.wait_for_dags([TRANSFORM_DAG])
                run_id = client.trigger(TRANSFORM_DAG)
                run = client.wait_for_run(TRANSFORM_DAG, run_id, timeout=1800)
                # The REST API pages task instances by 50: ask for all of them.
                tasks = client._call("GET", f"/dags/{TRANSFORM_DAG}/dagRuns/{run_id}/taskInstances",
                                     params={"limit": 1000})["task_instances"]
            finally:
                stack.stop()
        finally:
            warehouse.drop_database(url)
            warehouse.drop_database(metadata_url)

    dbt_tasks = [t for t in tasks if t["task_id"].startswith("dbt.")]
    starts = sorted(t["start_date"] for t in dbt_tasks if t.get("start_date"))
    ends = sorted(t["end_date"] for t in dbt_tasks if t.get("end_date"))
    span = _seconds(starts[0], ends[-1]) if starts and ends else 0.0
    durations = [t.get("duration") or 0 for t in dbt_tasks]
    run_s = _seconds(run.get("start_date"), run.get("end_date"))
    print(f"transform_warehouse run {run['state']}: {run_s:.1f}s; {len(dbt_tasks)} dbt tasks over "
          f"{span:.1f}s, mean task {sum(durations) / max(len(durations), 1):.1f}s", flush=True)
    return {
        "bench": "transform_dag",
        "dbt_build_s": round(build.duration_seconds, 2),
        "dag_run_s": round(run_s, 2),
        "dbt_tasks_span_s": round(span, 2),
        "ratio": round(span / build.duration_seconds, 2),
        "dbt_task_count": len(dbt_tasks),
        "mean_dbt_task_s": round(sum(durations) / max(len(durations), 1), 2),
        "run_state": run["state"],
        "parallelism": args.parallelism,
    }
