"""Container readers: a file -> tables of records (streaming, bounded memory).

- delimited text in any common delimiter and encoding, quoted newlines, title lines
  above the header; each record keeps its first physical line number and raw text;
- XLSX: every sheet with a recognisable header (not necessarily on row 1), merged
  header cells filled from their top-left cell, formula cells read from their cached
  value (a formula with no cached value rejects its row);
- JSON: a list of records, or an object whose `data` (UN Comtrade API) or `dataset`
  (legacy API) member is that list, parsed incrementally.

A reader yields `SourceRecord`s, and `Rejection`s for records it cannot split.
"""

from __future__ import annotations

import csv
import json
import re
import sys
import zipfile
from pathlib import Path
from typing import Callable, Iterator
from xml.etree.ElementTree import iterparse

from ingest.formats.base import Rejection, SourceRecord, Table, UnreadableFile, spreadsheet_cell_text
from ingest.formats.sniff import SAMPLE_BYTES, detect_delimiter

HEADER_SCAN_ROWS = 30
Scorer = Callable[[list], int]

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
_SURROGATE = re.compile("[\udc80-\udcff]")
_new_record = tuple.__new__  # SourceRecord without NamedTuple's Python-level __new__ (hot path)


def _printable_raw(raw: str) -> str:
    """Raw text safe to store: bytes that did not decode become '\\xNN'."""
    if raw.isascii() or not _SURROGATE.search(raw):
        return raw
    return raw.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _pick_header(rows: list[tuple[int, list]], scorer: Scorer) -> int | None:
    """Index in `rows` of the best header candidate (highest alias score, first wins)."""
    best, best_score = None, 0
    for position, (_, cells) in enumerate(rows):
        score = scorer([c for c in cells if c is not None])
        if score > best_score:
            best, best_score = position, score
    return best


def _labels(cells: list) -> list[str]:
    return [("" if c is None else str(c)).strip().lstrip("\ufeff") for c in cells]


# -- delimited text ----------------------------------------------------------------------
def delimited_table(path: Path, encoding: str, scorer: Scorer, delimiter: str | None = None) -> tuple[Table, dict]:
    """The file's one table. Records carry no raw text (raw=None) on this hot path: the
    loader fetches the raw text of the few rejected records afterwards (`reread_raw`)."""
    handle = open(path, encoding=encoding, errors="surrogateescape", newline="")
    if delimiter is None:
        delimiter = detect_delimiter(handle.read(SAMPLE_BYTES))
        handle.seek(0)
    reader = csv.reader(handle, delimiter=delimiter)
    head: list[tuple[int, list | None, str | None]] = []  # (line, cells, csv error)
    last = 0
    while len(head) < HEADER_SCAN_ROWS:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            head.append((last + 1, None, str(exc)))
            last = reader.line_num
            continue
        head.append((last + 1, cells, None))
        last = reader.line_num
    candidates = [(line, cells) for line, cells, _ in head if cells]
    choice = _pick_header(candidates, scorer)
    if choice is None:
        handle.close()
        raise UnreadableFile("no_header", f"none of the first {len(head)} records looks like a header "
                             "(no column name matches a known alias)" if head else "no records")
    header_line, header_cells = candidates[choice]
    header = _labels(header_cells)
    position = next(i for i, (line, _, _) in enumerate(head) if line == header_line)
    body = _delimited_body(handle, reader, head[position + 1:], last, len(header))
    options = {"encoding": encoding, "delimiter": delimiter, "header_line": header_line}
    skipped = sum(1 for _, cells, error in head[:position] if error or (cells and any(c.strip() for c in cells)))
    return Table("", header, header_line, body, skipped_above_header=skipped), options


