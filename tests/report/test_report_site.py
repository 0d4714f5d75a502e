"""`clusterwatch report` on a real warehouse (tests/report/conftest.py), read as a login in
`clusterwatch_analyst`: what each section reads, the pages it writes, empty and missing
marts, reruns, the CLI. Expected values are read from the marts dbt built (as the owner),
never written here, so the report is checked against what the warehouse really holds."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from report_warehouse import ARTICLES, clone_warehouse, md5

from clusterwatch import cli, db, warehouse
from clusterwatch.report import build_report
from clusterwatch.report.connection import (
    AnalystAccessError,
    analyst_url,
    connect_as_analyst,
    ensure_analyst_login,
)
from clusterwatch.report.queries import REQUIRED_MARTS, MissingMartError, fetch_report_data
from clusterwatch.report.render import MARKER, ReportOutputError

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

VENDOR = Path(__file__).resolve().parents[2] / "clusterwatch" / "report" / "vendor"


@pytest.fixture(scope="module")
def data(report_warehouse, analyst_login):
    with connect_as_analyst(analyst_url(report_warehouse, analyst_login, "")) as conn:
        return fetch_report_data(conn)


@pytest.fixture(scope="module")
def site(report_warehouse, analyst_login, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "site"
    result = build_report(analyst_url(report_warehouse, analyst_login, ""), out)
    return {"out": out, "result": result}


def read(site, relative: str) -> str:
    return (site["out"] / relative).read_text(encoding="utf-8")


def marts(url: str, query: str, params=()) -> list[tuple]:
    """Rows of the real marts, read as the owner: what the report must show."""
    with db.connect(url) as conn:
        return conn.execute(query, params).fetchall()


@pytest.fixture(scope="module")
def expected(report_warehouse):
    latest_rca = marts(report_warehouse, """
        select hs_code, rca, exports_usd, is_competitive from marts.fct_product_rca
        where country_iso3 = 'DZA' and rca is not null and trade_year = (
            select max(trade_year) from marts.fct_product_rca where country_iso3 = 'DZA')
        order by rca desc, hs_code limit 15""")
    return {
        "clusters": marts(report_warehouse, """
            select cluster_id, member_count, article_count from marts.dim_clusters
            order by article_count desc, cluster_id"""),
        "rca": latest_rca,
        "hydrocarbon_share": marts(report_warehouse, """
            select trade_year, hydrocarbon_share from marts.fct_export_diversification
            where reporter_iso3 = 'DZA' order by trade_year"""),
        "lq_cells": marts(report_warehouse, """
            select wilaya_id, sector_id, location_quotient
            from marts.fct_wilaya_sector_specialisation where location_quotient is not null
            order by wilaya_id, sector_id"""),
    }


def test_the_real_marts_have_what_each_chart_needs(expected):
    """The files loaded in conftest.py reach every mart the report draws: otherwise the
    checks below would pass on empty sections."""
    seed = VENDOR.parents[2] / "dbt_project" / "seeds" / "gazetteers" / "clusters.csv"
    assert len(expected["clusters"]) == len(seed.read_text(encoding="utf-8").splitlines()) - 1
    # Members from the registry list (CBA and "Cluster Boissons-Algérie" are one cluster;
    # "Cluster des inconnus" is none).
    members = {cluster_id: count for cluster_id, count, _ in expected["clusters"] if count}
    # The synthetic demo registry adds two members per (wilaya, activity) group it names.
    assert members == {"cluster_boissons_algerie": 2 + 2 + 2, "cluster_lait_setif": 1 + 2,
                       "cluster_tomate_industrielle": 1, "cluster_numerique_bba": 2 + 2,
                       "cluster_dattes_biskra": 2, "cluster_mecanique_automobile": 2 + 1,
                       "cluster_mecanique_precision": 2, "cluster_plasturgie": 2 + 2}
    assert len(expected["rca"]) >= 5 and len(expected["hydrocarbon_share"]) >= 2
    assert len(expected["lq_cells"]) >= 5


def test_sections_read_the_marts_as_the_analyst(data, expected):
    assert [row["cluster_id"] for row in data["clusters"]] == [
        row[0] for row in expected["clusters"]]
    assert {row["cluster_id"]: row["member_count"] for row in data["clusters"]} == {
        cluster_id: members for cluster_id, members, _ in expected["clusters"]}
    # Latest articles come from the real text analysis and fct_article_publications, newest first.
    latest = [(row["cluster_id"], row["article_id"]) for row in data["cluster_articles"]]
    assert latest == [
        ("cluster_boissons_algerie", md5(ARTICLES["boissons_ar"][2])),
        ("cluster_boissons_algerie", md5(ARTICLES["boissons_fr"][2])),
        ("cluster_lait_setif", md5(ARTICLES["lait_fr"][2])),
        ("cluster_tomate_industrielle", md5(ARTICLES["tomate_ar"][2])),
    ]
    assert [(row["trade_year"], row["hydrocarbon_share"])
            for row in data["export_diversification"]] == expected["hydrocarbon_share"]
    # Only Algeria's latest year, highest RCA first.
    assert [(row["hs_code"], row["rca"]) for row in data["product_rca"]] == [
        (hs_code, rca) for hs_code, rca, _, _ in expected["rca"]]
    assert len({row["trade_year"] for row in data["product_rca"]}) == 1
    assert [(row["wilaya_id"], row["sector_id"], row["location_quotient"])
            for row in data["wilaya_sector_lq"]
            if row["location_quotient"] is not None] == expected["lq_cells"]
    assert {(row["source_id"], row["health_status"]) for row in data["source_health"]} >= {
        ("aps_ar", "fresh"), ("elwatan", "error")}
    assert [(str(row["validation_date"]), row["failed_validation_count"])
            for row in data["data_quality"]] == [("2025-05-05", 0), ("2025-05-06", 0), ("2025-05-07", 1)]
    assert [row["alert_id"] for row in data["alerts"]] == ["al1"]


def test_owner_and_non_members_are_refused(report_warehouse, pg_server_url):
    with pytest.raises(AnalystAccessError, match="superuser or owns the marts"):
        connect_as_analyst(report_warehouse)
    outsider = f"cw_report_outsider_{md5(report_warehouse)[:6]}"
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("create role {} login").format(sql.Identifier(outsider)))
    try:
        with pytest.raises(AnalystAccessError, match="not a member of clusterwatch_analyst"):
            connect_as_analyst(analyst_url(report_warehouse, outsider, ""))
    finally:
        with psycopg.connect(pg_server_url, autocommit=True) as conn:
            conn.execute(sql.SQL("drop role {}").format(sql.Identifier(outsider)))


def test_analyst_session_is_read_only(report_warehouse, analyst_login):
    with connect_as_analyst(analyst_url(report_warehouse, analyst_login, "")) as conn:
        assert conn.execute("select current_user").fetchone()[0] == "clusterwatch_analyst"
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("delete from marts.dim_clusters")


def test_site_has_both_languages_and_a_page_per_cluster(site, expected):
    files = sorted(str(path.relative_to(site["out"])) for path in site["out"].rglob("*") if path.is_file())
    clusters = [row[0] for row in expected["clusters"]]  # one page per row of dim_clusters
    assert files == sorted(
        [MARKER, "index.html", "fr/index.html", "ar/index.html"]
        + [f"{lang}/clusters/{cluster}.html" for lang in ("fr", "ar") for cluster in clusters]
        + [f"assets/{name}" for name in ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js",
                                         "report.js", "report.css", "LICENSES.txt")])
    assert site["result"]["index"] == str(site["out"] / "index.html")
    assert site["result"]["pages"] == 1 + 2 * (1 + len(clusters))
    assert '<html lang="ar" dir="rtl">' in read(site, "ar/index.html")
    assert '<html lang="fr" dir="ltr">' in read(site, "fr/index.html")
    # Language switch on each page, to the same page in the other language.
    assert 'href="../../ar/clusters/cluster_lait_setif.html"' in read(site, "fr/clusters/cluster_lait_setif.html")
    assert 'href="../fr/index.html"' in read(site, "ar/index.html")


def test_every_index_chart_is_there_with_its_data(site, expected):
    for lang in ("fr", "ar"):
        page = read(site, f"{lang}/index.html")
        assert re.findall(r'data-chart="(\w+)"', page) == [
            "activity", "hydrocarbons", "rca", "lq", "quality", "source_activity"]
        specs = {key: json.loads(body) for key, body in
                 re.findall(r'<script type="application/json" id="spec-(\w+)">(.*?)</script>', page, re.S)}
        assert specs["rca"]["$schema"].endswith("vega-lite/v6.4.1.json")
        rca_bars = specs["rca"]["layer"][0]["data"]["values"]
        yes, no = ("oui", "non") if lang == "fr" else ("نعم", "لا")
        # Each top product of fct_product_rca, in its order, with its RCA and exports.
        assert rca_bars == [{"product": hs_code, "rca": float(rca), "exports": float(exports),
                             "competitive": yes if competitive else no}
                            for hs_code, rca, exports, competitive in expected["rca"]]
        shares = {(row["year"], row["value"]) for row in specs["hydrocarbons"]["data"]["values"]}
        assert {(year, float(share)) for year, share in expected["hydrocarbon_share"]} <= shares
        # One cell per wilaya x sector with a location quotient (cells without
        # employment stay out of the heat map).
        cells = specs["lq"]["data"]["values"]
        assert len(cells) == len(expected["lq_cells"])
        assert sorted(cell["lq"] for cell in cells) == sorted(
            float(lq) for _, _, lq in expected["lq_cells"])
        # The table under the chart: each year's share, kept left to right in Arabic.
        for year, share in expected["hydrocarbon_share"]:
            assert (f'<tr><td>{year}</td>' in page
                    and f'<bdi class="ltr" dir="ltr">{float(share) * 100:.1f} %</bdi>' in page)
    assert "Noto Naskh Arabic" in read(site, "ar/index.html")


def test_cluster_page_lists_latest_articles_in_their_own_language(site):
    page = read(site, "fr/clusters/cluster_boissons_algerie.html")
    arabic_title = ARTICLES["boissons_ar"][4]
    assert (f'lang="ar" dir="rtl" href="{ARTICLES["boissons_ar"][2]}" rel="noopener noreferrer">'
            f'{arabic_title}</a>') in page
    assert page.index(arabic_title) < page.index("Le Cluster Boissons")  # newest first
    # Markup from a scraped title is shown as text, never run.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "&lt;b&gt;réunit&lt;/b&gt;" in page



def test_cluster_profiles_show_the_marts_values(site, report_warehouse):
    wilaya_names = dict(marts(report_warehouse, """
        select wilaya_id, wilaya_name_ar from marts.dim_wilayas where is_current"""))
    clusters = marts(report_warehouse, """
        select cluster_id, cluster_name_fr, cluster_name_ar, wilaya_ids, member_count,
            article_count
        from marts.dim_clusters""")
    assert any(article_count == 0 for *_, article_count in clusters)
    for cluster_id, name_fr, name_ar, wilaya_ids, members, article_count in clusters:
        french = read(site, f"fr/clusters/{cluster_id}.html")
        arabic = read(site, f"ar/clusters/{cluster_id}.html")
        assert name_fr.replace("'", "&#39;") in french and name_ar in arabic
        assert f"<dt>Membres</dt><dd>{members}</dd>" in french, cluster_id
        # The Arabic page names the wilayas from dim_wilayas, in dim_clusters' order.
        wilayas = "، ".join(
            f"{code} {wilaya_names[code]}" for code in wilaya_ids.split("|") if code)
        assert wilayas in arabic, (cluster_id, wilayas)
        if article_count == 0:  # no activity chart, no articles
            assert french.count("Pas encore de données.") == 2, cluster_id
        else:
            assert "Pas encore de données." not in french, cluster_id


def test_pages_load_nothing_from_the_network(site):
    for page in site["out"].rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for attribute, target in re.findall(r'\b(src|href)="([^"]*)"', html):
            if attribute == "href" and target.startswith("https://www."):
                continue  # links to the articles themselves, followed only on a click
            assert "://" not in target and not target.startswith("//"), (page, target)
    for script in site["out"].glob("assets/*.js"):
        assert b"sourceMappingURL" not in script.read_bytes()
    css = (site["out"] / "assets" / "report.css").read_text()
    assert "url(data:font/woff2;base64," in css and "http" not in css


def test_vendored_files_match_their_recorded_checksums():
    table = (VENDOR / "README.md").read_text()
    rows = re.findall(r"^\| (\S+\.(?:js|woff2)) \|.*\| ([0-9a-f]{64}) \|$", table, re.M)
    assert len(rows) == 5
    for name, digest in rows:
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name


def test_rerun_replaces_the_previous_report_and_refuses_foreign_folders(report_warehouse, analyst_login, tmp_path):
    url = analyst_url(report_warehouse, analyst_login, "")
    out = tmp_path / "site"
    build_report(url, out)
    first = {path.relative_to(out): path.read_bytes() for path in out.rglob("*") if path.is_file()}
    (out / "fr" / "clusters" / "stale.html").write_text("a cluster that is gone")
    build_report(url, out, languages=("fr",))
    assert not (out / "fr" / "clusters" / "stale.html").exists()
    assert not (out / "ar").exists()
    build_report(url, out)
    again = {path.relative_to(out): path.read_bytes() for path in out.rglob("*") if path.is_file()}
    assert again.keys() == first.keys()
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "mine.txt").write_text("keep me")
    with pytest.raises(ReportOutputError, match="not a report built by clusterwatch"):
        build_report(url, foreign)
    assert (foreign / "mine.txt").read_text() == "keep me"


@pytest.fixture
def empty_copy(report_warehouse):
    url = clone_warehouse(report_warehouse, "empty")
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [row[0] for row in conn.execute(
            "select tablename from pg_tables where schemaname = 'marts'")]
        conn.execute(sql.SQL("truncate {}").format(
            sql.SQL(", ").join(sql.Identifier("marts", table) for table in tables)))
    yield url
    warehouse.drop_database(url)


def test_empty_marts_give_a_readable_report(empty_copy, analyst_login, tmp_path):
    result = build_report(analyst_url(empty_copy, analyst_login, ""), tmp_path / "site")
    assert result["clusters"] == 0 and set(result["rows"].values()) == {0}
    for lang, note in (("fr", "Pas encore de données."), ("ar", "لا توجد بيانات بعد.")):
        page = (tmp_path / "site" / lang / "index.html").read_text(encoding="utf-8")
        assert "data-chart=" not in page
        assert page.count(note) == 9  # 6 charts, the cluster list, alerts, source health
    assert not (tmp_path / "site" / "fr" / "clusters").exists()


@pytest.fixture
def copy_without_dim_clusters(report_warehouse):
    url = clone_warehouse(report_warehouse, "nodim")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("drop table marts.dim_clusters")
        conn.execute("drop table marts.fct_product_rca")
    yield url
    warehouse.drop_database(url)


def test_missing_mart_is_named(copy_without_dim_clusters, analyst_login, tmp_path, monkeypatch, capsys):
    with connect_as_analyst(analyst_url(copy_without_dim_clusters, analyst_login, "")) as conn:
        with pytest.raises(MissingMartError) as error:
            fetch_report_data(conn)
    assert error.value.missing == ["dim_clusters", "fct_product_rca"]
    assert "marts.dim_clusters, marts.fct_product_rca" in str(error.value)
    # Through the CLI: exit 2, the names on stderr and in the JSON line, nothing written.
    monkeypatch.setenv("CLUSTERWATCH_DATABASE_URL", copy_without_dim_clusters)
    monkeypatch.setenv("CLUSTERWATCH_ANALYST_USER", analyst_login)
    monkeypatch.delenv("CLUSTERWATCH_ANALYST_PASSWORD", raising=False)
    assert cli.main(["report", "--out", str(tmp_path / "site")]) == 2
    captured = capsys.readouterr()
    assert "marts.dim_clusters" in captured.err
    assert json.loads(captured.out.strip().splitlines()[-1])["success"] is False
    assert not (tmp_path / "site").exists()


def test_cli_writes_one_language(report_warehouse, analyst_login, expected, tmp_path, monkeypatch,
                                 capsys):
    monkeypatch.setenv("CLUSTERWATCH_DATABASE_URL", report_warehouse)
    monkeypatch.setenv("CLUSTERWATCH_ANALYST_USER", analyst_login)
    monkeypatch.delenv("CLUSTERWATCH_ANALYST_PASSWORD", raising=False)
    assert cli.main(["report", "--out", str(tmp_path / "site"), "--lang", "ar"]) == 0
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last["index"] == str(tmp_path / "site" / "index.html")
    assert last["languages"] == ["ar"] and last["pages"] == 2 + len(expected["clusters"])
    assert not (tmp_path / "site" / "fr").exists()
    assert "lang-switch" not in (tmp_path / "site" / "ar" / "index.html").read_text(encoding="utf-8")


def test_required_marts_are_the_contract_ones():
    assert set(REQUIRED_MARTS) == {
        "dim_clusters", "fct_cluster_activity_monthly", "fct_article_mentions",
        "fct_article_publications", "dim_wilayas", "fct_export_diversification",
        "fct_product_rca", "fct_wilaya_sector_specialisation", "fct_data_quality_daily",
        "fct_alerts", "dim_monitored_sources", "fct_source_activity_monthly"}


def test_ensure_analyst_login_creates_it_once(pg_server_url):
    login = f"cw_report_ensure_{uuid.uuid4().hex[:8]}"
    try:
        assert ensure_analyst_login(pg_server_url, login) is True
        assert ensure_analyst_login(pg_server_url, login) is False
        with psycopg.connect(pg_server_url) as conn:
            assert conn.execute("select pg_has_role(%s, 'clusterwatch_analyst', 'member')",
                                (login,)).fetchone()[0]
    finally:
        with psycopg.connect(pg_server_url, autocommit=True) as conn:
            conn.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(login)))


def test_demo_ends_with_the_report(report_warehouse, copy_without_dim_clusters, analyst_login,
                                   tmp_path, monkeypatch, capsys):
    from clusterwatch.demo import build_demo_report

    monkeypatch.setenv("CLUSTERWATCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CLUSTERWATCH_ANALYST_USER", analyst_login)
    monkeypatch.delenv("CLUSTERWATCH_ANALYST_PASSWORD", raising=False)
    monkeypatch.setenv("CLUSTERWATCH_DATABASE_URL", report_warehouse)
    index = build_demo_report()  # also rebuilds the monitoring marts, as monitor_sources does
    assert index == str(tmp_path / "home" / "report" / "index.html")
    out = capsys.readouterr().out
    assert "building the monitoring marts" in out and f"open {index}" in out
    # A mart not built yet: the demo names it instead of failing after a good pipeline run.
    monkeypatch.setenv("CLUSTERWATCH_DATABASE_URL", copy_without_dim_clusters)
    assert build_demo_report(refresh_monitoring=False) is None
    assert "report not built: the report needs marts.dim_clusters" in capsys.readouterr().out
