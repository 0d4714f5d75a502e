"""Entities of an article from the gazetteers in `data/`: clusters, sectors, wilayas,
organisations, people and numbers with units.

Every name is matched on normalised tokens (matcher.py): the Arabic and French names,
acronyms and former names of one body carry the same id, and so do the spellings of a
person. Output per type: one entry per entity, `{id, name, surface, count}` (the first
surface met, the number of mentions); numbers add `value` and `unit`.

Rules beyond plain matching (each is data-driven where it can be):
- French proper names (wilayas, people) match only when written with a capital, and
  acronyms only in capitals ("ONS", "CBA"), so "mascara" or "ons" do not.
- `cue_aliases` of wilayas (البيض، الوادي، الجزائر ...) need a cue word right before them
  (ولاية، مدينة، بلدية، دائرة، wilaya, ville, commune, daïra).
- "العاصمة" is Algiers (16) in its definite form (العاصمة، بالعاصمة، للعاصمة), unless a
  foreign nisba adjective follows (العاصمة الفرنسية); "عاصمة الإلكترونيك" is not a place.
- A wilaya mentioned in an article published before the wilaya existed resolves to its
  parent (Touggourt in 2015 -> Ouargla, 30), when `published_at` is given.
- A person's surname alone counts only when a full name of that person is in the text.
- Clusters: a proper name, or a cluster head word followed within `window` tokens (or
  preceded within `window_before` tokens; same sentence) by one of the cluster's keys;
  weak keys need one of its wilayas in the text.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import yaml

from scrapers.text import data_files
from scrapers.text.matcher import Document, Match, PhraseMatcher, leftmost_longest, phrase_keys
from scrapers.text.normalise import fold

ENTITY_TYPES = ("clusters", "sectors", "wilayas", "organisations", "people", "numbers")
CUE_WORDS = ("ولاية", "مدينة", "بلدية", "دائرة", "wilaya", "ville", "commune", "daïra", "daira")
CAPITAL_ALIAS = "العاصمة"
ALGERIAN = fold("جزائرية")  # the nisba that keeps "العاصمة" in Algeria
_SPACES_IN_NUMBERS = re.compile(r"^[ \u00a0\u202f\u2009]$")


@dataclass(frozen=True)
class Entity:
    id: str
    name: str
    surface: str
    count: int = 1
    value: float | None = None  # numbers only (an int when whole)
    unit: str | None = None  # numbers only

    def as_dict(self) -> dict:
        out = {"id": self.id, "name": self.name, "surface": self.surface, "count": self.count}
        if self.unit is not None:
            out["value"] = self.value
            out["unit"] = self.unit
        return out


@dataclass(frozen=True)
class Entities:
    clusters: tuple[Entity, ...] = ()
    sectors: tuple[Entity, ...] = ()
    wilayas: tuple[Entity, ...] = ()
    organisations: tuple[Entity, ...] = ()
    people: tuple[Entity, ...] = ()
    numbers: tuple[Entity, ...] = ()
    # where each cluster mention starts in the text (for relevance: a named cluster is
    # core evidence); not part of the output
    cluster_offsets: tuple[int, ...] = field(default=(), compare=False, repr=False)

    def as_dict(self) -> dict[str, list[dict]]:
        return {kind: [e.as_dict() for e in getattr(self, kind)] for kind in ENTITY_TYPES}

    def ids(self, kind: str) -> list[str]:
        return [e.id for e in getattr(self, kind)]

    def items(self) -> Iterable[tuple[str, Entity]]:
        for kind in ENTITY_TYPES:
            for entity in getattr(self, kind):
                yield kind, entity


@dataclass(frozen=True)
class Wilaya:
    code: str
    name_fr: str
    name_ar: str
    valid_from: date | None
    valid_to: date | None
    parent_code: str | None
    status: str


@dataclass(frozen=True)
class ClusterRecord:
    id: str
    name: str
    sector: str
    wilayas: tuple[str, ...]
    data: dict = field(compare=False, repr=False)


def _split(cell: str | None) -> list[str]:
    return [part.strip() for part in (cell or "").split("|") if part.strip()]


def _date(cell: str | None) -> date | None:
    return date.fromisoformat(cell) if cell and cell.strip() else None


def _lang_lists(entry: dict, key: str) -> list[tuple[str, str]]:
    value = entry.get(key) or {}
    return [(lang, str(term)) for lang in ("fr", "ar") for term in value.get(lang) or ()]


class Gazetteer:
    """All gazetteers, compiled into phrase matchers. Built once per process (cached)."""

    def __init__(
        self,
        wilayas_csv: str,
        organisations: dict,
        people: dict,
        sectors: dict,
        clusters: dict,
        numbers: dict,
    ):
        self._load_wilayas(wilayas_csv)
        self._load_named("organisations", organisations["organisations"])
        self._load_people(people["people"])
        self._load_sectors(sectors["sectors"])
        self._load_clusters(clusters)
        self._load_numbers(numbers)
        self.cue_keys = frozenset(k for word in CUE_WORDS for k in phrase_keys(word))

    # -- loading -------------------------------------------------------------------
    def _load_wilayas(self, text: str) -> None:
        rows = csv.DictReader(io.StringIO("".join(
            line for line in io.StringIO(text) if not line.startswith("#")
        )))  # fmt: skip
        self.wilayas: dict[str, Wilaya] = {}
        self.wilaya_matcher = PhraseMatcher()
        for row in rows:
            code = row["code"].strip()
            if not re.fullmatch(r"\d\d", code) or code in self.wilayas:
                raise ValueError(f"wilayas.csv: bad or duplicate code {code!r}")
            self.wilayas[code] = Wilaya(
                code,
                row["name_fr"].strip(),
                row["name_ar"].strip(),
                _date(row["valid_from"]),
                _date(row["valid_to"]),
                row["parent_code"].strip() or None,
                row["status"].strip(),
            )
            cue_only = set(_split(row["cue_aliases"]))
            names = [("fr", row["name_fr"])] + [("fr", a) for a in _split(row["aliases_fr"])]
            names += [("ar", row["name_ar"])] + [("ar", a) for a in _split(row["aliases_ar"])]
            for lang, name in names:
                rule = "cue" if name.strip() in cue_only else lang
                self.wilaya_matcher.add(name.strip(), (code, rule, name.strip() == CAPITAL_ALIAS))
            for name in cue_only - {n.strip() for _, n in names}:
                self.wilaya_matcher.add(name, (code, "cue", False))
        for w in self.wilayas.values():
            if w.parent_code and w.parent_code not in self.wilayas:
                raise ValueError(f"wilayas.csv: {w.code} has unknown parent {w.parent_code}")

    def _load_named(self, kind: str, entries: list[dict]) -> None:
        names: dict[str, str] = {}
        matcher = PhraseMatcher()
        for entry in entries:
            entity_id = str(entry["id"])
            if entity_id in names:
                raise ValueError(f"{kind}: duplicate id {entity_id}")
            names[entity_id] = str(entry["name"])
            for lang, alias in _lang_lists(entry, "aliases"):
                matcher.add(alias, (entity_id, "any"))
            for field_name in ("name_fr", "name_ar"):
                if entry.get(field_name):
                    matcher.add(str(entry[field_name]), (entity_id, "any"))
            for acronym in entry.get("acronyms") or ():
                matcher.add(str(acronym), (entity_id, "upper"))
        setattr(self, f"{kind}_names", names)
        setattr(self, f"{kind}_matcher", matcher)

    def _load_people(self, entries: list[dict]) -> None:
        self.people_names: dict[str, str] = {}
        self.people_matcher = PhraseMatcher()
        for entry in entries:
            person = str(entry["id"])
            if person in self.people_names:
                raise ValueError(f"people: duplicate id {person}")
            self.people_names[person] = str(entry["name"])
            for kind in ("full", "short"):
                for lang, alias in _lang_lists(entry, kind):
                    self.people_matcher.add(alias, (person, kind, lang))
            if not _lang_lists(entry, "full"):
                raise ValueError(f"people: {person} has no full name")

    def _load_sectors(self, entries: list[dict]) -> None:
        self.sectors_names: dict[str, str] = {}
        self.sectors_matcher = PhraseMatcher()
        for entry in entries:
            sector = str(entry["id"])
            if sector in self.sectors_names:
                raise ValueError(f"sectors: duplicate id {sector}")
            self.sectors_names[sector] = str(entry["name"])
            for lang, term in _lang_lists(entry, "terms"):
                self.sectors_matcher.add(term, (sector, "upper" if term.isupper() else "any"))
        self.sector_parents = {str(e["id"]): str(e["parent"]) for e in entries if e.get("parent")}
        for child, parent in self.sector_parents.items():
            if parent not in self.sectors_names:
                raise ValueError(f"sectors: {child} has unknown parent {parent}")

    def _load_clusters(self, config: dict) -> None:
        self.cluster_window = int(config.get("window", 4))
        self.cluster_before = int(config.get("window_before", 3))
        self.clusters: dict[str, ClusterRecord] = {}
        self.cluster_alias_matcher = PhraseMatcher()
        self.cluster_head_matcher = PhraseMatcher()
        self.cluster_key_matcher = PhraseMatcher()
        for lang, head in _lang_lists(config, "heads"):
            self.cluster_head_matcher.add(head, "head")
        for entry in config["clusters"]:
            cluster = str(entry["id"])
            if cluster in self.clusters:
                raise ValueError(f"clusters: duplicate id {cluster}")
            wilayas = tuple(str(code) for code in entry.get("wilayas") or ())
            unknown = [code for code in wilayas if code not in self.wilayas]
            if unknown:
                raise ValueError(f"clusters: {cluster} names unknown wilayas {unknown}")
            if entry.get("sector") not in self.sectors_names:
                raise ValueError(f"clusters: {cluster} has unknown sector {entry.get('sector')}")
            self.clusters[cluster] = ClusterRecord(
                cluster, str(entry["name"]), str(entry["sector"]), wilayas, entry
            )
            for lang, alias in _lang_lists(entry, "aliases"):
                self.cluster_alias_matcher.add(alias, (cluster, "any"))
            for acronym in entry.get("acronyms") or ():
                self.cluster_alias_matcher.add(str(acronym), (cluster, "upper"))
            for lang, key in _lang_lists(entry, "keys"):
                self.cluster_key_matcher.add(key, (cluster, "strong"))
            for lang, key in _lang_lists(entry, "weak_keys"):
                self.cluster_key_matcher.add(key, (cluster, "weak"))
            if not (_lang_lists(entry, "keys") or _lang_lists(entry, "aliases")):
                raise ValueError(f"clusters: {cluster} has neither aliases nor keys")

    def _load_numbers(self, config: dict) -> None:
        self.number_words = {
            fold(word): value
            for lang in ("fr", "ar")
            for word, value in (config["words"].get(lang) or {}).items()
        }
        self.number_scales = {
            fold(word): value
            for lang in ("fr", "ar")
            for word, value in (config["scales"].get(lang) or {}).items()
        }
        self.number_fillers = frozenset(
            fold(word) for lang in ("fr", "ar") for word in config["fillers"].get(lang) or ()
        )
        self.unit_names: dict[str, str] = {}
        self.unit_matcher = PhraseMatcher()
        for unit in config["units"]:
            self.unit_names[str(unit["id"])] = str(unit["name"])
            for lang in ("fr", "ar"):
                for term in unit.get(lang) or ():
                    self.unit_matcher.add(
                        str(term), (str(unit["id"]), "upper" if str(term).isupper() else "any")
                    )

    # -- extraction ----------------------------------------------------------------
    def extract(self, text: str, published_at: datetime | date | None = None) -> Entities:
        return self.extract_from(Document(text), published_at)

    def extract_from(self, doc: Document, published_at: datetime | date | None = None) -> Entities:
        wilaya_hits = self._wilayas(doc, published_at)
        wilaya_codes = {hit[0] for hit in wilaya_hits}
        cluster_hits = self._clusters(doc, wilaya_codes)
        return Entities(
            clusters=_aggregate([hit[:3] for hit in cluster_hits]),
            sectors=_aggregate(self._simple(doc, self.sectors_matcher, self.sectors_names)),
            wilayas=_aggregate(wilaya_hits),
            organisations=_aggregate(
                self._simple(doc, self.organisations_matcher, self.organisations_names)
            ),
            people=_aggregate(self._people(doc)),
            numbers=self._numbers(doc),
            cluster_offsets=tuple(hit[3] for hit in cluster_hits),
        )

    def _simple(self, doc: Document, matcher: PhraseMatcher, names: dict) -> list[tuple]:
        hits = [m for m in matcher.find_all(doc) if _case_ok(doc, m, m.payload[1])]
        return [
            (m.payload[0], names[m.payload[0]], doc.text[m.start : m.end])
            for m in leftmost_longest(hits)
        ]

    def _wilayas(self, doc: Document, published_at) -> list[tuple]:
        kept = []
        for match in self.wilaya_matcher.find_all(doc):
            _, rule, is_capital = match.payload
            if rule == "fr" and not doc.text[match.start].isupper():
                continue
            if rule == "cue" and not self._after_cue(doc, match):
                continue
            if is_capital and not _is_algiers_capital(doc, match):
                continue
            kept.append(match)
        day = published_at.date() if isinstance(published_at, datetime) else published_at
        hits = []
        for match in leftmost_longest(kept):
            wilaya = self.wilayas[match.payload[0]]
            while day and wilaya.valid_from and day < wilaya.valid_from and wilaya.parent_code:
                wilaya = self.wilayas[wilaya.parent_code]
            hits.append((wilaya.code, wilaya.name_fr, doc.text[match.start : match.end]))
        return hits

    def _after_cue(self, doc: Document, match: Match) -> bool:
        if match.first == 0 or doc.tokens[match.first].brk:
            return False
        return bool(doc.keys[match.first - 1] & self.cue_keys)

    def _people(self, doc: Document) -> list[tuple]:
        hits = []
        for match in self.people_matcher.find_all(doc):
            lang = match.payload[2]
            if lang == "fr" and not doc.text[match.start].isupper():
                continue
            hits.append(match)
        chosen = leftmost_longest(hits)
        with_full = {m.payload[0] for m in chosen if m.payload[1] == "full"}
        return [
            (m.payload[0], self.people_names[m.payload[0]], doc.text[m.start : m.end])
            for m in chosen
            if m.payload[0] in with_full
        ]

    def _clusters(self, doc: Document, wilaya_codes: set[str]) -> list[tuple]:
        candidates = [
            m for m in self.cluster_alias_matcher.find_all(doc) if _case_ok(doc, m, m.payload[1])
        ]  # payloads: (cluster id, case rule); key payloads (cluster id, strength)
        keys_by_first: dict[int, list[Match]] = {}
        for key in self.cluster_key_matcher.find_all(doc):
            cluster, strength = key.payload
            if strength == "weak" and not (set(self.clusters[cluster].wilayas) & wilaya_codes):
                continue
            keys_by_first.setdefault(key.first, []).append(key)
        keys_by_last: dict[int, list[Match]] = {}
        for keys in keys_by_first.values():
            for key in keys:
                keys_by_last.setdefault(key.last, []).append(key)
        for head in self.cluster_head_matcher.find_all(doc):
            match = None
            for first in range(head.last, head.last + self.cluster_window + 1):
                found = [
                    key
                    for key in keys_by_first.get(first, ())
                    if not doc.has_break(head.first, key.last)
                ]
                if found:  # "cluster de la tomate industrielle", "تجمع ... للدقة"
                    key = max(found, key=lambda k: k.length)
                    match = Match(head.first, key.last, head.start, key.end, key.payload)
                    break
            for last in range(head.first, head.first - self.cluster_before - 1, -1):
                if match is not None:
                    break
                found = [
                    key
                    for key in keys_by_last.get(last, ())
                    if not doc.has_break(key.first, head.last)
                ]
                if found:  # "محولو البلاستيك تجمعا صناعيا"
                    key = max(found, key=lambda k: k.length)
                    match = Match(key.first, head.last, key.start, head.end, key.payload)
            if match is not None:
                candidates.append(match)
        return [
            (m.payload[0], self.clusters[m.payload[0]].name, doc.text[m.start : m.end], m.start)
            for m in leftmost_longest(candidates)
        ]

    def _numbers(self, doc: Document) -> tuple[Entity, ...]:
        units_at: dict[int, Match] = {}
        for match in self.unit_matcher.find_all(doc):
            if not _case_ok(doc, match, match.payload[1]):
                continue
            best = units_at.get(match.first)
            if best is None or match.length > best.length:
                units_at[match.first] = match
        tokens, text = doc.tokens, doc.text
        hits: list[tuple] = []
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if token.script == "num" and _is_ordinal(doc, i):
                value = None
            elif token.script == "num":
                value = _parse_number(token.norm)
                j = i + 1
                while (  # "60 000": thousands groups separated by a space
                    value is not None
                    and j < len(tokens)
                    and tokens[j].script == "num"
                    and re.fullmatch(r"\d{3}", tokens[j].norm)
                    and _SPACES_IN_NUMBERS.match(text[tokens[j - 1].end : tokens[j].start])
                    and value == value.to_integral_value()
                ):
                    value = value * 1000 + int(tokens[j].norm)
                    j += 1
            else:
                word = self.number_words.get(token.norm)
                value = None if word is None else Decimal(word)
                j = i + 1
            if value is None:
                i += 1
                continue
            start, end = token.start, tokens[j - 1].end
            if j < len(tokens) and not tokens[j].brk and tokens[j].norm in self.number_scales:
                value = value * Decimal(self.number_scales[tokens[j].norm])
                end = tokens[j].end
                j += 1
            unit = None
            after = text[end : end + 3].lstrip(" \u00a0\u202f\u2009")
            if after[:1] in ("%", "٪"):
                unit, end = "percent", text.index(after[0], end) + 1
            else:
                k = j
                if k < len(tokens) and not tokens[k].brk and tokens[k].norm in self.number_fillers:
                    k += 1
                match = units_at.get(k)
                if match is not None and not tokens[k].brk:
                    unit, end, j = match.payload[0], match.end, match.last
            if unit is not None:
                hits.append((_number_value(value), unit, text[start:end]))
            i = max(j, i + 1)
        entities: dict[str, list] = {}
        for value, unit, surface in hits:
            key = f"{unit}:{_format_number(value)}"
            if key in entities:
                entities[key][1] += 1
            else:
                entities[key] = [(value, unit, surface), 1]
        return tuple(
            Entity(
                key,
                f"{_format_number(value)} {self.unit_names[unit]}",
                surface,
                count,
                value,
                unit,
            )
            for key, ((value, unit, surface), count) in entities.items()
        )


def _case_ok(doc: Document, match: Match, rule: str) -> bool:
    if rule != "upper":
        return True
    surface = doc.text[match.start : match.end]
    letters = [c for c in surface if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def _is_algiers_capital(doc: Document, match: Match) -> bool:
    token = doc.tokens[match.first]
    folded = fold(doc.text[token.start : token.end])
    if "العاصمه" not in folded and not folded.endswith("للعاصمه"):
        return False  # construct state: "عاصمة الإلكترونيك" is a nickname, not Algiers
    if match.last < len(doc.tokens) and not doc.tokens[match.last].brk:
        following = doc.tokens[match.last].norm
        following = following.removeprefix("ال")
        if following.endswith("يه") and following != ALGERIAN:
            return False  # العاصمة الفرنسية, العاصمة الاقتصادية ...
    return True


def _is_ordinal(doc: Document, i: int) -> bool:
    """ "الـ20" / "ال20" (the 20th): digits glued to a definite article."""
    if i == 0:
        return False
    previous, token = doc.tokens[i - 1], doc.tokens[i]
    return previous.end == token.start and previous.norm.endswith("ال")


def _parse_number(norm: str) -> Decimal | None:
    """'7' -> 7, '56,8' -> 56.8, '1.500' -> 1500, '1.000.000' -> 1000000, '2.5' -> 2.5.
    A comma is a decimal separator (French and Arabic usage); a dot followed by exactly
    three digits, or repeated, separates thousands. Decimal, so 1,9 × 10⁹ stays exact."""
    if "," in norm and "." in norm:
        norm = norm.replace(".", "").replace(",", ".")
    elif "," in norm:
        parts = norm.split(",")
        norm = "".join(parts) if len(parts) > 2 else norm.replace(",", ".")
    elif "." in norm:
        parts = norm.split(".")
        if len(parts) > 2 or len(parts[1]) == 3:
            norm = "".join(parts)
    try:
        return Decimal(norm)
    except InvalidOperation:
        return None


def _number_value(value: Decimal) -> float:
    return int(value) if value == value.to_integral_value() else float(value)


def _format_number(value: float) -> str:
    return str(value) if isinstance(value, int) else f"{value:g}"


def _aggregate(hits: list[tuple]) -> tuple[Entity, ...]:
    """(id, name, surface) in text order -> one Entity per id, first surface, count."""
    order: dict[str, list] = {}
    for entity_id, name, surface in hits:
        if entity_id in order:
            order[entity_id][3] += 1
        else:
            order[entity_id] = [entity_id, name, surface, 1]
    return tuple(Entity(*values) for values in order.values())


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    return Gazetteer(
        data_files.read_text("wilayas.csv"),
        yaml.safe_load(data_files.read_text("organisations.yaml")),
        yaml.safe_load(data_files.read_text("people.yaml")),
        yaml.safe_load(data_files.read_text("sectors.yaml")),
        yaml.safe_load(data_files.read_text("clusters.yaml")),
        yaml.safe_load(data_files.read_text("numbers.yaml")),
    )


def extract_entities(text: str, published_at: datetime | date | None = None) -> Entities:
    """Entities of `text` (title, lead and body joined) with the package gazetteers."""
    return load_gazetteer().extract(text, published_at)
