"""Source freshness: is each source still delivering new articles?

A source is *silent* since its newest new article (`raw.news_articles._first_seen_at`),
or, when it never delivered one, since the monitor first watched it (so a fresh
deployment is not alarmed on its first check). Targets per source come from
`freshness.yaml` (defaults 24 h warning / 72 h error). `check_sources` writes the
current state to `monitoring.source_health`, the targets to
`monitoring.source_freshness_targets`, and returns one health record per source; the
`monitor_sources` DAG raises an alert for every source beyond its target.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from clusterwatch.db import connect

FRESHNESS_FILE = Path(__file__).resolve().parent / "freshness.yaml"


def load_targets(path: Path | None = None) -> tuple[dict, dict]:
    """(defaults, per-source overrides) of warn/error hours."""
    import yaml

    data = yaml.safe_load((path or FRESHNESS_FILE).read_text(encoding="utf-8")) or {}
    defaults = {"warn_after_hours": 24.0, "error_after_hours": 72.0, **(data.get("defaults") or {})}
    sources = data.get("sources") or {}
    for source_id, target in {"defaults": defaults, **sources}.items():
        merged = {**defaults, **(target or {})}
        if not 0 < float(merged["warn_after_hours"]) <= float(merged["error_after_hours"]):
            raise ValueError(f"freshness target of {source_id}: need 0 < warn_after_hours <= error_after_hours")
    return defaults, sources


def target_for(source_id: str, defaults: dict, sources: dict) -> tuple[float, float]:
    merged = {**defaults, **(sources.get(source_id) or {})}
    return float(merged["warn_after_hours"]), float(merged["error_after_hours"])


def classify(hours_silent: float, warn_after: float, error_after: float) -> str:
    if hours_silent >= error_after:
        return "error"
    if hours_silent >= warn_after:
        return "warn"
    return "fresh"


def check_sources(database_url: str, source_ids: list[str], *, now: datetime | None = None,
                  targets_path: Path | None = None) -> list[dict]:
    now = now or datetime.now(timezone.utc)
    defaults, overrides = load_targets(targets_path)
    results = []
    with connect(database_url) as conn:
        for source_id in sorted(set(source_ids)):
            warn_after, error_after = target_for(source_id, defaults, overrides)
            conn.execute(
                """insert into monitoring.source_freshness_targets (source_id, warn_after_hours, error_after_hours,
                       updated_at) values (%s, %s, %s, %s)
                   on conflict (source_id) do update set warn_after_hours = excluded.warn_after_hours,
                       error_after_hours = excluded.error_after_hours, updated_at = excluded.updated_at""",
                (source_id, warn_after, error_after, now))
            runs = conn.execute(
                """select max(started_at), max(finished_at) filter (where status = 'succeeded')
                   from raw.scrape_runs where source_id = %s and started_at <= %s""", (source_id, now)).fetchone()
            last_error = conn.execute(
                """select error from raw.scrape_runs where source_id = %s and started_at <= %s
                   order by started_at desc limit 1""", (source_id, now)).fetchone()
            newest = conn.execute(
                "select max(_first_seen_at) from raw.news_articles where source_id = %s and _first_seen_at <= %s",
                (source_id, now)).fetchone()[0]
            known = conn.execute(
                "select first_monitored_at from monitoring.source_health where source_id = %s",
                (source_id,)).fetchone()
            first_monitored = min(known[0], now) if known else now
            silent_since = newest or first_monitored
            hours_silent = max((now - silent_since).total_seconds() / 3600, 0.0)
            health = {
                "source_id": source_id, "status": classify(hours_silent, warn_after, error_after),
                "checked_at": now, "first_monitored_at": first_monitored, "last_run_at": runs[0],
                "last_succeeded_run_at": runs[1], "last_new_article_at": newest, "silent_since": silent_since,
                "hours_silent": round(hours_silent, 2), "warn_after_hours": warn_after,
                "error_after_hours": error_after, "last_run_error": last_error[0] if last_error else None,
            }
            conn.execute(
                """insert into monitoring.source_health (source_id, status, checked_at, first_monitored_at,
                       last_run_at, last_succeeded_run_at, last_new_article_at, silent_since, hours_silent,
                       warn_after_hours, error_after_hours, last_run_error)
                   values (%(source_id)s, %(status)s, %(checked_at)s, %(first_monitored_at)s, %(last_run_at)s,
                       %(last_succeeded_run_at)s, %(last_new_article_at)s, %(silent_since)s, %(hours_silent)s,
                       %(warn_after_hours)s, %(error_after_hours)s, %(last_run_error)s)
                   on conflict (source_id) do update set status = excluded.status,
                       checked_at = excluded.checked_at, first_monitored_at = excluded.first_monitored_at,
                       last_run_at = excluded.last_run_at, last_succeeded_run_at = excluded.last_succeeded_run_at,
                       last_new_article_at = excluded.last_new_article_at, silent_since = excluded.silent_since,
                       hours_silent = excluded.hours_silent, warn_after_hours = excluded.warn_after_hours,
                       error_after_hours = excluded.error_after_hours, last_run_error = excluded.last_run_error""",
                health)
            results.append(health)
    return results
