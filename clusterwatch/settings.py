"""Configuration, read from the environment at call time (never into module globals).

Every variable is listed in `.env.example`. Functions, not constants, so that tests and
the CLI can change the environment per case.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DAGS_FOLDER = PROJECT_ROOT / "dags"
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

WAREHOUSE_DB_NAME = "clusterwatch"
AIRFLOW_DB_NAME = "clusterwatch_airflow"


def home() -> Path:
    """Where everything the platform writes lives (embedded PostgreSQL, Airflow, logs)."""
    return Path(os.environ.get("CLUSTERWATCH_HOME") or PROJECT_ROOT / ".clusterwatch").resolve()


def logs_dir() -> Path:
    return home() / "logs"


def airflow_home() -> Path:
    return home() / "airflow"


def embedded_pgdata() -> Path:
    return home() / "pgdata"


def configured_database_url() -> str | None:
    """The warehouse URL given by the user, or None when the embedded server is to be used."""
    return os.environ.get("CLUSTERWATCH_DATABASE_URL") or None


def airflow_port() -> int:
    return int(os.environ.get("CLUSTERWATCH_AIRFLOW_PORT", "8080"))


def airflow_parallelism() -> int:
    # LocalExecutor starts `parallelism` workers (~150 MB each); 4 suits a 2-core machine.
    return int(os.environ.get("CLUSTERWATCH_AIRFLOW_PARALLELISM", "4"))


def sources_dir() -> Path:
    return Path(os.environ.get("CLUSTERWATCH_SOURCES_DIR") or PROJECT_ROOT / "scrapers" / "sources")
