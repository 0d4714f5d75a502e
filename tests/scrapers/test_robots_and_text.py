"""RFC 9309 matching, conditional GET through the door, mojibake and boilerplate rules,
JORADP index parsing and PDF extraction (pure functions and canned responses)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import responses

from scrapers.discover import entries_from_sitemap, id_range_urls, joradp_issues, joradp_variants
from scrapers.extract import (
    Article,
    Rejection,
    boilerplate_filter,
    clean_text,
    extract,
    parse_date_text,
    repair_mojibake,
)
from scrapers.http import HttpClient, conditional_headers
from scrapers.robots import RobotsRules, product_token

UA = "clusterwatch/0.1 (+https://github.com/clusterwatch/clusterwatch)"
ALGIERS = timezone(timedelta(hours=1))


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/ar/economie/1-x", True),  # the longer Allow beats the shorter Disallow
        ("/ar/sport/2-y", False),
        ("/fr/recherche?q=x", False),  # wildcard
        ("/fr/page.php", False),  # $ anchors the end
        ("/fr/page.php?x=1", True),
        ("/robots.txt", True),
        ("/", True),
        ("/private/", True),  # only the other crawler's group disallows it
    ],
)
def test_rfc9309_longest_match_wildcards_and_groups(path, allowed):
    rules = RobotsRules(
        "User-agent: otherbot\nDisallow: /private/\n\n"
        "User-agent: *\nDisallow: /ar/\nAllow: /ar/economie\n"
        "Disallow: /*/recherche\nDisallow: /*.php$\nCrawl-delay: 2\n"
    )
    assert rules.can_fetch(UA, f"https://www.aps.dz{path}") is allowed


def test_rfc9309_specific_group_replaces_star_and_ties_go_to_allow():
    rules = RobotsRules(
        "User-agent: *\nDisallow: /\n\nUser-agent: ClusterWatch\nUser-agent: x\n"
        "Disallow: /a\nAllow: /a\nCrawl-delay: 7\n"
    )
    assert product_token(UA) == "clusterwatch"
    assert rules.can_fetch(UA, "https://x.dz/a") and rules.can_fetch(UA, "https://x.dz/b")
    assert rules.crawl_delay(UA) == 7.0
    assert not rules.can_fetch("otherbot/1.0", "https://x.dz/b")
    assert RobotsRules.disallowing_everything().can_fetch(UA, "https://x.dz/") is False
    assert RobotsRules("").can_fetch(UA, "https://x.dz/anything")


@responses.activate
def test_conditional_get_returns_304_without_a_body():
    url = "https://www.aps.dz/ar/economie/1-x"
    responses.get(url, status=304, headers={"ETag": '"v1"'},
                  match=[responses.matchers.header_matcher({"If-None-Match": '"v1"'})])
    client = HttpClient(respect_robots=False, resolver=lambda host: ["93.184.215.14"])
    result = client.get(url, ["aps.dz"], headers=conditional_headers('"v1"', None))
    assert result.not_modified and result.body == b"" and result.etag == '"v1"'
    assert conditional_headers(None, "Thu, 29 Nov 2026 08:00:00 GMT") == {
        "If-Modified-Since": "Thu, 29 Nov 2026 08:00:00 GMT"}


@pytest.mark.parametrize(
    ("broken", "fixed"),
    [
        ("Le ministÃ¨re de l'Industrie a validÃ© sept clusters", "Le ministère de l'Industrie a validé sept clusters"),
        ("Â« pôle Â» de compÃ©titivitÃ©", "« pôle » de compétitivité"),
        ("ط§ظ„طھط¬ظ…ط¹ط§طھ ط§ظ„طµظ†ط§ط¹ظٹط©", "التجمعات الصناعية"),
        ("Sétif: ط§ظ„ط¬ط²ط§ط¦ط± et Ã©tÃ©", "Sétif: الجزائر et été"),  # mixed, word by word
        ("Le ministère a validé", "Le ministère a validé"),  # clean French untouched
        ("التجمعات الصناعية في سطيف", "التجمعات الصناعية في سطيف"),  # clean Arabic untouched
        ("Ã", "Ã"),  # a lone letter is not mojibake
    ],
)
def test_mojibake_repair(broken, fixed):
    assert repair_mojibake(broken) == fixed
    assert clean_text(broken) == fixed


def test_boilerplate_filter_drops_short_promotions_only():
    is_boilerplate = boilerplate_filter([r"^Source\s*:"])
    assert is_boilerplate("حمّل تطبيق النهار الآن")
    assert is_boilerplate("Suivez-nous sur Facebook")
    assert is_boilerplate("Source : APS")
    long_quote = "Le ministre a dit : suivez-nous sur cette voie, " + "la filière avance. " * 15
    assert not is_boilerplate(long_quote)
    assert not is_boilerplate("Le cluster réunit vingt entreprises de la mécanique.")


def test_djazairess_spaced_date():
    assert parse_date_text("نشر في الفجر يوم 21 - 02 - 2017") == datetime(2017, 2, 21, tzinfo=ALGIERS)


def test_joradp_index_gives_issues_with_variants_and_dates():
    body = (
        "<html><body><table>"
        "<tr><td><a href=\"../FTP/jo-francais/2017/F2017014.pdf\">N° 14</a></td><td>du 1er mars 2017</td></tr>"
        "<tr><td><a href=\"javascript:MaxWin('../ftp/jo-francais/2017/F2017015.PDF')\">JO N° 15</a>"
        "</td><td>du 5 mars 2017</td></tr>"
        "<tr><td><a href=\"../FTP/jo-arabe/2017/A2017014.pdf\">العدد 14</a></td></tr>"
        "<tr><td><a href=\"../FTP/jo-francais/2016/F2016001.pdf\">old</a></td></tr>"
        "</table></body></html>"
    ).encode()
    issues = joradp_issues(body, "https://www.joradp.dz/JRN/ZF2017.htm", 2017, "fr")
    assert [i.meta["issue_number"] for i in issues] == [15, 14]
    assert issues[0].url == "https://www.joradp.dz/ftp/jo-francais/2017/F2017015.PDF"
    assert issues[1].published == datetime(2017, 3, 1, tzinfo=ALGIERS)
    assert issues[1].meta["issue_number_on_index"] == 14 and issues[1].meta["language"] == "fr"
    assert "https://www.joradp.dz/ftp/jo-francais/2017/F2017014.PDF" in issues[1].meta["alternates"]
    assert len(joradp_variants("https://x/FTP/a/F1.pdf")) == 4


def test_id_ranges_and_news_sitemaps():
    assert id_range_urls("https://x.dz/a/{id}/", 8, 10) == [
        "https://x.dz/a/10/", "https://x.dz/a/9/", "https://x.dz/a/8/"]
    with pytest.raises(ValueError):
        id_range_urls("https://x.dz/a/", 1, 2)
    body = (
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        b"<url><loc>https://x.dz/a</loc><lastmod>2019-01-01</lastmod><news:news>"
        b"<news:publication_date>2018-03-18T11:20:04+01:00</news:publication_date>"
        b"<news:title>Cluster</news:title></news:news></url>"
        b"<url><loc>https://x.dz/b</loc></url></urlset>"
    )
    pages, children = entries_from_sitemap(body, "https://x.dz/sitemap.xml")
    assert children == [] and [p.url for p in pages] == ["https://x.dz/a", "https://x.dz/b"]
    assert pages[0].published == datetime(2018, 3, 18, 11, 20, 4, tzinfo=ALGIERS)
    assert pages[0].meta == {"title": "Cluster"} and pages[1].published is None


def test_pdf_extraction_and_bad_pdfs():
    from miniweb import joradp_pdf

    url = "https://www.joradp.dz/FTP/jo-francais/2017/F2017014.pdf"
    article = extract(joradp_pdf(14), url, {"Content-Type": "application/pdf"}, None)
    assert isinstance(article, Article) and article.extractor == "pdf"
    assert article.document_number == "JORADP 2017/014 fr" and article.kind == "official"
    assert "Art. 2. - Le cluster est un groupement d'entreprises" in article.body_text
    assert article.published_at == datetime(2017, 3, 1, tzinfo=ALGIERS)
    broken = extract(b"%PDF-1.4 garbage", url, {"Content-Type": "application/pdf"}, None)
    assert isinstance(broken, Rejection) and broken.reason in ("pdf_unreadable", "no_body")
    future = extract(joradp_pdf(14), url, {}, None, now=datetime(2016, 1, 1, tzinfo=ALGIERS))
    assert isinstance(future, Rejection) and future.reason == "future_date"
