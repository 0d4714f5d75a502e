"""The landing zone without Airflow: markers, moves, reason files, the reconcile rules,
and the jobs the DAG tasks call (which the scheduler test drives for real)."""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest

from clusterwatch import jobs
from expectations.runner import DataQualityError
from ingest import landing
from ingest.markers import claim_ready_markers

from ingest_files import ACCOUNTANTS, INCUBATORS, query, write_text

pytestmark = pytest.mark.postgres


@pytest.fixture
def zone(tmp_path, monkeypatch, ingest_url):
    root = tmp_path / "landing"
    monkeypatch.setenv("CLUSTERWATCH_LANDING_DIR", str(root))
    monkeypatch.setenv("CLUSTERWATCH_DATABASE_URL", ingest_url)
    for dataset in ("registry", "trade"):
        (root / dataset).mkdir(parents=True)
    return root


def drop(folder, source, name=None, marker=".ready"):
    target = folder / (name or source.name)
    shutil.copy(source, target)
    if marker:
        (folder / (target.name + marker)).touch()
    return target


def test_trigger_claims_only_markers_whose_file_is_there(zone):
    folder = zone / "registry"
    drop(folder, INCUBATORS)
    (folder / "not-yet-uploaded.csv.ready").touch()
    assert claim_ready_markers(folder) == [INCUBATORS.name]
    assert sorted(os.listdir(folder)) == sorted([INCUBATORS.name, INCUBATORS.name + ".queued",
                                                 "not-yet-uploaded.csv.ready"])
    assert claim_ready_markers(folder) == []  # a claimed marker does not fire again


def test_landed_files_are_loaded_moved_and_their_markers_removed(zone, ingest_url):
    folder = zone / "registry"
    drop(folder, ACCOUNTANTS)
    drop(folder, INCUBATORS, marker=".queued")           # claimed by the trigger, event lost
    drop(folder, INCUBATORS, "copy-of-incubators.csv")   # the same content again
    (folder / "empty.csv").write_bytes(b"")
    (folder / "empty.csv.ready").touch()
    drop(folder, INCUBATORS, "still-uploading.csv.part", marker=None)
    drop(folder, INCUBATORS, "no-marker.csv", marker=None)

    results = jobs.ingest_landed("registry", received_via="watcher")
    by_file = {r["file"]: r for r in results}
    assert set(by_file) == {ACCOUNTANTS.name, INCUBATORS.name, "copy-of-incubators.csv", "empty.csv"}
    statuses = sorted(r["status"] for r in results)
    assert statuses == ["duplicate", "loaded", "loaded", "rejected"]
    assert sorted(os.listdir(folder)) == [".lock", "archive", "no-marker.csv", "rejected",
                                          "still-uploading.csv.part"]
    for result in results:
        assert os.path.exists(result["archived_path"])
        assert result["archived_path"].startswith(str(folder / ("rejected" if result["status"] == "rejected"
                                                                 else "archive") / result["batch_id"]))
    reason = json.loads((folder / "rejected" / by_file["empty.csv"]["batch_id"] / "empty.csv.reason.json")
                        .read_text())
    assert (reason["reason"], reason["file"]) == ("empty_file", "empty.csv")
    assert query(ingest_url, "select count(*), count(archived_path) from ingest.batches") == [(4, 4)]


def test_reconcile_takes_settled_files_without_marker(zone, monkeypatch):
    folder = zone / "registry"
    path = drop(folder, INCUBATORS, marker=None)
    monkeypatch.setenv("CLUSTERWATCH_LANDING_SETTLE_SECONDS", "60")
    assert jobs.ingest_landed("registry", received_via="reconcile") == []  # too fresh
    old = time.time() - 120
    os.utime(path, (old, old))
    assert jobs.ingest_landed("registry", received_via="watcher") == []  # the watcher needs a marker
    (result,) = jobs.ingest_landed("registry", received_via="reconcile")
    assert (result["status"], result["marker"]) == ("loaded", None)


