"""Parallel chunks (ingest/parallel.py) and the partitioned BACI raw table
(clusterwatch/sql/007_baci_partitions.sql): the chunks end exactly as the careful path
would have left the rows; a failing chunk, a crash before the attach and a file of
another slice leave nothing half done."""

from __future__ import annotations

import logging
import re
import uuid

import psycopg
import pytest

from clusterwatch import db, warehouse
from ingest import parallel

from ingest_files import query, scalar, write_text

pytestmark = [pytest.mark.postgres]

NAME = "BACI_HS17_Y2022_V202401.csv"
EXPORTERS = (4, 12, 251, 300, 704, 818)
# Sorted by exporter like BACI; some 5-digit codes (lost leading zero), NA quantities.
BODY = "".join(f"2022,{e},{j},{'10121' if (e + j) % 7 == 0 else f'{20000 + j * 13:06d}'},{e * j}.5,"
               f"{'NA' if j % 5 == 0 else j}\n" for e in EXPORTERS for j in range(1, 60))
CLEAN = "t,i,j,k,v,q\n" + BODY
ROWS = len(EXPORTERS) * 59


def _path_taken(caplog) -> str:
    (message,) = [r.getMessage() for r in caplog.records
                  if r.name == "ingest.load" and "seconds per phase" in r.getMessage()]
    return message.split("(")[1].split(")")[0]


def _rows(url: str) -> list[tuple]:
    return query(url, """select hs_revision, year, exporter_code, importer_code, product_code, value_kusd::text,
                                quantity_tonnes::text, baci_release, _line_number, _sheet
                         from raw.trade_baci_flows order by _line_number""")


def _partitions(url: str) -> list[tuple]:
    return query(url, """select c.relname, pg_get_expr(c.relpartbound, c.oid) from pg_inherits i
                         join pg_class c on c.oid = i.inhrelid
                         where i.inhparent = 'raw.trade_baci_flows'::regclass order by 1""")


def _work_tables(url: str) -> list[str]:
    return [name for (name,) in query(url, "select relname from pg_class where relnamespace = "
                                           "'ingest_work'::regnamespace and relkind = 'r' order by 1")]


def _forget_partitions(url: str) -> None:
    """The ingest fixture truncates: drop the partitions too, so each test sees its own."""
    with psycopg.connect(url, autocommit=True) as conn:
        for (name,) in conn.execute("select inhrelid::regclass::text from pg_inherits "
                                    "where inhparent = 'raw.trade_baci_flows'::regclass").fetchall():
            conn.execute(f"drop table {name}")


def _unsummarised_ranges(url: str) -> int:
    """BRIN page ranges of the raw table's partitions that have no summary (counted by
    summarising them in a transaction that is rolled back)."""
    with psycopg.connect(url) as conn:
        leaves = [name for (name,) in conn.execute("""
            select leaf.relid::regclass::text from pg_index i
            join pg_class c on c.oid = i.indexrelid join pg_am am on am.oid = c.relam
            cross join lateral pg_partition_tree(i.indexrelid) as leaf
            where i.indrelid = 'raw.trade_baci_flows'::regclass and am.amname = 'brin' and leaf.isleaf""")]
        assert leaves, "raw.trade_baci_flows has no BRIN index on its partitions"
        count = sum(conn.execute("select brin_summarize_new_values(%s::regclass)", (leaf,)).fetchone()[0]
                    for leaf in leaves)
        conn.rollback()
    return count


@pytest.fixture
def fresh(load, monkeypatch):
    _forget_partitions(load.url)
    monkeypatch.setenv(parallel.WORKERS_ENV, "3")
    return load


