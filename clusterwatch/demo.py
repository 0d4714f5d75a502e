"""`clusterwatch demo`: the whole pipeline, end to end, through real Airflow DAGs.

1. Warehouse: the configured PostgreSQL, or the embedded one under the home.
2. A local HTTP server serves the recorded site of `demo/site` (no internet).
3. Airflow (api-server, scheduler, dag-processor, triggerer) starts on the same home.
4. The registry and trade files of `demo/landing` (real samples and SYNTHETIC trade and
   registry files) are landed with their `.ready` markers: the AssetWatcher starts
   `ingest_landing`, which loads and validates them; their `*_validated` events start
   `transform_warehouse`. The demo follows them in the ledger (`ingest.batches`) and
   waits until those transform runs are over.
5. `scrape_news` is triggered over the REST API with the demo source set: it scrapes,
   loads `raw`, validates the batch with Great Expectations and emits the
   `news_articles_validated` asset event.
6. That event (not this script) starts `transform_warehouse`, which runs dbt through
   Cosmos into `staging` and `marts`.
7. A summary is read from the marts, the static report is built from them as the analyst
   (`$CLUSTERWATCH_HOME/report/index.html`, its path printed); the last line of output is
   one JSON object.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from clusterwatch import airflow_runtime, db, demo_landing, settings, warehouse
from clusterwatch.ports import free_port, port_is_free
from clusterwatch.transform import ensure_manifest

SCRAPE_DAG = "scrape_news"
TRANSFORM_DAG = "transform_warehouse"
INGEST_DAG = "ingest_landing"


def say(message: str) -> None:
    print(f"[clusterwatch] {message}", flush=True)


@dataclass
class PipelineRun:
    scrape_run: dict
    transform_run: dict
    triggering_events: list[dict]
    scrape_tasks: list[dict] = field(default_factory=list)


def run_pipeline_once(client: airflow_runtime.AirflowClient, demo_site: str, timeout: float = 600) -> PipelineRun:
    """Trigger one demo scrape and wait for the transform run its asset event starts."""
    known_transforms = {r["dag_run_id"] for r in client.dag_runs(TRANSFORM_DAG)}
    run_id = client.trigger(SCRAPE_DAG, {"source_set": "demo", "demo_site": demo_site})
    say(f"triggered {SCRAPE_DAG} run {run_id}")
    scrape_run = client.wait_for_run(SCRAPE_DAG, run_id, timeout)
    tasks = client.task_instances(SCRAPE_DAG, run_id)
    if scrape_run["state"] != "success":
        failed = [f"{t['task_id']}[{t.get('map_index')}]={t['state']}" for t in tasks if t["state"] != "success"]
        raise RuntimeError(f"{SCRAPE_DAG} run {run_id} {scrape_run['state']}: {failed}; logs under {settings.logs_dir()}")
    say(f"{SCRAPE_DAG} succeeded; waiting for the asset-triggered {TRANSFORM_DAG} run")
    transform = client.wait_for_new_run(TRANSFORM_DAG, known_transforms, "asset_triggered", timeout)
    transform = client.wait_for_run(TRANSFORM_DAG, transform["dag_run_id"], timeout)
    if transform["state"] != "success":
        failed = [t["task_id"] for t in client.task_instances(TRANSFORM_DAG, transform["dag_run_id"])
                  if t["state"] != "success"]
        raise RuntimeError(f"{TRANSFORM_DAG} run {transform['dag_run_id']} failed: {failed}")
    events = client.upstream_asset_events(TRANSFORM_DAG, transform["dag_run_id"])
    return PipelineRun(scrape_run, transform, events, tasks)


# A full transform_warehouse run is ~90 Cosmos tasks (one dbt call each): ~10 min on a
# busy 2-core machine, longer when other work shares it.
TRANSFORM_TIMEOUT = 2400


def ingest_demo_files(client: airflow_runtime.AirflowClient, database_url: str,
                      timeout: float = TRANSFORM_TIMEOUT) -> dict:
    """Land the demo's registry and trade files, wait until the ledger has loaded and
    validated each of them (or found it a duplicate), then until the transform runs their
    asset events started are over. Returns {file name: state}."""
    from ingest import config

    known_transforms = {r["dag_run_id"] for r in client.dag_runs(TRANSFORM_DAG)}
    with db.connect(database_url) as conn:
        since = conn.execute("select now()").fetchone()[0]  # the ledger's clock, not ours
    landed = demo_landing.land_demo_files(config.landing_dir())
    say(f"landed {len(landed)} registry / trade files in {config.landing_dir()}; waiting for {INGEST_DAG}")
    progress = demo_landing.wait_for_landed_files(database_url, landed, since, timeout)
    say("ledger: " + ", ".join(f"{name} {state}" for name, state in progress.items()))
    problems = {n: s for n, s in progress.items() if s in ("rejected", "failed", "validation_failed")}
    if problems:
        raise RuntimeError(f"demo files not loaded: {problems}; see ingest.batches and {settings.logs_dir()}")
    if any(state == "loaded" for state in progress.values()):
        # Validated batches that changed rows were announced: wait for the transform they start.
        client.wait_for_new_run(TRANSFORM_DAG, known_transforms, "asset_triggered", timeout)
    deadline = time.monotonic() + timeout
    while True:
        runs = [r for r in client.dag_runs(TRANSFORM_DAG) if r["dag_run_id"] not in known_transforms]
        if all(r["state"] in ("success", "failed") for r in runs):
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"{TRANSFORM_DAG} runs still active after {timeout}s")
        time.sleep(2)
    failed = [r["dag_run_id"] for r in runs if r["state"] != "success"]
    if failed:
        raise RuntimeError(f"{TRANSFORM_DAG} runs failed: {failed}; logs under {settings.logs_dir()}")
    return progress


def read_summary(database_url: str) -> dict:
    with db.connect(database_url) as conn:
        by_source = conn.execute(
            """select source_id, language, sum(article_count)::int
               from marts.fct_source_activity_monthly group by 1, 2 order by 1, 2"""
        ).fetchall()
        totals = conn.execute(
            """select count(*)::int, count(*) filter (where language = 'ar')::int,
                      count(*) filter (where language = 'fr')::int,
                      min(published_date)::text, max(published_date)::text
               from marts.fct_article_publications"""
        ).fetchone()
        raw_articles = conn.execute("select count(*)::int from raw.news_articles").fetchone()[0]
        quarantined = conn.execute("select count(*)::int from quarantine.news_pages").fetchone()[0]
        dq = conn.execute(
            "select count(*)::int, count(*) filter (where success)::int from monitoring.dq_runs"
        ).fetchone()
        related = conn.execute(
            """select count(distinct article_id)::int, count(distinct story_id)::int
               from marts.fct_article_mentions where is_cluster_related"""
        ).fetchone()
        registry = conn.execute(
            """select count(*)::int, count(sector_id)::int,
                      count(*) filter (where wilaya_resolution = 'corrected_from_name')::int
               from marts.dim_companies"""
        ).fetchone()
        strong_clusters = conn.execute(
            """select wilaya_name_fr, sector_name_fr, location_quotient::float
               from marts.fct_wilaya_sector_specialisation where is_strong_cluster
               order by location_quotient desc"""
        ).fetchall()
        trade_flows = conn.execute("select count(*)::int from marts.fct_trade_flows").fetchone()[0]
        algeria = conn.execute(
            """select trade_year, data_source, hydrocarbon_share::float, hhi::float,
                      products_with_rca_ge_1
               from marts.fct_export_diversification where reporter_iso3 = 'DZA'
               order by trade_year"""
        ).fetchall()
        top_entities = conn.execute(
            """select entity_type, entity_name, count(distinct article_id)::int as articles
               from marts.fct_article_mentions
               where entity_type in ('clusters', 'organisations', 'people', 'wilayas')
               group by 1, 2 order by 3 desc, 1, 2 limit 6"""
        ).fetchall()
    return {
        "articles": totals[0], "articles_ar": totals[1], "articles_fr": totals[2],
        "first_published": totals[3], "last_published": totals[4],
        "raw_articles": raw_articles, "quarantined_pages": quarantined,
        "dq_runs": dq[0], "dq_runs_passed": dq[1],
        "cluster_related_articles": related[0], "cluster_stories": related[1],
        "top_entities": [{"type": t, "name": n, "articles": a} for t, n, a in top_entities],
        "by_source": [{"source_id": s, "language": l, "articles": n} for s, l, n in by_source],
        "companies": registry[0], "companies_with_sector": registry[1],
        "companies_wilaya_corrected": registry[2],
        "strong_clusters": [{"wilaya": w, "sector": s, "location_quotient": q} for w, s, q in strong_clusters],
        "trade_flows": trade_flows,
        "algeria_exports": [{"year": y, "source": src, "hydrocarbon_share": share, "hhi": hhi,
                             "products_with_rca_ge_1": rca} for y, src, share, hhi, rca in algeria],
    }


def print_summary(summary: dict) -> None:
    say("marts summary (read from marts.fct_article_publications / fct_source_activity_monthly):")
    print(f"  articles: {summary['articles']} ({summary['articles_ar']} Arabic, {summary['articles_fr']} French),"
          f" published {summary['first_published']} .. {summary['last_published']}")
    for row in summary["by_source"]:
        print(f"  {row['source_id']:<22} {row['language']:<3} {row['articles']:>4}")
    print(f"  cluster-related articles: {summary['cluster_related_articles']} in"
          f" {summary['cluster_stories']} stories (marts.fct_article_mentions)")
    for entity in summary["top_entities"]:
        print(f"    {entity['type']:<14} {entity['name']:<45} {entity['articles']:>3} articles")
    print(f"  quarantined pages: {summary['quarantined_pages']}; data-quality runs: {summary['dq_runs']}"
          f" ({summary['dq_runs_passed']} passed)")
    print(f"  registry companies: {summary['companies']} ({summary['companies_with_sector']} with a sector,"
          f" {summary['companies_wilaya_corrected']} wilaya corrected from the name) (marts.dim_companies)")
    for cluster in summary["strong_clusters"]:
        print(f"    strong cluster: {cluster['sector']} in {cluster['wilaya']} (LQ {cluster['location_quotient']:.2f})")
    print(f"  trade flows: {summary['trade_flows']} (marts.fct_trade_flows; BACI sample is SYNTHETIC)")
    for row in summary["algeria_exports"]:
        share = "n/a" if row["hydrocarbon_share"] is None else f"{row['hydrocarbon_share']:.1%}"
        print(f"    DZA {row['year']} ({row['source']}): hydrocarbon share {share}, HHI {row['hhi']:.3f},"
              f" products with RCA>=1: {row['products_with_rca_ge_1']}")


def build_demo_report(refresh_monitoring: bool = True) -> str | None:
    """The static report of the marts (`clusterwatch report`), built last; returns the path
    of its index.html. While a mart it reads is not built by this version's dbt project,
    the demo says which and goes on (the pipeline itself succeeded)."""
    from clusterwatch.cli import report_for_home
    from clusterwatch.jobs import build_monitoring_marts
    from clusterwatch.report.queries import MissingMartError

    if refresh_monitoring:
        # The report shows data quality and source health: the monitoring marts are built by
        # monitor_sources on its clock, which the demo does not wait for.
        say("building the monitoring marts for the report (what monitor_sources does)")
        build_monitoring_marts()
    try:
        result = report_for_home()
    except MissingMartError as exc:
        say(f"report not built: {exc}")
        return None
    say(f"report ({result['pages']} pages, {' + '.join(result['languages'])}): open {result['index']}")
    return result["index"]


def demo_site_port() -> int:
    """The recorded site's port, kept in the home so that reruns see the same page URLs
    (quarantined pages are keyed on their URL: a new port would look like new pages)."""
    path = settings.home() / "demo_site_port"
    if path.exists():
        port = int(path.read_text().strip())
        if port_is_free(port):
            return port
    port = free_port()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(str(port))
    return port


def run_demo(keep_running: bool = False, port: int | None = None) -> dict:
    from clusterwatch.demo_server import serve_site

    started_db = False
    configured = settings.configured_database_url()
    if not configured:
        started_db = warehouse.embedded().start()
    url = warehouse.warehouse_url()
    say(f"warehouse: {warehouse.describe(url)}" + (" (embedded)" if not configured else ""))
    db.bootstrap(url)
    t0 = time.monotonic()
    ensure_manifest()
    # A free port by default, so the demo never collides with a running `make up`.
    env = airflow_runtime.airflow_environment(url, port=port or free_port())
    env["CLUSTERWATCH_SCRAPE_SCHEDULE"] = "none"  # the demo triggers its own run
    say("migrating Airflow metadata database")
    airflow_runtime.migrate_metadata(url, env)
    stack = airflow_runtime.AirflowStack(env)
    try:
        with serve_site(port=demo_site_port()) as demo_site:
            say(f"recorded site served at {demo_site}")
            say(f"starting Airflow on {stack.base_url} (logs: {settings.logs_dir()})")
            stack.start()
            client = airflow_runtime.AirflowClient.for_local_stack(stack)
            client.wait_for_dags([SCRAPE_DAG, TRANSFORM_DAG, INGEST_DAG])
            landed = ingest_demo_files(client, url)
            run = run_pipeline_once(client, demo_site, timeout=TRANSFORM_TIMEOUT)
        summary = read_summary(url)
        summary["seconds"] = round(time.monotonic() - t0, 1)
        summary["scrape_run_id"] = run.scrape_run["dag_run_id"]
        summary["transform_run_id"] = run.transform_run["dag_run_id"]
        summary["transform_triggered_by"] = [e.get("extra") for e in run.triggering_events]
        summary["landed_files"] = landed
        print_summary(summary)
        summary["report"] = build_demo_report()
    finally:
        if keep_running:
            say(f"Airflow left running at {stack.base_url}")
        else:
            stack.stop()
            if started_db:
                warehouse.embedded().stop()
    print(json.dumps(summary, ensure_ascii=False))
    return summary
