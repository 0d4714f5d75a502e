"""Load one opened file into `raw`, in the caller's transaction (all or nothing).

0. Fast path (ingest/fastcopy.py): a well-formed BACI CSV file is not read row by row in
   Python: PostgreSQL parses and types its bytes. Into a (hs_revision, year) slice with
   no rows yet, by K parallel chunks attached as partitions in this transaction
   (ingest/parallel.py); else into the stage of the *merge* below. Anything doubtful (a
   byte, a value, a check, a duplicate key) is rolled back or dropped and the file takes
   the careful path below, which quarantines each bad row.
1. Rows stream from the reader through the layout's typer. A row that cannot be split or
   typed is spooled (to a temporary file: memory stays flat whatever the file size) for
   the quarantine. Good rows are streamed with COPY (psycopg 3, text format: values are
   already in PostgreSQL's input syntax, the server types them).
2. Where they go depends on what the raw table already holds:
   - *direct*: when the first good row's natural key is not in the raw table yet (a new
     year of BACI, a new extract), rows are copied straight into the raw table inside a
     savepoint; its primary key refuses any key that exists already or repeats in the
     file, and then the savepoint is rolled back and the file read again for (b);
   - *merge*: rows are copied into a temporary stage; rows repeating a key seen earlier
     in the file move to the quarantine ('duplicate_key', the first one wins); the stage
     is merged by natural key: changed rows updated, new rows inserted, identical rows
     left alone.
   Either way the raw table is locked in SHARE ROW EXCLUSIVE mode: two loads into one
   table queue, readers do not wait. A partitioned raw table (TableSpec.slice) gets a
   partition for each slice rows are routed to first (no DEFAULT partition); a direct
   COPY that meets a row of a slice without one falls back to the merge.
3. Quarantined rows and findings of the batch replace any earlier ones (a retried batch
   ends up exactly as a first run would).

rows_in = rows_loaded + rows_rejected is checked here before the caller commits.
"""

from __future__ import annotations

import heapq
import logging
import pickle
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import psycopg
from psycopg import sql

from ingest import fastcopy, parallel
from ingest.formats import OpenedFile, open_file
from ingest.formats.base import Finding, Rejection, RowRejected, map_header, missing_required
from ingest.formats.layouts import Context, Layout, TableSpec, baci_constants

log = logging.getLogger(__name__)

STAGE = "ingest_stage"
SIDE_STAGE = "ingest_side_stage"
PROGRESS_EVERY = 10_000


class LoadInvariantError(RuntimeError):
    """The counts do not add up: a bug, never committed."""


@dataclass
class LoadResult:
    rows_in: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    findings: int = 0
    tables: list[str] = field(default_factory=list)
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    path: str = "merge"                      # 'direct' or 'merge' (see the module docstring)
    timings: dict[str, float] = field(default_factory=dict)

    def counts(self) -> dict:
        return {k: getattr(self, k) for k in ("rows_in", "rows_loaded", "rows_rejected", "rows_inserted",
                                               "rows_updated", "rows_unchanged", "findings")}


class _Spool:
    """Items pickled to an anonymous temporary file, read back once (bounded memory)."""

    def __init__(self):
        self.file = tempfile.TemporaryFile()
        self.count = 0

    def add(self, item) -> None:
        pickle.dump(item, self.file, protocol=pickle.HIGHEST_PROTOCOL)
        self.count += 1

    def __iter__(self):
        self.file.seek(0)
        for _ in range(self.count):
            yield pickle.load(self.file)

    def close(self) -> None:
        self.file.close()


class _Clock:
    def __init__(self, timings: dict):
        self.timings, self.last = timings, time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(self.timings.get(name, 0) + now - self.last, 3)
        self.last = now


