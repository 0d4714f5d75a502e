"""The dbt project checks its own conventions (STYLE C1, C2, C5, C6) on its manifest.

In the spirit of dbt-project-evaluator, which cannot be installed here (no dbt package
hub). Reads `dbt_project/target/manifest.json` after `transform.ensure_manifest()`
(`dbt parse`, no database needed). Every test collects all violations and reports them
at once. An exception goes into EXCEPTIONS with the reason next to it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from clusterwatch import transform

PACKAGE = "clusterwatch"

# (check, node unique_id) -> why the rule does not apply there.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("source_freshness", "source.clusterwatch.news_quarantine.news_pages"):
        "an empty or quiet quarantine is the healthy case; scraper health is watched "
        "through raw.scrape_runs and marts.fct_scrape_runs_daily",
    ("date_column_name", "model.clusterwatch.dim_clusters"):
        "created_on, first_mentioned_on and last_mentioned_on are the names of the mart "
        "contract agreed with the report and BI (not <event>_date)",
    ("source_freshness", "source.clusterwatch.monitoring.alerts"):
        "no new alert is the healthy case: the age of the newest alert says nothing about "
        "the platform (dq_runs and source_health carry freshness instead)",
    ("source_freshness", "source.clusterwatch.monitoring.alert_outbox"):
        "follows monitoring.alerts: quiet is healthy",
    ("primary_key_name", "model.clusterwatch.dim_dates"):
        "date_day is the key name agreed in the mart contracts (and the usual name of a "
        "date spine's day): a calendar day is not an entity with an id",
    ("column_name", "model.clusterwatch.dim_dates.date_day"):
        "the calendar's own day, not the date of an event (<event>_date does not apply)",
    ("column_name", "model.clusterwatch.dim_wilayas.valid_from"):
        "valid_from / valid_to are the contract's names, the usual ones of a versioned "
        "dimension (and the wilayas seed's)",
    ("column_name", "model.clusterwatch.dim_wilayas.valid_to"):
        "see valid_from",
    # Metric facts named after their measure (the names agreed in the mart contracts that
    # other work codes against), not after an event in the plural.
    ("model_name", "model.clusterwatch.fct_product_rca"): "named after its measure (contract)",
    ("model_name", "model.clusterwatch.fct_export_diversification"): "named after its measure (contract)",
    ("model_name", "model.clusterwatch.fct_wilaya_sector_specialisation"):
        "named after its measure (contract)",
}

MODEL_NAME = {
    "staging": re.compile(r"^(stg|base)_[a-z0-9]+(_[a-z0-9]+)*__[a-z0-9]+(_[a-z0-9]+)*s$"),
    "intermediate": re.compile(r"^int_([a-z0-9]+_)*[a-z0-9]+s_[a-z0-9]+(_[a-z0-9]+)*$"),
    # fct_<event>s / dim_<thing>s; a rollup names its grain last (fct_scrape_runs_daily).
    "marts": re.compile(
        r"^(fct_[a-z0-9]+(_[a-z0-9]+)*(s|_daily|_weekly|_monthly)|dim_[a-z0-9]+(_[a-z0-9]+)*s)$"
    ),
}
LAYER_CONFIG = {
    "staging": ({"view"}, "staging"),
    "intermediate": ({"ephemeral", "view"}, "intermediate"),
    "marts": ({"table", "incremental"}, "marts"),
}
FORBIDDEN_COLUMNS = {"id", "date", "type", "time", "timestamp", "name", "value", "user"}
ANALYST_ROLE = "clusterwatch_analyst"


@pytest.fixture(scope="module")
def manifest() -> dict:
    path = transform.ensure_manifest()
    return json.loads(path.read_text(encoding="utf-8"))


def models(manifest: dict) -> list[dict]:
    return [
        node for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["package_name"] == PACKAGE
    ]


def layer(node: dict) -> str | None:
    parts = node["fqn"]
    return parts[1] if len(parts) > 2 and parts[1] in MODEL_NAME else None


def column_tests(manifest: dict) -> set[tuple[str, str, str]]:
    """(attached node, column, test name) of every generic column test."""
    found = set()
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node.get("test_metadata"):
            found.add((node.get("attached_node"), node.get("column_name"),
                       node["test_metadata"]["name"]))
    return found


def excepted(check: str, unique_id: str) -> bool:
    return (check, unique_id) in EXCEPTIONS


def assert_none(violations: list[str]) -> None:
    assert not violations, "\n".join(["convention violations:", *violations])


def test_manifest_has_the_expected_layers(manifest):
    layers = {layer(node) for node in models(manifest)}
    assert layers == {"staging", "intermediate", "marts"}


def test_every_model_and_column_is_described(manifest):
    violations = []
    for node in models(manifest):
        if not node["description"].strip():
            violations.append(f"{node['name']}: no description")
        if not node["columns"]:
            violations.append(f"{node['name']}: no columns documented")
        for column in node["columns"].values():
            if not column["description"].strip():
                violations.append(f"{node['name']}.{column['name']}: no description")
    assert_none(violations)


def test_every_model_states_its_grain(manifest):
    violations = [
        f"{node['name']}: description does not state the grain ('Grain: ...')"
        for node in models(manifest) if "grain:" not in node["description"].lower()
    ]
    assert_none(violations)


def test_every_primary_key_is_unique_and_not_null(manifest):
    tests = column_tests(manifest)
    violations = []
    nodes = models(manifest) + [
        node for node in manifest["nodes"].values()
        if node["resource_type"] == "seed" and node["package_name"] == PACKAGE
    ]
    for node in nodes:
        key = node["config"].get("meta", {}).get("primary_key")
        if not key:
            violations.append(f"{node['name']}: no config.meta.primary_key")
            continue
        if key not in node["columns"]:
            violations.append(f"{node['name']}: primary key {key} is not a documented column")
        for test_name in ("unique", "not_null"):
            if (node["unique_id"], key, test_name) not in tests:
                violations.append(f"{node['name']}.{key}: primary key lacks a {test_name} test")
        if (key == "id" or not key.endswith("_id")) and not excepted("primary_key_name", node["unique_id"]):
            violations.append(f"{node['name']}.{key}: a primary key is named <entity>_id")
    assert_none(violations)


def test_model_names_follow_their_layer(manifest):
    violations = []
    for node in models(manifest):
        where = layer(node)
        if where is None:
            violations.append(f"{node['name']}: outside models/staging|intermediate|marts")
        elif not MODEL_NAME[where].match(node["name"]) and not excepted("model_name", node["unique_id"]):
            violations.append(f"{node['name']}: name does not follow C2 for {where}")
    assert_none(violations)


def test_staging_models_are_named_after_the_source_they_read(manifest):
    violations = []
    for node in models(manifest):
        if layer(node) != "staging" or not node["name"].startswith("stg_"):
            continue
        family = node["name"][len("stg_"):].split("__")[0]
        sources = {manifest["sources"][uid]["source_name"]
                   for uid in node["depends_on"]["nodes"] if uid.startswith("source.")}
        if len(sources) != 1 or not next(iter(sources)).startswith(family):
            violations.append(f"{node['name']}: reads {sorted(sources)}, not one '{family}' source")
    assert_none(violations)


def test_only_staging_reads_sources_and_staging_reads_nothing_else(manifest):
    violations = []
    for node in models(manifest):
        upstream = node["depends_on"]["nodes"]
        reads_source = any(uid.startswith("source.") for uid in upstream)
        if layer(node) != "staging" and reads_source:
            violations.append(f"{node['name']}: a {layer(node)} model reads a source() directly")
        if node["name"].startswith("stg_") and any(uid.startswith("model.") for uid in upstream):
            violations.append(f"{node['name']}: staging refs another model (use a base_ model)")
    assert_none(violations)


def test_no_model_outside_monitoring_refs_a_monitoring_model(manifest):
    """The transform DAG builds every model except the monitoring ones (built by the
    monitor_sources DAG, dags/transform_warehouse.py MONITORING_MODELS): a ref from
    another model to one of them fails on a warehouse where they were never built.
    Bookkeeping such as monitoring.batch_quality is read directly (macro not_quarantined)."""
    monitoring = {node["unique_id"] for node in models(manifest) if "monitoring" in node["fqn"][1:-1]}
    violations = [
        f"{node['name']} refs {uid.rsplit('.', 1)[-1]}"
        for node in models(manifest) if node["unique_id"] not in monitoring
        for uid in node["depends_on"]["nodes"] if uid in monitoring
    ]
    assert monitoring, "the monitoring models are found by their folder"
    assert_none(violations)


def test_column_names_follow_c2(manifest):
    violations = []
    for node in models(manifest):
        for name, column in node["columns"].items():
            data_type = (column.get("data_type") or "").lower()
            where = f"{node['name']}.{name}"
            if name in FORBIDDEN_COLUMNS:
                violations.append(f"{where}: keyword or bare name, say what it is")
            if name.startswith("_"):
                violations.append(f"{where}: leading underscore is for loader metadata in raw")
            if name != name.lower():
                violations.append(f"{where}: not lowercase")
            if data_type == "boolean" and not name.startswith(("is_", "has_")):
                violations.append(f"{where}: boolean not named is_/has_")
            if data_type.startswith("timestamp") and not name.endswith("_at"):
                violations.append(f"{where}: timestamp not named <event>_at")
            if (data_type == "date" and not name.endswith(("_date", "_month"))
                    and not excepted("column_name", f"{node['unique_id']}.{name}")
                    and not excepted("date_column_name", node["unique_id"])):
                violations.append(f"{where}: date not named <event>_date (or _month)")
    assert_none(violations)


def test_layers_are_configured_per_folder(manifest):
    violations = []
    for node in models(manifest):
        where = layer(node)
        if where is None:
            continue
        materializations, schema = LAYER_CONFIG[where]
        config = node["config"]
        if config["materialized"] not in materializations:
            violations.append(f"{node['name']}: {config['materialized']} in {where}")
        if node["schema"] != schema:
            violations.append(f"{node['name']}: lands in schema {node['schema']}, not {schema}")
        if where == "marts":
            if not config["contract"]["enforced"]:
                violations.append(f"{node['name']}: mart without an enforced contract")
            if ANALYST_ROLE not in config.get("grants", {}).get("select", []):
                violations.append(f"{node['name']}: mart without select grant to {ANALYST_ROLE}")
            untyped = [c for c, col in node["columns"].items() if not col.get("data_type")]
            if untyped:
                violations.append(f"{node['name']}: columns without data_type {untyped}")
    assert_none(violations)


def test_marts_reference_dim_sources_where_they_carry_source_id(manifest):
    tests = column_tests(manifest)
    violations = [
        f"{node['name']}.source_id: no relationships test to dim_sources"
        for node in models(manifest)
        if layer(node) == "marts" and node["name"].startswith("fct_")
        and "source_id" in node["columns"]
        and (node["unique_id"], "source_id", "relationships") not in tests
    ]
    assert_none(violations)


def test_sources_declare_loaded_at_field_and_freshness(manifest):
    violations = []
    for source in manifest["sources"].values():
        if source["package_name"] != PACKAGE:
            continue
        name = f"{source['source_name']}.{source['name']}"
        if not source.get("description", "").strip():
            violations.append(f"{name}: no description")
        # loaded_at_query: a table with no time stamp of its own (article_mentions)
        if (not source.get("loaded_at_field") and not source.get("loaded_at_query")
                and not excepted("source_loaded_at", source["unique_id"])):
            violations.append(f"{name}: no loaded_at_field or loaded_at_query")
        freshness = source.get("freshness") or {}
        has_both = all((freshness.get(level) or {}).get("count")
                       for level in ("warn_after", "error_after"))
        if not has_both and not excepted("source_freshness", source["unique_id"]):
            violations.append(f"{name}: freshness needs warn_after and error_after")
    assert_none(violations)


def test_tricky_logic_has_unit_tests(manifest):
    tested = {unit["model"] for unit in manifest["unit_tests"].values()}
    # Local dates and dedup live in staging; word count and months in intermediate.
    assert {"stg_news__articles", "int_articles_measured"} <= tested


def test_exceptions_point_at_existing_nodes(manifest):
    known = set(manifest["nodes"]) | set(manifest["sources"])
    known |= {f"{uid}.{column}" for uid, node in manifest["nodes"].items()
              for column in node.get("columns", {})}
    assert_none([f"stale exception {uid}" for _, uid in EXCEPTIONS if uid not in known])


# -- raw tables, incremental marts, exposures ------------------------------------------
RAW_TABLE = re.compile(r"create table if not exists raw\.(\w+)", re.IGNORECASE)


def raw_tables() -> set[str]:
    """Every table of schema `raw` the platform's migrations create (clusterwatch/sql)."""
    from clusterwatch import db

    return {name for _, sql in db.migration_files() for name in RAW_TABLE.findall(sql)}


