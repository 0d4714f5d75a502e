"""Feeds, listing pages and sitemaps -> article URLs. Pure functions: bytes in, URLs out.

Every returned URL is absolute (resolved against `base_url`, or the page's own
`<base href>`), http(s) only, without its #fragment, and listed once in document order.
Filtering by allowed domain is the caller's job (the pipeline does it with the source).
"""

from __future__ import annotations

import gzip
import io
import logging
from urllib.parse import urljoin, urlsplit, urlunsplit

log = logging.getLogger(__name__)

SITEMAP_MAX_BYTES = 50_000_000  # the sitemap protocol's own limit for one file


def _clean(url: str | None, base_url: str) -> str | None:
    if not url:
        return None
    url = url.strip()
    if not url or url.startswith(("javascript:", "mailto:", "tel:", "data:")):
        return None
    absolute = urljoin(base_url, url)
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def _unique(urls) -> list[str]:
    seen: set[str] = set()
    result = []
    for url in urls:
        if url and url not in seen:
            seen.add(url)
            result.append(url)
    return result


def links_from_feed(body: bytes, base_url: str) -> list[str]:
    """Article links of an RSS 0.9x/2.0, RSS 1.0 or Atom feed, in feed order."""
    import feedparser

    # A BytesIO, never the bytes themselves: feedparser treats a str as a URL or a file
    # name and would open it.
    parsed = feedparser.parse(
        io.BytesIO(body),
        response_headers={"content-location": base_url},
        resolve_relative_uris=True,
        sanitize_html=False,
    )
    if parsed.bozo and not parsed.entries:
        log.warning("feed at %s did not parse: %s", base_url, parsed.get("bozo_exception"))
    urls = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            alternates = [
                x.get("href")
                for x in entry.get("links", [])
                if x.get("rel", "alternate") == "alternate"
            ]
            link = alternates[0] if alternates else None
        if not link and str(entry.get("id", "")).startswith(("http://", "https://")):
            link = entry["id"]  # RSS <guid isPermaLink="true"> without <link>
        urls.append(_clean(link, base_url))
    return _unique(urls)


def _soup(body: bytes):
    from bs4 import BeautifulSoup

    return BeautifulSoup(body, "lxml")


def _href_of(element) -> str | None:
    if element.name == "a" and element.get("href"):
        return element["href"]
    inner = element.find("a", href=True)
    return inner["href"] if inner else None


def links_from_listing(
    body: bytes, base_url: str, link_selector: str, next_selector: str | None = None
) -> tuple[list[str], str | None]:
    """Links matched by `link_selector` (an <a>, or an element holding one) and the URL of
    the next listing page from `next_selector` (None when there is none)."""
    soup = _soup(body)
    base_tag = soup.find("base", href=True)
    base = urljoin(base_url, base_tag["href"]) if base_tag else base_url
    links = _unique(_clean(_href_of(element), base) for element in soup.select(link_selector))
    next_url = None
    if next_selector:
        element = soup.select_one(next_selector)
        if element is not None:
            next_url = _clean(_href_of(element), base)
            if next_url == _clean(base_url, base_url):
                next_url = None  # a "next" link to the page itself ends the walk
    return links, next_url


def links_from_sitemap(body: bytes, base_url: str) -> tuple[list[str], list[str]]:
    """(page URLs of a <urlset>, child sitemap URLs of a <sitemapindex>). Gzip accepted."""
    from lxml import etree

    if body[:2] == b"\x1f\x8b":
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as handle:
            body = handle.read(SITEMAP_MAX_BYTES + 1)[:SITEMAP_MAX_BYTES]
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        log.warning("sitemap at %s did not parse: %s", base_url, exc)
        return [], []
    if root is None:
        return [], []

    def local(tag) -> str:
        return etree.QName(tag).localname if isinstance(tag, str) else ""

    pages, children = [], []
    kind = local(root.tag)
    for entry in root:
        if local(entry.tag) not in ("url", "sitemap"):
            continue
        loc = next((child.text for child in entry if local(child.tag) == "loc"), None)
        url = _clean(loc, base_url)
        if url is None:
            continue
        (children if kind == "sitemapindex" or local(entry.tag) == "sitemap" else pages).append(url)
    return _unique(pages), _unique(children)