class _Stream:
    """One pass over an opened file: typed rows out; rejections, side rows and findings
    spooled; counts kept."""

    def __init__(self, opened: OpenedFile, file_name: str, progress: Callable[[int], None] | None):
        self.opened, self.layout = opened, opened.layout
        self.progress = progress
        self.rejects, self.side_rows, self.findings = _Spool(), _Spool(), _Spool()
        self.rows_in = self.typed = 0
        self.sheets: dict[str, int] = {}
        self.context = Context(file_name=file_name, decimal_comma=opened.options.get("delimiter") == ";")
        for sheet in opened.skipped_sheets:
            self.findings.add(Finding("sheet_skipped", f"sheet {sheet!r} has no row that looks like a header "
                                      f"of layout {self.layout.name}; not loaded", sheet=sheet))

    def rows(self, tail: tuple = ()) -> Iterator[tuple]:
        """(typed row..., line number, sheet or None, *tail) per good row."""
        layout, findings, rejects, side_rows = self.layout, self.findings, self.rejects, self.side_rows
        progress = self.progress
        for table in self.opened.tables:
            self.sheets.setdefault(table.sheet, len(self.sheets))
            header = map_header(table.header, layout.name)
            problem = missing_required(set(header.index), layout.name)
            if problem:  # another sheet of the workbook, not of this layout
                findings.add(Finding("sheet_skipped", f"sheet {table.sheet!r}: {problem} for layout "
                                     f"{layout.name}; not loaded", sheet=table.sheet))
                continue
            for finding in layout.file_findings(header, table.header, table.sheet):
                findings.add(finding)
            if table.skipped_above_header:
                findings.add(Finding("lines_above_header", f"{table.skipped_above_header} record(s) above the "
                                     f"header (line {table.header_line}) skipped as titles",
                                     line_number=table.header_line, sheet=table.sheet))
            type_row = layout.compile(header, table.header, self.context)
            sheet = table.sheet or None
            rows_in, typed = self.rows_in, self.typed
            # Records are SourceRecord tuples: (sheet, line_number, raw, cells, formulas); indexes,
            # not attributes, in this loop (it runs once per row).
            for item in table.records:
                rows_in += 1
                if type(item) is Rejection:
                    rejects.add(item)
                    continue
                try:
                    row, extra_rows, row_findings = type_row(item[3])
                except RowRejected as exc:
                    rejects.add(Rejection(item[0], item[1], item[2], exc.reason, exc.detail))
                    continue
                typed += 1
                line = item[1]
                if extra_rows:
                    for extra in extra_rows:
                        side_rows.add(extra + (line, sheet))
                if row_findings:
                    for finding in row_findings:
                        finding.line_number, finding.sheet = line, item[0]
                        findings.add(finding)
                if item[4]:
                    for position, formula in item[4]:
                        findings.add(Finding("formula_cell", f"value computed by the formula {formula} (the "
                                             "value saved in the file is loaded)", field=table.header[position],
                                             value=formula, line_number=line, sheet=item[0]))
                if progress is not None and typed % PROGRESS_EVERY == 0:
                    self.rows_in, self.typed = rows_in, typed
                    progress(typed)
                yield row + (line, sheet) + tail
            if rows_in == self.rows_in:
                findings.add(Finding("no_data_rows", "the header is there but no data row follows",
                                     line_number=table.header_line, sheet=table.sheet))
            self.rows_in, self.typed = rows_in, typed
        for finding in layout.batch_findings(self.context):
            findings.add(finding)

    def close(self) -> None:
        for spool in (self.rejects, self.side_rows, self.findings):
            spool.close()


def _ident(qualified: str) -> sql.Identifier:
    return sql.Identifier(*qualified.split("."))


def _columns(names) -> sql.Composable:
    return sql.SQL(", ").join(sql.Identifier(n) for n in names)


def _create_stage(conn, name: str, spec: TableSpec) -> None:
    conn.execute(sql.SQL("drop table if exists {}").format(sql.Identifier(name)))
    # The raw table's column types, none of its constraints (checked at the merge).
    conn.execute(sql.SQL("create temporary table {} on commit drop as select {} from {} limit 0").format(
        sql.Identifier(name), _columns(spec.columns), _ident(spec.name)))
    conn.execute(sql.SQL("alter table {} add column _line_number integer, add column _sheet text, "
                         "add column _batch_id text").format(sql.Identifier(name)))


