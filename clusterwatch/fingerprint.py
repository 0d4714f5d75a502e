"""A fingerprint of the warehouse's data: per table, its row count and an
order-independent checksum of its rows. Two warehouses with equal fingerprints hold the
same data, whatever order, retries or faults produced it.

    warehouse_fingerprint(url) -> {"raw.news_articles": (12, "3f2a..."), ...}
    fingerprint_diff(a, b)     -> {"raw.trade_baci_flows": ((61, "..."), (60, "..."))}

What is left out, and why (a fault run and a clean run must still compare equal):
- columns of time types (timestamp, timestamptz, date of loading, interval): they say
  *when* a row was written, not what it holds;
- `VOLATILE_COLUMNS`: which run or attempt wrote a row (scrape run ids, `_batch_id` of
  articles, attempts, how a file arrived, where it was read from or archived,
  `times_seen`, durations, error texts of earlier attempts);
- `RUN_LOGS`: tables that *record* runs (`raw.scrape_runs`; `monitoring.*` is not
  fingerprinted at all) and the marts built from them: a faulted run leaves a failed run
  row on purpose; that is the record of the fault, not data;
- the random suffix of duplicate batch ids (`<id>-dup-1a2b3c4d`).
Content-derived ids (article ids = md5 of the URL, batch ids = sha256 of the file) are
kept: they must be equal.
"""

from __future__ import annotations

from psycopg import sql

from clusterwatch import db

SCHEMAS = ("raw", "quarantine", "ingest", "marts")

VOLATILE_COLUMNS = {
    "scrape_run_id", "first_scrape_run_id", "last_scrape_run_id", "attempts",
    "received_via", "source_path", "archived_path", "errors", "times_seen",
    "duration_seconds", "reader_options",
}
# Per table: columns that name the run that (last) wrote the row.
VOLATILE_BY_TABLE = {
    "raw.news_articles": {"_batch_id"},
    "raw.news_article_versions": {"_batch_id"},
    "raw.article_analysis": {"_batch_id"},
    "raw.article_mentions": {"_batch_id"},
    # The gzip container stores its compression time and the headers the server's Date:
    # the page itself is compared by body_sha256 and body_bytes.
    "raw.news_pages": {"body_gzip", "response_headers"},
}
# The marts built from those logs too: a fault *should* show there (a failed run, a
# retry, an alert).
RUN_LOGS = {"raw.scrape_runs", "marts.fct_scrape_runs_daily", "marts.fct_data_quality_daily",
            "marts.fct_alerts", "marts.dim_monitored_sources"}
TIME_TYPES = ("timestamp with time zone", "timestamp without time zone", "interval")
# Duplicate batch ids end in a random suffix (ingest/ledger.py).
_DUP_SUFFIX = r"-dup-[0-9a-f]{8}$"


def _columns(conn, schemas: tuple[str, ...]) -> dict[str, list[tuple[str, str]]]:
    rows = conn.execute(
        """select c.table_schema || '.' || c.table_name, c.column_name, c.data_type
           from information_schema.columns c
           join information_schema.tables t
             on t.table_schema = c.table_schema and t.table_name = c.table_name
           where c.table_schema = any(%s) and t.table_type in ('BASE TABLE', 'VIEW')
           order by 1, c.ordinal_position""",
        (list(schemas),),
    ).fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, []).append((column, data_type))
    return tables


def kept_columns(table: str, columns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The columns that take part in the checksum (see the module doc)."""
    volatile = VOLATILE_COLUMNS | VOLATILE_BY_TABLE.get(table, set())
    return [(name, kind) for name, kind in columns
            if name not in volatile and kind not in TIME_TYPES]


def _row_expression(columns: list[tuple[str, str]]) -> sql.Composable:
    parts = []
    for name, kind in columns:
        value = sql.SQL("{}::text").format(sql.Identifier(name))
        if name.endswith("batch_id") or name == "duplicate_of":
            value = sql.SQL("regexp_replace({}, {}, '-dup')").format(value, sql.Literal(_DUP_SUFFIX))
        parts.append(sql.SQL("coalesce({}, '\\N')").format(value))
    if not parts:
        return sql.SQL("''")
    # A separator no value contains (unit separator), so ('a','bc') != ('ab','c').
    return sql.SQL(" || chr(31) || ").join(parts)


def table_fingerprint(conn, table: str, columns: list[tuple[str, str]]) -> tuple[int, str]:
    schema, name = table.split(".", 1)
    query = sql.SQL(
        """select count(*), coalesce(md5(string_agg(row_md5, '' order by row_md5)), '')
           from (select md5({row}) as row_md5 from {table}) rows"""
    ).format(row=_row_expression(kept_columns(table, columns)),
             table=sql.Identifier(schema, name))
    count, checksum = conn.execute(query).fetchone()
    return int(count), checksum


def warehouse_fingerprint(url: str, schemas: tuple[str, ...] = SCHEMAS) -> dict[str, tuple[int, str]]:
    """table -> (row count, checksum) for every table and view of `schemas`, run logs aside."""
    with db.connect(url) as conn:
        tables = _columns(conn, schemas)
        return {table: table_fingerprint(conn, table, columns)
                for table, columns in sorted(tables.items()) if table not in RUN_LOGS}


def fingerprint_diff(actual: dict, expected: dict) -> dict[str, tuple]:
    """Tables whose (count, checksum) differ, or that only one side has."""
    return {table: (actual.get(table), expected.get(table))
            for table in sorted(set(actual) | set(expected))
            if actual.get(table) != expected.get(table)}


def rows_lost(actual: dict, expected: dict) -> int:
    """Rows the expected warehouse has that the actual one lacks, summed over tables
    (a lower bound: counts only, so a wrong row in place of a right one counts 0)."""
    return sum(max(0, expected[t][0] - (actual.get(t) or (0, ""))[0]) for t in expected)