def test_every_raw_table_is_a_fresh_source_with_one_staging_model(manifest):
    tables = raw_tables()
    assert {"news_articles", "article_mentions", "registry_companies", "trade_baci_flows"} <= tables
    declared = {source["name"]: source for source in manifest["sources"].values()
                if source["package_name"] == PACKAGE and source["schema"] == "raw"}
    readers: dict[str, list[str]] = {}
    for node in models(manifest):
        for uid in node["depends_on"]["nodes"]:
            source = manifest["sources"].get(uid)
            if source and source["schema"] == "raw":  # quarantine.news_pages is another table
                readers.setdefault(source["name"], []).append(node["name"])
    violations = []
    for table in sorted(tables):
        source = declared.get(table)
        if source is None:
            violations.append(f"raw.{table}: not declared as a dbt source")
            continue
        freshness = source.get("freshness") or {}
        if not all((freshness.get(level) or {}).get("count") for level in ("warn_after", "error_after")):
            violations.append(f"raw.{table}: no freshness (warn_after and error_after)")
        if not (source.get("loaded_at_field") or source.get("loaded_at_query")):
            violations.append(f"raw.{table}: no loaded_at_field / loaded_at_query")
        staging = [name for name in readers.get(table, []) if name.startswith("stg_")]
        if len(staging) != 1:
            violations.append(f"raw.{table}: {len(staging)} staging models read it ({staging}), not one")
    violations += [f"source raw.{name}: no such table in clusterwatch/sql" for name in declared
                   if name not in tables]
    assert_none(violations)


