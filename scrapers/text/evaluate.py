"""Measure the text layer on the labelled set (tests/text/labelled): relevance precision
and recall, story pairwise precision and recall, language accuracy.

    .venv/bin/python -m scrapers.text.evaluate [--labelled DIR] [-v]

Prints one JSON object as its last line. The tests assert floors on the same numbers
(tests/text/test_evaluation.py), and docs/text-analysis.md reports them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import combinations
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
DEFAULT_LABELLED = REPO / "tests" / "text" / "labelled"
FIXTURES = REPO / "tests" / "text" / "fixtures"

try:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    ALGIERS = ZoneInfo("Africa/Algiers")
except ZoneInfoNotFoundError:  # no tz database: Algiers is UTC+1 without DST since 1981
    from datetime import timedelta, timezone

    ALGIERS = timezone(timedelta(hours=1), "Africa/Algiers")


@dataclass(frozen=True)
class LabelledArticle:
    id: str
    language: str
    cluster_related: bool
    kind: str
    split: str
    story: str | None
    published_at: datetime
    title: str
    lead: str
    body: str

    @property
    def text(self) -> str:
        return "\n".join(part for part in (self.title, self.lead, self.body) if part)


def _seed_parts(raw: str) -> tuple[str, str, str]:
    """The seed file as saved: photo-caption boilerplate, title, lead+body lines."""
    lines = [line.strip() for line in raw.splitlines() if line.strip()]
    if lines and "الصورة" in lines[0]:  # "سيتم حجب هذه الصورة ..." (page boilerplate)
        lines = lines[1:]
    return lines[0], "", "\n".join(lines[1:])


def load_labelled(folder: Path | str = DEFAULT_LABELLED) -> list[LabelledArticle]:
    folder = Path(folder)
    articles: list[LabelledArticle] = []
    for path in sorted(folder.glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["articles"]:
            if entry.get("body_file"):
                title, lead, body = _seed_parts(
                    (FIXTURES / entry["body_file"]).read_text(encoding="utf-8")
                )
            else:
                title, lead, body = entry["title"], entry.get("lead") or "", entry["body"]
            day = entry["published_at"]
            if isinstance(day, str):
                day = date.fromisoformat(day)
            articles.append(
                LabelledArticle(
                    id=str(entry["id"]),
                    language=str(entry["language"]),
                    cluster_related=bool(entry["cluster_related"]),
                    kind=str(entry.get("kind", "")),
                    split=str(entry["split"]),
                    story=entry.get("story"),
                    published_at=datetime.combine(day, time(9, 0), tzinfo=ALGIERS),
                    title=title.strip(),
                    lead=lead.strip(),
                    body=body.strip(),
                )
            )
    ids = [a.id for a in articles]
    if len(ids) != len(set(ids)):
        raise ValueError("labelled set: duplicate ids")
    return articles


def precision_recall(predicted: Iterable[bool], truth: Iterable[bool]) -> dict:
    tp = fp = fn = tn = 0
    for p, t in zip(predicted, truth, strict=True):
        tp += p and t
        fp += p and not t
        fn += t and not p
        tn += not p and not t
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
    }


def pairwise_story_metrics(
    predicted: dict[str, str], truth: dict[str, str | None], ids: Sequence[str]
) -> dict:
    """Pairs of articles put in one story (predicted) vs pairs that report one event
    (truth: same non-null label)."""
    predicted_pairs, true_pairs = [], []
    for a, b in combinations(sorted(ids), 2):
        predicted_pairs.append(predicted[a] == predicted[b])
        true_pairs.append(truth[a] is not None and truth[a] == truth[b])
    return precision_recall(predicted_pairs, true_pairs)


def evaluate(articles: Sequence[LabelledArticle], verbose: bool = False) -> dict:
    from scrapers.text.analyse import analyse_article, assign_stories
    from scrapers.text.language import detect_language

    analyses = {
        a.id: analyse_article(a.title, a.lead, a.body, published_at=a.published_at)
        for a in articles
    }
    result: dict = {"articles": len(articles)}
    for split in ("dev", "test", "blind", "all"):
        chosen = [a for a in articles if split == "all" or a.split == split]
        metrics = precision_recall(
            [analyses[a.id].relevance.is_cluster_related for a in chosen],
            [a.cluster_related for a in chosen],
        )
        metrics["articles"] = len(chosen)
        result[f"relevance_{split}"] = metrics
    for lang in ("ar", "fr"):
        chosen = [a for a in articles if a.language == lang]
        result[f"relevance_{lang}"] = precision_recall(
            [analyses[a.id].relevance.is_cluster_related for a in chosen],
            [a.cluster_related for a in chosen],
        )
    result["language_accuracy"] = round(
        sum(analyses[a.id].language == a.language for a in articles) / len(articles), 4
    )
    result["language_accuracy_title_only"] = round(
        sum(detect_language(a.title).language == a.language for a in articles) / len(articles), 4
    )
    stories = assign_stories(analyses)
    result["stories"] = pairwise_story_metrics(
        stories, {a.id: a.story for a in articles}, [a.id for a in articles]
    )
    result["stories"]["story_groups_labelled"] = len({a.story for a in articles if a.story})
    if verbose:
        for a in articles:
            analysis = analyses[a.id]
            flag = (
                "" if analysis.relevance.is_cluster_related == a.cluster_related else "  <-- WRONG"
            )
            terms = ", ".join(f"{t.concept}:{t.count}" for t in analysis.relevance.matched_terms)
            print(
                f"{a.id:10} {a.split:4} truth={a.cluster_related!s:5} "
                f"score={analysis.relevance.score:7.2f} story={stories[a.id][:10]} "
                f"label={a.story}{flag}\n           {terms}",
                file=sys.stderr,
            )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labelled", default=str(DEFAULT_LABELLED))
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    print(json.dumps(evaluate(load_labelled(args.labelled), args.verbose), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
