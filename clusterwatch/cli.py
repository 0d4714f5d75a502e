"""The `clusterwatch` command: a thin shell over the functions the DAGs call.

Machine-readable results are one JSON object on the last line of output.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import time

from clusterwatch import settings


def _print_json(data: dict) -> None:
    print(json.dumps(data, ensure_ascii=False, default=str))


def cmd_status(args) -> int:
    from clusterwatch import warehouse

    configured = settings.configured_database_url()
    if configured:
        mode, url, running = "external", configured, None
    else:
        server = warehouse.embedded()
        running = server.is_running()
        mode = "embedded"
        url = (warehouse.with_database(server.server_url(), settings.WAREHOUSE_DB_NAME)
               if server.port() else "(not initialised yet)")
    info = {
        "home": str(settings.home()),
        "warehouse_mode": mode,
        "warehouse_url": warehouse.describe(url) if "://" in url else url,
        "warehouse_running": running,
        "embedded_pgdata": str(settings.embedded_pgdata()) if mode == "embedded" else None,
        "airflow_home": str(settings.airflow_home()),
        "airflow_metadata_db": (warehouse.describe(warehouse.airflow_metadata_url(url))
                                if "://" in url else None),
        "airflow_ui": f"http://127.0.0.1:{settings.airflow_port()}",
        "logs": str(settings.logs_dir()),
        "dags_folder": str(settings.DAGS_FOLDER),
        "dbt_project": str(settings.DBT_PROJECT_DIR),
    }
    width = max(len(k) for k in info)
    for key, value in info.items():
        print(f"{key:<{width}}  {value}")
    _print_json(info)
    return 0


def cmd_db(args) -> int:
    from clusterwatch import db, warehouse

    if settings.configured_database_url() and args.action in ("start", "stop"):
        print("CLUSTERWATCH_DATABASE_URL is set: the embedded server is not used", file=sys.stderr)
        return 2
    server = warehouse.embedded()
    if args.action == "start":
        started = server.start()
        url = warehouse.warehouse_url()
        db.bootstrap(url)
        _print_json({"started": started, "url": warehouse.describe(url)})
    elif args.action == "stop":
        _print_json({"stopped": server.stop()})
    elif args.action == "url":
        print(warehouse.warehouse_url())
    return 0


def cmd_demo(args) -> int:
    from clusterwatch.demo import run_demo

    run_demo(keep_running=args.keep_running, port=args.port)
    return 0


def cmd_up(args) -> int:
    from clusterwatch import airflow_runtime, db, warehouse
    from clusterwatch.transform import ensure_manifest

    configured = settings.configured_database_url()
    started_db = False if configured else warehouse.embedded().start()
    url = warehouse.warehouse_url()
    db.bootstrap(url)
    ensure_manifest()
    env = airflow_runtime.airflow_environment(url, port=args.port)
    airflow_runtime.migrate_metadata(url, env)
    stack = airflow_runtime.AirflowStack(env)
    stopping = {"flag": False}

    def _stop(signum, frame):
        stopping["flag"] = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        stack.start()
        client = airflow_runtime.AirflowClient.for_local_stack(stack)
        dag_ids = [p.stem for p in settings.DAGS_FOLDER.glob("*.py") if not p.stem.startswith("_")]
        client.wait_for_dags(dag_ids)  # also unpauses them
        password = airflow_runtime.local_secrets()["admin_password"]
        print(f"\nAirflow UI:  {stack.base_url}\nLogin:       {airflow_runtime.ADMIN_USER} / {password}"
              f"\nWarehouse:   {warehouse.describe(url)}\nLogs:        {settings.logs_dir()}"
              f"\nDAGs unpaused: {', '.join(sorted(dag_ids))}\nPress Ctrl-C to stop.\n", flush=True)
        while not stopping["flag"]:
            for name, proc in stack.processes.items():
                if proc.poll() is not None:
                    print(f"airflow {name} exited ({proc.returncode}); stopping", file=sys.stderr)
                    stopping["flag"] = True
            time.sleep(1)
    finally:
        print("stopping Airflow ...", flush=True)
        stack.stop()
        if started_db:
            warehouse.embedded().stop()
        print("stopped.")
    return 0


def cmd_validate(args) -> int:
    from clusterwatch import db, warehouse
    from expectations.runner import latest_batch, validate_batch

    url = warehouse.warehouse_url()
    db.bootstrap(url)
    batch = args.batch or latest_batch(args.dataset, url)
    if not args.batch:
        print(f"latest batch of {args.dataset}: {batch}")
    outcome = validate_batch(args.dataset, batch, url)
    for failure in outcome.failed:
        observed = failure["unexpected_count"] if failure["unexpected_count"] is not None else failure["observed_value"]
        print(f"{failure['severity'].upper():7} {failure['expectation_type']}({failure['column_name']}): "
              f"{observed} unexpected/observed, expected {failure['expected']}, e.g. {failure['unexpected_sample']}")
    print(f"{outcome.status}: {outcome.rows_checked} rows, {outcome.error_failures} error / "
          f"{outcome.warning_failures} warning failure(s); data docs: {outcome.data_docs_url}")
    summary = outcome.summary()
    if args.alert:
        from clusterwatch.jobs import alert_validation

        summary["alert"] = alert_validation(outcome, url)
    _print_json(summary)
    return 0 if outcome.success else 1


def cmd_alerts(args) -> int:
    from clusterwatch import db, warehouse
    from expectations import alerts

    url = warehouse.warehouse_url()
    db.bootstrap(url)
    if args.action == "deliver":
        report = alerts.deliver_pending(url, include_not_due=args.now)
        for error in report.errors:
            print(f"failed: {error}")
        _print_json(report.as_dict())
        return 0
    rows = alerts.list_alerts(url, limit=args.limit, status=args.status)
    for row in rows:
        states = ", ".join(f"{d['target']}: {d['status']}" + (f" ({d['attempts']} attempts, {d['last_error']})"
                                                              if d["status"] != "delivered" else "")
                           for d in row["deliveries"]) or "no channel"
        print(f"{row['first_seen_at']:%Y-%m-%d %H:%M} {row['severity'].upper():7} x{row['occurrences']:<3} "
              f"{row['title']}\n    {states}")
    _print_json({"alerts": len(rows), "pending": sum(any(d["status"] == "pending" for d in r["deliveries"])
                                                     for r in rows)})
    return 0


def cmd_quarantine(args) -> int:
    from clusterwatch import db, warehouse
    from clusterwatch.db import connect
    from expectations.runner import release_batch

    url = warehouse.warehouse_url()
    db.bootstrap(url)
    if args.action == "release":
        if not (args.dataset and args.batch and args.note):
            print("release needs DATASET, --batch and --note", file=sys.stderr)
            return 2
        _print_json(release_batch(args.dataset, args.batch, args.note, url))
        return 0
    with connect(url) as conn:
        rows = conn.execute(
            """select dataset, batch_id, error_failures, rows_checked, decided_at from monitoring.batch_quality
               where status = 'quarantined' and (%s::text is null or dataset = %s) order by decided_at desc""",
            (args.dataset, args.dataset)).fetchall()
    for dataset, batch, errors, rows_checked, decided in rows:
        print(f"{decided:%Y-%m-%d %H:%M} {dataset:<28} {batch}  ({errors} error failure(s), {rows_checked} rows)")
    _print_json({"quarantined": [{"dataset": r[0], "batch_id": r[1]} for r in rows]})
    return 0


def cmd_transform(args) -> int:
    from clusterwatch import db, warehouse
    from clusterwatch.transform import build

    url = warehouse.warehouse_url()
    db.bootstrap(url)
    result = build(url, select=args.select, full_refresh=args.full_refresh)  # raises DbtError on failure
    print(result.output_tail())
    _print_json({"success": result.success, "select": args.select, "full_refresh": args.full_refresh,
                 **result.summary()})
    return 0 if result.success else 1


def cmd_seeds(args) -> int:
    from clusterwatch import gazetteer_seeds

    if args.check:
        stale = gazetteer_seeds.stale_files()
        for path in stale:
            print(f"stale: {path} (run `clusterwatch seeds`)")
        _print_json({"stale": [str(p) for p in stale]})
        return 1 if stale else 0
    written = gazetteer_seeds.write()
    for path in written:
        print(f"wrote {path}")
    _print_json({"written": [str(p) for p in written]})
    return 0


def _source_set(args):
    """(sources directory, placeholder values, may reach loopback) of --set/--demo-site."""
    from clusterwatch.jobs import source_set_config

    return source_set_config(getattr(args, "set", "live"), getattr(args, "demo_site", None))


def cmd_sources(args) -> int:
    from scrapers.sources import load_sources

    directory, variables, allow_private = _source_set(args)
    sources = load_sources(directory, variables)
    if args.action == "list":
        for source in sources:
            kinds = ",".join(dict.fromkeys(d.type for d in source.discovery))
            print(f"{source.id:<18} {source.kind:<9} {','.join(source.languages):<6} "
                  f"{kinds:<22} {source.name}")
        _print_json({"sources": [s.id for s in sources], "count": len(sources)})
        return 0
    return _sources_check(args, sources, allow_private)


def _sources_check(args, sources, allow_private) -> int:
    from scrapers.health import check_source
    from scrapers.http import HttpClient

    if args.source_id:
        sources = [s for s in sources if s.id == args.source_id]
        if not sources:
            raise ValueError(f"unknown source id {args.source_id!r}")
    reports = []
    print(f"{'source':<18} {'reachable':<10} {'items':>5} {'newest (h)':>10} "
          f"{'parsed':>7} {'failed':>6}  notes")
    for source in sources:
        with HttpClient(allow_private_addresses=allow_private) as client:
            health = check_source(source, client, sample=args.sample)
        reports.append(health.as_dict())
        notes = [f"{e.type} {e.url}: {e.error}" for e in health.endpoints if e.error]
        notes += [f"{reason}: {n}" for reason, n in health.failures_by_reason.items()]
        if health.extractors.get("generic"):
            notes.append(f"generic extractor used {health.extractors['generic']}x: check selectors")
        age = "-" if health.newest_item_age_hours is None else f"{health.newest_item_age_hours:.1f}"
        print(f"{source.id:<18} {'yes' if health.reachable else 'NO':<10} {health.items_found:>5} "
              f"{age:>10} {health.parsed:>3}/{health.sampled:<3} {health.parse_failures:>6}  "
              f"{'; '.join(notes)[:300]}", flush=True)
    ok = all(r["ok"] for r in reports)
    _print_json({"ok": ok, "checked": len(reports), "failing": [r["source_id"] for r in reports
                                                                 if not r["ok"]],
                 "sources": reports})
    return 0 if ok else 1


def cmd_extract(args) -> int:
    """One page (a file or a URL) through the same extract step as the DAG: one JSON object."""
    from pathlib import Path

    from scrapers.extract import Article, extract, to_record
    from scrapers.http import HttpClient
    from scrapers.sources import load_sources

    directory, variables, allow_private = _source_set(args)
    sources = {s.id: s for s in load_sources(directory, variables)}
    source = None
    if args.source:
        if args.source not in sources:
            raise ValueError(f"unknown source id {args.source!r}; known: {', '.join(sorted(sources))}")
        source = sources[args.source]
    target = args.file_or_url
    if target.startswith(("http://", "https://")):
        if source is None:
            source = next((s for s in sources.values() if s.allows(target)), None)
        with HttpClient(allow_private_addresses=allow_private) as client:
            result = client.get(target, source.allowed_domains if source else None)
        body, url, headers = result.body, result.final_url, result.headers
    else:
        path = Path(target)
        body = path.read_bytes()
        url = args.url or path.resolve().as_uri()
        content_type = "application/pdf" if path.suffix.lower() == ".pdf" else "text/html"
        headers = {"content-type": content_type}
        if source is None and args.url:
            source = next((s for s in sources.values() if s.allows(args.url)), None)
    outcome = extract(body, url, headers, source)
    record = to_record(outcome, source.id if source else None)
    if isinstance(outcome, Article):
        # Text analysis is its own step (scrape_news' analyse_text task stores it for
        # the warehouse); the CLI adds its fields so one command shows everything.
        from scrapers.text.analyse import analyse_extracted, story_ids_of

        record.update(analyse_extracted(outcome).as_dict())
        record["story_id"] = story_ids_of([outcome]).get(outcome.canonical_url)
    _print_json(record)
    return 0 if isinstance(outcome, Article) else 1


def cmd_docs(args) -> int:
    from clusterwatch import db, warehouse
    from clusterwatch.transform import generate_docs

    url = warehouse.warehouse_url()
    db.bootstrap(url)
    page = generate_docs(url)
    print(f"dbt docs: {page}")
    if args.serve:
        import functools
        import http.server

        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(page.parent))
        with http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler) as server:
            print(f"serving http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)", flush=True)
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                pass
    _print_json({"docs": str(page)})
    return 0


def report_for_home(out: str | None = None, languages=None) -> dict:
    """Build the static report from the marts of the configured (or embedded) warehouse,
    reading as the analyst login (created on the embedded server when missing)."""
    from clusterwatch import db, warehouse
    from clusterwatch.report import LANGUAGES, build_report
    from clusterwatch.report.connection import analyst_url, ensure_analyst_login

    url = warehouse.warehouse_url()
    if not settings.configured_database_url():
        # The loopback-only embedded server, of which the CLI is the owner: make sure the
        # analyst role and a login in it exist (a team server gets them from its DBA).
        db.bootstrap(url)
        ensure_analyst_login(url)
    return build_report(analyst_url(url), out or settings.home() / "report", languages or LANGUAGES)


def cmd_report(args) -> int:
    result = report_for_home(args.out, [args.lang] if args.lang else None)
    print(f"report: {result['index']} ({result['pages']} pages, {', '.join(result['languages'])}, "
          f"{result['clusters']} clusters)")
    _print_json(result)
    return 0


def cmd_ingest(args) -> int:
    from clusterwatch.jobs import ingest_path

    result = ingest_path(args.dataset, args.path, args.format)
    print(f"{result['file'] if 'file' in result else result['file_name']}: {result['status']} as batch "
          f"{result['batch_id']} ({result['format'] or 'format unknown'})")
    if result["status"] == "duplicate":
        print(f"  same content as batch {result['duplicate_of']}: nothing loaded")
    elif result["status"] == "rejected":
        print(f"  rejected: {result['reason']}: {result['detail']}")
    else:
        print(f"  rows in {result['rows_in']}: loaded {result['rows_loaded']} (new {result['rows_inserted']}, "
              f"changed {result['rows_updated']}, unchanged {result['rows_unchanged']}), rejected "
              f"{result['rows_rejected']} (quarantine.{args.dataset}_rows); findings {result['findings']} "
              "(ingest.findings)")
    if result.get("archived_path"):
        print(f"  moved to {result['archived_path']}")
    _print_json(result)
    return 1 if result["status"] == "rejected" else 0


def cmd_bench(args) -> int:
    from benchmarks.__main__ import main as bench_main

    return bench_main(args.names)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clusterwatch", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("status", help="where the warehouse, Airflow home and logs are").set_defaults(func=cmd_status)

    p = sub.add_parser("db", help="the embedded PostgreSQL: start | stop | url")
    p.add_argument("action", choices=["start", "stop", "url"])
    p.set_defaults(func=cmd_db)

    p = sub.add_parser("demo", help="run the whole pipeline end to end on a recorded site")
    p.add_argument("--keep-running", action="store_true", help="leave Airflow and PostgreSQL running")
    p.add_argument("--port", type=int, default=None, help="Airflow API/UI port (default 8080)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("up", help="start Airflow locally with the project's DAGs unpaused")
    p.add_argument("--port", type=int, default=None)
    p.set_defaults(func=cmd_up)

    p = sub.add_parser("validate", help="run a dataset's expectations on one batch (exit 1 on an error-level failure)")
    p.add_argument("dataset")
    p.add_argument("--batch", default=None, help="batch id (for news: the scrape run id); default: the latest batch")
    p.add_argument("--alert", action="store_true", help="also raise (and send) the alert of any failure")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("alerts", help="alerts: list recent ones, or deliver what is pending in the outbox")
    p.add_argument("action", choices=["list", "deliver"])
    p.add_argument("--limit", type=int, default=30)
    p.add_argument("--status", choices=["pending", "delivered", "undeliverable"], default=None,
                   help="list: only alerts with a delivery in this state")
    p.add_argument("--now", action="store_true", help="deliver: also retry rows whose next attempt is not due yet")
    p.set_defaults(func=cmd_alerts)

    p = sub.add_parser("quarantine", help="quarantined batches: list, or release one (an operator's decision)")
    p.add_argument("action", choices=["list", "release"])
    p.add_argument("dataset", nargs="?", default=None)
    p.add_argument("--batch", default=None)
    p.add_argument("--note", default=None, help="release: why the batch is accepted (recorded)")
    p.set_defaults(func=cmd_quarantine)

    p = sub.add_parser("transform", help="dbt build into staging and marts")
    p.add_argument("--select", default=None)
    p.add_argument("--full-refresh", action="store_true")
    p.set_defaults(func=cmd_transform)

    p = sub.add_parser("seeds", help="write dbt seeds (clusters, sectors, organisations) from scrapers/text/data")
    p.add_argument("--check", action="store_true", help="only report seeds that disagree with the YAML (exit 1)")
    p.set_defaults(func=cmd_seeds)

    def source_set_options(p) -> None:
        p.add_argument("--set", choices=["live", "demo"], default="live",
                       help="live: scrapers/sources (or CLUSTERWATCH_SOURCES_DIR); demo: demo/sources")
        p.add_argument("--demo-site", default=None, help="base URL of the recorded demo site (--set demo)")

    p = sub.add_parser("sources", help="the configured sources: list | check [ID]")
    p.add_argument("action", choices=["list", "check"])
    p.add_argument("source_id", nargs="?", default=None, help="check one source only")
    p.add_argument("--sample", type=int, default=3, help="newest items fetched and extracted per source")
    source_set_options(p)
    p.set_defaults(func=cmd_sources)
    p = sub.add_parser("ingest", help="load one registry or trade file (the landing-zone DAGs' code path)")
    p.add_argument("dataset", choices=["registry", "trade"])
    p.add_argument("path", help="the file; one inside the landing zone is moved to archive/ or rejected/")
    p.add_argument("--format", default=None,
                   help="layout and/or container, e.g. baci, comtrade-json, national, aggregates, xlsx "
                        "(default: sniffed from the content)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("extract", help="extract one page (file or URL) and print one JSON object")
    p.add_argument("file_or_url")
    p.add_argument("--source", default=None, help="source id whose selectors to use")
    p.add_argument("--url", default=None, help="the page's URL when extracting a file")
    source_set_options(p)
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("docs", help="dbt docs of the warehouse as a static site under the home")
    p.add_argument("--serve", action="store_true", help="also serve it on 127.0.0.1")
    p.add_argument("--port", type=int, default=8081)
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser(
        "report", help="static observatory report (HTML, opens from disk) built from the marts as the analyst",
        description="Write a self-contained static site from the `marts` schema, read with the analyst login "
                    "(CLUSTERWATCH_ANALYST_USER / CLUSTERWATCH_ANALYST_PASSWORD): cluster activity, one page per "
                    "cluster, hydrocarbon share and HHI, top products by RCA, the wilaya x sector location-quotient "
                    "heat map, data quality and source health. French and Arabic (right-to-left). See docs/report.md.")
    p.add_argument("--out", default=None,
                   help="output folder, replaced as a whole on each run (default: $CLUSTERWATCH_HOME/report)")
    p.add_argument("--lang", choices=["fr", "ar"], default=None, help="one language only (default: both, linked)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("bench", help="benchmarks (ratios against a baseline measured in the same run)")
    p.add_argument("names", nargs="*", help="benchmark names (default: all)")
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a clear one-line error and a JSON last line, not a traceback
        if args.verbose:
            raise
        tail = getattr(getattr(exc, "result", None), "output_tail", None)
        if callable(tail):
            print(tail(), file=sys.stderr)
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        _print_json({"success": False, "command": args.command, "error": f"{type(exc).__name__}: {exc}"})
        return 2


if __name__ == "__main__":
    sys.exit(main())
