"""Incremental dbt run after 1 % new rows vs a full refresh, on generated data.

    python -m benchmarks dbt_incremental [--articles=1000000] [--trade-rows=10000000]
                                         [--new-share=0.01] [--no-verify]

The default scale is a BACI year (about 10,000,000 flows) and a million articles: ~10
minutes with the check. `--articles=100000 --trade-rows=1000000`, the smallest scale the
goal names, takes ~1 minute; there a full refresh lasts ~10 s and dbt's own start (~2-3
s, below) is most of the incremental run (docs/warehouse.md "Benchmark" has both).

One fresh warehouse database (CLUSTERWATCH_DATABASE_URL's server, else the embedded
one). Generated server-side with generate_series (no Python row loop):
- `--trade-rows` rows of raw.trade_baci_flows (and BACI's country codes), the raw table
  the trade facts read;
- `--articles` articles in raw.news_articles, each with its raw.article_analysis row and
  four raw.article_mentions (a cluster, a sector, a wilaya, an organisation).
The history is back-dated (loaded / changed over 30 days, a month ago), as a real
warehouse's is: articles changed hour by hour; trade rows loaded by batches of 100,000
rows, one load time each, in load order (as files arrive), with their BRIN ranges
summarised as the loader leaves them (ingest/load.py summarize_brin).

The models measured are every incremental model and its parents
(`+config.materialized:incremental`, found by dbt in the manifest), so the trade facts
are covered as soon as they are incremental. Measured in the same run:
1. `dbt run --full-refresh` of that selection: the baseline (`full_s`);
2. `--new-share` new rows added to each generated raw table (new articles with their
   analyses and mentions, new trade rows), stamped now;
3. `dbt run` of the same selection, incremental (`incremental_s`);
4. unless --no-verify: checksums of the incremental marts, then a second full refresh
   and the same checksums: `identical` says whether incremental = full refresh.

Wall-clock seconds include dbt's own start and finish, the same in both runs (~3-4 s
here: importing dbt ~1.9 s, loading the partial parse and writing the manifest ~0.8 s,
the relation cache, run_results.json), and the views of the selection: re-created by
the full refresh, kept by the incremental run when unchanged (docs/warehouse.md "Views
are kept when unchanged"). `*_model_s` sum the models' execution times from run_results.json (both
threads), `dbt_overhead_s` is incremental_s minus incremental_model_s, and
`*_model_timings` give the seconds per model (slowest first): where an incremental run
spends its time. That constant sets a floor on the ratio: the incremental run is O(new
rows), so the ratio falls as the history grows (docs/warehouse.md has both scales).
Last line: {bench, full_s, incremental_s, ratio, ...}; the goal is ratio <= 0.15.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from pathlib import Path

from ingest.load import summarize_brin

SELECTOR = "+config.materialized:incremental"
# History: stamps spread hour by hour over the 30 days before the last 30, as in a
# warehouse fed by scrapes every few hours (not all at one instant, which would put all
# of it inside the incremental lookback).
HISTORY = "now() - interval '30 days' - (i % 720) * interval '1 hour'"
# Trade rows arrive by file: one load time per batch of 100,000 rows (the loader's one
# `_loaded_at` per batch), the batches in the order they were loaded, 6 hours apart,
# all older than the last 30 days (100 batches at 10,000,000 rows: 25 days).
TRADE_HISTORY = "now() - interval '60 days' + (i / 100000) * interval '6 hours'"


def generate_articles(conn, first: int, count: int, changed_at: str) -> None:
    """Articles `first`..`first+count-1`: raw row, analysis, four mentions each."""
    last = first + count - 1
    conn.execute(f"""
        insert into raw.news_articles (article_id, source_id, canonical_url, url, kind, language,
            title, body_text, published_at, published_at_source, content_hash, extractor,
            _batch_id, _first_seen_at, _scraped_at, _changed_at)
        select md5('bench-' || i), source_id, 'https://bench.example/' || i,
            'https://bench.example/' || i, kind, case when i % 3 = 0 then 'ar' else 'fr' end,
            'Titre ' || i, repeat(substr(md5(i::text), 1, 9) || ' ', 30),
            timestamptz '2015-01-01' + (i % 4000) * interval '1 day' + (i % 24) * interval '1 hour',
            'json-ld', md5('content-' || i), 'selectors', 'bench-' || (i / 10000),
            {changed_at}, {changed_at}, {changed_at}
        from generate_series({first}, {last}) as i
        cross join lateral (
            select (array['aps_fr', 'aps_ar', 'elwatan', 'elkhabar', 'tsa', 'joradp'])[1 + i % 6]
                as source_id,
                case when i % 6 = 5 then 'official' else 'news' end as kind
        ) as picked""")
    conn.execute(f"""
        insert into raw.article_analysis (article_id, content_hash, language_detected,
            is_mixed_language, arabic_share, is_cluster_related, relevance_score, matched_terms,
            content_fingerprint, story_id, analysed_at, analyser_version, _changed_at)
        select md5('bench-' || i), md5('content-' || i),
            case when i % 3 = 0 then 'ar' else 'fr' end, false, 0.5, i % 2 = 0, 1.5, '[]',
            md5('content-' || i), 'st_' || (i / 3), {changed_at}, 'bench', {changed_at}
        from generate_series({first}, {last}) as i""")
    conn.execute(f"""
        insert into raw.article_mentions (article_id, entity_type, entity_id, entity_name,
            surface, mention_count)
        select md5('bench-' || i), entity.entity_type, entity.entity_id, entity.entity_id,
            entity.entity_id, 1 + i % 3
        from generate_series({first}, {last}) as i
        cross join lateral (values
            ('clusters', (array['cluster_boissons_algerie', 'cluster_mecanique_precision',
                                'cluster_dattes_biskra', 'cluster_plasturgie'])[1 + i % 4]),
            ('sectors', (array['mechanics', 'agro_food', 'plastics'])[1 + i % 3]),
            ('wilayas', lpad((1 + i % 58)::text, 2, '0')),
            ('organisations', (array['ministry_industry', 'aapi', 'sonatrach', 'enp'])[1 + i % 4])
        ) as entity (entity_type, entity_id)""")


def generate_trade(conn, first: int, count: int, loaded_at: str) -> None:
    """BACI flows `first`..: (exporter, importer, product) is i in mixed radix, so unique."""
    # The raw table is partitioned by slice, with no DEFAULT partition (007_baci_partitions.sql).
    conn.execute("select raw.ensure_trade_baci_flows_partition('HS17', y) from generate_series(2015, 2022) as y")
    conn.execute(f"""
        insert into raw.trade_baci_flows (hs_revision, year, exporter_code, importer_code,
            product_code, value_kusd, quantity_tonnes, baci_release, _batch_id, _line_number,
            _loaded_at)
        select 'HS17', 2015 + i % 8, 1 + i % 211, 1 + (i / 211) % 199,
            lpad((10101 + i / 41989 * 37)::text, 6, '0'), round((i % 9973)::numeric / 7, 3),
            case when i % 10 = 0 then null else (i % 503)::numeric end, 'V202401',
            'bench-trade-' || (i / 100000), i, {loaded_at}
        from generate_series({first}, {first + count - 1}) as i""")
    # What the loader does after each load (ingest/load.py): the BRIN ranges just
    # written get their summary, so the _loaded_at index finds the new rows alone.
    summarize_brin(conn, "raw.trade_baci_flows")


def generate_countries(conn) -> None:
    conn.execute("""
        insert into raw.trade_baci_countries (country_code, country_name, iso3, _batch_id,
            _line_number)
        select code, 'Country ' || code,
            chr(65 + code % 26) || chr(65 + (code / 26) % 26) || 'Q', 'bench-countries', code
        from generate_series(1, 211) as code""")


def model_seconds(result) -> float:
    return sum(node.get("execution_time") or 0 for node in (result.run_results() or {}).get("results", []))


def model_timings(result) -> dict[str, float]:
    """Seconds per model of one invocation (run_results.json), slowest first."""
    timings = {node["unique_id"].rsplit(".", 1)[-1]: round(node.get("execution_time") or 0, 2)
               for node in (result.run_results() or {}).get("results", [])}
    return dict(sorted(timings.items(), key=lambda item: -item[1]))


def checksums(conn, tables: list[str]) -> dict[str, tuple]:
    return {table: conn.execute(f"""
        select count(*), md5(string_agg(row_hash, ',' order by row_hash))
        from (select md5(mart::text) as row_hash from marts.{table} as mart) as hashed""").fetchone()
        for table in tables}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks dbt_incremental")
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--trade-rows", type=int, default=10_000_000)
    parser.add_argument("--new-share", type=float, default=0.01)
    parser.add_argument("--no-verify", action="store_true")
    args = parser.parse_args(argv or [])

    import psycopg

    from clusterwatch import db, transform, warehouse

    url = warehouse.with_database(warehouse.server_url(), f"cw_bench_{uuid.uuid4().hex[:8]}")
    warehouse.ensure_database(url)
    try:
        db.bootstrap(url)
        history = HISTORY
        started = time.perf_counter()
        with psycopg.connect(url, autocommit=True) as conn:
            generate_countries(conn)
            generate_articles(conn, 1, args.articles, history)
            generate_trade(conn, 1, args.trade_rows, TRADE_HISTORY)
            conn.execute("analyze")
        print(f"generated {args.articles:,} articles ({4 * args.articles:,} mentions) and "
              f"{args.trade_rows:,} trade rows in {time.perf_counter() - started:.1f}s", flush=True)

        with tempfile.TemporaryDirectory() as target:
            target = Path(target)
            transform.run_dbt(["seed"], url, target_path=target)
            listed = transform.run_dbt(["ls", "--select", SELECTOR, "--resource-type", "model",
                                        "--output", "name"], url, target_path=target)
            selected = [line.strip() for line in listed.output.splitlines()
                        if line.strip() and " " not in line.strip()]
            manifest = json.loads((target / "manifest.json").read_text())
            incremental = sorted(node["name"] for node in manifest["nodes"].values()
                                 if node["resource_type"] == "model"
                                 and node["config"]["materialized"] == "incremental")
            print(f"incremental models: {incremental}; selection: {len(selected)} models", flush=True)

            full = transform.run_dbt(["run", "--full-refresh", "--select", SELECTOR], url,
                                     target_path=target)
            full_model = model_seconds(full)
            full_timings = model_timings(full)  # before the next run rewrites run_results.json
            print(f"full refresh: {full.duration_seconds:.1f}s ({full_model:.1f}s in models)", flush=True)

            new_articles = max(1, round(args.articles * args.new_share))
            new_trade = max(1, round(args.trade_rows * args.new_share))
            with psycopg.connect(url, autocommit=True) as conn:
                generate_articles(conn, args.articles + 1, new_articles, "now()")
                generate_trade(conn, args.trade_rows + 1, new_trade, "now()")
                conn.execute("analyze")
            print(f"added {new_articles:,} articles and {new_trade:,} trade rows", flush=True)

            incremental_run = transform.run_dbt(["run", "--select", SELECTOR], url, target_path=target)
            incremental_model = model_seconds(incremental_run)
            incremental_timings = model_timings(incremental_run)
            print(f"incremental: {incremental_run.duration_seconds:.1f}s ({incremental_model:.1f}s in models)",
                  flush=True)

            identical = None
            full_again = None
            if not args.no_verify:
                with psycopg.connect(url) as conn:
                    after_incremental = checksums(conn, incremental)
                full_again = transform.run_dbt(["run", "--full-refresh", "--select", SELECTOR], url,
                                               target_path=target)
                with psycopg.connect(url) as conn:
                    identical = checksums(conn, incremental) == after_incremental
                print(f"second full refresh: {full_again.duration_seconds:.1f}s; incremental marts "
                      f"identical to a full refresh: {identical}", flush=True)
    finally:
        warehouse.drop_database(url)

    return {
        "bench": "dbt_incremental",
        "full_s": round(full.duration_seconds, 2),
        "incremental_s": round(incremental_run.duration_seconds, 2),
        "ratio": round(incremental_run.duration_seconds / full.duration_seconds, 3),
        "full_model_s": round(full_model, 2),
        "incremental_model_s": round(incremental_model, 2),
        "model_ratio": round(incremental_model / full_model, 3) if full_model else None,
        "dbt_overhead_s": round(incremental_run.duration_seconds - incremental_model, 2),
        "full_model_timings": full_timings,
        "incremental_model_timings": incremental_timings,
        "second_full_s": round(full_again.duration_seconds, 2) if full_again else None,
        "identical": identical,
        "articles": args.articles,
        "mentions": 4 * args.articles,
        "trade_rows": args.trade_rows,
        "new_share": args.new_share,
        "incremental_models": incremental,
        "selected_models": len(selected),
    }
