"""The package's data files (lexicon, gazetteers): read once, digested for versioning."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources


def _folder():
    return resources.files("scrapers.text") / "data"


def read_text(name: str) -> str:
    return (_folder() / name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def digest() -> str:
    """sha256 over the names and contents of every data file: it changes when a term,
    an alias or a weight changes, so analyses made with older data can be found."""
    sha = hashlib.sha256()
    for item in sorted(_folder().iterdir(), key=lambda p: p.name):
        if item.name.endswith((".yaml", ".csv")):
            sha.update(item.name.encode())
            sha.update(item.read_bytes())
    return sha.hexdigest()
