"""End to end: the real demo server over HTTP -> scrape_source() -> a real PostgreSQL.

Expected numbers are read off the recorded demo site (see demo/README.md):
- demo_aps_ar: the feed lists 4 pages; the video page has no text (quarantined `no_body`);
- demo_elwatan_fr: the feed lists 4 pages, one via a 301; one is gone (quarantined `http_error`, 404);
- demo_industrie: two listing pages link 5 announcements and one JORADP page, which is
  outside the source's allowed domains and so never discovered.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import psycopg
import pytest

from clusterwatch.demo_server import serve_site
from scrapers.pipeline import ScrapeFailed, scrape_source

pytestmark = pytest.mark.postgres

REPO = Path(__file__).resolve().parents[2]
DEMO_SOURCES = REPO / "demo" / "sources"
DEMO_SITE = REPO / "demo" / "site"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
COUNT_KEYS = (
    "pages_discovered",
    "pages_fetched",
    "articles_new",
    "articles_updated",
    "articles_unchanged",
    "pages_rejected",
)
EXPECTED_FIRST_RUN = {
    #               discovered fetched new updated unchanged rejected
    "demo_aps_ar": (4, 4, 3, 0, 0, 1),
    "demo_elwatan_fr": (4, 4, 3, 0, 0, 1),
    "demo_industrie": (5, 5, 5, 0, 0, 0),
}


@pytest.fixture(scope="module")
def demo_url():
    with serve_site() as base_url:
        yield base_url


def scrape(source_id, run_id, database_url, base_url, **kwargs):
    kwargs.setdefault("sources_dir", DEMO_SOURCES)
    kwargs.setdefault("allow_private_addresses", True)
    return scrape_source(
        source_id,
        scrape_run_id=run_id,
        database_url=database_url,
        variables={"demo_site": base_url},
        **kwargs,
    )


def counts(result: dict) -> tuple:
    return tuple(result[key] for key in COUNT_KEYS)


def query(database_url, sql, params=()):
    with psycopg.connect(database_url) as conn:
        return conn.execute(sql, params).fetchall()


def table_sizes(database_url) -> tuple[int, int, int]:
    return query(
        database_url,
        """
        select (select count(*) from raw.news_articles),
               (select count(*) from quarantine.news_pages),
               (select count(*) from raw.scrape_runs)""",
    )[0]


def test_demo_site_end_to_end_and_idempotent(fresh_warehouse_url, demo_url):
    url = fresh_warehouse_url
    first = {
        source_id: scrape(source_id, "run-1", url, demo_url) for source_id in EXPECTED_FIRST_RUN
    }
    for source_id, result in first.items():
        assert result["source_id"] == source_id and result["scrape_run_id"] == "run-1"
        assert counts(result) == EXPECTED_FIRST_RUN[source_id], source_id
        assert result["pages_fetched"] == (
            result["articles_new"]
            + result["articles_updated"]
            + result["articles_unchanged"]
            + result["pages_rejected"]
        )

    assert table_sizes(url) == (11, 2, 3)

    # the run rows hold the same counts, and succeeded
    runs = query(
        url, f"select source_id, status, error, {', '.join(COUNT_KEYS)} from raw.scrape_runs"
    )
    for source_id, status, error, *numbers in runs:
        assert status == "succeeded" and error is None
        assert tuple(numbers) == EXPECTED_FIRST_RUN[source_id]

    # the bad page and the 404 are in quarantine with their reasons
    quarantined = query(
        url,
        """select source_id, page_url, reason, http_status, times_seen, detail
                                from quarantine.news_pages order by source_id""",
    )
    (
        (aps_id, aps_url, aps_reason, aps_status, _, _),
        (watan_id, watan_url, watan_reason, watan_status, _, detail),
    ) = quarantined
    assert (aps_id, aps_reason, aps_status) == ("demo_aps_ar", "no_body", 200)
    assert aps_url == f"{demo_url}/aps.dz/ar/videos/60112-ziyara-maydaniya-mecanique"
    assert (watan_id, watan_reason, watan_status) == ("demo_elwatan_fr", "http_error", 404)
    assert watan_url.endswith("la-filiere-datte-cherche-son-cluster-23-03-2018-365901_111.php")
    assert "404" in detail

    # Arabic text is stored exactly as extracted from the recorded page
    forum = json.loads(
        (FIXTURES / "aps_ar/forum-clusters-2017-json-ld.expected.json").read_text(encoding="utf-8")
    )
    stored = query(
        url,
        """select article_id = md5(source_id || '|' || canonical_url), source_id, language, title, lead,
                  body_text, published_at, published_at_source, content_hash, extractor,
                  _batch_id
           from raw.news_articles where canonical_url = %s""",
        (forum["canonical_url"],),
    )
    assert len(stored) == 1
    (
        key_ok,
        source_id,
        language,
        title,
        lead,
        body,
        published_at,
        date_source,
        digest,
        extractor,
        batch,
    ) = stored[0]
    assert key_ok and source_id == "demo_aps_ar" and language == "ar" and batch == "run-1"
    assert (title, lead, body) == (forum["title"], forum["lead"], forum["body_text"])
    assert "ربيعة خرفي" in lead and "فندق الأوراسي" in body
    assert published_at.isoformat().startswith(
        "2017-02-20T17:40:00"
    )  # 18:40 Algiers, stored as UTC
    assert (date_source, digest, extractor) == ("json-ld", forum["content_hash"], "selectors")

    # the windows-1256 page served without a charset header arrives as proper Arabic
    ((title_1256,),) = query(
        url,
        "select title from raw.news_articles where url like %s",
        ("%48805-warsha-munawala.html",),
    )
    assert title_1256 == "ورشة حول المناولة الصناعية لفائدة مؤسسات التجمع الميكانيكي"

    # canonical keys do not depend on the demo server's port; El Watan's text is repaired
    assert query(
        url, "select count(*) from raw.news_articles where canonical_url like 'http://127.0.0.1%%'"
    ) == [(0,)]
    ((watan_title,),) = query(
        url, "select title from raw.news_articles where canonical_url like %s", ("%340112_111.php",)
    )
    assert (
        watan_title
        == "Forum sur les clusters : sept clusters validés par le ministère de l'Industrie"
    )
    sources = dict(
        query(url, "select published_at_source, count(*) from raw.news_articles group by 1")
    )
    assert sources == {"json-ld": 1, "meta": 1, "byline": 3, "url": 1, "time": 5}

    # a second run with a new run id changes no row counts and reports everything unchanged
    second = {
        source_id: scrape(source_id, "run-2", url, demo_url) for source_id in EXPECTED_FIRST_RUN
    }
    for source_id, result in second.items():
        discovered, fetched, new, _, _, rejected = EXPECTED_FIRST_RUN[source_id]
        assert counts(result) == (discovered, fetched, 0, 0, new, rejected), source_id
    assert table_sizes(url) == (11, 2, 6)
    assert query(url, "select distinct _batch_id from raw.news_articles") == [("run-1",)]
    assert query(
        url,
        """select distinct times_seen, first_scrape_run_id, last_scrape_run_id
                         from quarantine.news_pages""",
    ) == [(2, "run-1", "run-2")]


def test_changed_page_is_updated_with_the_new_batch_id(fresh_warehouse_url, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(DEMO_SITE, site)
    with serve_site(site) as base_url:
        assert (
            counts(scrape("demo_industrie", "run-1", fresh_warehouse_url, base_url))
            == EXPECTED_FIRST_RUN["demo_industrie"]
        )
        page = site / "industrie.gov.dz/fr/actualites/cluster-cosmetique-en-gestation"
        page.write_text(
            page.read_text(encoding="utf-8").replace(
                "encore en gestation", "encore en gestation (mise à jour)"
            ),
            encoding="utf-8",
        )
        result = scrape("demo_industrie", "run-2", fresh_warehouse_url, base_url)
    assert counts(result) == (5, 5, 0, 1, 4, 0)
    rows = dict(
        query(fresh_warehouse_url, "select canonical_url, _batch_id from raw.news_articles")
    )
    assert (
        rows.pop("https://www.industrie.gov.dz/fr/actualites/cluster-cosmetique-en-gestation")
        == "run-2"
    )
    assert set(rows.values()) == {"run-1"}
    ((body,),) = query(
        fresh_warehouse_url, "select body_text from raw.news_articles where _batch_id = 'run-2'"
    )
    assert "(mise à jour)" in body


def test_a_retried_run_overwrites_its_own_rows(fresh_warehouse_url, demo_url, monkeypatch):
    monkeypatch.setenv("CLUSTERWATCH_SOURCES_DIR", str(DEMO_SOURCES))
    first = scrape("demo_aps_ar", "run-1", fresh_warehouse_url, demo_url, sources_dir=None)
    retry = scrape("demo_aps_ar", "run-1", fresh_warehouse_url, demo_url, sources_dir=None)
    assert counts(first) == EXPECTED_FIRST_RUN["demo_aps_ar"]
    assert counts(retry) == (4, 4, 0, 0, 3, 1)
    assert table_sizes(fresh_warehouse_url) == (3, 1, 1)
    assert query(fresh_warehouse_url, "select times_seen from quarantine.news_pages") == [(1,)]
    assert query(fresh_warehouse_url, "select articles_unchanged, status from raw.scrape_runs") == [
        (3, "succeeded")
    ]


def test_rejection_rate_over_the_threshold_fails_the_run_after_recording_it(
    fresh_warehouse_url, demo_url, monkeypatch
):
    with pytest.raises(ScrapeFailed, match="rejection rate 1/4") as raised:
        scrape("demo_aps_ar", "run-strict", fresh_warehouse_url, demo_url, max_rejection_rate=0.2)
    assert counts(raised.value.counts) == EXPECTED_FIRST_RUN["demo_aps_ar"]
    ((status, error, rejected),) = query(
        fresh_warehouse_url, "select status, error, pages_rejected from raw.scrape_runs"
    )
    assert status == "failed" and "rejection rate" in error and rejected == 1
    assert table_sizes(fresh_warehouse_url)[:2] == (3, 1)  # each page was committed on its own

    monkeypatch.setenv("CLUSTERWATCH_MAX_REJECTION_RATE", "0.3")
    assert scrape("demo_aps_ar", "run-env", fresh_warehouse_url, demo_url)["pages_rejected"] == 1


def test_a_source_that_cannot_be_read_fails(fresh_warehouse_url, demo_url, tmp_path):
    text = (
        (DEMO_SOURCES / "demo_elwatan_fr.yaml")
        .read_text(encoding="utf-8")
        .replace('url: "feed/"', 'url: "no-such-feed/"')
    )
    (tmp_path / "demo_elwatan_fr.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ScrapeFailed, match="every discovery endpoint failed"):
        scrape("demo_elwatan_fr", "run-1", fresh_warehouse_url, demo_url, sources_dir=tmp_path)
    ((status, error),) = query(fresh_warehouse_url, "select status, error from raw.scrape_runs")
    assert status == "failed" and "404" in error

    # without the opt-in, the HTTP door refuses the demo host (a loopback address)
    with pytest.raises(ScrapeFailed):
        scrape("demo_aps_ar", "run-2", fresh_warehouse_url, demo_url, allow_private_addresses=False)
    ((error,),) = query(
        fresh_warehouse_url, "select error from raw.scrape_runs where scrape_run_id = 'run-2'"
    )
    assert "non-public address" in error


def test_demo_backfill_by_id_loads_the_founding_article(fresh_warehouse_url, demo_url):
    """demo_djazairess has only an id range (back-fill only): a scheduled run finds
    nothing and succeeds; a back-fill over 354808 loads the founding article."""
    scheduled = scrape("demo_djazairess", "run-1", fresh_warehouse_url, demo_url)
    assert counts(scheduled) == (0, 0, 0, 0, 0, 0) and scheduled["status"] == "succeeded"
    result = scrape("demo_djazairess", "backfill-1", fresh_warehouse_url, demo_url,
                    backfill={"id_from": 354808, "id_to": 354808})
    assert counts(result) == (1, 1, 1, 0, 0, 0)
    ((language, title, mode),) = query(
        fresh_warehouse_url,
        """select a.language, a.title, r.run_mode from raw.news_articles a
           join raw.scrape_runs r on r.scrape_run_id = a._batch_id""",
    )
    assert language == "ar" and title.startswith("لأول مرة في الجزائر") and mode == "backfill"
    with pytest.raises(ValueError, match="no sitemap or joradp_index discovery"):
        scrape("demo_djazairess", "backfill-2", fresh_warehouse_url, demo_url,
               backfill={"date_from": "2017-01-01", "date_to": "2017-12-31"})