def _ensure_partitions(conn, spec: TableSpec, slices) -> None:
    """A partitioned raw table has no DEFAULT partition (attaching next to a non-empty one
    scans it): every slice rows are routed to gets its partition first."""
    if not spec.slice:
        return
    schema, table = spec.name.split(".")
    function = sql.Identifier(schema, f"ensure_{table}_partition")
    for values in slices:
        conn.execute(sql.SQL("select {}({})").format(function, sql.SQL(", ").join(
            sql.Literal(v) for v in values)))


def _stage_slices(conn, spec: TableSpec) -> list[tuple]:
    if not spec.slice:
        return []
    return conn.execute(sql.SQL("select distinct {} from {}").format(
        _columns(spec.slice), sql.Identifier(STAGE))).fetchall()


def _no_partition(exc: psycopg.Error) -> bool:
    """A row of a slice that has no partition yet (the direct path's COPY)."""
    return isinstance(exc, psycopg.errors.CheckViolation) and "no partition" in (exc.diag.message_primary or "")


def _key_exists(conn, spec: TableSpec, row: tuple) -> bool:
    """Does the raw table hold this (typed text) row's natural key already?"""
    types = dict(conn.execute(
        "select attname, format_type(atttypid, atttypmod) from pg_attribute "
        "where attrelid = %s::regclass and attnum > 0 and not attisdropped", (spec.name,)).fetchall())
    values = dict(zip(spec.columns, row))
    condition = sql.SQL(" and ").join(
        sql.SQL("{} = %s::{}").format(sql.Identifier(k), sql.SQL(types[k])) for k in spec.key)
    return conn.execute(sql.SQL("select exists (select 1 from {} where {})").format(_ident(spec.name), condition),
                        [values[k] for k in spec.key]).fetchone()[0]


def load(conn, batch_id: str, opened: OpenedFile, *, path: Path, file_name: str,
         progress: Callable[[int], None] | None = None) -> LoadResult:
    layout = opened.layout
    main, side = layout.main, layout.side
    result = LoadResult(tables=[main.name] + ([side.name] if side else []))
    clock = _Clock(result.timings)
    for spec in filter(None, (main, side)):
        conn.execute(sql.SQL("lock table {} in share row exclusive mode").format(_ident(spec.name)))
    conn.execute(sql.SQL("delete from {} where batch_id = %s").format(_quarantine(layout)), (batch_id,))
    conn.execute("delete from ingest.findings where batch_id = %s", (batch_id,))
    conn.execute("set local work_mem = '64MB'")
    if side:
        _create_stage(conn, SIDE_STAGE, side)
    clock.lap("prepare")

    stream = _Stream(opened, file_name, progress)
    try:
        if not _fast(conn, batch_id, opened, path, stream, result, progress, clock):
            clock.lap("fast_attempt")
            opened, stream = _careful(conn, batch_id, opened, path, file_name, stream, result, clock, progress)
        if result.path != "fast":  # the fast path built its indexes after its COPY
            for spec in filter(None, (main, side)):
                summarize_brin(conn, spec.name)
            clock.lap("brin_summarize")
        _write_quarantine_and_findings(conn, batch_id, layout, stream, path, opened, result)
        clock.lap("quarantine_findings")
    finally:
        stream.close()

    result.rows_unchanged = result.rows_loaded - result.rows_inserted - result.rows_updated
    if result.rows_in != result.rows_loaded + result.rows_rejected:
        raise LoadInvariantError(f"rows_in {result.rows_in} != loaded {result.rows_loaded} + rejected "
                                 f"{result.rows_rejected}")
    if result.rows_unchanged < 0:
        raise LoadInvariantError(f"more rows written ({result.rows_inserted} + {result.rows_updated}) "
                                 f"than loaded ({result.rows_loaded})")
    log.info("batch %s (%s): %s; seconds per phase %s", batch_id, result.path, result.counts(), result.timings)
    return result


# Every BRIN index on the table, or, on a partitioned table, on each of its partitions.
_BRIN_LEAVES = """
    select coalesce(leaf.relid, index_class.oid)::regclass::text
    from pg_index
    join pg_class as index_class on index_class.oid = pg_index.indexrelid
    join pg_am on pg_am.oid = index_class.relam
    left join lateral pg_partition_tree(index_class.oid) as leaf
        on leaf.isleaf and index_class.relkind = 'I'
    where pg_index.indrelid = %s::regclass
        and pg_am.amname = 'brin'
        and (index_class.relkind = 'i' or leaf.relid is not null)
"""


