"""Quarantined registry and trade batches stay out of the marts, in full and incremental runs.

One warehouse for the module, files loaded by the real ingest loader; validations by
the real Great Expectations runner, quarantines written to monitoring.batch_quality as
expectations/runner.py writes them (dataset = the suite's DATASET; the loader already
rejects what the trade suites' error-level checks catch), releases through
`release_batch`. Steps, each followed by checks
and, for the incremental ones, by a full refresh whose marts must be identical:

1. first `dbt build`: registry and trade batches quarantined at load are absent;
2. a registry file updating a company, quarantined; a trade batch quarantined after it
   was built (its flows leave); a national file released (its month is summed in); a
   new trade batch quarantined at load -> `dbt build` (incremental);
3. those batches released, another quarantined after it was built, a new validated
   batch -> `dbt build` (incremental);
4. nothing decided -> the incremental run applies no decision (no extra SQL) and
   changes nothing.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from clusterwatch import db, transform, warehouse

from mart_checks import mart_checksums, query

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "demo" / "landing"
BACI_FILE = DEMO / "trade" / "SYNTHETIC_BACI_HS17_Y2021_V000000.csv"
COUNTRIES_FILE = DEMO / "trade" / "SYNTHETIC_baci_country_codes_V000000.csv"
SYNTHETIC_REGISTRY = DEMO / "registry" / "SYNTHETIC_registry_industrial_companies.csv"

COMTRADE_HEADER = ("refYear,period,freqCode,reporterISO,partnerISO,flowCode,cmdCode,primaryValue,netWgt,"
                   "classificationCode\n")
COMTRADE = {
    # C1: built, quarantined after the first build, released in step 3.
    "C1": "2022,2022,A,DZA,ESP,X,2711,7250000000,,H6\n2022,2022,A,DZA,ITA,X,270900,4000000000,,H6\n",
    # C2: quarantined at load (before the first build), released in step 3.
    "C2": "2020,2020,A,DZA,TUN,X,2709,300000000,,H6\n",
    # C3: loaded and quarantined in step 2 (after the watermark): never built.
    "C3": "2021,2021,A,DZA,MAR,X,2711,200000000,,H6\n",
    # C4: loaded and validated in step 3.
    "C4": "2021,2021,A,DZA,TUR,X,2711,100000000,,H6\n",
}
NATIONAL_HEADER = "Année;Mois;Flux;Pays ISO3;Code SH;Valeur DA;Valeur USD;Poids net kg\n"
NATIONAL = {
    # N1: January of crude to Italy and a year of LNG to Spain; quarantined in step 3.
    "N1": "2023;1;X;ITA;2709000000;150 000 000 000;1 100 000 000;2 000 000\n"
          "2023;0;X;ESP;271111;1;2 000 000 000;\n",
    # N2: February of the same flow (summed with N1's January) and an import;
    # quarantined at load, released in step 2.
    "N2": "2023;2;X;ITA;2709000000;120 000 000 000;900 000 000;1 500 000\n"
          "2023;0;M;CHN;8703;80 000 000 000;592 000 000;\n",
}
REGISTRY_HEADER = SYNTHETIC_REGISTRY.read_text(encoding="utf-8").splitlines()[0] + "\n"
# A new company in a wilaya (47, Ghardaïa) and sector the synthetic registry lacks.
REGISTRY_NEW = "SYNTHETIC QUARANTINED 47-1,SARL,Ghardaïa,47,2640,500,2015-01-15,\n"

REGISTRY_DATASET = "registry_companies"
DATASETS = {"C": "trade_comtrade_records", "N": "trade_national_flows"}


def ingest(url: str, path: Path, dataset: str) -> str:
    from ingest.pipeline import ingest_file

    result = ingest_file(path, dataset, database_url=url)
    assert result.status == "loaded" and result.rows_rejected == 0, (path.name, result)
    return result.batch_id


def decide(url: str, dataset: str, batch_id: str, status: str) -> None:
    """Record a decision as expectations/runner.py does (the latest decides, decided_at now)."""
    with db.connect(url) as conn:
        conn.execute(
            """insert into monitoring.batch_quality (dataset, batch_id, status, dq_run_id, rows_checked,
                   error_failures, warning_failures, decided_at)
               values (%s, %s, %s, 'dq-test', 1, %s, 0, now())
               on conflict (dataset, batch_id) do update set status = excluded.status,
                   error_failures = excluded.error_failures, decided_at = excluded.decided_at""",
            (dataset, batch_id, status, int(status == "quarantined")))


def validate(url: str, dataset: str, batch_id: str) -> str:
    """The real Great Expectations runner: writes monitoring.batch_quality."""
    from expectations.runner import validate_batch

    return validate_batch(dataset, batch_id, url).status


def release(url: str, dataset: str, batch_id: str) -> None:
    from expectations.runner import release_batch

    release_batch(dataset, batch_id, "checked by hand", url)


def assert_built(result) -> None:
    statuses = result.summary()["statuses"]
    # "warn": the membership of a company hidden by a quarantined batch (step 2).
    assert set(statuses) <= {"success", "pass", "no-op", "warn"}, result.output_tail()


def incremental_then_full(state: dict) -> dict:
    """`dbt build` (incremental), checksums; `dbt run --full-refresh`, checksums."""
    url, target = state["url"], state["target"]
    result = transform.build(url, target_path=target)
    assert_built(result)
    compiled = {r["unique_id"].split(".")[-1]: r.get("compiled_code") or ""
                for r in result.run_results()["results"]}
    # (read before the full refresh overwrites run_results.json)
    warned = {r["unique_id"].split(".")[2] for r in result.run_results()["results"] if r["status"] == "warn"}
    incremental = mart_checksums(url)
    flows = trade_flows(url)
    companies = companies_by_name(url)
    transform.run_dbt(["run", "--full-refresh"], url, target_path=target)
    return {"incremental": incremental, "full": mart_checksums(url), "flows": flows,
            "companies": companies, "compiled": compiled, "warned": warned}


def trade_flows(url: str) -> dict[tuple, tuple]:
    """{(source, year, reporter, partner, flow, hs): (value, batch count)} of fct_trade_flows
    but BACI (unchanged by every step)."""
    return {tuple(r[:6]): (r[6], r[7]) for r in query(url, """
        select data_source, trade_year, reporter_iso3, partner_iso3, flow_code, hs_code,
               trade_value_usd, cardinality(batch_ids)
        from marts.fct_trade_flows where data_source <> 'baci'""")}


def companies_by_name(url: str) -> dict[str, int | None]:
    return dict(query(url, "select company_name_fr, employee_count from marts.dim_companies"))


def snapshot_versions(url: str, name: str) -> list[tuple]:
    return query(url, """select employee_count, dbt_valid_to is null from snapshots.registry_companies_snapshot
                         where company_name_fr = %s order by dbt_valid_from""", (name,))


@pytest.fixture(scope="module")
def state(pg_server_url, tmp_path_factory):
    url = warehouse.with_database(pg_server_url, f"cw_test_quar_{uuid.uuid4().hex[:8]}")
    warehouse.ensure_database(url)
    db.bootstrap(url)
    files = tmp_path_factory.mktemp("quarantine_files")

    def write(name: str, text: str) -> Path:
        path = files / name
        path.write_text(text, encoding="utf-8")
        return path

    batches = {}
    ingest(url, SYNTHETIC_REGISTRY, "registry")
    ingest(url, COUNTRIES_FILE, "trade")
    ingest(url, BACI_FILE, "trade")
    for key in ("C1", "C2"):
        batches[key] = ingest(url, write(f"comtrade_{key}.csv", COMTRADE_HEADER + COMTRADE[key]), "trade")
    for key in ("N1", "N2"):
        batches[key] = ingest(url, write(f"douanes_{key}.csv", NATIONAL_HEADER + NATIONAL[key]), "trade")
    batches["R_new"] = ingest(url, write("registry_new.csv", REGISTRY_HEADER + REGISTRY_NEW), "registry")
    # Decisions by the real runner, under the suites' dataset names...
    assert validate(url, DATASETS["C"], batches["C1"]) == "validated"
    assert validate(url, DATASETS["N"], batches["N1"]) == "validated"
    # ... and quarantines written as it writes them: the loader already rejects every
    # row these suites' error-level checks would fail (they are a second line), so no
    # file can be made to fail them here.
    decide(url, DATASETS["C"], batches["C2"], "quarantined")
    decide(url, DATASETS["N"], batches["N2"], "quarantined")
    decide(url, REGISTRY_DATASET, batches["R_new"], "quarantined")
    target = tmp_path_factory.mktemp("dbt_target_quarantine")
    first = transform.build(url, target_path=target)
    yield {"url": url, "target": target, "files": files, "write": write, "batches": batches,
           "first": first}
    warehouse.drop_database(url)


@pytest.fixture(scope="module")
def step2(state):
    url, batches, write = state["url"], state["batches"], state["write"]
    state["snapshot_before"] = snapshot_versions(url, "SYNTHETIC 2640 34-1")
    # A registry file changing a company's headcount (120 -> 135), quarantined.
    first = SYNTHETIC_REGISTRY.read_text(encoding="utf-8").splitlines()[1]
    assert first.startswith("SYNTHETIC 2640 34-1,") and ",120," in first
    batches["R_update"] = ingest(url, write("registry_update.csv",
                                            REGISTRY_HEADER + first.replace(",120,", ",135,") + "\n"), "registry")
    decide(url, REGISTRY_DATASET, batches["R_update"], "quarantined")
    decide(url, DATASETS["C"], batches["C1"], "quarantined")  # after it was built
    release(url, DATASETS["N"], batches["N2"])
    batches["C3"] = ingest(url, write("comtrade_C3.csv", COMTRADE_HEADER + COMTRADE["C3"]), "trade")
    decide(url, DATASETS["C"], batches["C3"], "quarantined")
    return incremental_then_full(state)


@pytest.fixture(scope="module")
def step3(state, step2):
    url, batches, write = state["url"], state["batches"], state["write"]
    release(url, REGISTRY_DATASET, batches["R_update"])
    release(url, REGISTRY_DATASET, batches["R_new"])
    release(url, DATASETS["C"], batches["C1"])
    release(url, DATASETS["C"], batches["C2"])
    decide(url, DATASETS["N"], batches["N1"], "quarantined")  # after it was built
    batches["C4"] = ingest(url, write("comtrade_C4.csv", COMTRADE_HEADER + COMTRADE["C4"]), "trade")
    decide(url, DATASETS["C"], batches["C4"], "validated")
    return incremental_then_full(state)


@pytest.fixture(scope="module")
def step4(state, step3):
    url, target = state["url"], state["target"]
    before = mart_checksums(url)
    result = transform.run_dbt(["run", "--select", "fct_trade_flows"], url, target_path=target)
    compiled = {r["unique_id"].split(".")[-1]: r.get("compiled_code") or ""
                for r in result.run_results()["results"]}
    # The statement the materialization ran (its delete+insert), before step 5 rewrites it.
    executed = (Path(target) / "run" / "clusterwatch" / "models" / "marts" / "trade" / "fct_trade_flows.sql")
    return {"before": before, "after": mart_checksums(url), "compiled": compiled["fct_trade_flows"],
            "executed": executed.read_text(encoding="utf-8")}


# --- step 1: first build ---------------------------------------------------------------

def test_first_build_passes(state):
    assert_built(state["first"])
    assert set(state["first"].summary()["statuses"]) <= {"success", "pass", "no-op"}


def test_trade_batches_quarantined_at_load_are_not_built(state):
    flows = trade_flows(state["url"])
    assert {k: v for k, v in flows.items() if k[0] != "baci"} == {
        ("comtrade", 2022, "DZA", "ESP", "X", "2711"): (Decimal("7250000000"), 1),
        ("comtrade", 2022, "DZA", "ITA", "X", "270900"): (Decimal("4000000000"), 1),
        # January only: N2's February is quarantined; N2's import is out.
        ("national", 2023, "DZA", "ITA", "X", "2709000000"): (Decimal("1100000000"), 1),
        ("national", 2023, "DZA", "ESP", "X", "271111"): (Decimal("2000000000"), 1),
    }
    assert query(state["url"], """select count(*) from marts.fct_trade_flows
                                  where batch_ids && %s""",
                 ([state["batches"]["C2"], state["batches"]["N2"]],)) == [(0,)]
    # The staging and intermediate models agree (what the RCA and diversification read).
    assert query(state["url"], "select count(*) from staging.stg_trade__comtrade_records "
                               "where batch_id = %s", (state["batches"]["C2"],)) == [(0,)]


def test_registry_batch_quarantined_at_load_reaches_no_mart(state):
    url = state["url"]
    companies = companies_by_name(url)
    assert len(companies) == 44 and "SYNTHETIC QUARANTINED 47-1" not in companies
    assert query(url, "select count(*) from marts.fct_wilaya_sector_specialisation "
                      "where wilaya_sector_id like '47:%%'") == [(0,)]
    # Every company with a sector is counted once, and only those.
    assert query(url, "select sum(establishment_count), sum(employee_count) "
                      "from marts.fct_wilaya_sector_specialisation") == query(
        url, "select count(*), sum(employee_count) from marts.dim_companies where sector_id is not null")
    assert query(url, "select count(*) from snapshots.registry_companies_snapshot "
                      "where company_name_fr = 'SYNTHETIC QUARANTINED 47-1'") == [(0,)]
    assert snapshot_versions(url, "SYNTHETIC 2640 34-1") == [(120, True)]


# --- step 2 --------------------------------------------------------------------------

def test_step2_incremental_equals_full_refresh(step2):
    differing = {t: (step2["incremental"].get(t), step2["full"][t]) for t in step2["full"]
                 if step2["incremental"].get(t) != step2["full"][t]}
    assert not differing, differing


def test_batch_quarantined_after_the_build_leaves_and_a_released_one_comes_in(step2):
    assert step2["flows"] == {
        # C1 quarantined after it was built, C3 at load: no Comtrade flow left.
        # N2 released: February summed with January; its import comes in.
        ("national", 2023, "DZA", "ITA", "X", "2709000000"): (Decimal("2000000000"), 2),
        ("national", 2023, "DZA", "ESP", "X", "271111"): (Decimal("2000000000"), 1),
        ("national", 2023, "DZA", "CHN", "M", "8703"): (Decimal("592000000"), 1),
    }
    compiled = step2["compiled"]["fct_trade_flows"]
    assert "data_source = 'national'" in compiled  # national flows summed again


def test_company_of_a_quarantined_update_is_hidden_and_its_history_kept(step2, state):
    url = state["url"]
    assert "SYNTHETIC 2640 34-1" not in step2["companies"]
    assert len(step2["companies"]) == 43
    # The snapshot keeps the approved version current; the quarantined one makes none.
    assert state["snapshot_before"] == [(120, True)]
    # Its membership (stated by the first, approved file) is named by a warning and
    # counted for no cluster.
    assert len(step2["warned"]) == 1
    assert next(iter(step2["warned"])).startswith("relationships_stg_registry__cluster_memberships_company_id")
    assert query(url, "select count(*) from intermediate.int_cluster_memberships_resolved "
                      "where company_id = (select company_key from raw.registry_companies "
                      "where name_fr = 'SYNTHETIC 2640 34-1')") == [(0,)]
    # (checked after the full refresh, which does not touch snapshots)
    assert snapshot_versions(url, "SYNTHETIC 2640 34-1") == [(120, True)]


# --- step 3 --------------------------------------------------------------------------

def test_step3_incremental_equals_full_refresh(step3):
    differing = {t: (step3["incremental"].get(t), step3["full"][t]) for t in step3["full"]
                 if step3["incremental"].get(t) != step3["full"][t]}
    assert not differing, differing


def test_released_batches_come_back_and_a_late_quarantine_leaves(step3):
    assert step3["flows"] == {
        ("comtrade", 2022, "DZA", "ESP", "X", "2711"): (Decimal("7250000000"), 1),
        ("comtrade", 2022, "DZA", "ITA", "X", "270900"): (Decimal("4000000000"), 1),
        ("comtrade", 2020, "DZA", "TUN", "X", "2709"): (Decimal("300000000"), 1),
        ("comtrade", 2021, "DZA", "TUR", "X", "2711"): (Decimal("100000000"), 1),
        # N1 quarantined after it was built: February alone, Spain's LNG gone.
        ("national", 2023, "DZA", "ITA", "X", "2709000000"): (Decimal("900000000"), 1),
        ("national", 2023, "DZA", "CHN", "M", "8703"): (Decimal("592000000"), 1),
    }
    # Released batches are read again by batch id (C4, new, by its load time only).
    assert re.search(r"source_batch_id = any\(array\[[^\]]*\]::text\[\]\)", step3["compiled"]["fct_trade_flows"])


def test_released_registry_batches_reach_the_marts_and_the_snapshot(step3, state):
    url = state["url"]
    assert step3["companies"]["SYNTHETIC 2640 34-1"] == 135
    assert step3["companies"]["SYNTHETIC QUARANTINED 47-1"] == 500
    assert len(step3["companies"]) == 45
    assert query(url, "select establishment_count, employee_count from marts.fct_wilaya_sector_specialisation "
                      "where wilaya_sector_id = '47:digital_electronics'") == [(1, 500)]
    assert snapshot_versions(url, "SYNTHETIC 2640 34-1") == [(120, False), (135, True)]
    assert snapshot_versions(url, "SYNTHETIC QUARANTINED 47-1") == [(500, True)]


# --- step 4 --------------------------------------------------------------------------

def test_no_decision_no_extra_work(step4):
    assert step4["after"] == step4["before"]
    assert "source_batch_id = any" not in step4["compiled"]
    assert "data_source = 'national'" not in step4["compiled"]


def test_the_incremental_delete_can_probe_the_key_index(step4, state):
    """macros/materializations/delete_insert.sql: the delete of the delete+insert strategy
    is `key = any(array(select distinct key ...))` with the keys in the mart column's
    collation. The model computes trade_flow_id from `collate "C"` codes, so its new rows
    arrive in "C"; compared as such, the unique index (default collation) cannot serve
    and each of the fact's rows would be compared with every new key."""
    delete = step4["executed"].split(";")[0]
    assert "trade_flow_id = any(array(" in delete
    assert 'collate pg_catalog."default"' in delete
    temp = re.search(r'from "(fct_trade_flows__dbt_tmp\w+)"', delete).group(1)
    with db.connect(state["url"]) as conn:
        # The temporary table the run had, as the model makes it: keys in "C".
        conn.execute(f'create temporary table "{temp}" as '
                     'select trade_flow_id collate "C" as trade_flow_id from marts.fct_trade_flows')
        conn.execute("set local enable_seqscan = off")  # a small fact: show what is possible
        plan = "\n".join(row[0] for row in conn.execute("explain " + delete))
        without_collation = "\n".join(row[0] for row in conn.execute(
            "explain " + delete.replace(' collate pg_catalog."default"', "")))
        conn.rollback()
    assert "Index Cond: (trade_flow_id = ANY" in plan, plan  # an index scan (or a bitmap one)
    # The same delete without the conversion cannot use the index (what the macro avoids).
    assert "Index Cond: (trade_flow_id = ANY" not in without_collation, without_collation


