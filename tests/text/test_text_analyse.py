"""The integration API: analyse_article / Analysis.as_dict / assign_stories (issue 4,
items 6 and 7)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from scrapers.text.analyse import analyse_article, analyser_version, assign_stories

ENTITY_KEYS = ["clusters", "sectors", "wilayas", "organisations", "people", "numbers"]


def test_seed_article_acceptance(seed):
    """Item 7: cluster-related, sectors mechanics and digital, organisations Ministry of
    Industry and Mines and École Nationale Polytechnique, person Rabia Kherfi, place
    Algiers, number 7."""
    analysis = analyse_article(seed.title, seed.lead, seed.body, published_at=seed.published_at)
    out = analysis.as_dict()
    assert out["is_cluster_related"] is True
    entities = out["entities"]
    assert {"mechanics", "digital_electronics"} <= {e["id"] for e in entities["sectors"]}
    organisations = {e["id"]: e for e in entities["organisations"]}
    assert organisations["ministry_industry"]["name"] == "Ministère de l'Industrie et des Mines"
    assert organisations["enp"]["name"] == "École nationale polytechnique"
    assert [e["name"] for e in entities["people"] if e["id"] == "rabia_kherfi"] == ["Rabia Kherfi"]
    assert [(e["id"], e["name"]) for e in entities["wilayas"]] == [("16", "Alger")]
    assert any(e["value"] == 7 and e["unit"] == "cluster" for e in entities["numbers"])
    assert analysis.language == "ar" and not analysis.is_mixed_language


def test_as_dict_has_exactly_the_extract_fields(seed):
    out = analyse_article(seed.title, seed.lead, seed.body).as_dict(story_id="st_0123")
    assert list(out) == [
        "is_cluster_related",
        "relevance_score",
        "matched_terms",
        "entities",
        "story_id",
    ]
    assert list(out["entities"]) == ENTITY_KEYS
    assert out["story_id"] == "st_0123"
    assert isinstance(out["relevance_score"], float)
    assert {"term", "concept", "weight", "count", "surface"} <= set(out["matched_terms"][0])
    json.dumps(out, ensure_ascii=False)  # JSON-ready as it is
    assert analyse_article("", "", "").as_dict()["story_id"] is None


def test_sports_club_and_hydrocarbon_prices_are_not_cluster_related(labelled):
    for article_id in ("ar-unr-01", "fr-unr-01"):
        a = labelled[article_id]
        assert analyse_article(a.title, a.lead, a.body).is_cluster_related is False, article_id


def test_french_forum_article_shares_the_seed_story(labelled):
    seed, french = labelled["ar-rel-01"], labelled["fr-rel-01"]
    analyses = {
        a.id: analyse_article(
            a.title, a.lead, a.body, language=a.language, published_at=a.published_at
        )
        for a in (seed, french)
    }
    stories = assign_stories(analyses)
    assert stories["ar-rel-01"] == stories["fr-rel-01"]
    assert stories["ar-rel-01"].startswith("st_")


def test_published_at_accepts_dates_and_iso_strings(seed):
    as_string = analyse_article(seed.title, "", seed.body, published_at="2017-02-21T09:00:00+01:00")
    as_date = analyse_article(seed.title, "", seed.body, published_at=date(2017, 2, 21))
    assert as_string.published_at == datetime(2017, 2, 21, 8, 0, tzinfo=UTC)
    assert as_date.published_at.date() == date(2017, 2, 21)
    assert as_date.published_at.utcoffset().total_seconds() == 3600  # Algiers time
    naive = analyse_article(seed.title, "", seed.body, published_at=datetime(2017, 2, 21, 9))
    # aware and naive inputs can be grouped together
    assert assign_stories({"a": as_string, "b": naive, "c": as_date})


def test_declared_language_is_kept_but_detection_wins(seed):
    analysis = analyse_article(seed.title, "", seed.body, language="fr")
    assert analysis.language == "ar" and analysis.language_declared == "fr"
    assert analyse_article("", "", "2017", language="fr").language == "fr"  # no letters


def test_analysis_is_deterministic(seed):
    one = analyse_article(seed.title, seed.lead, seed.body).as_dict()
    two = analyse_article(seed.title, seed.lead, seed.body).as_dict()
    assert one == two


def test_analyser_version_names_code_and_data():
    version = analyser_version()
    code, digest = version.split("+")
    assert code and len(digest) == 12


def test_adapters_for_extracted_articles(labelled):
    from types import SimpleNamespace

    from scrapers.text.analyse import analyse_extracted, story_ids_of

    def extracted(article):  # the attributes scrapers.extract.Article has
        return SimpleNamespace(
            title=article.title,
            lead=article.lead,
            body_text=article.body,
            language=article.language,
            published_at=article.published_at,
            canonical_url=f"https://example.test/{article.id}",
        )

    seed = extracted(labelled["ar-rel-01"])
    assert analyse_extracted(seed).as_dict()["is_cluster_related"] is True
    stories = story_ids_of(
        [seed, extracted(labelled["fr-rel-01"]), extracted(labelled["fr-unr-01"])]
    )
    assert stories["https://example.test/ar-rel-01"] == stories["https://example.test/fr-rel-01"]
    assert stories["https://example.test/fr-unr-01"] != stories["https://example.test/ar-rel-01"]
