"""`clusterwatch sources check`: is each source readable today, and do its selectors work?

For one source, `check_source()`:
1. fetches every discovery entry a scheduled run uses (and, for back-fill-only id
   ranges with a default range, the newest id of that range) and records whether it
   was reachable, its HTTP outcome and how many items it listed;
2. fetches a sample of the newest items (`sample`, default 3) and extracts them with
   the source's selectors, recording how many failed and why, and which extractor
   worked (selectors, or the generic fallback: a sign the selectors need fixing);
3. reports the age of the newest item (from feed / sitemap / index dates and the
   sampled articles' dates).

It writes nothing: the same fetch and extract code as a scrape, without the database.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime

from scrapers.discover import Found
from scrapers.extract import Article, normalise_url
from scrapers.http import FetchError, HttpClient
from scrapers.pipeline import _discover_entry, fetch_and_extract
from scrapers.sources import Source


@dataclass
class EndpointHealth:
    type: str
    url: str
    reachable: bool
    items: int = 0
    error: str | None = None
    note: str | None = None


@dataclass
class SourceHealth:
    source_id: str
    endpoints: list[EndpointHealth] = field(default_factory=list)
    items_found: int = 0
    sampled: int = 0
    parsed: int = 0
    parse_failures: int = 0
    failures_by_reason: dict[str, int] = field(default_factory=dict)
    extractors: dict[str, int] = field(default_factory=dict)
    newest_item_at: str | None = None
    newest_item_age_hours: float | None = None

    @property
    def reachable(self) -> bool:
        return bool(self.endpoints) and all(e.reachable for e in self.endpoints)

    @property
    def ok(self) -> bool:
        return self.reachable and self.items_found > 0 and self.parse_failures == 0

    def as_dict(self) -> dict:
        data = asdict(self)
        data["reachable"] = self.reachable
        data["ok"] = self.ok
        return data


def check_source(
    source: Source,
    client: HttpClient,
    *,
    sample: int = 3,
    now: datetime | None = None,
    today: date | None = None,
) -> SourceHealth:
    now = now or datetime.now(UTC)
    today = today or now.date()
    health = SourceHealth(source.id)
    found: list[Found] = []
    for entry in source.discovery:
        if entry.backfill_only:
            if entry.type == "id_range" and entry.id_to is not None:
                url = entry.url.replace("{id}", str(entry.id_to))
                found_here = [Found(url)]
                health.endpoints.append(EndpointHealth(
                    entry.type, url, True, 1, note="back-fill only: newest id of its range probed"))
                found += found_here
            else:
                health.endpoints.append(EndpointHealth(
                    entry.type, entry.url, True, 0, note="back-fill only: not checked"))
            continue
        notes: list[str] = []
        try:
            items = _discover_entry(source, client, entry, None, today, notes)
        except FetchError as exc:
            health.endpoints.append(EndpointHealth(entry.type, entry.url, False, error=str(exc)))
            continue
        except ValueError as exc:
            health.endpoints.append(EndpointHealth(entry.type, entry.url, False, error=str(exc)))
            continue
        items = [item for item in items if source.allows(item.url)]
        health.endpoints.append(EndpointHealth(entry.type, entry.url, True, len(items),
                                               note="; ".join(notes) or None))
        found += items
    unique: dict[str, Found] = {}
    for item in found:
        unique.setdefault(normalise_url(item.url), item)
    found = list(unique.values())
    health.items_found = len(found)
    dated = sorted((f for f in found if f.published), key=lambda f: f.published, reverse=True)
    undated = [f for f in found if not f.published]
    newest = [dated[0].published] if dated else []
    for item in (dated + undated)[:sample]:
        page = fetch_and_extract(source, client, item, None, "")
        health.sampled += 1
        outcome = page.outcome
        if page.error is not None:
            reason = page.error.reason
        elif isinstance(outcome, Article):
            health.parsed += 1
            health.extractors[outcome.extractor] = health.extractors.get(outcome.extractor, 0) + 1
            if outcome.published_at:
                newest.append(outcome.published_at)
            continue
        else:
            reason = outcome.reason if outcome is not None else "not_modified"
        health.parse_failures += 1
        health.failures_by_reason[reason] = health.failures_by_reason.get(reason, 0) + 1
    if newest:
        latest = max(newest)
        health.newest_item_at = latest.isoformat()
        health.newest_item_age_hours = round((now - latest).total_seconds() / 3600, 1)
    return health
