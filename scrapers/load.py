"""Writes of the scrapers: `raw.news_articles` (+ `raw.news_article_versions`),
`raw.news_pages` (compressed bytes), `raw.fetch_state`, `quarantine.news_pages`,
`raw.scrape_runs`.

Every write is an upsert on the table's natural key, so running a scrape twice leaves
the same rows as running it once (STYLE C8). The functions execute in the caller's
transaction: the pipeline wraps each page in its own small `conn.transaction()`.
Tables come from `clusterwatch/sql/001_foundation.sql` and `002_scraping.sql`.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import psycopg
from psycopg.types.json import Jsonb

from scrapers.extract import Article

UpsertOutcome = Literal["new", "updated", "unchanged"]

_UPSERT_ARTICLE = """
insert into raw.news_articles as existing (
    article_id, source_id, canonical_url, url, kind, language, title, lead, body_text,
    author_name, section, published_at, published_at_source, document_number,
    content_hash, extractor, page_sha256, version, _batch_id, _scraped_at
)
values (
    md5(%(source_id)s || '|' || %(canonical_url)s), %(source_id)s, %(canonical_url)s,
    %(url)s, %(kind)s, %(language)s, %(title)s, %(lead)s, %(body_text)s, %(author_name)s,
    %(section)s, %(published_at)s, %(published_at_source)s, %(document_number)s,
    %(content_hash)s, %(extractor)s, %(page_sha256)s, 1, %(batch_id)s, %(scraped_at)s
)
on conflict (source_id, canonical_url) do update set
    url = excluded.url,
    kind = excluded.kind,
    language = excluded.language,
    title = excluded.title,
    lead = excluded.lead,
    body_text = excluded.body_text,
    author_name = excluded.author_name,
    section = excluded.section,
    published_at = excluded.published_at,
    published_at_source = excluded.published_at_source,
    document_number = excluded.document_number,
    content_hash = excluded.content_hash,
    extractor = excluded.extractor,
    page_sha256 = excluded.page_sha256,
    version = existing.version + 1,
    _batch_id = excluded._batch_id,
    _scraped_at = excluded._scraped_at
where existing.content_hash is distinct from excluded.content_hash
returning article_id, version, (xmax = 0) as inserted
"""
# `xmax = 0` holds for a freshly inserted row and not for an updated one; no row comes
# back when the where clause skipped the update (content unchanged, _batch_id kept).

_INSERT_VERSION = """
insert into raw.news_article_versions (
    article_id, version, source_id, canonical_url, url, kind, language, title, lead,
    body_text, author_name, section, published_at, published_at_source, document_number,
    content_hash, extractor, page_sha256, _batch_id, _scraped_at
)
select
    article_id, version, source_id, canonical_url, url, kind, language, title, lead,
    body_text, author_name, section, published_at, published_at_source, document_number,
    content_hash, extractor, page_sha256, _batch_id, _scraped_at
from raw.news_articles
where article_id = %s
on conflict (article_id, version) do nothing
"""


def article_id_of(source_id: str, canonical_url: str) -> str:
    import hashlib

    return hashlib.md5(f"{source_id}|{canonical_url}".encode()).hexdigest()


def upsert_article(
    conn: psycopg.Connection,
    article: Article,
    source_id: str,
    scrape_run_id: str,
    scraped_at: datetime,
    page_sha256: str | None = None,
) -> UpsertOutcome:
    """Insert a new article (version 1), or store a changed one as the next version
    (the earlier text stays in raw.news_article_versions); unchanged text writes nothing."""
    row = conn.execute(
        _UPSERT_ARTICLE,
        {
            "source_id": source_id,
            "canonical_url": article.canonical_url,
            "url": article.url,
            "kind": article.kind,
            "language": article.language,
            "title": article.title,
            "lead": article.lead,
            "body_text": article.body_text,
            "author_name": article.author_name,
            "section": article.section,
            "published_at": article.published_at,
            "published_at_source": article.published_at_source,
            "document_number": article.document_number,
            "content_hash": article.content_hash,
            "extractor": article.extractor,
            "page_sha256": page_sha256,
            "batch_id": scrape_run_id,
            "scraped_at": scraped_at,
        },
    ).fetchone()
    if row is None:
        return "unchanged"
    conn.execute(_INSERT_VERSION, (row[0],))
    return "new" if row[2] else "updated"


_STORE_PAGE = """
insert into raw.news_pages as existing (
    source_id, page_url, body_sha256, final_url, http_status, content_type,
    response_headers, redirects, body_bytes, body_gzip, first_scrape_run_id,
    last_scrape_run_id, first_fetched_at, last_fetched_at
)
values (%(source_id)s, %(page_url)s, %(sha)s, %(final_url)s, %(status)s, %(content_type)s,
        %(headers)s, %(redirects)s, %(size)s, %(gz)s, %(run)s, %(run)s, %(at)s, %(at)s)
