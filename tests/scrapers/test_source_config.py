"""Source YAML files: every shipped file validates; a broken one names file and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from scrapers.sources import SOURCE_SCHEMA, SourceConfigError, load_source, load_sources

REPO = Path(__file__).resolve().parents[2]
REAL = REPO / "scrapers" / "sources"
DEMO = REPO / "demo" / "sources"
DEMO_VARS = {"demo_site": "http://127.0.0.1:8765"}
REQUIRED_REAL = {
    "aps_ar", "aps_fr", "elwatan", "elkhabar", "el_moudjahid", "industrie_gov", "echorouk",
    "ennahar", "tsa", "joradp", "aapi", "djazairess", "algerie_eco", "lexpression",
}


def test_schema_is_valid_json_schema():
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(SOURCE_SCHEMA)
    json.dumps(SOURCE_SCHEMA)


@pytest.mark.parametrize("path", sorted(REAL.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_real_source_validates(path):
    source = load_source(path)
    assert source.id == path.stem
    assert source.base_url.startswith("https://")
    assert all(source.allows(d.url) for d in source.discovery)
    assert source.politeness.delay_seconds >= 1  # real sites: at least a second between requests


def test_the_required_real_sources_exist_and_carry_verify_notes():
    ids = {source.id for source in load_sources(REAL)}
    assert ids >= REQUIRED_REAL
    for source_id in REQUIRED_REAL:
        assert "(verify)" in (REAL / f"{source_id}.yaml").read_text(encoding="utf-8"), source_id


# Which real site each demo source replays (dbt's dim_sources lists both, demo ones as is_demo).
DEMO_REPLAYS = {
    "demo_aps_ar": "aps_ar",
    "demo_elwatan_fr": "elwatan",
    "demo_industrie": "industrie_gov",
    "demo_djazairess": "djazairess",
}


def test_demo_sources_are_the_known_replays():
    assert {path.stem for path in DEMO.glob("*.yaml")} == set(DEMO_REPLAYS)


@pytest.mark.parametrize("path", sorted(DEMO.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_demo_source_validates_and_mirrors_its_real_source(path):
    demo = load_source(path, DEMO_VARS)
    assert demo.base_url.startswith(DEMO_VARS["demo_site"])
    assert demo.politeness.delay_seconds == 0
    real = load_source(REAL / f"{DEMO_REPLAYS[demo.id]}.yaml")
    # A replay: same language, kind and selectors as the real site; id and addresses differ.
    assert (demo.languages, demo.kind, demo.selectors) == (
        real.languages,
        real.kind,
        real.selectors,
    )
    assert set(demo.canonical_domains) <= set(real.allowed_domains)
    assert demo.name.startswith(real.name.split(" - ")[0]) and demo.name.endswith(" - demo")


def test_demo_source_without_its_variable_names_the_placeholder():
    with pytest.raises(SourceConfigError) as raised:
        load_source(DEMO / "demo_aps_ar.yaml")
    assert raised.value.path == DEMO / "demo_aps_ar.yaml"
    assert raised.value.field == "base_url"
    assert "{demo_site}" in str(raised.value) and "demo_aps_ar.yaml" in str(raised.value)


def _write(tmp_path: Path, data: dict, name: str = "broken") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _valid(name: str = "broken") -> dict:
    return {
        "id": name,
        "name": "Broken",
        "languages": ["fr"],
        "kind": "news",
        "base_url": "https://www.example.dz",
        "allowed_domains": ["example.dz"],
        "discovery": [{"type": "rss", "url": "/feed"}],
        "selectors": {"title": "h1", "body": ".texte"},
        "politeness": {"delay_seconds": 2, "concurrency": 1},
    }


def test_a_valid_minimal_file_loads(tmp_path):
    source = load_source(_write(tmp_path, _valid()))
    assert source.discovery[0].url == "https://www.example.dz/feed"
    assert source.selectors.title == "h1" and source.selectors.lead is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.pop("base_url"), "base_url"),
        (lambda d: d.update(kind="blog"), "kind"),
        (lambda d: d.update(languages=["en"]), "languages[0]"),
        (lambda d: d["discovery"].append({"type": "atom", "url": "/x"}), "discovery[1].type"),
        (
            lambda d: d["discovery"].append({"type": "listing", "url": "/x"}),
            "discovery[1].link_selector",
        ),
        (lambda d: d["discovery"][0].update(link_selector="a"), "discovery[0].link_selector"),
        (lambda d: d["discovery"][0].update(url="https://other.dz/feed"), "discovery[0].url"),
        (lambda d: d["selectors"].update(body="div[[["), "selectors.body"),
        (lambda d: d["selectors"].update(byline=".x"), "selectors.byline"),
        (lambda d: d["politeness"].update(delay_seconds=-1), "politeness.delay_seconds"),
        (lambda d: d.pop("politeness"), "politeness"),
        (lambda d: d.update(id="other"), "id"),
        (lambda d: d.update(base_url="https://www.elsewhere.dz"), "base_url"),
        (lambda d: d.update(base_url="www.example.dz"), "base_url"),
        (lambda d: d.update(colour="blue"), "colour"),
    ],
)
def test_a_broken_file_names_the_file_and_the_field(tmp_path, change, field):
    data = _valid()
    change(data)
    path = _write(tmp_path, data)
    with pytest.raises(SourceConfigError) as raised:
        load_source(path)
    assert raised.value.field == field
    assert str(path) in str(raised.value) and f"'{field}'" in str(raised.value)


def test_unreadable_files(tmp_path):
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(SourceConfigError, match=r"bad\.yaml.*not valid YAML"):
        load_source(bad_yaml)
    listing = tmp_path / "list.yaml"
    listing.write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(SourceConfigError, match="mapping"):
        load_source(listing)
    with pytest.raises(SourceConfigError, match="no such source file"):
        load_source(tmp_path / "missing.yaml")
    with pytest.raises(SourceConfigError):
        load_sources(tmp_path / "nowhere")


def test_load_sources_stops_at_the_first_bad_file(tmp_path):
    _write(tmp_path, _valid("good"), "good")
    broken = _valid("zz_broken")
    broken["kind"] = "rumour"
    _write(tmp_path, broken, "zz_broken")
    with pytest.raises(SourceConfigError, match=r"zz_broken\.yaml"):
        load_sources(tmp_path)


def test_every_source_file_has_a_row_in_the_dbt_seed():
    """An article from a source missing in dim_sources fails the relationships tests."""
    import csv

    seed = REPO / "dbt_project" / "seeds" / "sources.csv"
    with seed.open(encoding="utf-8") as handle:
        rows = {row["source_id"]: row for row in csv.DictReader(handle)}
    for path in sorted(REAL.glob("*.yaml")):
        source = load_source(path)
        assert source.id in rows, source.id
        assert rows[source.id]["is_demo"] == "false"
        assert set(rows[source.id]["languages"].split("|")) == set(source.languages), source.id
    for path in sorted(DEMO.glob("*.yaml")):
        assert rows[path.stem]["is_demo"] == "true", path.stem


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["discovery"].append({"type": "id_range", "url": "/a/"}), "discovery[1].url"),
        (lambda d: d["discovery"].append({"type": "joradp_index", "url": "/JRN/ZF.htm"}),
         "discovery[1].url"),
        (lambda d: d["discovery"].append({"type": "rss", "url": "/x", "id_from": 1}),
         "discovery[1].id_from"),
        (lambda d: d["discovery"].append(
            {"type": "id_range", "url": "/a/{id}", "id_from": 9, "id_to": 1}), "discovery[1].id_to"),
        (lambda d: d["discovery"].append({"type": "rss", "url": "/feed/{id}"}), "discovery[1].url"),
        (lambda d: d["discovery"].append(
            {"type": "listing", "url": "/l", "link_selector": "a", "page_url": "/l/2"}),
         "discovery[1].page_url"),
        (lambda d: d.update(boilerplate=["(unclosed"]), "boilerplate[0]"),
        (lambda d: d.update(since="2001-13-01"), "since"),
        (lambda d: d.update(since="yesterday"), "since"),
        (lambda d: d["politeness"].update(concurrency=20), "politeness.concurrency"),
    ],
)
def test_new_discovery_fields_are_checked_with_file_and_field(tmp_path, change, field):
    data = _valid()
    change(data)
    path = _write(tmp_path, data)
    with pytest.raises(SourceConfigError) as raised:
        load_source(path)
    assert raised.value.field == field and str(path) in str(raised.value)


def test_id_range_and_joradp_entries_load(tmp_path):
    data = _valid()
    data["discovery"] += [
        {"type": "id_range", "url": "/press/article/{id}/", "id_from": 1, "id_to": 5},
        {"type": "joradp_index", "url": "/JRN/ZF{year}.htm", "language": "fr"},
        {"type": "listing", "url": "/eco/", "link_selector": "h2 a", "page_url": "/eco/page/{page}/"},
    ]
    source = load_source(_write(tmp_path, data))
    id_range, joradp, listing = source.discovery[1:]
    assert id_range.url == "https://www.example.dz/press/article/{id}/" and id_range.backfill_only
    assert joradp.url == "https://www.example.dz/JRN/ZF{year}.htm" and not joradp.backfill_only
    assert listing.page_url == "https://www.example.dz/eco/page/{page}/"
