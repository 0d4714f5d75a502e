"""Validate one batch of a dataset with Great Expectations and store the results.

GX 1.x is called from our own code (the GX Airflow provider conflicts with Airflow 3.3).
A failing expectation never raises in GX; `validate_batch` returns the outcome and
`require_success` raises `DataQualityError` when an error-level expectation failed, so a
task (or the CLI) fails and the batch is not passed downstream.

What one validation does:
1. loads the batch (`select COLUMNS from RELATION where BATCH_COLUMN = batch_id`, or the
   whole relation when BATCH_COLUMN is None, as for marts) into a pandas frame;
2. builds the suite (`build_suite()`, given `now` and `batch` when it asks for them);
3. adds a volume check against recent batches (see `volume_profile`);
4. stores one row in `monitoring.dq_runs` and one per expectation in
   `monitoring.dq_results` (observed value, expected kwargs, unexpected count, a sample
   of unexpected values and of offending rows);
5. records the decision in `monitoring.batch_quality` (`validated` or `quarantined`);
6. renders the GX Data Docs page of the run under `$CLUSTERWATCH_HOME/data_docs` and
   refreshes its index.

Suite module contract (`expectations/suites/<schema>__<relation>.py`):
- required: DATASET, RELATION, BATCH_COLUMN (None = whole relation), COLUMNS,
  build_suite();
- optional: SUITE_NAME (default: module name), KEY_COLUMNS (identify rows in samples),
  VOLUME (dict: min_ratio, max_ratio, min_history, history, severity; or None to turn
  the check off), volume_profile(conn, batch_id, frame) -> list[VolumeGroup],
  latest_batch(conn) -> str | None, LOADED_AT_COLUMN (orders batches when
  latest_batch is not given).
"""

from __future__ import annotations

import html
import importlib
import inspect
import json
import logging
import math
import os
import re
import statistics
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from psycopg import sql

from clusterwatch.db import connect

log = logging.getLogger(__name__)

SAMPLE_SIZE = 10
SAMPLE_ROWS = 5
SAMPLE_TEXT_CHARS = 160
DEFAULT_VOLUME = {"min_ratio": 0.5, "max_ratio": 5.0, "min_history": 3, "history": 10,
                  "severity": "warning"}
VOLUME_CHECK = "volume_vs_recent_batches"


def suites() -> dict[str, str]:
    """dataset name -> suite module, discovered from `expectations/suites/*.py`: adding a
    dataset's checks is adding one file with DATASET, RELATION, BATCH_COLUMN, COLUMNS and
    build_suite()."""
    import pkgutil

    import expectations.suites as package

    found = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        dataset = getattr(module, "DATASET", None)
        if dataset:
            found[dataset] = module.__name__
    return found


class DataQualityError(RuntimeError):
    """An error-level expectation failed; the batch must not go downstream."""

    def __init__(self, message: str, outcome: "ValidationOutcome | None" = None):
        super().__init__(message)
        self.outcome = outcome


@dataclass
class VolumeGroup:
    """The volume of one part of a batch (a source, or the whole batch) and the volumes
    of the same part in recent batches (newest first)."""

    group: str
    volume: int
    recent: list[int] = field(default_factory=list)


@dataclass
class BatchInfo:
    dataset: str
    batch_id: str
    relation: str
    now: datetime


@dataclass
class ValidationOutcome:
    dq_run_id: str
    dataset: str
    batch_id: str
    suite_name: str
    rows_checked: int
    success: bool
    error_failures: int
    warning_failures: int
    failed: list[dict]
    status: str = "validated"
    batch_volume: int | None = None
    volume_note: str | None = None
    data_docs_url: str | None = None
    evaluated: int = 0

    def summary(self) -> dict:
        data = asdict(self)
        data["failed"] = [f"{f['severity']}:{f['expectation_type']}({f['column_name']})" for f in self.failed]
        return data


def suite_module(dataset: str):
    known = suites()
    if dataset not in known:
        raise KeyError(f"unknown dataset {dataset!r}; known: {', '.join(sorted(known))}")
    return importlib.import_module(known[dataset])


def suite_name(module) -> str:
    return getattr(module, "SUITE_NAME", None) or module.__name__.rsplit(".", 1)[-1]


def _relation(module) -> sql.Identifier:
    schema, table = module.RELATION.split(".")
    return sql.Identifier(schema, table)


