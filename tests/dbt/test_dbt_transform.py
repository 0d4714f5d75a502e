"""clusterwatch.transform: environment for dbt, manifest freshness, errors and secrets."""

from __future__ import annotations

import os
import time
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
