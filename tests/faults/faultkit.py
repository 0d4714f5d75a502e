"""What the fault suite feeds the platform and how it hurts it: the trade files of the
burst, the fake secrets planted in the environment, and the faults themselves (stop a
component, stop PostgreSQL, SIGKILL the process running a task). Shared by
tests/faults/ and `python -m benchmarks faults`."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import psutil

from clusterwatch import db

BURST_FILES = 50
DUPLICATES = 5          # files of the first half landed again under another name
BIG_ROWS = 40_000       # the file loaded while PostgreSQL stops or its worker is killed

# Fake secrets: every output of the stack is searched for each of them.
SECRETS = {
    "CLUSTERWATCH_SMTP_PASSWORD": "smtp-Pw-7Qx2fake-9f3e",
    "CLUSTERWATCH_COMTRADE_API_KEY": "comtrade-Key-fake-4b8d1c77",
    # in the warehouse URL, so also DBT_ENV_SECRET_PG_PASSWORD (clusterwatch/transform.py)
    "database_password": "dbPw-fake-a61e0d2c",
    "webhook_token": "hooktoken-fake-5d2c9a01",
    "connection_password": "conn-Pw-fake-0c7b3e55",
}


def trade_file_name(index: int) -> str:
    return f"BACI_HS17_Y2022_V202401_part{index:02d}.csv"


def trade_file_body(index: int, rows: int = 20) -> str:
    """A small BACI file whose keys belong to it alone (exporter = 100 + index), so the
    order in which files load cannot change a row; its last line is bad on purpose (a
    value `x`): one quarantined row per file."""
    exporter = 100 + index
    lines = ["t,i,j,k,v,q"]
    lines += [f"2022,{exporter},{n % 90 + 4},{(n * 37) % 900000 + 10101:06d},{n}.5,{n % 7}"
              for n in range(rows)]
    lines.append(f"2022,{exporter},12,010101,x,1")
    return "\n".join(lines) + "\n"


def big_file_body(exporter: int, rows: int = BIG_ROWS) -> str:
    body = [f"2022,{exporter},{n % 700 + 4},{(n * 7) % 900000 + 10101:06d},{n}.25,{n % 13}"
            for n in range(rows)]
    return "t,i,j,k,v,q\n" + "\n".join(body) + "\n"


def land(folder: Path, name: str, body: str, marker: str | None = ".ready") -> Path:
    """Write a data file, then its marker (the landing-zone protocol: marker last)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(body, encoding="utf-8")
    if marker:
        (folder / (name + marker)).touch()
    return path


def wait_until(predicate, timeout: float, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached after {timeout}s")
        time.sleep(interval)


def batch_status(url: str, file_name: str) -> str | None:
    try:
        with db.connect(url) as conn:
            row = conn.execute("select status from ingest.batches where file_name = %s "
                               "order by received_at desc limit 1", (file_name,)).fetchone()
    except Exception:  # the server may be down in the middle of a fault
        return None
    return row[0] if row else None


def count(url: str, query: str, params: tuple = ()) -> int:
    with db.connect(url) as conn:
        return conn.execute(query, params).fetchone()[0]


def task_process(ti_id: str) -> psutil.Process | None:
    """The process running a task instance: Airflow's task runner titles itself
    `airflow worker -- <task instance id>`; its parent, the LocalExecutor's worker (the
    supervisor), is `airflow worker -- LocalExecutor: <id>` and is left alone."""
    for proc in psutil.process_iter(["cmdline"]):
        # setproctitle pads the title with NULs / spaces: compare the words
        words = " ".join(proc.info.get("cmdline") or []).split()
        if words == ["airflow", "worker", "--", ti_id]:
            return proc
    return None


def running_ti(client, dag_id: str, run_id: str, task_id: str) -> dict | None:
    for ti in client.task_instances(dag_id, run_id):
        if ti["task_id"] == task_id and ti["state"] == "running":
            return ti
    return None


def sigkill(proc: psutil.Process) -> int:
    os.kill(proc.pid, signal.SIGKILL)
    return proc.pid


def tries(client, dag_id: str, run_id: str, task_id: str) -> list[int]:
    return [ti["try_number"] for ti in client.task_instances(dag_id, run_id)
            if ti["task_id"] == task_id]
