"""Feeds, listing pages, sitemaps, id ranges and JORADP issue indexes -> article URLs.
Pure functions: bytes in, URLs (and what the entry says about them) out.

Every returned URL is absolute (resolved against `base_url`, or the page's own
`<base href>`), http(s) only, without its #fragment, and listed once in document order.
Filtering by allowed domain is the caller's job (the pipeline does it with the source).
"""

from __future__ import annotations

import calendar
import gzip
import io
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit, urlunsplit

log = logging.getLogger(__name__)

SITEMAP_MAX_BYTES = 50_000_000  # the sitemap protocol's own limit for one file


@dataclass(frozen=True)
class Found:
    """One discovered page: its URL, the date its entry gives (feed, sitemap, index),
    and what else the entry says (JORADP: year, issue number, language; URL variants)."""

    url: str
    published: datetime | None = None
    meta: dict = field(default_factory=dict, hash=False, compare=False)


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
    return [found.url for found in entries_from_feed(body, base_url)]


def _feed_date(entry) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (OverflowError, ValueError, TypeError):
                continue
    return None


def entries_from_feed(body: bytes, base_url: str) -> list[Found]:
    """Entries of a feed with their dates. A broken entry (no link, bad date) is skipped
    or kept without a date; it never costs the other entries."""
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
    found: list[Found] = []
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
        url = _clean(link, base_url)
        if url:
            found.append(Found(url, _feed_date(entry)))
    return _unique_found(found)


def _unique_found(items) -> list[Found]:
    seen: set[str] = set()
    result = []
    for item in items:
        if item.url not in seen:
            seen.add(item.url)
            result.append(item)
    return result


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
    pages, children = entries_from_sitemap(body, base_url)
    return [p.url for p in pages], [c.url for c in children]


def _w3c_date(text: str | None) -> datetime | None:
    if not text:
        return None
    from scrapers.extract import parse_iso_lenient

    return parse_iso_lenient(text.strip())


def entries_from_sitemap(body: bytes, base_url: str) -> tuple[list[Found], list[Found]]:
    """(pages, child sitemaps), each with its date: a news sitemap's
    `<news:publication_date>` first, else `<lastmod>`."""
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
        loc = lastmod = news_date = title = None
        for child in entry.iter():
            name = local(child.tag)
            if name == "loc" and loc is None:
                loc = child.text
            elif name == "lastmod":
                lastmod = child.text
            elif name == "publication_date":
                news_date = child.text
            elif name == "title":
                title = (child.text or "").strip() or None
        url = _clean(loc, base_url)
        if url is None:
            continue
        meta = {"title": title} if title else {}
        item = Found(url, _w3c_date(news_date) or _w3c_date(lastmod), meta)
        is_child = kind == "sitemapindex" or local(entry.tag) == "sitemap"
        (children if is_child else pages).append(item)
    return _unique_found(pages), _unique_found(children)


# -- back-fill by id ------------------------------------------------------------------


def id_range_urls(template: str, id_from: int, id_to: int) -> list[str]:
    """`https://www.elkhabar.com/press/article/{id}/` for every id, newest first (a
    back-fill interrupted half-way has the recent half, which matters most)."""
    if "{id}" not in template:
        raise ValueError(f"id_range url has no {{id}}: {template}")
    if id_from > id_to:
        raise ValueError(f"empty id range {id_from}..{id_to}")
    return [template.replace("{id}", str(number)) for number in range(id_to, id_from - 1, -1)]


# -- JORADP: yearly issue index -> issue PDFs -----------------------------------------

# F2017014.pdf = French, 2017, issue 14; A2017014.pdf = Arabic. Case varies on the site
# (FTP/ftp, pdf/PDF), so matching ignores it and variants are offered on a 404.
_JORADP_PDF = re.compile(r"([AF])(\d{4})(\d{3})\.pdf", re.IGNORECASE)
_ISSUE_NUMBER = re.compile(r"(?:n\s*[°ºo.]\s*|العدد\s*|رقم\s*)(\d{1,3})", re.IGNORECASE)


def joradp_variants(url: str) -> list[str]:
    """The same PDF under the case variants the site uses (`FTP`/`ftp`, `pdf`/`PDF`)."""
    variants = [url]
    for old, new in (("/FTP/", "/ftp/"), ("/ftp/", "/FTP/")):
        for existing in list(variants):
            if old in existing:
                variants.append(existing.replace(old, new))
    for existing in list(variants):
        if existing.endswith(".pdf"):
            variants.append(existing[:-4] + ".PDF")
        elif existing.endswith(".PDF"):
            variants.append(existing[:-4] + ".pdf")
    return list(dict.fromkeys(variants))


def joradp_issues(
    body: bytes, base_url: str, year: int, language: str | None = None
) -> list[Found]:
    """Issue PDFs listed by a JORADP yearly index (`/JRN/ZF2017.htm`), newest first.

    Each link to `[AF]YYYYNNN.pdf` (an `href`, or a `javascript:` call that names the
    file) gives one issue: meta holds year, issue number, language and the URL variants;
    `published` is the date written on the index row, when there is one."""
    from bs4 import BeautifulSoup

    from scrapers.extract import decode_html, parse_date_text

    try:
        text, _ = decode_html(body, {})
    except ValueError:
        return []
    soup = BeautifulSoup(text, "lxml")
    found: list[Found] = []
    for anchor in soup.find_all(["a", "area", "option"]):
        target = anchor.get("href") or anchor.get("onclick") or anchor.get("value") or ""
        match = _JORADP_PDF.search(target)
        if not match:
            continue
        quoted = re.search(r"""['"]([^'"]*?%s)['"]""" % re.escape(match.group(0)), target)
        href = quoted.group(1) if quoted else target.strip()
        if href.lower().startswith("javascript:"):
            href = match.group(0)
        url = _clean(href, base_url)
        if url is None:
            continue
        letter, file_year, number = match.group(1).upper(), int(match.group(2)), int(match.group(3))
        if file_year != year:
            continue
        row = anchor.find_parent("tr") or anchor.parent
        row_text = " ".join(row.get_text(" ").split()) if row is not None else ""
        lang = "fr" if letter == "F" else "ar"
        if language and lang != language:
            continue
        written = _ISSUE_NUMBER.search(row_text)
        found.append(
            Found(
                url,
                parse_date_text(row_text, (lang,)) if row_text else None,
                {
                    "document": "joradp",
                    "year": file_year,
                    "issue_number": number,
                    "issue_number_on_index": int(written.group(1)) if written else None,
                    "language": lang,
                    "alternates": joradp_variants(url)[1:],
                    "index_text": row_text[:300],
                },
            )
        )
    found.sort(key=lambda f: f.meta["issue_number"], reverse=True)
    return _unique_found(found)
