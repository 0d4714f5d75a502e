"""clusterwatch.fingerprint on two real warehouses: equal data in another order, at
other times, by other runs compares equal; a changed, doubled or missing row does not."""

from __future__ import annotations

import uuid

import pytest

from clusterwatch import db, warehouse
from clusterwatch.fingerprint import fingerprint_diff, rows_lost, warehouse_fingerprint

pytestmark = [pytest.mark.postgres]

ROW = """insert into raw.news_articles (article_id, source_id, canonical_url, url, title, body_text,
         content_hash, extractor, _batch_id, _scraped_at)
         values (%s, 'demo', %s, %s, %s, 'body', 'h', 'selectors', %s, %s)"""


@pytest.fixture
def second_warehouse(pg_server_url):
    url = warehouse.with_database(pg_server_url, f"cw_test_{uuid.uuid4().hex[:8]}")
    warehouse.ensure_database(url)
    db.bootstrap(url)
    yield url
    warehouse.drop_database(url)


def load(url: str, rows: list[tuple[str, str]], run: str, when: str) -> None:
    with db.connect(url) as conn:
        for article_id, title in rows:
            conn.execute(ROW, (article_id, f"https://x/{article_id}", f"https://x/{article_id}",
                               title, run, when))
        conn.commit()


def test_same_rows_other_order_other_run_compare_equal(fresh_warehouse_url, second_warehouse):
    rows = [("a1", "Un"), ("a2", "Deux"), ("a3", "Trois")]
    load(fresh_warehouse_url, rows, "scrape_news:run-1", "2026-01-01T00:00:00Z")
    load(second_warehouse, rows[::-1], "clean:1", "2026-06-01T12:00:00Z")
    a, b = warehouse_fingerprint(fresh_warehouse_url), warehouse_fingerprint(second_warehouse)
    assert a["raw.news_articles"][0] == 3
    assert fingerprint_diff(a, b) == {} and rows_lost(a, b) == 0
    assert "raw.scrape_runs" not in a  # a run log, not data


def test_a_changed_missing_or_doubled_row_is_seen(fresh_warehouse_url, second_warehouse):
    load(fresh_warehouse_url, [("a1", "Un"), ("a2", "Deux")], "r", "2026-01-01T00:00:00Z")
    load(second_warehouse, [("a1", "Un"), ("a2", "Deux!")], "r", "2026-01-01T00:00:00Z")
    changed = fingerprint_diff(warehouse_fingerprint(fresh_warehouse_url), warehouse_fingerprint(second_warehouse))
    assert list(changed) == ["raw.news_articles"]
    with db.connect(second_warehouse) as conn:
        conn.execute("delete from raw.news_articles where article_id = 'a2'")
        conn.commit()
    a, b = warehouse_fingerprint(second_warehouse), warehouse_fingerprint(fresh_warehouse_url)
    assert rows_lost(a, b) == 1
    # a row too many (a doubled load under another key): no row lost, still a difference
    load(second_warehouse, [("a2", "Deux!"), ("a2-copy", "Deux!")], "r", "2026-01-01T00:00:00Z")
    a, b = warehouse_fingerprint(second_warehouse), warehouse_fingerprint(fresh_warehouse_url)
    assert rows_lost(a, b) == 0 and list(fingerprint_diff(a, b)) == ["raw.news_articles"]
