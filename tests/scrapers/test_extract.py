"""Extraction: recorded pages -> expected records (STYLE C12), plus the text and date rules."""

from __future__ import annotations

import hashlib
import json
import socket
import unicodedata
from datetime import UTC, datetime, timedelta, timezone

import pytest
from extraction_cases import CASES, FIXTURES, SOURCES, case_id, run_case

from scrapers.extract import (
    Article,
    Rejection,
    UndecodableError,
    clean_text,
    date_from_url,
    decode_html,
    detect_language,
    extract_article,
    normalise_url,
    parse_date_text,
    parse_iso_lenient,
)
from scrapers.sources import load_source

ALGIERS = timezone(timedelta(hours=1))


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Extraction is pure: any attempt to open a connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("extraction tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_there_are_cases_for_every_required_quirk():
    names = {case_id(page) for page in CASES}
    assert {
        "aps_ar/forum-clusters-2017-json-ld",
        "aps_ar/archive-windows-1256-no-charset-header",
        "elwatan/double-escaped-entities-byline-date",
        "elkhabar/malformed-datetime-presentation-forms",
    } <= names


@pytest.mark.parametrize("page", CASES, ids=case_id)
def test_recorded_page_extracts_to_expected_record(page):
    expected = json.loads(page.with_name(page.stem + ".expected.json").read_text(encoding="utf-8"))
    actual = run_case(page)
    if expected["outcome"] == "rejection":
        # The detail is prose for people; the reason is the contract.
        assert actual["detail"]
        actual.pop("detail"), expected.pop("detail")
    assert actual == expected


ARTICLE_CASES = [
    page
    for page in CASES
    if "\"outcome\": \"article\"" in page.with_name(page.stem + ".expected.json").read_text()
]


@pytest.mark.parametrize("page", ARTICLE_CASES, ids=case_id)
def test_stored_text_is_plain_nfkc_and_hash_matches(page):
    record = run_case(page)
    for field in ("title", "lead", "body_text", "author_name", "section"):
        value = record[field]
        if value is None:
            continue
        assert unicodedata.normalize("NFKC", value) == value, field
        assert "<" not in value or "<" in page.read_text(errors="ignore"), field
        assert "&amp;" not in value and "&eacute;" not in value and "&#039;" not in value, field
        assert not any("\ufb50" <= ch <= "\ufeff" for ch in value), f"presentation forms in {field}"
    digest = hashlib.sha256(f"{record['title']}\n{record['body_text']}".encode()).hexdigest()
    assert record["content_hash"] == digest


def test_seed_article_keeps_its_facts_and_drops_the_image_widget():
    page = FIXTURES / "aps_ar" / "forum-clusters-2017-json-ld.html"
    source = load_source(SOURCES / "aps_ar.yaml")
    article = extract_article(
        page.read_bytes(),
        "https://www.aps.dz/ar/economie/41852-forum-tajamouat-sinaiya",
        {"Content-Type": "text/html; charset=utf-8"},
        source,
    )
    assert isinstance(article, Article)
    assert "ربيعة خرفي" in article.lead
    assert "7 تجمعات" in article.title
    assert "فندق الأوراسي" in article.body_text
    assert "أحمد طيباوي" in article.body_text
    assert "المدرسة الوطنية متعددة التقنيات والتجمع الصناعي الميكانيكي للدقة" in article.body_text
    assert "سيتم حجب هذه الصورة" not in article.body_text  # a site widget, not article text
    assert "dataLayer" not in article.body_text  # scripts are dropped
    assert "فيسبوك" not in article.body_text  # share bar excluded by the source
    assert article.lead not in article.body_text
    assert article.published_at == datetime(2017, 2, 20, 18, 40, tzinfo=ALGIERS)


# -- decoding -----------------------------------------------------------------------

ARABIC = "التجمعات الصناعية في الجزائر"


def test_windows_1256_without_header_charset_is_decoded_from_the_meta_tag():
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">'
    body = f"<html><head>{meta}</head><body>{ARABIC}</body></html>".encode("cp1256")
    text, codec = decode_html(body, {"Content-Type": "text/html"})
    assert ARABIC in text and codec == "cp1256"


def test_windows_1256_with_nothing_declared_is_detected():
    body = (
        f"<html><body><p>{ARABIC}</p><p>"
        + "وزارة الصناعة والمناجم تدعم مبادرة إنشاء التجمعات " * 5
        + "</p></body></html>"
    ).encode("cp1256")
    text, _ = decode_html(body, {})
    assert ARABIC in text


def test_valid_utf8_wins_over_a_wrong_single_byte_label():
    body = f"<html><body>{ARABIC}</body></html>".encode()
    text, codec = decode_html(body, {"content-type": "text/html; charset=ISO-8859-1"})
    assert ARABIC in text and codec == "utf-8"


def test_header_charset_is_used_for_legacy_bytes():
    body = "<html><body>Le ministère de l'Industrie</body></html>".encode("cp1252")
    text, _ = decode_html(body, {"Content-Type": "text/html; charset=windows-1252"})
    assert "ministère" in text


@pytest.mark.parametrize("body", [b"", b"   ", b"\x00\x01\x02\x03" * 100, bytes(range(256)) * 20])
def test_empty_or_binary_bodies_are_undecodable(body):
    with pytest.raises(UndecodableError):
        decode_html(body, {"Content-Type": "text/html"})
    result = extract_article(body, "https://www.aps.dz/x", {"Content-Type": "text/html"}, None)
    assert isinstance(result, Rejection) and result.reason == "undecodable"


# -- text -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("minist&eacute;re", "ministére"),
        ("l&#039;Industrie", "l'Industrie"),
        ("&amp;eacute;", "é"),  # triple layer, as left by text->html->html
        ("R&D et AT&T", "R&D et AT&T"),
        ("a\u00a0b \u200fc\u202b", "a b c"),
        ("ﺍﻟﺘﺠﻤﻌﺎﺕ ﻻ", "التجمعات لا"),
        ("  many\n\t spaces ", "many spaces"),
        ("حَرَكات وتـطـويل", "حَرَكات وتـطـويل"),  # harakat and tatweel are kept in stored text
    ],
)
def test_clean_text(raw, clean):
    assert clean_text(raw) == clean


