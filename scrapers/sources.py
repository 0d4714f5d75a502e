"""Source definitions: one YAML file per site, validated against a JSON Schema.

A site is data (STYLE C11): its feeds, listings, CSS selectors and politeness live in
`scrapers/sources/<source_id>.yaml`; adding a site is adding a file. String values may
hold placeholders such as `{demo_site}`, filled from `variables` when the file is loaded
(only the demo sources use one). A file that does not validate raises
`SourceConfigError`, whose message names the file and the field.

The schema is kept here rather than in a separate `.json` file so that it ships with the
module in any install (pyproject's package data lists only `sources/*`); `SOURCE_SCHEMA`
is a plain dict, `json.dumps(SOURCE_SCHEMA)` gives the file form for editors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import yaml

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
# Placeholders filled at run time by discovery, never from `variables`.
RUNTIME_FIELDS = frozenset({"id", "year", "page"})
DISCOVERY_TYPES = ("rss", "sitemap", "listing", "id_range", "joradp_index")

_URL = {"type": "string", "pattern": r"^https?://[^\s/?#]+[^\s]*$"}
_URL_OR_PATH = {"type": "string", "minLength": 1, "pattern": r"^[^\s]+$"}
_SELECTOR = {"type": "string", "minLength": 1}
_DOMAIN = {"type": "string", "pattern": r"^[A-Za-z0-9.-]+$"}

SOURCE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://github.com/clusterwatch/clusterwatch/scrapers/source.schema.json",
    "title": "clusterwatch news/official source",
    "type": "object",
    "additionalProperties": False,
    "required": [
        "id",
        "name",
        "languages",
        "kind",
        "base_url",
        "allowed_domains",
        "discovery",
        "politeness",
    ],
    "properties": {
        "id": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*$"},
        "name": {"type": "string", "minLength": 1},
        "languages": {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"enum": ["ar", "fr"]},
        },
        "kind": {"enum": ["news", "official"]},
        "base_url": _URL,
        "allowed_domains": {"type": "array", "minItems": 1, "items": _DOMAIN},
        # Hosts a page's <link rel="canonical"> may point to (defaults to allowed_domains).
        # Recorded demo pages keep their real canonical links, so the demo host is not
        # part of the article key.
        "canonical_domains": {"type": "array", "items": _DOMAIN},
        "discovery": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["type", "url"],
                "properties": {
                    # rss (RSS 0.9x/1.0/2.0 and Atom), sitemap (index, urlset, news
                    # sitemap), listing (HTML pages + pagination), id_range (back-fill:
                    # `url` holds {id}), joradp_index (yearly issue index: `url` holds
                    # {year}, links lead to issue PDFs).
                    "type": {"enum": list(DISCOVERY_TYPES)},
                    "url": _URL_OR_PATH,
                    "link_selector": _SELECTOR,
                    "next_selector": _SELECTOR,
                    # listing: further pages by number when there is no "next" link,
                    # e.g. "/economie/page/{page}/" (pages 2..max_pages).
                    "page_url": _URL_OR_PATH,
                    "max_pages": {"type": "integer", "minimum": 1, "maximum": 100},
                    # id_range: the ids a back-fill may cover when none are given.
                    "id_from": {"type": "integer", "minimum": 0},
                    "id_to": {"type": "integer", "minimum": 0},
                    "max_ids": {"type": "integer", "minimum": 1, "maximum": 100000},
                    # joradp_index: language of the issues this index lists.
                    "language": {"enum": ["ar", "fr"]},
                    # sitemap: child sitemaps followed at most.
                    "max_sitemaps": {"type": "integer", "minimum": 1, "maximum": 500},
                    # Only for back-fills (id_range always is): a scheduled run skips it.
                    "backfill_only": {"type": "boolean"},
                    "note": {"type": "string"},
                },
            },
        },
        # Paragraphs dropped from bodies when they match one of these regular
        # expressions (app promotions, "follow us", newsletter boxes), on top of the
        # built-in list of scrapers.extract.BOILERPLATE.
        "boilerplate": {"type": "array", "items": {"type": "string", "minLength": 2}},
        # The first day the source published: earlier dates are implausible.
        "since": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
        "min_body_chars": {"type": "integer", "minimum": 1, "maximum": 100000},
        "selectors": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "title": _SELECTOR,
                "lead": _SELECTOR,
                "body": _SELECTOR,
                "author": _SELECTOR,
                "section": _SELECTOR,
                "published": _SELECTOR,
                # Dropped from the body before its text is taken (share bars, app promos).
                "exclude": {"type": "array", "items": _SELECTOR},
            },
        },
        "politeness": {
            "type": "object",
            "additionalProperties": False,
            "required": ["delay_seconds", "concurrency"],
            "properties": {
                "delay_seconds": {"type": "number", "minimum": 0, "maximum": 600},
                "concurrency": {"type": "integer", "minimum": 1, "maximum": 8},
            },
        },
    },
}

LISTING_DEFAULT_MAX_PAGES = 5


class SourceConfigError(ValueError):
    """A source file is missing, unreadable or invalid. `path` and `field` say where."""

    def __init__(self, path: Path | str, field: str | None, message: str):
        self.path = Path(path)
        self.field = field
        self.reason = message
        where = f"field '{field}'" if field else "file"
        super().__init__(f"{self.path}: {where}: {message}")


@dataclass(frozen=True)
class Discovery:
    type: str  # one of DISCOVERY_TYPES
    url: str  # absolute, resolved against the source's base_url (may hold {id}/{year})
    link_selector: str | None = None
    next_selector: str | None = None
    max_pages: int = 1
    page_url: str | None = None
    id_from: int | None = None
    id_to: int | None = None
    max_ids: int = 5000
    language: str | None = None
    max_sitemaps: int = 20
    backfill_only: bool = False


@dataclass(frozen=True)
class Selectors:
    title: str | None = None
    lead: str | None = None
    body: str | None = None
    author: str | None = None
    section: str | None = None
    published: str | None = None
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Politeness:
    delay_seconds: float = 1.0
    concurrency: int = 1


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    languages: tuple[str, ...]
    kind: str
    base_url: str
    allowed_domains: tuple[str, ...]
    discovery: tuple[Discovery, ...]
    selectors: Selectors = field(default_factory=Selectors)
    politeness: Politeness = field(default_factory=Politeness)
    canonical_domains: tuple[str, ...] = ()
    boilerplate: tuple[str, ...] = ()
    since: date | None = None
    min_body_chars: int | None = None
    path: Path | None = None

    def resolve(self, url: str) -> str:
        """An absolute URL for `url`, read relative to base_url taken as a directory."""
        return urljoin(self.base_url.rstrip("/") + "/", url)

    def allows(self, url: str) -> bool:
        """True when `url`'s host is one of allowed_domains (or a subdomain of one)."""
        return host_in_domains(urlsplit(url).hostname, self.allowed_domains)

    def extraction_fingerprint(self) -> str:
        """A short hash of what shapes extraction (selectors, boilerplate, limits): a
        page seen before is re-extracted when this changes, even if its bytes did not."""
        import hashlib

        parts = repr((self.selectors, self.boilerplate, self.since, self.min_body_chars,
                      self.kind, self.languages, self.canonical_domains))
        return hashlib.sha256(parts.encode()).hexdigest()[:12]

    def allows_canonical(self, url: str) -> bool:
        domains = self.canonical_domains or self.allowed_domains
        return host_in_domains(urlsplit(url).hostname, domains)


