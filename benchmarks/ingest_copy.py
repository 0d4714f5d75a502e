"""Trade loader vs bare COPY: a generated BACI file of 1,000,000 rows (by default).

    python -m benchmarks ingest_copy [--rows=1000000] [--repeat=3]

Measured in the same run, in alternating rounds (this machine is shared and noisy: each
ratio compares a loader run with the bare COPY of the same round; the medians over the
rounds are reported):

- loader: `ingest.pipeline.ingest_file` (ledger, sniff, check every row, load into
  `raw.trade_baci_flows` with its natural-key primary key and `_batch_id` index,
  quarantine, findings), into an empty raw table, in a child process whose peak RSS is
  the `peak_rss_mb` reported; `loader_path` says which path it took (`fast`: parallel
  chunks attached as partitions, ingest/parallel.py); `workers` how many chunks (K,
  CLUSTERWATCH_INGEST_WORKERS or the CPU count, at most 4);
- baseline: `COPY ... FROM STDIN (FORMAT csv, HEADER)` of the same bytes into an empty
  table with the file's column types and no index (`baseline_rows_per_s`, `ratio`);
- for context, `index_floor_rows_per_s`: the same bare COPY into a table that also has
  the raw table's `_batch_id` column, then building a primary key and a `_batch_id`
  index by one sort each, on ONE connection. `ratio_ceiling` (= baseline time / floor
  time) bounds what a single-connection loader can reach. It no longer bounds `ratio`:
  the loader splits the work over K connections (K cores), and builds a BRIN index on
  `_batch_id` instead of a btree (the floor keeps the btree it had, so the figure stays
  comparable with earlier runs). `parallel_floor_rows_per_s` / `parallel_ratio_ceiling`:
  the same floor with the file cut in K parts loaded by K connections at once into K
  tables, each with its primary key and a BRIN index: what the parallel design could
  reach with no defaults, no checks and no attach;
- `keyed_baseline_rows_per_s`: the bare COPY into a table that has the primary key while
  it loads (what a load into a raw table that already holds rows pays for its key).

Also reported, to explain the numbers: `python_only_rows_per_s` (the careful path's
reading, typing and checking of every row, no database), `nonempty_rows_per_s` (a
second year into the now non-empty raw table: new keys, the careful direct path) and
`merge_rows_per_s` (the same keys with changed values: the staged merge, every row
updated) and `batch_lookup_s` (counting the second year's batch through the BRIN
`_batch_id` index, two batches in the table).

Last line: {bench, rows, rows_per_s, baseline_rows_per_s, ratio, peak_rss_mb, ...,
load_average_1m (at the start and at the end: the machine is shared)}.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

# The file's columns with the raw table's types (codes compare byte-wise, as in raw).
BASELINE_TABLE = """create table {name} (year integer, exporter_code integer, importer_code integer,
    product_code text collate "C", value_kusd numeric, quantity_tonnes numeric{key})"""


def generate(path: Path, rows: int, seed: int = 2022, scale: float = 1.0, year: int = 2022) -> int:
    """A BACI-like file (t,i,j,k,v,q), sorted like BACI's own, unique keys, ~34 bytes a row;
    about one quantity in ten is 'NA'."""
    rng = random.Random(seed)
    exporters = sorted(rng.sample(range(4, 900), 240))
    written = 0
    with open(path, "w", encoding="ascii", newline="") as handle:
        handle.write("t,i,j,k,v,q\n")
        while written < rows:
            for exporter in exporters:
                for importer in exporters:
                    if importer == exporter:
                        continue
                    for product in sorted(rng.sample(range(10101, 970600), 18)):
                        quantity = "NA" if rng.random() < 0.1 else f"{rng.random() * 500:.3f}"
                        value = rng.random() * 1e4 * scale
                        handle.write(f"{year},{exporter},{importer},{product:06d},{value:.3f},{quantity}\n")
                        written += 1
                        if written >= rows:
                            return written
            exporters = [e + 1000 for e in exporters]  # another pass never repeats a key
    return written


def bare_copy(url: str, path: Path, keyed: bool = False, index_floor: bool = False) -> float:
    """Seconds to COPY the file into a fresh table (and, for the floor, to index it)."""
    import psycopg

    name = f"bench_copy_{uuid.uuid4().hex[:8]}"
    key = ", primary key (year, exporter_code, importer_code, product_code)" if keyed else ""
    if index_floor:
        key = ", _batch_id text collate \"C\" not null default 'trade-0123456789abcdef'"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(BASELINE_TABLE.format(name=name, key=key))
        try:
            started = time.perf_counter()
            # One transaction, like the loader's (index builds after a committed COPY
            # also set every row's hint bits: slower, and not what the loader does).
            with conn.transaction():
                with conn.cursor() as cur, cur.copy(
                        f"copy {name} (year, exporter_code, importer_code, product_code, value_kusd, "
                        "quantity_tonnes) from stdin (format csv, header true, null 'NA')") as copy, \
                        open(path, "rb") as handle:
                    while chunk := handle.read(1 << 20):
                        copy.write(chunk)
                if index_floor:  # the same memory as the loader gives its index builds
                    conn.execute("set local maintenance_work_mem = '256MB'")
                    conn.execute(f"alter table {name} add primary key (year, exporter_code, importer_code, "
                                 "product_code)")
                    conn.execute(f"create index on {name} (_batch_id)")
            return time.perf_counter() - started
        finally:
            conn.execute(f"drop table {name}")


def parallel_floor(url: str, path: Path, workers: int) -> float:
    """Seconds for K connections, each COPYing one part of the file (cut at exporter
    boundaries, as the loader cuts it) into a table of its own and building a primary
    key and a BRIN index on `_batch_id` there, in one transaction each."""
    from concurrent.futures import ThreadPoolExecutor

    import psycopg

    from ingest import parallel

    with open(path, "rb") as handle:
        data_start = len(handle.readline())
    chunks = parallel.split(path, data_start, 1, workers, 1)
    names = [f"bench_floor_{uuid.uuid4().hex[:8]}" for _ in chunks]

    def one(name: str, chunk) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(BASELINE_TABLE.format(
                name=name, key=", _batch_id text collate \"C\" not null default 'trade-0123456789abcdef'"))
            with conn.transaction():
                with conn.cursor() as cur, cur.copy(
                        f"copy {name} (year, exporter_code, importer_code, product_code, value_kusd, "
                        "quantity_tonnes) from stdin (format csv, null 'NA')") as copy, open(path, "rb") as handle:
                    handle.seek(chunk.start)
                    remaining = chunk.end - chunk.start
                    while remaining > 0 and (block := handle.read(min(1 << 20, remaining))):
                        copy.write(block)
                        remaining -= len(block)
                conn.execute("set local maintenance_work_mem = '256MB'")
                conn.execute(f"alter table {name} add primary key (year, exporter_code, importer_code, product_code)")
                conn.execute(f"create index on {name} using brin (_batch_id)")

    try:
        started = time.perf_counter()
        with ThreadPoolExecutor(len(chunks)) as pool:
            list(pool.map(one, names, chunks))
        return time.perf_counter() - started
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            for name in names:
                conn.execute(f"drop table if exists {name}")


def batch_lookup(url: str, batch_id: str) -> float:
    """Seconds to count one batch's rows through the `_batch_id` index (BRIN), with two
    batches of `--rows` rows each in the raw table (what validation reads)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("vacuum analyze raw.trade_baci_flows")
        started = time.perf_counter()
        (count,) = conn.execute("select count(*) from raw.trade_baci_flows where _batch_id = %s",
                                (batch_id,)).fetchone()
        seconds = time.perf_counter() - started
        plan = "\n".join(r[0] for r in conn.execute(
            "explain select count(*) from raw.trade_baci_flows where _batch_id = %s", (batch_id,)))
    assert count > 0 and "Bitmap Index Scan" in plan, plan
    return seconds


