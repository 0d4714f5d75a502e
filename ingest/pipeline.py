"""One file, end to end: ledger, read, quarantine, COPY, merge. The CLI, the landing-zone
DAGs and the Comtrade download all call `ingest_file`.

    result = ingest_file(Path("BACI_HS17_Y2022_V202401.csv"), "trade", database_url=url)
    result.summary()   # {"batch_id", "dataset", "format", "rows_in", "rows_loaded",
                       #  "rows_rejected", "status", ...}

Statuses: 'loaded' (rows went to raw and/or quarantine), 'duplicate' (the same content
was already a batch: nothing changes), 'rejected' (the file as a whole is unreadable:
empty, binary, no header, missing columns...). A database failure mid-load rolls the
whole batch back and raises; the ledger row stays 'loading' (or 'failed') and the next
run of the same content completes it under the same batch id.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import psycopg

from clusterwatch import db
from ingest import ledger
from ingest.formats import open_file, parse_format
from ingest.formats.base import UnreadableFile
from ingest.load import load

log = logging.getLogger(__name__)


class BatchBusy(RuntimeError):
    """Another live session is loading this very file; nothing to do here."""


@dataclass
class BatchResult:
    batch_id: str
    dataset: str
    format: str | None
    status: str
    rows_in: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    findings: int = 0
    file_name: str = ""
    sha256: str = ""
    duplicate_of: str | None = None
    reason: str | None = None
    detail: str | None = None
    suites: list[str] = field(default_factory=list)
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> dict:
        return asdict(self)


def _suites(format: str | None) -> list[str]:
    from ingest.formats.layouts import LAYOUTS

    if not format:
        return []
    return list(LAYOUTS[format.split("-")[0]].suites)


def result_from_ledger(row: dict, status: str | None = None) -> BatchResult:
    return BatchResult(
        batch_id=row["batch_id"], dataset=row["dataset"], format=row["format"],
        status=status or row["status"], rows_in=row["rows_in"] or 0, rows_loaded=row["rows_loaded"] or 0,
        rows_rejected=row["rows_rejected"] or 0, rows_inserted=row["rows_inserted"] or 0,
        rows_updated=row["rows_updated"] or 0, rows_unchanged=row["rows_unchanged"] or 0,
        findings=row["findings"] or 0, file_name=row["file_name"], sha256=row["sha256"],
        duplicate_of=row["duplicate_of"], reason=row["reason"],
        detail=(row["errors"] or [None])[-1] if row.get("errors") else None,
        suites=_suites(row["format"]) if row["status"] == "loaded" else [],
    )


def ingest_file(path: Path, dataset: str, *, database_url: str, format: str | None = None,
                received_via: str = "cli", landed: bool = False,
                progress: Callable[[int], None] | None = None) -> BatchResult:
    """Load one file. Raises on database errors (the batch is then retried by the next
    run); every other outcome is a BatchResult."""
    path = Path(path).resolve()
    started = time.monotonic()
    parse_format(dataset, format)  # a bad --format is the caller's error, before any ledger row
    sha256, size = ledger.file_digest(path)
    with db.connect(database_url) as conn:
        registration = ledger.register(
            conn, dataset=dataset, sha256=sha256, size=size, file_name=path.name,
            source_path=str(path), received_via=received_via, landed=landed)
        if registration.action == "duplicate":
            log.info("%s: same content as batch %s: duplicate %s", path.name,
                     registration.canonical["batch_id"], registration.batch_id)
            result = result_from_ledger(ledger.get(conn, registration.batch_id))
            result.seconds = round(time.monotonic() - started, 3)
            return result
        if registration.action == "busy":
            raise BatchBusy(f"{path.name} is being loaded by another session as batch {registration.batch_id}")
        if registration.action == "finish":
            result = result_from_ledger(registration.canonical)
            result.seconds = round(time.monotonic() - started, 3)
            return result
        try:
            result = _load_batch(conn, registration.batch_id, path, dataset, format, sha256, progress)
        except psycopg.OperationalError:
            raise  # the database went away: nothing can be recorded; the next run resumes
        except Exception as exc:
            _record_failure(database_url, registration.batch_id, exc)
            raise
        finally:
            if not conn.closed and not conn.broken:
                ledger.unlock_batch(conn, registration.batch_id)
    result.seconds = round(time.monotonic() - started, 3)
    log.info("%s -> %s: %s", path.name, result.batch_id, result.summary())
    return result


def _load_batch(conn, batch_id: str, path: Path, dataset: str, format: str | None, sha256: str,
                progress) -> BatchResult:
    with conn.transaction():
        current = ledger.lock_for_load(conn, batch_id)
        if current["status"] in ledger.FINAL:
            # Another process finished this content while we waited for its lock.
            return result_from_ledger(current)
        ledger.mark_started(conn, batch_id)
        opened_format = None
        try:
            with conn.transaction():  # a savepoint: an unreadable file leaves no rows behind
                opened = open_file(path, dataset, format)
                opened_format = opened.format
                loaded = load(conn, batch_id, opened, path=path, file_name=path.name, progress=progress)
        except UnreadableFile as exc:
            ledger.mark_rejected(conn, batch_id, reason=exc.reason, detail=exc.detail, format=opened_format)
            return BatchResult(batch_id=batch_id, dataset=dataset, format=opened_format, status="rejected",
                               file_name=path.name, sha256=sha256, reason=exc.reason, detail=exc.detail)
        ledger.mark_loaded(conn, batch_id, format=opened.format, reader_options=opened.options,
                           tables=loaded.tables, counts=loaded.counts())
    return BatchResult(
        batch_id=batch_id, dataset=dataset, format=opened.format, status="loaded", file_name=path.name,
        sha256=sha256, suites=list(opened.layout.suites),
        rejected_by_reason=loaded.rejected_by_reason, **loaded.counts())


def _record_failure(database_url: str, batch_id: str, exc: Exception) -> None:
    try:
        with db.connect(database_url, autocommit=True) as conn:
            ledger.mark_failed(conn, batch_id, f"{type(exc).__name__}: {exc}")
    except psycopg.Error:
        log.exception("could not record the failure of batch %s", batch_id)
