"""Every DAG file imports cleanly, follows STYLE C7 and parses fast (measured).

The parse time is measured the way the dag-processor sees it: in a fresh interpreter
that has Airflow imported but nothing of ours (so Cosmos' import counts against the
transform DAG), using Airflow's own DagBag timing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from clusterwatch import settings

DAG_FILES = sorted(p for p in settings.DAGS_FOLDER.glob("*.py") if not p.name.startswith("_"))
APPROVED_TAGS = {"scrape", "ingest", "validate", "transform", "news", "registry", "trade",
                 "monitoring", "clusterwatch"}
PARSE_BUDGET_SECONDS = 1.0  # the warehouse issue: under 1 s per DAG file

_PARSE_ONE = r"""
import json, sys, time
from airflow.dag_processing.dagbag import DagBag
path = sys.argv[1]
bag = DagBag(dag_folder=path)
stats = [{"file": s.file, "duration": s.duration.total_seconds(), "dags": s.dag_num} for s in bag.dagbag_stats]
dags = {d.dag_id: {"tags": sorted(d.tags), "retries": [t.retries for t in d.tasks],
                   "doc_md": bool(d.doc_md), "catchup": d.catchup, "max_active_runs": d.max_active_runs,
                   "start_date": str(d.start_date), "tz": str(d.start_date.tzinfo) if d.start_date else None,
                   "owner": d.default_args.get("owner")}
        for d in bag.dags.values()}
print(json.dumps({"errors": {k: v for k, v in bag.import_errors.items()}, "stats": stats, "dags": dags}))
"""


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory):
    from clusterwatch.transform import ensure_manifest

    ensure_manifest()
    home = tmp_path_factory.mktemp("airflow_home")
    env = dict(os.environ)
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(settings.DAGS_FOLDER),
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "AIRFLOW__COSMOS__CACHE_DIR": str(home / "cosmos"),
        "PYTHONPATH": str(settings.DAGS_FOLDER),
    })
    return env


@pytest.fixture(scope="module")
def parsed(airflow_env) -> dict[str, dict]:
    results = {}
    for path in DAG_FILES:
        out = subprocess.run([sys.executable, "-c", _PARSE_ONE, str(path)], env=airflow_env,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr[-3000:]
        results[path.name] = json.loads(out.stdout.strip().splitlines()[-1])
    return results


def test_there_are_dags():
    assert {p.stem for p in DAG_FILES} >= {"scrape_news", "transform_warehouse"}


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_dag_file_imports_without_errors(parsed, path):
    assert parsed[path.name]["errors"] == {}


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_dag_file_parses_within_budget(parsed, path):
    durations = [s["duration"] for s in parsed[path.name]["stats"]]
    print(f"{path.name}: parsed in {max(durations):.3f}s")
    assert durations and max(durations) < PARSE_BUDGET_SECONDS


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_dag_follows_conventions(parsed, path):
    dags = parsed[path.name]["dags"]
    assert list(dags) == [path.stem], "one DAG per file, dag_id = file stem"
    dag = dags[path.stem]
    assert set(dag["tags"]) <= APPROVED_TAGS and dag["tags"]
    assert min(dag["retries"]) >= 1 and max(dag["retries"]) >= 2
    assert dag["doc_md"]
    assert dag["catchup"] is False
    assert dag["max_active_runs"] == 1
    assert dag["tz"] not in (None, "None")
    assert dag["owner"] == "clusterwatch"


def test_dag_files_do_no_io_at_import():
    """Module scope holds constants and the DAG (C7): no DB, HTTP or Variable access."""
    forbidden = ("psycopg", "requests", "Variable.get", "Connection(", "open(")
    for path in DAG_FILES + [settings.DAGS_FOLDER / "_common.py"]:
        top_level = [line for line in path.read_text().splitlines() if line and not line.startswith((" ", "\t"))]
        for line in top_level:
            assert not any(word in line for word in forbidden), f"{path.name}: {line}"
