"""The project's `view` materialization (dbt_project/macros/materializations/view.sql)
keeps a view whose definition has not changed instead of re-creating it, and still
re-creates, re-grants and re-documents whatever did change.

On a copy of the real project (so models can be edited), with a probe view added:
`select *` from a plain table of the test's own, with grants and persist_docs, so one
view shows what compiled SQL alone would miss (a column added to its table) and what
marts views need (grants, comments). A view is "the same view" when its pg_class oid
is: re-creating it (dbt's rename and drop) gives a new oid.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import psycopg
import pytest

from clusterwatch import db, transform, warehouse

pytestmark = pytest.mark.postgres

VIEWS = {"stg_news__articles": "staging", "int_articles_measured": "intermediate",
         "view_probe": "staging"}
SELECT = ["--select", *VIEWS]

PROBE_SQL = """
{{ config(grants={'select': ['clusterwatch_analyst']},
          persist_docs={'relation': true, 'columns': true}) }}
select * from public.view_probe_items
"""
PROBE_YML = """
version: 2
models:
  - name: view_probe
    description: "{description}"
    columns:
      - name: item_id
        description: "The probe's item, it's quoted"
      - name: label
        description: Label of the item
"""


def observe(url: str, result: transform.DbtResult | None = None) -> dict:
    """Per view: oid, columns, grantees, comments, and its run_results message."""
    messages = {node["unique_id"].rsplit(".", 1)[-1]: node["message"]
                for node in ((result.run_results() or {}).get("results", []) if result else [])}
    seen = {}
    with psycopg.connect(url) as conn:
        for name, schema in VIEWS.items():
            row = conn.execute("""
                select c.oid::bigint, c.relkind::text,
                    array(select attname::text from pg_attribute
                          where attrelid = c.oid and attnum > 0 and not attisdropped order by attnum),
                    has_table_privilege('clusterwatch_analyst', c.oid, 'select'),
                    obj_description(c.oid, 'pg_class'),
                    array(select coalesce(col_description(c.oid, attnum), '') from pg_attribute
                          where attrelid = c.oid and attnum > 0 and not attisdropped order by attnum)
                from pg_class as c where c.oid = to_regclass(%s)""", (f"{schema}.{name}",)).fetchone()
            seen[name] = None if row is None else {
                "oid": row[0], "kind": row[1], "columns": row[2], "analyst_reads": row[3],
                "comment": row[4], "column_comments": row[5], "message": messages.get(name)}
    return seen


@pytest.fixture(scope="module")
def history(pg_server_url, tmp_path_factory):
    """Runs of the three views through a series of changes; what each run left."""
    root = tmp_path_factory.mktemp("view_materialization")
    project = Path(shutil.copytree(transform.settings.DBT_PROJECT_DIR, root / "dbt_project",
                                   ignore=shutil.ignore_patterns("target", "logs")))
    probe_dir = project / "models" / "staging" / "probe"
    probe_dir.mkdir()
    (probe_dir / "view_probe.sql").write_text(PROBE_SQL)
    probe_yml = probe_dir / "_probe.yml"
    probe_yml.write_text(PROBE_YML.format(description="Probe view, first description"))
    articles_sql = project / "models" / "staging" / "news" / "stg_news__articles.sql"
    target = root / "target"

    url = warehouse.with_database(pg_server_url, f"cw_test_views_{uuid.uuid4().hex[:8]}")
    warehouse.ensure_database(url)
    db.bootstrap(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("create table public.view_probe_items (item_id int, label text)")

    def run(*extra: str) -> dict:
        result = transform.run_dbt(["run", *SELECT, *extra], url, target_path=target, project_dir=project)
        return observe(url, result)

    def sql(statement: str) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(statement)

    steps = {}
    try:
        transform.run_dbt(["seed"], url, target_path=target, project_dir=project)
        steps["first"] = run()
        steps["again"] = run()

        # Grants and comments changed behind dbt's back, the definition not.
        sql("revoke select on staging.view_probe from clusterwatch_analyst")
        sql("comment on view staging.view_probe is 'edited by hand'")
        sql("comment on column staging.view_probe.label is 'edited by hand'")
        steps["tampered"] = run()

        # A comment-only edit leaves the parsed query as it was; `where true` does not.
        articles_sql.write_text(articles_sql.read_text() + "\n-- a comment only\n")
        steps["comment_only"] = run()
        articles_sql.write_text(articles_sql.read_text().replace(
            "select * from deduplicated", "select * from deduplicated where true"))
        steps["parent_changed"] = run()

        # `select *`: same compiled SQL, but the table gained a column.
        sql("alter table public.view_probe_items add column added_later date")
        steps["table_grew"] = run()

        probe_yml.write_text(PROBE_YML.format(description="Probe view, second description"))
        steps["docs_changed"] = run()

        # Dropped outside the run (dbt's cache knows) ...
        sql("drop view staging.view_probe")
        steps["dropped"] = run()
        steps["full_refresh"] = run("--full-refresh")
        yield steps
    finally:
        warehouse.drop_database(url)


def test_first_run_creates_every_view(history):
    first = history["first"]
    assert all(first[name] and first[name]["kind"] == "v" for name in VIEWS)
    assert all(first[name]["message"] != "VIEW UNCHANGED" for name in VIEWS)


def test_an_unchanged_view_is_kept_and_reported(history):
    first, again = history["first"], history["again"]
    for name in VIEWS:
        assert again[name]["oid"] == first[name]["oid"], name
        assert again[name]["message"] == "VIEW UNCHANGED", name


def test_grants_and_comments_of_a_kept_view_stay_and_are_restored(history):
    first, again, tampered = history["first"], history["again"], history["tampered"]
    assert first["view_probe"]["analyst_reads"] and again["view_probe"]["analyst_reads"]
    assert first["view_probe"]["comment"] == again["view_probe"]["comment"] == "Probe view, first description"
    assert again["view_probe"]["column_comments"] == ["The probe's item, it's quoted", "Label of the item"]
    # Kept (same oid), yet the grant and the comments edited by hand are back.
    assert tampered["view_probe"]["oid"] == first["view_probe"]["oid"]
    assert tampered["view_probe"]["message"] == "VIEW UNCHANGED"
    assert tampered["view_probe"]["analyst_reads"]
    assert tampered["view_probe"]["comment"] == "Probe view, first description"
    assert tampered["view_probe"]["column_comments"] == ["The probe's item, it's quoted", "Label of the item"]
    # The views without grants or persist_docs get none.
    assert not again["stg_news__articles"]["analyst_reads"]
    assert again["stg_news__articles"]["comment"] is None


def test_a_comment_only_edit_keeps_the_view(history):
    assert history["comment_only"]["stg_news__articles"]["oid"] == history["first"]["stg_news__articles"]["oid"]
    assert history["comment_only"]["stg_news__articles"]["message"] == "VIEW UNCHANGED"


def test_a_changed_view_is_recreated_and_its_dependent_view_comes_back(history):
    before, after = history["comment_only"], history["parent_changed"]
    assert after["stg_news__articles"]["oid"] != before["stg_news__articles"]["oid"]
    assert after["stg_news__articles"]["message"] != "VIEW UNCHANGED"
    # dbt drops the old view with `cascade`, int_articles_measured with it, after dbt
    # listed the relations: it must be created again, not believed to exist.
    assert after["int_articles_measured"] is not None
    assert after["int_articles_measured"]["oid"] != before["int_articles_measured"]["oid"]
    assert after["int_articles_measured"]["message"] != "VIEW UNCHANGED"
    # The unrelated view stays.
    assert after["view_probe"]["oid"] == before["view_probe"]["oid"]


def test_a_select_star_view_follows_its_table(history):
    before, after = history["parent_changed"], history["table_grew"]
    assert before["view_probe"]["columns"] == ["item_id", "label"]
    assert after["view_probe"]["columns"] == ["item_id", "label", "added_later"]
    assert after["view_probe"]["oid"] != before["view_probe"]["oid"]
    # A re-created view gets its grant and comments again.
    assert after["view_probe"]["analyst_reads"]
    assert after["view_probe"]["comment"] == "Probe view, first description"
    assert after["view_probe"]["column_comments"][:2] == ["The probe's item, it's quoted", "Label of the item"]


def test_a_new_description_is_written_on_the_kept_view(history):
    before, after = history["table_grew"], history["docs_changed"]
    assert after["view_probe"]["oid"] == before["view_probe"]["oid"]
    assert after["view_probe"]["comment"] == "Probe view, second description"


def test_a_dropped_view_comes_back(history):
    assert history["dropped"]["view_probe"] is not None
    assert history["dropped"]["view_probe"]["analyst_reads"]
    assert history["dropped"]["stg_news__articles"]["message"] == "VIEW UNCHANGED"


def test_full_refresh_recreates_every_view(history):
    before, after = history["dropped"], history["full_refresh"]
    for name in VIEWS:
        assert after[name]["oid"] != before[name]["oid"], name
        assert after[name]["message"] != "VIEW UNCHANGED", name
    assert after["view_probe"]["analyst_reads"]
    assert after["view_probe"]["comment"] == "Probe view, second description"
