"""Checks on marts.fct_article_publications after each dbt build (the whole table).

dbt tests own its keys and relationships (STYLE C13); this suite owns volume, value
ranges and distribution. The batch id is the transform run (`transform_warehouse:<run>`).

| check | severity |
|---|---|
| language in {ar, fr, other} (the mart's contract) | error |
| body_word_count ≥ 0; canonical_url an http(s) URL | error |
| at least 90 % of articles in Arabic or French | warning |
| published_at not in the future; published_date not before 1990 | warning |
| row count within 0.5-5 x the median of the last 10 validations | warning |
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

SUITE_NAME = "marts__fct_article_publications"
DATASET = "fct_article_publications"
RELATION = "marts.fct_article_publications"
BATCH_COLUMN = None  # the whole table, rebuilt by each transform run
KEY_COLUMNS = ["article_id"]
COLUMNS = ["article_id", "source_id", "language", "published_at", "published_date", "title",
           "canonical_url", "body_word_count"]


def build_suite(now: datetime | None = None):
    import great_expectations as gx
    import great_expectations.expectations as gxe

    from expectations import checks

    now = now or datetime.now(timezone.utc)
    error, warning = {"severity": "error"}, {"severity": "warning"}
    suite = gx.ExpectationSuite(name=SUITE_NAME)
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="language", value_set=["ar", "fr", "other"],
                                                          meta=error))
    for expectation in checks.non_negative("body_word_count") + checks.urls("canonical_url"):
        suite.add_expectation(expectation)
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(
        column="language", value_set=["ar", "fr"], mostly=0.9, meta={**warning, "check": "algerian_language"}))
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(
        column="published_at", max_value=now + timedelta(hours=2), meta={**warning, "check": "not_in_future"}))
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(
        column="published_date", min_value=datetime(1990, 1, 1), meta={**warning, "check": "plausibly_old"}))
    return suite
