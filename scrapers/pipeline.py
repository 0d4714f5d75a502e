"""`scrape_source()`: one source, one run: discover -> fetch -> extract -> load.

Counting (also the columns of `raw.scrape_runs`):
- `pages_discovered`: distinct article URLs found by the source's feeds, listings and
  sitemaps, inside its allowed domains (feed and listing pages themselves not counted);
- `pages_fetched`: article URLs the run *tried* to fetch; every discovered URL is tried,
  so today it equals `pages_discovered`. A page whose fetch failed (404, timeout, refused
  redirect) counts as fetched and rejected, so that always
  `pages_fetched = articles_new + articles_updated + articles_unchanged + pages_rejected`;
- `pages_rejected`: pages quarantined in `quarantine.news_pages` with their reason
  (fetch failures use the FetchError's reason, e.g. `http_error` with the status, and
  the extractor's rejections `no_body`, `future_date`, ...).

A page that fails is logged, quarantined and counted, never fatal (STYLE C11). The run
fails (recorded as `failed`, then `ScrapeFailed` is raised) only when
- the rejection rate `pages_rejected / pages_fetched` exceeds `max_rejection_rate`
  (default 0.5, env `CLUSTERWATCH_MAX_REJECTION_RATE`), or
- every discovery endpoint failed, so the source could not be read at all (a partial
  discovery failure is written to the run's `error` column and the run goes on).
Any other error (database, bug) also records the run as failed before propagating.

Idempotent: articles upsert on their canonical URL, quarantined pages on
(source, URL, content hash), the run row on (run id, source). A second run over the same
pages adds no rows and reports every article unchanged.

Pages are fetched one at a time; `politeness.delay_seconds` spaces requests to a host
(via the HTTP door). `politeness.concurrency` is validated but not used yet.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from datetime import UTC, datetime
from pathlib import Path

from scrapers.discover import links_from_feed, links_from_listing, links_from_sitemap
from scrapers.extract import Article, Rejection, extract_article
from scrapers.http import FetchError, HttpClient
from scrapers.load import finish_run, quarantine_page, start_run, upsert_article
from scrapers.sources import Source, load_source

log = logging.getLogger(__name__)

MAX_SITEMAPS_PER_ENTRY = 20


class ScrapeFailed(RuntimeError):
    """The run was recorded as failed; `counts` holds what it did before failing."""

    def __init__(self, message: str, counts: dict):
        self.counts = counts
        super().__init__(message)


def default_max_rejection_rate() -> float:
    value = os.environ.get("CLUSTERWATCH_MAX_REJECTION_RATE")
    return float(value) if value not in (None, "") else 0.5


def resolve_sources_dir(sources_dir: Path | str | None = None) -> Path:
    if sources_dir is not None:
        return Path(sources_dir)
    from clusterwatch import settings

    return settings.sources_dir()


def _now() -> datetime:
    return datetime.now(UTC)


def fetch_failure_hash(reason: str, status: int | None) -> str:
    """The content hash of a page that has no content: the failure itself."""
    return hashlib.sha256(f"fetch-failure:{reason}:{status}".encode()).hexdigest()


def discover(source: Source, client: HttpClient) -> tuple[list[str], list[str]]:
    """(article URLs in discovery order, errors of the endpoints that failed)."""
    found: list[str] = []
    errors: list[str] = []
    delay = source.politeness.delay_seconds
    for entry in source.discovery:
        try:
            if entry.type == "rss":
                result = client.get(entry.url, source.allowed_domains, min_interval=delay)
                found += links_from_feed(result.body, result.final_url)
            elif entry.type == "listing":
                page_url, seen = entry.url, set()
                for _ in range(entry.max_pages):
                    if page_url in seen:
                        break
                    seen.add(page_url)
                    result = client.get(page_url, source.allowed_domains, min_interval=delay)
                    links, next_url = links_from_listing(
                        result.body, result.final_url, entry.link_selector, entry.next_selector
                    )
                    found += links
                    if not next_url or not source.allows(next_url):
                        break
                    page_url = next_url
            elif entry.type == "sitemap":
                queue, visited = [entry.url], set()
                while queue and len(visited) < MAX_SITEMAPS_PER_ENTRY:
                    sitemap_url = queue.pop(0)
                    if sitemap_url in visited:
                        continue
                    visited.add(sitemap_url)
                    result = client.get(sitemap_url, source.allowed_domains, min_interval=delay)
                    pages, children = links_from_sitemap(result.body, result.final_url)
                    found += pages
                    queue += [child for child in children if source.allows(child)]
        except FetchError as exc:
            log.warning("%s: discovery %s %s failed: %s", source.id, entry.type, entry.url, exc)
            errors.append(f"{entry.type} {entry.url}: {exc}")
    endpoints = {entry.url for entry in source.discovery}
    urls, seen_urls = [], set()
    for url in found:
        if url in seen_urls or url in endpoints:
            continue
        seen_urls.add(url)
        if not source.allows(url):
            log.debug("%s: skipping off-domain link %s", source.id, url)
            continue
        urls.append(url)
    return urls, errors


def scrape_source(
    source_id: str,
    *,
    scrape_run_id: str,
    database_url: str,
    sources_dir: Path | None = None,
    variables: dict | None = None,
    allow_private_addresses: bool = False,
    client: HttpClient | None = None,
    max_rejection_rate: float | None = None,
) -> dict:
    """Scrape one source into the warehouse; returns the run's counts (see module doc)."""
    from clusterwatch import db

    if not re.fullmatch(r"[a-z][a-z0-9_]*", source_id or ""):
        raise ValueError(f"not a source id: {source_id!r}")
    source = load_source(resolve_sources_dir(sources_dir) / f"{source_id}.yaml", variables)
    threshold = default_max_rejection_rate() if max_rejection_rate is None else max_rejection_rate
    own_client = client is None
    client = client or HttpClient(allow_private_addresses=allow_private_addresses)
    counts = {
        "source_id": source.id,
        "scrape_run_id": scrape_run_id,
        "pages_discovered": 0,
        "pages_fetched": 0,
        "articles_new": 0,
        "articles_updated": 0,
        "articles_unchanged": 0,
        "pages_rejected": 0,
    }
    started_at = _now()
    conn = db.connect(database_url, autocommit=True)
    try:
        start_run(conn, scrape_run_id, source.id, started_at)
        try:
            urls, discovery_errors = discover(source, client)
            counts["pages_discovered"] = len(urls)
            for url in urls:
                _scrape_page(conn, source, client, url, scrape_run_id, counts)
        except Exception as exc:
            _record_failure(
                database_url,
                conn,
                scrape_run_id,
                source.id,
                started_at,
                counts,
                f"{type(exc).__name__}: {exc}",
            )
            raise

        note = None
        if discovery_errors:
            note = (
                f"discovery: {len(discovery_errors)} of {len(source.discovery)} endpoints failed: "
                + "; ".join(discovery_errors)
            )
        failure = None
        if source.discovery and len(discovery_errors) == len(source.discovery):
            failure = f"every discovery endpoint failed ({note})"
        elif (
            counts["pages_fetched"]
            and counts["pages_rejected"] / counts["pages_fetched"] > threshold
        ):
            failure = (
                f"rejection rate {counts['pages_rejected']}/{counts['pages_fetched']} "
                f"exceeds {threshold:.0%}" + (f"; {note}" if note else "")
            )
        finish_run(
            conn,
            scrape_run_id,
            source.id,
            status="failed" if failure else "succeeded",
            finished_at=_now(),
            counts=counts,
            error=failure or note,
            started_at=started_at,
        )
    finally:
        conn.close()
        if own_client:
            client.close()
    log.info(
        "%s run %s: %s",
        source.id,
        scrape_run_id,
        {k: v for k, v in counts.items() if k not in ("source_id", "scrape_run_id")},
    )
    if failure:
        raise ScrapeFailed(f"{source.id}: {failure}", counts)
    return counts


