"""The demo lands its registry and trade files like a producer (file, then `.ready`), and
follows them through the ledger: the landing zone's own code (the one `ingest_landing`
runs) loads them here, without Airflow; `make demo` does the same through the DAGs."""

from __future__ import annotations

import csv

import pytest

from clusterwatch import db, demo_landing

pytestmark = pytest.mark.postgres


def test_demo_files_are_the_real_samples_and_labelled_synthetic_ones():
    files = {(dataset, path.name) for dataset, path in demo_landing.demo_files()}
    assert files == {
        ("registry", "transformatek__accountants_moral.csv"),
        ("registry", "transformatek__coworking-incubators.csv"),
        ("registry", "SYNTHETIC_registry_industrial_companies.csv"),
        ("trade", "comtrade-mirroring__auxiliary_statistics__DZA_only.tsv"),
        ("trade", "SYNTHETIC_BACI_HS17_Y2021_V000000.csv"),
        ("trade", "SYNTHETIC_baci_country_codes_V000000.csv"),
    }
    # The real samples are byte-for-byte the test fixtures (whose provenance is recorded).
    fixtures = demo_landing.settings.PROJECT_ROOT / "tests" / "fixtures" / "ingest"
    for dataset, path in demo_landing.demo_files():
        if not path.name.startswith("SYNTHETIC"):
            assert path.read_bytes() == (fixtures / path.name).read_bytes()
    # Every synthetic row says so in its name.
    with (demo_landing.DEMO_LANDING_DIR / "registry" / "SYNTHETIC_registry_industrial_companies.csv").open(
            encoding="utf-8") as handle:
        assert all(row["Raison sociale"].startswith("SYNTHETIC ") for row in csv.DictReader(handle))


def test_landed_files_are_loaded_once_and_followed_in_the_ledger(fresh_warehouse_url, tmp_path, monkeypatch):
    from ingest import ledger
    from ingest.landing import process_pending

    monkeypatch.setenv("CLUSTERWATCH_LANDING_DIR", str(tmp_path))
    url = fresh_warehouse_url
    with db.connect(url) as conn:
        since = conn.execute("select now()").fetchone()[0]
    landed = demo_landing.land_demo_files(tmp_path)
    for item in landed:
        assert (tmp_path / item.dataset / (item.name + ".ready")).exists()
    assert not list(tmp_path.glob("*/*.part"))
    assert set(demo_landing.landing_progress(url, landed, since).values()) == {"waiting"}

    for dataset in demo_landing.DATASETS:
        process_pending(dataset, database_url=url, received_via="watcher")
    progress = demo_landing.landing_progress(url, landed, since)
    assert set(progress.values()) == {"validating"}
    with pytest.raises(TimeoutError):
        demo_landing.wait_for_landed_files(url, landed, since, timeout=0, poll_seconds=0)

    # What validate_ingest_batch records after the batch's suites passed.
    with db.connect(url) as conn:
        for dataset in demo_landing.DATASETS:
            for batch in ledger.pending_validation(conn, dataset):
                ledger.mark_validation(conn, batch["batch_id"], passed=True)
    assert set(demo_landing.wait_for_landed_files(url, landed, since, timeout=5).values()) == {"loaded"}
    with db.connect(url) as conn:
        counts = dict(conn.execute("select format, rows_loaded from ingest.batches").fetchall())
    assert counts["baci-csv"] == 621 and counts["registry-csv"] in (4, 22, 44)

    # A second demo run lands the same bytes: duplicates, nothing changes.
    with db.connect(url) as conn:
        again_since = conn.execute("select now()").fetchone()[0]
    demo_landing.land_demo_files(tmp_path)
    for dataset in demo_landing.DATASETS:
        process_pending(dataset, database_url=url, received_via="watcher")
    assert set(demo_landing.wait_for_landed_files(url, landed, again_since, timeout=5).values()) == {"duplicate"}