def python_only(path: Path) -> float:
    """Read, type and check every row with no database: what the loader cannot beat."""
    from ingest.formats import open_file
    from ingest.load import _Stream

    stream = _Stream(open_file(path, "trade", "baci"), path.name, None)
    started = time.perf_counter()
    count = sum(1 for _ in stream.rows(tail=("batch",)))
    seconds = time.perf_counter() - started
    stream.close()
    assert count == stream.typed
    return seconds


def run_loader(url: str, path: Path) -> dict:
    """The loader in a child process: its wall time, phases and peak RSS."""
    done = subprocess.run([sys.executable, "-m", "benchmarks.ingest_copy", "--child", str(path), url],
                          capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"loader failed: {done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def child(path: str, url: str) -> None:
    import logging

    from ingest.pipeline import ingest_file

    timings: dict = {}
    paths: list = []

    class Capture(logging.Handler):
        def emit(self, record):  # "batch %s (%s): %s; seconds per phase %s"
            if record.args and isinstance(record.args, tuple) and isinstance(record.args[-1], dict):
                timings.update(record.args[-1])
                paths.append(record.args[1])

    logging.getLogger("ingest.load").addHandler(Capture())
    logging.getLogger("ingest.load").setLevel(logging.INFO)
    started = time.perf_counter()
    result = ingest_file(Path(path), "trade", database_url=url, format="baci")
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"seconds": seconds, "peak_rss_mb": round(peak, 1), "phases": timings,
                      "path": paths[-1] if paths else None,
                      "status": result.status, "rows_loaded": result.rows_loaded, "batch_id": result.batch_id,
                      "rows_rejected": result.rows_rejected}))


