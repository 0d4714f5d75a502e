"""Page bytes -> `Article` or `Rejection`. Pure: no I/O, no clock (pass `now` to check dates).

`extract()` is the one entry point (scrape pipeline, `clusterwatch extract`, benchmark).
Steps, in order:
1. Decode bytes: BOM, then valid UTF-8 (a page that is valid UTF-8 is UTF-8 whatever it
   declares: legacy single-byte pages are practically never valid UTF-8), then the HTTP
   header charset, then `<meta charset>`, then detection (charset-normalizer). requests'
   `response.text` is never used: it guesses ISO-8859-1 for `text/html` without charset.
   The page is parsed with lxml (truncated HTML is parsed as far as it goes; what is
   there is kept); CSS selectors are compiled once to XPath (cssselect).
2. Text hygiene for every stored field: repair mojibake (UTF-8 bytes that were read as
   windows-1252 / Latin-1 / windows-1256 somewhere upstream: `ministÃ¨re`, `ط§ظ„`),
   repair double-escaped entities (`&amp;eacute;`), NFKC (folds Arabic Presentation
   Forms and NBSP), drop bidi control marks, collapse white space. Tatweel and harakat
   stay in stored text (they are removed for matching only, e.g. month names below).
   Stored text is plain text: paragraphs joined by "\\n\\n". Paragraphs that are site
   boilerplate (app promotions, "follow us", the source's `boilerplate` patterns) are
   dropped from bodies.
3. Fields from the source's CSS selectors first; when they give no body, trafilatura's
   main-text extraction is the fallback (`extractor='generic'`).
4. Publication date, first hit wins: JSON-LD `datePublished` -> `<meta
   article:published_time>` -> `time[datetime]` (inside the byline or the article, never
   anywhere on the page: headers show today's date) -> the byline text under the
   source's `published` selector (Algerian, Middle-East and Levantine Arabic month
   names, French dates such as "jeudi 22 mars 2018 05:15:08" or "le 19/03/18 à 12h00",
   dateparser with locales ar-DZ / fr as the last resort) -> a date in the URL. Times
   without an offset are Africa/Algiers (UTC+1, no DST). Dates before the source's
   `since` (default 1990) are ignored as implausible; a date later than `now` (when
   given) rejects the page.
5. Language: `<html lang>` / og:locale, corrected by a script check when the text is
   clearly Arabic (templates often say `lang="fr"` on Arabic pages), else the script
   check alone (Arabic letters vs Latin; French vs English by stop words).
6. PDFs (JORADP issues) go through `extract_pdf`: text by pypdf, the issue's number,
   year and language from the discovery entry (or its URL), the date from the index row
   or page 1.
"""

from __future__ import annotations

import codecs
import hashlib
import html as html_lib
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit, urlunsplit

from scrapers.sources import Source, host_in_domains

MIN_BODY_CHARS = 200
# A page stamped up to an hour ahead of `now` is accepted: sites that print Algiers time
# with a "Z" are an hour early, and clocks drift.
FUTURE_TOLERANCE = timedelta(hours=1)
EARLIEST_PLAUSIBLE = datetime(1990, 1, 1, tzinfo=UTC)

try:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    ALGIERS = ZoneInfo("Africa/Algiers")
except ZoneInfoNotFoundError:  # no tz database: Algiers has been UTC+1 without DST since 1981
    ALGIERS = timezone(timedelta(hours=1), "Africa/Algiers")

ARTICLE_TYPES = {
    "Article",
    "NewsArticle",
    "ReportageNews",
    "AnalysisNewsArticle",
    "BlogPosting",
    "OpinionNewsArticle",
    "BackgroundNewsArticle",
    "Report",
    "LiveBlogPosting",
}
DROP_TAGS = [
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "svg",
    "form",
    "button",
    "nav",
    "aside",
    "figure",
    "video",
    "audio",
    "object",
    "embed",
    "select",
    "input",
    "textarea",
]
BLOCK_TAGS = {
    "address",
    "article",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "td",
    "th",
    "tr",
    "ul",
}
HTML_TYPES = {"text/html", "application/xhtml+xml", ""}


@dataclass(frozen=True)
class Article:
    url: str
    canonical_url: str
    language: str | None
    title: str
    lead: str | None
    body_text: str
    author_name: str | None
    section: str | None
    published_at: datetime | None
    published_at_source: str | None  # 'json-ld' | 'meta' | 'time' | 'byline' | 'url'
    content_hash: str  # sha256 hex of title + "\n" + body_text
    extractor: str  # 'selectors' | 'generic' | 'pdf'
    kind: str = "news"  # the source's kind: 'news' | 'official'
    document_number: str | None = None  # official documents: e.g. 'JORADP 2017/014 fr'
    charset: str | None = None  # how the bytes were decoded
    # The seam for text analysis (issue 4): scrapers.analysis.analyse() fills it, the CLI
    # prints its keys next to the article's, and the loader ignores it until that issue
    # gives it columns.
    analysis: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Rejection:
    url: str
    reason: str  # not_html | undecodable | no_title | no_body | body_too_short | future_date
    detail: str


class UndecodableError(ValueError):
    pass


# -- decoding -----------------------------------------------------------------------

_META_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# WHATWG maps these labels to windows-1252, and pages labelled so are windows-1252.
_LABEL_ALIASES = {
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "x-cp1256": "cp1256",
}


def header_value(headers: dict | None, name: str) -> str:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value or ""
    return ""


