"""The report's pure parts: rows -> page data and Vega-Lite specs (no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from clusterwatch.report import charts, shape
from clusterwatch.report.render import render_site
from clusterwatch.report.queries import SECTIONS, ReportData

WILAYAS = [{"wilaya_id": "19", "wilaya_name_fr": "Sétif", "wilaya_name_ar": "سطيف"},
           {"wilaya_id": "34", "wilaya_name_fr": "Bordj Bou Arréridj", "wilaya_name_ar": None}]


def test_page_slug_is_safe_and_never_shared():
    assert shape.page_slug("cluster_lait_setif") == "cluster_lait_setif"
    odd = shape.page_slug("../etc/passwd")
    assert "/" not in odd and odd.startswith("---etc-passwd-")
    assert shape.page_slug("a b") != shape.page_slug("a/b")


@pytest.mark.parametrize(("url", "kept"), [
    ("https://www.aps.dz/ar/economie/1", True), ("HTTP://example.org", True),
    ("javascript:alert(1)", False), ("data:text/html,x", False), (None, False), ("", False)])
def test_only_http_links_are_kept(url, kept):
    assert shape.safe_url(url) == (url if kept else None)


def test_wilayas_in_the_page_language_with_fallbacks():
    cluster = {"wilaya_ids": "19|34", "wilaya_names_fr": "Sétif, Bordj Bou Arréridj"}
    assert shape.wilaya_list(cluster, WILAYAS, "ar") == ["19 سطيف", "34 Bordj Bou Arréridj"]
    assert shape.wilaya_list(cluster, WILAYAS, "fr") == ["19 Sétif", "34 Bordj Bou Arréridj"]
    assert shape.wilaya_list(cluster, [], "fr") == ["19", "34"]  # never: same seed as dim_clusters
    assert shape.wilaya_list({"wilaya_ids": "", "wilaya_names_fr": ""}, WILAYAS, "fr") == []


def test_names_fall_back_to_french_then_the_plain_name():
    row = {"cluster_name": "Plain", "cluster_name_fr": "Nom", "cluster_name_ar": None}
    assert shape.localised(row, "cluster_name", "ar") == "Nom"
    assert shape.localised({"cluster_name": "Plain"}, "cluster_name", "ar") == "Plain"


def test_numbers_and_shares_are_formatted():
    assert shape.number(1234567) == "1\u202f234\u202f567"
    assert shape.number(Decimal("0.5")) == "0.50"
    assert shape.number(None) == "–"
    assert shape.percent(Decimal("0.931")) == "93.1 %"


def test_activity_chart_keeps_the_most_covered_clusters():
    rows = [{"cluster_id": f"c{n}", "activity_month": date(2025, 1, 1), "article_count": n}
            for n in range(1, 11)]
    spec = charts.activity_chart(rows, {"c10": "Dix"}, "fr", top=3)
    assert sorted(v["cluster"] for v in spec["data"]["values"]) == ["Dix", "c8", "c9"]
    assert spec["encoding"]["x"]["timeUnit"] == "utcyearmonth"


def test_charts_are_none_without_data():
    assert charts.activity_chart([], {}, "fr") is None
    assert charts.cluster_activity_chart([], "ar") is None
    assert charts.hydrocarbon_chart([{"trade_year": 2023, "hydrocarbon_share": None, "hhi": None}], "fr") is None
    assert charts.rca_chart([], "fr") is None
    assert charts.lq_heatmap([{"location_quotient": None}], "fr") is None
    assert charts.quality_chart([], "fr") is None
    assert charts.source_activity_chart([{"published_month": None, "source_id": "x", "article_count": 1}], "fr") is None


def test_arabic_charts_use_the_bundled_font_and_arabic_labels():
    spec = charts.hydrocarbon_chart(
        [{"trade_year": 2023, "hydrocarbon_share": Decimal("0.9"), "hhi": Decimal("0.38")}], "ar")
    assert spec["config"]["font"].startswith("Noto Naskh Arabic")
    assert {v["measure"] for v in spec["data"]["values"]} == {"حصة المحروقات", "HHI"}
    assert spec["encoding"]["x"]["title"] == "السنة"


def test_render_rejects_unknown_languages():
    empty = ReportData({section.name: [] for section in SECTIONS})
    with pytest.raises(ValueError, match="languages"):
        render_site(empty, ("en",))
    files = render_site(empty, ("ar",))
    assert "ar/index.html" in files and "fr/index.html" not in files


def test_months_without_articles_are_drawn_at_zero():
    rows = [{"cluster_id": "c1", "activity_month": date(2024, 11, 1), "article_count": 2},
            {"cluster_id": "c1", "activity_month": date(2025, 2, 1), "article_count": 1},
            {"cluster_id": "c2", "activity_month": date(2025, 1, 1), "article_count": 4}]
    spec = charts.activity_chart(rows, {}, "fr")
    points = {(v["cluster"], v["month"][:7]): v["articles"] for v in spec["data"]["values"]}
    assert points == {("c1", "2024-11"): 2, ("c1", "2024-12"): 0, ("c1", "2025-01"): 0, ("c1", "2025-02"): 1,
                      ("c2", "2024-11"): 0, ("c2", "2024-12"): 0, ("c2", "2025-01"): 4, ("c2", "2025-02"): 0}
    assert charts.months_between(date(2024, 12, 15), date(2025, 1, 1)) == [date(2024, 12, 1), date(2025, 1, 1)]
    bars = charts.cluster_activity_chart([rows[0] | {"arabic_article_count": 1, "french_article_count": 1},
                                          rows[1] | {"arabic_article_count": 1, "french_article_count": 0}], "fr")
    assert sorted({v["month"][:7] for v in bars["data"]["values"]}) == ["2024-11", "2024-12", "2025-01", "2025-02"]


def test_coded_values_are_shown_in_the_page_language():
    health = shape.health_rows([{"source_id": "aps", "health_status": "error", "is_demo": True}], "ar")[0]
    assert (health["status"], health["status_label"], health["demo"]) == ("error", "صامت", "نعم")
    alert = shape.alert_rows([{"alert_kind": "dq", "severity": "error", "occurrence_count": 1}], "fr")[0]
    assert (alert["severity"], alert["severity_label"]) == ("error", "erreur")
    cards = shape.cluster_cards([{"cluster_id": "c", "status": "active"},
                                 {"cluster_id": "d", "status": "in preparation (2017)"}], [], "ar")
    assert [card["status"] for card in cards] == ["نشط", "in preparation (2017)"]
