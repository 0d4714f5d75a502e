"""The landing zone through a running Airflow (the session's shared stack): a file and
its `.ready` marker start `ingest_landing` through the AssetWatcher, the batch is
loaded, validated and announced with `registry_validated` (extra: batch_id, dataset,
rows), an asset `transform_warehouse` is scheduled on; the same content again is a
duplicate; a file whose event was lost is picked up by `reconcile_landing`.

`transform_warehouse` stays paused while this module runs: a paused DAG queues no run
for the events (Airflow drops them for it), so none of this module's events starts a
dbt build that would outlive it (a full build takes minutes here; the news pipeline
test shows a validated event starting the transform, tests/ingest/test_staging.py
builds the registry and trade models on loaded files)."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from clusterwatch import db
from clusterwatch.demo import TRANSFORM_DAG

pytestmark = [pytest.mark.airflow, pytest.mark.postgres, pytest.mark.slow]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
INCUBATORS = FIXTURES / "transformatek__coworking-incubators.csv"
DZA = FIXTURES / "comtrade-mirroring__auxiliary_statistics__DZA_only.tsv"
INGEST_DAG, RECONCILE_DAG = "ingest_landing", "reconcile_landing"


def ledger(url: str, file_name: str) -> list[tuple]:
    with db.connect(url) as conn:
        return conn.execute(
            """select batch_id, status, received_via, rows_loaded, archived_path, validation_status,
                      duplicate_of from ingest.batches where file_name = %s order by received_at""",
            (file_name,)).fetchall()


def asset_events(client, name: str) -> list[dict]:
    (asset,) = client._call("GET", "/assets", params={"name_pattern": name})["assets"]
    return client._call("GET", "/assets/events", params={"asset_id": asset["id"], "limit": 100})["asset_events"]


def task_states(client, dag_id: str, run_id: str) -> dict[str, list[str]]:
    states: dict[str, list[str]] = {}
    for task in client.task_instances(dag_id, run_id):
        states.setdefault(task["task_id"], []).append(task["state"])
    return states


@pytest.fixture(scope="module")
def client(airflow_stack):
    client = airflow_stack.client
    client.wait_for_dags([INGEST_DAG, RECONCILE_DAG])
    client._call("PATCH", f"/dags/{TRANSFORM_DAG}", json={"is_paused": True})
    yield client
    client._call("PATCH", f"/dags/{TRANSFORM_DAG}", json={"is_paused": False})


def test_the_transform_is_scheduled_on_the_new_validated_assets(client):
    details = client._call("GET", f"/dags/{TRANSFORM_DAG}/details")
    expression = json.dumps(details["asset_expression"])
    for name in ("news_articles_validated", "registry_validated", "trade_validated"):
        assert name in expression


def test_reconcile_loads_a_file_whose_event_was_lost(client, airflow_stack, landing_dir):
    folder = landing_dir / "trade"
    folder.mkdir(exist_ok=True)
    shutil.copy(DZA, folder / DZA.name)
    (folder / (DZA.name + ".queued")).touch()  # the trigger claimed it; its event never came
    run_id = client.trigger(RECONCILE_DAG)
    run = client.wait_for_run(RECONCILE_DAG, run_id, timeout=300)
    states = task_states(client, RECONCILE_DAG, run_id)
    assert run["state"] == "success", states
    assert states["ingest_trade"] == ["success"] and states["validate_trade"] == ["success"]
    ((batch_id, status, via, rows, archived, validation, _),) = ledger(airflow_stack.warehouse_url, DZA.name)
    assert (status, via, rows, validation) == ("loaded", "reconcile", 61, "passed")
    assert Path(archived) == folder / "archive" / batch_id / DZA.name and Path(archived).exists()
    assert sorted(p.name for p in folder.iterdir()) == [".lock", "archive"]
    extras = [e["extra"] for e in asset_events(client, "trade_validated")]
    assert {"batch_id": batch_id, "dataset": "trade", "rows": 61} in [
        {k: e.get(k) for k in ("batch_id", "dataset", "rows")} for e in extras]


def test_a_landed_file_is_loaded_within_seconds_and_its_copy_is_a_duplicate(client, airflow_stack, landing_dir):
    url = airflow_stack.warehouse_url
    folder = landing_dir / "registry"
    folder.mkdir(exist_ok=True)
    known_ingest = {r["dag_run_id"] for r in client.dag_runs(INGEST_DAG)}

    shutil.copy(INCUBATORS, folder / INCUBATORS.name)
    (folder / (INCUBATORS.name + ".ready")).touch()
    started = time.monotonic()
    run = client.wait_for_new_run(INGEST_DAG, known_ingest, "asset_triggered", timeout=120)
    seconds_to_start = time.monotonic() - started
    print(f"marker dropped -> ingest_landing run created in {seconds_to_start:.1f}s")
    run = client.wait_for_run(INGEST_DAG, run["dag_run_id"], timeout=300)
    states = task_states(client, INGEST_DAG, run["dag_run_id"])
    assert run["state"] == "success", states
    assert states["validate_registry"] == ["success"]
    assert seconds_to_start < 60, f"the watcher took {seconds_to_start:.0f}s to start the DAG"
    ((batch_id, status, via, rows, archived, validation, _),) = ledger(url, INCUBATORS.name)
    assert (status, via, rows, validation) == ("loaded", "watcher", 22, "passed")
    assert Path(archived).exists() and not (folder / INCUBATORS.name).exists()
    assert not (folder / (INCUBATORS.name + ".queued")).exists()
    (event,) = [e for e in asset_events(client, "registry_validated") if e["extra"].get("batch_id") == batch_id]
    assert {k: event["extra"][k] for k in ("batch_id", "dataset", "rows", "format")} == \
        {"batch_id": batch_id, "dataset": "registry", "rows": 22, "format": "registry-csv"}

    # The same content again, under another name: one more arrival, no new batch.
    known_ingest.add(run["dag_run_id"])
    shutil.copy(INCUBATORS, folder / "incubateurs-v2.csv")
    (folder / "incubateurs-v2.csv.ready").touch()
    again = client.wait_for_new_run(INGEST_DAG, known_ingest, "asset_triggered", timeout=120)
    again = client.wait_for_run(INGEST_DAG, again["dag_run_id"], timeout=300)
    assert again["state"] == "success"
    assert task_states(client, INGEST_DAG, again["dag_run_id"])["validate_registry"] == ["skipped"]
    ((dup_id, status, _, rows, archived, _, duplicate_of),) = ledger(url, "incubateurs-v2.csv")
    assert (status, rows, duplicate_of) == ("duplicate", 0, batch_id) and Path(archived).exists()
