"""Cluster relevance from the bilingual lexicon `data/cluster_lexicon.yaml`.

score = Σ over matched concepts of weight × (1 + ln n), n = body matches + title
multiplier × title matches (all terms of a concept pooled). Negative concepts subtract.
`is_cluster_related` = score ≥ threshold and core mentions (the n of the core concepts,
title mentions counted with the multiplier) ≥ min_core_mentions. The threshold, the
title multiplier, the minimum of core mentions and every weight live in the YAML file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from scrapers.text import data_files
from scrapers.text.matcher import Document, PhraseMatcher

LEXICON_FILE = "cluster_lexicon.yaml"
# The concept fed by the gazetteer's named clusters rather than by lexicon terms.
NAMED_CLUSTER = "named_cluster"


@dataclass(frozen=True)
class Concept:
    concept: str
    weight: float
    core: bool
    terms: tuple[tuple[str, str], ...]  # (language, term)


@dataclass(frozen=True)
class MatchedTerm:
    term: str  # the lexicon term as written in the file
    concept: str
    language: str
    weight: float
    count: int  # matches in title + body
    surface: str  # first match as it appears in the text

    def as_dict(self) -> dict:
        return {
            "term": self.term,
            "concept": self.concept,
            "language": self.language,
            "weight": self.weight,
            "count": self.count,
            "surface": self.surface,
        }


@dataclass(frozen=True)
class Relevance:
    score: float
    is_cluster_related: bool
    matched_terms: tuple[MatchedTerm, ...] = field(default_factory=tuple)

    @property
    def concepts(self) -> frozenset[str]:
        return frozenset(term.concept for term in self.matched_terms)

    def matched_terms_dicts(self) -> list[dict]:
        return [term.as_dict() for term in self.matched_terms]


class Lexicon:
    def __init__(self, config: dict, source: str = LEXICON_FILE):
        try:
            self.threshold = float(config["threshold"])
            self.title_multiplier = float(config.get("title_multiplier", 1))
            self.min_core_mentions = float(config.get("min_core_mentions", 1))
            concepts = []
            for entry in config["concepts"]:
                terms = tuple(
                    (language, str(term))
                    for language in ("ar", "fr")
                    for term in entry.get(language) or ()
                )
                concepts.append(
                    Concept(
                        concept=str(entry["concept"]),
                        weight=float(entry["weight"]),
                        core=bool(entry.get("core", False)),
                        terms=terms,
                    )
                )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{source}: invalid lexicon ({exc!r})") from exc
        names = [c.concept for c in concepts]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"{source}: concepts defined twice: {duplicates}")
        self.concepts = {c.concept: c for c in concepts}
        self.matcher = PhraseMatcher()
        for concept in concepts:
            for language, term in concept.terms:
                self.matcher.add(term, (concept.concept, language, term))

    def relevance(self, title: str, body: str, language: str | None = None) -> Relevance:
        """Score `title` and `body` (lead included) on the lexicon terms alone (no named
        clusters: use the module's `relevance()` or `analyse_article` for those).
        `language` is informative only: terms of both languages are matched, as mixed
        pages and quotes are common."""
        title = title or ""
        doc = Document(f"{title}\n{body or ''}")
        return self.relevance_of(doc, title_end=len(title))

    def relevance_of(
        self, doc: Document, title_end: int, named_cluster_offsets: tuple[int, ...] = ()
    ) -> Relevance:
        """Score a tokenised document whose first `title_end` characters are the title
        (a new line must follow it, so no term spans title and body).
        `named_cluster_offsets`: where the gazetteer found named clusters; each counts as
        a match of the `named_cluster` concept when the lexicon defines it."""
        counts: dict[tuple, int] = {}
        surfaces: dict[tuple, str] = {}
        concept_n: dict[str, float] = {}
        for match in self.matcher.find(doc):
            key = match.payload
            multiplier = self.title_multiplier if match.start < title_end else 1.0
            counts[key] = counts.get(key, 0) + 1
            surfaces.setdefault(key, doc.text[match.start : match.end])
            concept_n[key[0]] = concept_n.get(key[0], 0.0) + multiplier
        if NAMED_CLUSTER in self.concepts:
            for offset in named_cluster_offsets:
                key = (NAMED_CLUSTER, "any", "(clusters.yaml)")
                multiplier = self.title_multiplier if offset < title_end else 1.0
                counts[key] = counts.get(key, 0) + 1
                surfaces.setdefault(key, _token_run_at(doc, offset))
                concept_n[NAMED_CLUSTER] = concept_n.get(NAMED_CLUSTER, 0.0) + multiplier
        score = 0.0
        core_mentions = 0.0
        for name, n in concept_n.items():
            concept = self.concepts[name]
            score += concept.weight * (1.0 + math.log(n))
            if concept.core and concept.weight > 0:
                core_mentions += n
        matched = tuple(
            MatchedTerm(
                term=term,
                concept=name,
                language=lang,
                weight=self.concepts[name].weight,
                count=counts[(name, lang, term)],
                surface=surfaces[(name, lang, term)],
            )
            for (name, lang, term) in sorted(
                counts, key=lambda k: (-self.concepts[k[0]].weight, -counts[k], k[2])
            )
        )
        score = round(score, 3)
        related = core_mentions >= self.min_core_mentions and score >= self.threshold
        return Relevance(score, related, matched)


@lru_cache(maxsize=4)
def load_lexicon(path: str | None = None) -> Lexicon:
    """The lexicon of the package (cached), or of the YAML file at `path`."""
    if path is None:
        text = data_files.read_text(LEXICON_FILE)
        source = LEXICON_FILE
    else:
        text = Path(path).read_text(encoding="utf-8")
        source = str(path)
    return Lexicon(yaml.safe_load(text), source)


def _token_run_at(doc: Document, offset: int) -> str:
    """The words of the sentence part starting at `offset` (up to 6 tokens): a readable
    surface for a named-cluster match in matched_terms."""
    tokens = [t for t in doc.tokens if t.start >= offset][:6]
    end = tokens[-1].end if tokens else offset
    return doc.text[offset:end]


def relevance(text_title: str, text_body: str, language: str | None = None) -> Relevance:
    """Cluster relevance of an article with the package lexicon and gazetteers (named
    clusters count as core evidence), as `analyse_article` computes it."""
    from scrapers.text.entities import load_gazetteer

    title = text_title or ""
    doc = Document(f"{title}\n{text_body or ''}")
    entities = load_gazetteer().extract_from(doc)
    return load_lexicon().relevance_of(doc, len(title), entities.cluster_offsets)
