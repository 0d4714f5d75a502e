"""Language per article and the mixed-language flag (issue 4, item 2)."""

from __future__ import annotations

import pytest

from scrapers.text.language import detect_language


def test_every_labelled_article_gets_its_language(labelled):
    wrong = {
        a.id: detect_language(a.text).language
        for a in labelled.values()
        if detect_language(a.text).language != a.language
    }
    assert wrong == {}


def test_titles_alone_are_enough(labelled):
    wrong = [a.id for a in labelled.values() if detect_language(a.title).language != a.language]
    assert wrong == []


@pytest.mark.parametrize(
    "text",
    [
        "The ministry announced on Monday that seven industrial clusters had been approved.",
        "El ministerio anunció el lunes que siete clústeres industriales fueron aprobados.",
        "Das Ministerium kündigte an, dass sieben Industriecluster genehmigt wurden.",
    ],
)
def test_other_languages_are_other(text):
    result = detect_language(text)
    assert result.language == "other"
    assert not result.is_mixed


def test_presentation_forms_are_arabic():
    text = "\ufe8d\ufedf\ufe98\ufea0\ufee4\ufecc\ufe8e\ufe95 \ufe8d\ufedf\ufebc\ufee8\ufe8e\ufecb\ufef4\ufe94"
    assert detect_language(text).language == "ar"


def test_no_letters_means_unknown():
    result = detect_language("2017 - 12/03 - 56,8 %")
    assert result.language is None and not result.is_mixed


def test_mixed_flag_needs_a_real_share_of_the_other_script():
    arabic = (
        "أعلن منتجو المشروبات عن تأسيس تجمع صناعي يضم مؤسسات إنتاج وممونين في التغليف "
        "ومخابر تحاليل بهدف تحسين الجودة وتبادل الخبرات. "
    )
    one_name = detect_language(arabic * 2 + "(Cluster Boissons Algérie)")
    assert one_name.language == "ar" and not one_name.is_mixed
    french = (
        "Le ministère de l'Industrie et des Mines soutient la création de clusters "
        "industriels dans la mécanique et le numérique, a indiqué sa secrétaire générale. "
    )
    quoted = detect_language(french + "وقالت: " + arabic)
    assert quoted.is_mixed
    assert 0.15 <= quoted.arabic_share <= 0.85
