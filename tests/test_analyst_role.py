"""BI access: a login that is granted `clusterwatch_analyst` reads every mart, cannot
read `raw` (or any other schema), and cannot write anywhere — also after a rebuild,
since dbt drops and recreates the mart tables."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg import sql

from clusterwatch import db, transform, warehouse

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def built_warehouse(pg_server_url):
    url = warehouse.with_database(pg_server_url, f"cw_test_bi_{uuid.uuid4().hex[:8]}")
    warehouse.ensure_database(url)
    db.bootstrap(url)
    transform.build(url)
    transform.build(url)  # a rebuild must keep the grants
    yield url
    warehouse.drop_database(url)


@pytest.fixture(scope="module")
def analyst_url(built_warehouse):
    login = f"cw_bi_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(built_warehouse, autocommit=True) as conn:
        conn.execute(sql.SQL("create role {} login in role clusterwatch_analyst").format(sql.Identifier(login)))
    parts = built_warehouse.split("://", 1)[1].split("@", 1)[1]
    yield f"postgresql://{login}@{parts}"
    with psycopg.connect(built_warehouse, autocommit=True) as conn:
        conn.execute(sql.SQL("drop owned by {}").format(sql.Identifier(login)))
        conn.execute(sql.SQL("drop role {}").format(sql.Identifier(login)))


def _relations(url: str, schema: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute(
            "select table_name from information_schema.tables where table_schema = %s order by 1", (schema,))]


def test_analyst_reads_every_mart(built_warehouse, analyst_url):
    marts = _relations(built_warehouse, "marts")
    assert marts, "the build produced marts"
    with psycopg.connect(analyst_url) as conn:
        for table in marts:
            conn.execute(sql.SQL("select * from {} limit 1").format(sql.Identifier("marts", table)))


@pytest.mark.parametrize("schema", ["raw", "quarantine", "monitoring", "staging", "intermediate", "ingest",
                                    "snapshots"])
def test_analyst_cannot_read_outside_marts(built_warehouse, analyst_url, schema):
    tables = _relations(built_warehouse, schema)
    for table in tables:
        with psycopg.connect(analyst_url) as conn:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql.SQL("select 1 from {} limit 1").format(sql.Identifier(schema, table)))


def test_analyst_cannot_write_anywhere(built_warehouse, analyst_url):
    table = _relations(built_warehouse, "marts")[0]
    statements = [
        sql.SQL("delete from {}").format(sql.Identifier("marts", table)),
        sql.SQL("insert into {} default values").format(sql.Identifier("marts", table)),
        sql.SQL("truncate {}").format(sql.Identifier("marts", table)),
        sql.SQL("create table marts.bi_scratch (x int)"),
        sql.SQL("create table public.bi_scratch (x int)"),
        sql.SQL("create schema bi_scratch"),
        sql.SQL("insert into raw.news_articles (article_id) values ('x')"),
    ]
    for statement in statements:
        with psycopg.connect(analyst_url) as conn:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