def summarize_brin(conn, table: str) -> int:
    """Summarise the page ranges of `table`'s BRIN indexes that rows were written to since
    their last summary; returns how many ranges. Why: PostgreSQL leaves a range that an
    INSERT or COPY into an existing table filled unsummarised until a VACUUM, and a
    scan through the index must then read all of it. BACI's `_loaded_at` index is how
    dbt's fct_trade_flows finds the rows loaded since its last run: with the direct and
    merge paths' ranges unsummarised it read every row of those partitions (the fast
    path builds its indexes after its COPY: nothing left to do). Reads only the new
    ranges, in the load's transaction (which sees its own rows). Needs the table's
    owner, as the loader's migrations do; another role skips it with a warning (then
    autovacuum summarises the ranges later)."""
    try:
        with conn.transaction():
            (ranges,) = conn.execute(
                f"select coalesce(sum(brin_summarize_new_values(leaf::regclass)), 0)::bigint "
                f"from ({_BRIN_LEAVES}) as leaves (leaf)", (table,)).fetchone()
            return ranges
    except psycopg.errors.InsufficientPrivilege as exc:
        log.warning("BRIN ranges of %s not summarised (%s): autovacuum will", table, exc.diag.message_primary)
        return 0


def _fast(conn, batch_id: str, opened: OpenedFile, path: Path, stream: _Stream, result: LoadResult,
          progress, clock: _Clock) -> bool:
    """The fast path (ingest/fastcopy.py) when the file allows it: PostgreSQL parses and
    types the file's bytes, straight into an empty raw table, else into the stage that is
    then merged like the careful path's. False (nothing left behind) when the careful
    path must load the file."""
    layout = opened.layout
    main = layout.main
    if layout.side is not None:
        return False
    match = None
    if layout.name == "baci":
        match = fastcopy.plan(opened, baci_constants(stream.context.file_name))
    if match is None:
        return False
    slice_ = parallel.slice_of(match, path) if main.slice else None
    empty = slice_ is not None and parallel.slice_is_empty(conn, main, slice_)
    if not empty and not _first_key_loaded(conn, main, match, path):
        # New keys into a slice that holds rows: the careful direct path's COPY straight
        # into the raw table beats filling the stage and INSERT ... SELECT from it (row by
        # row into the indexes: ~2 times slower here), so the stage is only for merging.
        return False
    try:
        if empty:  # parallel chunks attached as the slice's partitions (ingest/parallel.py)
            copied = parallel.load_slice(conn, main, batch_id, match, path, slice_, progress)
        else:
            with conn.transaction():  # a savepoint: a refused file leaves nothing
                _create_stage(conn, STAGE, main)
                copied = fastcopy.copy_into_stage(conn, STAGE, batch_id, match, path, progress)
    except fastcopy.FALLBACK as exc:
        log.info("batch %s: careful path (%s: %s)", batch_id, type(exc).__name__,
                 (str(exc).splitlines() or [""])[0])
        return False
    result.timings.update({f"fast.{name}": seconds for name, seconds in copied.timings.items()})
    clock.lap("fast_copy")
    stream.rows_in = stream.typed = copied.rows
    if copied.rows == 0:
        stream.findings.add(Finding("no_data_rows", "the header is there but no data row follows",
                                    line_number=match.header_line))
    if copied.padded:
        stream.context.counters["hs_code_zero_padded"] = copied.padded
        stream.context.samples["hs_code_zero_padded"] = copied.padded_sample
    for finding in layout.batch_findings(stream.context):
        stream.findings.add(finding)
    if empty:
        result.path = "fast"
        result.rows_in = result.rows_loaded = result.rows_inserted = copied.rows
        return True
    result.path = "fast+merge"
    _merge_stage(conn, batch_id, main, None, stream, result, clock)
    clock.lap("merge")
    return True


def _first_key_loaded(conn, main: TableSpec, match: fastcopy.Plan, path: Path) -> bool:
    """Is the key of the file's first record in the raw table already (False when that
    record cannot tell: the careful path decides)?"""
    values = fastcopy.first_record(path, match)
    if values is None:
        return False
    try:
        with conn.transaction():
            return _key_exists(conn, main, tuple(values.get(c) for c in main.columns))
    except psycopg.DataError:
        return False


