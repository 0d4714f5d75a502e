"""A database restart in the middle of a load leaves no partial batch, and the next run
completes it under the same batch id. On a PostgreSQL of this test's own (the session's
shared server is never stopped)."""

from __future__ import annotations

import psycopg
import pytest

from clusterwatch import db, warehouse
from clusterwatch.warehouse import EmbeddedPostgres
from ingest.pipeline import ingest_file

from ingest_files import query, write_text

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROWS = 30_000


@pytest.fixture
def own_server(tmp_path):
    server = EmbeddedPostgres(tmp_path / "home" / "pgdata")
    server.start()
    url = warehouse.with_database(server.server_url(), "cw_restart")
    warehouse.ensure_database(url)
    db.bootstrap(url)
    yield server, url
    server.stop()


def test_restart_mid_load_leaves_nothing_and_the_next_run_completes(own_server, tmp_path):
    server, url = own_server
    body = "".join(f"2022,12,{n % 900 + 1},{(n * 7) % 900000 + 10101:06d},{n}.25,{n % 13}\n" for n in range(ROWS))
    path = write_text(tmp_path / "BACI_HS17_Y2022_V202401.csv", "t,i,j,k,v,q\n" + body + "2022,12,1,12,x,1\n")
    stopped = []

    def restart_now(staged: int) -> None:
        if not stopped:  # after the first 10,000 rows went into the stage
            server.stop()
            stopped.append(staged)

    with pytest.raises(psycopg.OperationalError):
        ingest_file(path, "trade", database_url=url, progress=restart_now)
    assert stopped == [10_000] and not server.is_running()

    server.start()
    (batch,) = query(url, "select batch_id, status, attempts, rows_in from ingest.batches")
    assert batch[1:] == ("loading", 1, None)
    counts = query(url, """select (select count(*) from raw.trade_baci_flows),
                                  (select count(*) from quarantine.trade_rows),
                                  (select count(*) from ingest.findings)""")
    assert counts == [(0, 0, 0)]

    result = ingest_file(path, "trade", database_url=url)
    assert result.batch_id == batch[0] and result.status == "loaded"
    assert (result.rows_in, result.rows_loaded, result.rows_rejected) == (ROWS + 1, ROWS, 1)
    assert query(url, "select status, attempts, rows_loaded from ingest.batches") == [("loaded", 2, ROWS)]
    assert query(url, "select count(*), count(distinct _batch_id) from raw.trade_baci_flows") == [(ROWS, 1)]


TABLE_SHAPE = """select 'index', pg_get_indexdef(indexrelid) from pg_index
                 where indrelid = 'raw.trade_baci_flows'::regclass
                 union all
                 select a.attname, pg_get_expr(d.adbin, d.adrelid) from pg_attrdef d
                 join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
                 where d.adrelid = 'raw.trade_baci_flows'::regclass order by 1, 2"""


def test_restart_during_the_fast_path_leaves_the_table_as_it_was(own_server, tmp_path):
    """The fast path loads a new slice by parallel chunks (ingest/parallel.py), each in a
    table of its own: a restart in the middle of their COPY rolls them all back (no chunk
    table, no partition, the raw table's indexes and defaults as they were)."""
    server, url = own_server
    shape = query(url, TABLE_SHAPE)
    rows = 60_000  # ~2 MB: the fast path reports progress after its first 1 MB block
    body = "".join(f"2022,12,{n % 900 + 1},{(n * 7) % 900000 + 10101:06d},{n}.25,{n % 13}\n" for n in range(rows))
    path = write_text(tmp_path / "BACI_HS17_Y2022_V202401.csv", "t,i,j,k,v,q\n" + body)
    stopped = []

    def restart_now(lines: int) -> None:
        if not stopped:
            server.stop()
            stopped.append(lines)

    with pytest.raises(psycopg.OperationalError):
        ingest_file(path, "trade", database_url=url, progress=restart_now)
    assert stopped and 10_000 < stopped[0] < rows  # per 1 MB block: the fast path (the careful one says 10,000)

    server.start()
    assert query(url, TABLE_SHAPE) == shape
    assert query(url, "select status, attempts from ingest.batches") == [("loading", 1)]
    assert query(url, "select count(*) from raw.trade_baci_flows") == [(0,)]
    assert query(url, "select count(*) from pg_class where relnamespace = 'ingest_work'::regnamespace") == [(0,)]
    assert query(url, "select count(*) from pg_inherits where inhparent = 'raw.trade_baci_flows'::regclass") == [(0,)]

    result = ingest_file(path, "trade", database_url=url)
    assert (result.status, result.rows_in, result.rows_loaded) == ("loaded", rows, rows)
    assert query(url, TABLE_SHAPE) == shape
    assert query(url, "select count(*), min(_line_number), max(_line_number), count(distinct _batch_id) "
                      "from raw.trade_baci_flows") == [(rows, 2, rows + 1, 1)]
