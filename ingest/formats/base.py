"""Shared pieces of the readers and layouts (pure): records, rejections, findings,
header matching and the cell typers.

Typed values are returned as *text in PostgreSQL's input syntax* ('12', '36.71',
'2019-03-01', '{"a","b"}'): the loader streams them with COPY and the server types
them; Python only checks that each one will be accepted, so one bad cell rejects its
row before COPY instead of failing the whole batch (PLATFORM.md: COPY is all or nothing).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Iterator, NamedTuple

import yaml

from ingest.text import clean_cell, label_key


class UnreadableFile(Exception):
    """The file as a whole cannot be loaded: it goes to `rejected/` with this reason."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class RowRejected(Exception):
    """One row cannot be typed: it goes to quarantine with this reason."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class SourceRecord(NamedTuple):
    sheet: str          # '' outside spreadsheets
    line_number: int    # physical line where the record starts (CSV), row (XLSX), index (JSON)
    raw: str            # the record as it was in the file (XLSX/JSON: a JSON rendering)
    cells: list         # cell texts (None = empty), in header order
    formulas: tuple = ()  # XLSX: (position, formula) of cells whose cached value is used


@dataclass
class Finding:
    kind: str
    detail: str
    field: str | None = None
    value: str | None = None
    line_number: int | None = None
    sheet: str = ""


@dataclass
class Rejection:
    sheet: str
    line_number: int
    raw: str
    reason: str
    detail: str


@dataclass
class Table:
    """One table of a file (the file itself, or one sheet of a workbook)."""

    sheet: str
    header: list[str]
    header_line: int
    records: Iterator[SourceRecord]
    skipped_above_header: int = 0


@dataclass
class HeaderMap:
    index: dict[str, int]                                  # canonical -> column position
    unmapped: list[tuple[int, str]] = field(default_factory=list)
    repeated: list[tuple[int, str, str]] = field(default_factory=list)  # (pos, label, canonical)


# -- aliases (data: ingest/aliases.yaml) ---------------------------------------------------
ALIASES_FILE = Path(__file__).resolve().parents[1] / "aliases.yaml"


@functools.lru_cache(maxsize=1)
def layouts_config() -> dict[str, dict]:
    return yaml.safe_load(ALIASES_FILE.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=None)
def alias_index(layout: str) -> dict[str, str]:
    """label_key(alias) -> canonical column, for one layout. The canonical name itself is
    always an alias."""
    index: dict[str, str] = {}
    for canonical, aliases in layouts_config()[layout]["columns"].items():
        for alias in [canonical, *aliases]:
            index.setdefault(label_key(str(alias)), canonical)
    return index


def map_header(labels: list[str], layout: str) -> HeaderMap:
    aliases = alias_index(layout)
    result = HeaderMap(index={})
    for position, label in enumerate(labels):
        canonical = aliases.get(label_key(label)) if label else None
        if canonical is None:
            # A column without a header keeps its values too, as "column N".
            result.unmapped.append((position, label or f"column {position + 1}"))
        elif canonical in result.index:
            result.repeated.append((position, label, canonical))
        else:
            result.index[canonical] = position
    return result


def header_score(labels: list, layout: str) -> int:
    aliases = alias_index(layout)
    return len({aliases.get(label_key(str(label))) for label in labels if label} - {None})


def missing_required(mapped: set[str], layout: str) -> str | None:
    """Why the mapped columns are not enough for the layout, or None."""
    config = layouts_config()[layout]
    missing_all = [c for c in config.get("required_all", []) if c not in mapped]
    if missing_all:
        return f"missing column(s) {', '.join(missing_all)}"
    groups = config.get("required_any")
    if groups and not any(all(c in mapped for c in group) for group in groups):
        options = " | ".join("+".join(group) for group in groups)
        return f"needs at least one of: {options}"
    return None


# -- cell typers: text in, PostgreSQL input text out (or RowRejected) -----------------------
INTEGER = re.compile(r"[+-]?\d+")
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
MISSING = {"", "na", "n/a", "nan", "null", "none", "-", "--", "nd", "n.d."}


def text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    text = clean_cell(value) if isinstance(value, str) else clean_cell(str(value))
    return text or None


def is_missing(text: str | None) -> bool:
    return text is None or text.strip().lower() in MISSING


def integer(value: str | None, column: str, *, minimum: int | None = None,
            maximum: int | None = None) -> str | None:
    if is_missing(value):
        return None
    text = value.replace(" ", "").replace("\u202f", "")
    if text.endswith(".0"):
        text = text[:-2]
    if not INTEGER.fullmatch(text):
        raise RowRejected("not_an_integer", f"{column}: {value!r} is not a whole number")
    number = int(text)
    if minimum is not None and number < minimum or maximum is not None and number > maximum:
        raise RowRejected("out_of_range", f"{column}: {number} outside [{minimum}, {maximum}]")
    if not -2**31 < number < 2**31:
        raise RowRejected("out_of_range", f"{column}: {number} does not fit an integer")
    return str(number)


def number(value: str | None, column: str, *, decimal_comma: bool = False,
           non_negative: bool = False) -> str | None:
    """'1 234,5' (with decimal_comma) -> '1234.5'; '4.43e+10' stays (PostgreSQL reads it)."""
    if is_missing(value):
        return None
    text = value.replace(" ", "").replace("\u202f", "")
    if decimal_comma and "," in text:
        text = text.replace(".", "").replace(",", ".") if text.count(",") == 1 else text
    if not NUMBER.fullmatch(text):
        raise RowRejected("not_a_number", f"{column}: {value!r} is not a number")
    if non_negative and text.startswith("-") and float(text) != 0:
        raise RowRejected("negative_value", f"{column}: {value!r} is negative")
    return text


def boolean(value: str | None, column: str) -> str | None:
    if is_missing(value):
        return None
    text = value.strip().lower()
    if text in ("true", "t", "1", "yes", "y", "oui", "vrai"):
        return "true"
    if text in ("false", "f", "0", "no", "n", "non", "faux"):
        return "false"
    raise RowRejected("not_a_boolean", f"{column}: {value!r} is not true/false")


_DATE_FORMATS = (
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?"), ("y", "m", "d")),
    (re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?: .*)?"), ("d", "m", "y")),
    (re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"), ("y", "m", "d")),
)


def a_date(value: str | None, column: str) -> str | None:
    """ISO dates, dd/mm/yyyy (Algerian and French usage; never mm/dd) and the
    'YYYY-MM-DD HH:MM:SS' of spreadsheet date cells, to 'YYYY-MM-DD'."""
    if is_missing(value):
        return None
    text = value.strip()
    for pattern, order in _DATE_FORMATS:
        match = pattern.fullmatch(text)
        if match:
            parts = dict(zip(order, (int(g) for g in match.groups())))
            try:
                return date(parts["y"], parts["m"], parts["d"]).isoformat()
            except ValueError:
                break
    raise RowRejected("not_a_date", f"{column}: {value!r} is not a date (expected YYYY-MM-DD or DD/MM/YYYY)")


def text_array(values: list[str]) -> str | None:
    """A PostgreSQL text[] literal."""
    if not values:
        return None
    quoted = ['"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values]
    return "{" + ",".join(quoted) + "}"


def json_text(data: dict) -> str | None:
    return json.dumps(data, ensure_ascii=False) if data else None


def spreadsheet_cell_text(value: Any) -> str | None:
    """A cell value from openpyxl as the text a CSV export would show: integral floats
    without '.0' (1.5e14 -> '150000000000000'), but numbers too large for a double's 15-16
    exact digits keep their exponent so that an identifier typer can tell digits were lost."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if (value.hour, value.minute, value.second) != (0, 0, 0) \
            else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


RowTyper = Callable[[list], tuple]
