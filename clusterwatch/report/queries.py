"""The report's query layer: one SQL file per section (report/sql/), each reading only
`marts`, run on a connection from `connection.connect_as_analyst`.

A mart that is not there (not built yet) is named in one clear error before any query
runs; an empty mart is simply an empty section.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources

import psycopg
from psycopg.rows import dict_row

COUNTRY_ISO3 = "DZA"  # the observatory's country (DOMAIN.md §4)


@dataclass(frozen=True)
class Section:
    name: str  # also the SQL file's stem
    marts: tuple[str, ...]  # what it reads; checked before running


SECTIONS = (
    Section("clusters", ("dim_clusters",)),
    Section("cluster_activity", ("fct_cluster_activity_monthly",)),
    Section("cluster_articles", ("fct_article_mentions", "fct_article_publications")),
    Section("wilayas", ("dim_wilayas",)),
    Section("export_diversification", ("fct_export_diversification",)),
    Section("product_rca", ("fct_product_rca",)),
    Section("wilaya_sector_lq", ("fct_wilaya_sector_specialisation",)),
    Section("data_quality", ("fct_data_quality_daily",)),
    Section("alerts", ("fct_alerts",)),
    Section("source_health", ("dim_monitored_sources",)),
    Section("source_activity", ("fct_source_activity_monthly",)),
)

REQUIRED_MARTS = tuple(sorted({mart for section in SECTIONS for mart in section.marts}))


class MissingMartError(RuntimeError):
    """A mart the report reads does not exist (or the analyst cannot see it)."""

    def __init__(self, missing: list[str]):
        self.missing = missing
        names = ", ".join(f"marts.{name}" for name in missing)
        super().__init__(
            f"the report needs {names}, which the warehouse does not have (or the analyst role "
            "cannot read): build the marts first (`clusterwatch transform`)")


class SectionQueryError(RuntimeError):
    """A section's query failed (e.g. a mart lacks a column of its contract)."""


@dataclass
class ReportData:
    """Rows per section, as dicts, exactly as the marts hold them."""

    rows: dict[str, list[dict]] = field(default_factory=dict)

    def __getitem__(self, name: str) -> list[dict]:
        return self.rows[name]


def section_sql(name: str) -> str:
    return resources.files("clusterwatch.report").joinpath("sql", f"{name}.sql").read_text()


def missing_marts(conn: psycopg.Connection, names=REQUIRED_MARTS) -> list[str]:
    # to_regclass is null both for a missing table and for one in a schema the role
    # cannot use: either way the report cannot read it.
    return [
        name for name in names
        if conn.execute("select to_regclass(%s) is null", (f"marts.{name}",)).fetchone()[0]
    ]


def fetch_report_data(
    conn: psycopg.Connection,
    *,
    articles_per_cluster: int = 10,
    top_products: int = 15,
    recent_alerts: int = 10,
) -> ReportData:
    missing = missing_marts(conn)
    if missing:
        raise MissingMartError(missing)
    params = {
        "country_iso3": COUNTRY_ISO3,
        "articles_per_cluster": articles_per_cluster,
        "top_products": top_products,
        "recent_alerts": recent_alerts,
    }
    data = ReportData()
    with conn.cursor(row_factory=dict_row) as cursor:
        for section in SECTIONS:
            query = section_sql(section.name)
            try:
                cursor.execute(query, {k: v for k, v in params.items() if f"%({k})s" in query})
            except psycopg.Error as exc:
                raise SectionQueryError(
                    f"report section {section.name!r} (reads {', '.join(section.marts)}) failed: "
                    f"{exc.diag.message_primary or exc}") from exc
            data.rows[section.name] = cursor.fetchall()
    return data