def _charset_param(content_type: str) -> str | None:
    match = re.search(r"charset\s*=\s*[\"']?([^\s;\"']+)", content_type or "", re.IGNORECASE)
    return match.group(1) if match else None


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _LABEL_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_html(body: bytes, headers: dict | None = None) -> tuple[str, str]:
    """(text, codec name). Raises UndecodableError for empty, binary or hopeless bytes."""
    if not body or not body.strip():
        raise UndecodableError("empty body")
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if body.startswith(bom):
            return _checked(body[len(bom) :].decode(codec, "replace"), codec)
    candidates: list[str] = []
    if any(byte > 0x7F for byte in body):
        candidates.append("utf-8")
    header_codec = _codec(_charset_param(header_value(headers, "content-type")))
    meta = _META_CHARSET.search(body[:8192])
    meta_codec = _codec(meta.group(1).decode("ascii", "ignore")) if meta else None
    candidates += [c for c in (header_codec, meta_codec, "utf-8") if c]
    for codec in dict.fromkeys(candidates):
        try:
            return _checked(body.decode(codec), codec)
        except (UnicodeDecodeError, LookupError):
            continue
    import charset_normalizer  # a dependency of requests

    best = charset_normalizer.from_bytes(body).best()
    if best is None:
        raise UndecodableError("no declared or detected encoding decodes the body")
    return _checked(str(best), best.encoding)