def host_in_domains(host: str | None, domains) -> bool:
    if not host:
        return False
    host = host.lower().rstrip(".")
    for domain in domains:
        domain = domain.lower().rstrip(".")
        if host == domain or host.endswith("." + domain):
            return True
    return False


# -- loading ------------------------------------------------------------------------


def load_sources(directory: Path | str, variables: dict[str, str] | None = None) -> list[Source]:
    """Every `*.yaml` source of `directory`, sorted by id. The first bad file raises."""
    directory = Path(directory)
    if not directory.is_dir():
        raise SourceConfigError(directory, None, "sources directory does not exist")
    paths = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    return [load_source(path, variables) for path in paths]


def load_source(path: Path | str, variables: dict[str, str] | None = None) -> Source:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceConfigError(path, None, "no such source file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceConfigError(path, None, f"cannot read: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SourceConfigError(path, None, f"not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise SourceConfigError(path, None, "top level must be a mapping")
    data = _substitute(data, variables or {}, path, "")
    _validate_schema(data, path)
    return _build(data, path)


def _substitute(value: Any, variables: dict[str, str], path: Path, where: str) -> Any:
    if isinstance(value, str):

        def fill(match: re.Match) -> str:
            name = match.group(1)
            if name in RUNTIME_FIELDS and name not in variables:
                return match.group(0)
            if name not in variables:
                raise SourceConfigError(
                    path,
                    where or None,
                    f"placeholder {{{name}}} has no value (pass variables={{'{name}': ...}})",
                )
            return str(variables[name])

        return PLACEHOLDER.sub(fill, value)
    if isinstance(value, dict):
        return {
            key: _substitute(item, variables, path, f"{where}.{key}" if where else str(key))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_substitute(item, variables, path, f"{where}[{i}]") for i, item in enumerate(value)]
    return value


def _field_name(error) -> str:
    parts = ""
    for item in error.absolute_path:
        parts += f"[{item}]" if isinstance(item, int) else (f".{item}" if parts else str(item))
    extra = None
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [name for name in error.validator_value if name not in error.instance]
        extra = missing[0] if missing else None
    elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {}))
        unexpected = sorted(str(k) for k in error.instance if k not in known)
        extra = unexpected[0] if unexpected else None
    if extra:
        parts = f"{parts}.{extra}" if parts else extra
    return parts or "(top level)"


