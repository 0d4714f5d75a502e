"""Typing rows (pure): what is kept, what is rejected and why, what is a finding."""

from __future__ import annotations

import pytest

from ingest.formats.base import RowRejected, a_date, integer, map_header, number, spreadsheet_cell_text
from ingest.formats.layouts import LAYOUTS, Context, company_key, hs_code, identifier


def typer(layout: str, header: list[str], **context):
    return LAYOUTS[layout].compile(map_header(header, layout), header, Context(file_name="f.csv", **context))


# -- cells -------------------------------------------------------------------------------
@pytest.mark.parametrize(("given", "expected"), [
    ("000216001234567", "000216001234567"),        # leading zeros kept: text, not a number
    ("0002 1600 1234 567", "000216001234567"),
    ("000.216.001.234.567", "000216001234567"),
    ("00021600123456789012", "00021600123456789012"),  # 20 digits
])
def test_identifiers_stay_text(given, expected):
    assert identifier(given, "nif") == expected


@pytest.mark.parametrize(("given", "hint"), [
    ("21600123456", "leading zeros lost"),           # 11 digits
    ("A0021600123456", "not made of digits"),
    ("2.16001234567891e+19", "digits are lost"),      # a spreadsheet number cell
    ("000216001234567890123", "expected 15 to 20"),
])
def test_bad_identifiers_are_rejected_with_a_hint(given, hint):
    with pytest.raises(RowRejected) as caught:
        identifier(given, "nif")
    assert caught.value.reason == "invalid_identifier" and hint in caught.value.detail


def test_numbers_dates_integers():
    assert number("1 234,5", "v", decimal_comma=True) == "1234.5"
    assert number("4.43e+10", "v") == "4.43e+10"
    assert number("NA", "v") is None and number("", "v") is None
    with pytest.raises(RowRejected, match="negative"):
        number("-3", "v", non_negative=True)
    with pytest.raises(RowRejected, match="not a number"):
        number("12 kg", "v")
    assert a_date("15/03/2011", "d") == "2011-03-15" and a_date("2016-09-01", "d") == "2016-09-01"
    assert a_date("2009-05-04 00:00:00", "d") == "2009-05-04"
    with pytest.raises(RowRejected, match="not a date"):
        a_date("31/02/2020", "d")
    assert integer("45.0", "n") == "45"
    with pytest.raises(RowRejected):
        integer("4.5", "n")


def test_spreadsheet_numbers_keep_their_digits_or_say_they_lost_them():
    assert spreadsheet_cell_text(216001234567890.0) == "216001234567890"
    assert "e+" in spreadsheet_cell_text(21600123456789012345.0)
    assert spreadsheet_cell_text(36.7135242) == "36.7135242"


@pytest.mark.parametrize(("given", "expected"), [("0402", "0402"), ("27", "27"), ("270900", "270900"),
                                                 ("2709.00", "270900"), ("TOTAL", "TOTAL")])
def test_hs_codes_are_text(given, expected):
    assert hs_code(given, "cmd", allow_total=True) == expected


def test_hs_code_of_odd_length_says_a_zero_was_lost():
    with pytest.raises(RowRejected, match="leading zero"):
        hs_code("402", "cmd")


# -- registry ----------------------------------------------------------------------------
REGISTRY_HEADER = ["Raison sociale", "NIF", "NIS", "Wilaya", "code_wil", "adresse", "email", "lat", "lon",
                   "Clusters", "num_inscription"]


def test_registry_row_typed_with_its_key_and_memberships():
    type_row = typer("registry", REGISTRY_HEADER)
    row, side, findings = type_row(["SARL Précision", "٠٠٠٢١٦٠٠١٢٣٤٥٦٧", "", "Alger", "16", "Rouiba",
                                    "info@precision.dz", "36.71", "3.2", "Cluster Mécanique ; Cluster Numérique",
                                    "1557"])
    columns = dict(zip(LAYOUTS["registry"].main.columns, row))
    assert columns["company_key"] == "nif:000216001234567"
    assert columns["nif"] == "000216001234567" and columns["wilaya_code"] == "16"
    assert columns["cluster_memberships"] == '{"Cluster Mécanique","Cluster Numérique"}'
    assert columns["extra"] == '{"num_inscription": "1557"}'
    assert side == [("nif:000216001234567", "Cluster Mécanique"), ("nif:000216001234567", "Cluster Numérique")]
    assert findings is None


def test_blida_coded_8_is_a_finding_not_a_correction():
    type_row = typer("registry", REGISTRY_HEADER)
    row, _, findings = type_row(["Crearena", "", "", "Blida", "8", "05, Avenue Kritli Mokhtar 09001 Blida",
                                 "", "36.47", "2.83", "", ""])
    assert dict(zip(LAYOUTS["registry"].main.columns, row))["wilaya_code"] == "08"  # as given
    (finding,) = findings
    assert finding.kind == "wilaya_mismatch" and finding.field == "wilaya_code" and finding.value == "8"
    assert "Béchar (08)" in finding.detail and "Blida (09)" in finding.detail


def test_ocr_email_and_coordinates_outside_algeria_are_findings():
    type_row = typer("registry", REGISTRY_HEADER)
    _, _, findings = type_row(["ALOUANI", "", "", "Alger", "16", "", "alouani_audit@yaho o.fr", "3.23", "36.73",
                               "", ""])
    kinds = {f.kind: f for f in findings}
    assert "alouani_audit@yahoo.fr" in kinds["email_with_space"].detail
    assert "swapped" in kinds["coordinates_outside_algeria"].detail


