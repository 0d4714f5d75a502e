"""The demo's registry and trade files: land them like a producer would, then follow
them through the batch ledger.

`demo/landing/` holds the two real registry samples and the real DZA series (copied
from the shared sample data, provenance in its README) and SYNTHETIC files (a BACI-style
flow sample, its country codes, a registry extract with activity codes and headcounts)
that give the trade and specialisation marts something to compute.

The demo waits on `ingest.batches`, not on DAG runs: the ledger is the truth (an
AssetWatcher event may be lost, `reconcile_landing` then loads the file later), and a
second demo run finds the same bytes as `duplicate` batches that change nothing.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from clusterwatch import db, settings
from ingest.markers import mark_ready

DEMO_LANDING_DIR = settings.PROJECT_ROOT / "demo" / "landing"
DATASETS = ("registry", "trade")


@dataclass(frozen=True)
class LandedFile:
    dataset: str
    name: str
    sha256: str


def demo_files(source_dir: Path = DEMO_LANDING_DIR) -> list[tuple[str, Path]]:
    """(dataset, path) of every demo file, registry first, by name."""
    return [(dataset, path) for dataset in DATASETS
            for path in sorted((source_dir / dataset).iterdir())
            if path.is_file() and not path.name.startswith(".")]


def land_demo_files(landing_root: Path, source_dir: Path = DEMO_LANDING_DIR) -> list[LandedFile]:
    """Copy each demo file into `<landing_root>/<dataset>/` and then create its `.ready`
    marker (the producer protocol of docs/ingestion.md). The copy is written under a
    `.part` name first, which the landing zone never reads, and renamed when complete."""
    landed = []
    for dataset, source in demo_files(source_dir):
        target_dir = landing_root / dataset
        target_dir.mkdir(parents=True, exist_ok=True)
        partial = target_dir / (source.name + ".part")
        shutil.copyfile(source, partial)
        partial.replace(target_dir / source.name)
        mark_ready(target_dir / source.name)
        landed.append(LandedFile(dataset, source.name, hashlib.sha256(source.read_bytes()).hexdigest()))
    return landed


def landing_progress(database_url: str, landed: list[LandedFile], since: datetime) -> dict[str, str]:
    """State of each landed file (by name) from its latest ledger row received at or after
    `since`: 'waiting' (no row yet, or still loading), 'validating' (loaded with changed rows,
    no verdict yet), or the final state: 'loaded' (validated), 'unchanged', 'duplicate',
    'rejected', 'failed', 'validation_failed'."""
    digests = [f.sha256 for f in landed]
    with db.connect(database_url) as conn:
        rows = conn.execute(
            """select distinct on (dataset, sha256) dataset, sha256, status, validation_status,
                      coalesce(rows_inserted, 0) + coalesce(rows_updated, 0)
               from ingest.batches
               where sha256 = any(%s) and received_at >= %s
               order by dataset, sha256, received_at desc""",
            (digests, since),
        ).fetchall()
    latest = {(dataset, digest): (status, validation, changed)
              for dataset, digest, status, validation, changed in rows}
    progress = {}
    for landed_file in landed:
        status, validation, changed = latest.get((landed_file.dataset, landed_file.sha256), ("loading", None, 0))
        if status == "loading":
            state = "waiting"
        elif status != "loaded":
            state = status
        elif not changed:
            state = "unchanged"  # a batch that changed no row is not validated nor announced
        elif validation is None:
            state = "validating"
        else:
            state = "loaded" if validation == "passed" else "validation_failed"
        progress[landed_file.name] = state
    return progress


def wait_for_landed_files(database_url: str, landed: list[LandedFile], since: datetime,
                          timeout: float = 300, poll_seconds: float = 2.0) -> dict[str, str]:
    """Poll `landing_progress` until no file is waiting or validating; TimeoutError otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        progress = landing_progress(database_url, landed, since)
        if not any(state in ("waiting", "validating") for state in progress.values()):
            return progress
        if time.monotonic() > deadline:
            raise TimeoutError(f"landed files not processed after {timeout}s: {progress}")
        time.sleep(poll_seconds)
