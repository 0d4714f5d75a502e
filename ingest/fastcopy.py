"""The fast path: a well-formed BACI CSV file parsed and typed by PostgreSQL (COPY of
the file's bytes) instead of row by row in Python.

Why: per-row Python reading and typing costs about as much as the whole bare COPY, and
maintaining the primary key and the `_batch_id` index row by row costs twice that again
(docs/ingestion.md, "Measured"). Where the file goes:

- its (hs_revision, year) slice holds no rows: ingest/parallel.py loads it by parallel
  chunks, each COPYed into a table of its own (this module's `clean_block` on its bytes)
  that is indexed by one sort and attached as a partition of the raw table;
- the slice holds rows and the file's first key is among them (a new release of the
  year): the bytes go into the loader's temporary stage (`copy_into_stage`), which the
  loader merges by key exactly as it does the careful path's stage;
- else (new keys into a slice that holds rows) the careful direct path: its COPY straight
  into the raw table beats an INSERT ... SELECT from a stage, which feeds the indexes
  row by row.

It is optimistic and never guesses. The file qualifies only when every value is one
PostgreSQL reads exactly as the careful path types it:

- header on line 1, exactly the six BACI columns, `,` delimiter, UTF-8 (or ASCII);
- body bytes only `0-9 . , + e E N A`, spaces, CR and LF: no quote (a record is one
  line, so its line number is its ordinal plus one), no minus (no negative value), no
  letter but `NA` (a missing quantity) and exponents; `NAN` is refused (PostgreSQL
  would read it as NaN);
- spaces around fields are dropped (what `clean_cell` does; BACI pads `NA`);
- checks of what the column types do not (after COPY by one scan on the stage, as CHECK
  constraints during COPY on the chunks): year 1900-2100, product
  codes of 5 or 6 digits (5: the lost leading zero is restored and counted, like the
  careful path). With no minus in the file, `product_code::integer` fails exactly when
  a code holds something else than digits or a leading `+` (checked apart): cheaper
  than a regular expression.

Anything else (a byte outside the set, a value PostgreSQL refuses, a NULL in a NOT NULL
column, a key twice in the file when the primary key is built, a failed check) raises
(FALLBACK): what was written is rolled back or dropped, and the careful path loads the
file, quarantining each bad row with its reason. So a file with one bad row pays for
both; a clean file pays for one COPY and the index builds (on K cores for a new slice).
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import psycopg
from psycopg import sql

from ingest.formats.base import map_header

log = logging.getLogger(__name__)

ALLOWED = b"0123456789.,+eEAN \r\n"
ENCODINGS = ("utf-8", "utf-8-sig")
CHUNK = 1 << 20
# Spaces at the start or end of a field (a block always starts right after a newline).
_PADDING = re.compile(rb"(?:^|(?<=[,\n])) +| +(?=[,\r\n]|$)")
_LINE_SEQUENCE = "ingest_fast_line_numbers"


class NotFast(Exception):
    """The file needs the careful path (raised inside the savepoint: nothing stays)."""


# What the caller catches to fall back: data PostgreSQL refused, a constraint, our own
# checks. A lost connection (OperationalError) is not among them: it propagates.
FALLBACK = (NotFast, psycopg.DataError, psycopg.IntegrityError)


@dataclass(frozen=True)
class Plan:
    columns: tuple[str, ...]      # raw columns in the file's column order
    header_line: int
    constants: dict               # raw column -> value for every row (from the file name)


@dataclass
class Copied:
    rows: int
    padded: int                   # product codes that had lost their leading zero
    padded_sample: str | None
    timings: dict = field(default_factory=dict)   # seconds per step


def plan(opened, constants: dict) -> Plan | None:
    """A Plan when the opened file may take the fast path, else None. Peeks at the first
    table (put back: the careful path can still read it)."""
    if opened.layout.name != "baci" or opened.container != "csv":
        return None
    options = opened.options
    if options.get("encoding") not in ENCODINGS or options.get("delimiter") != "," \
            or options.get("header_line") != 1:
        return None
    table = next(opened.tables)
    opened.tables = _chain(table, opened.tables)
    header = map_header(table.header, "baci")
    if header.unmapped or header.repeated or len(header.index) != 6 or len(table.header) != 6:
        return None
    by_position = {position: column for column, position in header.index.items()}
    return Plan(tuple(by_position[p] for p in range(6)), table.header_line, constants)


def _chain(first, rest):
    yield first
    yield from rest


def clean_block(block: bytes) -> bytes:
    """One block of whole lines, checked and unpadded (pure)."""
    if block.translate(None, ALLOWED):
        raise NotFast("a byte outside digits, separators and NA")
    if b"NAN" in block:
        raise NotFast("NAN (PostgreSQL would read it as NaN)")
    if b" " in block:
        block = _PADDING.sub(b"", block)
    return block


def range_blocks(path: Path, start: int = 0, end: int | None = None, size: int = CHUNK) -> Iterator[bytes]:
    """The bytes [start, end) of the file (whole lines; `end` None: to the end) as checked
    blocks of whole lines (clean_block). The one block splitter: `blocks` reads the whole
    file with it, ingest/parallel.py each chunk's byte range."""
    with open(path, "rb") as handle:
        handle.seek(start)
        remaining = None if end is None else end - start
        tail = b""
        while remaining is None or remaining > 0:
            data = handle.read(size if remaining is None else min(size, remaining))
            if not data:
                break
            if remaining is not None:
                remaining -= len(data)
            data = tail + data
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                tail = data
                continue
            tail = data[cut:]
            yield clean_block(data[:cut])
        if tail:
            yield clean_block(tail)


