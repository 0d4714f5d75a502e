"""Checks on one batch of raw.trade_comtrade_records (UN Comtrade API / CSV records)."""

from __future__ import annotations

from datetime import date

SUITE_NAME = "raw__trade_comtrade_records"
DATASET = "trade_comtrade_records"
RELATION = "raw.trade_comtrade_records"
BATCH_COLUMN = "_batch_id"
COLUMNS = ["ref_year", "reporter_iso", "partner_iso", "flow_code", "classification_code", "cmd_code",
           "primary_value", "net_wgt", "qty"]


def build_suite():
    import great_expectations as gx
    import great_expectations.expectations as gxe

    error, warning = {"severity": "error"}, {"severity": "warning"}
    suite = gx.ExpectationSuite(name=SUITE_NAME)
    for column in ("ref_year", "reporter_iso", "partner_iso", "flow_code", "cmd_code", "primary_value"):
        suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column=column, meta=error))
    # HS codes are text of 2, 4 or 6 digits (leading zero kept), or TOTAL.
    suite.add_expectation(gxe.ExpectColumnValuesToMatchRegex(
        column="cmd_code", regex=r"^(?:TOTAL|\d{2}|\d{4}|\d{6})$", meta=error))
    # ISO 3166 alpha-3, or Comtrade's area codes of the same shape (W00 world, _X areas nes).
    for column in ("reporter_iso", "partner_iso"):
        suite.add_expectation(gxe.ExpectColumnValuesToMatchRegex(
            column=column, regex=r"^[A-Z0-9_]{2,3}$", meta=error))
    for column in ("primary_value", "net_wgt", "qty"):
        suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, meta=error))
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(
        column="ref_year", min_value=1962, max_value=date.today().year, meta=error))
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(
        column="flow_code", value_set=["M", "X", "RM", "RX"], meta=warning))
    suite.add_expectation(gxe.ExpectColumnValuesToMatchRegex(
        column="classification_code", regex=r"^H[S0-9]$", meta=warning))
    return suite
