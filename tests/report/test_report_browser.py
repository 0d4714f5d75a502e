"""The report in a real browser: Debian's headless Chromium, driven by Playwright (no
browser is downloaded). Every request that is not file:// or data: is blocked and fails
the test, as does any console error or warning, page error or failed request; every
chart must have drawn a non-empty SVG (or canvas); the Arabic pages must be right-to-left
and have the bundled Arabic font. Screenshots are saved under the test's tmp folder.

Chromium must be installed (`.ci/run` installs Debian's package when missing): without
it this test fails, it does not skip.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from clusterwatch import db
from clusterwatch.report import build_report
from clusterwatch.report.connection import analyst_url

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PAGES = [
    "index.html",
    "fr/index.html",
    "ar/index.html",
    "fr/clusters/cluster_boissons_algerie.html",
    "ar/clusters/cluster_tomate_industrielle.html",
    "ar/clusters/cluster_dattes_biskra.html",  # no article names it: no chart, a note
]

CHARTS_STATE = """() => Array.from(document.querySelectorAll('[data-chart]')).map(el => {
    const svg = el.querySelector('svg');
    const canvas = el.querySelector('canvas');
    const box = (svg || canvas) ? (svg || canvas).getBoundingClientRect() : {width: 0, height: 0};
    return {key: el.dataset.chart, rendered: el.dataset.rendered || null,
            marks: svg ? svg.querySelectorAll('path, rect, line, text').length : 0,
            canvas: !!canvas, width: box.width, height: box.height};
})"""


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), (
        "Debian's chromium is not installed: apt-get install -y --no-install-recommends chromium "
        "(.ci/run does it when missing)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # --no-sandbox: CI and this machine run as root, where Chromium's sandbox cannot start.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def site(report_warehouse, analyst_login, tmp_path_factory):
    out = tmp_path_factory.mktemp("report_browser") / "site"
    build_report(analyst_url(report_warehouse, analyst_login, ""), out)
    return out


@pytest.fixture(scope="module")
def lq_cell_count(report_warehouse):
    with db.connect(report_warehouse) as conn:
        return conn.execute("select count(*) from marts.fct_wilaya_sector_specialisation "
                            "where location_quotient is not null").fetchone()[0]


class Visit:
    """One page opened offline: what went wrong, and the state of its charts."""

    def __init__(self, browser, path, screenshot=None):
        self.problems: list[str] = []
        self.context = browser.new_context(viewport={"width": 1200, "height": 900})
        self.page = self.context.new_page()
        self.page.route("**/*", self._route)
        self.page.on("console", lambda message: self.problems.append(
            f"console {message.type}: {message.text}") if message.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("requestfailed", lambda request: self.problems.append(
            f"failed request {request.url}: {request.failure}"))
        self.page.goto(path.as_uri(), wait_until="load")
        self.page.wait_for_function(
            "() => Array.from(document.querySelectorAll('[data-chart]'))"
            ".every(el => el.hasAttribute('data-rendered'))", timeout=30_000)
        self.page.evaluate("() => document.fonts.ready")
        self.charts = self.page.evaluate(CHARTS_STATE)
        if screenshot:
            self.page.screenshot(path=str(screenshot), full_page=True)
            print(f"screenshot: {screenshot}")

    def _route(self, route):
        url = route.request.url
        if url.startswith(("file://", "data:")):
            route.continue_()
        else:
            self.problems.append(f"blocked request to {url}")
            route.abort()

    def close(self):
        self.context.close()


def test_the_harness_catches_network_requests_and_broken_charts(browser, site, tmp_path):
    """The checks below can fail: a page with a remote script and a broken chart is caught."""
    page = tmp_path / "bad.html"
    page.write_text(
        (site / "fr" / "index.html").read_text(encoding="utf-8")
        .replace('<script src="../assets/report.js">',
                 '<script src="http://127.0.0.1:9/tracker.js"></script><script src="../assets/report.js">')
        .replace('"mark": {"type": "rect"}', '"mark": {"type": "no-such-mark"}')
        .replace("../assets/", (site / "assets").as_uri() + "/"), encoding="utf-8")
    visit = Visit(browser, page)
    try:
        assert "blocked request to http://127.0.0.1:9/tracker.js" in visit.problems
        assert any("failed request http://127.0.0.1:9/tracker.js" in p for p in visit.problems)
        assert any(p.startswith("console error: chart lq") for p in visit.problems), visit.problems
        assert {c["key"]: c["rendered"] for c in visit.charts}["lq"] == "error"
    finally:
        visit.close()


@pytest.mark.parametrize("relative", PAGES)
def test_page_renders_offline_without_errors(browser, site, lq_cell_count, relative, tmp_path):
    shot = tmp_path / (relative.replace("/", "_").replace(".html", "") + ".png")
    visit = Visit(browser, site / relative, screenshot=shot)
    page, charts = visit.page, visit.charts
    try:
        assert visit.problems == []
        expected_charts = {"fr/index.html": 6, "ar/index.html": 6, "index.html": 0,
                           "ar/clusters/cluster_dattes_biskra.html": 0}.get(relative, 1)
        assert len(charts) == expected_charts, charts
        for chart in charts:
            assert chart["rendered"] == "true", chart
            assert chart["canvas"] or chart["marks"] > 0, chart
            assert chart["width"] > 50 and chart["height"] > 50, chart
        if relative.startswith("ar/"):
            assert page.evaluate("document.documentElement.dir") == "rtl"
            # Dates and percentages stay one left-to-right run inside Arabic lines.
            stamps = page.locator("footer bdi.ltr")
            assert stamps.count() == 1
            assert stamps.evaluate("el => getComputedStyle(el).direction") == "ltr"
            assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
            # The bundled (data: URL) Arabic font is there and used for the page's text.
            assert page.evaluate("document.fonts.check(\"16px 'Noto Naskh Arabic'\", 'تجمع')")
            assert "Noto Naskh Arabic" in page.evaluate("getComputedStyle(document.body).fontFamily")
            loaded = page.evaluate("Array.from(document.fonts).filter(f => f.status === 'loaded')"
                                   ".map(f => f.family)")
            assert any("Noto Naskh Arabic" in family for family in loaded), loaded
        elif relative.startswith("fr/"):
            assert page.evaluate("getComputedStyle(document.body).direction") == "ltr"
        if relative.endswith("/index.html"):
            # One heat-map cell per wilaya x sector with a location quotient in the mart.
            cells = page.locator('[data-chart="lq"] svg g.mark-rect.role-mark path')
            assert cells.count() == lq_cell_count, cells.count()
        if relative == "ar/clusters/cluster_dattes_biskra.html":
            assert page.locator(".no-data").count() == 2
        if relative == "fr/clusters/cluster_boissons_algerie.html":
            title = page.locator("a.article-title").nth(1)
            # The scraped markup is visible text, not elements.
            assert "<script>alert(1)</script>" in title.inner_text()
            assert page.locator("a.article-title script, a.article-title b").count() == 0
            arabic = page.locator("a.article-title[lang=ar]")
            assert arabic.evaluate("el => getComputedStyle(el).direction") == "rtl"
    finally:
        visit.close()