def _careful(conn, batch_id: str, opened: OpenedFile, path: Path, file_name: str, stream: _Stream,
             result: LoadResult, clock: _Clock, progress) -> tuple[OpenedFile, _Stream]:
    """Row by row in Python: every row typed and checked, bad ones spooled for the
    quarantine with their reason; then direct or merge (module docstring)."""
    layout = opened.layout
    main, side = layout.main, layout.side
    rows = stream.rows(tail=(batch_id,))
    first = next(rows, None)
    if first is not None and not _key_exists(conn, main, first):
        _ensure_partitions(conn, main, [tuple(first[main.columns.index(c)] for c in main.slice)])
        try:
            with conn.transaction():  # a savepoint: a refused key undoes only this attempt
                _direct(conn, batch_id, main, _chain(first, rows), stream, result)
            clock.lap("read_type_copy")
        except (psycopg.errors.UniqueViolation, psycopg.errors.CheckViolation) as exc:
            if isinstance(exc, psycopg.errors.CheckViolation) and not _no_partition(exc):
                raise
            clock.lap("direct_attempt")
            log.info("batch %s: keys already in %s or repeated in the file, or rows of another slice (%s); "
                     "staging and merging", batch_id, main.name, exc.diag.message_detail or exc.diag.message_primary)
            stream.close()
            opened = open_file(path, layout.dataset, opened.format)
            stream = _Stream(opened, file_name, progress)
            first, rows = None, stream.rows(tail=(batch_id,))
            result.path = "merge"
    if result.path == "merge":
        _create_stage(conn, STAGE, main)
        _staged_merge(conn, batch_id, main, side, _chain(first, rows) if first else rows, stream, result,
                      clock)
    if side:
        _copy_side_rows(conn, side, stream.side_rows)
        _merge_side(conn, batch_id, side)
    clock.lap("merge")
    return opened, stream


def _chain(first, rest):
    yield first
    yield from rest


def _quarantine(layout: Layout) -> sql.Identifier:
    return sql.Identifier("quarantine", f"{layout.dataset}_rows")


def _direct(conn, batch_id: str, spec: TableSpec, rows, stream: _Stream, result: LoadResult) -> None:
    copy_sql = sql.SQL("copy {} ({}, _line_number, _sheet, _batch_id) from stdin").format(
        _ident(spec.name), _columns(spec.columns))
    with conn.cursor() as cur, cur.copy(copy_sql) as copy:
        write = copy.write_row
        for row in rows:  # (columns..., line, sheet, batch id)
            write(row)
    result.path = "direct"
    result.rows_in, result.rows_loaded = stream.rows_in, stream.typed
    result.rows_inserted = stream.typed


def _staged_merge(conn, batch_id: str, main: TableSpec, side: TableSpec | None, rows, stream: _Stream,
                  result: LoadResult, clock: _Clock) -> None:
    copy_sql = sql.SQL("copy {} ({}, _line_number, _sheet, _batch_id) from stdin").format(
        sql.Identifier(STAGE), _columns(main.columns))
    with conn.cursor() as cur, cur.copy(copy_sql) as copy:
        write = copy.write_row
        for row in rows:  # (columns..., line, sheet, batch id)
            write(row)
    clock.lap("read_type_copy")
    _merge_stage(conn, batch_id, main, side, stream, result, clock)


def _merge_stage(conn, batch_id: str, main: TableSpec, side: TableSpec | None, stream: _Stream,
                 result: LoadResult, clock: _Clock) -> None:
    """The filled stage: in-file duplicates to the quarantine, then the merge by key."""
    in_stage = conn.execute(sql.SQL("select count(*) from {}").format(sql.Identifier(STAGE))).fetchone()[0]
    if in_stage != stream.typed:
        raise LoadInvariantError(f"{stream.typed} rows written to the stage, {in_stage} arrived")
    conn.execute(sql.SQL("analyze {}").format(sql.Identifier(STAGE)))  # temp tables get no autovacuum
    duplicates = _remove_duplicates(conn, main)
    if duplicates and side:
        conn.execute(sql.SQL("delete from {} s using ingest_duplicates d where s._line_number = d.line "
                             "and s._sheet is not distinct from d.sheet").format(sql.Identifier(SIDE_STAGE)))
    clock.lap("duplicates")
    stream.duplicates = duplicates
    result.rows_in, result.rows_loaded = stream.rows_in, stream.typed - len(duplicates)
    _ensure_partitions(conn, main, _stage_slices(conn, main))
    result.rows_inserted, result.rows_updated = _merge(conn, batch_id, main, STAGE)


