"""The same DAGs under the CeleryExecutor, two real workers, a real Redis broker:

    python -m benchmarks celery_executor [--broker=redis://127.0.0.1:6379/0]

What docker-compose.yml's `celery` profile runs, without Docker: a fresh warehouse, the
Airflow api-server, scheduler, dag-processor and triggerer with
AIRFLOW__CORE__EXECUTOR=CeleryExecutor, and two `airflow celery worker` processes
(concurrency 2 each) on a queue of this run's own (so other users of the broker are not
disturbed). It triggers `scrape_news` on the recorded demo site and reports the run's
state and duration and which worker ran each task: the four mapped scrape tasks (one per
source) spread over the workers with no change to the DAG. Needs a reachable Redis and
apache-airflow-providers-celery (the `celery` extra, also in `dev`).

Last line: {bench, state, seconds, tasks, workers: {hostname: tasks run}, ...}.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path


def worker_hostname() -> str:
    """The hostname a task instance records (AIRFLOW__CORE__HOSTNAME_CALLABLE): the
    worker's name, as both workers run on this one machine."""
    import socket

    return os.environ.get("BENCH_CELERY_WORKER_NAME") or socket.getfqdn()


def _start_worker(env: dict, name: str, queue: str, logs: Path) -> subprocess.Popen:
    from clusterwatch.airflow_runtime import merged_environment
    from clusterwatch.ports import free_port

    worker_env = dict(env, AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(free_port()),
                      AIRFLOW__CORE__HOSTNAME_CALLABLE="benchmarks.celery_executor.worker_hostname",
                      BENCH_CELERY_WORKER_NAME=name)
    airflow = str(Path(sys.executable).parent / "airflow")
    with open(logs / f"celery-{name}.log", "ab") as out:
        return subprocess.Popen(
            [airflow, "celery", "worker", "--celery-hostname", f"{name}@%h", "--concurrency", "2",
             "--queues", queue, "--without-gossip", "--without-mingle"],
            env=merged_environment(worker_env), stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="benchmarks celery_executor")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args(argv or [])
    home = Path(tempfile.mkdtemp(prefix="cw_celery_home_"))
    os.environ["CLUSTERWATCH_HOME"] = str(home)

    from clusterwatch import airflow_runtime, db, settings, warehouse
    from clusterwatch.demo_server import serve_site
    from clusterwatch.ports import free_port
    from clusterwatch.transform import ensure_manifest

    server = os.environ.get("CLUSTERWATCH_TEST_DATABASE_URL")
    embedded = None
    if not server:
        embedded = warehouse.embedded()
        embedded.start()
        server = embedded.server_url()
    tag = uuid.uuid4().hex[:8]
    url = warehouse.with_database(server, f"cw_celery_{tag}")
    metadata = warehouse.with_database(server, f"cw_celery_airflow_{tag}")
    warehouse.ensure_database(url)
    db.bootstrap(url)
    warehouse.ensure_database(metadata)
    ensure_manifest()
    queue = f"clusterwatch_bench_{tag}"
    env = airflow_runtime.airflow_environment(url, port=free_port())
    env.update({
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata.replace("postgresql://", "postgresql+psycopg2://", 1),
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CELERY__BROKER_URL": args.broker,
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + metadata,
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": queue,
        "CLUSTERWATCH_SCRAPE_SCHEDULE": "none",
        "CLUSTERWATCH_MONITOR_SCHEDULE": "none",
        "CLUSTERWATCH_ALERT_DELIVERY_SCHEDULE": "none",
        "CLUSTERWATCH_RECONCILE_SCHEDULE": "none",
    })
    airflow_runtime.run_airflow_cli(["db", "migrate"], env)
    stack = airflow_runtime.AirflowStack(env)
    workers: list[subprocess.Popen] = []
    result: dict = {"bench": "celery_executor", "broker": args.broker, "queue": queue}
    try:
        with serve_site() as site:
            stack.start()
            logs = settings.logs_dir()
            workers = [_start_worker(env, name, queue, logs) for name in ("worker1", "worker2")]
            client = airflow_runtime.AirflowClient.for_local_stack(stack)
            client.wait_for_dags(["scrape_news"])
            client._call("PATCH", "/dags/transform_warehouse", json={"is_paused": True})
            started = time.monotonic()
            run_id = client.trigger("scrape_news", {"source_set": "demo", "demo_site": site})
            run = client.wait_for_run("scrape_news", run_id, timeout=900)
            seconds = round(time.monotonic() - started, 1)
            tasks = client.task_instances("scrape_news", run_id)
            hosts = Counter((t.get("hostname") or "?") for t in tasks)
            scrape_hosts = sorted({t.get("hostname") or "?" for t in tasks if t["task_id"] == "scrape"})
            with db.connect(url) as conn:
                articles = conn.execute("select count(*) from raw.news_articles").fetchone()[0]
            result.update({"state": run["state"], "seconds": seconds, "tasks": len(tasks),
                           "task_states": dict(Counter(t["state"] for t in tasks)),
                           "workers": dict(hosts), "scrape_task_hosts": scrape_hosts,
                           "articles": articles, "queue": queue})
            print(f"scrape_news under CeleryExecutor: {run['state']} in {seconds} s, {len(tasks)} tasks, "
                  f"{articles} articles; tasks per worker host: {dict(hosts)}")
    finally:
        for proc in workers:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)  # Celery's warm shutdown
        for proc in workers:
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        stack.stop()
        warehouse.drop_database(url)
        warehouse.drop_database(metadata)
        if embedded:
            embedded.stop()
        shutil.rmtree(home, ignore_errors=True)
    return result
