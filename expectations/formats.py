"""Format rules for Algerian identifiers and reference codes, as pure functions.

Used by the suites (through `expectations.checks`, which turns them into GX
expectations) and usable by loaders to pre-check a value. No I/O beyond reading the
small reference files shipped in `expectations/reference/` (cached).

Rules and their sources:
- NIS (numéro d'identification statistique, ONS): 15 digits, kept as text.
- NIF (numéro d'identification fiscale, DGI): 15 digits for most legal entities;
  20-digit NIFs also circulate (issue 5 asks for 15-20 digit identifiers). Both are
  accepted; anything else is not. (verify against a DGI specification when one is
  available: none could be checked offline.)
- HS codes: 2, 4 or 6 digits, text with leading zeros, chapter 01-97 except 77 (reserved
  by the WCO for future use). National tariff lines (8-10 digits) are accepted only
  when the caller asks (`national=True`).
- ISO 3166-1 alpha-3: the 249 assigned codes (`reference/iso3166_alpha3.tsv`).
- Wilaya codes: two-digit strings valid for the wilaya map in force at the record's
  date (`reference/wilaya_versions.csv`, each version with its legal source):
  48 from loi 84-09 (1984), 58 from loi 19-12 of 11 Dec 2019, 69 from the 2025-26
  reform (dates UNVERIFIED, see the file). Names per code: `reference/wilayas.csv`.
- Coordinates inside Algeria: a bounding box of the national territory
  (lat 18.96-37.14 N, lon 8.68 W-12.0 E), which catches swapped lat/lon and points
  abroad, not points in a neighbouring country near the border.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"

NIS_PATTERN = r"^[0-9]{15}$"
NIF_PATTERN = r"^(?:[0-9]{15}|[0-9]{20})$"
HS_PATTERN = r"^(?:0[1-9]|[1-6][0-9]|7[0-68-9]|8[0-9]|9[0-7])(?:[0-9]{2}){0,2}$"
HS_NATIONAL_PATTERN = r"^(?:0[1-9]|[1-6][0-9]|7[0-68-9]|8[0-9]|9[0-7])(?:[0-9]{2}){0,4}$"
WILAYA_CODE_PATTERN = r"^[0-9]{2}$"
URL_PATTERN = r"^https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#][^\s]*)?$"

ALGERIA_LATITUDE = (18.96, 37.14)
ALGERIA_LONGITUDE = (-8.68, 12.0)

# Arabic Presentation Forms A (U+FB50-U+FDFF) and B (U+FE70-U+FEFF): NFKC folds them;
# their presence means a text skipped normalisation.
PRESENTATION_FORMS_PATTERN = "[\ufb50-\ufdff\ufe70-\ufeff]"


def is_nis(value: str | None) -> bool:
    return value is not None and re.fullmatch(NIS_PATTERN, str(value)) is not None


def is_nif(value: str | None) -> bool:
    return value is not None and re.fullmatch(NIF_PATTERN, str(value)) is not None


def is_hs_code(value: str | None, *, national: bool = False) -> bool:
    pattern = HS_NATIONAL_PATTERN if national else HS_PATTERN
    return value is not None and re.fullmatch(pattern, str(value)) is not None


def hs_chapter(value: str) -> str:
    return str(value)[:2]


@lru_cache(maxsize=1)
def iso3_codes() -> frozenset[str]:
    codes = []
    for line in (REFERENCE_DIR / "iso3166_alpha3.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            codes.append(line.split("\t", 1)[0])
    return frozenset(codes)


def is_iso3(value: str | None) -> bool:
    return value is not None and str(value) in iso3_codes()


def has_presentation_forms(text: str | None) -> bool:
    return bool(text) and re.search(PRESENTATION_FORMS_PATTERN, text) is not None


def is_inside_algeria(latitude: float | None, longitude: float | None) -> bool:
    if latitude is None or longitude is None:
        return False
    return (ALGERIA_LATITUDE[0] <= float(latitude) <= ALGERIA_LATITUDE[1]
            and ALGERIA_LONGITUDE[0] <= float(longitude) <= ALGERIA_LONGITUDE[1])


# -- wilayas ---------------------------------------------------------------------------
@dataclass(frozen=True)
class WilayaVersion:
    version: str
    max_code: int
    valid_from: date
    verified: bool
    source: str

    def codes(self) -> list[str]:
        return [f"{number:02d}" for number in range(1, self.max_code + 1)]


@lru_cache(maxsize=1)
def wilaya_versions() -> tuple[WilayaVersion, ...]:
    with open(REFERENCE_DIR / "wilaya_versions.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    versions = [
        WilayaVersion(row["version"], int(row["max_code"]), date.fromisoformat(row["valid_from"]),
                      row["verified"] == "yes", row["source"])
        for row in rows
    ]
    return tuple(sorted(versions, key=lambda v: v.valid_from))


def wilaya_version_on(day: date | datetime | None) -> WilayaVersion:
    """The wilaya map in force on `day`; records older than 1984 are held to the 1984
    map; an unknown date gets the newest map (the most permissive)."""
    versions = wilaya_versions()
    if day is None:
        return versions[-1]
    if isinstance(day, datetime):
        day = day.date()
    current = versions[0]
    for version in versions:
        if version.valid_from <= day:
            current = version
    return current


def normalise_wilaya_code(value) -> str | None:
    """'9', '09', 9, 9.0, '٠٩' -> '09'; anything else -> None."""
    if value is None:
        return None
    text = str(value).strip()
    text = text.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789"))
    if re.fullmatch(r"[0-9]{1,2}(\.0+)?", text):
        return f"{int(float(text)):02d}"
    return None


def is_wilaya_code(value, on: date | datetime | None = None) -> bool:
    """True when `value` is a two-digit wilaya code of the map in force on `on`."""
    if value is None or re.fullmatch(WILAYA_CODE_PATTERN, str(value)) is None:
        return False
    return 1 <= int(value) <= wilaya_version_on(on).max_code


def _name_key(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"^(wilaya\s+(de\s+|d'|du\s+)?)", "", text.strip())
    return re.sub(r"[^a-z]", "", text)


@lru_cache(maxsize=1)
def wilaya_names() -> dict[str, str]:
    """code -> official French name."""
    with open(REFERENCE_DIR / "wilayas.csv", encoding="utf-8", newline="") as handle:
        return {row["code"]: row["name_fr"] for row in csv.DictReader(handle)}


@lru_cache(maxsize=1)
def _codes_by_name() -> dict[str, str]:
    mapping = {}
    with open(REFERENCE_DIR / "wilayas.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for name in [row["name_fr"], *filter(None, row["aliases"].split("|"))]:
                mapping[_name_key(name)] = row["code"]
    return mapping


def wilaya_code_for_name(name: str | None) -> str | None:
    """The code of a wilaya named in French (accents, case, spaces, 'wilaya de' and
    common old names ignored); None when the name is unknown."""
    if not name:
        return None
    return _codes_by_name().get(_name_key(name))


def wilaya_name_matches_code(name: str | None, code) -> bool | None:
    """True/False when both are known; None when the name is not a known wilaya (a
    commune, a typo): the caller decides whether that is a finding."""
    expected = wilaya_code_for_name(name)
    if expected is None:
        return None
    return normalise_wilaya_code(code) == expected
