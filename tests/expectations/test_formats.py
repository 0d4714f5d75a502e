"""Format rules (expectations/formats.py) and their GX expectations (expectations/checks.py),
on real sample files with real defects and on hand-made edge cases. No database."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from expectations import checks, formats
from expectations.runner import _records, gx_context, run_suite

FIXTURES = Path(__file__).parent / "fixtures"


def validate(frame: pd.DataFrame, expectations: list, key_columns=None) -> list[dict]:
    import great_expectations as gx

    context = gx_context()
    suite = gx.ExpectationSuite(name="format_checks")
    for expectation in expectations:
        suite.add_expectation(expectation)
    return _records(run_suite(context, frame, suite, key_columns), frame, key_columns)


@pytest.mark.parametrize(("value", "expected"), [
    ("000216001234567", True), ("16001234567890", False), ("0002160012345678", False),
    ("00021600123456A", False), (None, False),
])
def test_nis(value, expected):
    assert formats.is_nis(value) is expected


@pytest.mark.parametrize(("value", "expected"), [
    ("000216001234567", True), ("00021600123456789012", True), ("0002160012345678", False), ("", False),
])
def test_nif(value, expected):
    assert formats.is_nif(value) is expected


@pytest.mark.parametrize(("value", "expected"), [
    ("27", True), ("2709", True), ("270900", True), ("0101", True), ("97", True),
    ("7", False), ("270", False), ("77", False), ("7701", False), ("98", False), ("00", False),
    ("27090010", False), ("TOTAL", False),
])
def test_hs_codes(value, expected):
    assert formats.is_hs_code(value) is expected


def test_national_tariff_lines_only_when_asked():
    assert not formats.is_hs_code("2709001000")
    assert formats.is_hs_code("2709001000", national=True)
    assert not formats.is_hs_code("770100", national=True)


def test_iso3_codes():
    assert len(formats.iso3_codes()) == 249  # the officially assigned codes
    assert formats.is_iso3("DZA") and formats.is_iso3("FRA") and formats.is_iso3("TUR")
    for retired_or_not_iso in ("ANT", "ZAR", "XKX", "W00", "dza", "DZ"):
        assert not formats.is_iso3(retired_or_not_iso), retired_or_not_iso


def test_wilaya_versions_follow_the_laws():
    assert formats.wilaya_version_on(date(1990, 5, 1)).max_code == 48
    assert formats.wilaya_version_on(date(2019, 12, 10)).max_code == 48
    assert formats.wilaya_version_on(date(2019, 12, 11)).max_code == 58  # loi 19-12
    assert formats.wilaya_version_on(datetime(2024, 1, 1, 12)).max_code == 58
    newest = formats.wilaya_version_on(date(2027, 1, 1))
    assert newest.max_code == 69 and newest.verified is False  # dates of the 2025-26 reform: unverified
    assert formats.wilaya_version_on(None).max_code == 69
    assert formats.is_wilaya_code("48", date(2010, 1, 1))
    assert not formats.is_wilaya_code("49", date(2010, 1, 1))
    assert formats.is_wilaya_code("49", date(2021, 6, 1))
    assert not formats.is_wilaya_code("60", date(2021, 6, 1))
    assert not formats.is_wilaya_code("9", date(2021, 6, 1))  # codes are two-digit strings
    assert not formats.is_wilaya_code("00")


def test_wilaya_codes_normalise_and_match_names():
    assert formats.normalise_wilaya_code("9") == "09"
    assert formats.normalise_wilaya_code("٠٩") == "09"
    assert formats.normalise_wilaya_code(16.0) == "16"
    assert formats.normalise_wilaya_code("Blida") is None
    assert formats.wilaya_code_for_name("Béjaïa") == formats.wilaya_code_for_name("BEJAIA") == "06"
    assert formats.wilaya_code_for_name("wilaya d'Alger") == "16"
    assert formats.wilaya_code_for_name("Medea") == "26"
    assert formats.wilaya_code_for_name("El Meniaa") == "58"
    assert formats.wilaya_name_matches_code("Hydra", "16") is None  # a commune: not decidable here


def test_real_files_name_code_disagreements_are_found():
    accountants = pd.read_csv(FIXTURES / "transformatek__accountants_moral.csv", dtype=str)
    incubators = pd.read_csv(FIXTURES / "transformatek__coworking-incubators.csv", dtype=str)
    mismatched = [
        (row["num"], row["wilaya"], row["code_wil"])
        for frame in (accountants, incubators) for _, row in frame.iterrows()
        if formats.wilaya_name_matches_code(row["wilaya"], row["code_wil"]) is False
    ]
    # Accountants row 4: an address in Bouira (10) under the name "Alger"; incubators:
    # Blida coded 8 (Béchar's code). Every other row agrees.
    assert mismatched == [("4", "Alger", "10"), ("1", "Blida", "8")]
    assert all(formats.is_inside_algeria(float(r["lat"]), float(r["lon"]))
               for frame in (accountants, incubators) for _, r in frame.iterrows())


def test_gx_wilaya_check_uses_the_map_in_force_at_each_date():
    frame = pd.DataFrame({
        "company_id": ["a", "b", "c", "d", "e", "f"],
        "wilaya_code": ["16", "49", "55", "58", "66", "69"],
        "created_date": pd.to_datetime(["2005-03-01", "2010-01-01", "2021-04-01", None, "2024-02-01",
                                        "2026-06-01"]),
    })
    records = validate(frame, checks.wilaya_codes("wilaya_code", date_column="created_date"), ["company_id"])
    assert [r["expected"].get("row_condition") for r in records] == [
        'created_date < "2019-12-11"',
        'created_date >= "2019-12-11" and created_date < "2026-03-09"',
        '(created_date >= "2026-03-09") or created_date.isnull()',
    ]
    failed = {r["expected"]["row_condition"].split(" ")[1]: r for r in records if not r["success"]}
    # "49" in 2010 (only 48 then) and "66" in 2024 (58 then) are wrong; "69" in 2026 and
    # the undated "58" pass under the newest map.
    assert [row["company_id"] for row in failed["<"]["unexpected_rows"]] == ["b"]
    assert [row["company_id"] for row in failed[">="]["unexpected_rows"]] == ["e"]
    assert len(failed) == 2


def test_gx_format_checks_on_a_trade_like_frame():
    frame = pd.DataFrame({
        "trade_id": ["t1", "t2", "t3", "t4"],
        "hs_code": ["2709", "270900", "7701", "27"],
        "partner_iso3": ["FRA", "ITA", "W00", "XXX"],
        "trade_value_usd": [1.5e9, 0.0, -3.0, 12.0],
        "nis": ["000216001234567", "00021600123456", "000216001234567", "000216001234567"],
        "latitude": [36.7, 3.05, 28.0, 36.0],
        "longitude": [3.05, 36.7, 1.0, 3.0],
    })
    records = validate(frame, checks.hs_codes("hs_code") + checks.iso3("partner_iso3", extra_codes=("W00",))
                       + checks.non_negative("trade_value_usd") + checks.nis("nis")
                       + checks.coordinates_in_algeria("latitude", "longitude"), ["trade_id"])
    failed = {(r["column_name"], r["check"]): [row["trade_id"] for row in r["unexpected_rows"]]
              for r in records if not r["success"]}
    assert failed == {
        ("hs_code", "hs_code_format"): ["t3"],
        ("partner_iso3", "iso3_code"): ["t4"],
        ("trade_value_usd", "non_negative"): ["t3"],
        ("nis", "nis_format"): ["t2"],
        ("latitude", "coordinates_in_algeria"): ["t2"],  # latitude and longitude swapped
        ("longitude", "coordinates_in_algeria"): ["t2"],
    }


def test_presentation_forms():
    assert formats.has_presentation_forms("ﺍﻟﺘﺠﻤﻌﺎﺕ")
    assert not formats.has_presentation_forms("التجمعات الصناعية")
    assert not formats.has_presentation_forms(None)


def test_severity_is_validated():
    with pytest.raises(ValueError, match="severity"):
        checks.nis("nis", severity="fatal")