on conflict (source_id, page_url, body_sha256) do update set
    last_scrape_run_id = excluded.last_scrape_run_id,
    last_fetched_at = excluded.last_fetched_at,
    final_url = excluded.final_url,
    http_status = excluded.http_status,
    response_headers = excluded.response_headers,
    redirects = excluded.redirects
"""
# Headers worth keeping with the bytes (the rest is noise: cookies, CDN ids).
KEPT_HEADERS = (
    "content-type", "content-length", "content-encoding", "etag", "last-modified", "date",
    "cache-control", "server", "content-language", "x-robots-tag",
)


def store_page(
    conn: psycopg.Connection,
    source_id: str,
    page_url: str,
    body_sha256: str,
    result,
    scrape_run_id: str,
    fetched_at: datetime,
) -> None:
    """Keep the fetched bytes (gzip, level 6) with their fetch metadata, once per body."""
    headers = {k: v for k, v in result.headers.items() if k in KEPT_HEADERS}
    conn.execute(
        _STORE_PAGE,
        {
            "source_id": source_id,
            "page_url": page_url,
            "sha": body_sha256,
            "final_url": result.final_url,
            "status": result.status,
            "content_type": result.headers.get("content-type"),
            "headers": Jsonb(headers),
            "redirects": Jsonb(list(result.redirects)),
            "size": len(result.body),
            "gz": gzip.compress(result.body, compresslevel=6, mtime=0),
            "run": scrape_run_id,
            "at": fetched_at,
        },
    )


def stored_page_body(conn: psycopg.Connection, source_id: str, page_url: str) -> bytes | None:
    """The newest stored bytes of a page (decompressed), or None."""
    row = conn.execute(
        """select body_gzip from raw.news_pages where source_id = %s and page_url = %s
           order by last_fetched_at desc limit 1""",
        (source_id, page_url),
    ).fetchone()
    return gzip.decompress(row[0]) if row else None


@dataclass(frozen=True)
class FetchState:
    url: str
    etag: str | None
    last_modified: str | None
    body_sha256: str | None
    outcome: str  # 'article' | 'rejected'
    reason: str | None
    article_id: str | None
    extractor_version: str
    http_status: int | None


def fetch_states(conn: psycopg.Connection, source_id: str) -> dict[str, FetchState]:
    rows = conn.execute(
        """select url, etag, last_modified, body_sha256, outcome, reason, article_id,
                  extractor_version, http_status
           from raw.fetch_state where source_id = %s""",
        (source_id,),
    ).fetchall()
    return {row[0]: FetchState(*row) for row in rows}


def save_fetch_state(
    conn: psycopg.Connection,
    source_id: str,
    url: str,
    *,
    etag: str | None,
    last_modified: str | None,
    body_sha256: str | None,
    outcome: str,
    reason: str | None,
    article_id: str | None,
    extractor_version: str,
    http_status: int | None,
    fetched_at: datetime,
    scrape_run_id: str,
) -> None:
    conn.execute(
        """
        insert into raw.fetch_state as existing (
            source_id, url, etag, last_modified, body_sha256, outcome, reason, article_id,
            extractor_version, http_status, last_fetched_at, last_scrape_run_id
        )
        values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
        on conflict (source_id, url) do update set
            etag = excluded.etag,
            last_modified = excluded.last_modified,
            body_sha256 = excluded.body_sha256,
            outcome = excluded.outcome,
            reason = excluded.reason,
            article_id = excluded.article_id,
            extractor_version = excluded.extractor_version,
            http_status = excluded.http_status,
            last_fetched_at = excluded.last_fetched_at,
            last_scrape_run_id = excluded.last_scrape_run_id
        """,
        (source_id, url, etag, last_modified, body_sha256, outcome, reason, article_id,
         extractor_version, http_status, fetched_at, scrape_run_id),
    )


def forget_fetch_state(conn: psycopg.Connection, source_id: str, url: str) -> None:
    """A page whose fetch failed is fetched in full next time."""
    conn.execute("delete from raw.fetch_state where source_id = %s and url = %s", (source_id, url))


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
    conn: psycopg.Connection,
    scrape_run_id: str,
    source_id: str,
    started_at: datetime,
    run_mode: str = "scheduled",
    run_range: dict | None = None,
) -> None:
    """Open (or reopen, for a retried task) the run's row with zeroed counts."""
    conn.execute(
        """
        insert into raw.scrape_runs (scrape_run_id, source_id, started_at, status,
                                     run_mode, run_range)
        values (%s, %s, %s, 'running', %s, %s)
        on conflict (scrape_run_id, source_id) do update set
            started_at = excluded.started_at,
            finished_at = null,
            status = 'running',
            pages_discovered = 0, pages_fetched = 0, articles_new = 0,
            articles_updated = 0, articles_unchanged = 0, pages_rejected = 0,
            pages_not_modified = 0, pages_parsed = 0, rejected_by_reason = '{}'::jsonb,
            duration_seconds = null, run_mode = excluded.run_mode,
            run_range = excluded.run_range, error = null
        """,
        (scrape_run_id, source_id, started_at, run_mode,
         Jsonb(run_range) if run_range else None),
    )


