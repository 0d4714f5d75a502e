"""Trade files: UN Comtrade (CSV and JSON with the API's column names), CEPII BACI and its
country codes, the national format. HS codes stay text; bad rows go to quarantine with
their line and raw text; good rows are merged by natural key."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from ingest_files import (BACI, BACI_COUNTRIES, COMTRADE_RECORDS, NATIONAL, comtrade_csv, comtrade_json,
                          comtrade_record, query, scalar, write_text)

pytestmark = pytest.mark.postgres


def quarantined(url: str) -> list[tuple]:
    return query(url, "select line_number, reason, raw_line from quarantine.trade_rows order by line_number")


@pytest.mark.parametrize("maker", [comtrade_json, comtrade_csv], ids=["json", "csv"])
def test_comtrade_records_load_with_hs_codes_as_text(load, tmp_path, maker):
    path = maker(tmp_path / f"dza_2022.{maker.__name__.split('_')[1]}")
    result = load(path, "trade")
    assert result.format == f"comtrade-{path.suffix[1:]}"
    assert (result.rows_in, result.rows_loaded, result.rows_rejected) == (5, 5, 0)
    rows = {r[0]: r[1:] for r in query(load.url, """
        select cmd_code, flow_code, partner_iso, primary_value, net_wgt, partner2_iso, is_leaf, ref_month
        from raw.trade_comtrade_records""")}
    assert set(rows) == {"2709", "2711", "8703", "0402", "TOTAL"}
    assert rows["0402"][:3] == ("M", "FRA", Decimal("120500000.0"))
    assert rows["2711"][2] == Decimal("7250000000.5") and rows["2711"][3] is None
    assert rows["TOTAL"][1] == "W00" and rows["0402"][4:] == ("W00", False, 52)


def test_comtrade_csv_bad_rows_keep_their_raw_line(load, tmp_path):
    bad = [
        "C,A,20220101,2022,52,2022,12,DZA,Algeria,X,Export,380,ITA,Italy,0,W00,World,H6,HS,True,402,x,4,True,"
        "C00,TOTAL CPC,0,0,TOTAL MOT,8,kg,,False,-1,N/A,,False,,False,,False,,5.0,5.0,0,True,False",
        "C,A,20220101,2022,52,2022,12,DZA,Algeria,X,Export,380,ITA,Italy,0,W00,World,H6,HS,True,2709,x,4,True,"
        "C00,TOTAL CPC,0,0,TOTAL MOT,8,kg,,False,-1,N/A,,False,,False,,False,,5.0,-5.0,0,True,False",
    ]
    result = load(comtrade_csv(tmp_path / "c.csv", extra_lines=bad), "trade")
    assert (result.rows_in, result.rows_loaded, result.rows_rejected) == (7, 5, 2)
    assert result.rejected_by_reason == {"invalid_hs_code": 1, "negative_value": 1}
    rejected = quarantined(load.url)
    assert [(r[0], r[1]) for r in rejected] == [(7, "invalid_hs_code"), (8, "negative_value")]
    assert [r[2] for r in rejected] == bad


def test_comtrade_json_rejections_carry_the_record(load, tmp_path):
    records = COMTRADE_RECORDS + [dict(comtrade_record(2022, "X", "ITA", 380, "2709", 1.0), reporterISO=None)]
    result = load(comtrade_json(tmp_path / "c.json", records), "trade")
    assert (result.rows_loaded, result.rows_rejected) == (5, 1)
    (line, reason, raw), = quarantined(load.url)
    assert (line, reason) == (6, "missing_value") and json.loads(raw)["reporterISO"] is None


def test_baci_with_its_country_codes(load, tmp_path):
    flows = load(write_text(tmp_path / "BACI_HS17_Y2022_V202401.csv", BACI), "trade")
    assert flows.format == "baci-csv"
    assert (flows.rows_in, flows.rows_loaded, flows.rows_rejected) == (7, 4, 3)
    rows = query(load.url, "select hs_revision, baci_release, exporter_code, importer_code, product_code, "
                           "value_kusd, quantity_tonnes from raw.trade_baci_flows order by product_code")
    assert rows[0] == ("HS17", "V202401", 12, 251, "010121", Decimal("12.5"), Decimal("3.2"))
    assert rows[-1][4:] == ("271111", Decimal("7250010.5"), None)  # q 'NA' is no quantity
    assert [r[:2] for r in quarantined(load.url)] == [(6, "invalid_hs_code"), (7, "duplicate_key"),
                                                      (8, "not_an_integer")]
    assert quarantined(load.url)[1][2] == "2022,12,251,270900,1.0,1.0"
    padded = query(load.url, "select kind, detail from ingest.findings")
    assert padded[0][0] == "hs_code_zero_padded" and "'10121'" in padded[0][1]

    countries = load(write_text(tmp_path / "country_codes_V202401.csv", BACI_COUNTRIES), "trade")
    assert countries.format == "baci_countries-csv" and countries.rows_loaded == 3
    names = query(load.url, """select c.iso3, sum(f.value_kusd) from raw.trade_baci_flows f
                               join raw.trade_baci_countries c on c.country_code = f.importer_code
                               group by 1 order by 1""")
    assert names == [("DZA", Decimal("980.25")), ("FRA", Decimal("2150444.618")), ("ITA", Decimal("7250010.5"))]


def test_national_format(load, tmp_path):
    result = load(write_text(tmp_path / "douanes_2023.csv", NATIONAL, "cp1252"), "trade")
    assert result.format == "national-csv"
    assert (result.rows_in, result.rows_loaded, result.rows_rejected) == (5, 3, 2)
    rows = query(load.url, "select year, month, flow_code, partner_iso3, hs_code, value_dzd, value_usd, "
                           "net_weight_kg from raw.trade_national_flows order by hs_code")
    assert rows[0] == (2023, 1, "M", "FRA", "04021000", Decimal("3500000000"), Decimal("25900000"),
                       Decimal("1200000"))
    assert rows[1][:5] == (2023, 1, "X", "ITA", "2709000000") and rows[1][5] == Decimal("150000000000.50")
    assert rows[2][1] == 0  # month 0: the whole year
    assert [r[:2] for r in quarantined(load.url)] == [(5, "out_of_range"), (6, "invalid_country_code")]


def test_forced_format_must_fit(load, tmp_path):
    result = load(comtrade_json(tmp_path / "c.json"), "trade", format="baci")
    assert (result.status, result.reason) == ("rejected", "missing_columns")
    assert scalar(load.url, "select count(*) from raw.trade_comtrade_records") == 0


def test_a_workbook_sheet_of_another_layout_is_skipped_not_misread(load, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    flows = book.active
    flows.title = "BACI"
    flows.append(["t", "i", "j", "k", "v", "q"])
    flows.append([2022, 12, 251, "270900", 10.5, 2.0])
    countries = book.create_sheet("Pays")
    countries.append(["country_code", "country_name", "country_iso3"])
    countries.append([12, "Algeria", "DZA"])
    book.save(tmp_path / "BACI_HS17_Y2022_V202401.xlsx")
    result = load(tmp_path / "BACI_HS17_Y2022_V202401.xlsx", "trade")
    assert (result.format, result.rows_in, result.rows_loaded) == ("baci-xlsx", 1, 1)
    assert query(load.url, "select kind, sheet from ingest.findings") == [("sheet_skipped", "Pays")]


def test_each_trade_suite_passes_on_its_loaded_batch(load, tmp_path):
    from expectations.runner import validate_batch

    files = {"trade_comtrade_records": comtrade_json(tmp_path / "c.json"),
             "trade_baci_flows": write_text(tmp_path / "BACI_HS17_Y2022_V202401.csv", BACI),
             "trade_national_flows": write_text(tmp_path / "douanes.csv", NATIONAL, "cp1252")}
    for suite, path in files.items():
        result = load(path, "trade")
        assert result.suites == [suite]
        outcome = validate_batch(suite, result.batch_id, load.url)
        assert outcome.success and outcome.warning_failures == 0, outcome.summary()
        assert outcome.rows_checked == result.rows_loaded
