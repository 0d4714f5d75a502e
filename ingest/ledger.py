"""The batch ledger `ingest.batches`: one row per arrived file, one batch per content.

    registration = register(conn, dataset="trade", sha256=..., ...)   # committed at once
    registration.action   # 'load' | 'duplicate' | 'finish' | 'busy'

- The first arrival of a content (dataset, sha256) gets the batch id
  `<dataset>-<first 16 hex of sha256>` and status 'loading'. Its row is committed
  before the load starts, so the ledger knows about the file even if the load dies.
- The loading session holds an advisory lock on the batch until it ends (a crash or a
  database restart releases it). A later arrival of the same content while the batch is
  'loading' or 'failed' and unlocked resumes that batch (same id, attempts + 1): a load
  interrupted by a database restart is completed by the next run. While it is locked,
  the arrival is a duplicate (someone is loading that content right now). A unique
  index makes two canonical rows impossible.
- A later arrival once the batch is 'loaded' or 'rejected' is recorded as a row of its
  own, status 'duplicate', duplicate_of = the batch; nothing is loaded.
- 'finish': the same landed file again (same path, never archived): the load committed
  but the process died before the file was moved; only the move remains to be done.
- 'busy': the same landed file is being loaded by another live session: leave it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from pathlib import Path

from psycopg.rows import dict_row

HASH_CHUNK = 1 << 20
FINAL = ("loaded", "rejected", "duplicate")


def file_digest(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def canonical_batch_id(dataset: str, sha256: str) -> str:
    return f"{dataset}-{sha256[:16]}"


@dataclass
class Registration:
    batch_id: str
    action: str                # load | duplicate | finish | busy
    canonical: dict | None     # the content's batch row (duplicate / finish)
    attempts: int = 1


def register(conn, *, dataset: str, sha256: str, size: int, file_name: str, source_path: str,
             received_via: str, landed: bool) -> Registration:
    """Record the arrival (in its own committed transaction) and say what to do."""
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        # Two arrivals of the same content register one after the other.
        cur.execute("select pg_advisory_xact_lock(hashtext('ingest.batches'), hashtext(%s))",
                    (f"{dataset}:{sha256}",))
        canonical = cur.execute(
            "select * from ingest.batches where dataset = %s and sha256 = %s and duplicate_of is null",
            (dataset, sha256)).fetchone()
        if canonical is None:
            batch_id = canonical_batch_id(dataset, sha256)
            cur.execute(
                """insert into ingest.batches (batch_id, dataset, sha256, size_bytes, file_name,
                       source_path, received_via, status)
                   values (%s, %s, %s, %s, %s, %s, %s, 'loading')""",
                (batch_id, dataset, sha256, size, file_name, source_path, received_via))
            _lock_batch(cur, batch_id)
            return Registration(batch_id, "load", None)
        same_landed_file = landed and canonical["source_path"] == source_path
        if canonical["status"] in ("loading", "failed"):
            if _try_lock_batch(cur, canonical["batch_id"]):
                row = cur.execute(
                    """update ingest.batches set status = 'loading', attempts = attempts + 1,
                           file_name = %s, source_path = %s, received_via = %s
                       where batch_id = %s returning attempts""",
                    (file_name, source_path, received_via, canonical["batch_id"])).fetchone()
                return Registration(canonical["batch_id"], "load", canonical, row["attempts"])
            if same_landed_file:
                return Registration(canonical["batch_id"], "busy", canonical)
        elif same_landed_file and canonical["archived_path"] is None:
            return Registration(canonical["batch_id"], "finish", canonical)
        batch_id = f"{canonical['batch_id']}-dup-{uuid.uuid4().hex[:8]}"
        cur.execute(
            """insert into ingest.batches (batch_id, dataset, format, sha256, size_bytes, file_name,
                   source_path, received_via, status, duplicate_of, rows_in, rows_loaded,
                   rows_rejected, started_at, finished_at)
               values (%s, %s, %s, %s, %s, %s, %s, %s, 'duplicate', %s, 0, 0, 0, now(), now())""",
            (batch_id, dataset, canonical["format"], sha256, size, file_name, source_path,
             received_via, canonical["batch_id"]))
        return Registration(batch_id, "duplicate", canonical)


def _lock_batch(cur, batch_id: str) -> None:
    """Session-level: held by this connection until it unlocks or ends (crash included)."""
    cur.execute("select pg_advisory_lock(hashtext('ingest.batch'), hashtext(%s))", (batch_id,))


def _try_lock_batch(cur, batch_id: str) -> bool:
    return cur.execute("select pg_try_advisory_lock(hashtext('ingest.batch'), hashtext(%s)) as locked",
                       (batch_id,)).fetchone()["locked"]


def unlock_batch(conn, batch_id: str) -> None:
    conn.execute("select pg_advisory_unlock(hashtext('ingest.batch'), hashtext(%s))", (batch_id,))


def lock_for_load(conn, batch_id: str) -> dict:
    """Inside the load transaction: lock the batch row (a concurrent loader of the same
    content waits here) and return it as it is now. FOR NO KEY UPDATE, not FOR UPDATE:
    a duplicate arrival's row references this one (its foreign key check takes KEY
    SHARE) and must not wait for the whole load."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute("select * from ingest.batches where batch_id = %s for no key update",
                           (batch_id,)).fetchone()


