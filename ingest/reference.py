"""The wilaya reference: the dbt seed `dbt_project/seeds/wilayas.csv` (one source of
truth for the loader and the warehouse; sources cited in `seeds/_seeds__models.yml`)."""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

from clusterwatch import settings
from ingest.text import place_key


@dataclass(frozen=True)
class Wilaya:
    code: str
    name_fr: str
    name_ar: str
    variants: tuple[str, ...]
    valid_from: str
    valid_to: str | None
    parent_code: str | None


def seed_path() -> Path:
    return settings.DBT_PROJECT_DIR / "seeds" / "wilayas.csv"


@functools.lru_cache(maxsize=1)
def wilayas() -> dict[str, Wilaya]:
    with open(seed_path(), encoding="utf-8", newline="") as handle:
        return {
            row["wilaya_id"]: Wilaya(
                code=row["wilaya_id"], name_fr=row["name_fr"], name_ar=row["name_ar"],
                variants=tuple(v for v in row["name_variants"].split("|") if v),
                valid_from=row["valid_from"], valid_to=row["valid_to"] or None,
                parent_code=row["parent_wilaya_id"] or None,
            )
            for row in csv.DictReader(handle)
        }


@functools.lru_cache(maxsize=1)
def _codes_by_name() -> dict[str, str]:
    index: dict[str, str] = {}
    for wilaya in wilayas().values():
        for name in (wilaya.name_fr, wilaya.name_ar, *wilaya.variants):
            index.setdefault(place_key(name), wilaya.code)
    return index


def code_for_name(name: str) -> str | None:
    """'Blida' -> '09'; 'ولاية البليدة' -> '09'; 'Setif' -> '19'; unknown -> None."""
    return _codes_by_name().get(place_key(name)) if name and name.strip() else None


def normalise_code(value: str) -> str | None:
    """'8' -> '08', '09' -> '09', '16.0' -> '16'; None unless 1-2 digits of a known code."""
    text = value.strip()
    if text.endswith(".0"):
        text = text[:-2]
    if not text.isdigit() or len(text) > 2:
        return None
    code = text.zfill(2)
    return code if code in wilayas() else None


def name_of(code: str) -> str:
    wilaya = wilayas().get(code)
    return wilaya.name_fr if wilaya else code


def wilaya_in_text(text: str) -> str | None:
    """The wilaya named at the end of an address ('... - BOUIRA' -> '10'), if any."""
    if not text:
        return None
    tail = text.replace("\u2013", "-").replace("\u2014", "-")
    for separator in ("-", ",", " "):
        if separator in tail:
            candidate = tail.rsplit(separator, 1)[1]
            code = code_for_name(candidate)
            if code:
                return code
    return None