def blocks(path: Path, progress: Callable[[int], None] | None = None, every: int = 10_000,
           size: int = CHUNK) -> Iterator[bytes]:
    """The file as blocks of whole lines; the header line passes unchecked (COPY skips it).
    Calls progress(lines so far) each time another `every` lines went by."""
    with open(path, "rb") as handle:
        header = handle.readline()
    yield header
    lines, next_report = 0, every
    for block in range_blocks(path, len(header), size=size):
        yield block
        lines += block.count(b"\n")
        if progress is not None and lines >= next_report:
            progress(lines)
            next_report = (lines // every + 1) * every


def first_record(path: Path, fast: Plan) -> dict | None:
    """The first record's values by raw column (with the file's constants), as the fast
    path would load them; None when it has none or would refuse it."""
    with open(path, "rb") as handle:
        handle.readline()
        line = handle.readline()
    try:
        cells = clean_block(line).rstrip(b"\r\n").decode("ascii").split(",")
    except NotFast:
        return None
    if len(cells) != len(fast.columns):
        return None
    values = {**fast.constants, **{c: (None if v == "NA" else v) for c, v in zip(fast.columns, cells)}}
    code = values.get("product_code")
    if code and len(code) == 5 and code.isdigit():
        values["product_code"] = "0" + code
    return values


def _ident(qualified: str) -> sql.Identifier:
    return sql.Identifier(*qualified.split("."))


class Laps:
    """Seconds per named step, since the previous step (the loaders' phase timings)."""

    def __init__(self):
        self.timings, self.started = {}, time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name], self.started = round(now - self.started, 3), now


def _copy_and_check(conn, table: sql.Composable, batch_id: str, fast: Plan, path: Path, progress,
                    lap: Laps) -> tuple[int, int, str | None]:
    """Defaults for the columns the file lacks (the batch, the file name's constants, a
    line number from a sequence), COPY, the checks, the lost zeros restored.
    Returns (rows, padded, padded sample); leaves the defaults set."""
    conn.execute(sql.SQL("drop sequence if exists {}").format(sql.Identifier("pg_temp", _LINE_SEQUENCE)))
    conn.execute(sql.SQL("create temporary sequence {} start with {}").format(
        sql.Identifier(_LINE_SEQUENCE), sql.Literal(fast.header_line + 1)))
    settings = [sql.SQL("alter column {} set default {}").format(sql.Identifier(c), sql.Literal(v))
                for c, v in {**fast.constants, "_batch_id": batch_id}.items()]
    settings.append(sql.SQL("alter column _line_number set default nextval({})").format(
        sql.Literal(f"pg_temp.{_LINE_SEQUENCE}")))
    conn.execute(sql.SQL("alter table {} {}").format(table, sql.SQL(", ").join(settings)))

    copy_sql = sql.SQL("copy {} ({}) from stdin (format csv, header true, null 'NA', encoding 'UTF8')").format(
        table, sql.SQL(", ").join(sql.Identifier(c) for c in fast.columns))
    with conn.cursor() as cur:
        with cur.copy(copy_sql) as copy:
            for block in blocks(path, progress):
                copy.write(block)
        rows = cur.rowcount
    lap("copy")

    # What the column types do not check, in one scan (the cast raises DataError on a
    # code that is not all digits: the caller falls back). NULLs: the stage has no NOT
    # NULL constraint ('NA' is NULL in any column).
    bad, padded = conn.execute(sql.SQL(
        """select count(*) filter (where year is null or exporter_code is null or importer_code is null
                                   or value_kusd is null or year not between 1900 and 2100
                                   or length(product_code) not in (5, 6) or left(product_code, 1) = '+'
                                   or product_code::integer < 0),
                  count(*) filter (where length(product_code) = 5)
           from {}""").format(table)).fetchone()
    if bad:
        raise NotFast(f"{bad} row(s) fail the layout's checks")
    sample = None
    if padded:
        (sample,) = conn.execute(sql.SQL("select product_code from {} where length(product_code) = 5 "
                                         "order by _line_number limit 1").format(table)).fetchone()
        conn.execute(sql.SQL("update {} set product_code = '0' || product_code where length(product_code) = 5")
                     .format(table))
    lap("check")
    return rows, padded, sample


def _drop_line_sequence(conn) -> None:
    """After the default that used it is gone (a temporary sequence lives as long as the session)."""
    conn.execute(sql.SQL("drop sequence {}").format(sql.Identifier("pg_temp", _LINE_SEQUENCE)))


def copy_into_stage(conn, stage: str, batch_id: str, fast: Plan, path: Path,
                    progress: Callable[[int], None] | None = None) -> Copied:
    """COPY the file into the loader's temporary stage (created by the caller: the raw
    table's column types, no constraint) and check it; the loader then merges it into the
    raw table, whose indexes stay. Inside a savepoint of the caller's."""
    lap = Laps()
    rows, padded, sample = _copy_and_check(conn, sql.Identifier(stage), batch_id, fast, path, progress, lap)
    conn.execute(sql.SQL("alter table {} alter column _line_number drop default").format(sql.Identifier(stage)))
    _drop_line_sequence(conn)
    return Copied(rows, padded, sample, lap.timings)
