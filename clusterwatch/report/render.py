"""Report data -> a static site: Jinja2 templates (autoescaped), Vega-Lite specs from
`charts`, the vendored Vega JavaScript and the Arabic font. `render_site` is pure (it
returns {relative path: bytes}); `write_site` is the only place that touches the disk.

The site opens from disk with no server and no network: scripts are files beside the
pages (`file://` loads them), the font is inlined in the stylesheet as a data: URL, and
every chart's data is inside its spec.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
from datetime import datetime
from importlib import resources
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from clusterwatch.report import charts, shape
from clusterwatch.report.i18n import DIRECTION, LANGUAGE_NAMES, LANGUAGES, text
from clusterwatch.report.queries import ReportData

MARKER = ".clusterwatch-report"
VENDOR_SCRIPTS = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")
FONT_FILES = {400: "noto-naskh-arabic-arabic-400-normal.woff2",
              700: "noto-naskh-arabic-arabic-700-normal.woff2"}
LICENSE_FILES = ("LICENSE.vega", "LICENSE.vega-lite", "LICENSE.vega-embed",
                 "LICENSE.noto-naskh-arabic")
# A source map comment makes a browser with DevTools open fetch a file we do not ship.
_SOURCE_MAP = re.compile(rb"\n?//# sourceMappingURL=\S+\s*$")


class ReportOutputError(RuntimeError):
    """The output folder holds something that is not a previous report."""


def _package_file(*parts: str) -> bytes:
    return resources.files("clusterwatch.report").joinpath(*parts).read_bytes()


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("clusterwatch.report", "templates"),
        # Article titles and every other value from the warehouse are escaped: no raw
        # HTML from the database reaches a page.
        autoescape=select_autoescape(["html"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["ltr"] = left_to_right
    return env


def left_to_right(value) -> Markup:
    """Dates, times, percentages and "2 (1)" counts as one left-to-right run: inside an
    Arabic (right-to-left) line the bidi algorithm would otherwise reorder their parts
    ("2026-11-29 16:43 UTC" read as "UTC 16:43 29-11-2026"). The value is escaped."""
    return Markup('<bdi class="ltr" dir="ltr">{}</bdi>').format(escape(value))


def stylesheet() -> bytes:
    faces = []
    for weight, name in FONT_FILES.items():
        encoded = base64.b64encode(_package_file("vendor", name)).decode()
        faces.append(
            "@font-face{font-family:'Noto Naskh Arabic';font-style:normal;font-display:swap;"
            f"font-weight:{weight};src:url(data:font/woff2;base64,{encoded}) format('woff2');}}")
    return ("\n".join(faces) + "\n").encode() + _package_file("static", "report.css")


def assets() -> dict[str, bytes]:
    files = {f"assets/{name}": _SOURCE_MAP.sub(b"\n", _package_file("vendor", name))
             for name in VENDOR_SCRIPTS}
    files["assets/report.js"] = _package_file("static", "report.js")
    files["assets/report.css"] = stylesheet()
    files["assets/LICENSES.txt"] = b"".join(
        f"==== {name[len('LICENSE.'):]} ====\n".encode() + _package_file("vendor", name) + b"\n"
        for name in LICENSE_FILES) + _package_file("vendor", "README.md")
    return files


def render_site(data: ReportData, languages=LANGUAGES, generated_at: datetime | None = None) -> dict[str, bytes]:
    """Every file of the site, by path relative to its root."""
    languages = tuple(languages)
    unknown = set(languages) - set(LANGUAGES)
    if unknown or not languages:
        raise ValueError(f"languages must be among {LANGUAGES}, got {languages}")
    env = environment()
    stamp = (generated_at or datetime.now().astimezone()).strftime("%Y-%m-%d %H:%M %Z").strip()
    files = assets()
    files[MARKER] = b"built by `clusterwatch report`; the whole folder is replaced on each run\n"
    files["index.html"] = env.get_template("landing.html").render(
        languages=[(lang, LANGUAGE_NAMES[lang], DIRECTION[lang], text(lang)) for lang in languages],
        generated=stamp, cluster_count=len(data["clusters"]),
    ).encode()
    activity = shape.activity_by_cluster(data["cluster_activity"])
    articles = shape.articles_by_cluster(data["cluster_articles"])
    for lang in languages:
        other = [candidate for candidate in languages if candidate != lang]
        common = {
            "lang": lang, "dir": DIRECTION[lang], "t": text(lang), "generated": stamp,
            "switch": ({"lang": other[0], "label": LANGUAGE_NAMES[other[0]]} if other else None),
        }
        names = shape.cluster_names(data["clusters"], lang)
        cards = shape.cluster_cards(data["clusters"], data["wilayas"], lang)
        index_charts = {
            "activity": charts.activity_chart(data["cluster_activity"], names, lang),
            "hydrocarbons": charts.hydrocarbon_chart(data["export_diversification"], lang),
            "rca": charts.rca_chart(data["product_rca"], lang),
            "lq": charts.lq_heatmap(data["wilaya_sector_lq"], lang),
            "quality": charts.quality_chart(data["data_quality"], lang),
            "source_activity": charts.source_activity_chart(data["source_activity"], lang),
        }
        files[f"{lang}/index.html"] = env.get_template("index.html").render(
            **common, root="../", clusters=cards, charts=index_charts,
            diversification=shape.diversification_rows(data["export_diversification"]),
            products=data["product_rca"], health=shape.health_rows(data["source_health"], lang),
            alerts=shape.alert_rows(data["alerts"], lang),
        ).encode()
        for card in cards:
            cluster_id = card["cluster_id"]
            files[f"{lang}/clusters/{card['page']}"] = env.get_template("cluster.html").render(
                **common, root="../../", cluster=card,
                articles=articles.get(cluster_id, []),
                charts={"cluster_activity": charts.cluster_activity_chart(activity.get(cluster_id, []), lang)},
            ).encode()
    return files


def write_site(files: dict[str, bytes], out_dir: Path | str) -> Path:
    """Write the site into `out_dir`, replacing a previous report there as a whole (pages
    of clusters that are gone disappear too). A folder that holds anything else is left
    untouched and refused. Returns the path of index.html."""
    out = Path(out_dir).resolve()
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise ReportOutputError(
            f"{out} exists and is not a report built by clusterwatch (no {MARKER} in it): "
            "choose an empty or new folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        for relative, content in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        if out.exists():
            out.rename(old)
        staging.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out / "index.html"
