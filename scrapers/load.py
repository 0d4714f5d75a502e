"""Writes of the scrapers: `raw.news_articles`, `quarantine.news_pages`, `raw.scrape_runs`.

Every write is an upsert on the table's natural key, so running a scrape twice leaves
the same rows as running it once (STYLE C8). The functions execute in the caller's
transaction: the pipeline wraps each page in its own small `conn.transaction()`.
Tables come from `clusterwatch/sql/001_foundation.sql`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import psycopg

from scrapers.extract import Article

UpsertOutcome = Literal["new", "updated", "unchanged"]

_UPSERT_ARTICLE = """
insert into raw.news_articles as existing (
    article_id, source_id, canonical_url, url, language, title, lead, body_text,
    author_name, section, published_at, published_at_source, content_hash, extractor,
    _batch_id, _scraped_at
)
values (
    md5(%(canonical_url)s), %(source_id)s, %(canonical_url)s, %(url)s, %(language)s,
    %(title)s, %(lead)s, %(body_text)s, %(author_name)s, %(section)s, %(published_at)s,
    %(published_at_source)s, %(content_hash)s, %(extractor)s, %(batch_id)s, %(scraped_at)s
)
on conflict (canonical_url) do update set
    url = excluded.url,
    language = excluded.language,
    title = excluded.title,
    lead = excluded.lead,
    body_text = excluded.body_text,
    author_name = excluded.author_name,
    section = excluded.section,
    published_at = excluded.published_at,
    published_at_source = excluded.published_at_source,
    content_hash = excluded.content_hash,
    extractor = excluded.extractor,
    _batch_id = excluded._batch_id,
    _scraped_at = excluded._scraped_at
where existing.content_hash is distinct from excluded.content_hash
returning (xmax = 0) as inserted
"""
# source_id is not updated: the first source that loaded an article keeps it.
# `xmax = 0` holds for a freshly inserted row and not for an updated one; no row comes
# back when the where clause skipped the update (content unchanged, _batch_id kept).


def upsert_article(
    conn: psycopg.Connection,
    article: Article,
    source_id: str,
    scrape_run_id: str,
    scraped_at: datetime,
) -> UpsertOutcome:
    row = conn.execute(
        _UPSERT_ARTICLE,
        {
            "source_id": source_id,
            "canonical_url": article.canonical_url,
            "url": article.url,
            "language": article.language,
            "title": article.title,
            "lead": article.lead,
            "body_text": article.body_text,
            "author_name": article.author_name,
            "section": article.section,
            "published_at": article.published_at,
            "published_at_source": article.published_at_source,
            "content_hash": article.content_hash,
            "extractor": article.extractor,
            "batch_id": scrape_run_id,
            "scraped_at": scraped_at,
        },
    ).fetchone()
    if row is None:
        return "unchanged"
    return "new" if row[0] else "updated"


_QUARANTINE = """
insert into quarantine.news_pages as existing (
    source_id, page_url, content_hash, reason, detail, http_status,
    first_scrape_run_id, last_scrape_run_id, times_seen
)
values (%(source_id)s, %(page_url)s, %(content_hash)s, %(reason)s, %(detail)s, %(http_status)s,
        %(run)s, %(run)s, 1)
on conflict (source_id, page_url, content_hash) do update set
    reason = excluded.reason,
    detail = excluded.detail,
    http_status = excluded.http_status,
    -- a retried task (same run id) must not count the page twice
    times_seen = existing.times_seen
        + case when existing.last_scrape_run_id = excluded.last_scrape_run_id then 0 else 1 end,
    last_scrape_run_id = excluded.last_scrape_run_id
returning times_seen
"""


def quarantine_page(
    conn: psycopg.Connection,
    source_id: str,
    page_url: str,
    content_hash: str,
    reason: str,
    detail: str | None,
    http_status: int | None,
    scrape_run_id: str,
) -> int:
    """Record a page that did not become an article. Returns how many runs have seen it."""
    row = conn.execute(
        _QUARANTINE,
        {
            "source_id": source_id,
            "page_url": page_url,
            "content_hash": content_hash,
            "reason": reason,
            "detail": (detail or "")[:2000] or None,
            "http_status": http_status,
            "run": scrape_run_id,
        },
    ).fetchone()
    return int(row[0])


def start_run(
    conn: psycopg.Connection, scrape_run_id: str, source_id: str, started_at: datetime
) -> None:
    """Open (or reopen, for a retried task) the run's row with zeroed counts."""
    conn.execute(
        """
        insert into raw.scrape_runs (scrape_run_id, source_id, started_at, status)
        values (%s, %s, %s, 'running')
        on conflict (scrape_run_id, source_id) do update set
            started_at = excluded.started_at,
            finished_at = null,
            status = 'running',
            pages_discovered = 0, pages_fetched = 0, articles_new = 0,
            articles_updated = 0, articles_unchanged = 0, pages_rejected = 0,
            error = null
        """,
        (scrape_run_id, source_id, started_at),
    )


RUN_COUNTS = (
    "pages_discovered",
    "pages_fetched",
    "articles_new",
    "articles_updated",
    "articles_unchanged",
    "pages_rejected",
)


def finish_run(
    conn: psycopg.Connection,
    scrape_run_id: str,
    source_id: str,
    *,
    status: str,
    finished_at: datetime,
    counts: dict[str, int],
    error: str | None = None,
    started_at: datetime | None = None,
) -> None:
    """Close the run's row with its counts; an upsert, so it works without start_run too."""
    values = {name: int(counts.get(name, 0)) for name in RUN_COUNTS}
    conn.execute(
        """
        insert into raw.scrape_runs (
            scrape_run_id, source_id, started_at, finished_at, status, pages_discovered,
            pages_fetched, articles_new, articles_updated, articles_unchanged,
            pages_rejected, error
        )
        values (%(run)s, %(source)s, %(started)s, %(finished)s, %(status)s, %(pages_discovered)s,
                %(pages_fetched)s, %(articles_new)s, %(articles_updated)s, %(articles_unchanged)s,
                %(pages_rejected)s, %(error)s)
        on conflict (scrape_run_id, source_id) do update set
            finished_at = excluded.finished_at,
            status = excluded.status,
            pages_discovered = excluded.pages_discovered,
            pages_fetched = excluded.pages_fetched,
            articles_new = excluded.articles_new,
            articles_updated = excluded.articles_updated,
            articles_unchanged = excluded.articles_unchanged,
            pages_rejected = excluded.pages_rejected,
            error = excluded.error
        """,
        {
            "run": scrape_run_id,
            "source": source_id,
            "started": started_at or finished_at,
            "finished": finished_at,
            "status": status,
            "error": error,
            **values,
        },
    )
