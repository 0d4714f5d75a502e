"""Per-page time of our whole extract step vs a bare `trafilatura.extract`, same pages,
same run.

Pages: the recorded pages of `tests/scrapers/fixtures/` and `demo/site/` (Arabic and
French, every source template, windows-1256 included), multiplied into `--pages` pages
(default 1,200) with varied content: paragraphs rotated, repeated and swapped in from
other pages of the same language, numbers in titles changed. Each page keeps its
source's markup, so our selectors run as they do on a scrape.

"Our extract step" is `scrapers.extract.extract()` with the page's source: decoding,
selectors (or the generic fallback), text hygiene (mojibake, entities, NFKC),
boilerplate, the date cascade, language, hash and the analysis seam: what the DAG runs
per page. The baseline is `trafilatura.extract(page_bytes, url=url)` with its defaults.
Both run over all pages `--rounds` times (default 3), alternating; the best round of
each counts (the machine is shared: the minimum is the least noisy estimate).

Last line: {"bench", "pages", "pages_per_s", "baseline_pages_per_s", "ratio", ...};
ratio = our seconds per page / the baseline's. Goal: ratio <= 1.5.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from dataclasses import dataclass

from clusterwatch import settings

FIXTURES = settings.PROJECT_ROOT / "tests" / "scrapers" / "fixtures"
DEMO_SITE = settings.PROJECT_ROOT / "demo" / "site"
_PARAGRAPH = re.compile(rb"<p>(.*?)</p>", re.DOTALL)


@dataclass
class Page:
    body: bytes
    url: str
    headers: dict
    source_id: str | None
    language: str


def _templates() -> list[Page]:
    pages = []
    for html in sorted(FIXTURES.glob("*/*.html")):
        request = json.loads(html.with_name(html.stem + ".request.json").read_text("utf-8"))
        pages.append(Page(html.read_bytes(), request["url"], request.get("headers", {}),
                          html.parent.name, "ar" if html.parent.name in
                          ("aps_ar", "elkhabar") else "fr"))
    demo_sources = {"aps.dz": "aps_ar", "elwatan.com": "elwatan",
                    "industrie.gov.dz": "industrie_gov", "djazairess.com": "djazairess"}
    site_config = json.loads((DEMO_SITE / "_site.json").read_text("utf-8"))
    for path in sorted(p for p in DEMO_SITE.rglob("*") if p.is_file()):
        relative = "/" + path.relative_to(DEMO_SITE).as_posix()
        host = relative.split("/")[1]
        if host not in demo_sources or path.suffix in (".rss", ".txt", ".json"):
            continue
        if "index" in path.name:  # listing pages are not articles
            continue
        headers = site_config["headers"].get(relative, {"Content-Type": "text/html; charset=utf-8"})
        body = path.read_bytes()
        pages.append(Page(body, f"https://www.{relative.lstrip('/')}", headers,
                          demo_sources[host], "ar" if "/ar/" in relative or host == "djazairess.com"
                          else "fr"))
    return pages


def generate_pages(count: int) -> list[Page]:
    """`count` pages with varied content from the recorded templates."""
    templates = _templates()
    pools: dict[str, list[bytes]] = {"ar": [], "fr": []}
    for page in templates:
        if b"windows-1256" in page.body[:600].lower():
            continue  # its bytes are cp1256: keep its own paragraphs only
        pools[page.language] += [m.group(1) for m in _PARAGRAPH.finditer(page.body)
                                 if len(m.group(1)) > 80]
    pages = []
    for number in range(count):
        template = templates[number % len(templates)]
        own = list(_PARAGRAPH.finditer(template.body))
        body = template.body
        pool = pools[template.language]
        if own and pool and b"windows-1256" not in body[:600].lower():
            # Same markup, other text: each <p> in place gets another paragraph of the
            # page (rotated), and up to three paragraphs of other pages follow the last.
            shift = number // len(templates)
            contents = [m.group(1) for m in own]
            extra = [pool[(shift * 7 + k) % len(pool)] for k in range(shift % 4)]
            pieces, last = [], 0
            for k, match in enumerate(own):
                pieces.append(body[last:match.start()])
                pieces.append(b"<p>" + contents[(k + shift) % len(contents)] + b"</p>")
                last = match.end()
            pieces.append(b"".join(b"<p>" + c + b"</p>" for c in extra))
            pieces.append(body[last:])
            body = b"".join(pieces)
        body = body.replace(b"</title>", f" ({number})</title>".encode(), 1)
        url = re.sub(r"(\d+)", lambda m: str(int(m.group(1)) + number), template.url, count=1)
        pages.append(Page(body, url, template.headers, template.source_id, template.language))
    return pages


def _ours(pages, sources, now) -> tuple[float, dict]:
    from scrapers.extract import Article, extract

    outcomes: dict[str, int] = {}
    started = time.perf_counter()
    for page in pages:
        result = extract(page.body, page.url, page.headers, sources.get(page.source_id), now=now)
        key = result.extractor if isinstance(result, Article) else f"rejected:{result.reason}"
        outcomes[key] = outcomes.get(key, 0) + 1
    return time.perf_counter() - started, outcomes


def _baseline(pages) -> tuple[float, int]:
    import trafilatura

    extracted = 0
    started = time.perf_counter()
    for page in pages:
        if trafilatura.extract(page.body, url=page.url):
            extracted += 1
    return time.perf_counter() - started, extracted


def main(argv: list[str] | None = None) -> dict:
    from datetime import UTC, datetime

    from scrapers.sources import load_sources

    parser = argparse.ArgumentParser(prog="python -m benchmarks scrape_extract")
    parser.add_argument("--pages", type=int, default=1200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv or [])

    sources = {s.id: s for s in load_sources(settings.PROJECT_ROOT / "scrapers" / "sources")}
    pages = generate_pages(args.pages)
    now = datetime(2026, 11, 29, tzinfo=UTC)
    _ours(pages[:20], sources, now), _baseline(pages[:20])  # warm-up: imports, caches

    ours_times, base_times = [], []
    outcomes, extracted = {}, 0
    for _ in range(args.rounds):
        seconds, base_extracted = _baseline(pages)
        base_times.append(seconds)
        extracted = base_extracted
        seconds, outcomes = _ours(pages, sources, now)
        ours_times.append(seconds)
    ours, base = min(ours_times), min(base_times)
    print(f"pages: {len(pages)} ({sum(1 for p in pages if p.language == 'ar')} Arabic), "
          f"{len({p.source_id for p in pages})} source templates")
    print(f"ours:     {ours / len(pages) * 1000:.2f} ms/page (rounds: "
          f"{', '.join(f'{t:.2f}s' for t in ours_times)}); outcomes {outcomes}")
    print(f"baseline: {base / len(pages) * 1000:.2f} ms/page (rounds: "
          f"{', '.join(f'{t:.2f}s' for t in base_times)}); trafilatura extracted {extracted}")
    return {
        "bench": "scrape_extract",
        "pages": len(pages),
        "pages_per_s": round(len(pages) / ours, 1),
        "baseline_pages_per_s": round(len(pages) / base, 1),
        "ratio": round(ours / base, 3),
        "goal_ratio": 1.5,
        "rounds": args.rounds,
    }


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False))
