"""The landing zone: `$CLUSTERWATCH_LANDING_DIR/<dataset>/` (datasets `registry`, `trade`).

Protocol for producers: write the data file, then an empty `<file>.ready` marker (the
marker says the file is complete). Then:

1. The AssetWatcher's trigger (`ingest.triggers.LandingMarkerTrigger`) sees the marker,
   renames it `<file>.queued` (claimed; a marker is never deleted before its file is
   processed) and emits an asset event: the ingest DAG starts within seconds.
2. The ingest DAG (and the reconcile DAG on a timer) process every landed file: one with
   a `.ready` or `.queued` marker, or, after `CLUSTERWATCH_LANDING_SETTLE_SECONDS`
   unchanged, one whose producer forgot the marker. A lost event leaves the `.queued`
   marker behind: the next run of either DAG picks the file up.
3. Each file goes through `ingest.pipeline.ingest_file` and then moves:
   `archive/<batch_id>/<file>` when loaded or a duplicate, `rejected/<batch_id>/<file>`
   with `<file>.reason.json` when unreadable (or failed `CLUSTERWATCH_INGEST_MAX_ATTEMPTS`
   times). Its markers are removed last. A database outage leaves file and marker in
   place for the next run.

Truth is in `ingest.batches`; the folder is only the inbox.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import psycopg

from ingest import config
from ingest.pipeline import BatchBusy
from ingest.markers import QUEUED, READY, claim_ready_markers  # noqa: F401 (re-exported)

log = logging.getLogger(__name__)

ARCHIVE, REJECTED = "archive", "rejected"
STILL_WRITING_SECONDS = 60  # a file changed after its marker this recently is not read yet
_TEMPORARY = (".part", ".tmp", ".crdownload", ".partial", ".swp", ".lock")


@dataclass(frozen=True)
class LandedFile:
    path: Path
    marker: str | None        # 'ready' | 'queued' | None (settled without a marker)


def is_data_file(path: Path) -> bool:
    name = path.name
    return (path.is_file() and not name.startswith((".", "~$"))
            and not name.endswith((READY, QUEUED, ".reason.json", *_TEMPORARY)))


def landed_files(dataset: str, *, settle_seconds: float | None = None, now: float | None = None) -> list[LandedFile]:
    """Files of `landing/<dataset>/` ready to load, oldest first."""
    directory = config.dataset_dir(dataset)
    if not directory.is_dir():
        return []
    now = time.time() if now is None else now
    found = []
    for path in directory.iterdir():
        if not is_data_file(path):
            continue
        modified = path.stat().st_mtime
        for suffix, state in ((QUEUED, "queued"), (READY, "ready")):
            marker = path.with_name(path.name + suffix)
            if marker.exists():
                if modified > marker.stat().st_mtime + 1 and now - modified < STILL_WRITING_SECONDS:
                    log.warning("%s changed after its marker: still being written? left for a later run",
                                path.name)
                else:
                    found.append(LandedFile(path, state))
                break
        else:
            if settle_seconds is not None and now - modified >= settle_seconds:
                found.append(LandedFile(path, None))
    return sorted(found, key=lambda f: (f.path.stat().st_mtime, f.path.name))


def _remove_markers(path: Path) -> None:
    for suffix in (READY, QUEUED):
        with contextlib.suppress(FileNotFoundError):
            path.with_name(path.name + suffix).unlink()


def _move(path: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    os.replace(path, target)
    return target


def write_reason(target: Path, payload: dict) -> Path:
    reason_file = target.with_name(target.name + ".reason.json")
    reason_file.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return reason_file


@contextlib.contextmanager
def dataset_lock(dataset: str):
    """One landing processor per dataset folder at a time on this host (the ledger also
    keeps concurrent hosts apart)."""
    directory = config.dataset_dir(dataset)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def process_file(dataset: str, landed: LandedFile, *, database_url: str, received_via: str,
                 format: str | None = None) -> dict:
    """Load one landed file and move it; a small summary for XCom."""
    from clusterwatch import db
    from ingest import ledger
    from ingest.pipeline import ingest_file

    path = landed.path
    directory = config.dataset_dir(dataset)
    try:
        result = ingest_file(path, dataset, database_url=database_url, format=format,
                             received_via=received_via, landed=True)
    except (psycopg.OperationalError, BatchBusy):
        raise  # the database is down, or another session has the file: leave everything
    except Exception as exc:  # noqa: BLE001 - recorded in the ledger, maybe rejected below
        with db.connect(database_url) as conn:
            sha, _ = ledger.file_digest(path)
            row = conn.execute(
                "select batch_id, attempts from ingest.batches where dataset = %s and sha256 = %s "
                "and duplicate_of is null", (dataset, sha)).fetchone()
        if row is None or row[1] < config.max_attempts():
            raise
        batch_id = row[0]
        target = _move(path, directory / REJECTED / batch_id)
        write_reason(target, {"batch_id": batch_id, "dataset": dataset, "file": path.name,
                              "reason": "load_failed", "detail": f"failed {row[1]} times; last: "
                              f"{type(exc).__name__}: {exc}", "rejected_at": _now()})
        with db.connect(database_url) as conn:
            ledger.mark_rejected(conn, batch_id, reason="load_failed", detail=f"{type(exc).__name__}: {exc}")
            ledger.mark_archived(conn, batch_id, str(target))
        _remove_markers(path)
        return {"batch_id": batch_id, "dataset": dataset, "file": path.name, "status": "rejected",
                "reason": "load_failed", "archived_path": str(target)}

    if result.status == "rejected":
        target = _move(path, directory / REJECTED / result.batch_id)
        write_reason(target, {"batch_id": result.batch_id, "dataset": dataset, "file": path.name,
                              "sha256": result.sha256, "reason": result.reason, "detail": result.detail,
                              "rejected_at": _now()})
    else:
        target = _move(path, directory / ARCHIVE / result.batch_id)
    with db.connect(database_url) as conn:
        ledger.mark_archived(conn, result.batch_id, str(target))
    _remove_markers(path)
    summary = {k: v for k, v in result.summary().items() if k not in ("sha256", "rejected_by_reason")}
    summary.update(file=path.name, marker=landed.marker, archived_path=str(target))
    return summary


def process_pending(dataset: str, *, database_url: str, received_via: str,
                    settle_seconds: float | None = None) -> list[dict]:
    """Every landed file of the dataset, oldest first. A database outage stops the run
    (raised); any other failure of one file is recorded and the others still load."""
    results, failures = [], []
    with dataset_lock(dataset):
        for landed in landed_files(dataset, settle_seconds=settle_seconds):
            if not landed.path.exists():
                continue
            try:
                results.append(process_file(dataset, landed, database_url=database_url,
                                            received_via=received_via))
            except psycopg.OperationalError:
                raise
            except BatchBusy as exc:
                log.info("%s", exc)
            except Exception as exc:  # noqa: BLE001
                log.exception("%s: load failed; it stays in the landing zone for the next run", landed.path)
                failures.append(f"{landed.path.name}: {type(exc).__name__}: {exc}")
    if failures:
        raise RuntimeError(f"{len(failures)} file(s) failed (kept for the next run): " + "; ".join(failures))
    return results


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