# -- pure / file only -------------------------------------------------------------------------
def test_split_cuts_at_exporter_boundaries_with_the_right_line_numbers(tmp_path):
    path = write_text(tmp_path / NAME, CLEAN)
    data_start = len("t,i,j,k,v,q\n")
    chunks = parallel.split(path, data_start, 1, 3, 1)
    assert len(chunks) == 3
    assert chunks[0].start == data_start and chunks[-1].end == path.stat().st_size
    assert chunks[0].low is None and chunks[-1].high is None
    lines = CLEAN.encode().split(b"\n")
    for before, after in zip(chunks, chunks[1:]):
        assert before.end == after.start and before.high == after.low
        first = path.read_bytes()[after.start:].split(b"\n", 1)[0]
        assert parallel.exporter_of(first, 1) == after.low
        assert lines[after.first_line - 1] == first  # line numbers count from 1
        previous = path.read_bytes()[:after.start].rstrip(b"\n").rsplit(b"\n", 1)[1]
        assert parallel.exporter_of(previous, 1) < after.low
    assert parallel.split(path, data_start, 1, 1, 1) == [
        parallel.Chunk(1, data_start, path.stat().st_size, 2, None, None)]


def test_an_unsorted_file_is_one_chunk(tmp_path):
    lines = BODY.splitlines(keepends=True)
    path = write_text(tmp_path / NAME, "t,i,j,k,v,q\n" + "".join(lines[len(lines) // 2:] + lines[:len(lines) // 2]))
    assert len(parallel.split(path, len("t,i,j,k,v,q\n"), 1, 4, 1)) == 1


# -- against PostgreSQL -----------------------------------------------------------------------
def test_parallel_chunks_load_exactly_what_the_careful_path_loads(fresh, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="ingest.load")
    result = fresh(write_text(tmp_path / NAME, CLEAN), "trade")
    assert _path_taken(caplog) == "fast"
    assert (result.rows_in, result.rows_loaded, result.rows_inserted, result.rows_rejected) == (ROWS, ROWS, ROWS, 0)
    chunked, findings = _rows(fresh.url), query(fresh.url, "select kind, detail from ingest.findings")
    assert [r[8] for r in chunked] == list(range(2, ROWS + 2))
    partitions = _partitions(fresh.url)
    assert [name for name, _ in partitions] == [f"trade_baci_flows_hs17_2022_p{n}" for n in (1, 2, 3)]
    assert partitions[0][1].startswith("FOR VALUES FROM ('HS17', 2022, MINVALUE)")
    assert partitions[-1][1].endswith("TO ('HS17', 2022, MAXVALUE)")
    assert _work_tables(fresh.url) == []

    # The same records through the careful path (a quoted field sends the file there).
    _forget_partitions(fresh.url)
    with psycopg.connect(fresh.url) as conn:
        conn.execute("truncate raw.trade_baci_flows, ingest.batches cascade")
    caplog.clear()
    careful = fresh(write_text(tmp_path / "q" / NAME, CLEAN.replace("2022,4,1,", '"2022",4,1,')), "trade")
    assert _path_taken(caplog) == "direct" and careful.rows_loaded == ROWS
    assert _rows(fresh.url) == chunked
    assert query(fresh.url, "select kind, detail from ingest.findings") == findings
    assert [name for name, _ in _partitions(fresh.url)] == ["trade_baci_flows_hs17_2022"]  # made on demand


def test_a_bad_row_in_chunk_two_sends_the_file_to_the_careful_path_and_leaves_no_chunk(fresh, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="ingest.load")
    lines = CLEAN.splitlines(keepends=True)
    bad_line = lines[ROWS // 2].replace(".5,", ".5x,", 1)  # the middle of the file: chunk 2 of 3
    lines[ROWS // 2] = bad_line
    result = fresh(write_text(tmp_path / NAME, "".join(lines)), "trade")
    assert _path_taken(caplog) == "direct"
    assert (result.rows_in, result.rows_loaded, result.rows_rejected) == (ROWS, ROWS - 1, 1)
    assert query(fresh.url, "select line_number, raw_line from quarantine.trade_rows") == \
        [(ROWS // 2 + 1, bad_line.rstrip("\n"))]
    assert _work_tables(fresh.url) == []
    assert [name for name, _ in _partitions(fresh.url)] == ["trade_baci_flows_hs17_2022"]


def test_a_row_outside_its_chunks_exporters_reloads_the_file_as_one_chunk(fresh, tmp_path, caplog):
    """The cuts look sorted, but one early row has the last exporter's code: its chunk's
    bounds refuse it, and the file is loaded again as a single chunk, every row kept."""
    caplog.set_level(logging.INFO, logger="ingest.parallel")
    lines = CLEAN.splitlines(keepends=True)
    stray = lines[3].replace("2022,4,", f"2022,{EXPORTERS[-1]},", 1).replace(",3,", ",999,", 1)
    lines[3] = stray
    result = fresh(write_text(tmp_path / NAME, "".join(lines)), "trade")
    assert (result.rows_in, result.rows_loaded, result.rows_rejected) == (ROWS, ROWS, 0)
    assert any("rows outside their chunk's exporters; one chunk" in r.getMessage() for r in caplog.records)
    assert [name for name, _ in _partitions(fresh.url)] == ["trade_baci_flows_hs17_2022"]
    assert _work_tables(fresh.url) == []
    assert scalar(fresh.url, "select _line_number from raw.trade_baci_flows "
                             f"where exporter_code = {EXPORTERS[-1]} and importer_code = 999") == 4


def test_a_crash_between_the_chunks_and_the_attach_leaves_nothing_and_the_rerun_completes(
        fresh, tmp_path, monkeypatch):
    from ingest.pipeline import ingest_file

    def kill(conn) -> None:  # the loader's own session dies, as in a crash
        with psycopg.connect(fresh.url, autocommit=True) as other:
            other.execute("select pg_terminate_backend(%s)", (conn.info.backend_pid,))

    monkeypatch.setattr(parallel, "before_attach", kill)
    path = write_text(tmp_path / NAME, CLEAN)
    with pytest.raises(psycopg.OperationalError):
        ingest_file(path, "trade", database_url=fresh.url)
    assert scalar(fresh.url, "select count(*) from raw.trade_baci_flows") == 0
    assert _partitions(fresh.url) == []
    assert len(_work_tables(fresh.url)) == 3  # committed by the chunks, visible to nobody's queries
    assert query(fresh.url, "select status from ingest.batches") == [("loading",)]

    monkeypatch.setattr(parallel, "before_attach", None)
    result = ingest_file(path, "trade", database_url=fresh.url)
    assert (result.status, result.rows_loaded) == ("loaded", ROWS)
    assert query(fresh.url, "select status, attempts from ingest.batches") == [("loaded", 2)]
    assert _work_tables(fresh.url) == []
    assert scalar(fresh.url, "select count(*) from raw.trade_baci_flows") == ROWS


def test_a_second_release_of_the_year_merges_by_key(fresh, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="ingest.load")
    fresh(write_text(tmp_path / NAME, CLEAN), "trade")
    caplog.clear()
    # Every row's release changes; one new key; a quoted field: the careful path.
    changed = CLEAN.replace("\n2022,4,", '\n"2022",4,', 1) + "2022,900,1,010121,1.5,1\n"
    merged = fresh(write_text(tmp_path / "BACI_HS17_Y2022_V202501.csv", changed), "trade")
    assert _path_taken(caplog) == "merge"  # keys already in the slice: staged and merged by key
    assert (merged.rows_inserted, merged.rows_updated, merged.rows_loaded) == (1, ROWS, ROWS + 1)
    assert scalar(fresh.url, "select count(*) from raw.trade_baci_flows") == ROWS + 1
    assert scalar(fresh.url, "select count(distinct baci_release) from raw.trade_baci_flows") == 1
    assert len(_partitions(fresh.url)) == 3  # the slice keeps its chunk partitions


def test_the_careful_path_makes_a_partition_for_every_slice_it_routes_rows_to(fresh, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="ingest.load")
    text = '"2022",4,1,010121,1.5,1\n2023,4,1,010121,2.5,NA\n2024,4,1,010121,3.5,NA\n'
    result = fresh(write_text(tmp_path / NAME, "t,i,j,k,v,q\n" + text), "trade")
    assert _path_taken(caplog) == "merge"  # the direct COPY met a row of a slice with no partition
    assert (result.rows_loaded, result.rows_inserted) == (3, 3)
    assert [name for name, _ in _partitions(fresh.url)] == [
        "trade_baci_flows_hs17_2022", "trade_baci_flows_hs17_2023", "trade_baci_flows_hs17_2024"]


def test_the_careful_paths_leave_no_brin_range_unsummarised(fresh, tmp_path, caplog):
    """A COPY or INSERT into a table leaves the BRIN page ranges it fills past the first
    without a summary (PostgreSQL summarises them at the next VACUUM): the `_loaded_at`
    index, how dbt's fct_trade_flows finds the new rows, then reads all of them. The
    direct and merge paths summarise what they wrote (ingest.load.summarize_brin)."""
    caplog.set_level(logging.INFO, logger="ingest.load")
    # 26,000 rows: ~200 pages, past the first range of 128 pages.
    body = "".join(f"2022,{e},{j},{k:06d},1.5,2\n" for e in range(4, 30) for j in range(1, 51)
                   for k in range(10101, 10121))
    quoted = body.replace("2022,4,1,", '"2022",4,1,', 1)  # a quoted field: the careful path
    fresh(write_text(tmp_path / NAME, "t,i,j,k,v,q\n" + quoted), "trade")
    assert _path_taken(caplog) == "direct"
    assert scalar(fresh.url, "select pg_relation_size('raw.trade_baci_flows_hs17_2022') / 8192") > 128
    assert _unsummarised_ranges(fresh.url) == 0
    caplog.clear()
    # A second release with other values: every row updated by the merge, new row versions.
    fresh(write_text(tmp_path / "BACI_HS17_Y2022_V202501.csv", "t,i,j,k,v,q\n" + quoted.replace(",1.5,", ",2.5,")),
          "trade")
    assert _path_taken(caplog) == "merge"
    assert _unsummarised_ranges(fresh.url) == 0


def test_summarize_brin_covers_plain_tables_and_skips_a_table_it_does_not_own(ingest_url, caplog):
    from ingest.load import summarize_brin

    role = f"cw_not_owner_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ingest_url) as conn:
        conn.execute("create temporary table brin_probe (stamp integer)")
        conn.execute("create index on brin_probe using brin (stamp)")
        conn.execute("insert into brin_probe select generate_series(1, 50000)")
        assert summarize_brin(conn, "brin_probe") > 0  # the ranges the insert filled
        assert summarize_brin(conn, "brin_probe") == 0
        assert summarize_brin(conn, "ingest.batches") == 0  # no BRIN index: nothing to do
        conn.execute(f"create role {role}")  # in this transaction: the rollback removes it
        try:
            conn.execute("create table public.brin_not_mine (stamp integer)")
            conn.execute("create index on public.brin_not_mine using brin (stamp)")
            conn.execute("insert into public.brin_not_mine select generate_series(1, 50000)")
            conn.execute(f"grant usage on schema public to {role}")
            conn.execute(f"set role {role}")
            # Not the owner: a warning, and the caller's transaction goes on.
            assert summarize_brin(conn, "public.brin_not_mine") == 0
            assert conn.execute("select 1").fetchone() == (1,)
            conn.execute("reset role")
        finally:
            conn.rollback()
    assert any("not summarised" in r.getMessage() for r in caplog.records)


_BATCH_COLUMNS = ("baci_release", "_batch_id", "_loaded_at")


def _stored_once(url: str) -> set[tuple[str, str]]:
    """(partition, column) of the per-batch columns whose value is the catalog's
    "fast default" (pg_attribute.attmissingval) rather than a value in each row."""
    return set(query(url, """select c.relname::text, a.attname::text from pg_inherits i
                             join pg_class c on c.oid = i.inhrelid join pg_attribute a on a.attrelid = c.oid
                             where i.inhparent = 'raw.trade_baci_flows'::regclass and a.atthasmissing"""))


def _defaults(url: str, table: str) -> dict:
    return dict(query(url, """select a.attname::text, pg_get_expr(d.adbin, d.adrelid) from pg_attribute a
                              left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
                              where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped""",
                      (table,)))


def _staging_view(url: str) -> None:
    """dbt's stg_trade__baci_flows, from its model file (source and surrogate key resolved)."""
    from pathlib import Path

    model = (Path(__file__).parents[2] / "dbt_project/models/staging/trade/stg_trade__baci_flows.sql").read_text()
    model = model.replace("{{ source('trade', 'trade_baci_flows') }}", "raw.trade_baci_flows")
    model = re.sub(r"\{\{ not_quarantined\('(\w+)', '([\w.]+)'\) \}\}",  # macros/quarantine.sql
                   lambda m: ("not exists (select 1 from monitoring.batch_quality as q where q.dataset = "
                              f"'{m.group(1)}' and q.batch_id = {m.group(2)} and q.status = 'quarantined')"), model)
    model = re.sub(r"\{\{ surrogate_key\(\[(.*?)\]\) \}\}",
                   lambda m: f"md5(concat_ws('|', {m.group(1).replace(chr(39), '')}))", model, flags=re.S)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("create schema if not exists staging")
        conn.execute(f"create or replace view staging.stg_trade__baci_flows as {model}")


def test_the_batch_constants_are_stored_once_and_read_as_every_rows_values(fresh, tmp_path, caplog):
    """baci_release, _batch_id and _loaded_at are added to each chunk after its COPY, as
    fast defaults: no chunk stores them per row, yet every reader sees them in every row,
    one `_loaded_at` for the whole batch, taken while the loader held the table's lock."""
    caplog.set_level(logging.INFO, logger="ingest.load")
    (before,) = query(fresh.url, "select clock_timestamp()")[0]
    result = fresh(write_text(tmp_path / NAME, CLEAN), "trade")
    (after,) = query(fresh.url, "select clock_timestamp()")[0]
    assert _path_taken(caplog) == "fast"
    partitions = [name for name, _ in _partitions(fresh.url)]
    assert len(partitions) == 3
    assert _stored_once(fresh.url) == {(p, c) for p in partitions for c in _BATCH_COLUMNS}

    values = query(fresh.url, "select baci_release, _batch_id, _sheet, _loaded_at, count(*) "
                              "from raw.trade_baci_flows group by 1, 2, 3, 4")
    assert len(values) == 1
    release, batch, sheet, loaded_at, count = values[0]
    assert (release, batch, sheet, count) == ("V202401", result.batch_id, None, ROWS)
    assert before < loaded_at < after
    # Each partition keeps the parent's defaults (none for the batch's constants), like
    # a partition made by the careful path.
    parent = _defaults(fresh.url, "raw.trade_baci_flows")
    assert parent["_loaded_at"] == "now()"
    for name in partitions:
        assert _defaults(fresh.url, f"raw.{name}") == parent
    # The BRIN indexes were built over the stored values: found through them alone.
    with psycopg.connect(fresh.url) as conn:
        conn.execute("set enable_seqscan = off")
        for column, value in (("_batch_id", batch), ("_loaded_at", loaded_at)):
            plan = "\n".join(r[0] for r in conn.execute(
                f"explain select count(*) from raw.trade_baci_flows where {column} = %s", (value,)))
            assert "Bitmap Index Scan" in plan, plan
            assert conn.execute(f"select count(*) from raw.trade_baci_flows where {column} = %s",
                                (value,)).fetchone()[0] == ROWS
    # dbt's staging view reads them like any other column.
    _staging_view(fresh.url)
    assert query(fresh.url, "select baci_release, batch_id, loaded_at, count(*), count(distinct baci_flow_id) "
                            "from staging.stg_trade__baci_flows group by 1, 2, 3") == \
        [("V202401", result.batch_id, loaded_at, ROWS, ROWS)]


def test_chunk_partitions_take_updates_merges_and_later_migrations(fresh_warehouse_url, tmp_path, monkeypatch, caplog):
    """A chunk partition's per-batch values survive a later UPDATE through the parent, a
    merge by key, and migrations of the raw table (a column added, a type changed: a
    rewrite); a later fast load builds its chunks from the altered table."""
    from ingest.pipeline import ingest_file

    url = fresh_warehouse_url
    monkeypatch.setenv(parallel.WORKERS_ENV, "3")
    caplog.set_level(logging.INFO, logger="ingest.load")
    first = ingest_file(write_text(tmp_path / NAME, CLEAN), "trade", database_url=url)
    assert _path_taken(caplog) == "fast"
    loaded = _rows(url)

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("update raw.trade_baci_flows set quantity_tonnes = 77777 where importer_code = 3")
    updated = query(url, "select baci_release, _batch_id, count(*) from raw.trade_baci_flows "
                         "where quantity_tonnes = 77777 group by 1, 2")
    assert updated == [("V202401", first.batch_id, len(EXPORTERS))]
    with psycopg.connect(url, autocommit=True) as conn:  # the later migrations
        conn.execute("alter table raw.trade_baci_flows add column source_note text not null default 'baci'")
        conn.execute("alter table raw.trade_baci_flows alter column baci_release type varchar(16)")
    assert [r[:6] + r[7:] for r in _rows(url)] == [r[:6] + r[7:] for r in loaded]
    assert query(url, "select baci_release, _batch_id, source_note, count(*) from raw.trade_baci_flows "
                      "group by 1, 2, 3") == [("V202401", first.batch_id, "baci", ROWS)]

    # A new year after the migrations: its chunks have the new column and type.
    caplog.clear()
    year = ingest_file(write_text(tmp_path / "BACI_HS17_Y2023_V202401.csv", CLEAN.replace("\n2022,", "\n2023,")),
                       "trade", database_url=url)
    assert _path_taken(caplog) == "fast" and year.rows_loaded == ROWS
    assert query(url, "select baci_release, _batch_id, source_note, count(*) from raw.trade_baci_flows "
                      "where year = 2023 group by 1, 2, 3") == [("V202401", year.batch_id, "baci", ROWS)]

    # A new release of 2022 merged by key (the careful path: a quoted field), one new key.
    caplog.clear()
    changed = CLEAN.replace("\n2022,4,", '\n"2022",4,', 1).replace(".5,", ".25,") + "2022,900,1,010121,1.5,1\n"
    merged = ingest_file(write_text(tmp_path / "BACI_HS17_Y2022_V202501.csv", changed), "trade", database_url=url)
    assert _path_taken(caplog) == "merge"
    assert (merged.rows_inserted, merged.rows_updated) == (1, ROWS)
    rows = query(url, "select baci_release, _batch_id, source_note, count(*), count(distinct _loaded_at) "
                      "from raw.trade_baci_flows where year = 2022 group by 1, 2, 3")
    assert rows == [("V202501", merged.batch_id, "baci", ROWS + 1, 1)]
    assert scalar(url, "select min(_loaded_at) from raw.trade_baci_flows where year = 2022") > \
        scalar(url, "select max(_loaded_at) from raw.trade_baci_flows where year = 2023")


def test_migration_007_keeps_the_rows_and_views_of_an_unpartitioned_table(pg_server_url):
    url = warehouse.with_database(pg_server_url, f"cw_mig_{uuid.uuid4().hex[:8]}")
    warehouse.ensure_database(url)
    try:
        with db.connect(url) as conn:
            for name, text in db.migration_files():
                if name < "007":
                    conn.execute(text)
            conn.execute("""insert into raw.trade_baci_flows (hs_revision, year, exporter_code, importer_code,
                                product_code, value_kusd, quantity_tonnes, baci_release, _batch_id, _line_number)
                            select 'HS17', 2020 + i % 3, i % 50, i / 50, '010121', i, null, 'V202401', 'b', i + 1
                            from generate_series(1, 3000) as i""")
            conn.execute("create schema if not exists staging")
            conn.execute("create view staging.baci_years as select year, count(*) as n from raw.trade_baci_flows "
                         "group by year")
            conn.execute("create view staging.baci_total as select sum(n) as n from staging.baci_years")
        before = query(url, "select * from raw.trade_baci_flows order by year, exporter_code, importer_code")
        db.bootstrap(url)
        db.bootstrap(url)  # idempotent
        assert scalar(url, "select relkind from pg_class where oid = 'raw.trade_baci_flows'::regclass") == "p"
        assert query(url, "select * from raw.trade_baci_flows order by year, exporter_code, importer_code") == before
        assert [name for name, _ in _partitions(url)] == [
            "trade_baci_flows_hs17_2020", "trade_baci_flows_hs17_2021", "trade_baci_flows_hs17_2022"]
        assert scalar(url, "select n from staging.baci_total") == 3000
        assert scalar(url, "select to_regclass('raw.trade_baci_flows_unpartitioned')") is None
    finally:
        warehouse.drop_database(url)