def _checked(text: str, codec: str) -> tuple[str, str]:
    if "\x00" in text or len(_CONTROL.findall(text)) > max(5, len(text) // 100):
        raise UndecodableError(f"decoded as {codec} but looks binary")
    return text, codec


# -- text hygiene ---------------------------------------------------------------------

_ENTITY = re.compile(r"&(#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_INVISIBLE = dict.fromkeys(
    map(
        ord, "\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c\ufeff"
    ),
    None,
)
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def repair_entities(text: str) -> str:
    """Unescape entities left in text by double escaping (`&amp;eacute;` -> `&eacute;` -> é).

    Only complete entities (with their `;`) are touched; up to three layers."""
    for _ in range(3):
        repaired = _ENTITY.sub(lambda m: html_lib.unescape(m.group(0)), text)
        if repaired == text:
            break
        text = repaired
    return text


def _mojibake_pattern(codec: str) -> re.Pattern:
    # A UTF-8 lead byte followed by a continuation byte, both as `codec` shows them.
    lead = bytes(range(0xC2, 0xF5)).decode(codec, errors="ignore")
    cont = bytes(range(0x80, 0xC0)).decode(codec, errors="ignore")
    return re.compile(f"[{re.escape(lead)}][{re.escape(cont)}]")


_MOJIBAKE_CODECS = ("cp1252", "latin-1", "cp1256")
_MOJIBAKE = {codec: _mojibake_pattern(codec) for codec in _MOJIBAKE_CODECS}
_MOJIBAKE_ANY = re.compile("|".join(p.pattern for p in _MOJIBAKE.values()))


def _unmangle(token: str) -> str:
    for codec in _MOJIBAKE_CODECS:
        if not _MOJIBAKE[codec].search(token):
            continue
        try:
            repaired = token.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if len(repaired) < len(token):
            return repaired
    return token


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 text that was decoded as windows-1252, Latin-1 or windows-1256 once
    (`ministÃ¨re` -> `ministère`, `ط§ظ„ط¬ط²ط§ط¦ط±` -> `الجزائر`).

    A run of text is changed only when re-encoding it gives *strictly valid* UTF-8 that
    is shorter: genuine French or Arabic text practically never does (é alone, or two
    Arabic letters in windows-1256, are not a valid UTF-8 sequence). Runs are taken
    between white space, so one mangled word inside a clean sentence is repaired too."""
    if not text or not _MOJIBAKE_ANY.search(text):
        return text
    whole = _unmangle(text)
    if whole is not text and not _MOJIBAKE_ANY.search(whole):
        return whole
    return re.sub(r"\S+", lambda m: _unmangle(m.group(0)), text)


def clean_text(text: str | None) -> str:
    """One line of stored text: mojibake and entities repaired, NFKC, no bidi marks,
    single spaces."""
    if not text:
        return ""
    text = repair_mojibake(repair_entities(text))
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return " ".join(text.split())


# Paragraphs that are the site talking, not the article (any source). Sources add their
# own with `boilerplate:` in their YAML. Matched (re.search, case-insensitive) against
# one cleaned paragraph; only short paragraphs are tested, so an article that quotes
# such a phrase in a long paragraph keeps it.
BOILERPLATE = (
    r"^(?:حمل|حمّل|نزل|نزّل|تحميل)\s+تطبيق",
    r"تطبيق\s+\S+\s+(?:على|متوفر على)\s+(?:غوغل بلاي|جوجل بلاي|آب ستور|google play|app store)",
    r"^(?:تابعونا|تابعوا|اشترك(?:وا)?)\s+(?:على|في)",
    r"سيتم حجب هذه الصورة تلقائيا",
    r"^(?:t[ée]l[ée]chargez|installez)\s+(?:l['’]|notre\s)appli",
    r"^suivez[- ]nous\s+sur",
    r"^abonnez[- ]vous\s+(?:à|a)\s+(?:notre|la)\s+newsletter",
    r"^lire (?:aussi|également)\s*:",
    r"^اقرأ (?:أيضا|ايضا)\s*:",
    r"^(?:tous droits réservés|©)",
    r"^publicité$|^إعلان$",
)
BOILERPLATE_MAX_CHARS = 220


def boilerplate_filter(patterns=()):
    compiled = [re.compile(p, re.IGNORECASE) for p in (*BOILERPLATE, *patterns)]

    def is_boilerplate(paragraph: str) -> bool:
        return len(paragraph) <= BOILERPLATE_MAX_CHARS and any(
            c.search(paragraph) for c in compiled
        )

    return is_boilerplate


def fold_for_matching(text: str) -> str:
    """Lower case, ASCII digits, no tatweel, no harakat or accents, bare alef (أ إ آ -> ا)."""
    text = unicodedata.normalize("NFKC", text).translate(_DIGITS).replace("\u0640", "")
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", stripped).lower()


# Elements whose content is never text a reader sees (code, styles, embedded frames):
# skipped wherever text is read (title, lead, author...), not only in the cleaned body,
# so a <script> inside a selected heading cannot reach the stored text.
NON_TEXT_TAGS = frozenset({"script", "style", "noscript", "template", "iframe", "svg",
                           "object", "embed"})


def _blocks(node) -> list[str]:
    """Paragraph texts of an lxml element: block elements and <br> break paragraphs,
    inline ones do not; comments, processing instructions and `NON_TEXT_TAGS` are
    skipped (their tail text is not)."""
    parts: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        text = clean_text("".join(buffer))
        buffer.clear()
        if text:
            parts.append(text)

    def walk(element) -> None:
        if element.text and isinstance(element.tag, str):
            buffer.append(element.text)
        for child in element:
            if isinstance(child.tag, str) and child.tag.lower() in NON_TEXT_TAGS:
                pass  # its tail, below, is text of the parent
            elif isinstance(child.tag, str):
                if child.tag in BLOCK_TAGS:
                    flush()
                    walk(child)
                    flush()
                else:
                    walk(child)
            if child.tail:
                buffer.append(child.tail)

    walk(node)
    flush()
    return parts


def _text(node) -> str:
    return " ".join(_blocks(node)) if node is not None else ""


# -- the parsed page: lxml tree, compiled CSS selectors, cached lookups -----------------

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


@lru_cache(maxsize=1024)
def _xpath(selector: str, scoped: bool = False):
    """A CSS selector compiled to XPath once (cssselect). `scoped` matches below the
    context node only, as `element.select()` does; otherwise the node itself counts."""
    from cssselect import HTMLTranslator
    from lxml import etree

    prefix = "descendant::" if scoped else "descendant-or-self::"
    return etree.XPath(HTMLTranslator().css_to_xpath(selector, prefix=prefix))


def css(node, selector: str, scoped: bool = False) -> list:
    return _xpath(selector, scoped)(node)


def css_one(node, selector: str, scoped: bool = False):
    found = _xpath(selector, scoped)(node)
    return found[0] if found else None


class ParsedPage:
    """One parsed HTML page: the lxml root and per-page caches (meta tags by name,
    parsed JSON-LD blocks), so that each is found in one pass."""

    def __init__(self, html_text: str):
        import lxml.html

        text = _XML_DECLARATION.sub("", html_text, count=1)
        try:
            self.root = lxml.html.document_fromstring(text or "<html></html>")
        except (ValueError, lxml.etree.ParserError):  # e.g. only a comment
            self.root = lxml.html.document_fromstring("<html></html>")
        self._meta: dict | None = None
        self._json_ld: list | None = None

    def select(self, selector: str) -> list:
        return css(self.root, selector)

    def select_one(self, selector: str):
        return css_one(self.root, selector)

# -- dates ----------------------------------------------------------------------------

_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:(?:T|\s+)(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,]\d+)?)?)?"
    r"\s*(Z)?\s*(?:(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?)?",
    re.IGNORECASE,
)

_MONTHS_AR = {
    # Algerian / Maghreb (forms after fold_for_matching: no hamza, no harakat)
    "جانفي": 1,
    "فيفري": 2,
    "مارس": 3,
    "افريل": 4,
    "ماي": 5,
    "جوان": 6,
    "جويلية": 7,
    "جويليه": 7,
    "جويلة": 7,
    "جويل": 7,
    "اوت": 8,
    "سبتمبر": 9,
    "اكتوبر": 10,
    "نوفمبر": 11,
    "ديسمبر": 12,
    # Middle-East
    "يناير": 1,
    "فبراير": 2,
    "ابريل": 4,
    "مايو": 5,
    "يونيو": 6,
    "يونيه": 6,
    "يوليو": 7,
    "يوليه": 7,
    "اغسطس": 8,
    # Levantine
    "كانون الثاني": 1,
    "شباط": 2,
    "اذار": 3,
    "نيسان": 4,
    "ايار": 5,
    "حزيران": 6,
    "تموز": 7,
    "اب": 8,
    "ايلول": 9,
    "تشرين الاول": 10,
    "تشرين الثاني": 11,
    "كانون الاول": 12,
}
_MONTHS_FR = {
    "janvier": 1,
    "janv": 1,
    "jan": 1,
    "fevrier": 2,
    "fevr": 2,
    "fev": 2,
    "mars": 3,
    "mar": 3,  # only ever read between a day number and a year, so never "mardi"
    "avril": 4,
    "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "juil": 7,
    "aout": 8,
    "aou": 8,
    "septembre": 9,
    "sept": 9,
    "sep": 9,
    "octobre": 10,
    "oct": 10,
    "novembre": 11,
    "nov": 11,
    "decembre": 12,
    "dec": 12,
}
_MONTHS = {**_MONTHS_AR, **_MONTHS_FR}
_MONTH_ALTERNATION = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
_TEXT_DATE = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:er)?[\s\-]+({_MONTH_ALTERNATION})\b\.?[\s\-,،]+(\d{{4}})(?!\d)"
)
_NUMERIC_DATE = re.compile(
    r"(?<!\d)(\d{1,2})([/.])(\d{1,2})\2(\d{4}|\d{2})(?!\d)"
    # "22-03-2018", and djazairess' "21 - 02 - 2017"
    r"|(?<![\d-])(\d{1,2})\s?-\s?(\d{1,2})\s?-\s?(\d{4})(?!\d)"
)
_ISO_IN_TEXT = re.compile(
    r"(?<!\d)\d{4}-\d{1,2}-\d{1,2}"
    r"(?:[T ]\d{1,2}:\d{1,2}(?::\d{1,2})?)?(?:Z|[+-]\d{1,2}(?::?\d{2})?)?",
    re.IGNORECASE,
)
_TIME_AFTER = re.compile(
    r"^\D{0,25}?(?<!\d)(\d{1,2})\s*(?:h(?![a-z])\s*(\d{2})?|:\s*(\d{2}))(?:\s*:\s*(\d{2}))?"
)


def _make(year, month, day, hour=0, minute=0, second=0, tz=None) -> datetime | None:
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=tz or ALGIERS,
        )
    except (TypeError, ValueError):
        return None


def parse_iso_lenient(value: str | None) -> datetime | None:
    """ISO 8601 and the broken variants sites publish, e.g. El Khabar's
    `2018-3-18T11:20:4Z+1`: one-digit parts are accepted, and an explicit offset wins
    over a stray `Z` (read as 11:20:04+01:00). No offset and no Z means Algiers time."""
    if not value:
        return None
    match = _ISO.fullmatch(value.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, zulu, sign, off_h, off_m = match.groups()
    tz = None
    if sign:
        hours, minutes = int(off_h), int(off_m or 0)
        if hours > 14 or minutes >= 60:
            return None
        delta = timedelta(hours=hours, minutes=minutes)
        tz = timezone(delta if sign == "+" else -delta)
    elif zulu:
        tz = UTC
    return _make(year, month, day, hour, minute, second, tz)


def _time_after(text: str) -> tuple[int, int, int]:
    match = _TIME_AFTER.match(text)
    if not match:
        return 0, 0, 0
    hour, minute_h, minute_colon, second = match.groups()
    hour, minute, second = int(hour), int(minute_h or minute_colon or 0), int(second or 0)
    if hour > 23 or minute > 59 or second > 59:
        return 0, 0, 0
    return hour, minute, second


def parse_date_text(text: str | None, languages=("ar", "fr")) -> datetime | None:
    """The first date written in free text (a byline), or None."""
    if not text:
        return None
    folded = fold_for_matching(text)
    found: list[tuple[int, datetime]] = []
    for match in _ISO_IN_TEXT.finditer(folded):
        value = parse_iso_lenient(match.group(0))
        if value:
            found.append((match.start(), value))
    for match in _TEXT_DATE.finditer(folded):
        day, month_name, year = match.groups()
        value = _make(year, _MONTHS[month_name], day, *_time_after(folded[match.end() :]))
        if value:
            found.append((match.start(), value))
    for match in _NUMERIC_DATE.finditer(folded):
        if match.group(1):
            day, month, year = match.group(1), match.group(3), match.group(4)
        else:
            day, month, year = match.group(5), match.group(6), match.group(7)
        if len(year) == 2:
            year = ("20" if int(year) < 70 else "19") + year
        value = _make(year, month, day, *_time_after(folded[match.end() :]))
        if value:
            found.append((match.start(), value))
    if found:
        return min(found, key=lambda item: item[0])[1]
    return _dateparser_fallback(text, languages)


def _dateparser_fallback(text: str, languages) -> datetime | None:
    import dateparser

    locales = []
    for language in languages or ("ar", "fr"):
        # one locale per language: dateparser refuses "ar" next to "ar-DZ"
        locales += {"ar": ["ar-DZ"], "fr": ["fr"]}.get(language, [language])
    cleaned = " ".join(unicodedata.normalize("NFKC", text).translate(_DIGITS).split())
    try:
        value = dateparser.parse(
            cleaned,
            locales=locales,
            settings={
                "TIMEZONE": "Africa/Algiers",
                "RETURN_AS_TIMEZONE_AWARE": True,
                "DATE_ORDER": "DMY",
                "REQUIRE_PARTS": ["day", "month", "year"],
                # Absolute dates only: "yesterday" would need the clock.
                "PARSERS": ["custom-formats", "absolute-time"],
                "RELATIVE_BASE": datetime(2000, 1, 1),
            },
        )
    except Exception:  # noqa: BLE001 - dateparser raises assorted errors on odd input
        return None
    return value


_URL_DATES = (
    (re.compile(r"/(\d{4})/(\d{1,2})/(\d{1,2})(?:/|$)"), ("y", "m", "d")),
    (re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"), ("y", "m", "d")),
    (re.compile(r"(?<!\d)(\d{2})-(\d{2})-(\d{4})(?!\d)"), ("d", "m", "y")),  # El Watan 2018
)


def date_from_url(url: str | None) -> datetime | None:
    """A date written in the URL path (midnight, Algiers time), or None."""
    if not url:
        return None
    path = unquote(urlsplit(url).path)
    for pattern, order in _URL_DATES:
        for match in pattern.finditer(path):
            parts = dict(zip(order, match.groups(), strict=True))
            value = _make(parts["y"], parts["m"], parts["d"])
            if value:
                return value
    return None


# Meta tags and JSON-LD scripts are collected once per page (one pass each) instead
# of one query per field.
_META_SELECTOR = re.compile(r'^meta\[(\w+)="([^"]+)"\]$')


def _meta_index(page: ParsedPage) -> dict[tuple[str, str], list]:
    if page._meta is None:
        index: dict[tuple[str, str], list] = {}
        for node in page.root.iter("meta"):
            for attribute in ("property", "name", "itemprop"):
                key = node.get(attribute)
                if key:
                    index.setdefault((attribute, key.strip().lower()), []).append(node)
        page._meta = index
    return page._meta


def _meta_nodes(page: ParsedPage, selector: str) -> list:
    match = _META_SELECTOR.match(selector)
    if not match:
        return page.select(selector)
    return _meta_index(page).get((match.group(1), match.group(2).lower()), [])


def _json_ld(page: ParsedPage) -> list:
    """The parsed JSON-LD blocks of the page (unparseable ones skipped), parsed once."""
    if page._json_ld is None:
        blocks = []
        for script in page.root.iter("script"):
            if (script.get("type") or "").strip().lower() != "application/ld+json":
                continue
            try:
                blocks.append(json.loads(script.text or "", strict=False))
            except (ValueError, TypeError):
                continue
        page._json_ld = blocks
    return page._json_ld


def _json_ld_dates(soup) -> list[str]:
    preferred, others = [], []

    def walk(item) -> None:
        if isinstance(item, list):
            for sub in item:
                walk(sub)
        elif isinstance(item, dict):
            kinds = item.get("@type")
            kinds = {
                k for k in (kinds if isinstance(kinds, list) else [kinds]) if isinstance(k, str)
            }
            value = item.get("datePublished")
            if isinstance(value, list):
                value = value[0] if value else None
            if isinstance(value, str):
                (preferred if kinds & ARTICLE_TYPES else others).append(value)
            for sub in item.values():
                if isinstance(sub, (dict, list)):
                    walk(sub)

    for block in _json_ld(soup):
        walk(block)
    return preferred + others


def _find_published(
    soup, url: str, canonical: str, selectors, languages, earliest: datetime = EARLIEST_PLAUSIBLE
) -> tuple[datetime | None, str | None]:
    def plausible(value: datetime | None) -> bool:
        return value is not None and value >= earliest

    for raw in _json_ld_dates(soup):
        value = parse_iso_lenient(raw) or parse_date_text(raw, languages)
        if plausible(value):
            return value, "json-ld"

    for selector in (
        'meta[property="article:published_time"]',
        'meta[name="article:published_time"]',
        'meta[itemprop="datePublished"]',
    ):
        for meta in _meta_nodes(soup, selector):
            raw = meta.get("content") or ""
            value = parse_iso_lenient(raw) or parse_date_text(raw, languages)
            if plausible(value):
                return value, "meta"

    byline_nodes = soup.select(selectors.published) if selectors and selectors.published else []
    time_nodes = []
    for node in byline_nodes:
        time_nodes += [node] if node.tag == "time" else css(node, "time[datetime]", scoped=True)
    # time[itemprop=datePublished], time[pubdate], article/main time[datetime]: never a
    # <time> elsewhere (the page header shows today's date). One pass, in document
    # order, instead of a CSS query over the whole tree.
    for node in soup.root.iter("time"):
        if (
            node.get("itemprop") == "datePublished"
            or node.get("pubdate") is not None
            or (
                node.get("datetime")
                and next(node.iterancestors("article", "main"), None) is not None
            )
        ):
            time_nodes.append(node)
    for node in time_nodes:
        raw = node.get("datetime") or ""
        value = parse_iso_lenient(raw) or parse_date_text(raw, languages)
        if plausible(value):
            return value, "time"

    for node in byline_nodes:
        value = parse_date_text(" ".join(node.xpath(".//text()")), languages)
        if plausible(value):
            return value, "byline"

    for candidate in (canonical, url):
        value = date_from_url(candidate)
        if plausible(value):
            return value, "url"
    return None, None


# -- language -------------------------------------------------------------------------

_FR_WORDS = {
    "le",
    "la",
    "les",
    "des",
    "du",
    "de",
    "et",
    "est",
    "une",
    "un",
    "dans",
    "pour",
    "sur",
    "au",
    "aux",
    "qui",
    "que",
}
_EN_WORDS = {"the", "and", "of", "to", "in", "is", "for", "on", "that", "with", "was", "by"}


def _is_arabic_letter(ch: str) -> bool:
    code = ord(ch)
    return (
        0x0620 <= code <= 0x064A
        or 0x066E <= code <= 0x06D3
        or 0x0750 <= code <= 0x077F
        or 0xFB50 <= code <= 0xFDFF
        or 0xFE70 <= code <= 0xFEFC
    )


_ARABIC_LETTERS = re.compile(
    "[\u0620-\u064a\u066e-\u06d3\u0750-\u077f\ufb50-\ufdff\ufe70-\ufefc]"
)
_LATIN_LETTERS = re.compile("[A-Za-z\u00c0-\u024f]")


def detect_language(declared: str | None, text: str) -> str | None:
    # Same sets as _is_arabic_letter and "ASCII letter or Latin-1/Extended-A/B", counted
    # by regular expressions (a per-character Python loop was 8 % of extraction time).
    arabic = len(_ARABIC_LETTERS.findall(text))
    latin = len(_LATIN_LETTERS.findall(text))
    total = arabic + latin
    script = None
    if total >= 20:
        if arabic / total >= 0.6:
            script = "ar"
        elif latin / total >= 0.6:
            script = "latin"
    declared = (declared or "").strip().lower().replace("_", "-").split("-")[0] or None
    if script == "ar":
        return "ar"
    if declared and declared != "ar":
        return declared
    if script == "latin":
        words = re.findall(r"[a-zà-ÿ]+", text.lower())
        french = sum(1 for w in words if w in _FR_WORDS)
        english = sum(1 for w in words if w in _EN_WORDS)
        if french or english:
            return "fr" if french >= english else "en"
        return None
    return declared


# -- URLs -----------------------------------------------------------------------------

_TRACKING = re.compile(r"^(utm_[a-z]+|fbclid|gclid|mc_cid|mc_eid|xtor)$", re.IGNORECASE)


def normalise_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters,
    one consistent percent-encoding (Arabic slugs arrive both raw and encoded)."""
    from requests.utils import requote_uri

    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = (
        host
        if port is None or (scheme, port) in (("http", 80), ("https", 443))
        else f"{host}:{port}"
    )
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not _TRACKING.match(k)
        ]
    )
    return requote_uri(urlunsplit((scheme, netloc, parts.path or "/", query, "")))


