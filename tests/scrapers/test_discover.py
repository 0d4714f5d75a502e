"""Discovery: feeds, listings and sitemaps to URLs (pure functions, no network)."""

from __future__ import annotations

import gzip
from pathlib import Path

from scrapers.discover import links_from_feed, links_from_listing, links_from_sitemap

DEMO_SITE = Path(__file__).resolve().parents[2] / "demo" / "site"


def test_rss_feed_links_resolved_against_the_feed_url():
    body = (DEMO_SITE / "aps.dz/ar/feed.rss").read_bytes()
    links = links_from_feed(body, "http://127.0.0.1:8000/aps.dz/ar/feed.rss")
    assert links == [
        "http://127.0.0.1:8000/aps.dz/ar/economie/52310-tajamou-raqmi-bordj-bou-arreridj",
        "http://127.0.0.1:8000/aps.dz/ar/videos/60112-ziyara-maydaniya-mecanique",
        "http://127.0.0.1:8000/aps.dz/ar/archives/2018/04/48805-warsha-munawala.html",
        "http://127.0.0.1:8000/aps.dz/ar/economie/41852-forum-tajamouat-sinaiya",
    ]


def test_feed_edge_cases():
    body = b"""<?xml version="1.0"?>
    <rss version="2.0"><channel><title>t</title>
      <item><title>a</title><link>https://www.elwatan.com/a.php#comments</link></item>
      <item><title>dup</title><link>https://www.elwatan.com/a.php</link></item>
      <item><title>guid only</title><guid isPermaLink="true">https://www.elwatan.com/b.php</guid></item>
      <item><title>script</title><link>javascript:alert(1)</link></item>
      <item><title>relative</title><link>c.php</link></item>
      <item><title>no link</title></item>
    </channel></rss>"""
    assert links_from_feed(body, "https://www.elwatan.com/feed/") == [
        "https://www.elwatan.com/a.php",
        "https://www.elwatan.com/b.php",
        "https://www.elwatan.com/feed/c.php",
    ]


def test_atom_feed():
    body = b"""<?xml version="1.0" encoding="utf-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom"><title>APS</title>
      <entry><title>x</title><id>urn:x</id><link rel="alternate" href="https://www.aps.dz/fr/economie/1-x"/></entry>
      <entry><title>y</title><id>urn:y</id><link rel="enclosure" href="https://www.aps.dz/y.jpg"/>
             <link rel="alternate" href="/fr/economie/2-y"/></entry>
    </feed>"""
    assert links_from_feed(body, "https://www.aps.dz/fr/feed") == [
        "https://www.aps.dz/fr/economie/1-x",
        "https://www.aps.dz/fr/economie/2-y",
    ]


def test_broken_feed_gives_no_links_and_a_str_body_is_never_opened_as_a_path():
    assert links_from_feed(b"<html><body>Not a feed</body></html>", "https://x.dz/feed") == []
    assert links_from_feed(b"/etc/passwd", "https://x.dz/feed") == []


def test_listing_pages_of_the_demo_ministry_site():
    base = "http://127.0.0.1:8000/industrie.gov.dz/fr/actualites/"
    first = (DEMO_SITE / "industrie.gov.dz/fr/actualites/index.html").read_bytes()
    links, next_url = links_from_listing(
        first, base, ".view-content .views-row .views-field-title a", ".pager .pager-next a"
    )
    assert links == [
        "http://127.0.0.1:8000/industrie.gov.dz/fr/actualites/reseau-algeria-clusters",
        "http://127.0.0.1:8000/industrie.gov.dz/fr/actualites/journee-clusters-agroalimentaires-setif",
        "https://www.joradp.dz/HFR/Index.htm",  # off-domain: the pipeline filters it out
        "http://127.0.0.1:8000/industrie.gov.dz/fr/actualites/cluster-cosmetique-en-gestation",
    ]
    assert next_url == "http://127.0.0.1:8000/industrie.gov.dz/fr/actualites/page/2/"

    second = (DEMO_SITE / "industrie.gov.dz/fr/actualites/page/2/index.html").read_bytes()
    links, next_url = links_from_listing(
        second, next_url, ".views-field-title a", ".pager .pager-next a"
    )
    assert links == [
        "http://127.0.0.1:8000/industrie.gov.dz/fr/actualites/convention-enp-cluster-mecanique-precision",
        "http://127.0.0.1:8000/industrie.gov.dz/fr/actualites/forum-clusters-innovation-2017",
    ]
    assert next_url is None


def test_listing_selector_may_match_a_container_and_base_href_is_used():
    body = b"""<html><head><base href="https://www.echoroukonline.com/economie/"></head><body>
      <div class="card"><span>x</span><a href="1-slug/">one</a></div>
      <div class="card"><a href="/2-slug/">two</a></div>
      <div class="card">no link</div>
      <a class="next" href="page/2/">next</a></body></html>"""
    links, next_url = links_from_listing(
        body, "https://www.echoroukonline.com/economie", ".card", "a.next"
    )
    assert links == [
        "https://www.echoroukonline.com/economie/1-slug/",
        "https://www.echoroukonline.com/2-slug/",
    ]
    assert next_url == "https://www.echoroukonline.com/economie/page/2/"


