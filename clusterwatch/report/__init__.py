"""The observatory's static report: `clusterwatch report --out DIR [--lang ar|fr]`.

queries (SQL per section, as the analyst role) -> charts / shape (pure) -> render (Jinja2
templates, vendored Vega) -> a folder that opens from disk. See docs/report.md.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from clusterwatch.report.i18n import LANGUAGES


def build_report(analyst_url: str, out_dir: Path | str, languages=LANGUAGES,
                 generated_at: datetime | None = None) -> dict:
    """Read the marts as the analyst, write the site, return {index, pages, languages, clusters}."""
    from clusterwatch.report.connection import connect_as_analyst
    from clusterwatch.report.queries import fetch_report_data
    from clusterwatch.report.render import render_site, write_site

    with connect_as_analyst(analyst_url) as conn:
        data = fetch_report_data(conn)
    files = render_site(data, languages, generated_at)
    index = write_site(files, out_dir)
    return {
        "index": str(index),
        "pages": sum(1 for path in files if path.endswith(".html")),
        "languages": list(languages),
        "clusters": len(data["clusters"]),
        "rows": {name: len(rows) for name, rows in data.rows.items()},
    }
