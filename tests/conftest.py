"""Shared fixtures: a real PostgreSQL for every test session.

With `CLUSTERWATCH_TEST_DATABASE_URL` set, tests create a fresh database on that server
(and drop it at the end); without it, an embedded PostgreSQL (pgserver) is started in a
temporary `CLUSTERWATCH_HOME`, so tests never touch the user's own home or warehouse.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from clusterwatch import db, warehouse

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def test_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("clusterwatch_home")
    os.environ["CLUSTERWATCH_HOME"] = str(home)
    return home


@pytest.fixture(scope="session")
def pg_server_url(test_home) -> str:
    """URL of a PostgreSQL server (database `postgres`) that tests may create databases on."""
    given = os.environ.get("CLUSTERWATCH_TEST_DATABASE_URL")
    if given:
        os.environ.pop("CLUSTERWATCH_DATABASE_URL", None)
        yield warehouse.with_database(given, "postgres")
        return
    os.environ.pop("CLUSTERWATCH_DATABASE_URL", None)
    server = warehouse.embedded()
    server.start()
    yield server.server_url()
    server.stop()


@pytest.fixture(scope="session")
def warehouse_url(pg_server_url) -> str:
    """A fresh, bootstrapped warehouse database for this test session."""
    url = warehouse.with_database(pg_server_url, f"cw_test_{uuid.uuid4().hex[:8]}")
    warehouse.ensure_database(url)
    db.bootstrap(url)
    yield url
    warehouse.drop_database(url)


@pytest.fixture
def fresh_warehouse_url(pg_server_url) -> str:
    """A fresh, bootstrapped warehouse database for one test (for tests that count rows)."""
    url = warehouse.with_database(pg_server_url, f"cw_test_{uuid.uuid4().hex[:8]}")
    warehouse.ensure_database(url)
    db.bootstrap(url)
    yield url
    warehouse.drop_database(url)
