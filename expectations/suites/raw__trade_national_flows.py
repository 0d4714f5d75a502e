"""Checks on one batch of raw.trade_national_flows (the national customs format)."""

from __future__ import annotations

SUITE_NAME = "raw__trade_national_flows"
DATASET = "trade_national_flows"
RELATION = "raw.trade_national_flows"
BATCH_COLUMN = "_batch_id"
COLUMNS = ["year", "month", "flow_code", "partner_iso3", "hs_code", "value_dzd", "value_usd", "net_weight_kg"]


def build_suite():
    import great_expectations as gx
    import great_expectations.expectations as gxe

    error = {"severity": "error"}
    suite = gx.ExpectationSuite(name=SUITE_NAME)
    for column in ("year", "month", "flow_code", "partner_iso3", "hs_code"):
        suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column=column, meta=error))
    # HS chapter, heading or subheading (2/4/6 digits) or national tariff line (8/10).
    suite.add_expectation(gxe.ExpectColumnValuesToMatchRegex(
        column="hs_code", regex=r"^\d{2}(?:\d{2}){0,4}$", meta=error))
    suite.add_expectation(gxe.ExpectColumnValuesToMatchRegex(column="partner_iso3", regex=r"^[A-Z]{3}$", meta=error))
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="flow_code", value_set=["X", "M"], meta=error))
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="month", min_value=0, max_value=12, meta=error))
    for column in ("value_dzd", "value_usd", "net_weight_kg"):
        suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, meta=error))
    return suite
