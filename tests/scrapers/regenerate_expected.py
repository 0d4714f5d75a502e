"""Rewrite `<case>.expected.json` from what the extractor gives today, and print diffs.

Run by hand, never by CI (STYLE C12): `.venv/bin/python tests/scrapers/regenerate_expected.py`
then review every changed line like code before committing it.
"""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from extraction_cases import CASES, run_case


def main() -> int:
    changed = 0
    for page in CASES:
        expected_path = page.with_name(page.name.removesuffix(".html") + ".expected.json")
        new = json.dumps(run_case(page), ensure_ascii=False, indent=2) + "\n"
        old = expected_path.read_text(encoding="utf-8") if expected_path.exists() else ""
        if new != old:
            changed += 1
            sys.stdout.writelines(
                difflib.unified_diff(
                    old.splitlines(keepends=True),
                    new.splitlines(keepends=True),
                    fromfile=str(expected_path),
                    tofile=str(expected_path) + " (new)",
                )
            )
            expected_path.write_text(new, encoding="utf-8")
    print(f"{changed} expected file(s) rewritten", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
