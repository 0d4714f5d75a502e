"""Matching normalisation with tricky real forms (issue 4, item 1)."""

from __future__ import annotations

import pytest

from scrapers.text.matcher import Document, PhraseMatcher, text_keys
from scrapers.text.normalise import fold, normalise, script_counts, tokenize

# "التجمعات الصناعية" as El Khabar pages serve it: Arabic Presentation Forms-B.
PRESENTATION_FORMS = "\ufe8d\ufedf\ufe98\ufea0\ufee4\ufecc\ufe8e\ufe95 \ufe8d\ufedf\ufebc\ufee8\ufe8e\ufecb\ufef4\ufe94"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (PRESENTATION_FORMS, "التجمعات الصناعيه"),
        ("\ufefb", "لا"),  # lam-alef ligature ﻻ
        ("\ufef7\ufee7\ufeec\ufe8e", "لانها"),  # ﻷﻧﻬﺎ: lam-alef-hamza ligature + forms
        ("إستحداث أقطاب آفاق ٱلتنافسية", "استحداث اقطاب افاق التنافسيه"),
        ("الـمـيـكـانـيـك", "الميكانيك"),  # tatweel
        ("الصِّنَاعَةُ الوَطَنِيَّةُ", "الصناعه الوطنيه"),  # harakat, shadda
        ("مسؤول يلتقي رئيس الهيئة", "مسوول يلتقي رييس الهييه"),  # hamza on waw / ya
        ("مستوى الإنتاج على", "مستوي الانتاج علي"),  # alif maqsura
        ("ڨالمة", "قالمه"),  # Maghrebi qaf
        ("٧ تجمعات و۷ أقطاب سنة ٢٠١٧", "7 تجمعات و 7 اقطاب سنه 2017"),  # Eastern / Persian digits
        ("\u200fالجزائر\u200e \u202bالعاصمة\u202c", "الجزاير العاصمه"),  # bidi marks; ئ → ي
        ("ال\u200cتجمع\u200d", "التجمع"),  # zero-width non-joiner / joiner
        ("Pôle de Compétitivité", "pole de competitivite"),
        ("L’Industrie et l'Énergie", "industrie et energie"),  # elision, curly apostrophe
        ("qu’il ait lieu jusqu'à Sétif", "il ait lieu a setif"),
        ("l\u02bcÉcole d\u2018Alger", "ecole alger"),  # modifier-letter and left quote apostrophes
        ("aujourd'hui", "aujourd hui"),  # not an elision
        ("ŒUVRE cœur", "oeuvre coeur"),
        ("7\u00a0clusters\u202fagréés", "7 clusters agrees"),  # NBSP and narrow NBSP
        ("ﬁlière", "filiere"),  # Latin ligature fi
    ],
)
def test_normalise_folds_real_forms(raw, expected):
    assert normalise(raw) == expected


def test_stored_text_is_not_changed_and_spans_point_into_it():
    text = "كشفت ربيعة خرفي، الأمينة العامة لوزارة الصناعة والمناجم"
    tokens = tokenize(text)
    assert [text[t.start : t.end] for t in tokens][:3] == ["كشفت", "ربيعة", "خرفي"]
    harakat = "الصِّنَاعَة"
    (token,) = tokenize(harakat)
    assert harakat[token.start : token.end] == harakat  # the surface keeps the harakat
    assert token.norm == "الصناعه"


def test_numbers_are_tokens_of_their_own():
    tokens = tokenize("بلغ 56,8 دولار في الجولة الـ20 و١٬٥٠٠ مؤسسة")
    norms = [t.norm for t in tokens]
    assert norms == ["بلغ", "56,8", "دولار", "في", "الجوله", "ال", "20", "و", "1500", "موسسه"]
    assert [t.script for t in tokens if t.norm in ("56,8", "20", "1500")] == ["num"] * 3


def test_sentence_breaks_are_marked():
    tokens = tokenize("Le cluster. Les boissons\nAlger")
    assert [t.brk for t in tokens] == [False, False, True, False, True]


def test_arabic_clitics_are_candidate_keys():
    (token,) = tokenize("بالعاصمة")
    assert "عاصمه" in text_keys(token)
    (token,) = tokenize("والتجمعات")
    assert {"تجمعات", "التجمعات"} <= text_keys(token)
    (token,) = tokenize("للتجمعات")
    assert "تجمعات" in text_keys(token)


def test_phrase_matcher_accepts_clitics_definiteness_and_french_plurals():
    matcher = PhraseMatcher()
    matcher.add("التجمعات الصناعية", "cluster-ar")
    matcher.add("pôle de compétitivité", "pole-fr")
    cases = {
        "تجمعات صناعية": "cluster-ar",
        "للتجمعات الصناعية": "cluster-ar",
        "وبالتجمعات الصناعية": "cluster-ar",
        "les pôles de compétitivité": "pole-fr",
        "POLES DE COMPETITIVITE": "pole-fr",
    }
    for text, payload in cases.items():
        assert [m.payload for m in matcher.find(Document(text))] == [payload], text
    # token boundaries: no match inside a longer word, none across a sentence break
    assert matcher.find(Document("التجمعاتية الصناعية")) == []
    assert matcher.find(Document("les pôles. De compétitivité")) == []


def test_fold_is_idempotent():
    for raw in (PRESENTATION_FORMS, "Pôle de Compétitivité", "الـمـيـكـانـيـك ٧"):
        once = fold(raw)
        assert fold(once) == once


def test_script_counts_after_nfkc():
    assert script_counts(PRESENTATION_FORMS) == (16, 0)
    assert script_counts("Cluster Boissons Algérie") == (0, 22)
