"""The seam for text analysis (the text-analysis issue fills it).

`scrapers.extract.extract()` calls `analyse(article)` on every article it produces and
stores the returned dict in `Article.analysis`; `clusterwatch extract` prints those keys
next to the article's own fields. Today no analysis is configured, so the dict is empty
and nothing else changes. To add one: return e.g. `{"clusters": [...], "wilayas": [...]}`
here (pure: no I/O, no clock), then give the fields columns in a migration and in
`scrapers.load` when they must be stored.
"""

from __future__ import annotations


def analyse(article) -> dict:
    """Analysis fields of one extracted article (none yet)."""
    return {}
