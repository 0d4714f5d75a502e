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