@pytest.mark.parametrize(("cells", "reason"), [
    (["", "", "", "Alger", "16", "", "", "", "", "", ""], "missing_key"),
    (["X", "", "", "Alger", "99", "", "", "", "", "", ""], "invalid_wilaya_code"),
    (["X", "12345", "", "Alger", "16", "", "", "", "", "", ""], "invalid_identifier"),
    (["X", "", "", "Alger", "16", "", "", "north", "3.0", "", ""], "not_a_number"),
    (["X", "", "", "Alger", "16", "", "", "95.0", "3.0", "", ""], "out_of_range"),
])
def test_registry_rejections(cells, reason):
    with pytest.raises(RowRejected) as caught:
        typer("registry", REGISTRY_HEADER)(cells)
    assert caught.value.reason == reason


def test_company_key_without_identifiers_is_stable_across_spellings():
    assert company_key(None, None, None, "Tsart Ooredoo", "16", "Ouled Fayet, Alger") == \
        company_key(None, None, None, "TSART  OOREDOO", "16", "Ouled-Fayet,  Alger")
    assert company_key(None, None, None, "Tsart Ooredoo", "16", "Ouled Fayet, Alger") != \
        company_key(None, None, None, "Tsart Ooredoo", "23", "Annaba")
    assert company_key(None, "000219001234567", "16/00 - 0965432 B 09", "x", None, None) == "nis:000219001234567"
    assert company_key(None, None, "16/00 - 0965432 B 09", "x", None, None) == "rc:16/00-0965432B09"


# -- trade -------------------------------------------------------------------------------
def test_baci_fast_and_careful_paths_agree():
    context = Context(file_name="BACI_HS17_Y2022_V202401.csv")
    type_row = LAYOUTS["baci"].compile(map_header(list("tijkvq"), "baci"), list("tijkvq"), context)
    assert type_row(["2022", "12", "251", "270900", "2150432.118", "3871223.5"])[0] == \
        ("HS17", "2022", "12", "251", "270900", "2150432.118", "3871223.5", "V202401")
    assert type_row(["2022", "12", "381", "271111", "7.5", "           NA"])[0][6] is None
    assert type_row([" 2022", "١٢", "251", "10121", "12.5", "3.2"])[0][:5] == ("HS17", "2022", "12", "251", "010121")
    assert context.counters["hs_code_zero_padded"] == 1
    for bad, reason in ((["2022", "12", "251", "0402", "1", "1"], "invalid_hs_code"),
                        (["1850", "12", "251", "390110", "1", "1"], "out_of_range"),  # quick branch too
                        (["2022", "12", "xx", "390110", "5.5", "1.2"], "not_an_integer"),
                        (["2022", "12", "251", "390110", "-5.5", "1.2"], "negative_value"),
                        (["2022", "12", "251", "390110", "", "1.2"], "missing_value")):
        with pytest.raises(RowRejected) as caught:
            type_row(bad)
        assert caught.value.reason == reason


def test_comtrade_documented_columns_only():
    header = ["refYear", "reporterISO", "partnerISO", "flowCode", "cmdCode", "primaryValue", "netWgt", "qty",
              "qtyUnitAbbr", "classificationCode"]
    row, _, _ = typer("comtrade", header)(["2022", "DZA", "FRA", "M", "0402", "120500000.0", "31000000", "",
                                           "kg", "H6"])
    columns = dict(zip(LAYOUTS["comtrade"].main.columns, row))
    assert (columns["type_code"], columns["freq_code"], columns["period"]) == ("C", "A", "2022")
    assert (columns["partner2_iso"], columns["customs_code"], columns["mos_code"], columns["mot_code"]) == \
        ("W00", "C00", "0", "0")
    assert columns["cmd_code"] == "0402" and columns["primary_value"] == "120500000.0"


def test_national_flows_in_words_and_decimal_commas():
    header = ["Année", "Mois", "Flux", "Pays ISO3", "Code SH", "Valeur DA", "Valeur USD", "Poids net kg"]
    type_row = typer("national", header, decimal_comma=True)
    row, _, _ = type_row(["2023", "", "Exportation", "ita", "2709000000", "150 000 000 000,50", "", ""])
    assert row[:7] == ("2023", "0", "X", "ITA", "2709000000", "150000000000.50", None)
    with pytest.raises(RowRejected, match="neither an export"):
        type_row(["2023", "1", "Transit", "ITA", "2709", "1", "1", "1"])


def test_an_arabic_name_under_a_latin_header_goes_to_name_ar_and_unnamed_columns_are_kept():
    header = ["Nom", "Wilaya", ""]
    row, _, _ = typer("registry", header)(["مطاحن الهضاب", "Sétif", "note manuscrite"])
    columns = dict(zip(LAYOUTS["registry"].main.columns, row))
    assert (columns["name_fr"], columns["name_ar"]) == (None, "مطاحن الهضاب")
    assert columns["extra"] == '{"column 3": "note manuscrite"}'
    findings = LAYOUTS["registry"].file_findings(map_header(header, "registry"), header, "")
    assert findings == []  # an unnamed column is not reported as an unknown header
