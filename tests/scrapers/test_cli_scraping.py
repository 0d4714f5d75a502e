"""`clusterwatch sources check` and `clusterwatch extract`, run through the CLI against the
recorded demo site (served over real HTTP) and recorded files."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from clusterwatch.cli import main
from clusterwatch.demo_server import serve_site
from scrapers.pipeline import scrape_source

REPO = Path(__file__).resolve().parents[2]
SEED = Path(__file__).resolve().parent / "fixtures" / "seed" / "alfadjr-2017-02-21-clusters-forum.ar.txt"
DJAZAIRESS_PAGE = REPO / "demo" / "site" / "djazairess.com" / "alfadjr" / "354808"


@pytest.fixture(scope="module")
def demo_url():
    with serve_site() as base_url:
        yield base_url


def last_json(capsys) -> dict:
    out = capsys.readouterr().out.strip().splitlines()
    return json.loads(out[-1])


def test_sources_check_reports_reachability_items_age_and_parse_failures(demo_url, capsys):
    code = main(["sources", "check", "--set", "demo", "--demo-site", demo_url, "--sample", "10"])
    report = last_json(capsys)
    by_id = {s["source_id"]: s for s in report["sources"]}
    assert code == 1 and report["ok"] is False  # two demo sources have a broken page
    assert report["checked"] == 4 and set(report["failing"]) == {"demo_aps_ar", "demo_elwatan_fr"}

    aps = by_id["demo_aps_ar"]
    assert aps["reachable"] and aps["items_found"] == 4
    assert (aps["sampled"], aps["parsed"], aps["parse_failures"]) == (4, 3, 1)
    assert aps["failures_by_reason"] == {"no_body": 1} and aps["extractors"] == {"selectors": 3}
    assert aps["newest_item_at"] is not None and aps["newest_item_age_hours"] > 24 * 365

    watan = by_id["demo_elwatan_fr"]
    assert watan["failures_by_reason"] == {"http_error": 1}

    ministry = by_id["demo_industrie"]
    assert ministry["ok"] and ministry["items_found"] == 5 and ministry["parsed"] == 5
    assert [e["type"] for e in ministry["endpoints"]] == ["listing"]

    backfill_only = by_id["demo_djazairess"]
    assert backfill_only["ok"] and backfill_only["parsed"] == 1
    assert "back-fill only" in backfill_only["endpoints"][0]["note"]


def test_sources_check_one_source_and_an_unreachable_one(demo_url, capsys, monkeypatch):
    assert main(["sources", "check", "demo_industrie", "--set", "demo",
                 "--demo-site", demo_url]) == 0
    report = last_json(capsys)
    assert report["ok"] and [s["source_id"] for s in report["sources"]] == ["demo_industrie"]

    # a site that does not answer at all: reachable = no, and the run says so
    monkeypatch.setenv("CLUSTERWATCH_HTTP_MAX_RETRIES", "0")
    assert main(["sources", "check", "demo_industrie", "--set", "demo",
                 "--demo-site", "http://127.0.0.1:9"]) == 1
    report = last_json(capsys)
    endpoint = report["sources"][0]["endpoints"][0]
    assert not endpoint["reachable"] and "robots.txt" in endpoint["error"]

    assert main(["sources", "check", "nope", "--set", "demo", "--demo-site", demo_url]) == 2


def test_extract_a_file_prints_one_json_object(capsys):
    code = main(["extract", str(DJAZAIRESS_PAGE), "--source", "djazairess",
                 "--url", "https://www.djazairess.com/alfadjr/354808"])
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0 and len(out) == 1
    record = json.loads(out[0])
    for key in ("source_id", "url", "canonical_url", "language", "title", "published_at",
                "author", "text", "extractor"):
        assert key in record, key
    assert record["source_id"] == "djazairess" and record["language"] == "ar"
    assert record["canonical_url"] == "https://www.djazairess.com/alfadjr/354808"
    assert record["published_at"] == "2017-02-21T00:00:00+01:00"
    assert record["extractor"] == "selectors"
    lines = [" ".join(line.split()) for line in SEED.read_text("utf-8").splitlines() if line.strip()]
    assert record["title"] == lines[1]
    assert all(line in record["text"] for line in lines[2:])
    assert lines[0] not in record["text"]  # the image widget is not article text


def test_extract_a_url_matches_what_the_pipeline_stores(demo_url, fresh_warehouse_url, capsys):
    page = f"{demo_url}/elwatan.com/edition/economie/forum-sur-les-clusters-sept-clusters-valides-par-le-ministere-21-02-2017-340112_111.php"
    assert main(["extract", page, "--source", "demo_elwatan_fr", "--set", "demo",
                 "--demo-site", demo_url]) == 0
    record = last_json(capsys)
    scrape_source("demo_elwatan_fr", scrape_run_id="cli-1", database_url=fresh_warehouse_url,
                  sources_dir=REPO / "demo" / "sources", variables={"demo_site": demo_url},
                  allow_private_addresses=True)
    with psycopg.connect(fresh_warehouse_url) as conn:
        stored = conn.execute(
            "select content_hash, title, published_at from raw.news_articles where url = %s",
            (page,)).fetchone()
    assert stored[0] == record["content_hash"] and stored[1] == record["title"]
    assert stored[2].isoformat().replace("+00:00", "Z") and record["published_at"].endswith("+01:00")


def test_extract_a_joradp_pdf(tmp_path, capsys):
    from miniweb import joradp_pdf

    pdf = tmp_path / "F2017014.pdf"
    pdf.write_bytes(joradp_pdf(14))
    code = main(["extract", str(pdf), "--source", "joradp",
                 "--url", "https://www.joradp.dz/FTP/jo-francais/2017/F2017014.pdf"])
    record = last_json(capsys)
    assert code == 0 and record["extractor"] == "pdf" and record["kind"] == "official"
    assert record["document_number"] == "JORADP 2017/014 fr" and record["language"] == "fr"
    assert record["published_at"] == "2017-03-01T00:00:00+01:00"
    assert "clusters industriels" in record["text"]


def test_extract_a_page_that_is_rejected_exits_1(tmp_path, capsys):
    page = tmp_path / "video.html"
    page.write_bytes((REPO / "demo/site/aps.dz/ar/videos/60112-ziyara-maydaniya-mecanique").read_bytes())
    assert main(["extract", str(page), "--url", "https://www.aps.dz/ar/videos/60112"]) == 1
    record = last_json(capsys)
    assert record["rejected"] is True and record["reason"] == "no_body"
