"""A recorded mini-web for the scraper tests: every configured source's host, served by
one local HTTP server, reached through the real HTTP door.

- `build_site(root)` writes the pages: for each real source of `scrapers/sources/`, its
  feeds / listings / sitemaps / issue indexes and a few articles in its languages, with
  markup that follows the source's own selectors (`markup_for`), plus the recorded
  fixture pages of `tests/scrapers/fixtures/` and the quirks of issue 3, item 9 (each
  listed in QUIRKS). Behaviour that files cannot express (429 + Retry-After, a gzip bomb,
  robots.txt answering 500, redirects) is in `<root>/_web.json`.
- `MiniWeb(root)` serves it on 127.0.0.1 and dispatches on the Host header, with ETag /
  Last-Modified and 304 answers, so conditional GETs are real.
- `miniweb.client(...)` is an `HttpClient` whose resolver says every site host is a
  public address and whose session carries each request to the local server (the TLS
  and DNS layers are the only thing replaced). The address check still runs, so a
  redirect to `127.0.0.1` is refused exactly as it would be live.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

from scrapers.http import HttpClient
from scrapers.sources import Source, load_sources

REPO = Path(__file__).resolve().parents[2]
SOURCES = REPO / "scrapers" / "sources"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED = FIXTURES / "seed" / "alfadjr-2017-02-21-clusters-forum.ar.txt"
PUBLIC_ADDRESS = "41.107.0.1"  # any global address: the request never goes there
RECORDED_AT = "Thu, 29 Nov 2026 08:00:00 GMT"

# -- text pools (written for the tests; facts from DOMAIN.md) --------------------------

AR_PARAGRAPHS = [
    "أعلنت وزارة الصناعة عن دعمها لمبادرة إنشاء التجمعات الصناعية في عدة ولايات، بهدف تنويع "
    "الاقتصاد الوطني وتقليص التبعية للمحروقات.",
    "ويضم التجمع الصناعي الميكانيكي للدقة مؤسسات صغيرة ومتوسطة ومراكز بحث وجامعات، على غرار "
    "المدرسة الوطنية متعددة التقنيات التي وقعت اتفاقية شراكة معه.",
    "وأوضح المشاركون أن التجمع يسمح بتقاسم التكاليف وتنظيم التكوين وتسهيل الولوج إلى الأسواق "
    "الخارجية، خاصة في قطاعات الميكانيك والرقمنة والصناعات الغذائية.",
    "وفي برج بوعريريج، يعمل مصنعو الإلكترونيات على هيكلة تجمع رقمي يجمع المناولين والمصممين "
    "وحاضنات المؤسسات الناشئة في الولاية.",
    "أما في سطيف، فيسعى منتجو الحليب ومشتقاته إلى إنشاء قطب للصناعات الغذائية يربط المربين "
    "بوحدات التحويل ومخابر الجودة.",
    "وأكد ممثل الوزارة أن القائمة ستوسع مستقبلا لتشمل قطاعات أخرى مثل البلاستيك ومستحضرات "
    "التجميل، بعد دراسة الملفات المودعة.",
]
FR_PARAGRAPHS = [
    "Le ministère de l'Industrie a annoncé son soutien à la création de clusters industriels "
    "dans plusieurs wilayas, afin de diversifier l'économie hors hydrocarbures.",
    "Le cluster de la mécanique de précision réunit des PME, des centres de recherche et "
    "l'École nationale polytechnique, qui a signé une convention avec lui.",
    "Selon les participants, le cluster permet de partager les coûts, d'organiser la "
    "formation et de faciliter l'accès aux marchés extérieurs.",
    "À Bordj Bou Arréridj, les fabricants d'électronique structurent un cluster numérique qui "
    "associe sous-traitants, concepteurs et incubateurs de start-up.",
    "À Sétif, les producteurs de lait veulent créer un pôle agroalimentaire reliant les "
    "éleveurs aux unités de transformation et aux laboratoires.",
    "Le représentant du ministère a précisé que la liste sera élargie à d'autres filières, "
    "comme la plasturgie et la cosmétique, après l'étude des dossiers.",
]
AR_MONTHS = ["جانفي", "فيفري", "مارس", "أفريل", "ماي", "جوان", "جويلية", "أوت", "سبتمبر",
             "أكتوبر", "نوفمبر", "ديسمبر"]
FR_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre"]

# -- markup that follows a source's selectors ------------------------------------------

_TOKEN = re.compile(r"^([a-z0-9]*)((?:[.#][A-Za-z0-9_-]+)*)(\[[^\]]*\])?$")


def _element(token: str) -> tuple[str, str]:
    """`h1.title.big` -> ('<h1 class="title big">', '</h1>') (descendant combinators
    only; the first alternative of a selector list is used)."""
    match = _TOKEN.match(token)
    if not match:
        raise ValueError(f"selector token too complex for the mini-web: {token!r}")
    tag = match.group(1) or "div"
    classes = re.findall(r"\.([A-Za-z0-9_-]+)", match.group(2) or "")
    ids = re.findall(r"#([A-Za-z0-9_-]+)", match.group(2) or "")
    attributes = ""
    if classes:
        attributes += f' class="{" ".join(classes)}"'
    if ids:
        attributes += f' id="{ids[0]}"'
    return f"<{tag}{attributes}>", f"</{tag}>"


def markup_for(selector: str, inner: str) -> str:
    """HTML in which `selector` (its first alternative) selects an element holding `inner`."""
    tokens = selector.split(",")[0].split()
    opens, closes = zip(*(_element(t) for t in tokens), strict=True)
    return "".join(opens) + inner + "".join(reversed(closes))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _date_text(language: str, day: int, month: int, year: int, hour: int = 10) -> str:
    if language == "ar":
        return f"{day} {AR_MONTHS[month - 1]} {year} على الساعة {hour}:30"
    return f"le {day:02d}/{month:02d}/{str(year)[2:]} à {hour}h30"


def article_page(
    source: Source,
    url: str,
    *,
    language: str,
    title: str,
    paragraphs: list[str],
    day: tuple[int, int, int],
    lead: str | None = None,
    author: str | None = None,
    header_today: bool = True,
    extra_body: str = "",
    raw_title: str | None = None,
) -> str:
    """One article page in the source's markup. The date is written in the byline (and,
    for every other page, in `time[datetime]` too), the page header shows "today"."""
    selectors = source.selectors
    year, month, dd = day
    body = "".join(f"<p>{_escape(p)}</p>" for p in paragraphs) + extra_body
    date_text = _escape(_date_text(language, dd, month, year))
    parts = [markup_for(selectors.title, raw_title or _escape(title))]
    if selectors.lead and lead:
        parts.append(markup_for(selectors.lead, _escape(lead)))
    if selectors.author and author:
        parts.append(markup_for(selectors.author, _escape(author)))
    if selectors.section:
        parts.append(markup_for(selectors.section, "اقتصاد" if language == "ar" else "Économie"))
    if selectors.published:
        parts.append(markup_for(selectors.published, date_text))
    parts.append(markup_for(selectors.body, body) if selectors.body else f"<div>{body}</div>")
    header = (
        '<header class="site-header"><time datetime="2026-11-29">29/11/2026</time></header>'
        if header_today
        else ""
    )
    direction = ' dir="rtl"' if language == "ar" else ""
    return (
        f'<!DOCTYPE html><html lang="{language}"{direction}><head><meta charset="utf-8">'
        f"<title>{_escape(title)}</title>"
        f'<link rel="canonical" href="{url}"></head><body>{header}'
        f'<nav class="menu"><a href="/">Accueil</a></nav><main>{"".join(parts)}</main>'
        '<footer class="site-footer">© Tous droits réservés</footer></body></html>'
    )


def rss(items: list[tuple[str, str, str]], title: str = "feed") -> str:
    """RSS 2.0 with (link, title, RFC 822 date) items."""
    entries = "".join(
        f"<item><title>{_escape(t)}</title><link>{link}</link><pubDate>{d}</pubDate></item>"
        for link, t, d in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{_escape(title)}</title>{entries}</channel></rss>"
    )


def _rfc822(year: int, month: int, day: int) -> str:
    from datetime import datetime, timezone

    return email.utils.format_datetime(datetime(year, month, day, 9, 30, tzinfo=timezone.utc))


# -- the site ---------------------------------------------------------------------------


class SiteWriter:
    def __init__(self, root: Path):
        self.root = root
        self.behaviours: dict[str, dict] = {}
        self.expected: dict[str, dict] = {}  # source id -> what a first scrape must find

    def write(self, url: str, content: str | bytes, **behaviour) -> None:
        parts = urlsplit(url)
        target = page_file(self.root, parts.hostname, unquote(parts.path))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        if behaviour:
            self.behave(url, **behaviour)

    def behave(self, url: str, **behaviour) -> None:
        parts = urlsplit(url)
        self.behaviours[f"{parts.hostname}{unquote(parts.path)}"] = behaviour

    def save(self) -> None:
        (self.root / "_web.json").write_text(
            json.dumps({"behaviours": self.behaviours}, ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
        (self.root / "_expected.json").write_text(
            json.dumps(self.expected, ensure_ascii=False, indent=1), encoding="utf-8"
        )


def _articles(source: Source, count: int, start: int) -> list[dict]:
    out = []
    for index in range(count):
        language = source.languages[index % len(source.languages)]
        pool = AR_PARAGRAPHS if language == "ar" else FR_PARAGRAPHS
        number = start + index
        paragraphs = [pool[(number + k) % len(pool)] for k in range(3)]
        title = (
            f"التجمعات الصناعية: لقاء رقم {number} حول الميكانيك والرقمنة"
            if language == "ar"
            else f"Clusters industriels : rencontre n° {number} sur la mécanique"
        )
        out.append({
            "language": language,
            "title": title,
            "paragraphs": paragraphs,
            "lead": paragraphs[0][:90] + "…" if source.selectors.lead else None,
            "author": "ر. ق" if language == "ar" else "R. K.",
            "day": (2018, 1 + number % 12, 1 + number % 27),
            "number": number,
        })
    return out


def build_site(root: Path) -> SiteWriter:
    """Write the mini-web under `root` and return its writer (behaviours, expectations)."""
    root.mkdir(parents=True, exist_ok=True)
    site = SiteWriter(root)
    sources = {source.id: source for source in load_sources(SOURCES)}
    for host in sorted({urlsplit(s.base_url).hostname for s in sources.values()}):
        site.write(f"https://{host}/robots.txt",
                   "User-agent: *\nDisallow: /admin/\nAllow: /admin/public/\n")

    def news_source(source_id: str, *, count: int = 3, start: int = 10, url_pattern: str,
                    page_hook=None) -> list[str]:
        source = sources[source_id]
        urls = []
        for item in _articles(source, count, start):
            url = source.base_url + url_pattern.format(n=item["number"])
            html = article_page(source, url, language=item["language"], title=item["title"],
                                paragraphs=item["paragraphs"], day=item["day"],
                                lead=item["lead"], author=item["author"])
            if page_hook:
                html = page_hook(item, url, html)
            if html is not None:
                site.write(url, html)
            urls.append(url)
        return urls

    # APS Arabic / French: feeds + listings (APS French feed answers 429 first).
    for source_id, lang in (("aps_ar", "ar"), ("aps_fr", "fr")):
        source = sources[source_id]
        urls = news_source(source_id, url_pattern=f"/{lang}/economie/{{n}}-tajamou")
        feed_url = source.discovery[0].url
        site.write(feed_url, rss([(u, f"t{i}", _rfc822(2018, 3, 1 + i)) for i, u in enumerate(urls)]),
                   **({"retry_after": {"times": 1, "seconds": 1}} if lang == "fr" else {}))
        listing = source.discovery[1]
        links = "".join(markup_for(listing.link_selector, f'<a href="{u}">x</a>') for u in urls[:2])
        site.write(listing.url, f"<html><body>{links}</body></html>")
    # a gzip bomb among APS Arabic's links
    bomb = "https://www.aps.dz/ar/economie/99999-bomb"
    site.write(bomb, "<html>placeholder</html>", gzip_bomb=20_000_000)
    site.write(sources["aps_ar"].discovery[0].url,
               rss([(u, "t", _rfc822(2018, 3, 1)) for u in
                    [*(f"https://www.aps.dz/ar/economie/{n}-tajamou" for n in (10, 11, 12)), bomb]]))
    site.expected["aps_ar"] = {"discovered": 4, "new": 3, "rejected": {"too_large": 1}}
    site.expected["aps_fr"] = {"discovered": 3, "new": 3, "rejected": {}}

    # Echorouk: a windows-1256 page sent without a charset; listing by page numbers.
    echorouk = sources["echorouk"]

    def cp1256(item, url, html):
        if item["number"] == 10:
            html = html.replace('<meta charset="utf-8">',
                                '<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">')
            site.write(url, html.encode("cp1256"), headers={"Content-Type": "text/html"})
            return None
        return html

    urls = news_source("echorouk", url_pattern="/economy/{n}-tajamou", page_hook=cp1256)
    site.write(echorouk.discovery[0].url, rss([(u, "t", _rfc822(2018, 4, 2)) for u in urls[:1]]))
    listing = echorouk.discovery[1]
    for page, chunk in enumerate((urls[1:2], urls[2:3]), start=1):
        links = "".join(markup_for(listing.link_selector, f'<a href="{u}">x</a>') for u in chunk)
        page_url = listing.url if page == 1 else listing.page_url.replace("{page}", str(page))
        site.write(page_url, f"<html><body>{links}</body></html>")
    site.expected["echorouk"] = {"discovered": 3, "new": 3, "rejected": {}}

    # Ennahar: app-promotion boilerplate in bodies; percent-encoded Arabic slugs; news sitemap.
    ennahar = sources["ennahar"]
    promo = "<p>حمّلوا تطبيق النهار على غوغل بلاي وآب ستور لمتابعة آخر الأخبار</p>"

    def with_promo(item, url, html):
        return html.replace("</p>", "</p>" + promo, 1)

    urls = news_source("ennahar", url_pattern="/تجمع-صناعي-{n}/", page_hook=with_promo)
    encoded = [requests.utils.requote_uri(u) for u in urls]
    site.write(ennahar.discovery[0].url, rss([(u, "t", _rfc822(2018, 5, 3)) for u in encoded[:2]]))
    news_ns = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
    site.write(ennahar.discovery[1].url,
               f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" {news_ns}>'
               + "".join(f"<url><loc>{u}</loc><news:news><news:publication_date>2018-05-0{i + 1}"
                         f"</news:publication_date></news:news></url>" for i, u in enumerate(urls))
               + "</urlset>")
    site.expected["ennahar"] = {"discovered": 3, "new": 3, "rejected": {}}

    # TSA: sitemap index -> post sitemap; header-date trap; a paywalled teaser.
    tsa = sources["tsa"]
    urls = news_source("tsa", url_pattern="/2018/03/{n}/cluster-industriel-{n}/")
    teaser = "https://www.tsa-algerie.com/2018/03/20/cluster-abonnes/"
    site.write(teaser, article_page(tsa, teaser, language="fr", title="Réservé aux abonnés",
                                    paragraphs=["Cet article est réservé à nos abonnés."],
                                    day=(2018, 3, 20)))
    site.write(tsa.discovery[0].url, rss([(u, "t", _rfc822(2018, 3, 9)) for u in urls[:1]]))
    site.write("https://www.tsa-algerie.com/sitemap_index.xml",
               '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
               "<sitemap><loc>https://www.tsa-algerie.com/post-sitemap1.xml</loc>"
               "<lastmod>2018-03-21</lastmod></sitemap></sitemapindex>")
    site.write("https://www.tsa-algerie.com/post-sitemap1.xml",
               '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
               + "".join(f"<url><loc>{u}</loc><lastmod>2018-03-{10 + i}</lastmod></url>"
                         for i, u in enumerate([*urls, teaser]))
               + "</urlset>")
    site.expected["tsa"] = {"discovered": 4, "new": 3, "rejected": {"body_too_short": 1}}

    # El Watan: the recorded fixture pages (double-escaped entities, date only in URL).
    elwatan = sources["elwatan"]
    watan_urls = []
    for case in ("double-escaped-entities-byline-date", "date-only-in-url"):
        request = json.loads((FIXTURES / "elwatan" / f"{case}.request.json").read_text())
        site.write(request["url"], (FIXTURES / "elwatan" / f"{case}.html").read_bytes())
        watan_urls.append(request["url"])
    moved = "https://www.elwatan.com/old/340112.php"
    site.write(moved, b"", redirect={"status": 301, "location": watan_urls[0]})
    site.write(elwatan.discovery[0].url,
               rss([(moved, "t", _rfc822(2017, 2, 21)), (watan_urls[1], "t", _rfc822(2018, 3, 22))]))
    site.expected["elwatan"] = {"discovered": 2, "new": 2, "rejected": {}}

    # El Khabar: the recorded fixture (malformed datetime, Presentation Forms); the
    # id-only URLs of the back-fill redirect to it (ids 135790..135791).
    elkhabar = sources["elkhabar"]
    request = json.loads(
        (FIXTURES / "elkhabar" / "malformed-datetime-presentation-forms.request.json").read_text())
    site.write(request["url"],
               (FIXTURES / "elkhabar" / "malformed-datetime-presentation-forms.html").read_bytes())
    site.write(elkhabar.discovery[0].url, rss([(request["url"], "t", _rfc822(2018, 3, 18))]))
    site.write("https://www.elkhabar.com/press/article/135791/", b"",
               redirect={"status": 301, "location": request["url"]})
    site.expected["elkhabar"] = {"discovered": 1, "new": 1, "rejected": {}}

    # El Moudjahid: a feed with broken items; one item redirects to another domain.
    moudjahid = sources["el_moudjahid"]
    fixture = FIXTURES / "el_moudjahid" / "byline-with-glued-photo-credit"
    request = json.loads(fixture.with_suffix(".request.json").read_text())
    site.write(request["url"], fixture.with_suffix(".html").read_bytes())
    off_site = "https://www.elmoudjahid.dz/fr/economie/partenaire-123"
    site.write(off_site, b"", redirect={"status": 302, "location": "https://evil.example/phish"})
    broken_feed = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>El Moudjahid</title>'
        f"<item><title>ok</title><link>{request['url']}</link>"
        "<pubDate>Thu, 22 Mar 2018 05:15:08 +0100</pubDate></item>"
        "<item><title>no link at all</title><pubDate>Thu, 22 Mar 2018</pubDate></item>"
        f"<item><title>bad date</title><link>{off_site}</link><pubDate>jeudi 32 mars</pubDate></item>"
        "<item><title>Bordj & Sétif <b>unclosed</title><link>javascript:void(0)</link></item>"
        "</channel></rss>"
    )
    site.write(moudjahid.discovery[0].url, broken_feed)
    site.write(moudjahid.discovery[1].url, rss([]))
    site.expected["el_moudjahid"] = {"discovered": 2, "new": 1,
                                     "rejected": {"domain_not_allowed": 1}}

    # Ministry of Industry: the recorded communiqué; a listing in each language.
    ministry = sources["industrie_gov"]
    fixture = FIXTURES / "industrie_gov" / "communique-naive-time-element"
    request = json.loads(fixture.with_suffix(".request.json").read_text())
    site.write(request["url"], fixture.with_suffix(".html").read_bytes())
    urls = news_source("industrie_gov", count=2, url_pattern="/ar/actualites/tajamou-{n}")
    for entry, links in ((ministry.discovery[0], [request["url"]]), (ministry.discovery[1], urls)):
        items = "".join(markup_for(entry.link_selector, f'<a href="{u}">x</a>') for u in links)
        site.write(entry.url, f"<html><body>{items}</body></html>")
    site.expected["industrie_gov"] = {"discovered": 3, "new": 3, "rejected": {}}

    # AAPI: an announcements table; one row redirects to 127.0.0.1 (SSRF attempt).
    aapi = sources["aapi"]
    urls = news_source("aapi", count=3, url_pattern="/fr/annonces/avis-{n}")
    trap = "https://aapi.dz/fr/annonces/avis-interne"
    site.write(trap, b"", redirect={"status": 302, "location": "http://127.0.0.1:{port}/admin/"})
    # an allowed host name that resolves to a loopback address (see resolve_public)
    inside = "https://aapi.dz/fr/annonces/avis-intranet"
    site.write(inside, b"", redirect={"status": 302, "location": "https://intranet.aapi.dz/admin/"})
    rows = "".join(f'<tr><td class="titre"><a href="{u}">Avis</a></td></tr>'
                   for u in [*urls, trap, inside])
    site.write(aapi.discovery[0].url, f'<html><body><table class="annonces">{rows}</table></body></html>')
    site.write(aapi.discovery[1].url, '<html><body><table class="annonces"></table></body></html>')
    site.expected["aapi"] = {"discovered": 5, "new": 3,
                             "rejected": {"domain_not_allowed": 1, "address_not_allowed": 1}}

    # Algérie Eco: one page truncated in the middle of its body.
    def truncate(item, url, html):
        if item["number"] == 11:
            start = html.index('class="entry-content"')
            second = html.index("</p>", html.index("</p>", start) + 4)
            return html[: second + 40]  # the rest of the page never arrived
        return html

    urls = news_source("algerie_eco", url_pattern="/cluster-industriel-{n}/", page_hook=truncate)
    site.write(sources["algerie_eco"].discovery[0].url, rss([(u, "t", _rfc822(2018, 6, 1)) for u in urls]))
    site.write(sources["algerie_eco"].discovery[1].url, "<html><body></body></html>")
    site.expected["algerie_eco"] = {"discovered": 3, "new": 3, "rejected": {}}

    # L'Expression: robots.txt answers 500 -> everything disallowed for now.
    site.write("https://www.lexpressiondz.com/robots.txt", "oops", status=500)
    site.expected["lexpression"] = {"fails": "every discovery endpoint failed"}

    # Djazairess: the seed article wrapped in a page (back-fill by id), a neighbour id.
    djazairess = sources["djazairess"]
    seed = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    seed_url = "https://www.djazairess.com/alfadjr/354808"
    seed_html = (
        '<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">'
        f"<title>{_escape(seed[1][:80])} | جزايرس</title></head><body>"
        '<div class="ads">إعلان</div><div class="article">'
        f'<h1 class="title">{_escape(seed[1])}</h1>'
        '<div class="meta">الفجر نشر في الفجر يوم 21 - 02 - 2017</div>'
        '<div class="content">' + "".join(f"<p>{_escape(p)}</p>" for p in seed[2:]) + "</div>"
        '<div class="share">شارك</div></div></body></html>'
    )
    site.write(seed_url, seed_html)
    news_source("djazairess", count=1, start=354807, url_pattern="/alfadjr/{n}")
    site.expected["djazairess"] = {"backfill": {"id_from": 354806, "id_to": 354808,
                                                "entry": "/alfadjr/"},
                                   "discovered": 3, "new": 2, "rejected": {"http_error": 1}}

    # JORADP: the French 2017 index and its issue PDFs (one only under another spelling).
    site.expected["joradp"] = {"today": "2017-06-01", "discovered": 2, "new": 2, "rejected": {}}
    _joradp(site)
    site.save()
    return site


JO_TEXT = [
    "JOURNAL OFFICIEL DE LA REPUBLIQUE ALGERIENNE DEMOCRATIQUE ET POPULAIRE",
    "Mercredi 1er mars 2017 - {n}e ANNEE - N° {n}",
    "DECRETS",
    "Décret exécutif n° 17-{n} du 27 février 2017 fixant les modalités de création et de "
    "fonctionnement des groupements d'entreprises dénommés clusters industriels.",
    "Le Premier ministre, Sur le rapport du ministre de l'Industrie et des Mines, Vu la "
    "Constitution, notamment ses articles 99-4 et 143 (alinéa 2) ;",
    "Article 1er. - Le présent décret a pour objet de fixer les modalités de création, "
    "d'organisation et de fonctionnement des clusters industriels.",
    "Art. 2. - Le cluster est un groupement d'entreprises, d'établissements de formation et "
    "de centres de recherche d'une même filière, implantés dans un même territoire.",
]


def joradp_pdf(number: int, lines: list[str] | None = None) -> bytes:
    """A small real PDF (fpdf2) with the text of one French issue."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creator("clusterwatch tests")
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    for line in lines or JO_TEXT:
        text = line.format(n=number).replace("’", "'")
        pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    return bytes(pdf.output())


