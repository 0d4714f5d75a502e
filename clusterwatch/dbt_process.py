"""dbt's command line, leaving without the interpreter's teardown.

    python -P -m clusterwatch.dbt_process run --select ...    # what transform.run_dbt starts

The `dbt` executable is `sys.exit(cli())`: Python then tears down every module and frees
every object dbt built (the manifest, Jinja templates, mashumaro's generated code),
~0.5-1 s of CPU at the end of every invocation on this platform's machines, after dbt
has finished and written its artifacts (docs/warehouse.md "dbt's constant"). This runs
the same `cli()` in its own process, then what an ordinary exit would still do that
matters (the `atexit` handlers: `logging.shutdown` flushes and closes dbt.log; flushing
stdout and stderr), and leaves with `os._exit` and dbt's exit code. dbt writes
manifest.json and run_results.json with `with open(...)` before `cli()` returns and
closes its database connections itself.

`-P` keeps the working directory (the dbt project) off `sys.path`, as for the `dbt`
executable, whose `sys.path[0]` is the virtualenv's bin folder.
"""

from __future__ import annotations

import atexit
import os
import sys


def main() -> None:
    from dbt.cli.main import cli

    sys.argv[0] = "dbt"
    try:
        code = cli()
    except SystemExit as exc:  # click's standalone mode always ends with SystemExit
        code = exc.code
    if code is None:
        code = 0
    elif not isinstance(code, int):  # a message: sys.exit("...") prints it and exits 1
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
