"""The deletion log of clusterwatch/sql/008_change_log.sql, on a real PostgreSQL.

What the incremental news marts read instead of comparing every key (docs/warehouse.md
"Incremental strategy"): a deleted article with its duplicate group, the old group of
an article whose content hash changed, deleted analyses, and mentions deleted outside
a re-analysis. A re-analysis (analysis upserted, mentions rewritten in one transaction)
is covered by the analysis's own stamp and logs nothing.
"""

from __future__ import annotations

import pytest

from clusterwatch import db

pytestmark = pytest.mark.postgres


def add_article(conn, article_id: str, content_hash: str) -> None:
    conn.execute(
        """insert into raw.news_articles (article_id, source_id, canonical_url, url, title,
               body_text, content_hash, extractor, _batch_id, _scraped_at)
           values (%s, 'aps_fr', %s, %s, 't', 'b', %s, 'selectors', 'run-1', now())""",
        (article_id, f"https://x.dz/{article_id}", f"https://x.dz/{article_id}", content_hash))
    conn.execute(
        """insert into raw.article_analysis (article_id, content_hash, is_mixed_language,
               arabic_share, is_cluster_related, relevance_score, content_fingerprint,
               analysed_at, analyser_version)
           values (%s, %s, false, 0, true, 1, %s, now(), 'test')""",
        (article_id, content_hash, content_hash))
    conn.execute(
        """insert into raw.article_mentions (article_id, entity_type, entity_id, entity_name,
               surface, mention_count)
           values (%s, 'wilayas', '31', 'Oran', 'Oran', 1), (%s, 'sectors', 'plastics', 'p', 'p', 1)""",
        (article_id, article_id))


def log(conn) -> list[tuple]:
    return conn.execute("""select table_name, article_id, source_id, content_hash
                           from monitoring.news_deletions order by 1, 2, 4""").fetchall()


def test_deletions_and_group_changes_are_logged(fresh_warehouse_url):
    with db.connect(fresh_warehouse_url) as conn:
        add_article(conn, "a1", "h1")
        add_article(conn, "a2", "h2")
        add_article(conn, "a3", "h3")
    # An update that keeps the content: nothing to log (the row has a new stamp).
    with db.connect(fresh_warehouse_url) as conn:
        conn.execute("update raw.news_articles set title = 'new title' where article_id = 'a1'")
        assert log(conn) == []
    # New content: the old group (aps_fr, h2) is logged.
    with db.connect(fresh_warehouse_url) as conn:
        conn.execute("update raw.news_articles set content_hash = 'h2-new' where article_id = 'a2'")
        assert log(conn) == [("news_articles", "a2", "aps_fr", "h2")]
    # A re-analysis: analysis upserted, mentions rewritten, in one transaction.
    with db.connect(fresh_warehouse_url) as conn:
        conn.execute("update raw.article_analysis set relevance_score = 2 where article_id = 'a3'")
        conn.execute("delete from raw.article_mentions where article_id = 'a3'")
        assert len(log(conn)) == 1
    # A mention removed by hand, and an article deleted with its analysis: each
    # deletion is logged, once per statement and article.
    with db.connect(fresh_warehouse_url) as conn:
        conn.execute("delete from raw.article_mentions where article_id = 'a1' and entity_type = 'wilayas'")
        conn.execute("delete from raw.news_articles where article_id = 'a3'")
        conn.execute("delete from raw.article_analysis where article_id = 'a3'")
        assert log(conn) == [
            ("article_analysis", "a3", None, None),
            ("article_mentions", "a1", None, None),
            ("news_articles", "a2", "aps_fr", "h2"),
            ("news_articles", "a3", "aps_fr", "h3"),
        ]
        (stamped,) = conn.execute("select count(*) from monitoring.news_deletions "
                                  "where deleted_at = now()").fetchone()
        assert stamped == 3  # the time of the deleting transaction, for the watermark
