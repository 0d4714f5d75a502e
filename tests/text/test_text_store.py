"""Warehouse rows of the text layer on a real PostgreSQL (issue 4, item 6)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import psycopg
import pytest

from clusterwatch import db
from scrapers.text.analyse import analyse_article, analyser_version
from scrapers.text.store import analyse_pending, store_analysis
from scrapers.text.stories import story_id_for

pytestmark = pytest.mark.postgres


def insert_article(conn, article, batch_id, article_id=None, body=None):
    article_id = article_id or article.id
    body = body if body is not None else article.body
    conn.execute(
        """
        insert into raw.news_articles (
            article_id, source_id, canonical_url, url, language, title, lead, body_text,
            published_at, content_hash, extractor, _batch_id, _scraped_at
        ) values (%s, 'test', %s, %s, %s, %s, %s, %s, %s, %s, 'selectors', %s, %s)
        on conflict (article_id) do update set
            body_text = excluded.body_text, content_hash = excluded.content_hash,
            _batch_id = excluded._batch_id
        """,
        (
            article_id,
            f"https://example.test/{article_id}",
            f"https://example.test/{article_id}",
            article.language,
            article.title,
            article.lead or None,
            body,
            article.published_at,
            hashlib.sha256(f"{article.title}\n{body}".encode()).hexdigest(),
            batch_id,
            datetime(2026, 1, 1, tzinfo=UTC),
        ),
    )


def rows(url, sql, *params):
    with db.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def analysis_snapshot(url):
    return rows(
        url,
        "select article_id, content_hash, is_cluster_related, relevance_score, story_id,"
        " analysed_at, analyser_version from raw.article_analysis order by article_id",
    )


def mention_snapshot(url):
    return rows(url, "select * from raw.article_mentions order by 1, 2, 3")


def test_analyse_pending_stores_rows_and_is_idempotent(fresh_warehouse_url, labelled):
    url = fresh_warehouse_url
    with db.connect(url) as conn:
        for article_id in ("ar-rel-01", "fr-rel-01", "ar-unr-01"):
            insert_article(conn, labelled[article_id], "batch-1")
        insert_article(conn, labelled["fr-unr-01"], "batch-2")

    counts = analyse_pending(url, batch_id="batch-1", now=datetime(2026, 1, 2, tzinfo=UTC))
    assert counts["articles_analysed"] == 3 and counts["cluster_related"] == 2
    assert counts["analyser_version"] == analyser_version()
    stored = {r[0]: r for r in analysis_snapshot(url)}
    assert set(stored) == {"ar-rel-01", "fr-rel-01", "ar-unr-01"}  # batch-2 not touched
    assert stored["ar-rel-01"][2] is True and stored["ar-unr-01"][2] is False
    assert stored["ar-rel-01"][4] == stored["fr-rel-01"][4] != stored["ar-unr-01"][4]

    seed_mentions = {
        (kind, entity_id): (name, count, value, unit)
        for _, kind, entity_id, name, _surface, count, value, unit in rows(
            url, "select * from raw.article_mentions where article_id = 'ar-rel-01'"
        )
    }
    assert seed_mentions[("organisations", "ministry_industry")][0] == (
        "Ministère de l'Industrie et des Mines"
    )
    assert ("organisations", "enp") in seed_mentions
    assert seed_mentions[("people", "rabia_kherfi")][:2] == ("Rabia Kherfi", 3)
    assert ("wilayas", "16") in seed_mentions
    assert seed_mentions[("numbers", "cluster:7")][2:] == (7, "cluster")
    terms = rows(
        url, "select matched_terms from raw.article_analysis where article_id = 'ar-rel-01'"
    )
    assert any(t["term"] == "التجمعات الصناعية" for t in terms[0][0])

    before = (analysis_snapshot(url), mention_snapshot(url))
    again = analyse_pending(url, batch_id="batch-1", now=datetime(2026, 1, 3, tzinfo=UTC))
    assert again["articles_analysed"] == 0 and again["story_ids_changed"] == 0
    assert (analysis_snapshot(url), mention_snapshot(url)) == before

    rest = analyse_pending(url)  # no batch: everything pending, i.e. batch-2
    assert rest["articles_analysed"] == 1
    oil = rows(
        url, "select is_cluster_related from raw.article_analysis where article_id = 'fr-unr-01'"
    )
    assert oil == [(False,)]


def test_changed_content_is_reanalysed_and_mentions_replaced(fresh_warehouse_url, labelled):
    url = fresh_warehouse_url
    seed = labelled["ar-rel-01"]
    with db.connect(url) as conn:
        insert_article(conn, seed, "b1")
    analyse_pending(url)
    assert rows(url, "select count(*) from raw.article_mentions where entity_type = 'people'") == [
        (2,)
    ]
    with db.connect(url) as conn:
        insert_article(conn, seed, "b2", body="نص قصير عن سطيف دون أي شخص.")
    counts = analyse_pending(url)
    assert counts["articles_analysed"] == 1
    kinds = rows(url, "select entity_type, entity_id from raw.article_mentions order by 1, 2")
    assert ("people", "rabia_kherfi") not in kinds  # the new text names nobody
    assert ("wilayas", "19") in kinds  # but Sétif


def test_late_article_joins_the_existing_story_and_keeps_its_id(fresh_warehouse_url, labelled):
    url = fresh_warehouse_url
    with db.connect(url) as conn:
        insert_article(conn, labelled["ar-rel-03"], "b1")  # APS, 20 Feb: the first report
        insert_article(conn, labelled["ar-rel-01"], "b1")
    analyse_pending(url, batch_id="b1")
    first = dict(rows(url, "select article_id, story_id from raw.article_analysis"))
    assert first["ar-rel-01"] == first["ar-rel-03"] == story_id_for("ar-rel-03")

    with db.connect(url) as conn:
        insert_article(conn, labelled["fr-rel-03"], "b2")  # Liberté, 21 Feb, "Khalfi"
        insert_article(conn, labelled["fr-unr-16"], "b2")  # the fair of 22 Feb
    counts = analyse_pending(url, batch_id="b2")
    assert counts["articles_analysed"] == 2 and counts["stories_window"] == 4
    after = dict(rows(url, "select article_id, story_id from raw.article_analysis"))
    assert after["fr-rel-03"] == after["ar-rel-01"] == story_id_for("ar-rel-03")
    assert after["fr-unr-16"] == story_id_for("fr-unr-16")


def test_deleted_articles_lose_their_analysis(fresh_warehouse_url, labelled):
    url = fresh_warehouse_url
    with db.connect(url) as conn:
        insert_article(conn, labelled["fr-rel-05"], "b1")
        insert_article(conn, labelled["fr-rel-06"], "b1")
    analyse_pending(url)
    with db.connect(url) as conn:
        conn.execute("delete from raw.news_articles where article_id = 'fr-rel-05'")
    analyse_pending(url)
    assert rows(url, "select article_id from raw.article_analysis") == [("fr-rel-06",)]
    assert rows(url, "select distinct article_id from raw.article_mentions") == [("fr-rel-06",)]


def test_store_analysis_replaces_one_article(fresh_warehouse_url, labelled):
    url = fresh_warehouse_url
    seed, french = labelled["ar-rel-01"], labelled["fr-rel-05"]
    with db.connect(url) as conn:
        written = store_analysis(
            conn, "x", analyse_article(seed.title, "", seed.body), story_id="st_a"
        )
        assert written == len(list(analyse_article(seed.title, "", seed.body).entities.items()))
        store_analysis(conn, "x", analyse_article(french.title, "", french.body))
    ((story, related),) = rows(url, "select story_id, is_cluster_related from raw.article_analysis")
    assert story == "st_a" and related is True  # None keeps the stored story id
    clusters = rows(
        url, "select entity_id from raw.article_mentions where entity_type = 'clusters'"
    )
    assert clusters == [("cluster_boissons_algerie",)]


def test_migration_is_idempotent(fresh_warehouse_url):
    db.bootstrap(fresh_warehouse_url)
    db.bootstrap(fresh_warehouse_url)
    with pytest.raises(psycopg.errors.CheckViolation), db.connect(fresh_warehouse_url) as conn:
        conn.execute(
            "insert into raw.article_analysis values ('a', 'h', 'xx', false, 0, false, 0,"
            " '[]', 'f', null, now(), 'v')"
        )