def test_every_mart_has_an_enforced_contract_with_typed_columns(manifest):
    violations = []
    marts = [node for node in models(manifest) if layer(node) == "marts"]
    assert len(marts) >= 10
    for node in marts:
        if not node["config"]["contract"]["enforced"]:
            violations.append(f"{node['name']}: contract not enforced")
        if not node["columns"] or any(not col.get("data_type") for col in node["columns"].values()):
            violations.append(f"{node['name']}: contract without a data_type on every column")
    assert_none(violations)


def test_incremental_models_have_not_null_keys_and_a_safe_schema_change(manifest):
    tests = column_tests(manifest)
    incremental = [node for node in models(manifest) if node["config"]["materialized"] == "incremental"]
    assert {"fct_article_publications", "fct_article_mentions"} <= {n["name"] for n in incremental}
    violations = []
    for node in incremental:
        keys = node["config"].get("unique_key")
        keys = [keys] if isinstance(keys, str) else list(keys or [])
        if not keys:
            violations.append(f"{node['name']}: incremental without unique_key")
        for key in keys + [node["config"]["meta"].get("primary_key")]:
            if (node["unique_id"], key, "not_null") not in tests:
                violations.append(f"{node['name']}.{key}: incremental key without not_null test")
        # With an enforced contract, 'ignore' would let the table drift from its YAML.
        if node["config"].get("on_schema_change") not in {"append_new_columns", "fail"}:
            violations.append(f"{node['name']}: on_schema_change must be append_new_columns or fail")
    assert_none(violations)