# --- step 5: a fact built by an older version (before batch_ids) ------------------------

@pytest.fixture(scope="module")
def step5(state, step4):
    """The fact as an older version built it (no batch_ids, no batch_decided_at): `dbt
    compile` leaves it alone, the next `dbt run` rebuilds it in full, once."""
    url, target = state["url"], state["target"]
    query_columns = ("select count(*) from information_schema.columns where table_schema = 'marts' "
                     "and table_name = 'fct_trade_flows' and column_name in ('batch_ids', 'batch_decided_at')")
    with db.connect(url) as conn:
        conn.execute("alter table marts.fct_trade_flows drop column batch_ids cascade, "
                     "drop column batch_decided_at cascade")
    transform.run_dbt(["compile", "--select", "fct_trade_flows"], url, target_path=target)
    after_compile = query(url, query_columns)[0][0]
    result = transform.run_dbt(["run", "--select", "fct_trade_flows"], url, target_path=target)
    return {"after_compile": after_compile, "result": result, "columns": query_columns,
            "before": step4["after"]["fct_trade_flows"],
            "after": mart_checksums(url)["fct_trade_flows"]}


def test_a_fact_built_by_an_older_version_is_rebuilt_once(step5, state):
    assert step5["after_compile"] == 0  # compile dropped nothing
    assert "dropped and built in full" in step5["result"].output
    assert query(state["url"], step5["columns"]) == [(2,)]
    assert step5["after"] == step5["before"]
