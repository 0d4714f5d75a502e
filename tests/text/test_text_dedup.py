"""Exact and near duplicates (issue 4, item 5)."""

from __future__ import annotations

import random

from scrapers.text.dedup import (
    DedupDoc,
    canonical_url_key,
    content_fingerprint,
    find_duplicates,
    near_duplicate_pairs,
)


def doc(article_id, title, body, url=None):
    return DedupDoc(article_id=article_id, title=title, body=body, canonical_url=url)


def test_canonical_url_key():
    assert canonical_url_key("HTTPS://WWW.ElWatan.com/a/b/#top") == "https://www.elwatan.com/a/b"
    assert canonical_url_key("https://www.elwatan.com/a/b") == "https://www.elwatan.com/a/b"
    assert canonical_url_key("https://aps.dz/x?id=2") != canonical_url_key("https://aps.dz/x?id=3")


def test_content_fingerprint_ignores_presentation_only_differences():
    a = content_fingerprint("التجمعات الصناعية", "تم إنشاء 7 تجمعات.")
    b = content_fingerprint(
        "\ufe8d\ufedf\ufe98\ufea0\ufee4\ufecc\ufe8e\ufe95  الصِّناعية", "تم  إنشاء ٧ تجمعات"
    )
    assert a == b
    assert a != content_fingerprint("التجمعات الصناعية", "تم إنشاء 8 تجمعات.")


def test_exact_duplicates_by_url_and_by_content(labelled):
    seed = labelled["ar-rel-01"]
    docs = [
        doc("a", seed.title, seed.body, "https://djazairess.com/alfadjr/354808"),
        doc("b", "other", "other text entirely", "https://djazairess.com/alfadjr/354808/"),
        doc("c", seed.title, seed.body.replace(" ", "  "), "https://www.al-fadjr.com/ar/x"),
        doc("d", "a", "different", "https://example.org/d"),
    ]
    result = find_duplicates(docs)
    assert ("a", "b", "canonical_url") in result.exact_pairs
    assert ("a", "c", "content_hash") in result.exact_pairs
    assert result.groups == [["a", "b", "c"]]
    assert result.duplicate_of == {"b": "a", "c": "a"}


def test_republished_dispatch_is_a_near_duplicate(labelled):
    aps, moudjahid = labelled["fr-rel-02"], labelled["fr-rel-04"]
    other = labelled["fr-rel-03"]  # same event, written independently: not a near-duplicate
    docs = [doc(a.id, a.title, a.body) for a in (aps, moudjahid, other)]
    pairs = near_duplicate_pairs(docs)
    assert [(a, b) for a, b, _ in pairs] == [("fr-rel-02", "fr-rel-04")]
    assert pairs[0][2] >= 0.5


def test_no_near_duplicates_in_distinct_articles(labelled):
    docs = [doc(a.id, a.title, a.body) for a in labelled.values() if a.id != "fr-rel-04"]
    assert near_duplicate_pairs(docs) == []


def test_near_duplicates_of_lightly_edited_copies():
    rng = random.Random(7)
    words = [f"mot{i}" for i in range(400)]
    base = " ".join(rng.choice(words) for _ in range(250))
    edited = base.split()
    for position in rng.sample(range(len(edited)), 8):  # 3 % of the words changed
        edited[position] = "changé"
    docs = [
        doc("orig", "t", base),
        doc("copy", "t", " ".join(edited)),
        doc("x", "t", "autre " * 50),
    ]
    result = find_duplicates(docs)
    assert result.groups == [["copy", "orig"]] or result.groups == [["orig", "copy"]]


def test_representative_is_the_earliest(labelled):
    from datetime import UTC, datetime

    a = labelled["fr-rel-02"]
    early = DedupDoc("z-late-id", a.title, a.body, published_at=datetime(2017, 2, 20, tzinfo=UTC))
    late = DedupDoc("a-early-id", a.title, a.body, published_at=datetime(2017, 2, 21, tzinfo=UTC))
    result = find_duplicates([late, early])
    assert result.duplicate_of == {"a-early-id": "z-late-id"}
