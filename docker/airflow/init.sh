#!/usr/bin/env bash
# One-shot setup of the team deployment, run by the `airflow-init` service of
# docker-compose.yml (the other Airflow services start only once it has exited 0):
#   1. refuses placeholder or URL-unsafe secrets, and folders it cannot write;
#   2. migrates Airflow's metadata database (`airflow db migrate`, idempotent);
#   3. writes the simple auth manager's password file from AIRFLOW_ADMIN_PASSWORD
#      (overwritten on every start, so changing the password in .env takes effect);
#   4. applies the warehouse schema bootstrap (clusterwatch/sql, idempotent), which
#      also grants the `marts` schema to the BI role `clusterwatch_analyst`.
# Safe to run again: `docker compose run --rm airflow-init`.
set -euo pipefail

fail() {
    echo "airflow-init: $*" >&2
    exit 1
}

# -- 1. secrets and folders ---------------------------------------------------------
# These reach this container through compose's `${VAR:?}` interpolation or `.env`;
# compose already refused to start when one was unset.
for name in POSTGRES_PASSWORD AIRFLOW_ADMIN_PASSWORD AIRFLOW__CORE__FERNET_KEY \
    AIRFLOW__API_AUTH__JWT_SECRET AIRFLOW__API__SECRET_KEY; do
    [ -n "${!name:-}" ] || fail "$name is empty: set it in .env (see .env.example)"
done
# Any variable from .env (the whole file reaches this container) still holding one of
# the "change-me-..." placeholders of .env.example: Metabase's and the analyst's too.
for name in $(compgen -e); do
    case "${!name}" in
        change-me*) fail "$name still has the placeholder value of .env.example: generate one (docs/deployment.md)" ;;
    esac
done
# The PostgreSQL password is placed inside connection URLs (SQLAlchemy, Airflow
# connection, CLUSTERWATCH_DATABASE_URL), so it must need no URL escaping.
if [[ ! "$POSTGRES_PASSWORD" =~ ^[A-Za-z0-9._~-]+$ ]]; then
    fail "POSTGRES_PASSWORD must use only letters, digits and . _ ~ - (it goes into URLs); e.g. openssl rand -hex 24"
fi

for dir in "$AIRFLOW__LOGGING__BASE_LOG_FOLDER" "$CLUSTERWATCH_HOME" "$CLUSTERWATCH_LANDING_DIR" \
    "$(dirname "$AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE")"; do
    mkdir -p "$dir" 2>/dev/null || true
    [ -w "$dir" ] || fail "$dir is not writable by uid $(id -u): on Linux run \`mkdir -p landing\` before \`docker compose up\` and set AIRFLOW_UID=\$(id -u) in .env"
done

# -- 2. Airflow metadata ------------------------------------------------------------
airflow db migrate

# -- 3. users of the simple auth manager --------------------------------------------
python - <<'PY'
import json
import os
from pathlib import Path

path = Path(os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
user = os.environ.get("AIRFLOW_ADMIN_USERNAME") or "admin"
tmp = path.with_name(path.name + ".tmp")
tmp.write_text(json.dumps({user: os.environ["AIRFLOW_ADMIN_PASSWORD"]}) + "\n")
tmp.chmod(0o600)
tmp.replace(path)
print(f"airflow-init: password of Airflow user {user!r} written to {path}")
PY

# -- 4. warehouse schemas and grants ------------------------------------------------
python - <<'PY'
import os

from clusterwatch import db, warehouse

url = os.environ["CLUSTERWATCH_DATABASE_URL"]
applied = db.bootstrap(url)
print(f"airflow-init: warehouse {warehouse.describe(url)} bootstrapped ({', '.join(applied)})")
PY

echo "airflow-init: done"
