"""The registry and trade staging models built by dbt on loaded files (real samples and
the generated trade files), with their tests: what analysts get from the ingest."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clusterwatch import transform

from ingest_files import (ACCOUNTANTS, BACI, BACI_COUNTRIES, DZA_AGGREGATES, INCUBATORS, NATIONAL, comtrade_json,
                          query, write_text)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_staging_views_over_loaded_batches(load, tmp_path):
    for path, dataset in ((ACCOUNTANTS, "registry"), (INCUBATORS, "registry"), (DZA_AGGREGATES, "trade"),
                          (comtrade_json(tmp_path / "c.json"), "trade"),
                          (write_text(tmp_path / "BACI_HS17_Y2022_V202401.csv", BACI), "trade"),
                          (write_text(tmp_path / "country_codes_V202401.csv", BACI_COUNTRIES), "trade"),
                          (write_text(tmp_path / "douanes.csv", NATIONAL, "cp1252"), "trade")):
        assert load(path, dataset).status == "loaded"
    result = transform.build(load.url, select=["staging.registry", "staging.trade", "wilayas"],
                             target_path=tmp_path / "target")
    assert result.success and result.summary()["statuses"].get("fail") is None
    counts = query(load.url, """
        select (select count(*) from staging.stg_registry__companies),
               (select count(*) from staging.stg_registry__cluster_memberships),
               (select count(*) from staging.stg_trade__comtrade_records),
               (select count(*) from staging.stg_trade__baci_flows),
               (select count(*) from staging.stg_trade__baci_countries),
               (select count(*) from staging.stg_trade__national_flows),
               (select count(*) from staging.stg_trade__country_aggregates)""")
    assert counts == [(26, 0, 5, 4, 3, 3, 61)]
    phones = [row[0] for row in query(load.url, "select phone_number from staging.stg_registry__companies "
                                                "where phone_number is not null order by 1")]
    assert phones == ["021631530", "021869711", "026722423"]
    assert query(load.url, "select commodity_code, trade_value_usd from staging.stg_trade__comtrade_records "
                           "where commodity_code = '0402'") == [("0402", Decimal("120500000.0"))]
    # Wilaya codes relate to the seed; Bouira's accountant keeps its (disputed) code 10.
    assert query(load.url, """select w.name_fr from staging.stg_registry__companies c
                              join staging.wilayas w on w.wilaya_id = c.wilaya_code
                              where c.company_name_fr = 'BOUGUER'""") == [("Bouira",)]
