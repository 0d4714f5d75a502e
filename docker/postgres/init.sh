#!/usr/bin/env bash
# First start of the `postgres` service (mounted into /docker-entrypoint-initdb.d, so the
# image runs it once, on an empty data volume, as the superuser POSTGRES_USER):
#   - the Airflow metadata database (CLUSTERWATCH_AIRFLOW_DB) beside the warehouse
#     (POSTGRES_DB, created by the image itself);
#   - Metabase's application database and its own login (METABASE_DB_*);
#   - the NOLOGIN role `clusterwatch_analyst` (the platform's bootstrap creates it too)
#     and the BI login CLUSTERWATCH_ANALYST_USER that inherits it: read-only, marts only.
# Idempotent: to apply a changed password later, run it again by hand:
#   docker compose exec -u postgres postgres bash /docker-entrypoint-initdb.d/10-clusterwatch.sh
# Passwords are read with psql's \getenv, so they never appear on a command line.
set -euo pipefail

: "${POSTGRES_USER:?}" "${POSTGRES_DB:?}"
: "${CLUSTERWATCH_AIRFLOW_DB:?}" "${CLUSTERWATCH_ANALYST_USER:?}" "${CLUSTERWATCH_ANALYST_PASSWORD:?}"
: "${METABASE_DB_NAME:?}" "${METABASE_DB_USER:?}" "${METABASE_DB_PASSWORD:?}"

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname postgres <<'SQL'
\getenv owner POSTGRES_USER
\getenv warehouse_db POSTGRES_DB
\getenv airflow_db CLUSTERWATCH_AIRFLOW_DB
\getenv analyst_user CLUSTERWATCH_ANALYST_USER
\getenv analyst_password CLUSTERWATCH_ANALYST_PASSWORD
\getenv metabase_db METABASE_DB_NAME
\getenv metabase_user METABASE_DB_USER
\getenv metabase_password METABASE_DB_PASSWORD

-- Airflow's metadata database, owned by the platform's user.
select format('create database %I owner %I', :'airflow_db', :'owner')
where not exists (select 1 from pg_database where datname = :'airflow_db') \gexec

-- Metabase: its own login and database (its questions, users and settings).
select format('create role %I login', :'metabase_user')
where not exists (select 1 from pg_roles where rolname = :'metabase_user') \gexec
select format('alter role %I with login password %L', :'metabase_user', :'metabase_password') \gexec
select format('create database %I owner %I', :'metabase_db', :'metabase_user')
where not exists (select 1 from pg_database where datname = :'metabase_db') \gexec

-- The BI role: NOLOGIN, granted `usage` on marts and `select` on its tables by the
-- platform's bootstrap (clusterwatch/sql). The login a BI tool uses inherits it.
select 'create role clusterwatch_analyst nologin'
where not exists (select 1 from pg_roles where rolname = 'clusterwatch_analyst') \gexec
select format('create role %I login', :'analyst_user')
where not exists (select 1 from pg_roles where rolname = :'analyst_user') \gexec
select format('alter role %I with login inherit password %L', :'analyst_user', :'analyst_password') \gexec
select format('grant clusterwatch_analyst to %I', :'analyst_user') \gexec
-- Guard rails for ad-hoc BI queries: read-only sessions that look in marts first and
-- cannot hold the warehouse for long.
select format('alter role %I set default_transaction_read_only = on', :'analyst_user') \gexec
select format('alter role %I set search_path = marts', :'analyst_user') \gexec
select format('alter role %I set statement_timeout = %L', :'analyst_user', '5min') \gexec

-- Only the warehouse is open to the BI role; Airflow's and Metabase's databases are not.
select format('revoke connect on database %I from public', :'airflow_db') \gexec
select format('revoke connect on database %I from public', :'metabase_db') \gexec
select format('grant connect on database %I to %I', :'metabase_db', :'metabase_user') \gexec
select format('grant connect on database %I to clusterwatch_analyst', :'warehouse_db') \gexec
SQL

echo "clusterwatch init: databases $POSTGRES_DB, $CLUSTERWATCH_AIRFLOW_DB, $METABASE_DB_NAME; BI login $CLUSTERWATCH_ANALYST_USER (clusterwatch_analyst)"
