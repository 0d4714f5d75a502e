"""Rows of raw.news_articles and raw.scrape_runs for data-quality tests: real Arabic and
French text from the founding article (shared/seed) and its French coverage."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

BODY_AR = ("كشفت ربيعة خرفي، الأمينة العامة لوزارة الصناعة والمناجم، عن دعم الوزارة لمبادرة إستحداث "
           "تجمعات صناعية، مشيرة أنه تم الموافقة لإنشاء 7 تجمعات في عديد القطاعات على غرار الميكانيك والرقمنة، "
           "على أن يتم توسيع القائمة مستقبلا.")
BODY_FR = ("Le forum des clusters industriels, tenu à l'hôtel El Aurassi d'Alger, a réuni le ministère de "
           "l'Industrie et des Mines, des universitaires et des chefs d'entreprise autour de sept clusters "
           "agréés, dont la mécanique de précision et le numérique.")


def insert_article(conn, batch_id, url, *, title="عنوان", body=BODY_AR, language="ar", published=None,
                   source_id="demo_aps_ar", content_hash=None, scraped_at=None):
    published = published or datetime(2017, 2, 21, 9, 0, tzinfo=timezone.utc)
    conn.execute(
        """insert into raw.news_articles (article_id, source_id, canonical_url, url, language, title,
               body_text, published_at, content_hash, extractor, _batch_id, _scraped_at, _first_seen_at)
           values (md5(%s || '|' || %s), %s, %s, %s, %s, %s, %s, %s, %s, 'selectors', %s, %s, %s)""",
        (source_id, url, source_id, url, url, language, title, body, published,
         content_hash or hashlib.sha256((url + body).encode()).hexdigest(), batch_id,
         scraped_at or datetime.now(timezone.utc), scraped_at or datetime.now(timezone.utc)),
    )


def good_batch(conn, batch_id, n=3, prefix="https://www.aps.dz/ar/economie/", **kwargs):
    for i in range(n):
        insert_article(conn, batch_id, f"{prefix}{batch_id}-{i}", **kwargs)


def insert_run(conn, run_id, source_id, seen, *, started=None, status="succeeded", new=None):
    started = started or datetime.now(timezone.utc)
    new = seen if new is None else new
    conn.execute(
        """insert into raw.scrape_runs (scrape_run_id, source_id, started_at, finished_at, status,
               pages_discovered, pages_fetched, articles_new, articles_updated, articles_unchanged, pages_rejected)
           values (%s, %s, %s, %s, %s, %s, %s, %s, 0, %s, 0)""",
        (run_id, source_id, started, started + timedelta(minutes=2), status, seen, seen, new, seen - new),
    )
