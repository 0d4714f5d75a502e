"""Cluster marts with hand-checked values, and incremental runs equal to a full refresh.

One warehouse for the module, loaded the way the platform loads it: articles into
raw.news_articles, the real text analysis (`analyse_pending`) for mentions and stories,
a registry file through the real ingest pipeline for cluster memberships. Then:

1. `dbt build` (first build) -> the values of dim_clusters, fct_cluster_activity_monthly
   and dim_organisations;
2. changes of every kind the incremental marts must pick up: a new article, an article
   whose text changed (re-analysed: its mentions change), a story id rewritten without
   a new analysis, an article deleted (its later duplicate variant takes its place), a
   quarantined batch, a batch quarantined after it was built (its article goes, its
   variant from another batch takes its place), a batch released late (its rows older
   than the watermark and the lookback), a row committed late (older than the
   watermark, within the lookback), a later duplicate URL variant (dropped), an
   earlier-seen variant (replaces the kept one), a new registry file;
3. `dbt run` (incremental), checksums of every mart; `dbt run --full-refresh`,
   checksums again: identical, table by table. The incremental marts are discovered in
   the manifest, so any incremental mart added later is covered.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import yaml

from clusterwatch import db, transform, warehouse

from mart_checks import mart_checksums, query

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# key: (source_id, language, published_at, title, body)
ARTICLES = {
    "N1": ("aps_fr", "fr", utc(2025, 3, 10, 9, 0), "Le Cluster Boissons Algérie réunit ses membres",
           "Le Cluster Boissons Algérie a tenu son assemblée à Alger avec le ministère de l'Industrie. "
           "Les producteurs de jus veulent exporter."),
    "N2": ("aps_ar", "ar", utc(2025, 3, 12, 10, 0),
           "اتفاقية بين المدرسة الوطنية متعددة التقنيات والتجمع الصناعي الميكانيكي للدقة",
           "وقع التجمع الصناعي الميكانيكي للدقة اتفاقية مع المدرسة الوطنية متعددة التقنيات "
           "بحضور ممثل وزارة الصناعة."),
    # An official act (industrie_gov is of kind 'official' in seeds/sources.csv).
    "N3": ("industrie_gov", "fr", utc(2025, 3, 20, 11, 0), "Communiqué : agrément du Cluster Boissons Algérie",
           "Le ministère de l'Industrie annonce l'agrément du Cluster Boissons Algérie en tant que groupement."),
    # 23:30 UTC on 31 March = 00:30 on 1 April in Algiers: an April article.
    "N4": ("elwatan", "fr", utc(2025, 3, 31, 23, 30), "Boissons : le Cluster Boissons Algérie à l'export",
           "Le Cluster Boissons Algérie prépare une mission à l'export avec ses membres."),
    # No date: counted in dim_clusters, in no month.
    "N5": ("elwatan", "fr", None, "Mécanique : le cluster mécanique de précision recrute",
           "Le cluster mécanique de précision cherche des ingénieurs."),
    # No cluster: left alone by every change below but one mention deleted by hand.
    "N10": ("tsa", "fr", utc(2025, 3, 25, 9, 0), "Oran accueille un salon de l'industrie",
            "Le salon de l'industrie se tient à Oran cette semaine."),
}
REGISTRY_FILE = (
    "Raison sociale;NIF;Code wilaya;Clusters\n"
    "SARL JUS DU SAHEL;000216001111111;16;Cluster Boissons-Algérie\n"
    "SPA EAUX DE L'ATLAS;000216002222222;09;CBA\n"
    "SARL PRECIMECA;000325003333333;25;التجمع الميكانيكي للدقّة\n"
    "EURL INCONNUE;000216004444444;16;Cluster des inconnus\n"
)
REGISTRY_FILE_2 = (
    "Raison sociale;NIF;Code wilaya;Clusters\n"
    "SARL USINAGE EST;000325005555555;25;Cluster mécanique de précision\n"
)


# Duplicate URL variants: same source and text as the article named, another URL.
VARIANTS = {"N2b": "N2", "N5b": "N5"}  # loaded with the first build, seen later


def article_id(key: str) -> str:
    return hashlib.md5(f"https://example.dz/{key}".encode()).hexdigest()


def insert_article(conn, key, source_id, language, published_at, title, body, batch_id,
                   changed_at=None):
    url = f"https://example.dz/{key}"
    content_hash = hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()
    conn.execute(
        """
        insert into raw.news_articles (article_id, source_id, canonical_url, url, language, title,
            body_text, published_at, content_hash, extractor, _batch_id, _scraped_at, _changed_at)
        values (%s, %s, %s, %s, %s, %s, %s, %s, %s, 'selectors', %s, now(), %s)
        on conflict (article_id) do update set
            title = excluded.title, body_text = excluded.body_text,
            published_at = excluded.published_at, content_hash = excluded.content_hash,
            version = raw.news_articles.version + 1, _batch_id = excluded._batch_id,
            _scraped_at = excluded._scraped_at
        """,
        (article_id(key), source_id, url, url, language, title, body, published_at,
         content_hash, batch_id, changed_at),
    )


def seen_later(conn, variant: str, key: str, delta: timedelta) -> None:
    """Make `variant` first seen `delta` after `key` (negative: before it)."""
    conn.execute(
        """update raw.news_articles set _first_seen_at = (
               select _first_seen_at from raw.news_articles where article_id = %s) + %s
           where article_id = %s""", (article_id(key), delta, article_id(variant)))


def load_registry(url, tmp_path, name, text):
    from ingest.pipeline import ingest_file

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = ingest_file(path, "registry", database_url=url)
    assert result.rows_rejected == 0, result


@pytest.fixture(scope="module")
def warehouse_db(pg_server_url, tmp_path_factory):
    url = warehouse.with_database(pg_server_url, f"cw_test_inc_{uuid.uuid4().hex[:8]}")
    warehouse.ensure_database(url)
    db.bootstrap(url)
    yield {"url": url, "target": tmp_path_factory.mktemp("dbt_target"),
           "files": tmp_path_factory.mktemp("registry_files")}
    warehouse.drop_database(url)


@pytest.fixture(scope="module")
def first_build(warehouse_db):
    from scrapers.text.store import analyse_pending

    url = warehouse_db["url"]
    with db.connect(url) as conn:
        for key, row in ARTICLES.items():
            # N5 in a batch of its own, quarantined after the first build.
            insert_article(conn, key, *row, batch_id="scrape-1b" if key == "N5" else "scrape-1")
        for variant, key in VARIANTS.items():
            insert_article(conn, variant, *ARTICLES[key], batch_id="scrape-1")
            seen_later(conn, variant, key, timedelta(hours=1))
    analyse_pending(url)
    with db.connect(url) as conn:
        # History is a day old, older than the watermark's lookback: an incremental run
        # that finds an unchanged row again must find it through the change it missed
        # (deletion log, quarantine decision, duplicate group), not through the lookback.
        # One row (N3) is recent, so the watermark is too: the rest is older than it by
        # more than the lookback, as a warehouse's history is.
        for table in ("raw.news_articles", "raw.article_analysis"):
            conn.execute(f"""update {table} set _changed_at = now() - case when article_id = %s
                                 then interval '1 hour' else interval '1 day' end""",
                         (article_id("N3"),))
    load_registry(url, warehouse_db["files"], "members.csv", REGISTRY_FILE)
    result = transform.build(url, target_path=warehouse_db["target"])
    return result


def clusters(url) -> dict[str, dict]:
    with db.connect(url) as conn:
        cursor = conn.execute("select * from marts.dim_clusters")
        names = [column.name for column in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def test_first_build_passes_every_test(first_build):
    statuses = first_build.summary()["statuses"]
    assert set(statuses) <= {"success", "pass", "no-op"}, first_build.output_tail()


def test_dim_clusters_profiles_each_registry_cluster(first_build, warehouse_db):
    rows = clusters(warehouse_db["url"])
    assert len(rows) == 9  # every cluster of scrapers/text/data/clusters.yaml, mentioned or not
    drinks = rows["cluster_boissons_algerie"]
    assert {k: drinks[k] for k in (
        "sector_id", "sector_name_fr", "wilaya_ids", "wilaya_names_fr", "created_on", "member_count",
        "article_count", "source_count", "official_act_count", "first_mentioned_on",
        "last_mentioned_on")} == {
        "sector_id": "beverages", "sector_name_fr": "Boissons", "wilaya_ids": "",
        "wilaya_names_fr": "", "created_on": date(2015, 2, 24),
        "member_count": 2,  # "Cluster Boissons-Algérie" and the acronym "CBA"
        "article_count": 3, "source_count": 3, "official_act_count": 1,
        "first_mentioned_on": date(2025, 3, 10), "last_mentioned_on": date(2025, 4, 1)}
    precision = rows["cluster_mecanique_precision"]
    assert (precision["member_count"], precision["article_count"], precision["first_mentioned_on"],
            precision["last_mentioned_on"]) == (1, 2, date(2025, 3, 12), date(2025, 3, 12))
    tomato = rows["cluster_tomate_industrielle"]
    assert (tomato["wilaya_ids"], tomato["wilaya_names_fr"]) == ("23|24|36", "Annaba, Guelma, El Tarf")
    assert (tomato["article_count"], tomato["member_count"], tomato["first_mentioned_on"]) == (0, 0, None)
    assert rows["cluster_cosmetique"]["created_on"] is None  # "2017" is not a date


def test_unresolved_membership_is_kept_visible(first_build, warehouse_db):
    assert query(warehouse_db["url"], """
        select cluster_name_given from intermediate.int_cluster_memberships_resolved
        where cluster_id is null""") == [("Cluster des inconnus",)]


def test_fct_cluster_activity_monthly_values(first_build, warehouse_db):
    rows = query(warehouse_db["url"], """
        select cluster_id, activity_month, article_count, source_count, arabic_article_count,
               french_article_count, official_act_count, story_count
        from marts.fct_cluster_activity_monthly order by 1, 2""")
    march = rows[0]
    assert rows[1:] == [
        ("cluster_boissons_algerie", date(2025, 4, 1), 1, 1, 0, 1, 0, 1),  # N4, Algiers time
        ("cluster_mecanique_precision", date(2025, 3, 1), 1, 1, 1, 0, 0, 1),  # N2; N5 undated
    ]
    # N1 and N3 (the official act); one story or two, as the story grouping decides.
    assert march[:7] == ("cluster_boissons_algerie", date(2025, 3, 1), 2, 2, 0, 2, 1)
    assert march[7] in (1, 2)


def test_dim_organisations_counts_mentions(first_build, warehouse_db):
    rows = dict((r[0], r[1:]) for r in query(warehouse_db["url"], """
        select organisation_id, article_count, official_act_count, first_mentioned_date
        from marts.dim_organisations"""))
    assert len(rows) == 38
    assert rows["ministry_industry"] == (3, 1, date(2025, 3, 10))  # N1, N2, N3
    assert rows["enp"] == (1, 0, date(2025, 3, 12))
    assert rows["sonatrach"] == (0, 0, None)


@pytest.fixture(scope="module")
def after_changes(first_build, warehouse_db):
    from scrapers.text.store import analyse_pending

    url = warehouse_db["url"]
    (watermark,) = query(url, "select max(upstream_changed_at) from marts.fct_article_publications")[0]
    project = yaml.safe_load((transform.settings.DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    lookback = timedelta(hours=project["vars"]["incremental_lookback_hours"])
    with db.connect(url) as conn:
        # New article.
        insert_article(conn, "N6", "aps_fr", "fr", utc(2025, 5, 2, 8, 0), "Le Cluster Boissons Algérie exporte",
                       "Le Cluster Boissons Algérie a exporté vers la Tunisie.", "scrape-2")
        # Changed text: now about precision mechanics with the ENP, published a month later.
        insert_article(conn, "N4", "elwatan", "fr", utc(2025, 5, 5, 8, 0),
                       "Le cluster de la mécanique de précision signe avec l'ENP",
                       "Le cluster mécanique de précision a signé une convention avec l'École "
                       "nationale polytechnique.", "scrape-2")
        # Deleted article (its analysis goes with it in analyse_pending's clean-up).
        conn.execute("delete from raw.news_articles where article_id = %s", (article_id("N2"),))
        # A batch quarantined by a failed error-level check: its article stays out.
        insert_article(conn, "N7", "aps_fr", "fr", utc(2025, 5, 3, 8, 0), "Le Cluster Boissons Algérie",
                       "Le Cluster Boissons Algérie en quarantaine.", "scrape-bad")
        # A batch quarantined before the first build, released now: its row is older than
        # the watermark minus the lookback; only "not built yet" catches it.
        insert_article(conn, "N8", "aps_fr", "fr", utc(2025, 3, 15, 8, 0), "Le Cluster Boissons Algérie recrute",
                       "Le Cluster Boissons Algérie recrute des ingénieurs.", "scrape-late",
                       changed_at=watermark - lookback - timedelta(days=3))
        # A row committed late: stamped an hour before the newest one already built.
        insert_article(conn, "N9", "elwatan", "fr", utc(2025, 5, 6, 8, 0), "Le cluster mécanique de précision",
                       "Le cluster mécanique de précision ouvre un atelier.", "scrape-slow",
                       changed_at=watermark - timedelta(hours=1))
        # A later duplicate of N1 (dropped) and an earlier-seen duplicate of N3 (kept
        # instead of N3, as a full refresh would).
        insert_article(conn, "N1b", *ARTICLES["N1"], batch_id="scrape-2")
        seen_later(conn, "N1b", "N1", timedelta(hours=1))
        insert_article(conn, "N3b", *ARTICLES["N3"], batch_id="scrape-2")
        seen_later(conn, "N3b", "N3", timedelta(hours=-1))
        # scrape-1b (N5) quarantined after it was built: N5 goes, N5b takes its place.
        for batch, status in (("scrape-bad", "quarantined"), ("scrape-late", "released"),
                              ("scrape-1b", "quarantined")):
            conn.execute(
                """insert into monitoring.batch_quality (dataset, batch_id, status, dq_run_id,
                       rows_checked, error_failures, warning_failures)
                   values ('news_articles', %s, %s, 'dq-test', 1, 0, 0)""", (batch, status))
    analyse_pending(url)
    with db.connect(url) as conn:
        # A mention removed by hand, without a new analysis (the deletion log has it).
        deleted = conn.execute("delete from raw.article_mentions where article_id = %s returning 1",
                               (article_id("N10"),)).fetchall()
        assert deleted, "N10 has mentions to delete"
        # The story of N1 rewritten without a new analysis (as analyse_pending does for
        # the articles around new ones).
        conn.execute("update raw.article_analysis set story_id = 'st_rewritten' where article_id = %s",
                     (article_id("N1"),))
        # N9's analysis is also a late commit.
        conn.execute("update raw.article_analysis set _changed_at = %s where article_id = %s",
                     (watermark - timedelta(hours=1), article_id("N9")))
    load_registry(url, warehouse_db["files"], "members-2.csv", REGISTRY_FILE_2)

    target = warehouse_db["target"]
    incremental = transform.run_dbt(["run"], url, target_path=target).run_results()  # before it is overwritten
    incremental_marts = mart_checksums(url)
    values = {"precision": clusters(url)["cluster_mecanique_precision"],
              "n1_story": query(url, "select distinct story_id from marts.fct_article_mentions "
                                     "where article_id = %s", (article_id("N1"),))}
    full = transform.run_dbt(["run", "--full-refresh"], url, target_path=target)
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    return {"incremental": incremental, "full": full, "incremental_marts": incremental_marts,
            "full_marts": mart_checksums(url), "values": values, "manifest": manifest}


def incremental_marts(manifest) -> set[str]:
    return {node["name"] for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node["schema"] == "marts"
            and node["config"]["materialized"] == "incremental"}


def test_incremental_run_really_ran_incrementally(after_changes):
    names = incremental_marts(after_changes["manifest"])
    assert {"fct_article_publications", "fct_article_mentions"} <= names
    compiled = {r["unique_id"].split(".")[-1]: r.get("compiled_code") or ""
                for r in after_changes["incremental"]["results"]}
    # The news facts filter on their change stamp; fct_trade_flows (delete+insert) on
    # each raw table's load time, newer than the newest one built. The watermark is a
    # literal (macro incremental_watermark), so the planner uses the stamp indexes.
    # ('-infinity' when the table is empty: no trade file in this warehouse.)
    watermark = re.compile(r"(changed_at >=|source_loaded_at >) '(-infinity|\d{4}-\d\d-\d\d [^']*)'::timestamptz")
    for name in names:
        assert watermark.search(compiled[name]), name


def test_incremental_marts_equal_a_full_refresh(after_changes):
    incremental, full = after_changes["incremental_marts"], after_changes["full_marts"]
    assert incremental_marts(after_changes["manifest"]) <= set(full)
    differing = {table: (incremental.get(table), full[table]) for table in full
                 if incremental.get(table) != full[table]}
    assert not differing, differing


def test_incremental_run_picked_up_every_kind_of_change(after_changes, warehouse_db):
    url = warehouse_db["url"]
    published = {r[0] for r in query(url, "select article_id from marts.fct_article_publications")}
    # N2 deleted and N5 quarantined: their later variants N2b and N5b are kept now; N3b
    # was seen before N3; N1b after N1; N7's batch is quarantined.
    assert {article_id(k) for k in ("N1", "N2b", "N3b", "N4", "N5b", "N6", "N8", "N9", "N10")} == published
    assert query(url, "select count(*) from marts.fct_article_mentions where article_id = %s",
                 (article_id("N10"),)) == [(0,)]
    # (checked on the incremental result, captured before the full refresh)
    precision = after_changes["values"]["precision"]
    # N2b (for N2); N4 now about precision mechanics (May); N5b (for N5, undated); N9
    # late commit; a second member from the new registry file.
    assert (precision["article_count"], precision["member_count"], precision["last_mentioned_on"]) == (
        4, 2, date(2025, 5, 6))
    assert after_changes["values"]["n1_story"] == [("st_rewritten",)]
