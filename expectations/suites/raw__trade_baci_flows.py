"""Checks on one batch of raw.trade_baci_flows (CEPII BACI: t, i, j, k, v, q)."""

from __future__ import annotations

from datetime import date

SUITE_NAME = "raw__trade_baci_flows"
DATASET = "trade_baci_flows"
RELATION = "raw.trade_baci_flows"
BATCH_COLUMN = "_batch_id"
COLUMNS = ["year", "exporter_code", "importer_code", "product_code", "value_kusd", "quantity_tonnes"]


def build_suite():
    import great_expectations as gx
    import great_expectations.expectations as gxe

    error, warning = {"severity": "error"}, {"severity": "warning"}
    suite = gx.ExpectationSuite(name=SUITE_NAME)
    for column in ("year", "exporter_code", "importer_code", "product_code", "value_kusd"):
        suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column=column, meta=error))
    suite.add_expectation(gxe.ExpectColumnValuesToMatchRegex(column="product_code", regex=r"^\d{6}$", meta=error))
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="value_kusd", min_value=0, meta=error))
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="quantity_tonnes", min_value=0, meta=error))
    # BACI starts in 1995.
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(
        column="year", min_value=1995, max_value=date.today().year, meta=error))
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(
        column="exporter_code", min_value=1, max_value=999, meta=warning))
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(
        column="importer_code", min_value=1, max_value=999, meta=warning))
    return suite
