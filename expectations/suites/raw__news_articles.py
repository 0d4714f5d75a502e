"""Checks on one scrape batch of raw.news_articles (rows whose `_batch_id` is the run)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

SUITE_NAME = "raw__news_articles"
DATASET = "news_articles"
RELATION = "raw.news_articles"
BATCH_COLUMN = "_batch_id"
COLUMNS = [
    "article_id", "source_id", "canonical_url", "url", "language", "title", "body_text",
    "published_at",
]

# Arabic Presentation Forms (A: FB50-FDFF, B: FE70-FEFF) must have been folded by NFKC.
PRESENTATION_FORMS = "[\ufb50-\ufdff\ufe70-\ufeff]"


def build_suite(now: datetime | None = None):
    import great_expectations as gx
    import great_expectations.expectations as gxe

    now = now or datetime.now(timezone.utc)
    error, warning = {"severity": "error"}, {"severity": "warning"}
    suite = gx.ExpectationSuite(name=SUITE_NAME)
    for column in ("article_id", "source_id", "canonical_url", "title", "body_text"):
        suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column=column, meta=error))
    suite.add_expectation(gxe.ExpectColumnValuesToBeUnique(column="canonical_url", meta=error))
    suite.add_expectation(
        gxe.ExpectColumnValuesToMatchRegex(column="canonical_url", regex=r"^https?://[^\s/]+", meta=error)
    )
    # A small clock skew is tolerated; a date days ahead is a parsing error.
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(
        column="published_at", max_value=now + timedelta(hours=2), meta=error))
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="published_at", mostly=0.9, meta=warning))
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="language", value_set=["ar", "fr"], meta=warning))
    suite.add_expectation(gxe.ExpectColumnValueLengthsToBeBetween(column="body_text", min_value=200, meta=warning))
    for column in ("title", "body_text"):
        suite.add_expectation(
            gxe.ExpectColumnValuesToNotMatchRegex(column=column, regex=PRESENTATION_FORMS, meta=warning)
        )
    return suite