def load_batch(database_url: str, module, batch_id: str):
    import pandas as pd

    batch_column = getattr(module, "BATCH_COLUMN", None)
    query = sql.SQL("select {cols} from {rel}").format(
        cols=sql.SQL(", ").join(sql.Identifier(c) for c in module.COLUMNS), rel=_relation(module))
    params: tuple = ()
    if batch_column:
        query = query + sql.SQL(" where {batch} = %s").format(batch=sql.Identifier(batch_column))
        params = (batch_id,)
    frames = []
    with connect(database_url) as conn, conn.cursor(name="cw_batch") as cursor:
        # A named (server-side) cursor streams the batch in chunks: no full list of tuples
        # next to the frame.
        cursor.itersize = 20000
        cursor.execute(query, params)
        while True:
            chunk = cursor.fetchmany(20000)
            if not chunk:
                break
            frames.append(pd.DataFrame(chunk, columns=module.COLUMNS))
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=module.COLUMNS)
    for column in frame.columns:
        if column.endswith("_at"):
            frame[column] = pd.to_datetime(frame[column], utc=True)
        elif column.endswith(("_date", "_month")):
            frame[column] = pd.to_datetime(frame[column])
    return frame


def latest_batch(dataset: str, database_url: str) -> str:
    """The newest batch of a dataset: the suite's `latest_batch(conn)`, else the batch
    with the newest LOADED_AT_COLUMN; for whole-relation suites, a label with the time."""
    module = suite_module(dataset)
    with connect(database_url) as conn:
        if hasattr(module, "latest_batch"):
            found = module.latest_batch(conn)
        elif not getattr(module, "BATCH_COLUMN", None):
            found = f"manual:{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}"
        elif getattr(module, "LOADED_AT_COLUMN", None):
            row = conn.execute(sql.SQL(
                "select {batch} from {rel} group by 1 order by max({loaded}) desc limit 1").format(
                batch=sql.Identifier(module.BATCH_COLUMN), rel=_relation(module),
                loaded=sql.Identifier(module.LOADED_AT_COLUMN))).fetchone()
            found = row[0] if row else None
        else:
            raise ValueError(f"{dataset}: the suite names no LOADED_AT_COLUMN; pass --batch")
    if not found:
        raise LookupError(f"{dataset}: no batch found in {module.RELATION}")
    return found


def _jsonable(value):
    if value is None:
        return None
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        try:
            return _jsonable(value.item())
        except (ValueError, TypeError):
            pass
    if hasattr(value, "isoformat"):
        try:
            return value.isoformat()
        except ValueError:  # NaT
            return None
    return str(value)


def _short(value):
    value = _jsonable(value)
    if isinstance(value, str) and len(value) > SAMPLE_TEXT_CHARS:
        return value[:SAMPLE_TEXT_CHARS] + "…"
    return value


