"""Fixtures for the ingest tests: one warehouse for the ingest tests of the session,
emptied before each test that uses it (a fresh database per test costs ~1 s here)."""

from __future__ import annotations

import uuid

import pytest

from clusterwatch import db, warehouse

INGEST_TABLES = (
    "ingest.batches", "ingest.findings", "quarantine.registry_rows", "quarantine.trade_rows",
    "raw.registry_companies", "raw.registry_cluster_memberships", "raw.trade_comtrade_records",
    "raw.trade_baci_flows", "raw.trade_baci_countries", "raw.trade_national_flows",
    "raw.trade_country_aggregates", "monitoring.dq_runs",
    # Quality decisions are keyed by batch id, a hash of the content: a decision left by an
    # earlier test would hide the same file's rows from staging (macro not_quarantined).
    "monitoring.batch_quality",
)


@pytest.fixture(scope="session")
def ingest_warehouse(pg_server_url) -> str:
    url = warehouse.with_database(pg_server_url, f"cw_ingest_{uuid.uuid4().hex[:8]}")
    warehouse.ensure_database(url)
    db.bootstrap(url)
    yield url
    warehouse.drop_database(url)


@pytest.fixture
def ingest_url(ingest_warehouse) -> str:
    """The ingest tests' warehouse, with every ingest table empty."""
    with db.connect(ingest_warehouse) as conn:
        conn.execute(f"truncate {', '.join(INGEST_TABLES)} cascade")
    return ingest_warehouse


@pytest.fixture
def load(ingest_url):
    """load(path, dataset, format=None, **kwargs) -> BatchResult; `load.url` is the warehouse."""
    from ingest.pipeline import ingest_file

    def run(path, dataset, format=None, **kwargs):
        return ingest_file(path, dataset, database_url=ingest_url, format=format, **kwargs)

    run.url = ingest_url
    return run