def _delimited_body(handle, reader, buffered, last: int, width: int) -> Iterator[SourceRecord | Rejection]:
    """Records after the header: a blank line or a row of empty cells is not a record;
    undecodable bytes, a wrong number of fields or a csv error reject the record."""
    def shape(line: int, cells: list):
        if not any(c.strip() for c in cells):
            return None
        if len(cells) > width and not any(c.strip() for c in cells[width:]):
            return shape(line, cells[:width])  # trailing empty cells (a trailing delimiter)
        if len(cells) != width:
            return Rejection("", line, None, "wrong_field_count",
                             f"{len(cells)} fields where the header has {width}")
        joined = "".join(cells)
        if not joined.isascii() and _SURROGATE.search(joined):
            return Rejection("", line, None, "invalid_encoding", "bytes that are not valid in the file's "
                             "encoding")
        if "\x00" in joined:
            return Rejection("", line, None, "nul_byte", "a NUL character (binary data) in the record")
        return SourceRecord("", line, None, cells)

    try:
        for line, cells, error in buffered:
            item = shape(line, cells) if error is None else \
                Rejection("", line, None, "unparseable_line", error)
            if item is not None:
                yield item
        while True:
            try:
                for cells in reader:
                    line, last = last + 1, reader.line_num
                    if len(cells) == width and cells[0]:
                        joined = "".join(cells)
                        if joined.isascii() and "\x00" not in joined:
                            # The common case, kept short: ~1 µs a row matters at 1M rows.
                            yield _new_record(SourceRecord, ("", line, None, cells, ()))
                            continue
                    item = shape(line, cells)
                    if item is not None:
                        yield item
                return
            except csv.Error as exc:
                line, last = last + 1, reader.line_num
                yield Rejection("", line, None, "unparseable_line", str(exc))
    finally:
        handle.close()


def _raw_records(handle, delimiter: str) -> Iterator[tuple[int, str]]:
    """(first line number, raw text) per CSV record, for fetching raw text again."""
    pending: list[str] = []

    def lines():
        for line in handle:
            pending.append(line)
            yield line

    reader = csv.reader(lines(), delimiter=delimiter)
    consumed = 0
    while True:
        try:
            next(reader)
        except StopIteration:
            return
        except csv.Error:
            pass
        raw = "".join(pending)
        start, consumed = consumed + 1, consumed + len(pending)
        pending.clear()
        yield start, raw.rstrip("\r\n")


def reread_raw(path: Path, options: dict, wanted: set[int]) -> dict[int, str]:
    """Raw text of the records starting at the given lines (rejected or duplicate rows)."""
    found: dict[int, str] = {}
    if not wanted:
        return found
    with open(path, encoding=options["encoding"], errors="surrogateescape", newline="") as handle:
        for line, raw in _raw_records(handle, options["delimiter"]):
            if line in wanted:
                found[line] = _printable_raw(raw)
                if len(found) == len(wanted):
                    break
    return found


# -- XLSX ------------------------------------------------------------------------------------
def _merged_ranges(workbook, sheet) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col) of merged cells, from the sheet's XML (the
    read-only worksheet does not expose them). Uses openpyxl's private archive handle."""
    from openpyxl.utils.cell import range_boundaries

    ranges = []
    try:
        source = workbook._archive.open(sheet._worksheet_path)
    except (AttributeError, KeyError):
        return ranges
    with source:
        for _, element in iterparse(source):
            if element.tag.endswith("}mergeCell"):
                min_col, min_row, max_col, max_row = range_boundaries(element.get("ref"))
                ranges.append((min_row, min_col, max_row, max_col))
            elif element.tag.endswith("}row"):
                element.clear()  # keep memory flat on big sheets
    return ranges


