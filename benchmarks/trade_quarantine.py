"""What a quality decision costs the incremental fct_trade_flows, on generated BACI rows.

    python -m benchmarks trade_quarantine [--trade-rows=1000000]

One fresh warehouse database (CLUSTERWATCH_DATABASE_URL's server, else the embedded
one). `--trade-rows` rows of raw.trade_baci_flows in batches of 100,000
(benchmarks.dbt_incremental's generator), loaded two months ago, validated 29 days ago. After a
full refresh of `+fct_trade_flows`, incremental runs of the same selection, each timed
(fct_trade_flows' own seconds from run_results.json, and the wall clock):
1. `idle`: nothing new, nothing decided (the cost of looking for decisions);
2. `new_batch`: 1 % new rows in a new batch, validated (the everyday case: read once,
   by the load-time branch);
3. `quarantine`: an old batch (100,000 flows) quarantined: its flows are deleted;
4. `idle_after_quarantine`: nothing new (the quarantined batch is probed again);
5. `release`: the batch released: its rows are read again by batch id;
then checksums of the fact against a full refresh (`identical`).
Last line: {bench, trade_rows, <step>_s, <step>_model_s, <step>_rows, identical}.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

from benchmarks.dbt_incremental import TRADE_HISTORY as HISTORY  # trade rows by batch, in load order

SELECTOR = "+fct_trade_flows"


def decide(conn, batch_id: str, status: str, decided_at: str = "now()") -> None:
    conn.execute(f"""
        insert into monitoring.batch_quality (dataset, batch_id, status, dq_run_id, rows_checked,
            error_failures, warning_failures, decided_at)
        values ('trade_baci_flows', %s, %s, 'bench', 0, 0, 0, {decided_at})
        on conflict (dataset, batch_id) do update set status = excluded.status,
            decided_at = excluded.decided_at""", (batch_id, status))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks trade_quarantine")
    parser.add_argument("--trade-rows", type=int, default=1_000_000)
    args = parser.parse_args(argv or [])

    import psycopg

    from benchmarks.dbt_incremental import checksums, generate_countries, generate_trade, model_timings
    from clusterwatch import db, transform, warehouse

    url = warehouse.with_database(warehouse.server_url(), f"cw_bench_{uuid.uuid4().hex[:8]}")
    warehouse.ensure_database(url)
    result: dict = {"bench": "trade_quarantine", "trade_rows": args.trade_rows}
    try:
        db.bootstrap(url)
        with psycopg.connect(url, autocommit=True) as conn:
            generate_countries(conn)
            generate_trade(conn, 1, args.trade_rows, HISTORY)
            for (batch_id,) in conn.execute("select distinct _batch_id from raw.trade_baci_flows").fetchall():
                decide(conn, batch_id, "validated", "now() - interval '29 days'")
            conn.execute("analyze")

        with tempfile.TemporaryDirectory() as target:
            target = Path(target)
            transform.run_dbt(["seed"], url, target_path=target)
            full = transform.run_dbt(["run", "--full-refresh", "--select", SELECTOR], url, target_path=target)
            result["full_s"] = round(full.duration_seconds, 2)
            result["full_model_s"] = model_timings(full).get("fct_trade_flows")

            def count(conn) -> int:
                return conn.execute("select count(*) from marts.fct_trade_flows").fetchone()[0]

            def step(name: str, change=None) -> None:
                with psycopg.connect(url, autocommit=True) as conn:
                    if change:
                        change(conn)
                        conn.execute("analyze raw.trade_baci_flows")
                    before = count(conn)
                started = time.perf_counter()
                run = transform.run_dbt(["run", "--select", SELECTOR], url, target_path=target)
                result[f"{name}_s"] = round(time.perf_counter() - started, 2)
                result[f"{name}_model_s"] = model_timings(run).get("fct_trade_flows")
                with psycopg.connect(url) as conn:
                    result[f"{name}_rows"] = count(conn) - before
                print(f"{name}: {result[f'{name}_s']} s, fct_trade_flows {result[f'{name}_model_s']} s, "
                      f"rows {result[f'{name}_rows']:+,}", flush=True)

            new = max(1, args.trade_rows // 100)

            def new_batch(conn):
                generate_trade(conn, args.trade_rows + 1, new, "now()")
                conn.execute("update raw.trade_baci_flows set _batch_id = 'bench-trade-new' "
                             "where _line_number > %s", (args.trade_rows,))
                # its ledger row, as the loader writes it (load started now)
                conn.execute("""insert into ingest.batches (batch_id, dataset, sha256, size_bytes, file_name,
                                    source_path, received_via, status, started_at)
                                values ('bench-trade-new', 'trade', repeat('0', 64), 0, 'bench.csv',
                                    'bench.csv', 'cli', 'loading', now())""")
                decide(conn, "bench-trade-new", "validated")

            step("idle")
            step("new_batch", new_batch)
            step("quarantine", lambda conn: decide(conn, "bench-trade-1", "quarantined"))
            step("idle_after_quarantine")
            step("release", lambda conn: decide(conn, "bench-trade-1", "released"))
            with psycopg.connect(url) as conn:
                incremental = checksums(conn, ["fct_trade_flows"])
            transform.run_dbt(["run", "--full-refresh", "--select", "fct_trade_flows"], url, target_path=target)
            with psycopg.connect(url) as conn:
                result["identical"] = checksums(conn, ["fct_trade_flows"]) == incremental
    finally:
        warehouse.drop_database(url)
    return result
