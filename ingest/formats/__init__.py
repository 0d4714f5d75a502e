"""From a path to typed tables: container sniffing, layout choice, header mapping.

    opened = open_file(path, "trade")            # or format="baci", "comtrade-json", "xlsx"
    opened.format                                 # 'baci-csv'
    for table in opened.tables: ...               # Table(sheet, header, records)

A format is `<layout>-<container>`. `--format` may name the whole (`comtrade-json`), the
layout only (`baci`: the container is sniffed) or, for registry files, the container
only (`xlsx`). Content wins over extensions; a `--format` that the content contradicts
is an error, not a guess.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ingest.formats.base import Table, UnreadableFile, header_score, map_header, missing_required
from ingest.formats.layouts import DATASET_LAYOUTS, LAYOUTS, Layout, detect_layout
from ingest.formats.readers import delimited_table, json_table, peek_json_keys, xlsx_tables
from ingest.formats.sniff import SAMPLE_BYTES, sniff

CONTAINERS = ("csv", "xlsx", "json")


@dataclass
class OpenedFile:
    container: str
    layout: Layout
    options: dict
    tables: Iterator[Table]
    skipped_sheets: list[str] = field(default_factory=list)

    @property
    def format(self) -> str:
        return f"{self.layout.name}-{self.container}"


def known_formats(dataset: str) -> list[str]:
    return [f"{layout}-{container}" for layout in DATASET_LAYOUTS[dataset] for container in CONTAINERS]


def parse_format(dataset: str, given: str | None) -> tuple[str | None, str | None]:
    """(layout, container) asked for; None where the file decides."""
    if not given:
        return None, None
    text = given.strip().lower()
    layouts = DATASET_LAYOUTS[dataset]
    if text in CONTAINERS:
        return (layouts[0] if len(layouts) == 1 else None), text
    if text.replace("-", "_") in layouts:
        return text.replace("-", "_"), None
    for layout in layouts:
        for container in CONTAINERS:
            if text.replace("_", "-") == f"{layout}-{container}".replace("_", "-"):
                return layout, container
    raise ValueError(f"unknown {dataset} format {given!r}; one of: "
                     f"{', '.join(known_formats(dataset))} (or a layout / container alone)")


def _scorer(candidates: tuple[str, ...]):
    def score(labels: list) -> int:
        return max(header_score(labels, name) for name in candidates)
    return score


def _choose_layout(dataset: str, wanted: str | None, labels: list[str]) -> Layout:
    if wanted:
        layout = LAYOUTS[wanted]
    else:
        mapped = {name: set(map_header(labels, name).index) for name in DATASET_LAYOUTS[dataset]}
        name = detect_layout(dataset, mapped)
        if name is None:
            raise UnreadableFile("unknown_layout", f"the header {labels[:12]} matches none of the {dataset} "
                                 f"layouts ({', '.join(DATASET_LAYOUTS[dataset])}); give --format")
        layout = LAYOUTS[name]
    problem = missing_required(set(map_header(labels, layout.name).index), layout.name)
    if problem:
        raise UnreadableFile("missing_columns", f"{layout.name}: {problem} (header: {labels[:20]})")
    return layout


def open_file(path: Path, dataset: str, format: str | None = None) -> OpenedFile:
    path = Path(path)
    wanted_layout, wanted_container = parse_format(dataset, format)
    size = path.stat().st_size
    with open(path, "rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    zip_names = None
    if sample.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                zip_names = archive.namelist()
        except zipfile.BadZipFile as exc:
            raise UnreadableFile("unreadable_workbook", f"a damaged zip/XLSX file: {exc}") from exc
    sniffed = sniff(sample, size, zip_names)
    if wanted_container and wanted_container != sniffed.container:
        raise UnreadableFile("format_mismatch", f"--format says {wanted_container} but the content is "
                             f"{sniffed.container} ({sniffed.why or 'sniffed'})")
    candidates = (wanted_layout,) if wanted_layout else DATASET_LAYOUTS[dataset]
    scorer = _scorer(candidates)

    if sniffed.container == "xlsx":
        tables, options, skipped = xlsx_tables(path, scorer)
        first = next(tables)
        layout = _choose_layout(dataset, wanted_layout, first.header)
        options["encoding"] = None

        def all_tables() -> Iterator[Table]:
            yield first
            yield from tables

        return OpenedFile("xlsx", layout, options, all_tables(), skipped)

    if sniffed.container == "json":
        keys = peek_json_keys(path, sniffed.encoding)
        if not keys:
            raise UnreadableFile("no_records", "the JSON file holds no records")
        layout = _choose_layout(dataset, wanted_layout, keys)
        table, options = json_table(path, sniffed.encoding)
        options["encoding_why"] = sniffed.why
        return OpenedFile("json", layout, options, iter([table]))

    table, options = delimited_table(path, sniffed.encoding, scorer)
    options["encoding_why"] = sniffed.why
    layout = _choose_layout(dataset, wanted_layout, table.header)
    return OpenedFile("csv", layout, options, iter([table]))
