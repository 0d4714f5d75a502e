"""Sniffing, readers and format choice (pure: files on disk, no database)."""

from __future__ import annotations

import codecs
import io
import json

import pytest

from ingest.formats import open_file, parse_format
from ingest.formats.base import Rejection, UnreadableFile
from ingest.formats.readers import iter_json_records
from ingest.formats.sniff import detect_delimiter, detect_encoding, sniff

from ingest_files import (BACI, BACI_COUNTRIES, DZA_AGGREGATES, INCUBATORS, NATIONAL, REGISTRY_ARABIC_CP1256,
                    REGISTRY_FRENCH, comtrade_csv, comtrade_json, registry_workbook, write_text)


# -- encodings ---------------------------------------------------------------------------
@pytest.mark.parametrize(("data", "expected"), [
    ("Raison sociale;Wilaya\nSétif;19\n".encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + "NIF;Wilaya\n000216;Alger\n".encode("utf-8"), "utf-8-sig"),
    ("الاسم;الولاية\nمطاحن الهضاب;سطيف\n".encode("cp1256"), "cp1256"),
    ("Raison sociale;Wilaya\nSOCIÉTÉ SÉTIF;Sétif\n".encode("latin-1"), "cp1252"),
    ("nom;valeur\ncafé;1\n".encode("latin-1") + b"\x81", "latin-1"),
    ("NIF\tWilaya\n1\tAlger\n".encode("utf-16"), "utf-16"),
    ("NIF\tWilaya\n1\tAlger\n".encode("utf-16-le"), "utf-16-le"),
])
def test_encoding_is_detected_from_the_bytes(data, expected):
    assert detect_encoding(data, complete=True)[0] == expected


def test_latin1_capitals_are_not_mistaken_for_arabic():
    # In windows-1256, É (0xC9) is an Arabic letter: 'SةTIF'. Mixed words mean latin-1.
    data = "WILAYA;RAISON SOCIALE\nSÉTIF;ÉLECTRO ÉTUDES\nBÉJAÏA;MÉCA\n".encode("latin-1")
    assert detect_encoding(data, complete=True)[0] in ("cp1252", "latin-1")


def test_truncated_utf8_sample_is_still_utf8():
    data = "Raison sociale;Wilaya\nSétif;19\n".encode("utf-8")
    cut = data[: data.index("é".encode()) + 1]  # ends inside the two bytes of é
    assert detect_encoding(cut, complete=False)[0] == "utf-8"


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "empty_file"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "binary_file"),
    (bytes(range(256)) * 16, "binary_file"),
    (b"%PDF-1.7\n", "binary_file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "binary_file"),
    (b"PK\x03\x04" + b"\x00" * 64, "unsupported_archive"),
])
def test_unreadable_content_is_named(data, reason):
    with pytest.raises(UnreadableFile) as caught:
        sniff(data, len(data), [] if data.startswith(b"PK") else None)
    assert caught.value.reason == reason


def test_container_comes_from_content():
    assert sniff(b'{"data": []}', 12).container == "json"
    assert sniff(b"a,b\n1,2\n", 8).container == "csv"
    assert sniff(b"PK\x03\x04...", 100, ["xl/workbook.xml"]).container == "xlsx"


@pytest.mark.parametrize(("text", "delimiter"), [
    ("a,b,c\n1,2,3\n", ","),
    ("a;b;c\n1;2,5;3\n4;5,5;6\n", ";"),
    ("a\tb\tc\n1\t2\t3\n", "\t"),
    ("a|b|c\n1|2|3\n", "|"),
    ('name,address,code\nx,"12, rue A\nAlger",16\ny,"3, rue B",09\n', ","),
])
def test_delimiter(text, delimiter):
    assert detect_delimiter(text) == delimiter