def _canonical(soup, url: str, source: Source | None) -> str:
    for node, attribute in (
        (next((link for link in soup.root.iter("link")
               if "canonical" in (link.get("rel") or "").lower().split()), None), "href"),
        (next(iter(_meta_nodes(soup, 'meta[property="og:url"]')), None), "content"),
    ):
        href = node.get(attribute) if node is not None else None
        if not href or not href.strip():
            continue
        absolute = urljoin(url, href.strip())
        if urlsplit(absolute).scheme not in ("http", "https"):
            continue
        allowed = (
            source.allows_canonical(absolute)
            if source
            else host_in_domains(urlsplit(absolute).hostname, [urlsplit(url).hostname or ""])
        )
        if allowed:
            return normalise_url(absolute)
    return normalise_url(url)


# -- the extractor --------------------------------------------------------------------


def _meta(soup, *selectors: str) -> str | None:
    for selector in selectors:
        node = next(iter(_meta_nodes(soup, selector)), None)
        if node is not None and node.get("content"):
            text = clean_text(node.get("content"))
            if text:
                return text
    return None


def _json_ld_value(soup, key: str) -> str | None:
    for data in _json_ld(soup):
        items = data.get("@graph", [data]) if isinstance(data, dict) else data
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and key in item:
                value = item[key]
                if isinstance(value, list):
                    value = value[0] if value else None
                if isinstance(value, dict):
                    value = value.get("name")
                if isinstance(value, str) and clean_text(value):
                    return clean_text(value)
    return None


