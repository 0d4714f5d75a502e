"""The integration API of the text layer: one call per article, one call per batch.

    analysis = analyse_article(title, lead, body, language="ar", published_at=when)
    analysis.as_dict(story_id)   # the fields `clusterwatch extract` adds to each article
    stories = assign_stories({article_id: analysis, ...})   # article_id -> story_id

Pure: no I/O besides reading the package's data files once (cached).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time

from scrapers.text import data_files
from scrapers.text.entities import ENTITY_TYPES, Entities, load_gazetteer
from scrapers.text.language import detect_language
from scrapers.text.lexicon import Relevance, load_lexicon
from scrapers.text.matcher import Document
from scrapers.text.stories import assign_story_ids

CODE_VERSION = "1.0"

try:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    ALGIERS = ZoneInfo("Africa/Algiers")
except ZoneInfoNotFoundError:  # no tz database: Algiers is UTC+1 without DST since 1981
    from datetime import timedelta, timezone

    ALGIERS = timezone(timedelta(hours=1), "Africa/Algiers")


def analyser_version() -> str:
    """Code version + digest of the data files: a new lexicon or gazetteer entry makes a
    new version, so `store.analyse_pending` knows which analyses are stale."""
    return f"{CODE_VERSION}+{data_files.digest()[:12]}"


@dataclass(frozen=True)
class Analysis:
    language: str | None  # detected: 'ar' | 'fr' | 'other'; the declared one without letters
    language_declared: str | None
    is_mixed_language: bool
    arabic_share: float
    relevance: Relevance
    entities: Entities
    published_at: datetime | None
    content_fingerprint: str
    normalised_text: str = field(repr=False)

    @property
    def is_cluster_related(self) -> bool:
        return self.relevance.is_cluster_related

    @property
    def relevance_score(self) -> float:
        return self.relevance.score

    def story_features(self) -> dict[str, str]:
        """Language-independent features for story grouping: feature -> its type."""
        features = {
            f"{kind}:{entity.id}": kind
            for kind, entity in self.entities.items()
            if kind in ENTITY_TYPES
        }
        for concept in self.relevance.concepts:
            features[f"concepts:{concept}"] = "concepts"
        return features

    def as_dict(self, story_id: str | None = None) -> dict:
        """Exactly the fields the extract JSON gains (issue 4, item 6)."""
        return {
            "is_cluster_related": self.relevance.is_cluster_related,
            "relevance_score": self.relevance.score,
            "matched_terms": self.relevance.matched_terms_dicts(),
            "entities": self.entities.as_dict(),
            "story_id": story_id,
        }

    def as_record(self) -> dict:
        """Everything stored per article in raw.article_analysis (without ids)."""
        return {
            "language_detected": self.language,
            "is_mixed_language": self.is_mixed_language,
            "arabic_share": self.arabic_share,
            "is_cluster_related": self.relevance.is_cluster_related,
            "relevance_score": self.relevance.score,
            "matched_terms": self.relevance.matched_terms_dicts(),
            "content_fingerprint": self.content_fingerprint,
        }


def _as_datetime(value: datetime | date | str | None) -> datetime | None:
    """Aware datetime; a date or a naive time is taken in Africa/Algiers (DOMAIN.md §3), so
    articles from different extractors can be compared in one story window."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time(0, 0))
    else:
        parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=ALGIERS)


def analyse_article(
    title: str,
    lead: str | None,
    body: str,
    language: str | None = None,
    published_at: datetime | date | str | None = None,
) -> Analysis:
    """Language, relevance and entities of one article.

    `language` is the language the page declared or extraction found; the detector's
    answer wins when the text has letters (it is reported as `language`, the declared one
    as `language_declared`). `published_at` picks the wilaya codes valid on that day and
    places the article in time for stories."""
    title = title or ""
    lead = lead or ""
    body = body or ""
    when = _as_datetime(published_at)
    body_with_lead = f"{lead}\n{body}" if lead else body
    # One tokenisation serves everything: the new line after the title is a sentence
    # break, so no term or name spans title and body.
    doc = Document(f"{title}\n{body_with_lead}")
    detected = detect_language(doc.text)
    normalised_text = " ".join(token.norm for token in doc.tokens)
    entities = load_gazetteer().extract_from(doc, when)
    return Analysis(
        language=detected.language or language,
        language_declared=language,
        is_mixed_language=detected.is_mixed,
        arabic_share=detected.arabic_share,
        relevance=load_lexicon().relevance_of(doc, len(title), entities.cluster_offsets),
        entities=entities,
        published_at=when,
        content_fingerprint=hashlib.sha256(normalised_text.encode("utf-8")).hexdigest(),
        normalised_text=normalised_text,
    )


def assign_stories(
    analyses: Mapping[str, Analysis] | Iterable[tuple[str, Analysis]],
) -> dict[str, str]:
    """article_id -> story_id for every article given (see stories.py for the method).
    Give all the articles of the period you care about: a story id is stable when later
    articles join it, and the ids of a window are recomputed together."""
    mapping = dict(analyses.items() if isinstance(analyses, Mapping) else analyses)
    return assign_story_ids(mapping)


def analyse_extracted(article) -> Analysis:
    """`analyse_article` for an `scrapers.extract.Article` (or any object with `title`,
    `lead`, `body_text`, `language` and `published_at`): what `scrapers/analysis.py`'s
    seam calls, `analyse_extracted(article).as_dict()`."""
    return analyse_article(
        article.title,
        getattr(article, "lead", None),
        article.body_text,
        language=getattr(article, "language", None),
        published_at=getattr(article, "published_at", None),
    )


def story_ids_of(articles: Iterable, key: str = "canonical_url") -> dict[str, str]:
    """{article.<key>: story_id} for extracted articles analysed together (what
    `clusterwatch extract` adds as `story_id` once it has all its articles)."""
    return assign_stories({getattr(a, key): analyse_extracted(a) for a in articles})
