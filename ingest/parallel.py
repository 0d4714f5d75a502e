"""Parallel chunks: a well-formed BACI file whose (hs_revision, year) slice holds no rows
yet is loaded by K connections at once, each into a table of its own that becomes one
partition of `raw.trade_baci_flows` (clusterwatch/sql/007_baci_partitions.sql).

Why: one connection runs COPY, the checks and the index builds on one core; the bare
COPY the loader is measured against is about half of that work (docs/ingestion.md,
"Measured"). Split in K runs of exporters, the same work runs on K cores, and the
chunks' primary keys are sorted in K smaller sorts.

1. `split`: the file (sorted by exporter, like every BACI file) is cut at exporter
   boundaries near the K-th parts of its size, by byte offsets (a look around each cut,
   one streaming count of newlines for the line numbers; never the whole file in memory).
   A file whose cut exporters do not increase (not sorted) is one chunk.
2. Each chunk, on its own connection and in its own transaction (`_load_chunk`): a table
   `ingest_work."<batch>_<n>"` with the raw table's per-row columns (the file's, the
   key's, `_line_number`), with CHECK constraints stating the chunk's partition bounds
   and the layout's checks (evaluated during COPY: no scan afterwards) and a partial
   index on the 5-digit product codes; COPY of the chunk's bytes (fastcopy.clean_block on
   each block); the lost leading zeros of those codes restored (read through the partial
   index, not by a scan); the per-batch columns (`baci_release`, `_batch_id`, `_sheet`,
   `_loaded_at`) added with their value as a constant default: a "fast default", stored
   once in the catalog (pg_attribute.attmissingval, no rewrite) and read as every row's
   value, where a per-row default costs up to a third of the chunk's COPY; the parent's
   indexes built; committed. One `_loaded_at` for the whole batch, taken under the raw
   table's lock (`load_slice`).
3. One final transaction, the caller's (the ledger update commits with it): leftover
   empty partitions of the slice dropped, every chunk table attached as a partition
   (the CHECK constraints prove the bounds: no scan; ATTACH matches columns by name, so
   the per-batch columns may come last), moved to `raw`, renamed.

Nothing is visible in `raw` before that transaction commits. A chunk that fails
(a byte, a value, a check, a duplicate key: fastcopy.FALLBACK) makes the whole file take
the careful path; the chunk tables that did commit are dropped at once (a file whose
rows fall outside their chunk's exporters, not sorted, is retried as one chunk first). A crash after the chunks committed leaves tables in `ingest_work` only; the
next run of the batch drops them first (`drop_leftovers`), as does any later load for
batches that nobody is loading any more.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from ingest import fastcopy
from ingest.formats.layouts import TableSpec

log = logging.getLogger(__name__)

WORK_SCHEMA = "ingest_work"
MAX_WORKERS = 4
WORKERS_ENV = "CLUSTERWATCH_INGEST_WORKERS"
SLICE_CHECK = "ingest_chunk_bounds"     # the chunk's partition bounds, as a CHECK (ATTACH skips its scan)
LAYOUT_CHECK = "ingest_chunk_checks"    # what the column types do not check, during COPY
_LINE_SEQUENCE = "ingest_chunk_line_numbers"

# A test's hook: called with the caller's connection after every chunk committed and
# before the attach (to kill that connection there). None in production.
before_attach: Callable | None = None


def default_workers() -> int:
    """K: CLUSTERWATCH_INGEST_WORKERS, else the CPU count, at most MAX_WORKERS."""
    configured = os.environ.get(WORKERS_ENV)
    if configured:
        return max(1, int(configured))
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


@dataclass(frozen=True)
class Chunk:
    number: int               # 1..K
    start: int                # byte offset of its first line
    end: int                  # byte offset just after its last line
    first_line: int           # the file's line number of its first line
    low: int | None           # its first exporter code; None: the slice's start (MINVALUE)
    high: int | None          # the next chunk's first exporter; None: the slice's end (MAXVALUE)


@dataclass
class ChunkLoaded:
    rows: int
    padded: int
    padded_first: tuple[int, str] | None     # (line, code as in the file) of the first padded code
    timings: dict = field(default_factory=dict)


def exporter_of(line: bytes, position: int) -> int | None:
    """The exporter code of one line (its field at `position`), None when not plain digits (pure)."""
    fields = line.split(b",")
    if len(fields) <= position:
        return None
    value = fields[position].strip(b" \r\n")
    return int(value) if value.isdigit() else None


def split(path: Path, data_start: int, header_line: int, workers: int, exporter_position: int) -> list[Chunk]:
    """Chunks of whole exporters, about `workers` of them, by byte offsets (see the module
    docstring). One chunk when the file is small, has few exporters or is not sorted."""
    size = path.stat().st_size
    cuts: list[tuple[int, int]] = []          # (offset of a chunk's first line, its exporter)
    with open(path, "rb") as handle:
        for part in range(1, workers):
            target = data_start + (size - data_start) * part // workers
            if cuts and target <= cuts[-1][0]:
                continue
            handle.seek(max(target - 1, data_start))
            if target > data_start:
                handle.readline()  # to the start of the next line
            line = handle.readline()
            current = exporter_of(line, exporter_position) if line else None
            if current is None:
                break
            while True:  # to the first line of the next exporter
                offset = handle.tell()
                line = handle.readline()
                if not line:
                    offset = None
                    break
                exporter = exporter_of(line, exporter_position)
                if exporter is None:
                    return [Chunk(1, data_start, size, header_line + 1, None, None)]
                if exporter != current:
                    break
            if offset is None:
                break
            if cuts and (offset <= cuts[-1][0] or exporter <= cuts[-1][1]):
                return [Chunk(1, data_start, size, header_line + 1, None, None)]  # not sorted by exporter
            cuts.append((offset, exporter))
        # Line numbers: one streaming count of newlines up to each cut.
        first_lines, line, position = [], header_line + 1, data_start
        handle.seek(data_start)
        for offset, _ in cuts:
            while position < offset:
                block = handle.read(min(fastcopy.CHUNK, offset - position))
                line += block.count(b"\n")
                position += len(block)
            first_lines.append(line)
    starts = [data_start] + [offset for offset, _ in cuts]
    ends = starts[1:] + [size]
    lows = [None] + [exporter for _, exporter in cuts]
    highs = lows[1:] + [None]
    return [Chunk(n + 1, starts[n], ends[n], ([header_line + 1] + first_lines)[n], lows[n], highs[n])
            for n in range(len(starts))]


def conninfo_of(conn) -> str:
    """A conninfo for more connections like this one (its DSN leaves the password out)."""
    password = conn.info.password
    return make_conninfo(conn.info.dsn, **({"password": password} if password else {}))


def work_table(batch_id: str, number: int) -> str:
    return f"{batch_id}_{number}"


def partition_name(spec: TableSpec, revision: str, year: int, number: int | None = None) -> str:
    base = f"{spec.name.split('.')[1]}_{re.sub('[^a-z0-9]', '_', revision.lower())}_{year}"
    return base if number is None else f"{base}_p{number}"


def slice_of(fast: fastcopy.Plan, path: Path) -> tuple[str, int] | None:
    """(hs_revision, year) of the file from its first record, None when it cannot tell."""
    values = fastcopy.first_record(path, fast)
    if values is None or not (values.get("year") or "").isdigit():
        return None
    year = int(values["year"])
    if not 1900 <= year <= 2100:
        return None
    return fast.constants.get("hs_revision") or "unknown", year


def slice_is_empty(conn, spec: TableSpec, slice_: tuple[str, int]) -> bool:
    return not conn.execute(sql.SQL("select exists (select 1 from {} where hs_revision = %s and year = %s)")
                            .format(sql.Identifier(*spec.name.split("."))), slice_).fetchone()[0]


def slice_partitions(conn, spec: TableSpec, slice_: tuple[str, int]) -> list[str]:
    """The partitions of the slice (each partition covers whole slices: its lower bound
    starts with the slice's revision and year)."""
    revision, year = slice_
    prefix = f"FOR VALUES FROM ({sql.quote(revision)}, {year}, "
    return [name for (name,) in conn.execute(
        """select c.oid::regclass::text from pg_inherits i join pg_class c on c.oid = i.inhrelid
           where i.inhparent = %s::regclass and starts_with(pg_get_expr(c.relpartbound, c.oid), %s)""",
        (spec.name, prefix)).fetchall()]


def drop_leftovers(conn, batch_id: str | None = None) -> list[str]:
    """Drop the chunk tables of `batch_id`, and those of batches that no session is
    loading (their advisory lock is free): what a crash left in ingest_work."""
    dropped = []
    tables = [name for (name,) in conn.execute(
        "select relname from pg_class where relnamespace = %s::regnamespace and relkind = 'r'",
        (WORK_SCHEMA,)).fetchall()]
    by_batch: dict[str, list[str]] = {}
    for name in tables:
        by_batch.setdefault(name.rsplit("_", 1)[0], []).append(name)
    for owner, names in by_batch.items():
        mine = owner == batch_id
        if not mine:
            free = conn.execute("select pg_try_advisory_lock(hashtext('ingest.batch'), hashtext(%s))",
                                (owner,)).fetchone()[0]
            if not free:
                continue  # being loaded right now
        try:
            for name in names:
                conn.execute(sql.SQL("drop table if exists {}").format(sql.Identifier(WORK_SCHEMA, name)))
                dropped.append(name)
        finally:
            if not mine:
                conn.execute("select pg_advisory_unlock(hashtext('ingest.batch'), hashtext(%s))", (owner,))
    return dropped


def _bound(value: int | None, missing: str) -> sql.Composable:
    return sql.SQL(missing) if value is None else sql.Literal(value)


def _columns(conn, spec: TableSpec) -> list[tuple[str, str, bool, str | None]]:
    """The parent's columns in order: (name, type with its collation, NOT NULL, default expression)."""
    return conn.execute(
        """select a.attname, format_type(a.atttypid, a.atttypmod)
                  || case when a.attcollation <> t.typcollation
                          then format(' collate %%I.%%I', cn.nspname, co.collname) else '' end,
                  a.attnotnull, pg_get_expr(d.adbin, d.adrelid)
           from pg_attribute a join pg_type t on t.oid = a.atttypid
           left join pg_collation co on co.oid = a.attcollation
           left join pg_namespace cn on cn.oid = co.collnamespace
           left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
           where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum""",
        (spec.name,)).fetchall()


def _column(name: str, type_: str, not_null: bool, default: sql.Composable | None) -> sql.Composable:
    return sql.SQL("{} {}{}{}").format(sql.Identifier(name), sql.SQL(type_), sql.SQL(" not null" if not_null else ""),
                                       sql.SQL("") if default is None else sql.SQL(" default {}").format(default))


def _load_chunk(conninfo: str, spec: TableSpec, batch_id: str, fast: fastcopy.Plan, path: Path,
                slice_: tuple[str, int], chunk: Chunk, report: Callable[[int], None],
                loaded_at=None) -> ChunkLoaded:
    """One chunk into its work table, committed (module docstring, 2)."""
    lap = fastcopy.Laps()
    revision, year = slice_
    table = sql.Identifier(WORK_SCHEMA, work_table(batch_id, chunk.number))
    with psycopg.connect(conninfo, application_name="clusterwatch-chunk") as conn:
        conn.execute(sql.SQL("drop table if exists {}").format(table))
        # Per row: the file's columns, the key and slice columns (the bounds CHECK proves
        # them for the attach: adding one later would need a scan to validate it) and the
        # line number. Every other column holds one value for the whole batch: added after
        # the COPY as a "fast default", stored once in the catalog (pg_attribute.attmissingval:
        # no rewrite, no scan), which every reader of the row sees as its value.
        per_row = {*fast.columns, *spec.key, *(spec.slice or ()), "_line_number"}
        columns = _columns(conn, spec)
        constants = {**fast.constants, "hs_revision": revision, "_batch_id": batch_id}
        if loaded_at is not None:
            constants["_loaded_at"] = loaded_at
        # A large cache: nextval then mostly reads the session's cache instead of the
        # sequence's page (measured: the line numbers cost about a third of the COPY of
        # the wide raw row with CACHE 1; docs/ingestion.md, "Measured").
        conn.execute(sql.SQL("create temporary sequence {} start with {} cache 1000000").format(
            sql.Identifier(_LINE_SEQUENCE), sql.Literal(chunk.first_line)))
        line_default = sql.SQL("nextval({})").format(sql.Literal(f"pg_temp.{_LINE_SEQUENCE}"))
        definitions = []
        for name, type_, not_null, default in columns:
            if name not in per_row:
                continue
            if name == "_line_number":
                value = line_default
            elif name in constants:
                value = sql.Literal(constants[name])
            else:
                value = None if default is None else sql.SQL(default)
            definitions.append(_column(name, type_, not_null, value))
        # The parent's CHECK constraints (ATTACH requires them), by their names.
        definitions += [sql.SQL("constraint {} {}").format(sql.Identifier(name), sql.SQL(definition))
                        for name, definition in conn.execute(
                            "select conname, pg_get_constraintdef(oid) from pg_constraint "
                            "where conrelid = %s::regclass and contype = 'c' order by conname",
                            (spec.name,)).fetchall()]
        bounds = [sql.SQL("hs_revision = {} and year = {}").format(sql.Literal(revision), sql.Literal(year))]
        if chunk.low is not None:
            bounds.append(sql.SQL("exporter_code >= {}").format(sql.Literal(chunk.low)))
        if chunk.high is not None:
            bounds.append(sql.SQL("exporter_code < {}").format(sql.Literal(chunk.high)))
        definitions += [
            sql.SQL("constraint {} check ({})").format(sql.Identifier(SLICE_CHECK), sql.SQL(" and ").join(bounds)),
            # With no minus in the file, the cast fails (DataError) exactly when a code
            # holds something else than digits or a leading '+' (checked apart).
            sql.SQL("constraint {} check (length(product_code) in (5, 6) and left(product_code, 1) <> '+' "
                    "and product_code::integer >= 0 and year between 1900 and 2100)").format(
                sql.Identifier(LAYOUT_CHECK))]
        conn.execute(sql.SQL("create table {} ({})").format(table, sql.SQL(", ").join(definitions)))
        # The rows whose code lost its leading zero, found by this partial index while
        # COPY writes (its predicate is evaluated per row; only those rows are indexed):
        # the update below then reads them alone, not the whole chunk.
        padding = work_table(batch_id, chunk.number) + "_padding"
        conn.execute(sql.SQL("create index {} on {} (_line_number) where length(product_code) = 5").format(
            sql.Identifier(padding), table))

        copy_sql = sql.SQL("copy {} ({}) from stdin (format csv, null 'NA', encoding 'UTF8')").format(
            table, sql.SQL(", ").join(sql.Identifier(c) for c in fast.columns))
        with conn.cursor() as cur:
            with cur.copy(copy_sql) as copy:
                for block in fastcopy.range_blocks(path, chunk.start, chunk.end):
                    copy.write(block)
                    report(block.count(b"\n"))
            rows = cur.rowcount
        lap("copy")
        # The careful path restores a 5-digit code's lost leading zero (and counts it).
        conn.execute("set local enable_seqscan = off")  # the partial index (a new table has no statistics)
        padded, first_line, first_code = conn.execute(sql.SQL(
            """with padded as (update {} set product_code = '0' || product_code
                               where length(product_code) = 5 returning _line_number, product_code)
               select count(*), min(_line_number),
                      (select substr(product_code, 2) from padded order by _line_number limit 1)
               from padded""").format(table)).fetchone()
        conn.execute("set local enable_seqscan = on")
        conn.execute(sql.SQL("drop index {}").format(sql.Identifier(WORK_SCHEMA, padding)))
        lap("pad")
        # The per-batch columns, in the parent's order (a partition's column order may
        # differ from its parent's: ATTACH matches columns by name). Each is added with
        # its constant as default (stored once: no scan, NOT NULL needs no check), then
        # given the parent's default, or none: the stored value stays the rows' value.
        added, restore = [], []
        for name, type_, not_null, default in columns:
            if name in per_row:
                if name in constants or name == "_line_number":
                    restore.append(sql.SQL("alter column {} drop default").format(sql.Identifier(name)))
                continue
            value = sql.Literal(constants[name]) if name in constants else (
                None if default is None else sql.SQL(default))
            added.append(sql.SQL("add column {}").format(_column(name, type_, not_null, value)))
            restore.append(sql.SQL("alter column {} drop default").format(sql.Identifier(name)) if default is None
                           else sql.SQL("alter column {} set default {}").format(sql.Identifier(name),
                                                                                 sql.SQL(default)))
        if added:
            conn.execute(sql.SQL("alter table {} {}").format(table, sql.SQL(", ").join(added)))
        restore.append(sql.SQL("drop constraint {}").format(sql.Identifier(LAYOUT_CHECK)))
        conn.execute(sql.SQL("alter table {} {}").format(table, sql.SQL(", ").join(restore)))
        conn.execute(sql.SQL("drop sequence {}").format(sql.Identifier("pg_temp", _LINE_SEQUENCE)))
        lap("columns")
        # The parent's indexes, built on the chunk (ATTACH then adopts them). One sort
        # per index; the in-memory sort of 1M keys needs ~100 MB (64 MB spills).
        conn.execute("set local maintenance_work_mem = '256MB'")
        for statement in _index_statements(conn, spec, table, work_table(batch_id, chunk.number)):
            conn.execute(statement)  # a duplicate key in the chunk fails here (IntegrityError)
        lap("indexes")
    return ChunkLoaded(rows, padded, (first_line, first_code) if padded else None, lap.timings)


def _index_statements(conn, spec: TableSpec, table: sql.Identifier, name: str) -> list[sql.Composable]:
    """The parent's primary key and indexes, for the chunk table."""
    statements = []
    for index, constraint, definition in conn.execute(
            """select i.indexrelid::regclass::text, pg_get_constraintdef(c.oid), pg_get_indexdef(i.indexrelid)
               from pg_index i left join pg_constraint c on c.conindid = i.indexrelid and c.conrelid = i.indrelid
               where i.indrelid = %s::regclass order by c.oid nulls last, 1""", (spec.name,)).fetchall():
        suffix = index.rsplit(".", 1)[-1].removeprefix(spec.name.split(".")[1])
        if constraint:
            statements.append(sql.SQL("alter table {} add constraint {} {}").format(
                table, sql.Identifier(name + suffix), sql.SQL(constraint)))
        else:  # 'CREATE INDEX name ON ONLY parent USING ...'
            using = definition[definition.index(" USING "):]
            statements.append(sql.SQL("create index {} on {}{}").format(
                sql.Identifier(name + suffix), table, sql.SQL(using)))
    return statements


def load_slice(conn, spec: TableSpec, batch_id: str, fast: fastcopy.Plan, path: Path, slice_: tuple[str, int],
               progress: Callable[[int], None] | None = None, workers: int | None = None) -> fastcopy.Copied:
    """Load the file into the empty slice by parallel chunks and attach them, in the
    caller's transaction (which holds the raw table's lock). Raises fastcopy.FALLBACK
    (the chunk tables that committed are dropped by then)."""
    lap = fastcopy.Laps()
    conninfo = conninfo_of(conn)
    # On a connection of its own, committed at once: the chunks' sessions re-create
    # these tables and must not wait for the caller's transaction.
    with psycopg.connect(conninfo, autocommit=True) as cleaner:
        drop_leftovers(cleaner, batch_id)
    with open(path, "rb") as handle:
        data_start = len(handle.readline())
    chunks = split(path, data_start, fast.header_line, workers or default_workers(),
                   fast.columns.index("exporter_code"))
    # The batch's `_loaded_at`, one value for every chunk (stored once per chunk, see
    # _load_chunk): the server's clock now, on the caller's connection, which holds the
    # raw table's SHARE ROW EXCLUSIVE lock already. So every other load into the table
    # has committed before this instant (it held the lock until then), and its rows'
    # `_loaded_at` is older than ours: a dbt run that saw them took a watermark below
    # ours, and finds our rows on its next run. (The transaction's now() could be older
    # than a batch it waited for.) docs/ingestion.md, "Parallel chunks".
    (loaded_at,) = conn.execute("select clock_timestamp()").fetchone()
    lap("split")
    lines, lock, next_report = [0], threading.Lock(), [10_000]

    def report(count: int) -> None:
        with lock:
            lines[0] += count
            if progress is not None and lines[0] >= next_report[0]:
                next_report[0] = (lines[0] // 10_000 + 1) * 10_000
                progress(lines[0])

    with ThreadPoolExecutor(len(chunks), thread_name_prefix="ingest-chunk") as pool:
        futures = [pool.submit(_load_chunk, conninfo, spec, batch_id, fast, path, slice_, chunk, report,
                               loaded_at) for chunk in chunks]
        outcomes = []
        for future in futures:
            try:
                outcomes.append(future.result())
            except Exception as exc:  # every chunk ends before we decide
                outcomes.append(exc)
    failures = [o for o in outcomes if isinstance(o, Exception)]
    for failure in failures:
        if not isinstance(failure, fastcopy.FALLBACK):
            raise failure  # a lost connection: the next run drops what committed
    try:
        if failures:
            raise failures[0]
        lap("chunks")
        if before_attach is not None:
            before_attach(conn)
        with conn.transaction():  # a savepoint: a refused attach leaves no partition
            _attach(conn, spec, batch_id, slice_, chunks)
        lap("attach")
    except fastcopy.FALLBACK:
        # Committed at once, on a connection of its own: the tables are of no use any more
        # (and a retry with one chunk re-creates the first one).
        with psycopg.connect(conninfo, autocommit=True) as cleaner:
            for chunk in chunks:
                cleaner.execute(sql.SQL("drop table if exists {}").format(
                    sql.Identifier(WORK_SCHEMA, work_table(batch_id, chunk.number))))
        unsorted = failures and len(chunks) > 1 and all(
            isinstance(f, psycopg.errors.CheckViolation) and f.diag.constraint_name == SLICE_CHECK
            for f in failures)
        if not unsorted:
            raise
        # Rows outside their chunk's exporters: the file is not sorted; one chunk then.
        log.info("batch %s: rows outside their chunk's exporters; one chunk", batch_id)
        return load_slice(conn, spec, batch_id, fast, path, slice_, progress, workers=1)
    loaded: list[ChunkLoaded] = outcomes  # type: ignore[assignment]
    timings = {**lap.timings, "workers": len(chunks)}
    for step in ("copy", "pad", "columns", "indexes"):  # the slowest chunk's, per step
        timings[f"chunk_{step}"] = max(c.timings.get(step, 0) for c in loaded)
    firsts = [c.padded_first for c in loaded if c.padded_first]
    return fastcopy.Copied(sum(c.rows for c in loaded), sum(c.padded for c in loaded),
                           min(firsts)[1] if firsts else None, timings)


def _attach(conn, spec: TableSpec, batch_id: str, slice_: tuple[str, int], chunks: list[Chunk]) -> None:
    revision, year = slice_
    parent = sql.Identifier(*spec.name.split("."))
    schema = spec.name.split(".")[0]
    for old in slice_partitions(conn, spec, slice_):  # empty (the slice holds no rows): e.g. truncated
        conn.execute(sql.SQL("drop table {}").format(sql.Identifier(*old.split("."))))
    single = len(chunks) == 1
    for chunk in chunks:
        work = work_table(batch_id, chunk.number)
        conn.execute(sql.SQL("alter table {} attach partition {} for values from ({}, {}, {}) to ({}, {}, {})").format(
            parent, sql.Identifier(WORK_SCHEMA, work),
            sql.Literal(revision), sql.Literal(year), _bound(chunk.low, "minvalue"),
            sql.Literal(revision), sql.Literal(year), _bound(chunk.high, "maxvalue")))
        conn.execute(sql.SQL("alter table {} drop constraint {}").format(
            sql.Identifier(WORK_SCHEMA, work), sql.Identifier(SLICE_CHECK)))
        conn.execute(sql.SQL("alter table {} set schema {}").format(
            sql.Identifier(WORK_SCHEMA, work), sql.Identifier(schema)))
        final = partition_name(spec, revision, year, None if single else chunk.number)
        conn.execute(sql.SQL("alter table {} rename to {}").format(sql.Identifier(schema, work),
                                                                   sql.Identifier(final)))
        for (index,) in conn.execute("select indexrelid::regclass::text from pg_index where indrelid = %s::regclass",
                                     (f"{schema}.{final}",)).fetchall():
            name = index.rsplit(".", 1)[-1].strip('"')
            conn.execute(sql.SQL("alter index {} rename to {}").format(
                sql.Identifier(schema, name), sql.Identifier(final + name.removeprefix(work))))