def reset(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("truncate raw.trade_baci_flows, quarantine.trade_rows, ingest.findings, "
                     "ingest.batches cascade")
        conn.execute("vacuum analyze raw.trade_baci_flows")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks ingest_copy")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv or [])

    from clusterwatch import db, warehouse

    load_before = os.getloadavg()[0]
    server = warehouse.server_url()
    url = warehouse.with_database(server, f"cw_bench_{uuid.uuid4().hex[:8]}")
    warehouse.ensure_database(url)
    try:
        db.bootstrap(url)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "BACI_HS17_Y2022_V202401.csv"
            rows = generate(path, args.rows)
            size_mb = path.stat().st_size / 1e6
            print(f"generated {rows:,} rows ({size_mb:.1f} MB); {args.repeat} rounds", flush=True)
            from ingest.parallel import default_workers

            workers = default_workers()
            bare, floor, pfloor, keyed, loads = [], [], [], [], []
            for round_number in range(1, args.repeat + 1):
                bare.append(bare_copy(url, path))
                reset(url)
                loads.append(run_loader(url, path))
                assert loads[-1]["status"] == "loaded" and loads[-1]["rows_loaded"] == rows, loads[-1]
                floor.append(bare_copy(url, path, index_floor=True))
                pfloor.append(parallel_floor(url, path, workers))
                keyed.append(bare_copy(url, path, keyed=True))
                print(f"round {round_number}: bare COPY {bare[-1]:.2f}s, loader {loads[-1]['seconds']:.2f}s "
                      f"({loads[-1]['path']} path, phases {loads[-1]['phases']}, ratio "
                      f"{bare[-1] / loads[-1]['seconds']:.3f}), COPY + index builds {floor[-1]:.2f}s, keyed COPY "
                      f"{keyed[-1]:.2f}s, parallel floor ({workers}) {pfloor[-1]:.2f}s, peak RSS {loads[-1]['peak_rss_mb']} MB", flush=True)
            parse_only = statistics.median(python_only(path) for _ in range(2))
            # A second year into the raw table that now holds the first: new keys, indexes kept.
            next_year = Path(folder) / "BACI_HS17_Y2023_V202401.csv"
            generate(next_year, args.rows, year=2023)
            nonempty = run_loader(url, next_year)
            assert nonempty["rows_loaded"] == rows, nonempty
            lookup = batch_lookup(url, nonempty["batch_id"])
            # The slow path: the first year's keys again with other values, every row an update.
            changed = Path(folder) / "BACI_HS17_Y2022_V202501.csv"
            generate(changed, args.rows, scale=1.01)
            merge = run_loader(url, changed)
            assert merge["rows_loaded"] == rows, merge
            print(f"python only {parse_only:.2f}s; second year into the non-empty table {nonempty['seconds']:.2f}s "
                  f"({nonempty['path']} path, phases {nonempty['phases']}); merge of {rows:,} changed rows "
                  f"{merge['seconds']:.2f}s ({merge['path']} path, phases {merge['phases']}, peak RSS "
                  f"{merge['peak_rss_mb']} MB)", flush=True)
    finally:
        warehouse.drop_database(url)

    median = statistics.median
    loader_seconds = median(r["seconds"] for r in loads)
    return {
        "bench": "ingest_copy",
        "rows": rows,
        "rows_per_s": round(rows / loader_seconds),
        "baseline_rows_per_s": round(rows / median(bare)),
        "ratio": round(median(b / r["seconds"] for b, r in zip(bare, loads)), 3),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in loads),
        "ratios": [round(b / r["seconds"], 3) for b, r in zip(bare, loads)],
        "loader_path": loads[-1]["path"],
        "index_floor_rows_per_s": round(rows / median(floor)),
        "ratio_ceiling": round(median(b / f for b, f in zip(bare, floor)), 3),
        "workers": workers,
        "parallel_floor_rows_per_s": round(rows / median(pfloor)),
        "parallel_ratio_ceiling": round(median(b / f for b, f in zip(bare, pfloor)), 3),
        "keyed_baseline_rows_per_s": round(rows / median(keyed)),
        "ratio_vs_keyed": round(median(k / r["seconds"] for k, r in zip(keyed, loads)), 3),
        "loader_phases_s": sorted(loads, key=lambda r: r["seconds"])[len(loads) // 2]["phases"],
        "python_only_rows_per_s": round(rows / parse_only),
        "nonempty_rows_per_s": round(rows / nonempty["seconds"]),
        "merge_rows_per_s": round(rows / merge["seconds"]),
        "batch_lookup_s": round(lookup, 3),
        "merge_peak_rss_mb": merge["peak_rss_mb"],
        "file_mb": round(size_mb, 1),
        "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],  # at start, at end
        "repeat": args.repeat,
    }


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        print(json.dumps(main(sys.argv[1:])))
