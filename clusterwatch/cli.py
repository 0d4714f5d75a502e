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
    from clusterwatch import warehouse
    from expectations.runner import validate_batch

    outcome = validate_batch(args.dataset, args.batch, warehouse.warehouse_url())
    for failure in outcome.failed:
        print(f"{failure['severity'].upper():7} {failure['expectation_type']}({failure['column_name']}): "
              f"{failure['unexpected_count']} unexpected, e.g. {failure['unexpected_sample']}")
    _print_json(outcome.summary())
    return 0 if outcome.success else 1


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


def cmd_sources(args) -> int:
    from scrapers.sources import load_sources

    sources = load_sources(settings.sources_dir())
    for source in sources:
        print(f"{source.id:<18} {source.kind:<9} {','.join(source.languages):<6} {source.name}")
    _print_json({"sources": [s.id for s in sources], "count": len(sources)})
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

    p = sub.add_parser("validate", help="run a dataset's expectations on one batch")
    p.add_argument("dataset")
    p.add_argument("--batch", required=True, help="batch id (for news: the scrape run id)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("transform", help="dbt build into staging and marts")
    p.add_argument("--select", default=None)
    p.add_argument("--full-refresh", action="store_true")
    p.set_defaults(func=cmd_transform)

    p = sub.add_parser("sources", help="the configured sources")
    p.add_argument("action", choices=["list"])
    p.set_defaults(func=cmd_sources)
    p = sub.add_parser("ingest", help="load one registry or trade file (the landing-zone DAGs' code path)")
    p.add_argument("dataset", choices=["registry", "trade"])
    p.add_argument("path", help="the file; one inside the landing zone is moved to archive/ or rejected/")
    p.add_argument("--format", default=None,
                   help="layout and/or container, e.g. baci, comtrade-json, national, aggregates, xlsx "
                        "(default: sniffed from the content)")
    p.set_defaults(func=cmd_ingest)

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
