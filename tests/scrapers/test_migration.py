"""002_scraping.sql upgrades a warehouse that 001 alone created, in place, and applying
it again changes nothing."""

from __future__ import annotations

import hashlib
import uuid

import psycopg
import pytest

from clusterwatch import db, warehouse

pytestmark = pytest.mark.postgres


@pytest.fixture
def old_warehouse(pg_server_url):
    url = warehouse.with_database(pg_server_url, f"cw_test_{uuid.uuid4().hex[:8]}")
    warehouse.ensure_database(url)
    (name, text), = [f for f in db.migration_files() if f[0].startswith("001_")]
    with psycopg.connect(url) as conn:
        conn.execute(text)
        conn.execute(
            """insert into raw.news_articles (article_id, source_id, canonical_url, url, language,
                   title, body_text, content_hash, extractor, _batch_id, _scraped_at)
               values (md5('https://www.aps.dz/ar/1'), 'aps_ar', 'https://www.aps.dz/ar/1',
                       'https://www.aps.dz/ar/1', 'ar', 'عنوان', 'نص', 'h1', 'selectors',
                       'old-run', now())""")
        conn.execute(
            """insert into raw.scrape_runs (scrape_run_id, source_id, started_at, status)
               values ('old-run', 'aps_ar', now(), 'succeeded')""")
    yield url
    warehouse.drop_database(url)


def test_002_upgrades_an_existing_warehouse_and_is_idempotent(old_warehouse):
    url = old_warehouse
    assert db.bootstrap(url)[-1].startswith("00")
    db.bootstrap(url)  # twice: nothing changes, nothing fails
    expected_id = hashlib.md5(b"aps_ar|https://www.aps.dz/ar/1").hexdigest()
    with psycopg.connect(url) as conn:
        ((article_id, kind, version, batch),) = conn.execute(
            "select article_id, kind, version, _batch_id from raw.news_articles").fetchall()
        versions = conn.execute(
            "select article_id, version, _batch_id from raw.news_article_versions").fetchall()
        run = conn.execute(
            """select pages_not_modified, pages_parsed, rejected_by_reason, run_mode
               from raw.scrape_runs""").fetchall()
        # the same canonical URL may now exist under another source, not twice under one
        conn.execute(
            """insert into raw.news_articles (article_id, source_id, canonical_url, url,
                   title, body_text, content_hash, extractor, _batch_id, _scraped_at)
               values ('other', 'aps_fr', 'https://www.aps.dz/ar/1', 'u', 't', 'b', 'h', 'generic',
                       'r', now())""")
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(
                """insert into raw.news_articles (article_id, source_id, canonical_url, url,
                       title, body_text, content_hash, extractor, _batch_id, _scraped_at)
                   values ('again', 'aps_ar', 'https://www.aps.dz/ar/1', 'u', 't', 'b', 'h',
                           'generic', 'r', now())""")
    assert (article_id, kind, version, batch) == (expected_id, "news", 1, "old-run")
    assert versions == [(expected_id, 1, "old-run")]
    assert run == [(0, 0, {}, "scheduled")]