_AUTHOR_PREFIX = re.compile(
    r"^(?:par|by|de|بقلم|كتب|كتبت|إعداد|اعداد|المحرر)\s*[:：\-]?\s*", re.IGNORECASE
)


def _author(text: str | None) -> str | None:
    if not text:
        return None
    text = _AUTHOR_PREFIX.sub("", text).strip(" -|،,:")
    return text or None


def _select_text(soup, selector: str | None) -> str | None:
    if not selector:
        return None
    node = soup.select_one(selector)
    text = _text(node) if node is not None else ""  # an lxml element
    return text or None


def _generic_body(html_text: str, url: str) -> str:
    import trafilatura

    text = trafilatura.extract(
        html_text,
        url=url,
        include_comments=False,
        include_tables=False,
        include_images=False,
        favor_precision=True,
        deduplicate=False,
        with_metadata=False,
    )
    if not text:
        return ""
    return "\n\n".join(line for line in (clean_text(x) for x in text.splitlines()) if line)


def _trim_generic(body_text: str, title: str, lead: str | None) -> str:
    """The generic extractor often keeps the kicker, the title and the lead at the top of
    the text; they are stored in their own fields. Drop the title (and any short lines
    before it) when it is among the first three paragraphs, then a repeated lead."""
    paragraphs = body_text.split("\n\n") if body_text else []
    for index, paragraph in enumerate(paragraphs[:3]):
        if paragraph == title:
            paragraphs = paragraphs[index + 1 :]
            break
    if lead and paragraphs and paragraphs[0] == lead:
        paragraphs = paragraphs[1:]
    return "\n\n".join(paragraphs)


