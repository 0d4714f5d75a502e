"""Shared by test_extract.py and regenerate_expected.py: the fixture cases and how one runs.

A case is `fixtures/<source_id>/<case>.html` plus `<case>.request.json` (the URL it was
fetched from, the response headers, and optionally the `now` used for the future-date
check) and `<case>.expected.json` (the Article or Rejection as JSON). The source is the
real definition `scrapers/sources/<source_id>.yaml`, so the fixtures also test its
selectors.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from scrapers.extract import Article, extract
from scrapers.sources import load_source

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SOURCES = Path(__file__).resolve().parents[2] / "scrapers" / "sources"
CASES = sorted(FIXTURES.glob("*/*.html"))


def case_id(page: Path) -> str:
    return f"{page.parent.name}/{page.stem}"


def run_case(page: Path) -> dict:
    request = json.loads(page.with_name(page.stem + ".request.json").read_text(encoding="utf-8"))
    source = load_source(SOURCES / f"{page.parent.name}.yaml")
    now = datetime.fromisoformat(request["now"]) if request.get("now") else None
    result = extract(
        page.read_bytes(), request["url"], request.get("headers", {}), source, now=now
    )
    record = asdict(result)
    if isinstance(result, Article):
        record = {"outcome": "article", **record}
        if result.published_at is not None:
            record["published_at"] = result.published_at.isoformat()
    else:
        record = {"outcome": "rejection", **record}
    return record