def _remove_duplicates(conn, spec: TableSpec) -> list[tuple]:
    """Rows whose natural key appeared earlier in the file: removed from the stage and
    returned as (sheet, line, first sheet, first line)."""
    key = _columns(spec.key)
    stage = sql.Identifier(STAGE)
    repeated = conn.execute(sql.SQL("select exists (select 1 from {} group by {} having count(*) > 1)").format(
        stage, key)).fetchone()[0]
    if not repeated:
        return []
    conn.execute("drop table if exists ingest_duplicates")
    conn.execute(sql.SQL(
        """create temporary table ingest_duplicates on commit drop as
           select _sheet as sheet, _line_number as line, first_sheet, first_line from (
               select _sheet, _line_number,
                      row_number() over w as position,
                      first_value(_sheet) over w as first_sheet,
                      first_value(_line_number) over w as first_line
               from {stage}
               window w as (partition by {key} order by _sheet nulls first, _line_number)
           ) ranked where position > 1""").format(stage=stage, key=key))
    conn.execute(sql.SQL("delete from {stage} s using ingest_duplicates d where s._line_number = d.line "
                         "and s._sheet is not distinct from d.sheet").format(stage=stage))
    return conn.execute("select sheet, line, first_sheet, first_line from ingest_duplicates "
                        "order by sheet nulls first, line").fetchall()


def _merge(conn, batch_id: str, spec: TableSpec, stage_name: str) -> tuple[int, int]:
    """Update changed rows, insert new ones; returns (inserted, updated)."""
    target, stage = _ident(spec.name), sql.Identifier(stage_name)
    values = [c for c in spec.columns if c not in spec.key]
    key_match = sql.SQL(" and ").join(
        sql.SQL("r.{c} = s.{c}").format(c=sql.Identifier(c)) for c in spec.key)
    updated = 0
    if values:
        assignments = sql.SQL(", ").join(
            [sql.SQL("{c} = s.{c}").format(c=sql.Identifier(c)) for c in values]
            + [sql.SQL("_batch_id = %(batch)s"), sql.SQL("_line_number = s._line_number"),
               sql.SQL("_sheet = s._sheet"), sql.SQL("_loaded_at = now()")])
        changed = sql.SQL("({}) is distinct from ({})").format(
            sql.SQL(", ").join(sql.SQL("r.{}").format(sql.Identifier(c)) for c in values),
            sql.SQL(", ").join(sql.SQL("s.{}").format(sql.Identifier(c)) for c in values))
        updated = conn.execute(sql.SQL("update {target} as r set {assignments} from {stage} as s "
                                       "where {key_match} and {changed}").format(
            target=target, assignments=assignments, stage=stage, key_match=key_match, changed=changed),
            {"batch": batch_id}).rowcount
    inserted = conn.execute(sql.SQL(
        """insert into {target} ({columns}, _batch_id, _line_number, _sheet)
           select {s_columns}, %(batch)s, s._line_number, s._sheet from {stage} as s
           where not exists (select 1 from {target} as r where {key_match})
           order by {s_key}""").format(
        target=target, columns=_columns(spec.columns), stage=stage, key_match=key_match,
        s_columns=sql.SQL(", ").join(sql.SQL("s.{}").format(sql.Identifier(c)) for c in spec.columns),
        s_key=sql.SQL(", ").join(sql.SQL("s.{}").format(sql.Identifier(c)) for c in spec.key)),
        {"batch": batch_id}).rowcount
    return inserted, updated