def extract_article(
    body: bytes,
    url: str,
    headers: dict | None,
    source: Source | None,
    *,
    now: datetime | None = None,
    min_body_chars: int = MIN_BODY_CHARS,
) -> Article | Rejection:
    """Turn one fetched page into an Article, or say why not (a Rejection)."""
    mime = header_value(headers, "content-type").split(";")[0].strip().lower()
    if mime not in HTML_TYPES:
        return Rejection(url, "not_html", f"content type {mime!r}")
    try:
        html_text, codec_used = decode_html(body, headers)
    except UndecodableError as exc:
        return Rejection(url, "undecodable", str(exc))
    if source is not None and source.min_body_chars and min_body_chars == MIN_BODY_CHARS:
        min_body_chars = source.min_body_chars
    earliest = _earliest(source)

    soup = ParsedPage(html_text)
    selectors = source.selectors if source else None

    title = (
        _select_text(soup, selectors.title if selectors else None)
        or _meta(soup, 'meta[property="og:title"]', 'meta[name="twitter:title"]')
        or _json_ld_value(soup, "headline")
        or _select_text(soup, "h1")
        or _select_text(soup, "title")
    )
    if not title:
        return Rejection(
            url, "no_title", "no title from selectors, og:title, JSON-LD, <h1> or <title>"
        )

    canonical = _canonical(soup, url, source)
    html_node = soup.root
    declared = (html_node.get("lang") if html_node is not None else None) or (
        _meta(soup, 'meta[property="og:locale"]') or None
    )
    languages = tuple(source.languages) if source else ("ar", "fr")

    published_at, published_source = _find_published(
        soup, url, canonical, selectors, languages, earliest
    )
    if published_at is not None and now is not None:
        reference = now if now.tzinfo else now.replace(tzinfo=UTC)
        if published_at > reference + FUTURE_TOLERANCE:
            return Rejection(
                url,
                "future_date",
                f"{published_source} date {published_at.isoformat()} "
                f"is after {reference.isoformat()}",
            )

    author = _author(
        _select_text(soup, selectors.author if selectors else None)
        or _meta(soup, 'meta[name="author"]', 'meta[property="article:author"]')
        or _json_ld_value(soup, "author")
    )
    section = (
        _select_text(soup, selectors.section if selectors else None)
        or _meta(soup, 'meta[property="article:section"]')
        or _json_ld_value(soup, "articleSection")
    )

    lead_node = soup.select_one(selectors.lead) if selectors and selectors.lead else None
    lead = (_text(lead_node) if lead_node is not None else "") or _meta(
        soup, 'meta[property="og:description"]', 'meta[name="description"]'
    )

    is_boilerplate = boilerplate_filter(source.boilerplate if source else ())
    body_text, extractor = "", "selectors"
    body_node = soup.select_one(selectors.body) if selectors and selectors.body else None
    if body_node is not None:
        for selector in (*(selectors.exclude if selectors else ()),):
            for node in css(body_node, selector, scoped=True):
                node.drop_tree()  # the element goes, the text after it stays
        for node in list(body_node.iter(*DROP_TAGS)):
            if node is not body_node:
                node.drop_tree()
        if lead_node is not None and body_node in lead_node.iterancestors():
            lead_node.drop_tree()  # stored once, as the lead
        body_text = "\n\n".join(p for p in _blocks(body_node) if not is_boilerplate(p))
    if not body_text:
        extractor = "generic"
        generic = _trim_generic(_generic_body(html_text, url), title, lead)
        body_text = "\n\n".join(p for p in generic.split("\n\n") if p and not is_boilerplate(p))
    if not body_text:
        return Rejection(
            url,
            "no_body",
            f"selectors ({selectors.body if selectors else None}) "
            "and the generic extractor found no text",
        )
    if len(body_text) < min_body_chars:
        return Rejection(
            url,
            "body_too_short",
            f"{extractor} body has {len(body_text)} characters (< {min_body_chars})",
        )

    language = detect_language(declared, f"{title}\n{body_text}")
    content_hash = hashlib.sha256(f"{title}\n{body_text}".encode()).hexdigest()
    return Article(
        url=url,
        canonical_url=canonical,
        language=language,
        title=title,
        lead=lead or None,
        body_text=body_text,
        author_name=author,
        section=section,
        published_at=published_at,
        published_at_source=published_source,
        content_hash=content_hash,
        extractor=extractor,
        kind=source.kind if source else "news",
        charset=codec_used,
    )


