"""`clusterwatch ingest` as a user runs it (a subprocess, JSON on the last line), and the
AssetWatcher trigger on its own event loop."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.triggers import LandingMarkerTrigger

from ingest_files import ACCOUNTANTS, write_text

CLI = [str(Path(sys.executable).parent / "clusterwatch")]
KEYS = {"batch_id", "dataset", "format", "rows_in", "rows_loaded", "rows_rejected", "status"}


def run_cli(args, url, tmp_path):
    env = dict(os.environ, CLUSTERWATCH_DATABASE_URL=url, CLUSTERWATCH_HOME=str(tmp_path / "home"))
    done = subprocess.run(CLI + args, env=env, capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout, json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.postgres
def test_cli_loads_reports_and_says_duplicate(ingest_url, tmp_path):
    code, out, result = run_cli(["ingest", "registry", str(ACCOUNTANTS)], ingest_url, tmp_path)
    assert code == 0 and KEYS <= set(result)
    assert (result["status"], result["format"], result["rows_in"], result["rows_loaded"], result["rows_rejected"]) \
        == ("loaded", "registry-csv", 4, 4, 0)
    assert "findings 5" in out
    code, _, again = run_cli(["ingest", "registry", str(ACCOUNTANTS)], ingest_url, tmp_path)
    assert code == 0 and again["status"] == "duplicate" and again["duplicate_of"] == result["batch_id"]


@pytest.mark.postgres
def test_cli_rejected_file_exits_1_and_bad_format_exits_2(ingest_url, tmp_path):
    binary = tmp_path / "export.csv"
    binary.write_bytes(os.urandom(2048))
    code, out, result = run_cli(["ingest", "trade", str(binary)], ingest_url, tmp_path)
    assert code == 1 and (result["status"], result["reason"]) == ("rejected", "binary_file")
    code, _, result = run_cli(["ingest", "trade", str(binary), "--format", "parquet"], ingest_url, tmp_path)
    assert code == 2 and "unknown trade format" in result["error"]
    path = write_text(tmp_path / "n.csv", "Année;Flux;Pays ISO3;Code SH;Valeur USD\n2023;X;ITA;2709;5\n")
    code, _, result = run_cli(["ingest", "trade", str(path), "--format", "national"], ingest_url, tmp_path)
    assert code == 0 and result["format"] == "national-csv" and result["rows_loaded"] == 1


def test_trigger_fires_on_a_marker_and_claims_it(tmp_path):
    folder = tmp_path / "trade"
    folder.mkdir()
    trigger = LandingMarkerTrigger(directory=str(folder), poke_interval=0.05)
    assert trigger.serialize() == ("ingest.triggers.LandingMarkerTrigger",
                                   {"directory": str(folder), "poke_interval": 0.05})

    async def first_event():
        return await asyncio.wait_for(trigger.run().__anext__(), timeout=10)

    async def scenario():
        task = asyncio.ensure_future(first_event())
        await asyncio.sleep(0.2)
        assert not task.done()  # nothing landed yet: it keeps polling
        (folder / "baci.csv").write_text("t,i,j,k,v,q\n")
        (folder / "baci.csv.ready").touch()
        return await task

    event = asyncio.run(scenario())
    assert event.payload == {"directory": str(folder), "files": ["baci.csv"]}
    assert sorted(os.listdir(folder)) == ["baci.csv", "baci.csv.queued"]
