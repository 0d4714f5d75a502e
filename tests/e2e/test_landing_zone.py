"""The landing zone through a running Airflow (the session's shared stack): a file and
its `.ready` marker start `ingest_landing` through the AssetWatcher, the batch is
loaded, validated and announced with `registry_validated` (extra: batch_id, dataset,
rows), an asset `transform_warehouse` is scheduled on; the same content again is a
duplicate; a file whose event was lost is picked up by `reconcile_landing`.

`transform_warehouse` stays paused while this module runs: a paused DAG queues no run
for the events (Airflow drops them for it), so none of this module's events starts a
dbt build that would outlive it (a full build takes minutes here;
tests/ingest/test_staging.py builds the registry and trade models on loaded files).
The last test unpauses it for one batch of its own, checks that the transform run was
created by that batch's `registry_validated` event, then pauses it again and ends the
run."""

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


def _transform_runs_for_batch(client, known: set[str], batch_id: str) -> list[tuple[dict, dict]]:
    """(run, consumed event) of the transform runs not in `known` whose triggering asset
    events carry this batch id."""
    found = []
    for run in client.dag_runs(TRANSFORM_DAG):
        if run["dag_run_id"] in known:
            continue
        for event in client.upstream_asset_events(TRANSFORM_DAG, run["dag_run_id"]):
            if (event.get("extra") or {}).get("batch_id") == batch_id:
                found.append((run, event))
    return found


def test_a_validated_registry_batch_starts_the_transform(client, airflow_stack, landing_dir):
    """The last link of the event chain: marker -> ingest_landing -> validate ->
    registry_validated {batch_id, dataset, rows} -> a transform_warehouse run whose
    consumed event is that batch's. The test stops at the run's creation (a full dbt build
    takes minutes here): it pauses the DAG again and ends the run by marking it success,
    so no build outlives the module (a failed mark would raise a task-failure alert that
    the quality-gate tests would count)."""
    folder = landing_dir / "registry"
    folder.mkdir(exist_ok=True)
    name = "event-chain-members.csv"
    # Content of its own (another module's file would be a duplicate batch: no event).
    (folder / name).write_text(
        "name,address,wilaya,code_wil,email\n"
        "Pole Meca Chain,12 rue des Freres Bouadou Rouiba,Alger,16,contact@polemeca.example.dz\n"
        "Agro Chain Setif,Zone industrielle Setif,Setif,19,\n"
        "Datte Chain Biskra,Route de Tolga Biskra,Biskra,07,\n", encoding="utf-8")
    known_ingest = {r["dag_run_id"] for r in client.dag_runs(INGEST_DAG)}
    known_transform = {r["dag_run_id"] for r in client.dag_runs(TRANSFORM_DAG)}
    client._call("PATCH", f"/dags/{TRANSFORM_DAG}", json={"is_paused": False})
    started = time.monotonic()
    try:
        (folder / (name + ".ready")).touch()
        run = client.wait_for_new_run(INGEST_DAG, known_ingest, "asset_triggered", timeout=120)
        run = client.wait_for_run(INGEST_DAG, run["dag_run_id"], timeout=300)
        assert run["state"] == "success", task_states(client, INGEST_DAG, run["dag_run_id"])
        ((batch_id, status, via, rows, _, validation, _),) = ledger(airflow_stack.warehouse_url, name)
        assert (status, via, rows, validation) == ("loaded", "watcher", 3, "passed")

        deadline = time.monotonic() + 120
        while not (found := _transform_runs_for_batch(client, known_transform, batch_id)):
            assert time.monotonic() < deadline, f"no transform_warehouse run consumed {batch_id}'s event"
            time.sleep(1)
        print(f"marker dropped -> transform_warehouse run for {batch_id} in {time.monotonic() - started:.1f}s")
        ((transform_run, event),) = found
        assert transform_run["run_type"] == "asset_triggered"
        assert (event["extra"]["dataset"], event["extra"]["rows"]) == ("registry", 3)
        assert event["source_dag_id"] == INGEST_DAG and event["source_run_id"] == run["dag_run_id"]
        (asset,) = client._call("GET", "/assets", params={"name_pattern": "registry_validated"})["assets"]
        assert event["asset_id"] == asset["id"]
    finally:
        client._call("PATCH", f"/dags/{TRANSFORM_DAG}", json={"is_paused": True})
        for transform_run in client.dag_runs(TRANSFORM_DAG):
            if transform_run["dag_run_id"] not in known_transform and \
                    transform_run["state"] not in ("success", "failed"):
                client._call("PATCH", f"/dags/{TRANSFORM_DAG}/dagRuns/{transform_run['dag_run_id']}",
                             json={"state": "success"})
