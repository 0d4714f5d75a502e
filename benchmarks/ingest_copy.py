"""Trade loader vs bare COPY: a generated BACI file of 1,000,000 rows (by default).

    python -m benchmarks ingest_copy [--rows=1000000] [--repeat=3]

Measured in the same run, alternating (this machine is shared and noisy; the best of
`repeat` runs of each is kept):

- loader: `ingest.pipeline.ingest_file` (sniff, read, type and check every row, COPY into
  a temporary stage, in-file duplicate check, merge into `raw.trade_baci_flows` by its
  natural key, ledger), into an empty raw table, in a child process whose peak RSS is
  the `peak_rss_mb` reported;
- baseline: `COPY ... FROM STDIN (FORMAT csv, HEADER)` of the same bytes into an empty
  table with the same column types and no index (`baseline_rows_per_s`, `ratio`);
- for context, the same COPY into an empty table that also has the raw table's primary
  key (`keyed_baseline_rows_per_s`, `ratio_vs_keyed`): the index the loader must keep
  for merging by natural key costs that much by itself.

Also reported, to explain the numbers: `python_only_rows_per_s` (read, type and check
every row, no database: the loader's ceiling) and `merge_rows_per_s` (a second file with
the same keys and changed values: the staged merge path, every row updated).

Last line: {bench, rows, rows_per_s, baseline_rows_per_s, ratio, peak_rss_mb, ...}.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

# The file's columns with the raw table's types (codes compare byte-wise, as in raw).
BASELINE_TABLE = """create table {name} (year integer, exporter_code integer, importer_code integer,
    product_code text collate "C", value_kusd numeric, quantity_tonnes numeric{key})"""


def generate(path: Path, rows: int, seed: int = 2022, scale: float = 1.0) -> int:
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
                        handle.write(f"2022,{exporter},{importer},{product:06d},{value:.3f},{quantity}\n")
                        written += 1
                        if written >= rows:
                            return written
            exporters = [e + 1000 for e in exporters]  # another pass never repeats a key
    return written


def bare_copy(url: str, path: Path, keyed: bool) -> float:
    import psycopg

    name = f"bench_copy_{uuid.uuid4().hex[:8]}"
    key = ", primary key (year, exporter_code, importer_code, product_code)" if keyed else ""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(BASELINE_TABLE.format(name=name, key=key))
        try:
            started = time.perf_counter()
            with conn.cursor() as cur, cur.copy(
                    f"copy {name} from stdin (format csv, header true, null 'NA')") as copy, \
                    open(path, "rb") as handle:
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
            return time.perf_counter() - started
        finally:
            conn.execute(f"drop table {name}")


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

    class Capture(logging.Handler):
        def emit(self, record):
            if record.args and isinstance(record.args, tuple) and isinstance(record.args[-1], dict):
                timings.update(record.args[-1])

    logging.getLogger("ingest.load").addHandler(Capture())
    logging.getLogger("ingest.load").setLevel(logging.INFO)
    started = time.perf_counter()
    result = ingest_file(Path(path), "trade", database_url=url, format="baci")
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"seconds": seconds, "peak_rss_mb": round(peak, 1), "phases": timings,
                      "status": result.status, "rows_loaded": result.rows_loaded,
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
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv or [])

    from clusterwatch import db, warehouse

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
            bare, keyed, loads = [], [], []
            for round_number in range(1, args.repeat + 1):
                bare.append(bare_copy(url, path, keyed=False))
                reset(url)
                loads.append(run_loader(url, path))
                assert loads[-1]["status"] == "loaded" and loads[-1]["rows_loaded"] == rows, loads[-1]
                keyed.append(bare_copy(url, path, keyed=True))
                print(f"round {round_number}: bare COPY {bare[-1]:.2f}s, keyed COPY {keyed[-1]:.2f}s, "
                      f"loader {loads[-1]['seconds']:.2f}s (phases {loads[-1]['phases']}), "
                      f"peak RSS {loads[-1]['peak_rss_mb']} MB", flush=True)
            parse_only = min(python_only(path) for _ in range(2))
            # The slow path: the same keys again with other values, every row an update.
            changed = Path(folder) / "BACI_HS17_Y2022_V202501.csv"
            generate(changed, args.rows, scale=1.01)
            merge = run_loader(url, changed)
            assert merge["rows_loaded"] == rows, merge
            print(f"python only {parse_only:.2f}s; merge of {rows:,} changed rows {merge['seconds']:.2f}s "
                  f"(phases {merge['phases']}, peak RSS {merge['peak_rss_mb']} MB)", flush=True)
    finally:
        warehouse.drop_database(url)

    best = min(loads, key=lambda r: r["seconds"])
    rows_per_s = rows / best["seconds"]
    baseline = rows / min(bare)
    keyed_baseline = rows / min(keyed)
    return {
        "bench": "ingest_copy",
        "rows": rows,
        "rows_per_s": round(rows_per_s),
        "baseline_rows_per_s": round(baseline),
        "ratio": round(rows_per_s / baseline, 3),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in loads),
        "keyed_baseline_rows_per_s": round(keyed_baseline),
        "ratio_vs_keyed": round(rows_per_s / keyed_baseline, 3),
        "loader_phases_s": best["phases"],
        "python_only_rows_per_s": round(rows / parse_only),
        "merge_rows_per_s": round(rows / merge["seconds"]),
        "merge_peak_rss_mb": merge["peak_rss_mb"],
        "file_mb": round(size_mb, 1),
        "repeat": args.repeat,
    }


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        print(json.dumps(main(sys.argv[1:])))
