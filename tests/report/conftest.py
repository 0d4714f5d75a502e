"""A real warehouse for the report tests: raw news rows, the real text analysis and
monitoring rows, plus registry and trade files loaded by the real ingest code (the demo's
landing files and a small membership list), all turned into marts by the real `dbt build`
once per session. The analyst reads it through a login of its own. Rows, files and
helpers live in report_warehouse.py.
"""

from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg import sql
from report_warehouse import insert_news, load_registry_and_trade

from clusterwatch import db, transform, warehouse


@pytest.fixture(scope="session")
def report_warehouse(pg_server_url, tmp_path_factory):
    """Raw rows -> text analysis, files -> ingest loader, then the real `dbt build`."""
    url = warehouse.with_database(pg_server_url, f"cw_test_report_{uuid.uuid4().hex[:8]}")
    warehouse.ensure_database(url)
    db.bootstrap(url)
    insert_news(url)
    from scrapers.text.store import analyse_pending

    analyse_pending(url)
    load_registry_and_trade(url, tmp_path_factory.mktemp("report_files"))
    result = transform.build(url, target_path=tmp_path_factory.mktemp("dbt_target_report"))
    # no-op: the exposures (the report, the Metabase dashboard), nothing to run.
    assert set(result.summary()["statuses"]) <= {"success", "pass", "no-op"}, result.output_tail()
    yield url
    warehouse.drop_database(url)


@pytest.fixture(scope="session")
def analyst_login(pg_server_url):
    """A login of the session in `clusterwatch_analyst` (roles are server-wide)."""
    login = f"cw_report_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("create role {} login in role clusterwatch_analyst").format(
            sql.Identifier(login)))
    yield login
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(login)))