def gx_context(docs_dir: Path | None = None):
    """An ephemeral GX context: suites are code, results go to our own tables. With
    `docs_dir`, a local Data Docs site writes static HTML there."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import DataContextConfig, InMemoryStoreBackendDefaults

    sites = {}
    if docs_dir is not None:
        sites["local"] = {
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        data_docs_sites=sites, analytics_enabled=False, progress_bars={"globally": False},
    )
    return gx.get_context(project_config=config)


def _datasource(context):
    try:
        return context.data_sources.get("clusterwatch")
    except Exception:  # not added yet in this context
        return context.data_sources.add_pandas("clusterwatch")


def run_suite(context, frame, suite, key_columns: list[str] | None = None, asset_name: str = "batch"):
    asset = _datasource(context).add_dataframe_asset(asset_name)
    definition = asset.add_batch_definition_whole_dataframe("whole")
    batch = definition.get_batch(batch_parameters={"dataframe": frame})
    result_format = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE}
    if key_columns:
        result_format["unexpected_index_column_names"] = list(key_columns)
    return batch.validate(suite, result_format=result_format)


# -- volume ------------------------------------------------------------------------------
def volume_settings(module) -> dict | None:
    given = getattr(module, "VOLUME", DEFAULT_VOLUME)
    if given is None:
        return None
    return {**DEFAULT_VOLUME, **given}


def default_volume_profile(conn, module, dataset: str, batch_id: str, frame, history: int) -> list[VolumeGroup]:
    """One group, the whole batch: its row count against `batch_volume` of the latest
    validation of each of the `history` previous batches."""
    rows = conn.execute(
        """select batch_volume from (
               select distinct on (batch_id) batch_id, batch_volume, finished_at
               from monitoring.dq_runs
               where dataset = %s and batch_id <> %s and batch_volume is not null
               order by batch_id, finished_at desc) latest
           order by finished_at desc limit %s""",
        (dataset, batch_id, history),
    ).fetchall()
    return [VolumeGroup("batch", len(frame), [r[0] for r in rows])]


def volume_profile(conn, module, dataset: str, batch_id: str, frame, settings: dict) -> list[VolumeGroup]:
    if hasattr(module, "volume_profile"):
        return module.volume_profile(conn, batch_id, frame, history=settings["history"])
    return default_volume_profile(conn, module, dataset, batch_id, frame, settings["history"])


def volume_frame(groups: list[VolumeGroup], min_history: int):
    """One row per group with enough history: its volume, the median of its recent
    volumes and their ratio (volume / median; a zero median counts as 1, and a group that
    was empty and still is — e.g. a back-fill-only source in a scheduled run — is steady,
    ratio 1, not a drop to 0)."""
    import pandas as pd

    rows = []
    for group in groups:
        if len(group.recent) < min_history:
            continue
        median = statistics.median(group.recent)
        ratio = 1.0 if median == 0 and group.volume == 0 else round(group.volume / (median or 1), 4)
        rows.append({"volume_group": group.group, "batch_volume": group.volume,
                     "recent_median": float(median), "recent_batches": len(group.recent),
                     "volume_ratio": ratio})
    return pd.DataFrame(rows, columns=["volume_group", "batch_volume", "recent_median", "recent_batches",
                                       "volume_ratio"])


def volume_suite(settings: dict, dataset: str):
    import great_expectations as gx
    import great_expectations.expectations as gxe

    suite = gx.ExpectationSuite(name=f"{dataset}__volume")
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(
        column="volume_ratio", min_value=settings["min_ratio"], max_value=settings["max_ratio"],
        meta={"severity": settings["severity"], "check": VOLUME_CHECK,
              "notes": "batch volume / median volume of the recent batches"}))
    return suite


# -- results ------------------------------------------------------------------------------
_GX_BOOKKEEPING = {"batch_id", "column", "meta", "notes", "id", "result_format", "catch_exceptions", "description",
                   "rendered_content", "severity", "windows"}


def expected_of(kwargs: dict) -> dict:
    """The kwargs that say what was expected (without GX's own bookkeeping)."""
    expected = {}
    for key, value in kwargs.items():
        if key in _GX_BOOKKEEPING or value is None:
            continue
        if key == "row_condition" and isinstance(value, dict):
            value = value.get("pass_through_filter") or value
        if isinstance(value, (list, tuple)) and len(value) > 12:
            value = [*value[:12], f"… {len(value)} values"]
        expected[key] = _jsonable(value)
    return expected


def _sample_rows(details: dict, frame, key_columns: list[str] | None, column: str | None) -> list[dict]:
    index_list = details.get("partial_unexpected_index_list") or []
    rows = []
    for entry in index_list[:SAMPLE_ROWS]:
        if isinstance(entry, dict):
            row = {k: _short(v) for k, v in entry.items()}
            if frame is not None and key_columns and all(k in entry for k in key_columns):
                match = frame
                for key in key_columns:
                    match = match[match[key] == entry[key]]
                if len(match):
                    row = _row_extract(match.iloc[0], key_columns, column)
            rows.append(row)
        elif frame is not None and isinstance(entry, int) and 0 <= entry < len(frame):
            rows.append(_row_extract(frame.iloc[entry], key_columns, column, position=entry))
    return rows


def _row_extract(row, key_columns, column, position=None) -> dict:
    """A few telling fields of an offending row: its keys, the checked column and a
    handful of other short fields."""
    wanted = list(key_columns or [])
    if column and column not in wanted:
        wanted.append(column)
    for name in row.index:
        if len(wanted) >= 6:
            break
        if name not in wanted:
            wanted.append(name)
    extract = {name: _short(row[name]) for name in wanted if name in row.index}
    if position is not None and not key_columns:
        extract = {"row": position, **extract}
    return extract


def _records(result, frame, key_columns, start_index: int = 0) -> list[dict]:
    records = []
    for offset, item in enumerate(result.results):
        config = item.expectation_config
        meta = config.meta or {}
        details = item.result or {}
        kwargs = dict(config.kwargs)
        column = kwargs.get("column")
        records.append({
            "expectation_index": start_index + offset,
            "expectation_type": config.type,
            "column_name": column,
            "severity": meta.get("severity", "error"),
            "check": meta.get("check"),
            "success": bool(item.success),
            "observed_value": _jsonable(details.get("observed_value")),
            "expected": expected_of(kwargs),
            "element_count": details.get("element_count"),
            "unexpected_count": details.get("unexpected_count"),
            "unexpected_percent": _jsonable(details.get("unexpected_percent")),
            "unexpected_sample": _jsonable([_short(v) for v in details.get("partial_unexpected_list") or []])
            if details.get("partial_unexpected_list") is not None else None,
            "unexpected_rows": _sample_rows(details, frame, key_columns, column) if not item.success else [],
            "exception": (item.exception_info or {}).get("exception_message")
            if isinstance(item.exception_info, dict) and item.exception_info.get("raised_exception") else None,
        })
    return records


def _signature_accepts(function, name: str) -> bool:
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
    return name in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


def build_module_suite(module, info: BatchInfo):
    kwargs = {}
    if _signature_accepts(module.build_suite, "now"):
        kwargs["now"] = info.now
    if _signature_accepts(module.build_suite, "batch"):
        kwargs["batch"] = info
    return module.build_suite(**kwargs)


def validate_batch(dataset: str, batch_id: str, database_url: str, *, now: datetime | None = None,
                   build_docs: bool = True) -> ValidationOutcome:
    module = suite_module(dataset)
    started = datetime.now(timezone.utc)
    now = now or started
    frame = load_batch(database_url, module, batch_id)
    key_columns = [c for c in getattr(module, "KEY_COLUMNS", []) if c in frame.columns] or None
    docs_dir = data_docs_dir() if build_docs else None
    context = gx_context(docs_dir)  # suites need an active context to be built
    info = BatchInfo(dataset, batch_id, module.RELATION, now)
    suite = build_module_suite(module, info)
    result = run_suite(context, frame, suite, key_columns)
    records = _records(result, frame, key_columns)

    # Volume against recent batches: a separate small frame, merged into the same result.
    settings = volume_settings(module)
    batch_volume, volume_note = len(frame), None
    if settings is not None:
        with connect(database_url) as conn:
            groups = volume_profile(conn, module, dataset, batch_id, frame, settings)
        batch_volume = sum(g.volume for g in groups)
        volumes = volume_frame(groups, settings["min_history"])
        if len(volumes):
            volume_result = run_suite(context, volumes, volume_suite(settings, dataset), ["volume_group"],
                                      asset_name="volume")
            volume_records = _records(volume_result, volumes, ["volume_group"], start_index=len(records))
            for record in volume_records:
                record["observed_value"] = volumes.to_dict("records")
            records.extend(volume_records)
            _merge(result, volume_result)
        else:
            volume_note = (f"volume not checked: fewer than {settings['min_history']} earlier batches "
                           f"({', '.join(f'{g.group}: {len(g.recent)}' for g in groups) or 'none'})")

    failed = [r for r in records if not r["success"]]
    errors = sum(r["severity"] == "error" for r in failed)
    outcome = ValidationOutcome(
        dq_run_id=str(uuid.uuid4()), dataset=dataset, batch_id=batch_id, suite_name=suite_name(module),
        rows_checked=len(frame), success=errors == 0, error_failures=errors,
        warning_failures=sum(r["severity"] == "warning" for r in failed), failed=failed,
        status="validated" if errors == 0 else "quarantined", batch_volume=batch_volume,
        volume_note=volume_note, evaluated=len(records),
    )
    if docs_dir is not None:
        try:
            outcome.data_docs_url = render_data_docs(context, result, outcome, started)
        except Exception:  # docs are a convenience; the stored results are the record
            log.exception("could not build data docs for %s batch %s", dataset, batch_id)
    store(database_url, outcome, records, started)
    if docs_dir is not None:
        try:
            write_docs_index(database_url, docs_dir)
        except Exception:
            log.exception("could not refresh the data docs index")
    log.info("validated %s batch %s: %s", dataset, batch_id, outcome.summary())
    return outcome


def _merge(result, extra) -> None:
    result.results.extend(extra.results)
    total = len(result.results)
    good = sum(1 for r in result.results if r.success)
    result.success = good == total
    result.statistics.update({
        "evaluated_expectations": total, "successful_expectations": good,
        "unsuccessful_expectations": total - good,
        "success_percent": 100.0 * good / total if total else None,
    })


def store(database_url: str, outcome: ValidationOutcome, records: list[dict], started: datetime) -> None:
    with connect(database_url) as conn:
        conn.execute(
            """insert into monitoring.dq_runs (dq_run_id, dataset, batch_id, suite_name, started_at,
                   finished_at, rows_checked, success, error_failures, warning_failures, data_docs_url,
                   batch_volume, volume_note)
               values (%s, %s, %s, %s, %s, now(), %s, %s, %s, %s, %s, %s, %s)""",
            (outcome.dq_run_id, outcome.dataset, outcome.batch_id, outcome.suite_name, started,
             outcome.rows_checked, outcome.success, outcome.error_failures, outcome.warning_failures,
             outcome.data_docs_url, outcome.batch_volume, outcome.volume_note),
        )
        with conn.cursor() as cur:
            cur.executemany(
                """insert into monitoring.dq_results (dq_run_id, expectation_index, expectation_type,
                       column_name, severity, success, observed_value, unexpected_count, unexpected_sample,
                       expectation_kwargs, element_count, unexpected_percent, unexpected_rows)
                   values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
                [(outcome.dq_run_id, r["expectation_index"], r["expectation_type"], r["column_name"],
                  r["severity"], r["success"], _json(r["observed_value"]), r["unexpected_count"],
                  _json(r["unexpected_sample"]), _json(r["expected"]), r["element_count"],
                  r["unexpected_percent"], _json(r["unexpected_rows"])) for r in records],
            )
        # The latest validation of a batch decides (a re-validation after a fix can
        # lift a quarantine); a release by an operator stands until the batch fails again.
        conn.execute(
            """insert into monitoring.batch_quality (dataset, batch_id, status, dq_run_id, rows_checked,
                   error_failures, warning_failures, decided_at)
               values (%s, %s, %s, %s, %s, %s, %s, now())
               on conflict (dataset, batch_id) do update set
                   status = case when monitoring.batch_quality.status = 'released'
                                  and excluded.status = 'validated' then 'released'
                                 else excluded.status end,
                   dq_run_id = excluded.dq_run_id, rows_checked = excluded.rows_checked,
                   error_failures = excluded.error_failures, warning_failures = excluded.warning_failures,
                   decided_at = excluded.decided_at""",
            (outcome.dataset, outcome.batch_id, outcome.status, outcome.dq_run_id, outcome.rows_checked,
             outcome.error_failures, outcome.warning_failures),
        )


def _json(value) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


def require_success(outcome: ValidationOutcome) -> ValidationOutcome:
    if not outcome.success:
        raise DataQualityError(
            f"{outcome.dataset} batch {outcome.batch_id}: {outcome.error_failures} error-level "
            f"expectation(s) failed: {', '.join(f for f in outcome.summary()['failed'] if f.startswith('error'))}"
            f" (batch quarantined; details: {outcome.data_docs_url or 'monitoring.dq_results'})",
            outcome,
        )
    return outcome


def release_batch(dataset: str, batch_id: str, note: str, database_url: str) -> dict:
    """Accept a quarantined batch (an operator's decision, with a note): its rows go
    downstream on the next transform."""
    with connect(database_url) as conn:
        row = conn.execute(
            """update monitoring.batch_quality set status = 'released', release_note = %s, decided_at = now()
               where dataset = %s and batch_id = %s and status = 'quarantined'
               returning dataset, batch_id, status, dq_run_id""", (note, dataset, batch_id)).fetchone()
    if row is None:
        raise LookupError(f"{dataset} batch {batch_id} is not quarantined")
    return dict(zip(("dataset", "batch_id", "status", "dq_run_id"), row))


# -- data docs ----------------------------------------------------------------------------
def data_docs_dir() -> Path:
    from clusterwatch import settings

    return settings.home() / "data_docs"


def data_docs_link(path: Path) -> str:
    """A link to a page of the docs: under CLUSTERWATCH_DATA_DOCS_BASE_URL when set (the
    folder served by a web server), else a file:// URL."""
    base = os.environ.get("CLUSTERWATCH_DATA_DOCS_BASE_URL", "").strip()
    docs = data_docs_dir()
    if base:
        from urllib.parse import quote

        relative = path.resolve().relative_to(docs.resolve()).as_posix()
        return base.rstrip("/") + "/" + quote(relative)
    return path.resolve().as_uri()


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")[:120] or "batch"


def render_data_docs(context, result, outcome: ValidationOutcome, started: datetime) -> str:
    """Render the GX Data Docs page of this validation; returns its link."""
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    result.meta = {**(result.meta or {}), "clusterwatch": {
        "dataset": outcome.dataset, "batch_id": outcome.batch_id, "dq_run_id": outcome.dq_run_id,
        "status": outcome.status}}
    key = ValidationResultIdentifier(
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=outcome.suite_name),
        run_id=RunIdentifier(run_name=_safe(outcome.batch_id), run_time=started),
        batch_identifier=_safe(outcome.dq_run_id),
    )
    context.validation_results_store.set(key, result)
    context.build_data_docs(resource_identifiers=[key], build_index=False)
    relative = Path("validations", *key.to_tuple()[:-1], f"{key.to_tuple()[-1]}.html")
    page = data_docs_dir() / relative
    if not page.exists():  # GX's layout changed: find the page we just wrote
        found = sorted(data_docs_dir().glob(f"validations/**/{_safe(outcome.dq_run_id)}.html"))
        if not found:
            raise FileNotFoundError(f"data docs page for {outcome.dq_run_id} not written")
        page = found[0]
    return data_docs_link(page)


def write_docs_index(database_url: str, docs_dir: Path, limit: int = 500) -> Path:
    """`index.html`: the latest validations with their status and page, newest first.
    Ours, not GX's site index, which would re-read every stored result each time."""
    with connect(database_url) as conn:
        runs = conn.execute(
            """select r.finished_at, r.dataset, r.batch_id, coalesce(q.status, case when r.success
                      then 'validated' else 'quarantined' end), r.rows_checked, r.error_failures,
                      r.warning_failures, r.data_docs_url
               from monitoring.dq_runs r
               left join monitoring.batch_quality q
                 on q.dataset = r.dataset and q.batch_id = r.batch_id and q.dq_run_id = r.dq_run_id
               order by r.finished_at desc limit %s""", (limit,)).fetchall()
    lines = [
        "<!doctype html><html><head><meta charset='utf-8'><title>clusterwatch data quality</title>",
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:.3em .8em;border-bottom:1px solid #ddd}"
        ".quarantined{color:#b00;font-weight:bold}.warn{color:#a60}</style></head><body>",
        "<h1>clusterwatch: data-quality runs</h1>",
        f"<p>Latest {len(runs)} validations (monitoring.dq_runs). Each links to its Great Expectations page.</p>",
        "<table><tr><th>finished (UTC)</th><th>dataset</th><th>batch</th><th>status</th><th>rows</th>"
        "<th>errors</th><th>warnings</th></tr>",
    ]
    for finished, dataset, batch, status, rows, errors, warnings, url in runs:
        link = html.escape(batch)
        if url:
            link = f"<a href='{html.escape(_relative_link(url, docs_dir))}'>{link}</a>"
        css = "quarantined" if status == "quarantined" else ("warn" if warnings else "")
        lines.append(f"<tr><td>{finished:%Y-%m-%d %H:%M:%S}</td><td>{html.escape(dataset)}</td><td>{link}</td>"
                     f"<td class='{css}'>{html.escape(status)}</td><td>{rows}</td><td>{errors}</td>"
                     f"<td>{warnings}</td></tr>")
    lines.append("</table></body></html>")
    docs_dir.mkdir(parents=True, exist_ok=True)
    target = docs_dir / "index.html"
    temporary = docs_dir / f".index.{os.getpid()}.html"
    temporary.write_text("\n".join(lines), encoding="utf-8")
    os.replace(temporary, target)  # atomic: concurrent validations never leave half a page
    return target


def _relative_link(url: str, docs_dir: Path) -> str:
    prefix = docs_dir.resolve().as_uri() + "/"
    return url[len(prefix):] if url.startswith(prefix) else url