def _earliest(source: Source | None) -> datetime:
    if source is not None and source.since is not None:
        return datetime(source.since.year, source.since.month, source.since.day, tzinfo=ALGIERS)
    return EARLIEST_PLAUSIBLE


# -- PDFs (JORADP issues, communiqués) -------------------------------------------------

PDF_MAX_PAGES = 200
_SENTENCE_END = (".", ":", ";", "!", "?", "؟", "»", '"')
_JORADP_TITLES = {
    "fr": "Journal officiel de la République algérienne n° {number} de {year}",
    "ar": "الجريدة الرسمية للجمهورية الجزائرية العدد {number} لسنة {year}",
}


def _pdf_paragraphs(page_text: str) -> list[str]:
    """Lines of one page -> paragraphs: a line ending a sentence closes a paragraph,
    hyphenated line ends are joined (`dé-\\ncret` -> `décret`)."""
    paragraphs: list[str] = []
    current = ""
    for raw in page_text.splitlines():
        line = clean_text(raw)
        if not line:
            if current:
                paragraphs.append(current)
                current = ""
            continue
        if current.endswith("-") and len(current) > 1 and current[-2].isalpha():
            current = current[:-1] + line
        else:
            current = f"{current} {line}" if current else line
        if line.endswith(_SENTENCE_END):
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return paragraphs


