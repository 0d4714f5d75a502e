"""dbt seeds generated from the text analysis's gazetteers (scrapers/text/data/*.yaml).

The YAML files are the single source of truth for clusters, sectors and organisations:
the text analysis finds mentions with them, and the warehouse needs the same ids and
names to describe what was mentioned. dbt cannot read YAML, so this module writes them
as CSV seeds under `dbt_project/seeds/gazetteers/`; the files are committed (dbt and
reviewers read them) and a test fails when they disagree with the YAML.

    clusterwatch seeds           # rewrite the CSV files from the YAML
    clusterwatch seeds --check   # exit 1 and name the stale files

Pure functions turn the parsed YAML into rows; only `write` touches files.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import yaml

from clusterwatch import settings

DATA_DIR = settings.PROJECT_ROOT / "scrapers" / "text" / "data"
SEED_DIR = settings.DBT_PROJECT_DIR / "seeds" / "gazetteers"

CLUSTER_COLUMNS = ("cluster_id", "cluster_name", "cluster_name_fr", "cluster_name_ar", "sector_id",
                   "wilaya_ids", "status", "created_on", "created_as_reported")
CLUSTER_ALIAS_COLUMNS = ("cluster_alias_id", "cluster_id", "alias", "alias_kind", "language")
# Same name and columns as the `sectors` seed the trade models join (wh-trade).
SECTOR_COLUMNS = ("sector_id", "sector_name", "sector_name_fr", "sector_name_ar", "parent_sector_id")
ORGANISATION_COLUMNS = ("organisation_id", "organisation_name", "organisation_name_fr",
                        "organisation_name_ar", "organisation_name_en", "organisation_kind")


def _load(name: str, data_dir: Path) -> dict:
    return yaml.safe_load((data_dir / name).read_text(encoding="utf-8"))


def _iso_date(value) -> str:
    """'2015-02-24' (or a YAML date) as an ISO date; anything vaguer ('2017') is ''."""
    if isinstance(value, date):
        return value.isoformat()
    text = str(value or "").strip()
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return ""


def cluster_rows(doc: dict) -> list[dict]:
    rows = []
    for cluster in doc["clusters"]:
        rows.append({
            "cluster_id": cluster["id"],
            "cluster_name": cluster["name"],
            "cluster_name_fr": cluster.get("name_fr") or "",
            "cluster_name_ar": cluster.get("name_ar") or "",
            "sector_id": cluster.get("sector") or "",
            # Sorted, so the same set of wilayas always reads the same in dim_clusters.
            "wilaya_ids": "|".join(sorted(str(w).zfill(2) for w in cluster.get("wilayas") or [])),
            "status": cluster.get("status") or "",
            "created_on": _iso_date(cluster.get("created")),
            "created_as_reported": str(cluster.get("created") or ""),
        })
    return rows


def _aliases(entry: dict) -> Iterable[tuple[str, str, str]]:
    """(alias, kind, language) of one cluster: its names, aliases and acronyms."""
    yield entry["name"], "name", ""
    if entry.get("name_fr"):
        yield entry["name_fr"], "name", "fr"
    if entry.get("name_ar"):
        yield entry["name_ar"], "name", "ar"
    for language, names in (entry.get("aliases") or {}).items():
        for name in names or []:
            yield name, "alias", language
    for acronym in entry.get("acronyms") or []:
        yield acronym, "acronym", ""


def cluster_alias_rows(doc: dict) -> list[dict]:
    """Every written form of each cluster's name, once per cluster (first kind wins):
    what registry files may write in their cluster column."""
    rows = []
    for cluster in doc["clusters"]:
        seen: set[str] = set()
        for alias, kind, language in _aliases(cluster):
            alias = " ".join(str(alias).split())
            if not alias or alias in seen:
                continue
            seen.add(alias)
            rows.append({"cluster_alias_id": f"{cluster['id']}:{len(seen)}",
                         "cluster_id": cluster["id"], "alias": alias, "alias_kind": kind,
                         "language": language})
    return rows


def sector_rows(doc: dict) -> list[dict]:
    return [{"sector_id": s["id"], "sector_name": s["name"], "sector_name_fr": s.get("name_fr") or "",
             "sector_name_ar": s.get("name_ar") or "", "parent_sector_id": s.get("parent") or ""}
            for s in doc["sectors"]]


def organisation_rows(doc: dict) -> list[dict]:
    return [{"organisation_id": o["id"], "organisation_name": o["name"],
             "organisation_name_fr": o.get("name_fr") or "", "organisation_name_ar": o.get("name_ar") or "",
             "organisation_name_en": o.get("name_en") or "", "organisation_kind": o.get("kind") or ""}
            for o in doc["organisations"]]


def render_csv(columns: tuple[str, ...], rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def expected_files(data_dir: Path = DATA_DIR, seed_dir: Path = SEED_DIR) -> dict[Path, str]:
    """Seed path -> the CSV text the YAML in `data_dir` gives."""
    clusters = _load("clusters.yaml", data_dir)
    return {
        seed_dir / "clusters.csv": render_csv(CLUSTER_COLUMNS, cluster_rows(clusters)),
        seed_dir / "cluster_aliases.csv": render_csv(CLUSTER_ALIAS_COLUMNS, cluster_alias_rows(clusters)),
        seed_dir / "sectors.csv": render_csv(SECTOR_COLUMNS, sector_rows(_load("sectors.yaml", data_dir))),
        seed_dir / "organisations.csv": render_csv(
            ORGANISATION_COLUMNS, organisation_rows(_load("organisations.yaml", data_dir))),
    }


def stale_files(data_dir: Path = DATA_DIR, seed_dir: Path = SEED_DIR) -> list[Path]:
    """Seeds that are missing or differ from what the YAML gives."""
    return [path for path, text in expected_files(data_dir, seed_dir).items()
            if not path.exists() or path.read_text(encoding="utf-8") != text]


def write(data_dir: Path = DATA_DIR, seed_dir: Path = SEED_DIR) -> list[Path]:
    """Rewrite the stale seeds; returns the files written."""
    written = []
    for path, text in expected_files(data_dir, seed_dir).items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written