def test_a_next_link_to_the_page_itself_ends_the_walk():
    body = (
        b'<html><body><a class="a" href="/x">x</a><a class="next" href="/list">n</a></body></html>'
    )
    assert links_from_listing(body, "https://x.dz/list", "a.a", "a.next") == (
        ["https://x.dz/x"],
        None,
    )


URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://www.tsa-algerie.com/a/</loc><lastmod>2018-03-22</lastmod></url>
  <url><loc> https://www.tsa-algerie.com/b/ </loc></url>
  <url><loc>https://www.tsa-algerie.com/a/</loc></url>
</urlset>"""


def test_sitemap_urlset_and_index():
    assert links_from_sitemap(URLSET, "https://www.tsa-algerie.com/sitemap.xml") == (
        ["https://www.tsa-algerie.com/a/", "https://www.tsa-algerie.com/b/"],
        [],
    )
    index = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://www.tsa-algerie.com/post-sitemap1.xml</loc></sitemap>
      <sitemap><loc>/post-sitemap2.xml</loc></sitemap></sitemapindex>"""
    assert links_from_sitemap(index, "https://www.tsa-algerie.com/sitemap_index.xml") == (
        [],
        [
            "https://www.tsa-algerie.com/post-sitemap1.xml",
            "https://www.tsa-algerie.com/post-sitemap2.xml",
        ],
    )


def test_gzipped_sitemap_and_garbage():
    assert links_from_sitemap(gzip.compress(URLSET), "https://www.tsa-algerie.com/s.xml.gz")[0] == [
        "https://www.tsa-algerie.com/a/",
        "https://www.tsa-algerie.com/b/",
    ]
    assert links_from_sitemap(b"not xml at all", "https://x.dz/s.xml") == ([], [])


def test_sitemap_entities_are_not_expanded():
    body = b"""<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY x SYSTEM "file:///etc/passwd">]>
    <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x.dz/&x;</loc></url></urlset>"""
    pages, _ = links_from_sitemap(body, "https://x.dz/s.xml")
    assert all("root:" not in page for page in pages)


# -- the pipeline's walk over a source's discovery entries (HTTP through `responses`) ----


def test_discover_walks_sitemaps_and_listings_within_limits(tmp_path):
    import responses

    from scrapers.http import HttpClient
    from scrapers.pipeline import discover
    from scrapers.sources import load_source

    (tmp_path / "tsa.yaml").write_text(
        """
id: tsa
name: TSA
languages: [fr]
kind: news
base_url: "https://www.tsa-algerie.com"
allowed_domains: ["tsa-algerie.com"]
discovery:
  - {type: sitemap, url: "/sitemap_index.xml"}
  - {type: listing, url: "/economie/", link_selector: "h2 a", next_selector: "a.next", max_pages: 2}
  - {type: rss, url: "/feed/"}
politeness: {delay_seconds: 0, concurrency: 1}
""",
        encoding="utf-8",
    )
    source = load_source(tmp_path / "tsa.yaml")
    site = "https://www.tsa-algerie.com"
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    with responses.RequestsMock() as mock:
        mock.get(
            f"{site}/sitemap_index.xml",
            body=f"""<sitemapindex {ns}>
            <sitemap><loc>{site}/post-sitemap1.xml</loc></sitemap>
            <sitemap><loc>https://cdn.elsewhere.com/sitemap.xml</loc></sitemap></sitemapindex>""",
        )
        mock.get(
            f"{site}/post-sitemap1.xml",
            body=f"""<urlset {ns}>
            <url><loc>{site}/a/</loc></url><url><loc>https://evil.example/x</loc></url></urlset>""",
        )
        for page in (1, 2):
            mock.get(
                f"{site}/economie/" + ("" if page == 1 else f"page/{page}/"),
                body=f'<h2><a href="/l{page}/">x</a></h2><h2><a href="/a/">dup</a></h2>'
                f'<a class="next" href="/economie/page/{page + 1}/">next</a>',
            )
        mock.get(f"{site}/feed/", status=500)  # one broken endpoint does not stop the others
        client = HttpClient(
            respect_robots=False, max_retries=0, resolver=lambda host: ["93.184.215.14"]
        )
        found, errors, endpoints = discover(source, client)
    urls = [item.url for item in found]
    assert endpoints == 3
    # page 3 of the listing is never asked for (max_pages: 2); off-domain links are dropped
    assert urls == [f"{site}/a/", f"{site}/l1/", f"{site}/l2/"]
    assert len(errors) == 1 and "rss" in errors[0] and "500" in errors[0]
