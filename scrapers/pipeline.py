"""`scrape_source()`: one source, one run: discover -> fetch -> extract -> load.

Counting (also the columns of `raw.scrape_runs`):
- `pages_discovered`: distinct article URLs found by the source's feeds, listings,
  sitemaps, id ranges and issue indexes, inside its allowed domains (the feed and
  listing pages themselves not counted);
- `pages_fetched`: article URLs the run *tried* to fetch; every discovered URL is tried,
  so it equals `pages_discovered`. A page whose fetch failed (404, timeout, refused
  redirect) counts as fetched and rejected, so that always
  `pages_fetched = articles_new + articles_updated + articles_unchanged + pages_rejected`;
- `pages_not_modified`: pages not re-processed because the server answered
  `304 Not Modified` to a conditional GET (ETag / Last-Modified of the last fetch) or
  sent the very bytes of the last fetch (same sha256). They count as
  `articles_unchanged` (or, for a page rejected last time, as rejected again with the
  same reason), so the balance above holds;
- `pages_parsed`: pages that went through extraction this run;
- `pages_rejected` and `rejected_by_reason`: pages quarantined in
  `quarantine.news_pages` with their reason (fetch failures use the FetchError's reason,
  e.g. `http_error` with the status; the extractor's rejections `no_body`,
  `future_date`, ...);
- `duration_seconds`.

A page that fails is logged, quarantined and counted, never fatal (STYLE C11). The run
fails (recorded as `failed`, then `ScrapeFailed` is raised) only when
- the rejection rate `pages_rejected / pages_fetched` exceeds `max_rejection_rate`
  (default 0.5, env `CLUSTERWATCH_MAX_REJECTION_RATE`), or
- every discovery endpoint failed, so the source could not be read at all (a partial
  discovery failure is written to the run's `error` column and the run goes on).
Any other error (database, bug) also records the run as failed before propagating.

Pages are fetched by up to `politeness.concurrency` threads; the HTTP door spaces
request starts on a host by `politeness.delay_seconds` and keeps at most `concurrency`
requests in flight per host. Database writes stay on the calling thread, one small
transaction per page, in discovery order.

Back-fill (`backfill={"id_from", "id_to"}` or `{"date_from", "date_to"}`): an id range
runs the source's `id_range` discovery over those ids; a date range runs its sitemaps
(entries dated inside the range, undated ones kept) and JORADP indexes (the years of the
range). Feeds and listings only show recent pages and are skipped in a back-fill.

Idempotent: articles upsert on (source, canonical URL) and get a new version only when
their text changes; quarantined pages upsert on (source, URL, content hash); the run row
on (run id, source). A second run over the same pages adds no rows.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from scrapers.discover import (
    Found,
    entries_from_feed,
    entries_from_sitemap,
    id_range_urls,
    joradp_issues,
    links_from_listing,
)
from scrapers.extract import Article, Rejection, extract, normalise_url
from scrapers.http import FetchError, FetchResult, HttpClient, conditional_headers
from scrapers.load import (
    FetchState,
    fetch_states,
    finish_run,
    forget_fetch_state,
    quarantine_page,
    save_fetch_state,
    start_run,
    store_page,
    upsert_article,
)
from scrapers.sources import Discovery, Source, load_source

log = logging.getLogger(__name__)

MAX_SITEMAPS_PER_ENTRY = 20
# Bump when scrapers/extract.py changes what it produces for the same bytes: every page
# is then re-extracted once instead of being skipped as "not modified".
EXTRACTOR_VERSION = "3"  # 3: no script/style text in titles, leads, authors


class ScrapeFailed(RuntimeError):
    """The run was recorded as failed; `counts` holds what it did before failing."""

    def __init__(self, message: str, counts: dict):
        self.counts = counts
        super().__init__(message)


@dataclass(frozen=True)
class Backfill:
    """What a back-fill covers: an id range, a date range, or both."""

    id_from: int | None = None
    id_to: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    entry: str | None = None  # only discovery entries whose URL contains this text

    @classmethod
    def from_params(cls, params: dict | None) -> Backfill | None:
        if not params:
            return None

        def as_int(key):
            value = params.get(key)
            return None if value in (None, "") else int(value)

        def as_date(key):
            value = params.get(key)
            if value in (None, ""):
                return None
            return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])

        backfill = cls(as_int("id_from"), as_int("id_to"), as_date("date_from"),
                       as_date("date_to"), params.get("entry") or None)
        if (backfill.id_from is None) != (backfill.id_to is None):
            raise ValueError("an id range needs both id_from and id_to")
        if (backfill.date_from is None) != (backfill.date_to is None):
            raise ValueError("a date range needs both date_from and date_to")
        if backfill.id_from is None and backfill.date_from is None:
            raise ValueError("a back-fill needs an id range or a date range")
        if backfill.id_from is not None and backfill.id_from > backfill.id_to:
            raise ValueError(f"id_from {backfill.id_from} is above id_to {backfill.id_to}")
        if backfill.date_from is not None and backfill.date_from > backfill.date_to:
            raise ValueError(f"date_from {backfill.date_from} is after date_to {backfill.date_to}")
        return backfill

    @property
    def by_id(self) -> bool:
        return self.id_from is not None

    @property
    def by_date(self) -> bool:
        return self.date_from is not None

    def as_dict(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v)
                for k, v in asdict(self).items() if v is not None}


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


def _today_in_algiers() -> date:
    from scrapers.extract import ALGIERS

    return datetime.now(ALGIERS).date()


def fetch_failure_hash(reason: str, status: int | None) -> str:
    """The content hash of a page that has no content: the failure itself."""
    return hashlib.sha256(f"fetch-failure:{reason}:{status}".encode()).hexdigest()


def _in_dates(found: Found, backfill: Backfill | None) -> bool:
    if backfill is None or not backfill.by_date or found.published is None:
        return True
    from scrapers.extract import ALGIERS

    day = found.published.astimezone(ALGIERS).date()
    return backfill.date_from <= day <= backfill.date_to


def _modified_before(found: Found, backfill: Backfill | None) -> bool:
    if backfill is None or not backfill.by_date or found.published is None:
        return False
    from scrapers.extract import ALGIERS

    return found.published.astimezone(ALGIERS).date() < backfill.date_from


def _entry_applies(entry: Discovery, backfill: Backfill | None) -> bool:
    if backfill is None:
        return not entry.backfill_only
    if backfill.entry and backfill.entry not in entry.url:
        return False
    if backfill.by_id and entry.type == "id_range":
        return True
    return backfill.by_date and entry.type in ("sitemap", "joradp_index")


def _discover_entry(source, client, entry, backfill, today, notes: list[str]) -> list[Found]:
    delay = source.politeness.delay_seconds
    def get(url: str) -> FetchResult:
        return client.get(url, source.allowed_domains, min_interval=delay,
                          concurrency=source.politeness.concurrency)

    found: list[Found] = []
    if entry.type == "rss":
        result = get(entry.url)
        found += entries_from_feed(result.body, result.final_url)
    elif entry.type == "listing":
        page_url, seen, number = entry.url, set(), 1
        while page_url and number <= entry.max_pages and page_url not in seen:
            seen.add(page_url)
            if number == 1:
                result = get(page_url)
            else:  # a later page failing ends the walk; the links found so far stay
                try:
                    result = get(page_url)
                except FetchError as exc:
                    if not (exc.status == 404 and entry.page_url):  # past the last page
                        notes.append(f"listing page {page_url}: {exc}")
                    break
            links, next_url = links_from_listing(
                result.body, result.final_url, entry.link_selector, entry.next_selector
            )
            found += [Found(link) for link in links]
            number += 1
            if next_url and source.allows(next_url):
                page_url = next_url
            elif entry.page_url and links:
                page_url = entry.page_url.replace("{page}", str(number))
            else:
                page_url = None
    elif entry.type == "sitemap":
        queue, visited = [entry.url], set()
        limit = entry.max_sitemaps or MAX_SITEMAPS_PER_ENTRY
        while queue and len(visited) < limit:
            sitemap_url = queue.pop(0)
            if sitemap_url in visited:
                continue
            visited.add(sitemap_url)
            result = get(sitemap_url)
            pages, children = entries_from_sitemap(result.body, result.final_url)
            found += [page for page in pages if _in_dates(page, backfill)]
            # A child sitemap last modified before the range holds nothing in it; one
            # modified after may still list pages from inside it.
            queue += [c.url for c in children
                      if source.allows(c.url) and not _modified_before(c, backfill)]
    elif entry.type == "id_range":
        id_from = backfill.id_from if backfill and backfill.by_id else entry.id_from
        id_to = backfill.id_to if backfill and backfill.by_id else entry.id_to
        if id_from is None or id_to is None:
            raise ValueError(f"{source.id}: id_range {entry.url} needs id_from and id_to")
        if id_to - id_from + 1 > entry.max_ids:
            raise ValueError(
                f"{source.id}: id range {id_from}..{id_to} exceeds max_ids {entry.max_ids}; "
                "split the back-fill"
            )
        found += [Found(url) for url in id_range_urls(entry.url, id_from, id_to)]
    elif entry.type == "joradp_index":
        if backfill and backfill.by_date:
            years = range(backfill.date_from.year, backfill.date_to.year + 1)
        else:
            years = [today.year]
        for year in years:
            index_url = entry.url.replace("{year}", str(year))
            if len(years) > 1:  # a back-fill over years: one missing index is a note
                try:
                    result = get(index_url)
                except FetchError as exc:
                    notes.append(f"joradp index {index_url}: {exc}")
                    continue
            else:
                result = get(index_url)
            issues = joradp_issues(result.body, result.final_url, year, entry.language)
            found += [issue for issue in issues if _in_dates(issue, backfill)]
    return found


def discover(
    source: Source,
    client: HttpClient,
    *,
    backfill: Backfill | None = None,
    today: date | None = None,
) -> tuple[list[Found], list[str]]:
    """(discovered pages in discovery order, errors of the endpoints that failed, number
    of endpoints tried). A back-fill for which the source has no fitting endpoint raises
    ValueError."""
    today = today or _today_in_algiers()
    found: list[Found] = []
    errors: list[str] = []
    entries = [entry for entry in source.discovery if _entry_applies(entry, backfill)]
    if backfill is not None and not entries:
        kind = "id_range" if backfill.by_id else "sitemap or joradp_index"
        which = f" matching {backfill.entry!r}" if backfill.entry else ""
        raise ValueError(f"{source.id} has no {kind} discovery{which} to back-fill with")
    for entry in entries:
        notes: list[str] = []
        try:
            found += _discover_entry(source, client, entry, backfill, today, notes)
            if notes:
                log.warning("%s: discovery %s: %s", source.id, entry.url, "; ".join(notes))
        except FetchError as exc:
            log.warning("%s: discovery %s %s failed: %s", source.id, entry.type, entry.url, exc)
            errors.append(f"{entry.type} {entry.url}: {exc}")
    endpoints = {normalise_url(entry.url) for entry in source.discovery}
    pages, seen_urls = [], set()
    for item in found:
        # One spelling per page: Arabic slugs arrive raw and percent-encoded, links
        # carry tracking parameters and fragments.
        url = normalise_url(item.url)
        if url in seen_urls or url in endpoints:
            continue
        seen_urls.add(url)
        if url != item.url:
            item = Found(url, item.published, item.meta)
        if not source.allows(item.url):
            log.debug("%s: skipping off-domain link %s", source.id, item.url)
            continue
        pages.append(item)
    return pages, errors, len(entries)


@dataclass
class PageResult:
    """What the fetch-and-extract step (run on a worker thread) found for one page."""

    found: Found
    url: str
    fetched_at: datetime
    fetch: FetchResult | None = None
    error: FetchError | None = None
    sha256: str | None = None
    not_modified: bool = False  # 304, or the same bytes as last time
    outcome: Article | Rejection | None = None


def fetch_and_extract(
    source: Source,
    client: HttpClient,
    found: Found,
    state: FetchState | None,
    fingerprint: str,
) -> PageResult:
    """Fetch one page (conditionally when its last fetch is known) and extract it,
    unless it did not change. No database access: safe on a worker thread."""
    fetched_at = _now()
    reusable = state is not None and state.extractor_version == fingerprint
    headers = conditional_headers(state.etag, state.last_modified) if reusable else None
    candidates = [found.url, *found.meta.get("alternates", ())]
    result = error = None
    for candidate in candidates:
        try:
            result = client.get(
                candidate,
                source.allowed_domains,
                min_interval=source.politeness.delay_seconds,
                headers=headers,
                concurrency=source.politeness.concurrency,
            )
            break
        except FetchError as exc:
            error = exc
            if exc.status != 404:
                break  # only a 404 makes another spelling of the URL worth a try
    if result is None:
        return PageResult(found, found.url, fetched_at, error=error)
    if result.not_modified:
        if reusable:
            return PageResult(found, found.url, fetched_at, fetch=result, not_modified=True)
        # a 304 to a request that was not conditional: nothing to extract
        return PageResult(found, found.url, fetched_at, result,
                          sha256=hashlib.sha256(b"").hexdigest(),
                          outcome=Rejection(found.url, "http_error",
                                            "304 Not Modified to an unconditional request"))
    digest = hashlib.sha256(result.body).hexdigest()
    if reusable and state.body_sha256 == digest:
        return PageResult(found, found.url, fetched_at, result, sha256=digest, not_modified=True)
    meta = dict(found.meta)
    if found.published is not None:
        meta.setdefault("published", found.published)
    try:
        # `now` only guards against future dates; it never selects what is loaded.
        outcome = extract(result.body, result.final_url, result.headers, source,
                          now=fetched_at, meta=meta)
    except Exception as exc:  # a parser bug on one page must not stop the run
        log.exception("%s: extraction crashed on %s", source.id, found.url)
        outcome = Rejection(result.final_url, "extract_error", f"{type(exc).__name__}: {exc}")
    return PageResult(found, found.url, fetched_at, result, sha256=digest, outcome=outcome)


def new_counts(source_id: str, scrape_run_id: str) -> dict:
    return {
        "source_id": source_id,
        "scrape_run_id": scrape_run_id,
        "pages_discovered": 0,
        "pages_fetched": 0,
        "articles_new": 0,
        "articles_updated": 0,
        "articles_unchanged": 0,
        "pages_rejected": 0,
        "pages_not_modified": 0,
        "pages_parsed": 0,
        "rejected_by_reason": {},
    }


def scrape_source(
    source_id: str,
    *,
    scrape_run_id: str,
    database_url: str,
    sources_dir: Path | None = None,
    variables: dict | None = None,
    allow_private_addresses: bool | tuple[str, ...] = False,
    client: HttpClient | None = None,
    max_rejection_rate: float | None = None,
    backfill: Backfill | dict | None = None,
    today: date | None = None,
) -> dict:
    """Scrape one source into the warehouse; returns the run's counts (see module doc)."""
    from clusterwatch import db

    if not re.fullmatch(r"[a-z][a-z0-9_]*", source_id or ""):
        raise ValueError(f"not a source id: {source_id!r}")
    if isinstance(backfill, dict):
        backfill = Backfill.from_params(backfill)
    source = load_source(resolve_sources_dir(sources_dir) / f"{source_id}.yaml", variables)
    threshold = default_max_rejection_rate() if max_rejection_rate is None else max_rejection_rate
    own_client = client is None
    client = client or HttpClient(allow_private_addresses=allow_private_addresses)
    counts = new_counts(source.id, scrape_run_id)
    fingerprint = f"{EXTRACTOR_VERSION}:{source.extraction_fingerprint()}"
    started_at = _now()
    failure = None
    conn = db.connect(database_url, autocommit=True)
    try:
        start_run(conn, scrape_run_id, source.id, started_at,
                  run_mode="backfill" if backfill else "scheduled",
                  run_range=backfill.as_dict() if backfill else None)
        try:
            pages, discovery_errors, endpoints = discover(
                source, client, backfill=backfill, today=today
            )
            counts["pages_discovered"] = len(pages)
            states = fetch_states(conn, source.id)
            workers = max(1, min(source.politeness.concurrency, len(pages) or 1))

            def work(found: Found) -> PageResult:
                return fetch_and_extract(source, client, found, states.get(found.url), fingerprint)

            if workers == 1:
                results = map(work, pages)
                for page in results:
                    _record_page(conn, source, page, states.get(page.url), scrape_run_id,
                                 fingerprint, counts)
            else:
                with ThreadPoolExecutor(workers, thread_name_prefix=f"scrape-{source.id}") as pool:
                    for page in pool.map(work, pages):
                        _record_page(conn, source, page, states.get(page.url), scrape_run_id,
                                     fingerprint, counts)
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
                f"discovery: {len(discovery_errors)} of {endpoints} endpoints failed: "
                + "; ".join(discovery_errors)
            )
        if endpoints and len(discovery_errors) == endpoints:
            failure = f"every discovery endpoint failed ({note})"
        elif (
            counts["pages_fetched"]
            and counts["pages_rejected"] / counts["pages_fetched"] > threshold
        ):
            failure = (
                f"rejection rate {counts['pages_rejected']}/{counts['pages_fetched']} "
                f"exceeds {threshold:.0%}" + (f"; {note}" if note else "")
            )
        finished_at = _now()
        counts["duration_seconds"] = round((finished_at - started_at).total_seconds(), 3)
        counts["status"] = "failed" if failure else "succeeded"
        counts["error"] = failure or note
        finish_run(
            conn,
            scrape_run_id,
            source.id,
            status=counts["status"],
            finished_at=finished_at,
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


def _count_rejection(counts: dict, reason: str) -> None:
    counts["pages_rejected"] += 1
    by_reason = counts["rejected_by_reason"]
    by_reason[reason] = by_reason.get(reason, 0) + 1


def _record_page(
    conn, source: Source, page: PageResult, state: FetchState | None, run_id: str,
    fingerprint: str, counts: dict,
) -> None:
    """Write what one page gave (one small transaction) and count it."""
    counts["pages_fetched"] += 1
    url = page.url
    if page.error is not None:
        exc = page.error
        log.info("%s: fetch failed %s: %s", source.id, url, exc)
        with conn.transaction():
            quarantine_page(conn, source.id, url, fetch_failure_hash(exc.reason, exc.status),
                            exc.reason, str(exc), exc.status, run_id)
            forget_fetch_state(conn, source.id, url)
        _count_rejection(counts, exc.reason)
        return
    result = page.fetch
    if page.not_modified and state is not None:
        counts["pages_not_modified"] += 1
        with conn.transaction():
            if state.outcome == "rejected":
                quarantine_page(conn, source.id, url, state.body_sha256 or "", state.reason,
                                "not modified since it was rejected", state.http_status, run_id)
            _save_state(conn, source, url, result, state.body_sha256, state.outcome,
                        state.reason, state.article_id, fingerprint, page.fetched_at, run_id,
                        keep=state)
        if state.outcome == "rejected":
            _count_rejection(counts, state.reason or "rejected")
        else:
            counts["articles_unchanged"] += 1
        return
    counts["pages_parsed"] += 1
    outcome = page.outcome
    with conn.transaction():
        store_page(conn, source.id, url, page.sha256, result, run_id, page.fetched_at)
        if isinstance(outcome, Rejection):
            detail = (outcome.detail if result.final_url == url
                      else f"{outcome.detail} (redirected to {result.final_url})")
            log.info("%s: rejected %s: %s (%s)", source.id, url, outcome.reason, detail)
            quarantine_page(conn, source.id, url, page.sha256, outcome.reason, detail,
                            result.status, run_id)
            _save_state(conn, source, url, result, page.sha256, "rejected", outcome.reason,
                        None, fingerprint, page.fetched_at, run_id)
        else:
            state_name = upsert_article(conn, outcome, source.id, run_id, page.fetched_at,
                                        page_sha256=page.sha256)
            from scrapers.load import article_id_of

            _save_state(conn, source, url, result, page.sha256, "article", None,
                        article_id_of(source.id, outcome.canonical_url), fingerprint,
                        page.fetched_at, run_id)
    if isinstance(outcome, Rejection):
        _count_rejection(counts, outcome.reason)
    else:
        counts[f"articles_{state_name}"] += 1


def _save_state(conn, source, url, result, sha, outcome, reason, article_id, fingerprint,
                fetched_at, run_id, keep: FetchState | None = None) -> None:
    # A 304 may omit the validators: keep the ones we had.
    etag = result.etag or (keep.etag if keep else None)
    last_modified = result.last_modified or (keep.last_modified if keep else None)
    save_fetch_state(
        conn, source.id, url, etag=etag, last_modified=last_modified, body_sha256=sha,
        outcome=outcome, reason=reason, article_id=article_id, extractor_version=fingerprint,
        http_status=result.status if result.status != 304 else (keep.http_status if keep else 304),
        fetched_at=fetched_at, scrape_run_id=run_id,
    )


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
