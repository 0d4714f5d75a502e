"""Warehouse rows of the text layer: raw.article_analysis and raw.article_mentions
(clusterwatch/sql/005_text.sql). The only module of scrapers.text that does I/O.

- `store_analysis(conn, article_id, analysis)` replaces one article's rows (upsert of the
  analysis, delete + insert of its mentions), in the caller's transaction.
- `analyse_pending(database_url, batch_id=None)` analyses the articles of raw.news_articles
  that have no analysis, a changed content_hash or an older analyser version (only those
  of `batch_id` when given), stores them, then recomputes the story ids of the affected
  window. Two runs equal one: the second finds nothing pending and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime

import psycopg
from psycopg.types.json import Jsonb

from clusterwatch import db
from scrapers.text.analyse import Analysis, analyse_article, analyser_version, assign_stories
from scrapers.text.stories import MAX_SPAN, WINDOW

log = logging.getLogger(__name__)

ARTICLE_COLUMNS = "article_id, title, lead, body_text, language, published_at, content_hash"
# Articles analysed together for stories: the window around the new ones, widened by the
# longest story span, so a story that starts before the new articles is seen whole.
STORY_MARGIN = WINDOW + MAX_SPAN


def store_analysis(
    conn: psycopg.Connection,
    article_id: str,
    analysis: Analysis,
    *,
    content_hash: str | None = None,
    story_id: str | None = None,
    analysed_at: datetime | None = None,
) -> int:
    """Replace the rows of one article; returns the number of mention rows written.
    `content_hash` is the raw article's hash (defaults to the analysis fingerprint);
    `story_id` None keeps the stored one (analyse_pending sets stories afterwards)."""
    record = analysis.as_record()
    conn.execute(
        """
        insert into raw.article_analysis (
            article_id, content_hash, language_detected, is_mixed_language, arabic_share,
            is_cluster_related, relevance_score, matched_terms, content_fingerprint,
            story_id, analysed_at, analyser_version
        ) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
        on conflict (article_id) do update set
            content_hash = excluded.content_hash,
            language_detected = excluded.language_detected,
            is_mixed_language = excluded.is_mixed_language,
            arabic_share = excluded.arabic_share,
            is_cluster_related = excluded.is_cluster_related,
            relevance_score = excluded.relevance_score,
            matched_terms = excluded.matched_terms,
            content_fingerprint = excluded.content_fingerprint,
            story_id = coalesce(excluded.story_id, raw.article_analysis.story_id),
            analysed_at = excluded.analysed_at,
            analyser_version = excluded.analyser_version
        """,
        (
            article_id,
            content_hash or analysis.content_fingerprint,
            record["language_detected"],
            record["is_mixed_language"],
            record["arabic_share"],
            record["is_cluster_related"],
            record["relevance_score"],
            Jsonb(record["matched_terms"]),
            record["content_fingerprint"],
            story_id,
            analysed_at or datetime.now(UTC),
            analyser_version(),
        ),
    )
    conn.execute("delete from raw.article_mentions where article_id = %s", (article_id,))
    rows = [
        (
            article_id,
            kind,
            entity.id,
            entity.name,
            entity.surface,
            entity.count,
            entity.value,
            entity.unit,
        )
        for kind, entity in analysis.entities.items()
    ]
    if rows:
        with conn.cursor() as cur:
            cur.executemany(
                """
                insert into raw.article_mentions (
                    article_id, entity_type, entity_id, entity_name, surface,
                    mention_count, number_value, number_unit
                ) values (%s, %s, %s, %s, %s, %s, %s, %s)
                """,
                rows,
            )
    return len(rows)


def _analyse_row(row: tuple) -> Analysis:
    _, title, lead, body, language, published_at, _ = row
    return analyse_article(title, lead, body, language=language, published_at=published_at)


def _pending_rows(conn: psycopg.Connection, batch_id: str | None) -> list[tuple]:
    prefix = ", ".join(f"a.{c.strip()}" for c in ARTICLE_COLUMNS.split(","))
    sql = f"""
        select {prefix}
        from raw.news_articles as a
        left join raw.article_analysis as x on x.article_id = a.article_id
        where (x.article_id is null
               or x.content_hash <> a.content_hash
               or x.analyser_version <> %s)
    """
    params: list = [analyser_version()]
    if batch_id is not None:
        sql += " and a._batch_id = %s"
        params.append(batch_id)
    return conn.execute(sql + " order by a.article_id", params).fetchall()


def _story_rows(conn: psycopg.Connection, analysed: Iterable[tuple]) -> list[tuple]:
    """Every analysed article of the window around `analysed`, plus the other members of
    the stories they belonged to."""
    analysed = list(analysed)
    ids = [row[0] for row in analysed]
    dates = [row[5] for row in analysed if row[5] is not None]
    prefix = ", ".join(f"a.{c.strip()}" for c in ARTICLE_COLUMNS.split(","))
    clauses = ["a.article_id = any(%s)"]
    params: list = [ids]
    if dates:
        clauses.append("a.published_at between %s and %s")
        params += [min(dates) - STORY_MARGIN, max(dates) + STORY_MARGIN]
    clauses.append(
        """x.story_id in (select story_id from raw.article_analysis
                          where article_id = any(%s) and story_id is not null)"""
    )
    params.append(ids)
    sql = f"""
        select {prefix}
        from raw.news_articles as a
        inner join raw.article_analysis as x on x.article_id = a.article_id
        where {" or ".join(clauses)}
        order by a.article_id
    """
    return conn.execute(sql, params).fetchall()


def analyse_pending(
    database_url: str,
    batch_id: str | None = None,
    *,
    now: datetime | None = None,
) -> dict:
    """Analyse what is pending, store it, recompute the stories of its window.

    Returns counts: articles_analysed, cluster_related, mentions, stories_window (articles
    whose story was recomputed), story_ids_changed, analyser_version."""
    analysed_at = now or datetime.now(UTC)
    counts = {
        "articles_analysed": 0,
        "cluster_related": 0,
        "mentions": 0,
        "stories_window": 0,
        "story_ids_changed": 0,
        "analyser_version": analyser_version(),
    }
    with db.connect(database_url) as conn:
        # One writer at a time: story windows of two concurrent runs would overlap.
        conn.execute("select pg_advisory_xact_lock(hashtext('clusterwatch.text.analyse'))")
        pending = _pending_rows(conn, batch_id)
        for row in pending:
            analysis = _analyse_row(row)
            counts["mentions"] += store_analysis(
                conn, row[0], analysis, content_hash=row[6], analysed_at=analysed_at
            )
            counts["articles_analysed"] += 1
            counts["cluster_related"] += int(analysis.is_cluster_related)
        if pending:
            window = _story_rows(conn, pending)
            analyses = {row[0]: _analyse_row(row) for row in window}
            stories = assign_stories(analyses)
            before = dict(
                conn.execute(
                    "select article_id, story_id from raw.article_analysis"
                    " where article_id = any(%s)",
                    [list(stories)],
                ).fetchall()
            )
            changed = [(s, a) for a, s in stories.items() if before.get(a) != s]
            if changed:
                with conn.cursor() as cur:
                    cur.executemany(
                        "update raw.article_analysis set story_id = %s where article_id = %s",
                        changed,
                    )
            counts["stories_window"] = len(stories)
            counts["story_ids_changed"] = len(changed)
        conn.execute(
            """delete from raw.article_analysis as x
               where not exists (select 1 from raw.news_articles as a
                                 where a.article_id = x.article_id)"""
        )
    log.info("text analysis: %s", counts)
    return counts
