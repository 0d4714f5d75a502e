"""Entities from the gazetteers (issue 4, item 4)."""

from __future__ import annotations

from datetime import date

import pytest

from scrapers.text.entities import extract_entities, load_gazetteer


def ids(entities, kind):
    return entities.ids(kind)


def test_seed_article_entities(seed):
    entities = extract_entities(seed.text)
    assert {"mechanics", "digital_electronics"} <= set(ids(entities, "sectors"))
    assert {"ministry_industry", "enp"} <= set(ids(entities, "organisations"))
    assert "rabia_kherfi" in ids(entities, "people")
    assert "16" in ids(entities, "wilayas")  # بفندق الأوراسي بالعاصمة
    assert "cluster:7" in ids(entities, "numbers")
    assert ids(entities, "clusters") == ["cluster_mecanique_precision"]
    (seven,) = [n for n in entities.numbers if n.id == "cluster:7"]
    assert seven.value == 7 and seven.unit == "cluster" and seven.surface == "7 تجمعات"
    (kherfi,) = [p for p in entities.people if p.id == "rabia_kherfi"]
    assert kherfi.name == "Rabia Kherfi" and kherfi.count == 3  # ربيعة خرفي ×2, خرفي ×1


@pytest.mark.parametrize(
    "text",
    [
        "وزارة الصناعة والمناجم",
        "لوزارة الصناعة والمناجم",
        "le ministère de l'Industrie et des Mines",
        "Ministère de l’Industrie et des Mines",
        "MINISTERE DE L'INDUSTRIE ET DES MINES",
    ],
)
def test_ministry_names_resolve_to_one_id(text):
    assert ids(extract_entities(text), "organisations") == ["ministry_industry"]


@pytest.mark.parametrize(
    "text",
    [
        "المدرسة الوطنية متعددة التقنيات",
        "بالمدرسة الوطنية متعددة التقنيات",
        "l'École nationale polytechnique",
        "l'Ecole Nationale Polytechnique d'El Harrach",
        "l'ENP",
    ],
)
def test_polytechnique_names_resolve_to_one_id(text):
    assert ids(extract_entities(text), "organisations") == ["enp"]


def test_longest_name_wins_between_bodies():
    text = "وزارة الصناعة الصيدلانية ووزارة الطاقة والمناجم"
    assert ids(extract_entities(text), "organisations") == [
        "ministry_pharmaceutical_industry",
        "ministry_energy",
    ]


def test_acronyms_only_in_capitals():
    assert ids(extract_entities("Selon l'ONS, l'inflation recule."), "organisations") == ["ons"]
    assert ids(extract_entities("des ons et des enp"), "organisations") == []
    assert ids(extract_entities("l'ANDI devient l'AAPI"), "organisations") == ["aapi"]


@pytest.mark.parametrize(
    "text",
    [
        "Mme Rabia Kherfi, secrétaire générale",
        "Rabia Kharfi a déclaré",
        "selon Rabia Khalfi",
        "كشفت ربيعة خرفي",
        "Kherfi Rabia",
    ],
)
def test_person_spellings_resolve_to_one_id(text):
    (person,) = extract_entities(text).people
    assert person.id == "rabia_kherfi" and person.name == "Rabia Kherfi"


def test_surname_alone_needs_the_full_name_in_the_article():
    assert extract_entities("Mme Kherfi a déclaré").people == ()
    entities = extract_entities("Mme Rabia Kharfi a parlé. Selon Mme Kherfi, sept clusters.")
    (person,) = entities.people
    assert person.count == 2 and person.surface == "Rabia Kharfi"


def test_wilaya_names_in_both_languages_and_codes_are_strings():
    entities = extract_entities("بولاية برج بوعريريج وفي سطيف. À Bordj Bou Arréridj et Sétif.")
    assert ids(entities, "wilayas") == ["34", "19"]
    bba = entities.wilayas[0]
    assert bba.count == 2 and bba.name == "Bordj Bou Arréridj"
    assert ids(extract_entities("à Blida"), "wilayas") == ["09"]


def test_ambiguous_wilaya_names_need_a_cue():
    # البيض "the eggs", الوادي "the valley", الجزائر "Algeria"
    assert ids(extract_entities("ارتفع سعر البيض في الأسواق"), "wilayas") == []
    assert ids(extract_entities("وصل الوالي إلى ولاية البيض"), "wilayas") == ["32"]
    assert ids(extract_entities("اقتصاد الجزائر يعتمد على المحروقات"), "wilayas") == []
    assert ids(extract_entities("والي ولاية الجزائر"), "wilayas") == ["16"]
    assert ids(extract_entities("بالجزائر العاصمة"), "wilayas") == ["16"]


def test_capital_means_algiers_only_when_it_is_algiers():
    assert ids(extract_entities("بفندق الأوراسي بالعاصمة"), "wilayas") == ["16"]
    assert ids(extract_entities("غرب العاصمة"), "wilayas") == ["16"]
    assert ids(extract_entities("في العاصمة الجزائرية"), "wilayas") == ["16"]
    assert ids(extract_entities("في العاصمة الفرنسية باريس"), "wilayas") == []
    assert ids(extract_entities("تلقب بعاصمة الإلكترونيك"), "wilayas") == []