RUN_COUNTS = (
    "pages_discovered",
    "pages_fetched",
    "articles_new",
    "articles_updated",
    "articles_unchanged",
    "pages_rejected",
    "pages_not_modified",
    "pages_parsed",
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
    started = started_at or finished_at
    conn.execute(
        """
        insert into raw.scrape_runs (
            scrape_run_id, source_id, started_at, finished_at, status, pages_discovered,
            pages_fetched, articles_new, articles_updated, articles_unchanged,
            pages_rejected, pages_not_modified, pages_parsed, rejected_by_reason,
            duration_seconds, error
        )
        values (%(run)s, %(source)s, %(started)s, %(finished)s, %(status)s, %(pages_discovered)s,
                %(pages_fetched)s, %(articles_new)s, %(articles_updated)s, %(articles_unchanged)s,
                %(pages_rejected)s, %(pages_not_modified)s, %(pages_parsed)s, %(by_reason)s,
                %(duration)s, %(error)s)
        on conflict (scrape_run_id, source_id) do update set
            finished_at = excluded.finished_at,
            status = excluded.status,
            pages_discovered = excluded.pages_discovered,
            pages_fetched = excluded.pages_fetched,
            articles_new = excluded.articles_new,
            articles_updated = excluded.articles_updated,
            articles_unchanged = excluded.articles_unchanged,
            pages_rejected = excluded.pages_rejected,
            pages_not_modified = excluded.pages_not_modified,
            pages_parsed = excluded.pages_parsed,
            rejected_by_reason = excluded.rejected_by_reason,
            duration_seconds = excluded.duration_seconds,
            error = excluded.error
        """,
        {
            "run": scrape_run_id,
            "source": source_id,
            "started": started,
            "finished": finished_at,
            "status": status,
            "error": error,
            "by_reason": Jsonb(dict(counts.get("rejected_by_reason") or {})),
            "duration": round((finished_at - started).total_seconds(), 3),
            **values,
        },
    )