def _joradp(site: SiteWriter) -> None:
    base = "https://www.joradp.dz"
    rows = []
    for number, day, spelled in ((14, "1er mars 2017", "/FTP/jo-francais/2017/F2017014.pdf"),
                                 (15, "5 mars 2017", "/FTP/jo-francais/2017/F2017015.pdf")):
        rows.append(f'<tr><td><a href="..{spelled}">N° {number}</a></td><td>du {day}</td></tr>')
        stored = spelled if number == 14 else spelled.replace("/FTP/", "/ftp/")[:-4] + ".PDF"
        site.write(base + stored, joradp_pdf(number), headers={"Content-Type": "application/pdf"})
    site.write(f"{base}/JRN/ZF2017.htm",
               '<html><head><meta charset="windows-1252"></head><body><table>'
               + "".join(rows) + "</table></body></html>")


# -- the server --------------------------------------------------------------------------


class MiniWeb:
    def __init__(self, root: Path):
        self.root = Path(root)
        data = json.loads((self.root / "_web.json").read_text(encoding="utf-8"))
        self.behaviours = data["behaviours"]
        self.expected = json.loads((self.root / "_expected.json").read_text(encoding="utf-8"))
        self.hits: list[tuple[str, str, dict]] = []
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self.in_flight: dict[str, int] = {}
        self.max_in_flight: dict[str, int] = {}
        self._server: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self) -> MiniWeb:
        web = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                web._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def count(self, host_path: str) -> int:
        with self._lock:
            return self._counts.get(host_path, 0)

    def _send(self, handler, status, headers, body=b""):
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if body:
            handler.wfile.write(body)

    def _handle(self, handler) -> None:
        host = handler.headers.get("Host", "").split(":")[0].lower()
        path = unquote(urlsplit(handler.path).path)
        key = f"{host}{path}"
        with self._lock:
            self._counts[key] = self._counts.get(key, 0) + 1
            seen = self._counts[key]
            self.hits.append((host, path, dict(handler.headers)))
            self.in_flight[host] = self.in_flight.get(host, 0) + 1
            self.max_in_flight[host] = max(self.max_in_flight.get(host, 0), self.in_flight[host])
        try:
            self._answer(handler, host, path, key, seen)
        finally:
            with self._lock:
                self.in_flight[host] -= 1

    def _answer(self, handler, host, path, key, seen) -> None:
        behaviour = self.behaviours.get(key, {})
        if behaviour.get("delay"):
            time.sleep(behaviour["delay"])
        if "status" in behaviour and "headers" not in behaviour:
            self._send(handler, behaviour["status"], {"Content-Type": "text/plain"}, b"error")
            return
        retry = behaviour.get("retry_after")
        if retry and seen <= retry["times"]:
            self._send(handler, 429, {"Retry-After": str(retry["seconds"])}, b"slow down")
            return
        if "redirect" in behaviour:
            location = behaviour["redirect"]["location"].replace("{port}", str(self.port))
            self._send(handler, behaviour["redirect"]["status"], {"Location": location})
            return
        if behaviour.get("gzip_bomb"):
            body = gzip.compress(b"<p>" + b" " * behaviour["gzip_bomb"], compresslevel=9)
            self._send(handler, 200, {"Content-Type": "text/html; charset=utf-8",
                                      "Content-Encoding": "gzip"}, body)
            return
        file = page_file(self.root, host, path)
        if not host or ".." in path or not file.is_file():
            self._send(handler, 404, {"Content-Type": "text/html"}, b"<h1>404</h1>")
            return
        body = file.read_bytes()
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        headers = {"Content-Type": _content_type(path), "ETag": etag, "Last-Modified": RECORDED_AT}
        headers.update(behaviour.get("headers", {}))
        if handler.headers.get("If-None-Match") == etag:
            self._send(handler, 304, {"ETag": etag})
            return
        self._send(handler, 200, headers, body)

    # -- the client side --------------------------------------------------------------

    def session(self) -> requests.Session:
        session = requests.Session()
        adapter = _ToMiniWeb(self)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    def client(self, **kwargs) -> HttpClient:
        kwargs.setdefault("backoff_seconds", 0.05)
        kwargs.setdefault("retry_after_cap_seconds", 2)
        kwargs.setdefault("max_retries", 2)
        kwargs.setdefault("timeout", 10)
        return HttpClient(resolver=resolve_public, session=self.session(), **kwargs)


