"""Faults at the worst moment, under a running Airflow scheduler (LocalExecutor) and a
real PostgreSQL; after each scenario the warehouse must equal one clean run of the same
inputs (row counts and checksums per raw, quarantine and ingest table:
clusterwatch/fingerprint.py). Scenarios run in file order and their inputs add up; the
clean reference applies the same inputs once each (tests/faults/conftest.py).

Simulated time: nothing sleeps to make an hour pass. "A source returning 500 for an
hour" is every request to its host answering 500 for as long as the switch is on (all
the runs of that hour fail the same way); recovery is the switch off and the next run."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

import faultkit
from alert_servers import wait_until
from clusterwatch import db, transform
from clusterwatch.fingerprint import fingerprint_diff, rows_lost, warehouse_fingerprint

pytestmark = [pytest.mark.airflow, pytest.mark.postgres, pytest.mark.slow, pytest.mark.faults]

INGEST, RECONCILE, SCRAPE = "ingest_landing", "reconcile_landing", "scrape_news"
SCHEMAS = ("raw", "quarantine", "ingest")


def assert_same_as_clean(faulted, reference, scenario: str) -> dict:
    actual = warehouse_fingerprint(faulted.url, SCHEMAS)
    expected = warehouse_fingerprint(reference.url, SCHEMAS)
    lost = rows_lost(actual, expected)
    faulted.record(scenario, lost, fingerprint_diff(actual, expected))
    assert fingerprint_diff(actual, expected) == {}, scenario
    assert lost == 0
    return actual


def loaded_files(url: str, names: list[str]) -> int:
    return faultkit.count(url, """select count(*) from ingest.batches where file_name = any(%s)
                                  and status in ('loaded', 'duplicate')
                                  and (status = 'duplicate' or validation_status is not null)""",
                          (names,))


def wait_idle(client, dag_id: str, timeout: float = 300) -> None:
    faultkit.wait_until(lambda: all(r["state"] in ("success", "failed") for r in client.dag_runs(dag_id)),
                        timeout, interval=1, what=f"{dag_id} idle")


def new_run(client, dag_id: str, known: set[str], timeout: float = 120) -> dict:
    return faultkit.wait_until(
        lambda: next((r for r in client.dag_runs(dag_id) if r["dag_run_id"] not in known), None),
        timeout, interval=0.5, what=f"a new {dag_id} run")


@pytest.mark.timeout(1800)  # 55 validations: minutes on a loaded 2-core machine
def test_burst_with_duplicates_and_a_stopped_triggerer(faulted, reference):
    """50 files: 25 with the triggerer up (AssetWatcher), then the triggerer stops and 25
    more land plus 5 copies of earlier files under new names (duplicates), one of them
    with a claimed marker whose event never came; the reconcile run picks them all up."""
    folder = faulted.landing / "trade"
    first = [(faultkit.trade_file_name(i), faultkit.trade_file_body(i)) for i in range(25)]
    second = [(faultkit.trade_file_name(i), faultkit.trade_file_body(i)) for i in range(25, 50)]
    copies = [(f"copy-of-{name}", body) for name, body in first[:faultkit.DUPLICATES]]
    started = time.monotonic()
    # A scrape runs through the burst too: articles per minute under load.
    scrape_id = faulted.client.trigger(SCRAPE, {"source_set": "demo", "demo_site": faulted.site.base_url,
                                                "sources": ["demo_industrie"]})
    for name, body in first:
        faultkit.land(folder, name, body)
    faultkit.wait_until(lambda: loaded_files(faulted.url, [n for n, _ in first]) == 25, 600,
                        interval=1, what="first 25 files loaded and validated")
    wait_idle(faulted.client, INGEST)

    faulted.runtime.stop_component("triggerer")
    try:
        for index, (name, body) in enumerate(second + copies):
            # the last one: its marker was claimed (`.queued`), its event lost
            faultkit.land(folder, name, body, ".queued" if index == len(second) - 1 else ".ready")
        time.sleep(3)  # three poke intervals: with the triggerer down nothing may start
        assert loaded_files(faulted.url, [n for n, _ in second]) == 0
        run_id = faulted.client.trigger(RECONCILE)
        run = faulted.client.wait_for_run(RECONCILE, run_id, timeout=600)
        assert run["state"] == "success"
    finally:
        faulted.runtime.start_component("triggerer")
    assert faulted.client.wait_for_run(SCRAPE, scrape_id, timeout=300)["state"] == "success"
    seconds = time.monotonic() - started
    names = [n for n, _ in first + second + copies]
    assert loaded_files(faulted.url, names) == 55
    assert faultkit.count(faulted.url, "select count(*) from ingest.batches where status = 'duplicate'") == 5

    reference.ingest(first)
    reference.ingest(second + copies)
    reference.scrape(["demo_industrie"])
    assert_same_as_clean(faulted, reference, "burst of 50 files, 5 duplicates, triggerer stopped")
    rows = faultkit.count(faulted.url, "select count(*) from raw.trade_baci_flows")
    articles = faultkit.count(faulted.url, "select count(*) from raw.news_articles")
    # every task instance so far ran in the burst (the stack's first runs)
    task_runs = sum(len(faulted.client.task_instances(dag_id, r["dag_run_id"]))
                    for dag_id in (INGEST, RECONCILE, SCRAPE) for r in faulted.client.dag_runs(dag_id))
    faulted.figures["burst"] = {"files": 55, "rows": rows, "articles": articles, "seconds": round(seconds, 1),
                                "task_instances": task_runs,
                                "task_instances_per_minute": round(task_runs / seconds * 60, 1),
                                "files_per_minute": round(55 / seconds * 60, 1),
                                "rows_per_minute": round(rows / seconds * 60),
                                "articles_per_minute": round(articles / seconds * 60, 1)}


def test_the_same_asset_event_twice_loads_once(faulted, reference):
    """A file whose marker was claimed, and its event delivered twice (POST to the REST
    API, as an external producer would): two runs, one batch."""
    name, body = faultkit.trade_file_name(50), faultkit.trade_file_body(50)
    faultkit.land(faulted.landing / "trade", name, body, ".queued")
    client = faulted.client
    (asset,) = client._call("GET", "/assets", params={"name_pattern": "trade_file_landed"})["assets"]
    known = {r["dag_run_id"] for r in client.dag_runs(INGEST)}
    for _ in range(2):
        client._call("POST", "/assets/events", json={"asset_id": asset["id"], "extra": {"file": name}})
    faultkit.wait_until(lambda: len({r["dag_run_id"] for r in client.dag_runs(INGEST)} - known) >= 1, 120)
    time.sleep(2)
    wait_idle(client, INGEST)
    runs = [r for r in client.dag_runs(INGEST) if r["dag_run_id"] not in known]
    assert runs and all(r["state"] == "success" for r in runs)
    assert faultkit.count(faulted.url, "select count(*) from ingest.batches where file_name = %s", (name,)) == 1
    reference.ingest([(name, body)])
    assert_same_as_clean(faulted, reference, "same asset event delivered twice")


def _load_under_fault(faulted, name: str, body: str, hurt) -> dict:
    """Land one big file, call `hurt(run_id, ti)` the moment its batch is being loaded by
    a running `ingest_trade`, and wait for the ingest run (its task retried) to finish."""
    client = faulted.client
    faultkit.land(faulted.landing / "trade", name, body)
    faultkit.wait_until(lambda: faultkit.batch_status(faulted.url, name) == "loading", 120,
                        interval=0.05, what=f"{name} loading")

    def loading_task():
        for run in client.dag_runs(INGEST)[:3]:
            ti = faultkit.running_ti(client, INGEST, run["dag_run_id"], "ingest_trade")
            if ti:
                return run["dag_run_id"], ti
        return None

    run_id, ti = faultkit.wait_until(loading_task, 60, interval=0.05, what="ingest_trade running")
    hurt(run_id, ti)
    return client.wait_for_run(INGEST, run_id, timeout=300)


def test_postgres_stopped_mid_load_then_the_task_is_retried(faulted, reference):
    name, body = "BACI_HS17_Y2022_V202401_restart.csv", faultkit.big_file_body(800)

    def restart_postgres(run_id, ti):
        faulted.pg.stop()  # fast shutdown: open transactions roll back
        try:
            # Down until the task has failed on it (else a quick load might not notice).
            faultkit.wait_until(lambda: not faultkit.running_ti(faulted.client, INGEST, run_id, "ingest_trade"),
                                120, interval=0.2, what="ingest_trade failing on the stopped server")
        finally:
            faulted.pg.start()

    run = _load_under_fault(faulted, name, body, restart_postgres)
    assert run["state"] == "success"
    assert max(faultkit.tries(faulted.client, INGEST, run["dag_run_id"], "ingest_trade")) >= 2
    assert faultkit.batch_status(faulted.url, name) == "loaded"
    reference.ingest([(name, body)])
    assert_same_as_clean(faulted, reference, "PostgreSQL stopped mid-load (fast), task retried")


def test_worker_killed_mid_task_then_the_task_is_retried(faulted, reference):
    name, body = "BACI_HS17_Y2022_V202401_killed.csv", faultkit.big_file_body(801)
    killed = []

    def kill_worker(run_id, ti):
        proc = faultkit.wait_until(lambda: faultkit.task_process(ti["id"]), 30, interval=0.05,
                                   what="the ingest_trade process")
        killed.append(faultkit.sigkill(proc))

    run = _load_under_fault(faulted, name, body, kill_worker)
    assert killed and run["state"] == "success"
    assert max(faultkit.tries(faulted.client, INGEST, run["dag_run_id"], "ingest_trade")) >= 2
    reference.ingest([(name, body)])
    assert_same_as_clean(faulted, reference, "worker SIGKILLed mid-task, task retried")


def test_scrape_interrupted_halfway_resumes(faulted, reference):
    """The scrape of a source is SIGKILLed after its first article was stored (the site
    slowed down so that halfway exists); the retry resumes: pages already stored come
    back as unchanged, the rest are loaded."""
    client, site = faulted.client, faulted.site
    sources = ["demo_aps_ar"]
    site.faults.delay_seconds = 0.4
    killed = []
    try:
        run_id = client.trigger(SCRAPE, {"source_set": "demo", "demo_site": site.base_url,
                                         "sources": sources})

        def halfway():
            if faultkit.count(faulted.url, "select count(*) from raw.news_articles "
                              "where source_id = 'demo_aps_ar'") < 1:
                return None
            for ti in client.task_instances(SCRAPE, run_id):
                if ti["task_id"] == "scrape" and ti["state"] == "running":
                    return faultkit.task_process(ti["id"])
            return None

        killed.append(faultkit.sigkill(faultkit.wait_until(halfway, 180, interval=0.1,
                                                           what="a scrape halfway")))
    finally:
        site.faults.clear()
    run = client.wait_for_run(SCRAPE, run_id, timeout=400)
    states = {(t["task_id"], t["map_index"]): (t["state"], t["try_number"])
              for t in client.task_instances(SCRAPE, run_id)}
    assert run["state"] == "success", states
    assert max(n for (task, _), (_, n) in states.items() if task == "scrape") >= 2
    reference.scrape(sources)
    assert_same_as_clean(faulted, reference, "scrape SIGKILLed halfway, resumed by the retry")


def test_a_source_down_for_an_hour_leaves_no_gap(faulted, reference):
    """El Watan answers 500 to everything (robots.txt, feed, pages) for the whole
    outage: its run is recorded failed, the other source loads; after recovery the next
    run loads all of it."""
    client, site = faulted.client, faulted.site
    sources = ["demo_elwatan_fr", "demo_djazairess"]
    site.faults.failing_prefixes.add("/elwatan.com")
    try:
        run_id = client.trigger(SCRAPE, {"source_set": "demo", "demo_site": site.base_url,
                                         "sources": sources})
        down = client.wait_for_run(SCRAPE, run_id, timeout=400)
    finally:
        site.faults.clear()
    assert down["state"] == "failed"  # `report` names the failed source
    assert site.faults.requests_failed > 0
    assert faultkit.count(faulted.url, """select count(*) from raw.scrape_runs
        where scrape_run_id = %s and source_id = 'demo_elwatan_fr' and status = 'failed'""",
                          (f"scrape_news:{run_id}",)) == 1
    assert faultkit.count(faulted.url, "select count(*) from raw.news_articles where source_id = 'demo_elwatan_fr'") == 0

    again = client.trigger(SCRAPE, {"source_set": "demo", "demo_site": site.base_url,
                                    "sources": sources})
    assert client.wait_for_run(SCRAPE, again, timeout=400)["state"] == "success"
    reference.scrape(sources)
    assert_same_as_clean(faulted, reference, "source returning 500 for an hour, then recovering")


# -- the marts, once, after every fault ----------------------------------------------
# Both warehouses are rebuilt by dbt (one `dbt build` each, ~12 s here) and every mart is
# compared, except the marts of the platform's own run logs (fingerprint.RUN_LOGS:
# fct_scrape_runs_daily, fct_data_quality_daily, fct_alerts, dim_monitored_sources),
# where a fault should show, as their source tables are left out of the raw comparison.


def test_marts_equal_the_clean_run(faulted, reference, tmp_path):
    outcomes = {}
    for name, url in (("faulted", faulted.url), ("clean", reference.url)):
        try:
            outcomes[name] = transform.build(url, target_path=tmp_path / name).summary()["statuses"]
        except transform.DbtError as exc:
            # A data test may warn or fail on the faulted side only because of its run
            # logs (monitoring models); the models themselves are compared below.
            outcomes[name] = f"dbt build failed: {str(exc)[-1500:]}"
    print(outcomes)
    assert isinstance(outcomes["clean"], dict), outcomes["clean"]
    actual = warehouse_fingerprint(faulted.url, ("marts",))
    expected = warehouse_fingerprint(reference.url, ("marts",))
    assert len(expected) >= 15 and sum(count for count, _ in expected.values()) > 0
    faulted.record("marts rebuilt after every fault", rows_lost(actual, expected),
                   fingerprint_diff(actual, expected))
    assert fingerprint_diff(actual, expected) == {}


# -- secrets ---------------------------------------------------------------------------
# No planted secret appears in any output of the stack: Airflow task and component logs,
# dbt's log and output, GX Data Docs, the alert outbox and the e-mails and webhook bodies
# delivered. Planted by tests/faults/conftest.py (faultkit.SECRETS): SMTP password,
# Comtrade API key, a webhook URL token, the warehouse password (in
# CLUSTERWATCH_DATABASE_URL, hence DBT_ENV_SECRET_PG_PASSWORD) and the password of the
# Airflow connection `comtrade_api`. The test makes the stack talk: a scrape whose source
# is down fails its `report` task (task-failure alert by e-mail and webhook), and dbt
# runs with the password in its profile; validations wrote Data Docs above.


def files_containing(root: Path, secret: str) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and path.stat().st_size < 50_000_000:
            try:
                if secret.encode() in path.read_bytes():
                    hits.append(str(path))
            except OSError:
                continue
    return hits


def test_no_planted_secret_in_any_output(faulted, tmp_path):
    client, site = faulted.client, faulted.site
    smtp, webhook = faulted.receivers["smtp"], faulted.receivers["webhook"]
    site.faults.failing_prefixes.add("/industrie.gov.dz")
    try:
        run_id = client.trigger("scrape_news", {"source_set": "demo", "demo_site": site.base_url,
                                                "sources": ["demo_industrie"]})
        assert client.wait_for_run("scrape_news", run_id, timeout=300)["state"] == "failed"
    finally:
        site.faults.clear()
    # failure alerts went out on both channels (this one, or the same alert deduplicated
    # after the outage scenario raised it)
    wait_until(lambda: smtp.messages and webhook.received(), 60)

    # dbt with the password in its profile (as Cosmos runs it): its log and output
    dbt_dir = tmp_path / "dbt"
    result = transform.run_dbt(["debug"], faulted.url, target_path=dbt_dir)
    assert result.success and "All checks passed" in result.output

    with db.connect(faulted.url) as conn:
        outbox = json.dumps([list(map(str, row)) for row in conn.execute(
            "select * from monitoring.alerts a left join monitoring.alert_outbox o using (alert_id)")])
    assert outbox != "[]", "no alert was recorded"
    mails = "\n".join(m.message.as_string() for m in smtp.messages)
    hooks = "\n".join(r.body.decode("utf-8", "replace") if isinstance(r.body, bytes) else str(r.body)
                      for r in webhook.received())
    data_docs = faulted.home / "data_docs"
    assert any(data_docs.rglob("*.html")), "no Data Docs were written"
    task_logs = list((faulted.home / "logs").rglob("*.log"))
    assert len(task_logs) > 20

    leaks = {}
    for name, secret in faultkit.SECRETS.items():
        found = files_containing(faulted.home / "logs", secret) + files_containing(data_docs, secret)
        found += files_containing(dbt_dir, secret)
        found += [label for label, text in (("dbt output", result.output), ("alert outbox", outbox),
                                            ("e-mails", mails), ("webhook bodies", hooks))
                  if secret in text]
        if found:
            leaks[name] = found
    assert leaks == {}
