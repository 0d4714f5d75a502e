"""Scrapers: news sites and official announcements, from a URL to an article row.

- `sources`   one YAML file per site (feeds, listings, selectors, politeness), validated
- `http`      the only door to the network: UA, timeouts, retries, robots.txt, pacing,
              per-host concurrency, conditional GET, size cap, checked redirects
- `robots`    robots.txt as RFC 9309 reads it (pure)
- `discover`  feed / sitemap / listing / id range / JORADP index -> article URLs (pure)
- `extract`   page or PDF bytes -> `Article` or `Rejection` (pure: no I/O, no clock)
- `analysis`  the seam for text analysis (`Article.analysis`)
- `load`      articles and their versions, raw pages, fetch state, quarantine, runs
- `pipeline`  `scrape_source()`: the one function a DAG task or the CLI calls
- `health`    `check_source()`: what `clusterwatch sources check` reports

See docs/scraping.md.

Submodules are imported on use; importing `scrapers` itself is cheap.
"""