def _validate_schema(data: dict, path: Path) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(SOURCE_SCHEMA)
    errors = sorted(
        validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message)
    )
    if not errors:
        return
    first = errors[0]
    message = first.message
    if len(errors) > 1:
        others = "; ".join(f"{_field_name(e)}: {e.message}" for e in errors[1:5])
        message += f" (and {len(errors) - 1} more: {others})"
    raise SourceConfigError(path, _field_name(first), message)


def _check_selector(selector: str, path: Path, where: str) -> None:
    """Selectors run through soupsieve (discovery) and cssselect -> XPath (extraction):
    both must accept them."""
    import soupsieve
    from cssselect import HTMLTranslator, SelectorError

    try:
        soupsieve.compile(selector)
        HTMLTranslator().css_to_xpath(selector)
    except (soupsieve.SelectorSyntaxError, SelectorError) as exc:
        raise SourceConfigError(path, where, f"invalid CSS selector {selector!r}: {exc}") from None


def _build(data: dict, path: Path) -> Source:
    if data["id"] != path.stem:
        raise SourceConfigError(
            path, "id", f"id {data['id']!r} must equal the file name stem {path.stem!r}"
        )
    allowed = tuple(d.lower().rstrip(".") for d in data["allowed_domains"])
    base_url = data["base_url"]
    if not host_in_domains(urlsplit(base_url).hostname, allowed):
        raise SourceConfigError(
            path, "base_url", f"host of {base_url!r} is not in allowed_domains {list(allowed)}"
        )

    base_dir = base_url.rstrip("/") + "/"
    discovery = []
    for index, item in enumerate(data["discovery"]):
        where = f"discovery[{index}]"
        url = urljoin(base_dir, item["url"])
        if urlsplit(url).scheme not in ("http", "https"):
            raise SourceConfigError(path, f"{where}.url", f"{item['url']!r} is not an http(s) URL")
        if not host_in_domains(urlsplit(url).hostname, allowed):
            raise SourceConfigError(
                path, f"{where}.url", f"host of {url!r} is not in allowed_domains"
            )
        only_for = {
            "link_selector": ("listing",),
            "next_selector": ("listing",),
            "page_url": ("listing",),
            "max_pages": ("listing",),
            "id_from": ("id_range",),
            "id_to": ("id_range",),
            "max_ids": ("id_range",),
            "language": ("joradp_index",),
            "max_sitemaps": ("sitemap",),
        }
        for key, types in only_for.items():
            if key in item and item["type"] not in types:
                raise SourceConfigError(
                    path, f"{where}.{key}", f"{key} only applies to type '{types[0]}'"
                )
        if item["type"] == "listing" and "link_selector" not in item:
            raise SourceConfigError(
                path, f"{where}.link_selector", "a listing needs a link_selector"
            )
        needs = {"id_range": "{id}", "joradp_index": "{year}"}.get(item["type"])
        if needs and needs not in item["url"]:
            raise SourceConfigError(
                path, f"{where}.url", f"a {item['type']} url must hold the placeholder {needs}"
            )
        if item["type"] not in ("id_range", "joradp_index") and PLACEHOLDER.search(url):
            raise SourceConfigError(
                path, f"{where}.url", f"placeholders only apply to id_range / joradp_index: {url!r}"
            )
        if "page_url" in item and "{page}" not in item["page_url"]:
            raise SourceConfigError(
                path, f"{where}.page_url", "page_url must hold the placeholder {page}"
            )
        if item.get("id_from") is not None and item.get("id_to") is not None:
            if item["id_from"] > item["id_to"]:
                raise SourceConfigError(path, f"{where}.id_to", "id_to is below id_from")
        for key in ("link_selector", "next_selector"):
            if key in item:
                _check_selector(item[key], path, f"{where}.{key}")
        default_pages = LISTING_DEFAULT_MAX_PAGES if item["type"] == "listing" else 1
        discovery.append(
            Discovery(
                type=item["type"],
                url=url,
                link_selector=item.get("link_selector"),
                next_selector=item.get("next_selector"),
                max_pages=int(item.get("max_pages", default_pages)),
                page_url=urljoin(base_dir, item["page_url"]) if "page_url" in item else None,
                id_from=item.get("id_from"),
                id_to=item.get("id_to"),
                max_ids=int(item.get("max_ids", 5000)),
                language=item.get("language"),
                max_sitemaps=int(item.get("max_sitemaps", 20)),
                backfill_only=bool(item.get("backfill_only", item["type"] == "id_range")),
            )
        )

    raw_selectors = data.get("selectors") or {}
    for key, value in raw_selectors.items():
        if key == "exclude":
            for i, selector in enumerate(value):
                _check_selector(selector, path, f"selectors.exclude[{i}]")
        else:
            _check_selector(value, path, f"selectors.{key}")
    selectors = Selectors(
        **{k: v for k, v in raw_selectors.items() if k != "exclude"},
        exclude=tuple(raw_selectors.get("exclude", ())),
    )
    politeness = Politeness(
        delay_seconds=float(data["politeness"]["delay_seconds"]),
        concurrency=int(data["politeness"]["concurrency"]),
    )
    since = None
    if "since" in data:
        try:
            since = date.fromisoformat(data["since"])
        except ValueError as exc:
            raise SourceConfigError(path, "since", f"not a date: {exc}") from None
    for index, pattern in enumerate(data.get("boilerplate", ())):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise SourceConfigError(
                path, f"boilerplate[{index}]", f"invalid regular expression: {exc}"
            ) from None
    return Source(
        id=data["id"],
        name=data["name"],
        languages=tuple(data["languages"]),
        kind=data["kind"],
        base_url=base_url,
        allowed_domains=allowed,
        discovery=tuple(discovery),
        selectors=selectors,
        politeness=politeness,
        canonical_domains=tuple(d.lower().rstrip(".") for d in data.get("canonical_domains", ())),
        boilerplate=tuple(data.get("boilerplate", ())),
        since=since,
        min_body_chars=data.get("min_body_chars"),
        path=path,
    )