def test_a_file_changed_after_its_marker_waits(zone):
    folder = zone / "trade"
    path = write_text(folder / "x.csv", "t,i,j,k,v,q\n2022,12,251,270900,1,1\n")
    marker = folder / "x.csv.ready"
    marker.touch()
    past = time.time() - 30
    os.utime(marker, (past, past))
    assert landing.landed_files("trade") == []
    os.utime(path, (past - 100, past - 100))
    assert [f.path.name for f in landing.landed_files("trade")] == ["x.csv"]


def test_a_crash_between_commit_and_move_is_finished_not_duplicated(zone, ingest_url):
    from ingest.pipeline import ingest_file

    folder = zone / "registry"
    path = drop(folder, INCUBATORS)
    # The load committed, then the process died before moving the file:
    first = ingest_file(path, "registry", database_url=ingest_url, received_via="watcher", landed=True)
    (result,) = jobs.ingest_landed("registry", received_via="reconcile")
    assert (result["status"], result["batch_id"]) == ("loaded", first.batch_id)
    assert query(ingest_url, "select status, archived_path is not null from ingest.batches") == [("loaded", True)]
    assert not path.exists()


def test_a_file_that_keeps_failing_is_rejected_after_the_last_attempt(zone, ingest_url, monkeypatch):
    import ingest.pipeline

    def broken(*args, **kwargs):
        raise RuntimeError("disk quota exceeded while spooling")

    monkeypatch.setattr(ingest.pipeline, "load", broken)
    monkeypatch.setenv("CLUSTERWATCH_INGEST_MAX_ATTEMPTS", "2")
    folder = zone / "registry"
    drop(folder, INCUBATORS)
    with pytest.raises(RuntimeError, match="1 file"):
        jobs.ingest_landed("registry", received_via="watcher")
    assert (folder / INCUBATORS.name).exists()
    assert query(ingest_url, "select status, attempts from ingest.batches") == [("failed", 1)]
    (result,) = jobs.ingest_landed("registry", received_via="reconcile")
    assert (result["status"], result["reason"]) == ("rejected", "load_failed")
    reason = json.loads((folder / "rejected" / result["batch_id"] / f"{INCUBATORS.name}.reason.json").read_text())
    assert "disk quota exceeded" in reason["detail"]
    assert query(ingest_url, "select status, reason, attempts from ingest.batches") == [("rejected", "load_failed", 2)]


def test_batches_to_validate_come_from_the_ledger_and_a_verdict_is_recorded(zone, ingest_url):
    drop(zone / "registry", INCUBATORS)
    drop(zone / "registry", ACCOUNTANTS)
    jobs.ingest_landed("registry", received_via="watcher")
    pending = jobs.ingest_batches_to_validate("registry")
    assert sorted(b["rows"] for b in pending) == [4, 22]
    good = next(b for b in pending if b["rows"] == 22)
    extra = jobs.validate_ingest_batch(good)
    assert extra == {"batch_id": good["batch_id"], "dataset": "registry", "rows": 22, "format": "registry-csv",
                     "suites": ["raw__registry_companies"]}
    # A row the loader would never write (a NIF of 3 digits) fails the error-level suite.
    bad = next(b for b in pending if b["rows"] == 4)
    query(ingest_url, "update raw.registry_companies set nif = '123' where _batch_id = %s returning 1",
          (bad["batch_id"],))
    # Raised as AirflowFailException (no pointless retries), caused by the DQ error.
    with pytest.raises(Exception) as failure:
        jobs.validate_ingest_batch(bad)
    assert isinstance(failure.value, DataQualityError) or isinstance(failure.value.__cause__, DataQualityError)
    assert dict(query(ingest_url, "select batch_id, validation_status from ingest.batches")) == {
        good["batch_id"]: "passed", bad["batch_id"]: "failed"}
    assert jobs.ingest_batches_to_validate("registry") == []


def test_cli_path_inside_the_landing_zone_is_moved(zone, ingest_url):
    path = drop(zone / "trade", INCUBATORS, "registry-in-the-wrong-folder.csv", marker=None)
    result = jobs.ingest_path("trade", str(path))
    assert result["status"] == "rejected" and "/rejected/" in result["archived_path"]
    outside = shutil.copy(ACCOUNTANTS, zone.parent / "accountants.csv")
    result = jobs.ingest_path("registry", str(outside))
    assert result["status"] == "loaded" and os.path.exists(outside)
