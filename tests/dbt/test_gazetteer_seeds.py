"""The dbt seeds of clusters, sectors and organisations agree with the text analysis's
gazetteers (scrapers/text/data/*.yaml), their single source of truth."""

from __future__ import annotations

import csv
import shutil

import yaml

from clusterwatch import gazetteer_seeds


def test_committed_seeds_agree_with_the_yaml():
    stale = gazetteer_seeds.stale_files()
    assert stale == [], f"run `clusterwatch seeds`: {stale}"


def test_every_cluster_of_the_yaml_is_a_seed_row_with_its_names():
    doc = yaml.safe_load((gazetteer_seeds.DATA_DIR / "clusters.yaml").read_text(encoding="utf-8"))
    with open(gazetteer_seeds.SEED_DIR / "clusters.csv", encoding="utf-8") as handle:
        rows = {row["cluster_id"]: row for row in csv.DictReader(handle)}
    assert list(rows) == [c["id"] for c in doc["clusters"]]
    tomato = rows["cluster_tomate_industrielle"]
    assert tomato["wilaya_ids"] == "23|24|36"  # sorted codes
    assert rows["cluster_boissons_algerie"]["created_on"] == "2015-02-24"
    cosmetics = rows["cluster_cosmetique"]
    assert (cosmetics["created_on"], cosmetics["created_as_reported"]) == ("", "2017")
    with open(gazetteer_seeds.SEED_DIR / "cluster_aliases.csv", encoding="utf-8") as handle:
        aliases = {(r["cluster_id"], r["alias"]) for r in csv.DictReader(handle)}
    assert ("cluster_mecanique_precision", "التجمع الميكانيكي للدقة") in aliases
    assert ("cluster_boissons_algerie", "CBA") in aliases


def test_an_edit_of_the_yaml_makes_the_seeds_stale_until_rewritten(tmp_path):
    data, seeds = tmp_path / "data", tmp_path / "seeds"
    shutil.copytree(gazetteer_seeds.DATA_DIR, data)
    assert set(gazetteer_seeds.write(data, seeds)) == set(gazetteer_seeds.expected_files(data, seeds))
    assert gazetteer_seeds.stale_files(data, seeds) == []

    text = (data / "sectors.yaml").read_text(encoding="utf-8")
    (data / "sectors.yaml").write_text(text.replace("name_fr: Plasturgie", "name_fr: Plastiques"),
                                       encoding="utf-8")
    assert gazetteer_seeds.stale_files(data, seeds) == [seeds / "sectors.csv"]
    assert gazetteer_seeds.write(data, seeds) == [seeds / "sectors.csv"]
    assert "Plastiques" in (seeds / "sectors.csv").read_text(encoding="utf-8")
    assert gazetteer_seeds.stale_files(data, seeds) == []