def extract_pdf(
    body: bytes,
    url: str,
    headers: dict | None,
    source: Source | None,
    *,
    now: datetime | None = None,
    meta: dict | None = None,
    min_body_chars: int = MIN_BODY_CHARS,
) -> Article | Rejection:
    """A PDF (a JORADP issue, a ministry communiqué) -> Article with extractor 'pdf'.

    Text comes from pypdf (French PDFs extract well; Arabic ones come out in the PDF's
    glyph order, folded by NFKC, and are kept as they are). For a JORADP issue, `meta`
    (from the yearly index) gives year, issue number and language: the canonical URL is
    rebuilt from them, so the site's case variants (FTP/ftp, pdf/PDF) are one key."""
    meta = dict(meta or {})
    if "document" not in meta:
        meta.update(joradp_meta_from_url(url))
    if not body.startswith(b"%PDF-"):
        return Rejection(url, "not_pdf", "body does not start with %PDF-")
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(body))
        pages = [page.extract_text() or "" for page in reader.pages[:PDF_MAX_PAGES]]
        info_title = clean_text(str((reader.metadata or {}).get("/Title") or "")) or None
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds on broken files
        return Rejection(url, "pdf_unreadable", f"{type(exc).__name__}: {exc}")
    paragraphs = [p for page in pages for p in _pdf_paragraphs(page)]
    body_text = "\n\n".join(paragraphs)
    if not body_text:
        return Rejection(url, "no_body", "the PDF has no extractable text (scanned image?)")
    if len(body_text) < min_body_chars:
        return Rejection(
            url, "body_too_short", f"pdf body has {len(body_text)} characters (< {min_body_chars})"
        )
    languages = tuple(source.languages) if source else ("ar", "fr")
    language = meta.get("language") or detect_language(None, body_text[:5000])
    earliest = _earliest(source)
    published_at, published_source = None, None
    candidates = [(meta.get("published"), "index")]
    first_page = "\n".join(paragraphs[:12])[:2000]
    candidates.append((parse_date_text(first_page, (language,) if language else languages), "pdf"))
    for value, origin in candidates:
        if isinstance(value, datetime) and value >= earliest:
            if meta.get("year") and value.year != meta["year"]:
                continue  # a date cited in the text, not the issue's
            published_at, published_source = value, origin
            break
    if published_at is not None and now is not None:
        reference = now if now.tzinfo else now.replace(tzinfo=UTC)
        if published_at > reference + FUTURE_TOLERANCE:
            return Rejection(
                url, "future_date", f"{published_source} date {published_at.isoformat()}"
            )
    canonical = normalise_url(url)
    document_number = None
    title = info_title
    if meta.get("document") == "joradp":
        year, number = int(meta["year"]), int(meta["issue_number"])
        letter, folder = ("F", "jo-francais") if language == "fr" else ("A", "jo-arabe")
        parts = urlsplit(url)
        canonical = normalise_url(
            f"{parts.scheme}://{parts.netloc}/FTP/{folder}/{year}/{letter}{year}{number:03d}.pdf"
        )
        document_number = f"JORADP {year}/{number:03d} {language}"
        title = _JORADP_TITLES.get(language or "fr", _JORADP_TITLES["fr"]).format(
            number=number, year=year
        )
    if not title:
        title = paragraphs[0][:300]
    content_hash = hashlib.sha256(f"{title}\n{body_text}".encode()).hexdigest()
    return Article(
        url=url,
        canonical_url=canonical,
        language=language,
        title=title,
        lead=None,
        body_text=body_text,
        author_name=None,
        section=meta.get("section"),
        published_at=published_at,
        published_at_source=published_source,
        content_hash=content_hash,
        extractor="pdf",
        kind=source.kind if source else "official",
        document_number=document_number,
        charset=None,
    )


_JORADP_FILE = re.compile(r"/jo-(francais|arabe)/(\d{4})/([AF])(\d{4})(\d{3})\.pdf$", re.IGNORECASE)


def joradp_meta_from_url(url: str) -> dict:
    """Year, issue number and language of a JORADP issue PDF URL (empty when not one)."""
    match = _JORADP_FILE.search(urlsplit(url).path)
    if not match or match.group(2) != match.group(4):
        return {}
    return {"document": "joradp", "year": int(match.group(4)), "issue_number": int(match.group(5)),
            "language": "fr" if match.group(3).upper() == "F" else "ar"}


# -- one entry point for every caller (pipeline, CLI, benchmark) ------------------------


def is_pdf(body: bytes, headers: dict | None, url: str = "") -> bool:
    mime = header_value(headers, "content-type").split(";")[0].strip().lower()
    return mime == "application/pdf" or body[:5] == b"%PDF-"


def extract(
    body: bytes,
    url: str,
    headers: dict | None,
    source: Source | None,
    *,
    now: datetime | None = None,
    meta: dict | None = None,
) -> Article | Rejection:
    """Page or PDF bytes -> Article (with its analysis fields) or Rejection. The one
    function the scrape pipeline, `clusterwatch extract` and the benchmark call."""
    if is_pdf(body, headers, url):
        outcome = extract_pdf(body, url, headers, source, now=now, meta=meta)
    else:
        outcome = extract_article(body, url, headers, source, now=now)
    if isinstance(outcome, Article):
        from scrapers.analysis import analyse

        analysis = analyse(outcome)
        if analysis:
            outcome = replace(outcome, analysis=analysis)
    return outcome


def to_record(outcome: Article | Rejection, source_id: str | None = None) -> dict:
    """The JSON form of `clusterwatch extract`: the article's fields with
    `published_at` in ISO 8601 with its offset, then the analysis fields."""
    if isinstance(outcome, Rejection):
        return {"source_id": source_id, "url": outcome.url, "rejected": True,
                "reason": outcome.reason, "detail": outcome.detail}
    record = {
        "source_id": source_id,
        "url": outcome.url,
        "canonical_url": outcome.canonical_url,
        "kind": outcome.kind,
        "language": outcome.language,
        "title": outcome.title,
        "lead": outcome.lead,
        "published_at": outcome.published_at.isoformat() if outcome.published_at else None,
        "published_at_source": outcome.published_at_source,
        "author": outcome.author_name,
        "section": outcome.section,
        "document_number": outcome.document_number,
        "text": outcome.body_text,
        "extractor": outcome.extractor,
        "content_hash": outcome.content_hash,
    }
    for key, value in outcome.analysis.items():
        record.setdefault(key, value)
    return record
