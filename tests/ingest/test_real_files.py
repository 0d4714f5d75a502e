"""The real sample files (tests/fixtures/ingest, provenance in its README) load, and their
real defects are reported as findings: kept, not silently corrected or dropped."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from ingest_files import ACCOUNTANTS, DZA_AGGREGATES, INCUBATORS, query, scalar

pytestmark = pytest.mark.postgres


def findings(url: str, batch_id: str) -> list[tuple]:
    return query(url, "select line_number, field, kind, value, detail from ingest.findings "
                      "where batch_id = %s order by finding_number", (batch_id,))


def test_accountants_load_with_the_wilaya_and_email_defects_reported(load):
    result = load(ACCOUNTANTS, "registry")
    assert (result.status, result.format) == ("loaded", "registry-csv")
    assert (result.rows_in, result.rows_loaded, result.rows_rejected) == (4, 4, 0)
    found = findings(load.url, result.batch_id)
    by_kind = {kind: (line, field, value, detail) for line, field, kind, value, detail in found}
    # Row 4 (line 5): "... – BOUIRA", wilaya "Alger", code_wil 10.
    line, field, value, detail = by_kind["wilaya_mismatch"]
    assert (line, field, value) == (5, "wilaya_code", "10")
    assert "Bouira (10)" in detail and "Alger (16)" in detail and "address ends with Bouira" in detail
    line, field, value, detail = by_kind["email_with_space"]
    assert (line, value) == (3, "alouani_audit@yaho o.fr") and "alouani_audit@yahoo.fr" in detail
    assert {f[1] for f in found if f[2] == "unmapped_column"} == {"num", "num_inscription", "fax"}
    # Kept as given: the code is not "fixed", the OCR'd e-mail is not rewritten.
    rows = query(load.url, "select wilaya_code, wilaya_name, email, phone, extra from raw.registry_companies "
                           "order by _line_number")
    assert [r[0] for r in rows] == ["16", "16", "16", "10"]
    assert rows[1][2] == "alouani_audit@yaho o.fr"
    assert [r[3] for r in rows] == [None, "0 21 86 97 11", "0 216315 30", "0 26 72 2423"]
    assert rows[0][4] == {"num": "1", "num_inscription": "1557"}


def test_incubators_load_with_blida_coded_8_reported(load):
    result = load(INCUBATORS, "registry")
    assert (result.rows_in, result.rows_loaded, result.rows_rejected) == (22, 22, 0)
    mismatches = [f for f in findings(load.url, result.batch_id) if f[2] == "wilaya_mismatch"]
    assert len(mismatches) == 1
    line, field, kind, value, detail = mismatches[0]
    assert (line, value) == (2, "8")
    assert "Béchar (08)" in detail and "'Blida' is Blida (09)" in detail
    assert scalar(load.url, "select wilaya_code from raw.registry_companies where name_fr = 'Crearena'") == "08"
    # "Tsart Ooredoo" is in Alger and in Annaba: two organisations, two rows.
    assert scalar(load.url, "select count(*) from raw.registry_companies where name_fr = 'Tsart Ooredoo'") == 2


def test_dza_aggregates_load_with_missing_years_and_rounding_reported(load):
    result = load(DZA_AGGREGATES, "trade")
    assert (result.status, result.format) == ("loaded", "aggregates-csv")
    assert (result.rows_in, result.rows_loaded, result.rows_rejected) == (61, 61, 0)
    rows = query(load.url, "select year, country_iso3, total_exports_usd, natural_resource_exports_usd, gdp_usd, "
                           "extra from raw.trade_country_aggregates order by year")
    assert rows[0][:5] == (1962, "DZA", Decimal("788940712"), Decimal("2.06E+8"), Decimal("1.665E+10"))
    assert [r[2] for r in rows[-2:]] == [None, None]  # 2021-2022: no trade values, kept as null
    assert rows[0][5]["idc"] == "69"
    found = findings(load.url, result.batch_id)
    missing = [(f[0], f[1]) for f in found if f[2] == "missing_value"]
    assert missing == [(61, "total_exports,total_imports"), (62, "total_exports,total_imports")]
    rounded = {f[1]: f[4] for f in found if f[2] == "low_precision"}
    assert set(rounded) == {"gdp_usd", "natural_resource_exports_usd", "natural_resource_imports_usd",
                            "natural_resource_net_exports_usd"}
    assert "61 of 61 values of gdp_usd" in rounded["gdp_usd"]
    # The natural-resource share is about 82 % in 2010 and 72 % in 2020 (source README).
    shares = dict(query(load.url, "select year, round(natural_resource_exports_usd / total_exports_usd, 2) "
                                  "from raw.trade_country_aggregates where year in (2010, 2020)"))
    assert shares == {2010: Decimal("0.82"), 2020: Decimal("0.72")}


def test_the_aggregate_file_passes_its_suite_with_a_warning_free_result(load):
    from expectations.runner import validate_batch

    result = load(DZA_AGGREGATES, "trade")
    outcome = validate_batch("trade_country_aggregates", result.batch_id, load.url)
    assert outcome.success and outcome.rows_checked == 61
    json.dumps(outcome.summary())
