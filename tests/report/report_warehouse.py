"""Data and helpers of the report tests (tests/report): raw news, analysis and monitoring
rows, the registry and trade files loaded through the real ingest code, all of which the
real dbt build turns into marts, and a cheap copy of a built warehouse.
Imported by conftest.py and the test modules (a module name of its own: several test
folders have a conftest.py)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql

from clusterwatch import db, warehouse

LANDING = Path(__file__).resolve().parents[2] / "demo" / "landing"
# The demo's landing files: real public registry samples and the DZA Comtrade mirror
# series, the SYNTHETIC registry (headcounts for the location quotients) and the
# SYNTHETIC BACI sample with its country codes (RCA, diversification). Country codes
# last: the flows wait in raw until their codes are there, as in the landing zone.
LANDING_FILES = [
    ("registry", "transformatek__accountants_moral.csv"),
    ("registry", "transformatek__coworking-incubators.csv"),
    ("registry", "SYNTHETIC_registry_industrial_companies.csv"),
    ("trade", "comtrade-mirroring__auxiliary_statistics__DZA_only.tsv"),
    ("trade", "SYNTHETIC_BACI_HS17_Y2021_V000000.csv"),
    ("trade", "SYNTHETIC_baci_country_codes_V000000.csv"),
]
# A registry list of cluster members (the demo files have none), names as a registry
# writes them: an acronym, an Arabic name, an alias; one name matches no cluster.
MEMBERSHIP_FILE = (
    "Raison sociale;NIF;Code wilaya;Clusters\n"
    "SARL JUS DU SAHEL;000216001111111;16;Cluster Boissons-Algérie\n"
    "SPA EAUX DE L'ATLAS;000216002222222;09;CBA\n"
    "SARL CONSERVERIE DE L'EST;000236003333333;36;تجمع الطماطم الصناعية\n"
    "SARL LAITERIE DES HAUTS PLATEAUX;000219004444444;19;cluster laitier de Sétif\n"
    "EURL INCONNUE;000216005555555;16;Cluster des inconnus\n"
)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def md5(value: str) -> str:
    return hashlib.md5(value.encode()).hexdigest()


# key: (source_id, language, canonical_url, published_at, title, body)
ARTICLES = {
    "boissons_fr": (
        "elwatan", "fr", "https://www.elwatan-dz.com/economie/cluster-boissons-assemblee",
        utc(2025, 3, 12, 9, 0),
        # Markup in a title must reach the page as text, never as HTML.
        "Le Cluster Boissons Algérie <b>réunit</b> ses membres <script>alert(1)</script>",
        "Le Cluster Boissons Algérie a tenu son assemblée générale à Alger. Les producteurs "
        "de boissons veulent exporter davantage vers l'Afrique."),
    "boissons_ar": (
        "aps_ar", "ar", "https://www.aps.dz/ar/economie/180001", utc(2025, 4, 2, 10, 0),
        "كلاستر المشروبات الجزائر يعقد جمعيته العامة",
        "عقد كلاستر المشروبات الجزائر جمعيته العامة بالجزائر العاصمة بحضور ممثلي المؤسسات "
        "المنتجة للمشروبات التي تسعى إلى رفع صادراتها."),
    "lait_fr": (
        "el_moudjahid", "fr", "https://www.elmoudjahid.dz/fr/economie/cluster-lait-setif",
        utc(2025, 4, 20, 8, 0),
        "Sétif : le cluster lait de Sétif accueille douze PME",
        "Le cluster lait de Sétif accueille douze nouvelles PME de la filière laitière dans "
        "la wilaya de Sétif."),
    "tomate_ar": (
        "aps_ar", "ar", "https://www.aps.dz/ar/economie/180077", utc(2025, 5, 6, 11, 0),
        "تجمع الطماطم الصناعية يطلق موسم التحويل",
        "أعلن تجمع الطماطم الصناعية بولاية الطارف عن انطلاق موسم تحويل الطماطم الصناعية "
        "بمشاركة المنتجين والمحولين."),
    "unrelated_fr": (
        "elwatan", "fr", "https://www.elwatan-dz.com/sport/match", utc(2025, 5, 7, 18, 0),
        "Football : victoire à domicile", "L'équipe locale a gagné son match dimanche soir."),
}


def insert_news(url: str) -> None:
    with db.connect(url) as conn:
        for source_id, language, canonical_url, published_at, title, body in ARTICLES.values():
            conn.execute(
                """
                insert into raw.news_articles (
                    article_id, source_id, canonical_url, url, language, title, lead,
                    body_text, author_name, section, published_at, published_at_source,
                    content_hash, extractor, _batch_id, _first_seen_at, _scraped_at)
                values (%s, %s, %s, %s, %s, %s, null, %s, null, 'economie', %s, 'json-ld',
                        %s, 'selectors', 'run-report', %s, %s)
                """,
                (md5(canonical_url), source_id, canonical_url, canonical_url, language, title, body,
                 published_at, md5(title + body), published_at, published_at),
            )
        for run_id, source_id, started, status in [
            ("r1", "aps_ar", utc(2025, 5, 6, 7, 0), "succeeded"),
            ("r1", "elwatan", utc(2025, 5, 6, 7, 0), "succeeded"),
            ("r2", "elwatan", utc(2025, 5, 7, 7, 0), "failed"),
        ]:
            conn.execute(
                """
                insert into raw.scrape_runs (scrape_run_id, source_id, started_at, finished_at,
                    status, pages_discovered, pages_fetched, articles_new, articles_updated,
                    articles_unchanged, pages_rejected, error)
                values (%s, %s, %s, %s + interval '2 minutes', %s, 6, 5, 2, 0, 3, 0, %s)
                """,
                (run_id, source_id, started, started, status, "timeout" if status == "failed" else None),
            )
        # What the validation runner and the freshness monitor record (expectations/).
        for dq_run_id, day, success in [("dq1", 5, True), ("dq2", 6, True), ("dq3", 7, False)]:
            conn.execute(
                """
                insert into monitoring.dq_runs (dq_run_id, dataset, batch_id, suite_name,
                    started_at, finished_at, rows_checked, success, error_failures,
                    warning_failures)
                values (%s, 'news_articles', %s, 'raw__news_articles', %s, %s, 5, %s, %s, 0)
                """,
                (dq_run_id, f"run-{dq_run_id}", utc(2025, 5, day, 7, 5), utc(2025, 5, day, 7, 6),
                 success, 0 if success else 1),
            )
        conn.execute(
            """
            insert into monitoring.alerts (alert_id, dedup_key, kind, severity, subject,
                batch_id, last_batch_id, title, details, occurrences, first_seen_at,
                last_seen_at, window_ends_at, channels)
            values ('al1', 'dq:news_articles', 'data_quality', 'error', 'news_articles',
                'run-dq3', 'run-dq3', 'news_articles: 1 error-level expectation failed',
                '{}', 1, %s, %s, %s, '{email}')
            """,
            (utc(2025, 5, 7, 7, 6), utc(2025, 5, 7, 7, 6), utc(2025, 5, 8, 7, 6)),
        )
        for source_id, status, hours in [("aps_ar", "fresh", 3), ("elwatan", "error", 80)]:
            conn.execute(
                """
                insert into monitoring.source_health (source_id, status, checked_at,
                    first_monitored_at, last_run_at, last_succeeded_run_at, last_new_article_at,
                    silent_since, hours_silent, warn_after_hours, error_after_hours,
                    last_run_error)
                values (%s, %s, %s, %s, %s, %s, %s, %s, %s, 24, 72, %s)
                """,
                (source_id, status, utc(2025, 5, 8, 12, 0), utc(2025, 5, 1, 0, 0),
                 utc(2025, 5, 7, 7, 0), utc(2025, 5, 6, 7, 0), utc(2025, 5, 6, 7, 0),
                 utc(2025, 5, 6, 7, 0), hours, "timeout" if status == "error" else None),
            )


def load_registry_and_trade(url: str, folder: Path) -> None:
    """The landing files and the membership list through `ingest.pipeline.ingest_file`,
    the code the landing-zone DAG runs."""
    from ingest.pipeline import ingest_file

    members = folder / "registry_cluster_members.csv"
    members.write_text(MEMBERSHIP_FILE, encoding="utf-8")
    paths = [(LANDING / dataset / name, dataset) for dataset, name in LANDING_FILES]
    for path, dataset in paths + [(members, "registry")]:
        result = ingest_file(path, dataset, database_url=url)
        assert result.status == "loaded" and result.rows_loaded > 0, (path.name, result)


def clone_warehouse(url: str, suffix: str) -> str:
    """A copy of a warehouse (CREATE DATABASE ... TEMPLATE): a second build costs a minute,
    a copy a second."""
    copy = warehouse.with_database(url, f"{warehouse.database_name(url)}_{suffix}")
    with psycopg.connect(warehouse.with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("create database {} template {}").format(
            sql.Identifier(warehouse.database_name(copy)), sql.Identifier(warehouse.database_name(url))))
    return copy