def xlsx_tables(path: Path, scorer: Scorer) -> tuple[Iterator[Table], dict, list[str]]:
    """Tables of every sheet whose header is recognisable; names of the other sheets."""
    from openpyxl import load_workbook

    try:
        # File objects, not paths: openpyxl refuses a path whose extension is not .xlsx,
        # and content decides here (an XLSX saved as .csv is still an XLSX).
        values_book = load_workbook(open(path, "rb"), read_only=True, data_only=True)
        formula_book = load_workbook(open(path, "rb"), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnreadableFile("unreadable_workbook", f"not a readable XLSX workbook: {exc}") from exc

    tables, skipped, options = [], [], {"sheets": {}}
    for sheet in values_book.worksheets:
        formula_sheet = formula_book[sheet.title]
        for ws in (sheet, formula_sheet):
            ws.reset_dimensions()  # do not trust the file's <dimension>
        merged = _merged_ranges(values_book, sheet)
        rows = zip(sheet.iter_rows(values_only=True), formula_sheet.iter_rows(values_only=True))
        head = []
        for number, (values, formulas) in enumerate(rows, start=1):
            head.append((number, list(values), list(formulas)))
            if number >= HEADER_SCAN_ROWS:
                break
        filled = _fill_merged([(n, list(v)) for n, v, _ in head], merged)
        choice = _pick_header(filled, scorer)
        if choice is None:
            skipped.append(sheet.title)
            continue
        header_line, header_cells = filled[choice]
        header = _labels(header_cells)
        options["sheets"][sheet.title] = {"header_line": header_line}
        tables.append(Table(sheet.title, header, header_line,
                            _xlsx_records(sheet.title, head[choice + 1:], rows, len(header), merged),
                            skipped_above_header=choice))
    if not tables:
        values_book.close()
        formula_book.close()
        raise UnreadableFile("no_header", "no sheet has a row that looks like a header "
                             f"(sheets: {', '.join(skipped) or 'none'})")

    def iterate() -> Iterator[Table]:
        try:
            yield from tables
        finally:
            values_book.close()
            formula_book.close()

    return iterate(), options, skipped


def _fill_merged(rows: list[tuple[int, list]], merged) -> list[tuple[int, list]]:
    by_number = {number: cells for number, cells in rows}
    for min_row, min_col, max_row, max_col in merged:
        top = by_number.get(min_row)
        if top is None or len(top) < min_col:
            continue
        value = top[min_col - 1]
        for row in range(min_row, max_row + 1):
            cells = by_number.get(row)
            if cells is None:
                continue
            for col in range(min_col, max_col + 1):
                while len(cells) < col:
                    cells.append(None)
                if cells[col - 1] is None:
                    cells[col - 1] = value
    return rows


def _xlsx_records(sheet: str, buffered, rows, width: int, merged) -> Iterator[SourceRecord | Rejection]:
    """Data rows after the header. A merged cell's value applies to every cell it covers
    (a wilaya merged over the rows of its companies is each company's wilaya)."""
    def all_rows():
        yield from buffered
        start = buffered[-1][0] + 1 if buffered else HEADER_SCAN_ROWS + 1
        for number, (values, formulas) in enumerate(rows, start=start):
            yield number, list(values), list(formulas)

    starts: dict[int, list] = {}
    for min_row, min_col, max_row, max_col in merged:
        starts.setdefault(min_row, []).append((min_col, max_row, max_col))
    active: list[tuple[int, int, int, object]] = []  # (min_col, max_row, max_col, value)
    first = buffered[0][0] if buffered else HEADER_SCAN_ROWS + 1
    for min_row, min_col, max_row, max_col in merged:  # ranges that began above the data
        if min_row < first <= max_row:
            active.append((min_col, max_row, max_col, None))

    for number, values, formulas in all_rows():
        if starts or active:
            active = [a for a in active if a[1] >= number]
            for min_col, max_row, max_col in starts.pop(number, ()):
                value = values[min_col - 1] if len(values) >= min_col else None
                active.append((min_col, max_row, max_col, value))
            for min_col, _, max_col, value in active:
                if value is None:
                    continue
                while len(values) < max_col:
                    values.append(None)
                for col in range(min_col, max_col + 1):
                    if values[col - 1] is None:
                        values[col - 1] = value
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values) and \
                all(f is None for f in formulas):
            continue
        shown = [spreadsheet_cell_text(f) for f in formulas]
        raw = json.dumps(shown, ensure_ascii=False)
        if any(v is not None for v in values[width:]) or any(f is not None for f in formulas[width:]):
            yield Rejection(sheet, number, raw, "wrong_field_count",
                            f"cells beyond the header's {width} columns")
            continue
        cells, computed, missing = [], [], []
        for position in range(width):
            value = values[position] if position < len(values) else None
            formula = formulas[position] if position < len(formulas) else None
            if isinstance(formula, str) and formula.startswith("=") and formula != value:
                if value is None:
                    missing.append(f"column {position + 1}: {formula}")
                else:
                    computed.append((position, formula))
            elif formula is not None and not isinstance(formula, (str, int, float)) and \
                    type(formula).__name__ in ("ArrayFormula", "DataTableFormula"):
                missing.append(f"column {position + 1}: array formula")
            cells.append(spreadsheet_cell_text(value))
        if missing:
            yield Rejection(sheet, number, raw, "formula_without_value",
                            "formula with no computed value saved in the file (open and save it in "
                            "a spreadsheet program, or paste values): " + "; ".join(missing))
            continue
        yield SourceRecord(sheet, number, raw, cells, tuple(computed))


