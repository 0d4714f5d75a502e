"""`python -m benchmarks [NAME ...]` (or `make bench`, `clusterwatch bench`): run the named
benchmarks, or all of them; each prints its findings and, last, one JSON line."""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys

import benchmarks


# Run only when named: they start a whole Airflow stack and take minutes.
ON_DEMAND = {"faults", "celery_executor", "trade_quarantine"}


def available() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if not m.name.startswith("_"))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    names = [a for a in argv if not a.startswith("-")] or [n for n in available() if n not in ON_DEMAND]
    unknown = sorted(set(names) - set(available()))
    if unknown:
        print(f"unknown benchmark(s) {unknown}; available: {available()}", file=sys.stderr)
        return 2
    results = []
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        result = module.main([a for a in argv if a.startswith("-")])
        print(json.dumps(result, ensure_ascii=False), flush=True)
        results.append(result)
    if len(results) > 1:
        print(json.dumps({"bench": "all", "results": results}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
