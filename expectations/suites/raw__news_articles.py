"""Checks on one scrape batch of raw.news_articles (rows whose `_batch_id` is the run).

A scrape batch holds the articles the run inserted or changed; its volume is measured
on what the run *saw* per source (new + updated + unchanged, from raw.scrape_runs), so a
rerun that finds nothing new is not a volume drop.

| check | severity |
|---|---|
| keys not null (article_id, source_id, canonical_url, title, body_text); (source_id, canonical_url) and article_id unique | error |
| canonical and fetched URLs are http(s) URLs with a host | error |
| published_at not in the future (2 h of clock skew tolerated) | error |
| published_at not before 1990 (older means a misread date) | warning |
| published_at present for ≥ 90 % of the batch | warning |
| language in {ar, fr} for Algerian sources (seeds/sources.csv country DZ), detected for ≥ 95 % | warning |
| body_text at least 200 characters | warning |
| duplicate ratio: ≤ 5 % of the batch shares a content_hash with another row | warning |
| title and body free of Arabic Presentation Forms (NFKC skipped) | warning |
| articles seen per source within 0.5-5 x the median of its last 10 successful runs | warning |
"""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone

SUITE_NAME = "raw__news_articles"
DATASET = "news_articles"
RELATION = "raw.news_articles"
BATCH_COLUMN = "_batch_id"
LOADED_AT_COLUMN = "_scraped_at"
KEY_COLUMNS = ["source_id", "canonical_url"]
COLUMNS = [
    "article_id", "source_id", "canonical_url", "url", "language", "title", "body_text",
    "published_at", "content_hash",
]

OLDEST_PLAUSIBLE = datetime(1990, 1, 1, tzinfo=timezone.utc)
CLOCK_SKEW = timedelta(hours=2)
ALGERIAN_LANGUAGES = ["ar", "fr"]
MAX_DUPLICATE_RATIO = 0.05
VOLUME = {"min_ratio": 0.5, "max_ratio": 5.0, "min_history": 3, "history": 10, "severity": "warning"}


def foreign_sources() -> list[str]:
    """Sources whose country is not Algeria (dbt seed `sources`, the one list of
    sources); any other source, listed or not, is held to the Algerian languages."""
    from clusterwatch import settings

    path = settings.DBT_PROJECT_DIR / "seeds" / "sources.csv"
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as handle:
        return sorted(row["source_id"] for row in csv.DictReader(handle) if row.get("country", "DZ") != "DZ")


def build_suite(now: datetime | None = None):
    import great_expectations as gx
    import great_expectations.expectations as gxe

    from expectations import checks

    now = now or datetime.now(timezone.utc)
    error, warning = {"severity": "error"}, {"severity": "warning"}
    suite = gx.ExpectationSuite(name=SUITE_NAME)
    for column in ("article_id", "source_id", "canonical_url", "title", "body_text"):
        suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column=column, meta=error))
    # The natural key is (source_id, canonical_url): two sources may carry one URL.
    suite.add_expectation(gxe.ExpectCompoundColumnsToBeUnique(column_list=["source_id", "canonical_url"],
                                                              meta={**error, "check": "natural_key_unique"}))
    suite.add_expectation(gxe.ExpectColumnValuesToBeUnique(column="article_id", meta=error))
    for expectation in checks.urls("canonical_url") + checks.urls("url"):
        suite.add_expectation(expectation)
    # A small clock skew is tolerated; a date hours ahead is a parsing error.
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(
        column="published_at", max_value=now + CLOCK_SKEW, meta={**error, "check": "not_in_future"}))
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(
        column="published_at", min_value=OLDEST_PLAUSIBLE, meta={**warning, "check": "plausibly_old"}))
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="published_at", mostly=0.9, meta=warning))

    foreign = foreign_sources()
    language_scope = {"row_condition": f"not source_id.isin({foreign!r})", "condition_parser": "pandas"} \
        if foreign else {}
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(
        column="language", value_set=ALGERIAN_LANGUAGES, meta={**warning, "check": "algerian_language"},
        **language_scope))
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(
        column="language", mostly=0.95, meta={**warning, "check": "language_detected"}))
    suite.add_expectation(gxe.ExpectColumnValueLengthsToBeBetween(column="body_text", min_value=200, meta=warning))
    suite.add_expectation(gxe.ExpectColumnValuesToBeUnique(
        column="content_hash", mostly=1 - MAX_DUPLICATE_RATIO, meta={**warning, "check": "duplicate_ratio"}))
    for column in ("title", "body_text"):
        for expectation in checks.no_presentation_forms(column):
            suite.add_expectation(expectation)
    return suite


def latest_batch(conn) -> str | None:
    row = conn.execute(
        """select scrape_run_id from raw.scrape_runs group by 1 order by max(started_at) desc limit 1"""
    ).fetchone()
    if row:
        return row[0]
    row = conn.execute(
        "select _batch_id from raw.news_articles group by 1 order by max(_scraped_at) desc limit 1").fetchone()
    return row[0] if row else None


def volume_profile(conn, batch_id: str, frame, history: int = 10):
    """Per source of the run: articles seen (new + updated + unchanged) against the same
    source's last `history` successful runs. A batch without scrape-run rows (loaded by
    other means) is measured by its row count against earlier batches."""
    from expectations.runner import VolumeGroup, default_volume_profile

    current = conn.execute(
        """select source_id, articles_new + articles_updated + articles_unchanged
           from raw.scrape_runs where scrape_run_id = %s and status = 'succeeded' order by source_id""",
        (batch_id,)).fetchall()
    if not current:
        import sys

        return default_volume_profile(conn, sys.modules[__name__], DATASET, batch_id, frame, history)
    groups = []
    for source_id, seen in current:
        recent = conn.execute(
            """select articles_new + articles_updated + articles_unchanged from raw.scrape_runs
               where source_id = %s and scrape_run_id <> %s and status = 'succeeded'
               order by started_at desc limit %s""", (source_id, batch_id, history)).fetchall()
        groups.append(VolumeGroup(source_id, int(seen), [int(r[0]) for r in recent]))
    return groups
