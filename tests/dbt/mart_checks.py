"""Helpers of the dbt tests that compare marts across runs (incremental vs full refresh)."""

from __future__ import annotations

from clusterwatch import db


def query(url: str, sql: str, params=()) -> list[tuple]:
    with db.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def mart_checksums(url: str) -> dict[str, tuple[int, str]]:
    """(row count, md5 over the sorted row hashes) of every table in `marts`."""
    tables = [name for (name,) in query(
        url, "select table_name from information_schema.tables where table_schema = 'marts'")]
    return {
        table: tuple(query(url, f"""
            select count(*), coalesce(md5(string_agg(row_hash, ',' order by row_hash)), '')
            from (select md5(mart::text) as row_hash from marts.{table} as mart) as hashed""")[0])
        for table in sorted(tables)
    }
