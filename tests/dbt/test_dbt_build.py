"""`dbt build` of the whole project on a real PostgreSQL, with hand-checked mart values.

One database for the module (built from conftest's `pg_server_url` like
`fresh_warehouse_url`, but module-scoped: `fresh_warehouse_url` is per test and
`warehouse_url` is shared with other modules that may add raw rows). The fixture
builds twice, so every test here sees the state after a rebuild.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from clusterwatch import db, transform, warehouse

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

MART_TABLES = (
    "fct_article_mentions",
    "fct_article_publications",
    "fct_source_activity_monthly",
    "fct_scrape_runs_daily",
    "dim_sources",
)
# Cluster marts (models/marts/clusters): registry and gazetteer rows exist even
# without a mention; tests/dbt/test_cluster_marts.py checks their values.
CLUSTER_MART_TABLES = ("dim_clusters", "dim_organisations", "fct_cluster_activity_monthly")
# Built from the platform's monitoring tables (issue 6); tests/expectations/test_monitoring_marts.py
# fills and checks them.
MONITORING_MART_TABLES = ("fct_data_quality_daily", "fct_alerts", "dim_monitored_sources")
# Registry, trade and reference marts (empty here: tests/dbt/test_registry_trade_marts.py
# loads real files and checks their values).
REGISTRY_TRADE_MART_TABLES = (
    "dim_sectors", "dim_wilayas", "dim_dates", "dim_companies", "fct_trade_flows",
    "fct_product_rca", "fct_export_diversification", "fct_wilaya_sector_specialisation",
)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# key: (source_id, language, canonical_url, published_at, first_seen_at, title, body)
ARTICLES = {
    # 23:30 UTC on 31 March = 00:30 on 1 April in Algiers: an April article.
    "A1": ("aps_ar", "ar", "https://www.aps.dz/ar/economie/170001", utc(2025, 3, 31, 23, 30),
           utc(2025, 4, 1, 0, 5), "إطلاق قطب صناعي جديد بسطيف",
           ("أعلن وزير الصناعة عن إطلاق قطب صناعي جديد في ولاية سطيف.\n"
            "ويضم القطب عشر مؤسسات صغيرة ومتوسطة.")),  # 17 words
    "A2": ("aps_ar", "ar", "https://www.aps.dz/ar/economie/170245", utc(2025, 4, 10, 8, 0),
           utc(2025, 4, 10, 8, 20), "اتفاقية لإنجاز مصنع للألواح الشمسية",
           "وقع مجمع سونلغاز اتفاقية شراكة لإنجاز مصنع للألواح الشمسية بولاية الأغواط."),  # 11
    # 22:59:59 UTC = 23:59:59 on 30 April in Algiers: still April.
    "A3": ("elwatan", "fr", "https://www.elwatan-dz.com/bellara-premiere-cargaison",
           utc(2025, 4, 30, 22, 59, 59), utc(2025, 4, 30, 23, 10),
           "Bellara exporte sa première cargaison",
           ("Le complexe sidérurgique de Bellara, à Jijel, a exporté sa première "
            "cargaison de rond à béton.")),  # 16
    # 23:00 UTC on 30 April = midnight, 1 May in Algiers: a May article.
    "A4": ("elwatan", "fr", "https://www.elwatan-dz.com/tiaret-usine-montage-reprise",
           utc(2025, 4, 30, 23, 0), utc(2025, 5, 1, 6, 0),
           "Tiaret : l'usine de montage reprend",
           "L'usine de montage de Tiaret reprend la production le 1er mai."),  # 11
    "A5": ("el_moudjahid", "fr-FR", "https://www.elmoudjahid.dz/fr/economie/pole-setif",
           utc(2025, 4, 15, 9, 0), utc(2025, 4, 15, 9, 30),
           "Sétif : douze nouvelles PME au pôle industriel",
           "Le pôle industriel de Sétif accueille  douze nouvelles PME."),  # 9
    "A6": ("el_moudjahid", "en", "https://www.elmoudjahid.dz/en/economy/bellara-cargo",
           utc(2025, 4, 20, 10, 0), utc(2025, 4, 20, 10, 30),
           "Bellara ships first cargo", "The Bellara steel complex shipped its first cargo."),  # 8
    # No language detected and no date found: 'other', in no month.
    "A7": ("el_moudjahid", None, "https://www.elmoudjahid.dz/fr/communique-industrie",
           None, utc(2025, 4, 21, 7, 0),
           "Communiqué", "Communiqué du ministère de l'Industrie."),  # 5
}
# The page of A3 stored again under its slug-less URL, seen later: the same article.
A3_VARIANT_URL = "https://www.elwatan-dz.com/article/88231"


def article_id(key: str) -> str:
    return md5(ARTICLES[key][2])


def insert_raw_rows(url: str) -> None:
    with db.connect(url) as conn:
        for key, (source_id, language, canonical_url, published_at, seen_at, title,
                  body) in ARTICLES.items():
            urls = [canonical_url] + ([A3_VARIANT_URL] if key == "A3" else [])
            for number, page_url in enumerate(urls):
                scraped_at = seen_at if number == 0 else utc(2025, 5, 2, 6, 0)
                conn.execute(
                    """
                    insert into raw.news_articles (
                        article_id, source_id, canonical_url, url, language, title,
                        lead, body_text, author_name, section, published_at,
                        published_at_source, content_hash, extractor, _batch_id,
                        _first_seen_at, _scraped_at)
                    values (%s, %s, %s, %s, %s, %s, null, %s, %s, 'economie', %s, %s,
                            %s, 'selectors', %s, %s, %s)
                    """,
                    (md5(page_url), source_id, page_url, page_url + "?utm_source=rss",
                     language, title, body, " Rédaction " if key == "A3" else None,
                     published_at, "json-ld" if published_at else None,
                     sha256(title + "\n" + body), f"run-{scraped_at:%Y%m%d%H}",
                     scraped_at, scraped_at),
                )
        runs = [
            # run id, source, started, status, fetched, new, updated, unchanged, rejected
            ("r1", "aps_ar", utc(2025, 4, 10, 7, 0), "succeeded", 10, 2, 1, 6, 1),
            ("r1", "elwatan", utc(2025, 4, 10, 7, 0), "succeeded", 8, 3, 0, 5, 0),
            ("r2", "aps_ar", utc(2025, 4, 10, 19, 0), "failed", 4, 0, 0, 1, 3),
            # 23:30 UTC on 10 April = 00:30 on 11 April in Algiers.
            ("r3", "aps_ar", utc(2025, 4, 10, 23, 30), "succeeded", 5, 1, 0, 4, 0),
            ("r4", "elwatan", utc(2025, 4, 11, 6, 0), "failed", 0, 0, 0, 0, 0),
        ]
        for run_id, source_id, started, status, fetched, new, updated, same, rejected in runs:
            conn.execute(
                """
                insert into raw.scrape_runs (
                    scrape_run_id, source_id, started_at, finished_at, status,
                    pages_discovered, pages_fetched, articles_new, articles_updated,
                    articles_unchanged, pages_rejected, error)
                values (%s, %s, %s, %s + interval '3 minutes', %s, %s, %s, %s, %s, %s, %s, %s)
                """,
                (run_id, source_id, started, started, status, fetched + 2, fetched, new,
                 updated, same, rejected, "timeout" if status == "failed" else None),
            )
        for page_url, reason in [("https://www.aps.dz/ar/video/1", "no_body"),
                                 ("https://www.aps.dz/ar/economie/170300", "too_short")]:
            conn.execute(
                """
                insert into quarantine.news_pages (source_id, page_url, content_hash, reason,
                    http_status, first_scrape_run_id, last_scrape_run_id)
                values ('aps_ar', %s, %s, %s, 200, 'r1', 'r2')
                """,
                (page_url, sha256(page_url), reason),
            )


def snapshot_marts(url: str) -> dict[str, list[tuple]]:
    with db.connect(url) as conn:
        return {
            table: conn.execute(f"select * from marts.{table} order by 1").fetchall()
            for table in MART_TABLES
        }


def query(url: str, sql: str, params=()) -> list[tuple]:
    with db.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def built(pg_server_url, tmp_path_factory):
    url = warehouse.with_database(pg_server_url, f"cw_test_dbt_{uuid.uuid4().hex[:8]}")
    warehouse.ensure_database(url)
    db.bootstrap(url)
    # Without the bootstrap's default privileges, only dbt's `grants:` config can give
    # the analyst access: the grants test then proves the config, not the bootstrap.
    with db.connect(url) as conn:
        conn.execute("alter default privileges in schema marts "
                     "revoke select on tables from clusterwatch_analyst")
    insert_raw_rows(url)
    from scrapers.text.store import analyse_pending

    analyse_pending(url)  # what scrape_news' analyse_text task does after a load
    target = tmp_path_factory.mktemp("dbt_target")
    first = transform.build(url, target_path=target)
    first_marts = snapshot_marts(url)
    second = transform.build(url, target_path=target)
    yield {"url": url, "target": target, "results": [first, second],
           "first": first_marts, "second": snapshot_marts(url)}
    warehouse.drop_database(url)


def test_build_runs_every_node_without_failure_or_warning(built):
    for result in built["results"]:
        statuses = result.summary()["statuses"]
        # no-op: the exposures (dashboards) in the graph, nothing to run
        assert set(statuses) <= {"success", "pass", "no-op"}, result.output_tail()
        assert statuses["success"] >= 9  # 8 models and the seed, at least
        assert statuses["pass"] >= 30  # data tests and unit tests


def test_fct_article_publications_values(built):
    # (the last column, upstream_changed_at, is the incremental watermark)
    rows = {row[0]: row[1:9] for row in built["second"]["fct_article_publications"]}
    assert rows == {
        # source, language, published_at, published_date, month, title, url, words
        article_id("A1"): ("aps_ar", "ar", utc(2025, 3, 31, 23, 30), date(2025, 4, 1),
                           date(2025, 4, 1), ARTICLES["A1"][5], ARTICLES["A1"][2], 17),
        article_id("A2"): ("aps_ar", "ar", utc(2025, 4, 10, 8, 0), date(2025, 4, 10),
                           date(2025, 4, 1), ARTICLES["A2"][5], ARTICLES["A2"][2], 11),
        article_id("A3"): ("elwatan", "fr", utc(2025, 4, 30, 22, 59, 59), date(2025, 4, 30),
                           date(2025, 4, 1), ARTICLES["A3"][5], ARTICLES["A3"][2], 16),
        article_id("A4"): ("elwatan", "fr", utc(2025, 4, 30, 23, 0), date(2025, 5, 1),
                           date(2025, 5, 1), ARTICLES["A4"][5], ARTICLES["A4"][2], 11),
        article_id("A5"): ("el_moudjahid", "fr", utc(2025, 4, 15, 9, 0), date(2025, 4, 15),
                           date(2025, 4, 1), ARTICLES["A5"][5], ARTICLES["A5"][2], 9),
        article_id("A6"): ("el_moudjahid", "other", utc(2025, 4, 20, 10, 0),
                           date(2025, 4, 20), date(2025, 4, 1), ARTICLES["A6"][5],
                           ARTICLES["A6"][2], 8),
        article_id("A7"): ("el_moudjahid", "other", None, None, None, ARTICLES["A7"][5],
                           ARTICLES["A7"][2], 5),
    }
    assert md5(A3_VARIANT_URL) not in rows  # the later URL of the same page is dropped


def test_fct_source_activity_monthly_values(built):
    rows = sorted(row[1:] for row in built["second"]["fct_source_activity_monthly"])
    assert rows == [
        # source, language, month, articles, first, last, average words
        ("aps_ar", "ar", date(2025, 4, 1), 2, utc(2025, 3, 31, 23, 30), utc(2025, 4, 10, 8, 0),
         Decimal("14.0")),
        ("el_moudjahid", "fr", date(2025, 4, 1), 1, utc(2025, 4, 15, 9, 0),
         utc(2025, 4, 15, 9, 0), Decimal("9.0")),
        ("el_moudjahid", "other", date(2025, 4, 1), 1, utc(2025, 4, 20, 10, 0),
         utc(2025, 4, 20, 10, 0), Decimal("8.0")),
        ("elwatan", "fr", date(2025, 4, 1), 1, utc(2025, 4, 30, 22, 59, 59),
         utc(2025, 4, 30, 22, 59, 59), Decimal("16.0")),
        ("elwatan", "fr", date(2025, 5, 1), 1, utc(2025, 4, 30, 23, 0), utc(2025, 4, 30, 23, 0),
         Decimal("11.0")),
    ]


def test_fct_scrape_runs_daily_values(built):
    rows = sorted(row[1:] for row in built["second"]["fct_scrape_runs_daily"])
    assert rows == [
        # source, day, runs, failed, fetched, new, updated, rejected, rejection rate
        ("aps_ar", date(2025, 4, 10), 2, 1, 14, 2, 1, 4, Decimal("0.2857")),
        ("aps_ar", date(2025, 4, 11), 1, 0, 5, 1, 0, 0, Decimal("0.0000")),
        ("elwatan", date(2025, 4, 10), 1, 0, 8, 3, 0, 0, Decimal("0.0000")),
        ("elwatan", date(2025, 4, 11), 1, 1, 0, 0, 0, 0, None),
    ]


def test_dim_sources_lists_real_and_demo_sources(built):
    rows = {row[0]: row for row in built["second"]["dim_sources"]}
    assert len(rows) == 18
    assert {source for source, row in rows.items() if row[5]} == {
        "demo_aps_ar", "demo_elwatan_fr", "demo_industrie", "demo_djazairess"}
    assert rows["joradp"][3] == "official" and rows["demo_industrie"][3] == "official"
    assert rows["demo_aps_ar"][3] == "news" and rows["elkhabar"][4] == "ar"


def test_staging_views_read_raw_and_quarantine(built):
    url = built["url"]
    assert query(url, "select count(*) from staging.stg_news__articles") == [(7,)]
    assert query(url, "select count(*) from staging.stg_news__scrape_runs") == [(5,)]
    assert query(url, "select rejection_reason from staging.stg_news__quarantined_pages "
                      "order by 1") == [("no_body",), ("too_short",)]
    assert query(url, "select author_name from staging.stg_news__articles "
                      "where article_id = %s", (article_id("A3"),)) == [("Rédaction",)]


def test_analyst_can_read_every_mart_after_a_rebuild(built):
    url = built["url"]
    tables = query(url, "select table_name from information_schema.tables "
                        "where table_schema = 'marts' order by 1")
    all_marts = MART_TABLES + MONITORING_MART_TABLES + CLUSTER_MART_TABLES + REGISTRY_TRADE_MART_TABLES
    assert sorted(name for (name,) in tables) == sorted(all_marts)
    for table in all_marts:
        assert query(url, "select has_table_privilege('clusterwatch_analyst', %s, 'select')",
                     (f"marts.{table}",)) == [(True,)], table
    # ... and nothing upstream of the marts.
    assert query(url, "select has_table_privilege('clusterwatch_analyst', "
                      "'staging.stg_news__articles', 'select')") == [(False,)]


def test_fct_article_mentions_joins_entities_to_articles(built):
    rows = query(built["url"], """
        select article_id, source_id, entity_type, entity_id from marts.fct_article_mentions
        order by 1, 3, 4""")
    mentions = {(r[0], r[2], r[3]) for r in rows}
    key = {name: article_id(name) for name in ARTICLES}
    assert (key["A1"], "wilayas", "19") in mentions  # Sétif
    assert (key["A1"], "organisations", "ministry_industry") in mentions
    assert (key["A2"], "organisations", "sonelgaz") in mentions
    assert (key["A3"], "wilayas", "18") in mentions  # Jijel
    published = {r[0] for r in query(built["url"], "select article_id from marts.fct_article_publications")}
    assert {r[0] for r in rows} <= published


def test_second_build_gives_identical_marts(built):
    assert built["first"] == built["second"]
    assert all(built["second"][table] for table in MART_TABLES)


def test_models_land_in_their_layer_schemas(built):
    rows = query(built["url"], """
        select table_schema, table_name, table_type from information_schema.tables
        where table_schema in ('staging', 'intermediate', 'marts') order by 1, 2""")
    assert rows == [
        ("intermediate", "int_articles_measured", "VIEW"),
        ("intermediate", "int_cluster_memberships_resolved", "VIEW"),
        ("intermediate", "int_companies_located", "VIEW"),
        ("intermediate", "int_entity_mentions_summarised", "VIEW"),
        ("intermediate", "int_product_exports_selected", "VIEW"),
        ("intermediate", "int_trade_flows_unioned", "VIEW"),
        ("marts", "dim_clusters", "BASE TABLE"),
        ("marts", "dim_companies", "BASE TABLE"),
        ("marts", "dim_dates", "BASE TABLE"),
        ("marts", "dim_monitored_sources", "BASE TABLE"),
        ("marts", "dim_organisations", "BASE TABLE"),
        ("marts", "dim_sectors", "BASE TABLE"),
        ("marts", "dim_sources", "BASE TABLE"),
        ("marts", "dim_wilayas", "BASE TABLE"),
        ("marts", "fct_alerts", "BASE TABLE"),
        ("marts", "fct_article_mentions", "BASE TABLE"),
        ("marts", "fct_article_publications", "BASE TABLE"),
        ("marts", "fct_cluster_activity_monthly", "BASE TABLE"),
        ("marts", "fct_data_quality_daily", "BASE TABLE"),
        ("marts", "fct_export_diversification", "BASE TABLE"),
        ("marts", "fct_product_rca", "BASE TABLE"),
        ("marts", "fct_scrape_runs_daily", "BASE TABLE"),
        ("marts", "fct_source_activity_monthly", "BASE TABLE"),
        ("marts", "fct_trade_flows", "BASE TABLE"),
        ("marts", "fct_wilaya_sector_specialisation", "BASE TABLE"),
        ("staging", "base_news__article_keys", "VIEW"),
        ("staging", "cluster_aliases", "BASE TABLE"),
        ("staging", "clusters", "BASE TABLE"),
        ("staging", "organisations", "BASE TABLE"),
        ("staging", "sector_activity_codes", "BASE TABLE"),
        ("staging", "sector_hs_chapters", "BASE TABLE"),
        ("staging", "sectors", "BASE TABLE"),
        ("staging", "sources", "BASE TABLE"),
        ("staging", "stg_monitoring__alert_deliveries", "VIEW"),
        ("staging", "stg_monitoring__alerts", "VIEW"),
        ("staging", "stg_monitoring__batch_decisions", "VIEW"),
        ("staging", "stg_monitoring__dq_results", "VIEW"),
        ("staging", "stg_monitoring__dq_runs", "VIEW"),
        ("staging", "stg_monitoring__source_health_checks", "VIEW"),
        ("staging", "stg_news__article_analyses", "VIEW"),
        ("staging", "stg_news__article_mentions", "VIEW"),
        ("staging", "stg_news__article_versions", "VIEW"),
        ("staging", "stg_news__articles", "VIEW"),
        ("staging", "stg_news__fetch_states", "VIEW"),
        ("staging", "stg_news__fetched_pages", "VIEW"),
        ("staging", "stg_news__quarantined_pages", "VIEW"),
        ("staging", "stg_news__scrape_runs", "VIEW"),
        ("staging", "stg_registry__cluster_memberships", "VIEW"),
        ("staging", "stg_registry__companies", "VIEW"),
        ("staging", "stg_trade__baci_countries", "VIEW"),
        ("staging", "stg_trade__baci_flows", "VIEW"),
        ("staging", "stg_trade__comtrade_records", "VIEW"),
        ("staging", "stg_trade__country_aggregates", "VIEW"),
        ("staging", "stg_trade__national_flows", "VIEW"),
        ("staging", "wilayas", "BASE TABLE"),
    ]


def test_every_column_in_the_warehouse_is_documented(built):
    # The YAML lists exactly the columns each model has (marts also by contract).
    manifest = json.loads((built["target"] / "manifest.json").read_text(encoding="utf-8"))
    mismatches = []
    for node in manifest["nodes"].values():
        if node["resource_type"] not in {"model", "seed"}:
            continue
        actual = {name for (name,) in query(
            built["url"], "select column_name from information_schema.columns "
                          "where table_schema = %s and table_name = %s",
            (node["schema"], node["alias"]))}
        if actual != set(node["columns"]):
            mismatches.append(f"{node['name']}: in the warehouse {sorted(actual)}, "
                              f"in YAML {sorted(node['columns'])}")
    assert not mismatches, "\n".join(mismatches)


def test_article_from_a_source_missing_in_the_seed_fails_the_build(built):
    # Runs last (it adds a row): an unknown source must stop the build, not vanish.
    url = built["url"]
    with db.connect(url) as conn:
        conn.execute("""
            insert into raw.news_articles (article_id, source_id, canonical_url, url,
                language, title, body_text, content_hash, extractor, _batch_id, _scraped_at)
            values (md5('https://unknown.example/a'), 'not_in_seed',
                'https://unknown.example/a', 'https://unknown.example/a', 'fr', 'Titre',
                'Texte', 'hash-unknown', 'generic', 'r9', now())""")
    with pytest.raises(transform.DbtError) as failure:
        transform.build(url, select="fct_article_publications", target_path=built["target"])
    assert "relationships_fct_article_publications_source_id" in str(failure.value)
    assert failure.value.result.returncode == 1
