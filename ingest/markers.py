"""Marker files of the landing zone (pure file operations, no heavy imports: the
triggerer and the DAG parser import this)."""

from __future__ import annotations

import os
from pathlib import Path

READY, QUEUED = ".ready", ".queued"


def mark_ready(data: Path) -> Path:
    """Producer side of the protocol (docs/ingestion.md): once `data` is complete in its
    landing folder, create `<file>.ready`, which the AssetWatcher and reconcile read."""
    marker = data.with_name(data.name + READY)
    marker.touch()
    return marker


def claim_ready_markers(directory: Path) -> list[str]:
    """Rename each `<file>.ready` whose file exists to `<file>.queued`; return the claimed
    file names. A claimed marker does not fire again, and is never deleted before its
    file is processed (the ingest run removes it), so a lost event loses nothing."""
    claimed = []
    try:
        names = sorted(os.listdir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return claimed
    for name in names:
        if not name.endswith(READY):
            continue
        data = Path(directory) / name[: -len(READY)]
        if not data.is_file():
            continue  # a marker before its file: wait for the file
        try:
            os.replace(Path(directory) / name, Path(directory) / (data.name + QUEUED))
        except FileNotFoundError:
            continue  # claimed or processed meanwhile
        claimed.append(data.name)
    return claimed
