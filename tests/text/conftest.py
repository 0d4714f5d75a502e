"""Fixtures of the text-analysis tests: the labelled set, the seed article, analyses."""

from __future__ import annotations

from pathlib import Path

import pytest

from scrapers.text.analyse import analyse_article
from scrapers.text.evaluate import LabelledArticle, load_labelled

HERE = Path(__file__).resolve().parent
SEED = HERE / "fixtures" / "alfadjr-2017-02-21-clusters-forum.ar.txt"


@pytest.fixture(scope="session")
def labelled() -> dict[str, LabelledArticle]:
    return {article.id: article for article in load_labelled(HERE / "labelled")}


@pytest.fixture(scope="session")
def analyses(labelled):
    return {
        article_id: analyse_article(a.title, a.lead, a.body, published_at=a.published_at)
        for article_id, a in labelled.items()
    }


@pytest.fixture(scope="session")
def seed(labelled) -> LabelledArticle:
    """The real Al-Fadjr article of 21 Feb 2017 (ar-rel-01 of the labelled set)."""
    return labelled["ar-rel-01"]
