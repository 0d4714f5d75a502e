"""The ledger: one batch per content, every arrival recorded, unreadable files rejected
with a reason, counts that add up, reruns that change nothing."""

from __future__ import annotations

import os
import shutil
import threading

import psycopg
import pytest

from ingest_files import BACI, INCUBATORS, query, registry_workbook, scalar, write_text

pytestmark = pytest.mark.postgres


def ledger(url: str) -> list[dict]:
    with psycopg.connect(url) as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        return cur.execute("select * from ingest.batches order by received_at, batch_id").fetchall()


def test_same_content_twice_is_one_batch_and_the_second_changes_nothing(load, tmp_path):
    first = load(INCUBATORS, "registry")
    copy = shutil.copy(INCUBATORS, tmp_path / "renamed.csv")
    before = query(load.url, "select company_key, _batch_id, _loaded_at from raw.registry_companies order by 1")
    second = load(copy, "registry", received_via="watcher")
    assert (first.status, second.status) == ("loaded", "duplicate")
    assert second.duplicate_of == first.batch_id and second.batch_id.startswith(first.batch_id + "-dup-")
    assert (second.rows_in, second.rows_loaded, second.rows_rejected) == (0, 0, 0)
    assert query(load.url, "select company_key, _batch_id, _loaded_at from raw.registry_companies order by 1") \
        == before
    rows = ledger(load.url)
    assert [(r["status"], r["file_name"], r["received_via"]) for r in rows] == [
        ("loaded", INCUBATORS.name, "cli"), ("duplicate", "renamed.csv", "watcher")]
    assert rows[0]["sha256"] == rows[1]["sha256"] and rows[0]["size_bytes"] == os.path.getsize(INCUBATORS)
    assert rows[0]["started_at"] <= rows[0]["finished_at"] and rows[0]["tables"] == [
        "raw.registry_companies", "raw.registry_cluster_memberships"]


def test_the_database_refuses_a_second_batch_for_one_content(load):
    load(INCUBATORS, "registry")
    with pytest.raises(psycopg.errors.UniqueViolation):
        with psycopg.connect(load.url) as conn:
            conn.execute("""insert into ingest.batches (batch_id, dataset, sha256, size_bytes, file_name,
                                source_path, received_via, status)
                            select 'x', dataset, sha256, 1, 'x', 'x', 'cli', 'loading' from ingest.batches""")


def test_counts_that_do_not_add_up_cannot_be_committed(load):
    result = load(INCUBATORS, "registry")
    with pytest.raises(psycopg.errors.CheckViolation):
        with psycopg.connect(load.url) as conn:
            conn.execute("update ingest.batches set rows_rejected = rows_rejected + 1 where batch_id = %s",
                         (result.batch_id,))


@pytest.mark.parametrize(("content", "name", "reason"), [
    (b"", "empty.csv", "empty_file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(2048), "photo.csv", "binary_file"),
    (os.urandom(4096), "random.csv", "binary_file"),
    (b"\x1f\x8b\x08\x00" + os.urandom(512), "export.csv", "binary_file"),
    (b"Liste des membres\n\nvoir la pi\xc3\xa8ce jointe\n", "notes.csv", "no_header"),
])
def test_unreadable_files_are_rejected_with_a_reason(load, tmp_path, content, name, reason):
    path = tmp_path / name
    path.write_bytes(content)
    result = load(path, "registry")
    assert (result.status, result.reason) == ("rejected", reason)
    (row,) = ledger(load.url)
    assert (row["status"], row["reason"], row["rows_in"], row["rows_loaded"]) == ("rejected", reason, 0, 0)
    assert row["errors"] == [result.detail]
    assert scalar(load.url, "select count(*) from raw.registry_companies") == 0


def test_a_header_only_file_is_a_loaded_batch_of_no_rows(load, tmp_path):
    result = load(write_text(tmp_path / "vide.csv", "NIF;Raison sociale;Wilaya\n"), "registry")
    assert (result.status, result.rows_in, result.rows_loaded, result.rows_rejected) == ("loaded", 0, 0, 0)
    assert query(load.url, "select kind, line_number from ingest.findings") == [("no_data_rows", 1)]
    assert query(load.url, "select batch_id, dataset from ingest.batches where validation_status is null "
                           "and rows_inserted + rows_updated > 0") == []


def test_a_spreadsheet_with_a_formula_cell(load, tmp_path):
    result = load(registry_workbook(tmp_path / "r.xlsx", cached_formula=False), "registry")
    # Both formula cells lack a saved value here: both rows are rejected, nothing is guessed.
    assert (result.rows_in, result.rows_loaded, result.rows_rejected) == (5, 3, 2)
    assert result.rejected_by_reason == {"formula_without_value": 2}


def test_rerun_after_a_reset_ledger_changes_no_row(load, tmp_path):
    path = write_text(tmp_path / "BACI_HS17_Y2022_V202401.csv", BACI)
    first = load(path, "trade")
    snapshot = query(load.url, "select * from raw.trade_baci_flows order by product_code, exporter_code")
    quarantine = query(load.url, "select line_number, reason, raw_line from quarantine.trade_rows order by 1")
    # Forget the batch (as if the ledger row was lost) and load the same file again:
    # the merge by natural key finds every row unchanged.
    with psycopg.connect(load.url) as conn:
        conn.execute("delete from ingest.batches")
    again = load(path, "trade")
    assert (again.rows_inserted, again.rows_updated, again.rows_unchanged) == (0, 0, first.rows_loaded)
    assert query(load.url, "select * from raw.trade_baci_flows order by product_code, exporter_code") == snapshot
    assert query(load.url, "select line_number, reason, raw_line from quarantine.trade_rows order by 1") == quarantine


def test_the_same_content_arriving_while_it_loads_is_a_duplicate(load, tmp_path):
    rows = "".join(f"2022,12,{n % 900 + 1},{n % 500000 + 10101:06d},{n}.5,1\n" for n in range(25000))
    first_path = write_text(tmp_path / "a.csv", "t,i,j,k,v,q\n" + rows)
    second_path = shutil.copy(first_path, tmp_path / "b.csv")
    loading, release = threading.Event(), threading.Event()
    results = {}

    def pause(staged: int) -> None:
        loading.set()
        release.wait(30)

    worker = threading.Thread(target=lambda: results.setdefault("first", load(first_path, "trade", progress=pause)))
    worker.start()
    assert loading.wait(30)
    results["second"] = load(second_path, "trade")
    release.set()
    worker.join(60)
    assert results["first"].status == "loaded" and results["first"].rows_loaded == 25000
    assert results["second"].status == "duplicate" and results["second"].duplicate_of == results["first"].batch_id
    assert scalar(load.url, "select count(*) from raw.trade_baci_flows") == 25000
