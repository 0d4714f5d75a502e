"""Validate one batch of a dataset with Great Expectations and store the results.

GX 1.x is called from our own code (the GX Airflow provider conflicts with Airflow 3.3).
A failing expectation never raises in GX; `validate_batch` returns the outcome and
`require_success` raises `DataQualityError` when an error-level expectation failed, so a
task (or the CLI) fails and the batch is not passed downstream.
"""

from __future__ import annotations

import importlib
import json
import logging
import math
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from psycopg import sql

from clusterwatch.db import connect

log = logging.getLogger(__name__)

SAMPLE_SIZE = 10


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

    def summary(self) -> dict:
        data = asdict(self)
        data["failed"] = [f"{f['severity']}:{f['expectation_type']}({f['column_name']})" for f in self.failed]
        return data


def suite_module(dataset: str):
    known = suites()
    if dataset not in known:
        raise KeyError(f"unknown dataset {dataset!r}; known: {', '.join(sorted(known))}")
    return importlib.import_module(known[dataset])


def load_batch(database_url: str, module, batch_id: str):
    import pandas as pd

    schema, table = module.RELATION.split(".")
    query = sql.SQL("select {cols} from {rel} where {batch} = %s").format(
        cols=sql.SQL(", ").join(sql.Identifier(c) for c in module.COLUMNS),
        rel=sql.Identifier(schema, table),
        batch=sql.Identifier(module.BATCH_COLUMN),
    )
    with connect(database_url) as conn:
        rows = conn.execute(query, (batch_id,)).fetchall()
    frame = pd.DataFrame(rows, columns=module.COLUMNS)
    for column in frame.columns:
        if column.endswith("_at"):
            frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def _jsonable(value):
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def gx_context():
    """An ephemeral GX context: suites are code, results go to our own tables."""
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    try:
        context.variables.progress_bars = {"globally": False}
    except Exception:  # cosmetic only; older/newer GX may refuse the assignment
        pass
    return context


def run_suite(context, frame, suite):
    asset = context.data_sources.add_pandas("clusterwatch").add_dataframe_asset("batch")
    definition = asset.add_batch_definition_whole_dataframe("whole")
    batch = definition.get_batch(batch_parameters={"dataframe": frame})
    return batch.validate(suite, result_format={"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE})


def validate_batch(dataset: str, batch_id: str, database_url: str) -> ValidationOutcome:
    module = suite_module(dataset)
    started = datetime.now(timezone.utc)
    frame = load_batch(database_url, module, batch_id)
    context = gx_context()  # suites need an active context to be built
    suite = module.build_suite()
    result = run_suite(context, frame, suite)

    records, failed = [], []
    for index, item in enumerate(result.results):
        config = item.expectation_config
        severity = (config.meta or {}).get("severity", "error")
        details = item.result or {}
        record = {
            "expectation_index": index,
            "expectation_type": config.type,
            "column_name": config.kwargs.get("column"),
            "severity": severity,
            "success": bool(item.success),
            "observed_value": _jsonable(details.get("observed_value")),
            "unexpected_count": details.get("unexpected_count"),
            "unexpected_sample": _jsonable(details.get("partial_unexpected_list")),
        }
        records.append(record)
        if not item.success:
            failed.append(record)

    outcome = ValidationOutcome(
        dq_run_id=str(uuid.uuid4()), dataset=dataset, batch_id=batch_id, suite_name=module.SUITE_NAME,
        rows_checked=len(frame),
        success=not any(f["severity"] == "error" for f in failed),
        error_failures=sum(f["severity"] == "error" for f in failed),
        warning_failures=sum(f["severity"] == "warning" for f in failed),
        failed=failed,
    )
    store(database_url, outcome, records, started)
    log.info("validated %s batch %s: %s", dataset, batch_id, outcome.summary())
    return outcome


def store(database_url: str, outcome: ValidationOutcome, records: list[dict], started: datetime) -> None:
    with connect(database_url) as conn:
        conn.execute(
            """insert into monitoring.dq_runs (dq_run_id, dataset, batch_id, suite_name, started_at,
                   finished_at, rows_checked, success, error_failures, warning_failures)
               values (%s, %s, %s, %s, %s, now(), %s, %s, %s, %s)""",
            (outcome.dq_run_id, outcome.dataset, outcome.batch_id, outcome.suite_name, started,
             outcome.rows_checked, outcome.success, outcome.error_failures, outcome.warning_failures),
        )
        with conn.cursor() as cur:
            cur.executemany(
                """insert into monitoring.dq_results (dq_run_id, expectation_index, expectation_type,
                       column_name, severity, success, observed_value, unexpected_count, unexpected_sample)
                   values (%s, %s, %s, %s, %s, %s, %s, %s, %s)""",
                [(outcome.dq_run_id, r["expectation_index"], r["expectation_type"], r["column_name"],
                  r["severity"], r["success"], json.dumps(r["observed_value"]), r["unexpected_count"],
                  json.dumps(r["unexpected_sample"], ensure_ascii=False)) for r in records],
            )


def require_success(outcome: ValidationOutcome) -> ValidationOutcome:
    if not outcome.success:
        raise DataQualityError(
            f"{outcome.dataset} batch {outcome.batch_id}: {outcome.error_failures} error-level "
            f"expectation(s) failed: {', '.join(outcome.summary()['failed'])}"
        )
    return outcome