# -- delimited files ---------------------------------------------------------------------
def test_quoted_newline_keeps_physical_line_numbers(tmp_path):
    path = write_text(tmp_path / "r.csv", REGISTRY_ARABIC_CP1256, "cp1256")
    opened = open_file(path, "registry")
    assert opened.format == "registry-csv"
    assert opened.options["encoding"] == "cp1256" and opened.options["delimiter"] == ";"
    table = next(opened.tables)
    records = list(table.records)
    assert [r.line_number for r in records] == [2, 3, 5]
    assert records[1].cells[5] == "حي 500 مسكن\nعين السمارة"
    assert records[0].cells[0] == "مطاحن الهضاب"


def test_title_lines_above_the_header_are_skipped_and_counted(tmp_path):
    text = "Liste des entreprises - 2024\n\nsource: CNRC\n" + REGISTRY_FRENCH
    opened = open_file(write_text(tmp_path / "r.tsv", text, "latin-1"), "registry")
    table = next(opened.tables)
    assert table.header_line == 4 and table.skipped_above_header == 2  # the blank line is no record
    assert [r.line_number for r in table.records] == [5, 6]


def test_ragged_rows_are_rejected_with_their_line(tmp_path):
    text = "t,i,j,k,v,q\n2022,12,251,270900,1.5,2\n2022,12,251\n2022,12,251,270900,1.5,2,,\n\n,,,,,\n"
    table = next(open_file(write_text(tmp_path / "b.csv", text), "trade").tables)
    items = list(table.records)
    assert len(items) == 3  # the blank line and the row of empty cells are not records
    assert isinstance(items[1], Rejection) and items[1].reason == "wrong_field_count"
    assert items[1].line_number == 3
    assert items[2].cells == ["2022", "12", "251", "270900", "1.5", "2"]  # trailing empty cells tolerated


def test_invalid_bytes_in_a_utf8_file_reject_only_their_row(tmp_path):
    # Valid UTF-8 for more than the sniffed sample, then two bytes that are not.
    data = ("t,i,j,k,v,q\n" + "2022,12,251,270900,1.5,2\n" * 12000).encode() + b"2022,12,\xff\xfe,270900,1,2\n"
    path = tmp_path / "b.csv"
    path.write_bytes(data)
    items = list(next(open_file(path, "trade").tables).records)
    assert isinstance(items[-1], Rejection) and items[-1].reason == "invalid_encoding"
    assert items[-1].line_number == 12002


# -- spreadsheets ------------------------------------------------------------------------
def test_workbook_header_not_on_first_row_merged_cells_and_several_sheets(tmp_path):
    opened = open_file(registry_workbook(tmp_path / "r.xlsx"), "registry")
    assert opened.format == "registry-xlsx"
    assert opened.skipped_sheets == ["Notes"]
    first, second = list(opened.tables)
    assert (first.sheet, first.header_line) == ("Entreprises", 4)
    # 'Raison sociale' and 'Wilaya' are merged over both header rows; the group label
    # 'Identifiants' over NIS/NIF/RC does not hide the labels under it.
    assert first.header == ["Raison sociale", "NIS", "NIF", "N° RC", "Wilaya", "Code wilaya", "Effectif",
                            "Date de création"]
    records = list(first.records)
    assert [r.line_number for r in records] == [5, 6, 7, 9]
    assert records[0].cells[2] == "216001234567890"  # a number cell, without '.0'
    assert records[1].cells[6] == "45" and records[1].formulas == ((6, "=40+5"),)
    assert isinstance(records[2], Rejection) and records[2].reason == "formula_without_value"
    assert "=10+5" in records[2].raw
    assert (second.sheet, second.header_line) == ("Membres", 1)


def test_xlsx_renamed_csv_is_read_as_xlsx(tmp_path):
    path = registry_workbook(tmp_path / "r.xlsx").rename(tmp_path / "export.csv")
    assert open_file(path, "registry").format == "registry-xlsx"
    with pytest.raises(UnreadableFile) as caught:
        open_file(path, "registry", "csv")
    assert caught.value.reason == "format_mismatch"