def test_french_place_names_need_a_capital():
    assert ids(extract_entities("un mascara et un rouge à lèvres"), "wilayas") == []
    assert ids(extract_entities("les vendanges à Mascara"), "wilayas") == ["29"]


def test_wilaya_resolution_follows_the_date():
    text = "Touggourt"
    assert ids(extract_entities(text, date(2021, 1, 1)), "wilayas") == ["55"]
    assert ids(extract_entities(text, date(2015, 1, 1)), "wilayas") == ["30"]  # then Ouargla
    assert ids(extract_entities(text), "wilayas") == ["55"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("تم إنشاء 7 تجمعات صناعية", [("cluster:7", 7, "cluster")]),
        ("إنشاء ٧ تجمعات", [("cluster:7", 7, "cluster")]),
        ("إنشاء ۷ تجمعات", [("cluster:7", 7, "cluster")]),
        ("إطلاق سبعة تجمعات صناعية", [("cluster:7", 7, "cluster")]),
        ("sept clusters ont été agréés", [("cluster:7", 7, "cluster")]),
        ("7 clusters industriels", [("cluster:7", 7, "cluster")]),
        ("يضم 20 مؤسسة", [("enterprise:20", 20, "enterprise")]),
        ("1,9 مليار دولار", [("usd:1900000000", 1_900_000_000, "usd")]),
        ("à 56,8 dollars le baril", [("usd:56.8", 56.8, "usd")]),
        ("60 000 véhicules par an", [("vehicle:60000", 60000, "vehicle")]),
        ("بـ 60 ألف سيارة", [("vehicle:60000", 60000, "vehicle")]),
        ("94 بالمائة من الصادرات", [("percent:94", 94, "percent")]),
        ("un taux de 70 % et 40 %", [("percent:70", 70, "percent"), ("percent:40", 40, "percent")]),
        ("1 500 emplois directs", [("job:1500", 1500, "job")]),
    ],
)
def test_numbers_with_units(text, expected):
    got = [(n.id, n.value, n.unit) for n in extract_entities(text).numbers]
    assert got == expected


@pytest.mark.parametrize(
    "text",
    [
        "الجولة الـ20 من الرابطة",  # an ordinal
        "en 2017, le forum",  # a year
        "un cluster de la tomate",  # "un" is an article, not 1
        "le 5 juillet",
    ],
)
def test_numbers_without_units_are_ignored(text):
    assert extract_entities(text).numbers == ()


@pytest.mark.parametrize(
    ("text", "cluster"),
    [
        ("Naissance du Cluster Boissons Algérie", "cluster_boissons_algerie"),
        ("le CBA organise des formations", "cluster_boissons_algerie"),
        ("un cluster de la tomate industrielle", "cluster_tomate_industrielle"),
        ("تنصيب تجمع صناعي خاص بالطماطم الصناعية", "cluster_tomate_industrielle"),
        ("والتجمع الصناعية الميكانيكي للدقة", "cluster_mecanique_precision"),
        ("le cluster de la mécanique de précision", "cluster_mecanique_precision"),
        ("أطلق محولو البلاستيك تجمعا صناعيا", "cluster_plasturgie"),
        ("كلاستر المشروبات", "cluster_boissons_algerie"),
    ],
)
def test_named_clusters(text, cluster):
    assert ids(extract_entities(text), "clusters") == [cluster]


def test_weak_cluster_keys_need_the_wilaya():
    assert ids(extract_entities("Un cluster consacré au lait."), "clusters") == []
    assert ids(extract_entities("À Sétif, un cluster consacré au lait."), "clusters") == [
        "cluster_lait_setif"
    ]
    assert ids(extract_entities("كلاستر رقمي للمؤسسات الناشئة"), "clusters") == []


def test_cluster_keys_do_not_cross_sentences():
    assert (
        ids(extract_entities("Le cluster est né. La tomate industrielle aussi."), "clusters") == []
    )


def test_every_entity_has_id_name_surface(analyses):
    for analysis in analyses.values():
        for kind, items in analysis.entities.as_dict().items():
            for item in items:
                assert {"id", "name", "surface", "count"} <= set(item), (kind, item)
                assert item["surface"] and item["name"] and item["id"]


def test_gazetteer_is_built_once():
    assert load_gazetteer() is load_gazetteer()


def test_a_wilaya_name_is_not_a_cluster_key():
    # a mechanics grouping in Sétif is not the Sétif dairy cluster
    text = "قررت 30 مؤسسة للمناولة الميكانيكية بولاية سطيف توحيد جهودها ضمن قطب صناعي"
    assert ids(extract_entities(text), "clusters") == []
    assert ids(extract_entities(text), "wilayas") == ["19"]


def test_industrial_fabric_is_not_the_textile_sector():
    assert ids(extract_entities("المناولة الحلقة الأضعف في النسيج الصناعي"), "sectors") == []
    assert ids(extract_entities("مصنع جديد في صناعة النسيج"), "sectors") == ["textiles"]
