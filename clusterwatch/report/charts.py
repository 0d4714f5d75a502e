"""Rows -> Vega-Lite specs, through altair. Pure functions: no I/O, no clock.

Each function returns a Vega-Lite spec (a dict, data inlined) or None when there is
nothing to draw, so the page shows a "no data yet" note instead of an empty chart.
Time axes use UTC time units: the marts hold dates, and a local time unit would shift
"2025-04-01" to March in a browser west of Greenwich.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import altair as alt

from clusterwatch.report.i18n import CHART_FONT, text

# Charts take the width of their frame (Vega-Lite "container" sizing, redrawn when the
# window is resized): a fixed width left ~40 % of a wide page empty and overflowed a phone.
WIDTH = "container"
TOP_CLUSTERS = 8


def jsonable(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def values(rows: list[dict], columns: list[str] | None = None) -> list[dict]:
    return [{key: jsonable(value) for key, value in row.items() if columns is None or key in columns}
            for row in rows]


def _month(value) -> date:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return value.replace(day=1)


def months_between(first, last) -> list[date]:
    """Every first-of-month from `first`'s month to `last`'s, both included."""
    start, end = _month(first), _month(last)
    months = []
    while start <= end:
        months.append(start)
        start = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return months


def zero_filled(rows: list[dict], group: str, month: str, measures: tuple[str, ...]) -> list[dict]:
    """The mart is sparse (a month without articles has no row): add the missing months,
    measures at 0, from the first month with data to the last, for every group; without
    them a line jumps over a silent month and a bar axis drops it."""
    if not rows:
        return []
    known = {(row[group], _month(row[month])) for row in rows}
    months = months_between(min(_month(r[month]) for r in rows), max(_month(r[month]) for r in rows))
    filled = list(rows)
    for key in sorted({row[group] for row in rows}):
        filled.extend({group: key, month: m, **{measure: 0 for measure in measures}}
                      for m in months if (key, m) not in known)
    return sorted(filled, key=lambda row: (_month(row[month]), str(row[group])))


def finish(chart: alt.TopLevelMixin, lang: str) -> dict:
    return (chart.configure(font=CHART_FONT[lang], autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
            .configure_view(stroke=None)
            .to_dict())


def activity_chart(activity: list[dict], names: dict[str, str], lang: str,
                   top: int = TOP_CLUSTERS) -> dict | None:
    """Articles per month for the most covered clusters."""
    if not activity:
        return None
    t = text(lang)
    totals: dict[str, int] = {}
    for row in activity:
        totals[row["cluster_id"]] = totals.get(row["cluster_id"], 0) + (row["article_count"] or 0)
    kept = sorted(totals, key=lambda cluster: (-totals[cluster], cluster))[:top]
    filled = zero_filled([row for row in activity if row["cluster_id"] in kept],
                         "cluster_id", "activity_month", ("article_count",))
    data = [{"month": jsonable(row["activity_month"]), "articles": row["article_count"] or 0,
             "cluster": names.get(row["cluster_id"], row["cluster_id"])}
            for row in filled]
    chart = alt.Chart(alt.Data(values=data)).mark_line(point=True).encode(
        x=alt.X("utcyearmonth(month):T", title=t["month"], axis=alt.Axis(format="%Y-%m")),
        y=alt.Y("articles:Q", title=t["articles"], axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("cluster:N", title=t["cluster"], legend=alt.Legend(orient="bottom", columns=2)),
        tooltip=[alt.Tooltip("cluster:N", title=t["cluster"]),
                 alt.Tooltip("utcyearmonth(month):T", title=t["month"], format="%Y-%m"),
                 alt.Tooltip("articles:Q", title=t["articles"])],
    ).properties(width=WIDTH, height=260)
    return finish(chart, lang)


def cluster_activity_chart(activity: list[dict], lang: str) -> dict | None:
    """One cluster's articles per month, Arabic and French stacked."""
    if not activity:
        return None
    t = text(lang)
    data = []
    for row in zero_filled(activity, "cluster_id", "activity_month",
                           ("arabic_article_count", "french_article_count")):
        for column, label in (("arabic_article_count", t["arabic"]),
                              ("french_article_count", t["french"])):
            data.append({"month": jsonable(row["activity_month"]), "language": label,
                         "articles": row[column] or 0})
    chart = alt.Chart(alt.Data(values=data)).mark_bar().encode(
        x=alt.X("utcyearmonth(month):O", title=t["month"],
                axis=alt.Axis(format="%Y-%m", labelAngle=-45)),
        y=alt.Y("sum(articles):Q", title=t["articles"], axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("language:N", title=t["language"]),
        tooltip=[alt.Tooltip("utcyearmonth(month):T", title=t["month"], format="%Y-%m"),
                 alt.Tooltip("language:N", title=t["language"]),
                 alt.Tooltip("sum(articles):Q", title=t["articles"])],
    ).properties(width=WIDTH, height=220)
    return finish(chart, lang)


def hydrocarbon_chart(diversification: list[dict], lang: str) -> dict | None:
    """Hydrocarbon share and HHI (both 0..1) by year."""
    if not diversification:
        return None
    t = text(lang)
    data = []
    for row in diversification:
        for column in ("hydrocarbon_share", "hhi"):
            if row[column] is not None:
                data.append({"year": row["trade_year"], "measure": t[column],
                             "value": jsonable(row[column])})
    if not data:
        return None
    chart = alt.Chart(alt.Data(values=data)).mark_line(point=True).encode(
        x=alt.X("year:O", title=t["year"], axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", title=t["share"], scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("measure:N", title=t["measure"], legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("year:O", title=t["year"]),
                 alt.Tooltip("measure:N", title=t["measure"]),
                 alt.Tooltip("value:Q", title=t["share"], format=".3f")],
    ).properties(width=WIDTH, height=260)
    return finish(chart, lang)


def rca_chart(products: list[dict], lang: str) -> dict | None:
    """Top products by RCA (latest year), with the RCA = 1 line."""
    if not products:
        return None
    t = text(lang)
    data = [{"product": row["hs_code"], "rca": jsonable(row["rca"]),
             "exports": jsonable(row["exports_usd"]),
             "competitive": t["yes"] if row["is_competitive"] else t["no"]}
            for row in products]
    bars = alt.Chart(alt.Data(values=data)).mark_bar().encode(
        y=alt.Y("product:N", title=t["product"], sort="-x"),
        x=alt.X("rca:Q", title=t["rca_value"]),
        color=alt.Color("competitive:N", title=t["competitive"],
                        scale=alt.Scale(domain=[t["yes"], t["no"]], range=["#2a7f62", "#b0b0b0"])),
        tooltip=[alt.Tooltip("product:N", title=t["product"]),
                 alt.Tooltip("rca:Q", title=t["rca_value"], format=".2f"),
                 alt.Tooltip("exports:Q", title=t["exports_usd"], format=",.0f")],
    )
    one = alt.Chart(alt.Data(values=[{"rca": 1}])).mark_rule(strokeDash=[4, 4]).encode(x="rca:Q")
    return finish(alt.layer(bars, one).properties(width=WIDTH, height=max(120, 22 * len(data))), lang)


def lq_heatmap(specialisation: list[dict], lang: str) -> dict | None:
    """Wilaya x sector location quotients; cells without employment stay blank."""
    rows = [row for row in specialisation if row["location_quotient"] is not None]
    if not rows:
        return None
    t = text(lang)
    suffix = "_ar" if lang == "ar" else "_fr"
    data = [{"wilaya": f"{row['wilaya_id']} {row['wilaya_name' + suffix] or row['wilaya_name_fr']}",
             "sector": row["sector_name" + suffix] or row["sector_name_fr"] or row["sector_id"],
             "lq": jsonable(row["location_quotient"]),
             "employees": row["employee_count"], "establishments": row["establishment_count"],
             "strong": t["yes"] if row["is_strong_cluster"] else t["no"]}
            for row in rows]
    chart = alt.Chart(alt.Data(values=data)).mark_rect().encode(
        x=alt.X("sector:N", title=t["sector"], axis=alt.Axis(labelAngle=-30)),
        y=alt.Y("wilaya:N", title=t["wilaya"], sort="ascending"),
        color=alt.Color("lq:Q", title=t["location_quotient"],
                        scale=alt.Scale(scheme="blueorange", domainMid=1)),
        tooltip=[alt.Tooltip("wilaya:N", title=t["wilaya"]),
                 alt.Tooltip("sector:N", title=t["sector"]),
                 alt.Tooltip("lq:Q", title=t["location_quotient"], format=".2f"),
                 alt.Tooltip("employees:Q", title=t["employees"]),
                 alt.Tooltip("establishments:Q", title=t["establishments"]),
                 alt.Tooltip("strong:N", title=t["strong_cluster"])],
    )
    labels = chart.mark_text(fontSize=10).encode(
        text=alt.Text("lq:Q", format=".1f"), color=alt.value("black"))
    wilayas = len({row["wilaya"] for row in data})
    return finish(alt.layer(chart, labels).properties(width=WIDTH, height=max(120, 24 * wilayas)), lang)


def quality_chart(quality: list[dict], lang: str) -> dict | None:
    """Validations per day: passed and failed, all datasets stacked."""
    if not quality:
        return None
    t = text(lang)
    data = []
    for row in quality:
        failed = row["failed_validation_count"] or 0
        data.append({"day": jsonable(row["validation_date"]), "dataset": row["dataset"],
                     "outcome": t["validations_passed"], "count": (row["validation_count"] or 0) - failed})
        data.append({"day": jsonable(row["validation_date"]), "dataset": row["dataset"],
                     "outcome": t["validations_failed"], "count": failed})
    chart = alt.Chart(alt.Data(values=data)).mark_bar().encode(
        x=alt.X("utcyearmonthdate(day):O", title=t["date"],
                axis=alt.Axis(format="%Y-%m-%d", labelAngle=-45)),
        y=alt.Y("sum(count):Q", title=t["validations"], axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("outcome:N", title=t["outcome"],
                        scale=alt.Scale(domain=[t["validations_passed"], t["validations_failed"]],
                                        range=["#2a7f62", "#c0392b"])),
        tooltip=[alt.Tooltip("utcyearmonthdate(day):T", title=t["date"], format="%Y-%m-%d"),
                 alt.Tooltip("outcome:N", title=t["outcome"]),
                 alt.Tooltip("sum(count):Q", title=t["validations"])],
    ).properties(width=WIDTH, height=200)
    return finish(chart, lang)


def source_activity_chart(activity: list[dict], lang: str) -> dict | None:
    """Articles per source and month, stacked."""
    rows = [row for row in activity if row["published_month"] is not None]
    if not rows:
        return None
    t = text(lang)
    rows = zero_filled(rows, "source_id", "published_month", ("article_count",))
    data = [{"month": jsonable(row["published_month"]), "source": row["source_id"],
             "articles": row["article_count"]} for row in rows]
    chart = alt.Chart(alt.Data(values=data)).mark_bar().encode(
        x=alt.X("utcyearmonth(month):O", title=t["month"],
                axis=alt.Axis(format="%Y-%m", labelAngle=-45)),
        y=alt.Y("sum(articles):Q", title=t["articles"], axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("source:N", title=t["source"]),
        tooltip=[alt.Tooltip("source:N", title=t["source"]),
                 alt.Tooltip("utcyearmonth(month):T", title=t["month"], format="%Y-%m"),
                 alt.Tooltip("sum(articles):Q", title=t["articles"])],
    ).properties(width=WIDTH, height=220)
    return finish(chart, lang)