def _scrape_page(
    conn, source: Source, client: HttpClient, url: str, run_id: str, counts: dict
) -> None:
    counts["pages_fetched"] += 1
    scraped_at = _now()
    try:
        result = client.get(
            url, source.allowed_domains, min_interval=source.politeness.delay_seconds
        )
    except FetchError as exc:
        log.info("%s: fetch failed %s: %s", source.id, url, exc)
        _reject(
            conn,
            source,
            url,
            fetch_failure_hash(exc.reason, exc.status),
            exc.reason,
            str(exc),
            exc.status,
            run_id,
            counts,
        )
        return
    try:
        # `now` only guards against future dates; it never selects what is loaded.
        outcome = extract_article(
            result.body, result.final_url, result.headers, source, now=scraped_at
        )
    except Exception as exc:  # a parser bug on one page must not stop the run
        log.exception("%s: extraction crashed on %s", source.id, url)
        outcome = Rejection(result.final_url, "extract_error", f"{type(exc).__name__}: {exc}")
    if isinstance(outcome, Rejection):
        detail = (
            outcome.detail
            if result.final_url == url
            else f"{outcome.detail} (redirected to {result.final_url})"
        )
        log.info("%s: rejected %s: %s (%s)", source.id, url, outcome.reason, detail)
        _reject(
            conn,
            source,
            url,
            hashlib.sha256(result.body).hexdigest(),
            outcome.reason,
            detail,
            result.status,
            run_id,
            counts,
        )
        return
    assert isinstance(outcome, Article)
    with conn.transaction():
        state = upsert_article(conn, outcome, source.id, run_id, scraped_at)
    counts[f"articles_{state}"] += 1


def _reject(conn, source, url, content_hash, reason, detail, status, run_id, counts) -> None:
    with conn.transaction():
        quarantine_page(conn, source.id, url, content_hash, reason, detail, status, run_id)
    counts["pages_rejected"] += 1


def _record_failure(database_url, conn, run_id, source_id, started_at, counts, error) -> None:
    """Mark the run failed, on a new connection if the current one is broken."""
    from clusterwatch import db

    for attempt in ("current", "new"):
        try:
            if attempt == "current":
                finish_run(
                    conn,
                    run_id,
                    source_id,
                    status="failed",
                    finished_at=_now(),
                    counts=counts,
                    error=error,
                    started_at=started_at,
                )
            else:
                with db.connect(database_url, autocommit=True) as fresh:
                    finish_run(
                        fresh,
                        run_id,
                        source_id,
                        status="failed",
                        finished_at=_now(),
                        counts=counts,
                        error=error,
                        started_at=started_at,
                    )
            return
        except Exception:  # the original error matters more than this one
            log.exception(
                "could not record run %s of %s as failed (%s connection)",
                run_id,
                source_id,
                attempt,
            )
