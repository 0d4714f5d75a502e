"""Checks on one batch of raw.trade_country_aggregates (country-year totals)."""

from __future__ import annotations

from datetime import date

SUITE_NAME = "raw__trade_country_aggregates"
DATASET = "trade_country_aggregates"
RELATION = "raw.trade_country_aggregates"
BATCH_COLUMN = "_batch_id"
COLUMNS = ["country_iso3", "year", "total_exports_usd", "total_imports_usd", "population"]


def build_suite():
    import great_expectations as gx
    import great_expectations.expectations as gxe

    error, warning = {"severity": "error"}, {"severity": "warning"}
    suite = gx.ExpectationSuite(name=SUITE_NAME)
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="country_iso3", meta=error))
    suite.add_expectation(gxe.ExpectColumnValuesToMatchRegex(column="country_iso3", regex=r"^[A-Z]{3}$", meta=error))
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(
        column="year", min_value=1950, max_value=date.today().year, meta=error))
    for column in ("total_exports_usd", "total_imports_usd", "population"):
        suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, meta=error))
    # Recent years are often not filled in yet (2021-2022 in the comtrade-mirroring file).
    for column in ("total_exports_usd", "total_imports_usd"):
        suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column=column, mostly=0.9, meta=warning))
    return suite
