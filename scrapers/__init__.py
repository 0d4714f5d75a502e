"""Scrapers: news sites and official announcements, from a URL to an article row.

- `sources`   one YAML file per site (feeds, listings, selectors, politeness), validated
- `http`      the only door to the network: UA, timeouts, retries, size cap, redirects
- `discover`  feed / listing / sitemap bytes -> article URLs (pure)
- `extract`   page bytes -> `Article` or `Rejection` (pure: no I/O, no clock)
- `load`      upserts into `raw.news_articles`, `quarantine.news_pages`, `raw.scrape_runs`
- `pipeline`  `scrape_source()`: the one function a DAG task or the CLI calls

Submodules are imported on use; importing `scrapers` itself is cheap.
"""
