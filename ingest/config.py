"""Ingest settings, read from the environment at call time (listed in `.env.example`)."""

from __future__ import annotations

import os
from pathlib import Path

from clusterwatch import settings

DATASETS = ("registry", "trade")


def landing_dir() -> Path:
    """Root of the landing zone; one sub-folder per dataset (`registry/`, `trade/`)."""
    given = os.environ.get("CLUSTERWATCH_LANDING_DIR")
    return Path(given).resolve() if given else settings.home() / "landing"


def dataset_dir(dataset: str) -> Path:
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; expected one of {DATASETS}")
    return landing_dir() / dataset


def marker_poke_seconds() -> float:
    """How often the AssetWatcher looks for `.ready` markers."""
    return float(os.environ.get("CLUSTERWATCH_LANDING_POKE_SECONDS", "5"))


def settle_seconds() -> float | None:
    """A file without a marker, unchanged for this long, counts as landed for the
    reconcile run (a producer that forgot its marker). None ('none') = markers only."""
    value = os.environ.get("CLUSTERWATCH_LANDING_SETTLE_SECONDS", "3600").strip().lower()
    return None if value in ("", "none") else float(value)


def max_attempts() -> int:
    """A file whose load fails this many times (not counting database outages) is moved
    to `rejected/`."""
    return int(os.environ.get("CLUSTERWATCH_INGEST_MAX_ATTEMPTS", "3"))


def comtrade_base_url() -> str:
    return os.environ.get("CLUSTERWATCH_COMTRADE_BASE_URL", "https://comtradeapi.un.org").rstrip("/")


def comtrade_api_key() -> str | None:
    return os.environ.get("CLUSTERWATCH_COMTRADE_API_KEY") or None


def comtrade_min_interval_seconds() -> float:
    """Pause between two API calls (the public API allows about one call per second)."""
    return float(os.environ.get("CLUSTERWATCH_COMTRADE_MIN_INTERVAL_SECONDS", "1.0"))