def test_exposures_name_their_dashboards_and_read_only_marts(manifest):
    exposures = {e["name"]: e for e in manifest["exposures"].values() if e["package_name"] == PACKAGE}
    assert {"clusterwatch_report", "metabase_clusters_overview"} <= set(exposures)
    violations = []
    for name, exposure in exposures.items():
        if not exposure["description"].strip() or not exposure["owner"].get("email"):
            violations.append(f"exposure {name}: no description or owner e-mail")
        upstream = exposure["depends_on"]["nodes"]
        if not upstream:
            violations.append(f"exposure {name}: depends on nothing")
        for uid in upstream:
            node = manifest["nodes"][uid]
            if node["resource_type"] != "model" or layer(node) != "marts":
                violations.append(f"exposure {name}: reads {uid}, not a mart")
    # An exposure lists exactly the marts its dashboard's SQL reads, so that
    # `dbt ls --select +exposure:NAME` is what the dashboard needs.
    repo = Path(__file__).resolve().parents[2]
    dashboard_sql = {
        "clusterwatch_report": " ".join(p.read_text(encoding="utf-8")
                                        for p in (repo / "clusterwatch/report").rglob("*.sql")),
        "metabase_clusters_overview": (repo / "docker/metabase/dashboard.json").read_text(encoding="utf-8"),
    }
    for name, sql in dashboard_sql.items():
        read_by_sql = set(re.findall(r"marts\.([a-z_]+)", sql))
        declared = {uid.split(".")[-1] for uid in exposures[name]["depends_on"]["nodes"]}
        if read_by_sql != declared:
            violations.append(f"exposure {name}: depends_on {sorted(declared)} but its SQL reads "
                              f"{sorted(read_by_sql)}")
    assert_none(violations)
