"""The fault suite as figures: `python -m benchmarks faults` (or `make faults`).

    python -m benchmarks faults

Runs tests/faults/ (a real Airflow scheduler with the LocalExecutor, real PostgreSQL,
see tests/faults/conftest.py) with CLUSTERWATCH_FAULTS_FIGURES set, so the suite writes
what it measured (the marts are rebuilt with dbt on both sides and compared at the
end). Prints a Markdown table (fault,
result, seconds, rows lost) and the load the burst held (files, rows, articles per
minute), then one JSON line. Set CLUSTERWATCH_TEST_DATABASE_URL to use a server you
have; without it an embedded PostgreSQL is started.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# test function -> the fault it tries (the order of the table)
SCENARIOS = {
    "test_burst_with_duplicates_and_a_stopped_triggerer":
        "burst of 50 files (+5 duplicates), triggerer stopped for half, one event lost; reconcile",
    "test_the_same_asset_event_twice_loads_once": "the same asset event delivered twice",
    "test_postgres_stopped_mid_load_then_the_task_is_retried":
        "PostgreSQL stopped mid-load (fast shutdown), task retried",
    "test_worker_killed_mid_task_then_the_task_is_retried": "task process SIGKILLed mid-load, retried",
    "test_scrape_interrupted_halfway_resumes": "scrape SIGKILLed halfway, resumed by the retry",
    "test_a_source_down_for_an_hour_leaves_no_gap": "source answering 500 for an hour, then recovering",
    "test_marts_equal_the_clean_run": "marts rebuilt (dbt) after all of the above",
    "test_no_planted_secret_in_any_output": "planted secrets searched in logs, dbt, Data Docs, alerts",
}


def outcomes(junit: Path) -> dict[str, str]:
    found = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        status = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                status = "FAILED"
            elif child.tag == "skipped":
                status = "skipped"
        found[case.get("name")] = status
    return found


def table(results: dict[str, str], figures: dict) -> str:
    seconds = figures.get("seconds", {})
    lost = {name: v.get("rows_lost") for name, v in figures.get("by_test", {}).items()}
    lines = ["| fault | result | seconds | rows lost |", "|---|---|---:|---:|"]
    for test, label in SCENARIOS.items():
        if test not in results:
            continue
        rows = lost.get(test, "-" if test == "test_no_planted_secret_in_any_output" else "n/a")
        lines.append(f"| {label} | {results[test]} | {seconds.get(test, '')} | {rows} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    argv = argv or []
    with tempfile.TemporaryDirectory(prefix="cw_faults_") as tmp:
        figures_path, junit = Path(tmp) / "figures.json", Path(tmp) / "junit.xml"
        env = dict(os.environ, CLUSTERWATCH_FAULTS_FIGURES=str(figures_path))
        started = time.monotonic()
        completed = subprocess.run(
            [sys.executable, "-m", "pytest", "tests/faults", "-q", "-p", "no:cacheprovider",
             f"--junitxml={junit}"], cwd=REPO, env=env)
        seconds = round(time.monotonic() - started, 1)
        import json

        figures = json.loads(figures_path.read_text()) if figures_path.exists() else {}
        results = outcomes(junit) if junit.exists() else {}
    burst = figures.get("burst", {})
    print()
    print(table(results, figures))
    print()
    if burst:
        print(f"Load held under the burst: {burst.get('files_per_minute')} files/min, "
              f"{burst.get('rows_per_minute')} rows/min, {burst.get('articles_per_minute')} articles/min "
              f"({burst.get('files')} files, {burst.get('articles')} articles in {burst.get('seconds')} s).")
    total_lost = sum(v.get("rows_lost") or 0 for v in figures.get("by_test", {}).values())
    return {"bench": "faults", "passed": completed.returncode == 0, "seconds": seconds,
            "results": results, "rows_lost": total_lost, "burst": burst,
            "seconds_per_test": figures.get("seconds", {})}
