"""Stories: articles about one event, across papers and languages, share a story_id.

Method (deterministic; every constant below is documented in docs/text-analysis.md):
1. Each article gets language-independent *features*: its entity ids (people, clusters,
   organisations, wilayas, sectors), its numbers with units ("cluster:7" from "7 تجمعات"
   and "sept clusters" alike) and its lexicon concepts. Features are weighted by type
   (FEATURE_WEIGHTS): a person or a named cluster says more about an event than a sector.
2. Two articles are *linked* when they were published within WINDOW of each other and
   - they are exact or near duplicates (dedup.py), or
   - the weight of their shared *specific* features (people, clusters, numbers,
     organisations) is at least MIN_SPECIFIC_WEIGHT (one person, cluster or number, or
     two organisations: the Ministry of Industry and Algiers alone do not make an event),
     their whole shared weight is at least MIN_SHARED_WEIGHT, and the shared weight
     divided by the smaller of their two total weights (a weighted overlap coefficient,
     so a short dispatch can join a long report) is at least MIN_OVERLAP.
   Candidate pairs come from an inverted index of specific features inside the date
   window, so articles that share nothing specific are never compared.
3. Stories are the connected components of the links. A component is then split where
   its members span more than MAX_SPAN (single links could otherwise chain a month of
   coverage of one topic into one story): members are cut in date order.
4. story_id = "st_" + the first 16 hex digits of sha1(article_id of the earliest member),
   earliest by (published_at, article_id): the id does not depend on the order of input,
   and stays the same when later articles join.
Articles without a date take part only through duplicates (there is no window for them).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from scrapers.text.dedup import DedupDoc, UnionFind, find_duplicates

WINDOW = timedelta(days=3)
MAX_SPAN = timedelta(days=7)
MIN_SPECIFIC_WEIGHT = 2.0
MIN_SHARED_WEIGHT = 3.0
MIN_OVERLAP = 0.45
FEATURE_WEIGHTS = {
    "people": 3.0,
    "clusters": 3.0,
    "numbers": 2.0,
    "organisations": 1.5,
    "wilayas": 1.0,
    "sectors": 0.5,
    "concepts": 0.5,
}
SPECIFIC = ("people", "clusters", "numbers", "organisations")


class StoryInput(Protocol):
    """What stories need from an analysis (analyse.Analysis provides it)."""

    published_at: datetime | None
    normalised_text: str

    def story_features(self) -> dict[str, str]: ...


@dataclass(frozen=True)
class Link:
    a: str
    b: str
    reason: str  # 'duplicate' | 'features'
    shared_weight: float
    overlap: float


def story_id_for(article_id: str) -> str:
    return "st_" + hashlib.sha1(article_id.encode("utf-8")).hexdigest()[:16]


def _weights(features: dict[str, str]) -> dict[str, float]:
    return {name: FEATURE_WEIGHTS[kind] for name, kind in features.items()}


def story_links(analyses: Mapping[str, StoryInput]) -> list[Link]:
    ids = sorted(analyses)
    docs = [
        DedupDoc(
            article_id=i,
            title="",
            body="",
            published_at=analyses[i].published_at,
            normalised=analyses[i].normalised_text,
        )
        for i in ids
    ]
    links: list[Link] = []
    duplicates = find_duplicates(docs)
    for a, b, *_ in duplicates.exact_pairs + duplicates.near_pairs:
        if _within(analyses[a].published_at, analyses[b].published_at, WINDOW, allow_none=True):
            links.append(Link(a, b, "duplicate", 0.0, 1.0))
    dated = sorted(
        (i for i in ids if analyses[i].published_at is not None),
        key=lambda i: (analyses[i].published_at, i),
    )
    weights = {i: _weights(analyses[i].story_features()) for i in dated}
    totals = {i: sum(weights[i].values()) for i in dated}
    index: dict[str, deque[str]] = defaultdict(deque)  # specific feature -> earlier articles
    compared: set[tuple[str, str]] = set()
    for i in dated:
        mine = weights[i]
        when = analyses[i].published_at
        candidates: set[str] = set()
        for feature in mine:
            if feature.split(":", 1)[0] not in SPECIFIC:
                continue
            posting = index[feature]
            while posting and when - analyses[posting[0]].published_at > WINDOW:
                posting.popleft()  # postings are in date order: drop what left the window
            candidates.update(posting)
            posting.append(i)
        for j in candidates:
            pair = (j, i)
            if pair in compared:
                continue
            compared.add(pair)
            theirs = weights[j]
            common = [feature for feature in mine if feature in theirs]
            shared = sum(mine[feature] for feature in common)
            specific = sum(mine[f] for f in common if f.split(":", 1)[0] in SPECIFIC)
            overlap = shared / (min(totals[i], totals[j]) or 1.0)
            if (
                specific >= MIN_SPECIFIC_WEIGHT
                and shared >= MIN_SHARED_WEIGHT
                and overlap >= MIN_OVERLAP
            ):
                links.append(Link(j, i, "features", round(shared, 3), round(overlap, 3)))
    return links


def assign_story_ids(analyses: Mapping[str, StoryInput]) -> dict[str, str]:
    """article_id -> story_id for every article given (a story of one when unlinked)."""
    union = UnionFind(analyses)
    for link in story_links(analyses):
        union.union(link.a, link.b)
    result: dict[str, str] = {}
    for group in union.groups():
        for part in _split_by_span(group, analyses):
            earliest = min(part, key=lambda i: _order(analyses[i].published_at, i))
            for member in part:
                result[member] = story_id_for(earliest)
    return result


def _split_by_span(group: list[str], analyses: Mapping[str, StoryInput]) -> list[list[str]]:
    members = sorted(group, key=lambda i: _order(analyses[i].published_at, i))
    parts: list[list[str]] = [[]]
    start: datetime | None = None
    for member in members:
        when = analyses[member].published_at
        if when is not None and start is not None and when - start > MAX_SPAN:
            parts.append([])
            start = None
        if start is None and when is not None:
            start = when
        parts[-1].append(member)
    return [p for p in parts if p]


def _order(when: datetime | None, article_id: str) -> tuple:
    return (0, when.timestamp(), article_id) if when is not None else (1, 0.0, article_id)


def _within(a: datetime | None, b: datetime | None, window: timedelta, allow_none: bool) -> bool:
    if a is None or b is None:
        return allow_none
    return abs(a - b) <= window