def resolve_public(host: str) -> list[str]:
    if host == "localhost" or host.startswith("intranet."):
        return ["127.0.0.1"]
    return [PUBLIC_ADDRESS]


class _ToMiniWeb(HTTPAdapter):
    """Carries each request to the mini-web server, keeping its Host."""

    def __init__(self, web: MiniWeb):
        super().__init__()
        self.web = web

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        request.headers["Host"] = parts.hostname
        request.url = urlunsplit(("http", f"127.0.0.1:{self.web.port}", parts.path or "/",
                                  parts.query, ""))
        return super().send(request, **kwargs)


def page_file(root: Path, host: str, path: str) -> Path:
    """Where the body of `host` + `path` is stored: one folder per path, so a path can be
    both a page (`/ar/economie`) and the parent of others (`/ar/economie/10-x`)."""
    segments = [segment for segment in path.split("/") if segment and segment != "."]
    return root.joinpath(host, *segments, "index.page")


def _content_type(path: str) -> str:
    name = path.rstrip("/").rsplit("/", 1)[-1].lower()
    if name.endswith(".pdf"):
        return "application/pdf"
    if name.endswith(".xml"):
        return "application/xml; charset=utf-8"
    if name.endswith(".txt"):
        return "text/plain; charset=utf-8"
    if name in ("feed", "rss"):
        return "application/rss+xml; charset=utf-8"
    return "text/html; charset=utf-8"
