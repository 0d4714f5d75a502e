"""Data quality: Great Expectations suites as code, the runner and result storage.

Suites live in `expectations/suites/<schema>__<relation>.py`; each `build_suite()` returns
the expectations, each carrying `meta={"severity": "error" | "warning"}`. Error-level
failures block the batch; warnings only report.
"""
