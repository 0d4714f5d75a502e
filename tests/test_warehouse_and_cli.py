"""The embedded warehouse's lifecycle and the CLI's status, on a real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import psycopg
import pytest

from clusterwatch import db, settings, warehouse

pytestmark = pytest.mark.postgres


def test_embedded_server_starts_on_demand_is_reused_and_stops(tmp_path, monkeypatch):
    monkeypatch.setenv("CLUSTERWATCH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CLUSTERWATCH_DATABASE_URL", raising=False)
    server = warehouse.embedded()
    assert server.pgdata == tmp_path / "home" / "pgdata"
    assert not server.is_running()
    try:
        url = warehouse.warehouse_url()  # starts it, creates the database
        assert server.is_running()
        assert url.endswith(f"/{settings.WAREHOUSE_DB_NAME}")
        port = server.port()
        assert db.bootstrap(url) == db.bootstrap(url)  # idempotent
        with psycopg.connect(url) as conn:
            schemas = {r[0] for r in conn.execute("select schema_name from information_schema.schemata")}
        assert {"raw", "quarantine", "ingest", "monitoring", "staging", "intermediate", "marts"} <= schemas
        assert server.start() is False, "a running server is reused, not restarted"
        assert warehouse.warehouse_url() == url and server.port() == port
    finally:
        assert server.stop() is True
    assert not server.is_running()
    assert server.stop() is False
    # Started again later, the data is still there.
    try:
        server.start()
        with psycopg.connect(warehouse.with_database(server.server_url(), settings.WAREHOUSE_DB_NAME)) as conn:
            assert conn.execute("select to_regclass('raw.news_articles')").fetchone()[0] == "raw.news_articles"
    finally:
        server.stop()


def test_configured_url_wins_and_metadata_db_sits_beside_it(monkeypatch):
    monkeypatch.setenv("CLUSTERWATCH_DATABASE_URL", "postgresql://u:secret@db.example:5432/wh")
    monkeypatch.delenv("CLUSTERWATCH_AIRFLOW_DATABASE_URL", raising=False)
    assert warehouse.warehouse_url(ensure=False) == "postgresql://u:secret@db.example:5432/wh"
    assert warehouse.airflow_metadata_url("postgresql://u:secret@db.example:5432/wh").endswith("/wh_airflow")
    assert "secret" not in warehouse.describe("postgresql://u:secret@db.example:5432/wh")


def test_status_prints_where_things_are(tmp_path):
    env = {**os.environ, "CLUSTERWATCH_HOME": str(tmp_path / "h")}
    env.pop("CLUSTERWATCH_DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-m", "clusterwatch.cli", "status"], env=env,
                         capture_output=True, text=True, check=True).stdout
    info = json.loads(out.strip().splitlines()[-1])
    assert info["warehouse_mode"] == "embedded"
    assert info["airflow_home"] == str(tmp_path / "h" / "airflow")
    assert info["logs"] == str(tmp_path / "h" / "logs")
    assert not (tmp_path / "h" / "pgdata").exists(), "status must not start anything"
