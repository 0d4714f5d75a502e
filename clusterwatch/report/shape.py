"""Rows -> what the templates show, per language. Pure functions."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from clusterwatch.report.i18n import text, value_label

_SAFE = re.compile(r"[^A-Za-z0-9_-]")


def page_slug(cluster_id: str) -> str:
    """A file name for a cluster page; ids that need changing get a hash suffix so that two
    ids never share a page."""
    safe = _SAFE.sub("-", cluster_id)[:80] or "cluster"
    if safe != cluster_id:
        safe += "-" + hashlib.md5(cluster_id.encode()).hexdigest()[:8]
    return safe


def localised(row: dict, column: str, lang: str) -> str:
    """`<column>_<lang>`, falling back to French, then to the plain column."""
    for key in (f"{column}_{lang}", f"{column}_fr", column):
        if row.get(key):
            return row[key]
    return ""


def number(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        return f"{value:,.2f}".replace(",", "\u202f")
    return f"{value:,}".replace(",", "\u202f")


def percent(value) -> str:
    return "–" if value is None else f"{float(value) * 100:.1f} %"


def day(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def cluster_names(clusters: list[dict], lang: str) -> dict[str, str]:
    return {row["cluster_id"]: localised(row, "cluster_name", lang) or row["cluster_id"]
            for row in clusters}


def wilaya_list(cluster: dict, wilayas: list[dict], lang: str) -> list[str]:
    """The cluster's wilayas as "code name" in the page's language. dim_clusters and
    dim_wilayas read the same wilayas seed, so every code has its row; the name falls
    back to French when the seed has no Arabic one."""
    by_id = {row["wilaya_id"]: row for row in wilayas}
    ids = [code for code in (cluster.get("wilaya_ids") or "").split("|") if code]
    return [f"{code} {localised(by_id.get(code, {}), 'wilaya_name', lang)}".strip()
            for code in ids]


def cluster_cards(clusters: list[dict], wilayas: list[dict], lang: str) -> list[dict]:
    t = text(lang)
    cards = []
    for row in clusters:
        cards.append({
            "cluster_id": row["cluster_id"],
            "page": page_slug(row["cluster_id"]) + ".html",
            "name": localised(row, "cluster_name", lang) or row["cluster_id"],
            "sector": localised(row, "sector_name", lang) or row.get("sector_id") or t["none"],
            "wilayas": wilaya_list(row, wilayas, lang),
            "status": value_label(row.get("status"), lang),
            "created_on": day(row.get("created_on")),
            "member_count": number(row.get("member_count")),
            "article_count": number(row.get("article_count")),
            "source_count": number(row.get("source_count")),
            "official_act_count": number(row.get("official_act_count")),
            "first_mentioned_on": day(row.get("first_mentioned_on")),
            "last_mentioned_on": day(row.get("last_mentioned_on")),
        })
    return cards


def articles_by_cluster(articles: list[dict]) -> dict[str, list[dict]]:
    """Latest articles per cluster; the title stays in its own language and direction."""
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in articles:
        language = (row.get("language") or "").lower()
        grouped[row["cluster_id"]].append({
            "title": row.get("title") or row.get("canonical_url") or row["article_id"],
            "url": safe_url(row.get("canonical_url")),
            "language": language,
            "dir": "rtl" if language == "ar" else "ltr",
            "source_id": row.get("source_id") or "–",
            "published_date": day(row.get("published_date")),
        })
    return dict(grouped)


def safe_url(url: str | None) -> str | None:
    """Only http(s) links: a `javascript:` URL from a scraped page must not become a link."""
    if url and re.match(r"(?i)^https?://", url):
        return url
    return None


def activity_by_cluster(activity: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in activity:
        grouped[row["cluster_id"]].append(row)
    return dict(grouped)


def diversification_rows(rows: list[dict]) -> list[dict]:
    return [{"year": row["trade_year"], "total": number(row["total_exports_usd"]),
             "hydrocarbon_share": percent(row["hydrocarbon_share"]),
             "hhi": "–" if row["hhi"] is None else f"{float(row['hhi']):.3f}",
             "hhi_normalised": "–" if row["hhi_normalised"] is None else f"{float(row['hhi_normalised']):.3f}",
             "products": number(row["product_count"]),
             "competitive": number(row["products_with_rca_ge_1"])}
            for row in rows]


def health_rows(rows: list[dict], lang: str) -> list[dict]:
    t = text(lang)
    return [{"source_id": row["source_id"], "name": row.get("source_name") or row["source_id"],
             "status": row.get("health_status") or "unknown",
             "status_label": value_label(row.get("health_status") or "unknown", lang),
             "hours_silent": "–" if row.get("hours_silent") is None else f"{float(row['hours_silent']):.0f}",
             "last_run": day(row.get("last_run_at")),
             "runs": f"{number(row.get('scrape_run_count'))} ({number(row.get('failed_scrape_run_count'))})",
             "error": row.get("last_run_error") or "",
             "demo": t["yes"] if row.get("is_demo") else ""}
            for row in rows]


def alert_rows(rows: list[dict], lang: str) -> list[dict]:
    t = text(lang)
    return [{"title": row.get("title") or row["alert_kind"], "kind": row["alert_kind"],
             "severity": row.get("severity") or "–",
             "severity_label": value_label(row.get("severity"), lang, kind="severity"), "subject": row.get("subject") or "",
             "occurrences": number(row.get("occurrence_count")),
             "last_seen": day(row.get("last_seen_at")),
             "delivered": t["yes"] if row.get("is_fully_delivered") else t["no"]}
            for row in rows]