def mark_started(conn, batch_id: str) -> None:
    conn.execute("update ingest.batches set started_at = now() where batch_id = %s", (batch_id,))


def mark_loaded(conn, batch_id: str, *, format: str, reader_options: dict, tables: list[str],
                counts: dict) -> None:
    conn.execute(
        """update ingest.batches set status = 'loaded', format = %s, reader_options = %s,
               tables = %s, rows_in = %s, rows_loaded = %s, rows_rejected = %s,
               rows_inserted = %s, rows_updated = %s, rows_unchanged = %s, findings = %s,
               reason = null, finished_at = now()
           where batch_id = %s""",
        (format, json.dumps(reader_options, ensure_ascii=False), tables, counts["rows_in"],
         counts["rows_loaded"], counts["rows_rejected"], counts["rows_inserted"],
         counts["rows_updated"], counts["rows_unchanged"], counts["findings"], batch_id))


def mark_rejected(conn, batch_id: str, *, reason: str, detail: str, format: str | None = None) -> None:
    conn.execute(
        """update ingest.batches set status = 'rejected', reason = %s, format = coalesce(%s, format),
               errors = errors || %s::jsonb, rows_in = 0, rows_loaded = 0, rows_rejected = 0,
               rows_inserted = 0, rows_updated = 0, rows_unchanged = 0, findings = 0,
               finished_at = now()
           where batch_id = %s""",
        (reason, format, json.dumps([detail], ensure_ascii=False), batch_id))


def mark_failed(conn, batch_id: str, error: str) -> None:
    conn.execute(
        """update ingest.batches set status = 'failed', reason = 'load_error',
               errors = errors || %s::jsonb, finished_at = now()
           where batch_id = %s and status = 'loading'""",
        (json.dumps([error[-2000:]], ensure_ascii=False), batch_id))


def mark_archived(conn, batch_id: str, archived_path: str) -> None:
    conn.execute("update ingest.batches set archived_path = %s where batch_id = %s",
                 (archived_path, batch_id))


def get(conn, batch_id: str) -> dict | None:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute("select * from ingest.batches where batch_id = %s", (batch_id,)).fetchone()


def known_paths(conn, dataset: str) -> dict[str, dict]:
    """source_path -> latest ledger row, for files that may still sit in the landing zone."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            """select distinct on (source_path) batch_id, source_path, status, archived_path, sha256
               from ingest.batches where dataset = %s order by source_path, received_at desc""",
            (dataset,)).fetchall()
    return {row["source_path"]: row for row in rows}


def stale_loading(conn, older_than_seconds: float) -> list[dict]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            """select batch_id, dataset, source_path, attempts, received_at from ingest.batches
               where status = 'loading' and received_at < now() - make_interval(secs => %s)
               order by received_at""", (older_than_seconds,)).fetchall()


def pending_validation(conn, dataset: str) -> list[dict]:
    """Loaded batches that changed raw rows and whose validation has not run in a DAG yet
    (this run's, and any an earlier run or the CLI left behind)."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            """select batch_id, dataset, format, rows_loaded, rows_inserted, rows_updated
               from ingest.batches
               where dataset = %s and status = 'loaded' and validation_status is null
                 and rows_inserted + rows_updated > 0
               order by finished_at, batch_id""", (dataset,)).fetchall()


def mark_validation(conn, batch_id: str, passed: bool) -> None:
    conn.execute("update ingest.batches set validation_status = %s, validated_at = now() "
                 "where batch_id = %s", ("passed" if passed else "failed", batch_id))