# -- dates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("le 19/03/18 à 12h00", datetime(2018, 3, 19, 12, 0, tzinfo=ALGIERS)),
        ("jeudi 22 mars 2018 05:15:08", datetime(2018, 3, 22, 5, 15, 8, tzinfo=ALGIERS)),
        ("jeudi 22 mars 2018 05:15:08Photo : APS", datetime(2018, 3, 22, 5, 15, 8, tzinfo=ALGIERS)),
        ("Publié le 1er février 2019 à 9h", datetime(2019, 2, 1, 9, 0, tzinfo=ALGIERS)),
        ("22 fevrier 2018", datetime(2018, 2, 22, tzinfo=ALGIERS)),
        ("3 janv. 2018", datetime(2018, 1, 3, tzinfo=ALGIERS)),
        ("22-03-2018", datetime(2018, 3, 22, tzinfo=ALGIERS)),
        ("الثلاثاء، 03 أفريل 2018 على الساعة 10:30", datetime(2018, 4, 3, 10, 30, tzinfo=ALGIERS)),
        ("21 فيفري 2017", datetime(2017, 2, 21, tzinfo=ALGIERS)),
        ("١٥ جويلية ٢٠١٨", datetime(2018, 7, 15, tzinfo=ALGIERS)),
        ("15 اوت 2018", datetime(2018, 8, 15, tzinfo=ALGIERS)),
        ("15 أوت 2018", datetime(2018, 8, 15, tzinfo=ALGIERS)),
        ("1 جانفي 2019", datetime(2019, 1, 1, tzinfo=ALGIERS)),
        ("9 ماي 2018", datetime(2018, 5, 9, tzinfo=ALGIERS)),
        ("9 جوان 2018", datetime(2018, 6, 9, tzinfo=ALGIERS)),
        ("12 أغسطس 2018", datetime(2018, 8, 12, tzinfo=ALGIERS)),
        ("12 تشرين الأول 2018", datetime(2018, 10, 12, tzinfo=ALGIERS)),
        ("نشر في 2018-03-18T11:20:04Z", datetime(2018, 3, 18, 11, 20, 4, tzinfo=UTC)),
        ("22 Mar 2018 10:00", datetime(2018, 3, 22, 10, 0, tzinfo=ALGIERS)),
        # month before day: no pattern of ours, dateparser (locale fr) takes it
        ("mars 22, 2018", datetime(2018, 3, 22, tzinfo=ALGIERS)),
        ("jeudi, mars 22, 2018 à 10:00", datetime(2018, 3, 22, 10, 0, tzinfo=ALGIERS)),
        ("mis à jour il y a 2 heures", None),  # relative dates would need the clock
        ("", None),
    ],
)
def test_parse_date_text(text, expected):
    assert parse_date_text(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2018-3-18T11:20:4Z+1", datetime(2018, 3, 18, 11, 20, 4, tzinfo=ALGIERS)),
        ("2017-02-20T18:40:00+01:00", datetime(2017, 2, 20, 18, 40, tzinfo=ALGIERS)),
        ("2018-03-22T05:15:08Z", datetime(2018, 3, 22, 5, 15, 8, tzinfo=UTC)),
        ("2018-03-22 05:15:08", datetime(2018, 3, 22, 5, 15, 8, tzinfo=ALGIERS)),
        ("2018-03-22", datetime(2018, 3, 22, tzinfo=ALGIERS)),
        ("2018-02-30", None),
        ("yesterday", None),
    ],
)
def test_parse_iso_lenient(value, expected):
    assert parse_iso_lenient(value) == expected


