"""clusterwatch.transform: environment for dbt, manifest freshness, errors and secrets."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from clusterwatch import transform, warehouse


def test_dbt_env_splits_a_url():
    env = transform.dbt_env("postgresql://bi%40loader:p%40ss%3Aw0rd@db.internal:6543/cw?sslmode=require")
    assert env == {
        "CLUSTERWATCH_DBT_HOST": "db.internal",
        "CLUSTERWATCH_DBT_PORT": "6543",
        "CLUSTERWATCH_DBT_USER": "bi@loader",
        "DBT_ENV_SECRET_PG_PASSWORD": "p@ss:w0rd",
        "CLUSTERWATCH_DBT_DBNAME": "cw",
        "CLUSTERWATCH_DBT_SSLMODE": "require",
    }


def test_dbt_env_defaults():
    env = transform.dbt_env("postgresql://postgres@127.0.0.1/")
    assert env["CLUSTERWATCH_DBT_PORT"] == "5432"
    assert env["CLUSTERWATCH_DBT_DBNAME"] == "postgres"
    assert env["DBT_ENV_SECRET_PG_PASSWORD"] == ""
    assert "CLUSTERWATCH_DBT_SSLMODE" not in env


def test_dbt_env_rejects_other_urls():
    with pytest.raises(ValueError):
        transform.dbt_env("mysql://root@localhost/cw")


def test_profile_reads_exactly_the_variables_dbt_env_sets():
    profile = (transform.settings.DBT_PROJECT_DIR / "profiles.yml").read_text()
    for name in transform.dbt_env("postgresql://u:p@h:1/d?sslmode=disable"):
        assert f"env_var('{name}'" in profile, name
    # Only env_var() calls carry values (STYLE C10): no literal host, user or password.
    for line in profile.splitlines():
        key, _, value = line.strip().partition(":")
        if key in {"host", "port", "user", "password", "dbname", "schema"}:
            assert "env_var(" in value, line


def make_project(root: Path) -> Path:
    (root / "models" / "staging").mkdir(parents=True)
    (root / "models" / "staging" / "stg_a.sql").write_text("select 1 as a_id")
    (root / "dbt_project.yml").write_text("name: p\n")
    (root / "target").mkdir()
    return root


def set_mtime(path: Path, seconds_ago: float) -> None:
    stamp = time.time() - seconds_ago
    os.utime(path, (stamp, stamp))


def test_manifest_is_stale_when_missing_or_older_than_an_input(tmp_path):
    project = make_project(tmp_path)
    assert transform.manifest_is_stale(project)  # no manifest yet

    manifest = project / "target" / "manifest.json"
    manifest.write_text("{}")
    for path in [project / "dbt_project.yml", *project.joinpath("models").rglob("*")]:
        set_mtime(path, 60)
    set_mtime(project / "models", 60)
    set_mtime(manifest, 10)
    assert not transform.manifest_is_stale(project)

    set_mtime(project / "models" / "staging" / "stg_a.sql", 0)  # edited after the parse
    assert transform.manifest_is_stale(project)

    set_mtime(project / "models" / "staging" / "stg_a.sql", 60)
    (project / "macros").mkdir()  # a new folder of inputs
    assert transform.manifest_is_stale(project)


def test_ensure_manifest_parses_without_a_database(tmp_path, monkeypatch):
    # No CLUSTERWATCH_DBT_* variables at all: the profile's defaults are enough.
    for name in list(os.environ):
        if name.startswith(("CLUSTERWATCH_DBT_", "DBT_")):
            monkeypatch.delenv(name)
    path = transform.ensure_manifest()
    assert path == transform.settings.DBT_PROJECT_DIR / "target" / "manifest.json"
    assert path.exists() and not transform.manifest_is_stale()
    before = path.stat().st_mtime_ns
    assert transform.ensure_manifest() == path
    assert path.stat().st_mtime_ns == before  # fresh: no second parse


@pytest.mark.postgres
def test_password_never_reaches_the_output(pg_server_url, tmp_path):
    # The test server trusts local connections, so any password is accepted, and
    # `dbt debug` prints the whole profile it resolved.
    parts = urlsplit(pg_server_url)
    if parts.password:
        pytest.skip("the test server has a password of its own")
    secret = "Sup3r-S3cret-pw"
    url = urlunsplit(parts._replace(netloc=f"{parts.username}:{secret}@{parts.hostname}:{parts.port}"))
    result = transform.run_dbt(["debug"], url, target_path=tmp_path)
    assert "All checks passed" in result.output
    assert secret not in result.output
    log_text = "".join(p.read_text() for p in tmp_path.rglob("*.log"))
    assert log_text and secret not in log_text
    assert secret not in repr(result)


@pytest.mark.postgres
def test_failure_raises_dbt_error_with_the_output_tail(pg_server_url, tmp_path):
    url = warehouse.with_database(pg_server_url, "postgres")
    with pytest.raises(transform.DbtError) as failure:
        transform.run_dbt(["run-operation", "no_such_macro"], url, target_path=tmp_path)
    assert failure.value.result.returncode != 0
    assert "no_such_macro" in str(failure.value)


def copy_project(destination: Path) -> Path:
    """The real dbt project, without its target/ and logs/, keeping file times."""
    source = transform.settings.DBT_PROJECT_DIR
    return Path(shutil.copytree(source, destination / "dbt_project",
                                ignore=shutil.ignore_patterns("target", "logs")))


def test_a_real_edit_of_a_model_makes_the_prebuilt_manifest_stale(tmp_path):
    """The DAG renders from target/manifest.json: prove on a copy of the real project,
    with a real `dbt parse`, that an edited model is noticed and re-parsed."""
    project = copy_project(tmp_path)
    manifest = transform.ensure_manifest(project)
    assert not transform.manifest_is_stale(project)
    model = project / "models" / "marts" / "clusters" / "fct_cluster_activity_monthly.sql"

    model.write_text(model.read_text() + "\n-- edited after the parse\n")
    assert transform.manifest_is_stale(project)
    transform.ensure_manifest(project)
    assert not transform.manifest_is_stale(project)
    parsed = json.loads(manifest.read_text())["nodes"]["model.clusterwatch.fct_cluster_activity_monthly"]
    assert "edited after the parse" in parsed["raw_code"]

    # Modification times alone miss a file restored with its old time (cp -p, tar, a
    # checkout that keeps times): the recorded fingerprint of the parsed files does not.
    model = project / "models" / "marts" / "news" / "dim_sources.sql"
    before = model.stat()
    model.write_text(model.read_text().replace("is_demo", "is_demo  -- changed"))
    os.utime(model, ns=(before.st_atime_ns, before.st_mtime_ns))  # back-dated
    assert transform.manifest_is_stale(project)


@pytest.mark.postgres
def test_dbt_process_keeps_dbt_exit_code_artifacts_and_log(pg_server_url, tmp_path):
    """run_dbt's process (clusterwatch.dbt_process) leaves with os._exit after dbt: the
    exit code, run_results.json and the end of dbt.log are those of the `dbt` executable."""
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: p\nprofile: clusterwatch\nconfig-version: 2\n")
    shutil.copy(transform.settings.DBT_PROJECT_DIR / "profiles.yml", project / "profiles.yml")
    (project / "models" / "fine.sql").write_text("select 1 as fine_id")
    (project / "models" / "broken.sql").write_text("select * from no_such_table_anywhere")
    url = warehouse.with_database(pg_server_url, f"cw_test_process_{uuid.uuid4().hex[:8]}")
    warehouse.ensure_database(url)
    try:
        with pytest.raises(transform.DbtError) as failure:
            transform.run_dbt(["run"], url, target_path=tmp_path / "ours", project_dir=project)
        executable = subprocess.run(
            [str(transform.dbt_executable()), "run", "--project-dir", str(project), "--profiles-dir", str(project)],
            env={**os.environ, **transform.dbt_env(url), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
                 "DBT_VERSION_CHECK": "false", "DBT_TARGET_PATH": str(tmp_path / "theirs"),
                 "DBT_LOG_PATH": str(tmp_path / "theirs")},
            cwd=project, capture_output=True, text=True, check=False)
    finally:
        warehouse.drop_database(url)
    ours = failure.value.result
    assert ours.returncode == executable.returncode == 1
    statuses = {node["unique_id"]: node["status"] for node in ours.run_results()["results"]}
    assert statuses == {"model.p.fine": "success", "model.p.broken": "error"}
    assert "no_such_table_anywhere" in ours.output
    ours_log = (tmp_path / "ours" / "dbt.log").read_text().splitlines()
    theirs_log = (tmp_path / "theirs" / "dbt.log").read_text().splitlines()
    assert ours_log[-1].split("]: ", 1)[1] == theirs_log[-1].split("]: ", 1)[1]  # flushed to the end
