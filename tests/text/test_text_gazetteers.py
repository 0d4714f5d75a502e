"""The data files themselves: complete, consistent, sourced (issue 4, item 4)."""

from __future__ import annotations

import csv
import io
import re

import yaml

from scrapers.text import data_files
from scrapers.text.entities import Gazetteer, load_gazetteer


def wilaya_rows():
    text = "".join(
        line
        for line in io.StringIO(data_files.read_text("wilayas.csv"))
        if not line.startswith("#")
    )
    return list(csv.DictReader(io.StringIO(text)))


def test_wilayas_48_58_69():
    rows = wilaya_rows()
    codes = [r["code"] for r in rows]
    assert codes == [f"{n:02d}" for n in range(1, 70)]
    assert all(re.fullmatch(r"\d\d", c) for c in codes)  # strings with the leading zero
    by_code = {r["code"]: r for r in rows}
    assert by_code["16"]["name_fr"] == "Alger" and by_code["16"]["name_ar"] == "الجزائر"
    assert by_code["09"]["name_fr"] == "Blida"
    assert all(by_code[f"{n:02d}"]["valid_from"] == "1984-02-04" for n in range(1, 49))
    assert all(by_code[f"{n:02d}"]["valid_from"] == "2019-12-11" for n in range(49, 59))
    assert all(by_code[f"{n:02d}"]["status"] == "provisional" for n in range(59, 70))
    assert all(by_code[f"{n:02d}"]["parent_code"] for n in range(49, 70))
    for row in rows:
        assert row["name_fr"].strip() and row["name_ar"].strip(), row["code"]


def test_every_wilaya_name_is_found_with_a_cue():
    gazetteer = load_gazetteer()
    for row in wilaya_rows():
        for name, prefix in ((row["name_ar"], "ولاية "), (row["name_fr"], "wilaya de ")):
            found = gazetteer.extract(prefix + name).ids("wilayas")
            assert found == [row["code"]], (name, found)


def test_registry_clusters_of_the_domain_are_there():
    config = yaml.safe_load(data_files.read_text("clusters.yaml"))
    clusters = {c["id"]: c for c in config["clusters"]}
    assert set(clusters) >= {
        "cluster_boissons_algerie",
        "cluster_mecanique_precision",
        "cluster_numerique_bba",
        "cluster_lait_setif",
        "cluster_dattes_biskra",
        "cluster_tomate_industrielle",
        "cluster_mecanique_automobile",
        "cluster_plasturgie",
        "cluster_cosmetique",
    }
    for cluster in clusters.values():
        assert cluster["evidence"], cluster["id"]
        assert cluster["name_fr"] and cluster["name_ar"], cluster["id"]
    assert clusters["cluster_boissons_algerie"]["created"] == "2015-02-24"
    assert clusters["cluster_numerique_bba"]["wilayas"] == ["34"]


def test_every_organisation_and_person_has_a_source():
    for name, key in (("organisations.yaml", "organisations"), ("people.yaml", "people")):
        for entry in yaml.safe_load(data_files.read_text(name))[key]:
            assert entry.get("source"), (name, entry["id"])


def test_every_alias_finds_its_own_entity():
    """Each organisation alias, person full name and sector term, alone, resolves to its id:
    catches an alias swallowed by a longer one of another entity, or a typo."""
    gazetteer = load_gazetteer()
    checks = []
    for entry in yaml.safe_load(data_files.read_text("organisations.yaml"))["organisations"]:
        for lang in ("fr", "ar"):
            checks += [
                (alias, "organisations", entry["id"]) for alias in entry["aliases"].get(lang) or ()
            ]
        checks += [(a, "organisations", entry["id"]) for a in entry.get("acronyms") or ()]
    for entry in yaml.safe_load(data_files.read_text("people.yaml"))["people"]:
        for lang in ("fr", "ar"):
            checks += [(name, "people", entry["id"]) for name in entry["full"].get(lang) or ()]
    for entry in yaml.safe_load(data_files.read_text("sectors.yaml"))["sectors"]:
        for lang in ("fr", "ar"):
            checks += [(term, "sectors", entry["id"]) for term in entry["terms"].get(lang) or ()]
    wrong = [
        (text, kind, expected, gazetteer.extract(text).ids(kind))
        for text, kind, expected in checks
        if gazetteer.extract(text).ids(kind) != [expected]
    ]
    assert wrong == []


def test_broken_data_fails_with_the_file_and_id():
    def build(**override):
        parts = {
            "wilayas_csv": data_files.read_text("wilayas.csv"),
            "organisations": yaml.safe_load(data_files.read_text("organisations.yaml")),
            "people": yaml.safe_load(data_files.read_text("people.yaml")),
            "sectors": yaml.safe_load(data_files.read_text("sectors.yaml")),
            "clusters": yaml.safe_load(data_files.read_text("clusters.yaml")),
            "numbers": yaml.safe_load(data_files.read_text("numbers.yaml")),
        }
        parts.update(override)
        return Gazetteer(**parts)

    clusters = yaml.safe_load(data_files.read_text("clusters.yaml"))
    clusters["clusters"][0]["sector"] = "nope"
    try:
        build(clusters=clusters)
    except ValueError as exc:
        assert "cluster_boissons_algerie" in str(exc) and "nope" in str(exc)
    else:
        raise AssertionError("unknown sector accepted")
    people = yaml.safe_load(data_files.read_text("people.yaml"))
    people["people"].append(dict(people["people"][0]))
    try:
        build(people=people)
    except ValueError as exc:
        assert "duplicate id rabia_kherfi" in str(exc)
    else:
        raise AssertionError("duplicate person accepted")


def test_data_digest_changes_with_the_data():
    assert re.fullmatch(r"[0-9a-f]{64}", data_files.digest())