def test_naive_times_are_algiers_time():
    value = parse_iso_lenient("2019-10-15T11:30:00")
    assert value.utcoffset() == timedelta(hours=1)
    assert value.astimezone(UTC).hour == 10


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://www.elwatan.com/edition/economie/x-22-03-2018-365788_111.php",
            datetime(2018, 3, 22, tzinfo=ALGIERS),
        ),
        ("https://www.tsa-algerie.com/2018/03/05/slug/", datetime(2018, 3, 5, tzinfo=ALGIERS)),
        ("https://www.aps.dz/ar/economie/41852-slug", None),
    ],
)
def test_date_from_url(url, expected):
    assert date_from_url(url) == expected


def _page(title="Titre", body="<p>" + "Texte de l'article. " * 20 + "</p>", head="", html_attrs=""):
    return (
        f"<html {html_attrs}><head><meta charset='utf-8'>{head}</head><body><h1>{title}</h1>"
        f"<div class='texte'>{body}</div></body></html>".encode()
    )


def test_future_dates_are_rejected_only_with_now():
    body = _page(head='<meta property="article:published_time" content="2030-01-01T00:00:00Z">')
    now = datetime(2026, 1, 1, tzinfo=UTC)
    rejected = extract_article(body, "https://x.dz/a", {}, None, now=now)
    assert isinstance(rejected, Rejection) and rejected.reason == "future_date"
    assert isinstance(extract_article(body, "https://x.dz/a", {}, None), Article)


def test_header_date_of_today_is_not_taken_as_publication_date():
    page = (
        b"<html><body><header><time datetime='2026-11-29'>today</time></header>"
        b"<h1>T</h1><div>"
        + ("Un texte d'article assez long. " * 20).encode()
        + b"</div></body></html>"
    )
    article = extract_article(page, "https://x.dz/a", {}, None)
    assert isinstance(article, Article)
    assert article.published_at is None and article.published_at_source is None


def test_implausible_dates_fall_through_the_cascade():
    body = _page(head='<meta property="article:published_time" content="0001-01-01T00:00:00Z">')
    article = extract_article(body, "https://x.dz/2018/03/05/slug", {}, None)
    assert article.published_at_source == "url"


# -- other rules ----------------------------------------------------------------------


def test_non_html_is_rejected():
    result = extract_article(
        b"%PDF-1.4", "https://x.dz/a.pdf", {"Content-Type": "application/pdf"}, None
    )
    assert isinstance(result, Rejection) and result.reason == "not_html"


def test_no_title_and_short_body_are_rejected():
    no_title = b"<html><body><div>" + ("texte " * 100).encode() + b"</div></body></html>"
    assert extract_article(no_title, "https://x.dz/a", {}, None).reason == "no_title"
    short = _page(body="<p>Trop court.</p>")
    result = extract_article(short, "https://x.dz/a", {}, None)
    assert result.reason == "body_too_short"
    assert isinstance(extract_article(short, "https://x.dz/a", {}, None, min_body_chars=5), Article)


def test_canonical_outside_the_source_domains_is_ignored():
    source = load_source(SOURCES / "elwatan.yaml")
    page = _page(head='<link rel="canonical" href="https://evil.example/stolen">')
    article = extract_article(page, "https://www.elwatan.com/a.php#top", {}, source)
    assert article.canonical_url == "https://www.elwatan.com/a.php"


def test_normalise_url():
    assert (
        normalise_url("HTTPS://WWW.APS.DZ:443/ar/x?utm_source=fb&id=3#top")
        == "https://www.aps.dz/ar/x?id=3"
    )
    assert normalise_url("https://www.ennaharonline.com/تجمع/") == normalise_url(
        "https://www.ennaharonline.com/%D8%AA%D8%AC%D9%85%D8%B9/"
    )


@pytest.mark.parametrize(
    ("declared", "text", "expected"),
    [
        ("fr", "الجزائر تطلق سبعة تجمعات صناعية في قطاعات الميكانيك والرقمنة", "ar"),
        ("ar", "التجمعات الصناعية", "ar"),
        (
            None,
            "Le ministère de l'Industrie a annoncé la création des clusters dans la mécanique",
            "fr",
        ),
        (None, "The ministry of industry announced the creation of clusters in the country", "en"),
        ("fr-FR", "Economie", "fr"),
        (None, "123", None),
    ],
)
def test_detect_language(declared, text, expected):
    assert detect_language(declared, text) == expected