# -- JSON --------------------------------------------------------------------------------
_WS = re.compile(r"[ \t\n\r]*")
_CHUNK = 1 << 20


class _Buffer:
    def __init__(self, handle):
        self.handle, self.text, self.pos, self.eof = handle, "", 0, False

    def more(self) -> bool:
        if self.eof:
            return False
        chunk = self.handle.read(_CHUNK)
        if not chunk:
            self.eof = True
            return False
        if self.pos > _CHUNK:
            self.text, self.pos = self.text[self.pos:], 0
        self.text += chunk
        return True

    def skip_ws(self) -> str:
        while True:
            self.pos = _WS.match(self.text, self.pos).end()
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.more():
                return ""

    def expect(self, chars: str) -> str:
        char = self.skip_ws()
        if not char or char not in chars:
            raise UnreadableFile("invalid_json", f"expected one of {chars!r} at character {self.pos}, "
                                 f"found {char or 'end of file'!r}")
        self.pos += 1
        return char

    def value(self, decoder=json.JSONDecoder()):
        self.skip_ws()
        while True:
            try:
                value, end = decoder.raw_decode(self.text, self.pos)
                # A number at the very end of the buffer may continue in the next chunk.
                if end < len(self.text) or self.eof:
                    self.pos = end
                    return value
            except json.JSONDecodeError as exc:
                if self.eof:
                    raise UnreadableFile("invalid_json", f"invalid JSON: {exc}") from exc
            if not self.more():
                self.eof = True


def iter_json_records(handle) -> Iterator[dict]:
    """Records of `[...]`, `{"data": [...]}` or `{"dataset": [...]}`, one at a time."""
    buffer = _Buffer(handle)
    start = buffer.expect("[{")
    if start == "{":
        found = False
        while True:
            if buffer.skip_ws() == "}":
                break
            key = buffer.value()
            buffer.expect(":")
            if key in ("data", "dataset") and buffer.skip_ws() == "[" and not found:
                found = True
                buffer.pos += 1
                yield from _array_items(buffer)
            else:
                value = buffer.value()
                if key == "error" and value and not found:
                    raise UnreadableFile("api_error", f"the response carries an error: {value}")
            if buffer.expect(",}") == "}":
                break
        if not found:
            raise UnreadableFile("no_records", "a JSON object without a 'data' list of records")
    else:
        yield from _array_items(buffer)


def _array_items(buffer: _Buffer) -> Iterator[dict]:
    if buffer.skip_ws() == "]":
        buffer.pos += 1
        return
    while True:
        item = buffer.value()
        if not isinstance(item, dict):
            raise UnreadableFile("invalid_json", "the records must be JSON objects")
        yield item
        if buffer.expect(",]") == "]":
            return


def json_table(path: Path, encoding: str) -> tuple[Table, dict]:
    """Records in order; line_number is the record's position (1-based), raw its JSON."""
    handle = open(path, encoding=encoding or "utf-8")
    items = iter_json_records(handle)
    try:
        first = next(items)
    except StopIteration:
        handle.close()
        return Table("", [], 0, iter(())), {"encoding": encoding}
    header = list(first.keys())

    def records() -> Iterator[SourceRecord]:
        try:
            for number, item in enumerate(_chain(first, items), start=1):
                raw = json.dumps(item, ensure_ascii=False)
                if "\\u0000" in raw:
                    yield Rejection("", number, raw, "nul_byte", "a NUL character in the record")
                    continue
                yield SourceRecord("", number, raw, [spreadsheet_cell_text(item.get(k)) for k in header])
        finally:
            handle.close()

    return Table("", header, 0, records()), {"encoding": encoding}


def _chain(first, rest):
    yield first
    yield from rest


def peek_json_keys(path: Path, encoding: str) -> list[str]:
    with open(path, encoding=encoding or "utf-8") as handle:
        for item in iter_json_records(handle):
            return list(item.keys())
    return []


def text_sample(path: Path, encoding: str) -> str:
    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        return handle.read(SAMPLE_BYTES)


