"""Cluster relevance from the bilingual lexicon (issue 4, item 3)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scrapers.text import data_files
from scrapers.text.lexicon import Lexicon, load_lexicon, relevance


def test_seed_article_is_cluster_related(seed):
    result = relevance(seed.title, seed.body, "ar")
    assert result.is_cluster_related
    assert result.score >= load_lexicon().threshold
    assert {"industrial_cluster", "cluster_loanword", "competitiveness_pole"} <= result.concepts
    by_term = {t.term: t for t in result.matched_terms}
    assert by_term["التجمعات الصناعية"].count >= 5
    assert by_term["التجمعات الصناعية"].language == "ar"


def test_arabic_football_club_is_not_cluster_related(labelled):
    article = labelled["ar-unr-01"]  # "نادي مولودية الجزائر يدخل في تجمع مغلق ..."
    result = relevance(article.title, article.body, "ar")
    assert not result.is_cluster_related
    assert "sport" in result.concepts and result.score < 0


def test_french_hydrocarbon_prices_are_not_cluster_related(labelled):
    article = labelled["fr-unr-01"]  # "Le Brent frôle les 57 dollars ..."
    result = relevance(article.title, article.body, "fr")
    assert not result.is_cluster_related
    assert "oil_market" in result.concepts


@pytest.mark.parametrize(
    ("title", "body", "related"),
    [
        ("Le cluster mécanique", "Un cluster industriel réunit les PME et l'université.", True),
        ("", "Un cluster de serveurs Kubernetes en haute disponibilité.", False),
        ("", "Un cluster de contamination au coronavirus, 27 cas confirmés.", False),
        ("", "Le pôle urbain de Sidi Abdellah accueille 3 000 logements.", False),
        ("", "الذخائر العنقودية المحظورة دوليا والقنابل العنقودية", False),
        ("", "عقد التجمع الوطني الديمقراطي مجلسه الوطني", False),
        ("أقطاب التنافسية", "تعتمد السياسة الصناعية على أقطاب التنافسية والابتكار", True),
    ],
)
def test_negative_and_positive_cases(title, body, related):
    assert relevance(title, body).is_cluster_related is related


def test_context_without_a_core_term_is_never_enough():
    body = (
        "Innovation, compétitivité, centres de recherche, PME, sous-traitance, taux "
        "d'intégration, diversification de l'économie, ministère de l'Industrie. " * 5
    )
    result = relevance("Innovation et compétitivité", body)
    assert result.score >= load_lexicon().threshold
    assert not result.is_cluster_related  # no core concept matched


def test_title_counts_more_than_body():
    in_title = relevance("Les clusters", "Un texte.")
    in_body = relevance("Un titre", "Les clusters.")
    assert in_title.score > in_body.score


def test_threshold_and_weights_come_from_the_file(tmp_path: Path):
    config = yaml.safe_load(data_files.read_text("cluster_lexicon.yaml"))
    config["threshold"] = 1000
    path = tmp_path / "lexicon.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    strict = load_lexicon(str(path))
    assert not strict.relevance(
        "Les clusters industriels", "Sept clusters industriels."
    ).is_cluster_related


def test_invalid_lexicon_names_the_problem():
    with pytest.raises(ValueError, match="invalid lexicon"):
        Lexicon({"concepts": []})
    with pytest.raises(ValueError, match="defined twice"):
        Lexicon(
            {
                "threshold": 1,
                "concepts": [
                    {"concept": "a", "weight": 1, "fr": ["x"]},
                    {"concept": "a", "weight": 2, "fr": ["y"]},
                ],
            }
        )


def test_lexicon_covers_the_domain_vocabulary():
    """DOMAIN.md §1 lists the words users care about: each must be a core term."""
    lexicon = load_lexicon()
    for phrase in (
        "التجمعات الصناعية",
        "الكلاستر",
        "العناقيد الصناعية",
        "أقطاب التنافسية",
        "clusters",
        "pôles de compétitivité",
        "grappes d'entreprises",
    ):
        result = lexicon.relevance("", phrase)
        assert any(lexicon.concepts[c].core for c in result.concepts), phrase


def test_one_passing_core_mention_is_not_enough():
    context = (
        "تضمن المخطط تشجيع التجمعات الصناعية وتنويع الاقتصاد والابتكار ومراكز البحث "
        "ورقمنة الضرائب وإصلاح البنوك."
    )
    once = relevance("مخطط عمل الحكومة", context)
    assert once.score >= load_lexicon().threshold  # enough points ...
    assert not once.is_cluster_related  # ... but a single core mention
    in_title = relevance("التجمعات الصناعية في مخطط الحكومة", context)
    assert in_title.is_cluster_related  # a title mention counts twice


def test_named_clusters_are_core_evidence():
    title = "كلاستر المشروبات يشارك في معرض دولي"
    body = "تشارك مؤسسات كلاستر المشروبات في المعرض لعقد شراكات مع الموزعين."
    with_gazetteer = relevance(title, body)
    assert with_gazetteer.is_cluster_related
    assert "named_cluster" in with_gazetteer.concepts
    lexicon_only = load_lexicon().relevance(title, body)
    assert "named_cluster" not in lexicon_only.concepts
