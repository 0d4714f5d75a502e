"""Normalisation and the wilaya reference (pure)."""

from __future__ import annotations

import csv

import pytest

from ingest import reference
from ingest.text import clean_cell, label_key, normalise_digits, place_key


def test_eastern_arabic_and_persian_digits_become_ascii():
    assert normalise_digits("٠٠٠٢١٦٠٠١٢٣٤٥٦٧") == "000216001234567"
    assert normalise_digits("۱۲۳") == "123"
    assert normalise_digits("١٢٫٥") == "12.5"
    assert normalise_digits("١٬٢٣٤") == "1234"
    assert normalise_digits("Setif 19") == "Setif 19"


def test_clean_cell_drops_marks_keeps_inner_spaces():
    assert clean_cell("\u200f  حي 500  مسكن \u00a0") == "حي 500  مسكن"
    assert clean_cell("\ufeffNIF") == "NIF"


@pytest.mark.parametrize(("label", "key"), [
    ("N° R.C.", "n rc"),
    ("N.I.F", "nif"),
    ("Numéro d’identification fiscale", "numero d identification fiscale"),
    ("رقم السجلّ التجاري", "رقم السجل التجاري"),
    ("الـولاية", "الولاية"),
    ("refYear", "refyear"),
    ("Trade Value (US$)", "trade value us"),
    ("code_wil", "code wil"),
])
def test_label_key(label, key):
    assert label_key(label) == key


def test_place_key_ignores_accents_articles_and_prefixes():
    assert place_key("Sétif") == place_key("SETIF") == place_key("Setif")
    assert place_key("ولاية البليدة") == place_key("البليدة") == place_key("بليدة")
    assert place_key("M'Sila") == place_key("Msila")
    assert place_key("Wilaya de Béjaïa") == place_key("Bejaia")


def test_reference_has_69_wilayas_with_unique_codes_and_names():
    wilayas = reference.wilayas()
    assert sorted(wilayas) == [f"{n:02d}" for n in range(1, 70)]
    assert wilayas["09"].name_fr == "Blida" and wilayas["08"].name_fr == "Béchar"
    assert wilayas["16"].name_ar == "الجزائر"
    # Every name or variant points to one wilaya only.
    owners: dict[str, str] = {}
    for wilaya in wilayas.values():
        for name in (wilaya.name_fr, wilaya.name_ar, *wilaya.variants):
            assert owners.setdefault(place_key(name), wilaya.code) == wilaya.code, name
    # 49-58 (2019) and 59-69 (2025) name the wilaya they were carved from.
    assert all(wilayas[f"{n}"].parent_code for n in range(49, 70))
    assert wilayas["59"].name_fr == "Aflou" and wilayas["59"].parent_code == "03"


def test_seed_is_the_dbt_seed_with_its_columns():
    with open(reference.seed_path(), encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == ["wilaya_id", "name_fr", "name_ar", "name_variants", "valid_from", "valid_to",
                      "parent_wilaya_id", "legal_basis", "is_verified"]


@pytest.mark.parametrize(("name", "code"), [
    ("Blida", "09"), ("BLIDA", "09"), ("البليدة", "09"), ("Alger", "16"), ("Algiers", "16"),
    ("الجزائر العاصمة", "16"), ("Médéa", "26"), ("Medea", "26"), ("Bou Saâda", "64"),
    ("El Meghaier", "57"), ("Nowhere", None), ("", None),
])
def test_code_for_name(name, code):
    assert reference.code_for_name(name) == code


@pytest.mark.parametrize(("given", "code"), [("8", "08"), ("09", "09"), ("16.0", "16"), ("69", "69"),
                                             ("70", None), ("0", None), ("Blida", None), ("123", None)])
def test_normalise_code(given, code):
    assert reference.normalise_code(given) == code


def test_wilaya_named_at_the_end_of_an_address():
    assert reference.wilaya_in_text('CITE ASSOU LI MOHAMED 107 LOGTS Bt "A" BLOC "B" – BOUIRA') == "10"
    assert reference.wilaya_in_text("05, Avenue Kritli Mokhtar 09001 Blida") == "09"
    assert reference.wilaya_in_text("Rue des frères Oudek, Hacen Badi") is None
