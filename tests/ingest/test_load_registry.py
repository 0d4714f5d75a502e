"""Registry files in the shapes partners send: encodings, delimiters, Arabic headers,
quoted newlines, Eastern Arabic digits, workbooks; merged into raw by natural key."""

from __future__ import annotations

import codecs

import pytest

from ingest_files import (REGISTRY_ARABIC, REGISTRY_ARABIC_CP1256, REGISTRY_FRENCH, query, registry_workbook,
                          scalar, write_text)

pytestmark = pytest.mark.postgres


def companies(url: str) -> dict[str, tuple]:
    return {row[0]: row[1:] for row in query(
        url, "select company_key, nif, nis, name_fr, name_ar, wilaya_code, address, employees, "
             "cluster_memberships, creation_date::text, _line_number, _sheet from raw.registry_companies")}


@pytest.mark.parametrize(("text", "encoding"), [
    (REGISTRY_ARABIC, "utf-8"),
    (REGISTRY_ARABIC, "utf-8-sig"),
    (REGISTRY_ARABIC_CP1256, "cp1256"),
])
def test_arabic_registry_in_any_encoding(load, tmp_path, text, encoding):
    result = load(write_text(tmp_path / "membres.csv", text, encoding), "registry")
    assert (result.rows_in, result.rows_loaded, result.rows_rejected) == (3, 2, 1)
    rows = companies(load.url)
    mills = rows["nif:000216001234567"]
    assert mills[1] == "000219001234567" and mills[3] == "مطاحن الهضاب"
    assert mills[4] == "19" and mills[6] == 120  # Eastern Arabic digits normalised
    precision = rows["nif:000316009876543"]
    assert precision[5] == "حي 500 مسكن\nعين السمارة" and precision[9] == 3  # quoted newline; line of its start
    assert precision[7] == ["التجمع الميكانيكي للدقة", "تجمع الرقمنة"]
    (rejected,) = query(load.url, "select line_number, reason, detail, raw_line from quarantine.registry_rows")
    assert rejected[:2] == (5, "invalid_identifier") and "leading zeros" in rejected[2]
    assert rejected[3].startswith("مؤسسة بلا رقم;12345;")
    memberships = query(load.url, "select company_key, cluster_name from raw.registry_cluster_memberships "
                                  "order by 1, 2")
    assert memberships == [("nif:000216001234567", "تجمع الصناعات الغذائية"),
                           ("nif:000316009876543", "التجمع الميكانيكي للدقة"),
                           ("nif:000316009876543", "تجمع الرقمنة")]


def test_french_latin1_tab_separated(load, tmp_path):
    result = load(write_text(tmp_path / "liste.txt", REGISTRY_FRENCH, "latin-1"), "registry")
    assert (result.rows_loaded, result.rows_rejected) == (2, 0)
    rows = companies(load.url)
    assert rows["nif:000419004445556"][2] == "SARL ÉLECTRO SÉTIF"
    assert rows["nif:000419004445556"][8] == "2011-03-15"
    assert rows["nif:000506007778889"][4] == "06"
    assert query(load.url, "select reader_options->>'encoding', reader_options->>'delimiter' from ingest.batches") \
        == [("cp1252", "\t")]


def test_workbook_with_title_rows_merged_header_formulas_and_two_sheets(load, tmp_path):
    result = load(registry_workbook(tmp_path / "cluster.xlsx"), "registry")
    assert result.format == "registry-xlsx"
    # Entreprises: rows 5, 6, 7 (formula without value: rejected), 9; Membres: row 2.
    assert (result.rows_in, result.rows_loaded, result.rows_rejected) == (5, 4, 1)
    rows = companies(load.url)
    rouiba = rows["nif:216001234567890"]
    assert rouiba[1] == "000216001234567" and rouiba[6] == 250 and rouiba[10] == "Entreprises"
    ain_smara = rows["nis:000256005554443"]  # Eastern Arabic digits in a text cell
    assert ain_smara[4] == "25" and ain_smara[6] == 45 and ain_smara[8] == "2015-02-12"
    assert rows["rc:19/00-1234567B12"][2] == "SNC Tôlerie Sétif"
    assert rows["nif:000916003334445"][3:5] == ("شركة الخراطة", None) and rows["nif:000916003334445"][10] == "Membres"
    (rejected,) = query(load.url, "select sheet, line_number, reason, raw_line from quarantine.registry_rows")
    assert rejected[:3] == ("Entreprises", 7, "formula_without_value") and "=10+5" in rejected[3]
    found = query(load.url, "select sheet, line_number, kind, field, value from ingest.findings "
                            "where kind in ('formula_cell', 'sheet_skipped', 'lines_above_header') order by kind")
    assert found == [("Entreprises", 6, "formula_cell", "Effectif", "=40+5"),
                     ("Entreprises", 4, "lines_above_header", None, None),
                     ("Notes", None, "sheet_skipped", None, None)]


def test_duplicate_key_in_a_file_keeps_the_first_and_quarantines_the_rest(load, tmp_path):
    text = ("NIF;Raison sociale;Wilaya\n"
            "000216001234567;SPA Rouiba;Alger\n"
            "000216001234568;SARL B;Oran\n"
            "0002 1600 1234 567;SPA Rouiba (doublon);Alger\n")
    result = load(write_text(tmp_path / "r.csv", text), "registry")
    assert (result.rows_in, result.rows_loaded, result.rows_rejected) == (3, 2, 1)
    assert scalar(load.url, "select name_fr from raw.registry_companies where nif = '000216001234567'") == "SPA Rouiba"
    (rejected,) = query(load.url, "select line_number, reason, detail, raw_line from quarantine.registry_rows")
    assert rejected[:2] == (4, "duplicate_key") and "line 2" in rejected[2]
    assert rejected[3] == "0002 1600 1234 567;SPA Rouiba (doublon);Alger"


def test_a_newer_file_updates_changed_rows_and_leaves_the_others(load, tmp_path):
    first = load(write_text(tmp_path / "v1.csv", "NIF;Raison sociale;Effectif\n"
                                                 "000216001234567;SPA Rouiba;250\n"
                                                 "000216001234568;SARL B;10\n"), "registry")
    second = load(write_text(tmp_path / "v2.csv", "NIF;Raison sociale;Effectif\n"
                                                  "000216001234567;SPA Rouiba;260\n"
                                                  "000216001234568;SARL B;10\n"
                                                  "000216001234569;SARL C;3\n"), "registry")
    assert (second.rows_inserted, second.rows_updated, second.rows_unchanged) == (1, 1, 1)
    rows = dict(query(load.url, "select nif, (employees, _batch_id)::text from raw.registry_companies"))
    assert rows == {"000216001234567": f"(260,{second.batch_id})", "000216001234568": f"(10,{first.batch_id})",
                    "000216001234569": f"(3,{second.batch_id})"}


def test_utf16_tab_export_from_a_spreadsheet(load, tmp_path):
    path = tmp_path / "export.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + REGISTRY_FRENCH.encode("utf-16-le"))
    assert load(path, "registry").rows_loaded == 2