# -- JSON --------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    '[{"a": 1}, {"a": 2}]',
    '{"elapsedTime": "0.1 secs", "count": 2, "data": [{"a": 1}, {"a": 2}], "error": ""}',
    '{"validation": {"status": "ok"}, "dataset": [{"a": 1}, {"a": 2}]}',
    '{"data" : [ {"a" : 1} ,\n {"a":2} ] }',
])
def test_json_records_stream(text):
    assert [r["a"] for r in iter_json_records(io.StringIO(text))] == [1, 2]


def test_json_records_stream_across_chunks():
    records = [{"cmdCode": f"{n:06d}", "primaryValue": n * 1.5, "desc": "é" * (n % 50)} for n in range(30000)]
    text = json.dumps({"count": len(records), "data": records, "error": ""})
    assert len(text) > 2 * (1 << 20)
    assert list(iter_json_records(io.StringIO(text))) == records


@pytest.mark.parametrize(("text", "reason"), [
    ('{"count": 0, "error": "Invalid period", "data": []}', "api_error"),
    ('{"count": 0}', "no_records"),
    ('[{"a": 1}, {"a": ]', "invalid_json"),
    ('[1, 2]', "invalid_json"),
])
def test_bad_json_is_unreadable(text, reason):
    with pytest.raises(UnreadableFile) as caught:
        list(iter_json_records(io.StringIO(text)))
    assert caught.value.reason == reason


# -- layouts -----------------------------------------------------------------------------
@pytest.mark.parametrize(("maker", "expected"), [
    (lambda p: write_text(p / "BACI_HS17_Y2022_V202401.csv", BACI), "baci-csv"),
    (lambda p: write_text(p / "country_codes_V202401.csv", BACI_COUNTRIES), "baci_countries-csv"),
    (lambda p: write_text(p / "douanes.csv", NATIONAL, "cp1252"), "national-csv"),
    (lambda p: comtrade_csv(p / "comtrade.csv"), "comtrade-csv"),
    (lambda p: comtrade_json(p / "comtrade.json"), "comtrade-json"),
    (lambda p: DZA_AGGREGATES, "aggregates-csv"),
])
def test_trade_layout_is_recognised_from_the_header(tmp_path, maker, expected):
    assert open_file(maker(tmp_path), "trade").format == expected


def test_registry_file_as_trade_is_unknown(tmp_path):
    with pytest.raises(UnreadableFile) as caught:
        open_file(INCUBATORS, "trade")
    assert caught.value.reason == "no_header"
    # A header that maps some columns of several layouts but all of none.
    with pytest.raises(UnreadableFile) as caught:
        open_file(write_text(tmp_path / "x.csv", "year,cmdCode,k\n2022,27,270900\n"), "trade")
    assert caught.value.reason == "unknown_layout"


def test_missing_required_columns_reject_the_file(tmp_path):
    path = write_text(tmp_path / "b.csv", "t,i,j,k,q\n2022,12,251,270900,1\n")
    with pytest.raises(UnreadableFile) as caught:
        open_file(path, "trade", "baci")
    assert caught.value.reason == "missing_columns" and "value_kusd" in caught.value.detail


@pytest.mark.parametrize(("dataset", "given", "expected"), [
    ("trade", "baci", ("baci", None)),
    ("trade", "comtrade-json", ("comtrade", "json")),
    ("trade", "baci_countries", ("baci_countries", None)),
    ("registry", "xlsx", ("registry", "xlsx")),
    ("registry", "registry-csv", ("registry", "csv")),
    ("trade", None, (None, None)),
])
def test_parse_format(dataset, given, expected):
    assert parse_format(dataset, given) == expected


def test_unknown_format_is_an_error_listing_the_known_ones():
    with pytest.raises(ValueError, match="baci-csv"):
        parse_format("trade", "parquet")
