"""Checks on marts.fct_scrape_runs_daily after each dbt build (the whole table).

| check | severity |
|---|---|
| counts ≥ 0; rejection_rate in [0, 1]; pages_rejected ≤ pages_fetched | error |
| failed runs ≤ runs | error |
| row count within 0.5-5 x the median of the last 10 validations | warning |
"""

from __future__ import annotations

SUITE_NAME = "marts__fct_scrape_runs_daily"
DATASET = "fct_scrape_runs_daily"
RELATION = "marts.fct_scrape_runs_daily"
BATCH_COLUMN = None
KEY_COLUMNS = ["source_run_date_id"]
COLUMNS = ["source_run_date_id", "source_id", "run_date", "scrape_run_count", "failed_scrape_run_count",
           "pages_fetched", "articles_new", "articles_updated", "pages_rejected", "rejection_rate"]


def build_suite():
    import great_expectations as gx
    import great_expectations.expectations as gxe

    from expectations import checks

    error = {"severity": "error"}
    suite = gx.ExpectationSuite(name=SUITE_NAME)
    for column in ("scrape_run_count", "failed_scrape_run_count", "pages_fetched", "articles_new",
                   "articles_updated", "pages_rejected"):
        for expectation in checks.non_negative(column):
            suite.add_expectation(expectation)
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="rejection_rate", min_value=0, max_value=1,
                                                            meta=error))
    suite.add_expectation(gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A="pages_fetched", column_B="pages_rejected", or_equal=True, meta=error))
    suite.add_expectation(gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A="scrape_run_count", column_B="failed_scrape_run_count", or_equal=True, meta=error))
    return suite