def _copy_side_rows(conn, spec: TableSpec, rows: _Spool) -> None:
    if not rows.count:
        return
    with conn.cursor() as cur, cur.copy(sql.SQL("copy {} ({}, _line_number, _sheet) from stdin").format(
            sql.Identifier(SIDE_STAGE), _columns(spec.columns))) as copy:
        for item in rows:
            copy.write_row(item)


def _merge_side(conn, batch_id: str, spec: TableSpec) -> None:
    """Side rows (cluster memberships): one per key, first line wins; existing rows keep
    their first batch (a membership stated again is not a change)."""
    conn.execute(sql.SQL(
        """insert into {target} ({columns}, _batch_id, _line_number, _sheet)
           select distinct on ({key}) {columns}, %(batch)s, _line_number, _sheet from {stage}
           order by {key}, _sheet nulls first, _line_number
           on conflict ({key}) do nothing""").format(
        target=_ident(spec.name), columns=_columns(spec.columns), key=_columns(spec.key),
        stage=sql.Identifier(SIDE_STAGE)), {"batch": batch_id})


def _write_quarantine_and_findings(conn, batch_id: str, layout: Layout, stream: _Stream, path: Path,
                                   opened: OpenedFile, result: LoadResult) -> None:
    sheets = stream.sheets
    duplicates = getattr(stream, "duplicates", [])
    order = lambda item: (sheets.get(item.sheet, len(sheets)), item.line_number)  # noqa: E731
    duplicate_rejections = (
        Rejection(sheet or "", line, None, "duplicate_key",
                  f"same {', '.join(layout.main.key)} as "
                  f"{f'{first_sheet}!{first_line}' if first_sheet else f'line {first_line}'} of this file "
                  "(the first one is loaded)")
        for sheet, line, first_sheet, first_line in sorted(
            duplicates, key=lambda d: (sheets.get(d[0] or "", len(sheets)), d[1])))
    quarantined = _with_raw(heapq.merge(iter(stream.rejects), duplicate_rejections, key=order),
                            path, opened, sheets)
    with conn.cursor() as cur, cur.copy(sql.SQL(
            "copy {} (batch_id, sheet, line_number, raw_line, reason, detail) from stdin").format(
            _quarantine(layout))) as copy:
        for item in quarantined:
            copy.write_row((batch_id, item.sheet or "", item.line_number, item.raw, item.reason, item.detail))
            result.rows_rejected += 1
            result.rejected_by_reason[item.reason] = result.rejected_by_reason.get(item.reason, 0) + 1
    with conn.cursor() as cur, cur.copy(
            "copy ingest.findings (batch_id, finding_number, sheet, line_number, field, kind, value, detail) "
            "from stdin") as copy:
        for number, f in enumerate(stream.findings, start=1):
            copy.write_row((batch_id, number, f.sheet or "", f.line_number, f.field, f.kind, f.value, f.detail))
    result.findings = stream.findings.count


def _with_raw(items, path: Path, opened: OpenedFile, sheets: dict[str, int]):
    """Fill in the raw text of rejected rows that have none (the CSV hot path keeps none),
    by reading the file again once, in step with the rows (they come in file order)."""
    source = current = None
    for item in items:
        if item.raw is not None:
            yield item
            continue
        if source is None:
            source = _raw_source(path, opened, sheets)
            current = next(source, None)
        position = (sheets.get(item.sheet or "", 0), item.line_number)
        while current is not None and current[0] < position:
            current = next(source, None)
        raw = current[1] if current is not None and current[0] == position else ""
        yield Rejection(item.sheet, item.line_number, raw, item.reason, item.detail)


def _raw_source(path: Path, opened: OpenedFile, sheets: dict[str, int]):
    """((sheet order, line), raw text) of every record of the file, in file order."""
    if opened.container == "csv":
        from ingest.formats.readers import _printable_raw, _raw_records

        with open(path, encoding=opened.options["encoding"], errors="surrogateescape", newline="") as handle:
            for line, raw in _raw_records(handle, opened.options["delimiter"]):
                yield (0, line), _printable_raw(raw)
        return
    again = open_file(path, opened.layout.dataset, opened.format)
    for table in again.tables:
        for item in table.records:
            yield (sheets.get(item.sheet or "", 0), item.line_number), item.raw
