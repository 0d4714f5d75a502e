# The clusterwatch image: Airflow 3.3.2 plus the project (packages, DAGs, dbt project,
# demo site). Every Airflow service of docker-compose.yml runs this one image.
#
#   docker compose build            # or: docker build -t clusterwatch-airflow:local .
#
# Configuration comes only from the environment (compose's `environment:` and `.env`);
# nothing secret is baked in.
FROM apache/airflow:3.3.2-python3.11

# Folders the compose file mounts volumes on. A new named volume starts as a copy of the
# image folder, owner and mode included: group 0 with write access lets any AIRFLOW_UID
# (the container runs as "${AIRFLOW_UID}:0") write logs, the landing zone and the home.
# dags/transform_warehouse.py finds the dbt project beside its own folder
# (dags/../dbt_project): the link keeps that working with Airflow's DAG folder.
USER root
RUN mkdir -p /opt/clusterwatch /opt/airflow/landing /opt/airflow/clusterwatch-home \
        /opt/airflow/auth /opt/airflow/logs \
    && chown -R airflow:0 /opt/clusterwatch /opt/airflow/landing \
        /opt/airflow/clusterwatch-home /opt/airflow/auth /opt/airflow/logs \
    && chmod -R g+rwX /opt/clusterwatch /opt/airflow/landing \
        /opt/airflow/clusterwatch-home /opt/airflow/auth /opt/airflow/logs \
    && ln -s /opt/clusterwatch/dbt_project /opt/airflow/dbt_project
USER airflow

# The project, installed with the committed lock (constraints.txt) so the image gets
# the same versions as every developer's venv. apache-airflow==3.3.2 is pinned in both
# pyproject.toml and the lock, so pip cannot move the base image's Airflow.
# Built from a scratch copy of the sources, removed afterwards: the installed package is
# the only `clusterwatch` in the image.
WORKDIR /tmp/clusterwatch-src
COPY --chown=airflow:0 pyproject.toml constraints.txt README.md ./
COPY --chown=airflow:0 clusterwatch/ clusterwatch/
COPY --chown=airflow:0 scrapers/ scrapers/
COPY --chown=airflow:0 expectations/ expectations/
COPY --chown=airflow:0 ingest/ ingest/
RUN pip install --no-cache-dir -c constraints.txt . \
    && command -v dbt > /tmp/dbt-path \
    && cd / && rm -rf /tmp/clusterwatch-src
WORKDIR /opt/airflow

# clusterwatch.transform runs the `dbt` found beside sys.executable (true in a venv). In
# this image pip may put scripts elsewhere on PATH: link dbt beside python when missing.
USER root
RUN pydir="$(dirname "$(python -c 'import sys; print(sys.executable)')")" \
    && if [ ! -e "$pydir/dbt" ]; then ln -s "$(cat /tmp/dbt-path)" "$pydir/dbt"; fi \
    && rm /tmp/dbt-path
USER airflow
RUN "$(dirname "$(python -c 'import sys; print(sys.executable)')")/dbt" --version

# Where Airflow and dbt look for them: the DAG folder is Airflow's default
# (/opt/airflow/dags); the dbt project and the demo site live beside the package.
COPY --chown=airflow:0 dags/ /opt/airflow/dags/
COPY --chown=airflow:0 dbt_project/ /opt/clusterwatch/dbt_project/
COPY --chown=airflow:0 demo/ /opt/clusterwatch/demo/
COPY --chown=airflow:0 docker/airflow/ /opt/clusterwatch/docker/airflow/
COPY --chown=airflow:0 docker/metabase/ /opt/clusterwatch/docker/metabase/
# clusterwatch.settings finds dbt_project/, demo/ and dags/ beside its package (the
# repository root in a checkout); installed, that is site-packages: point them there.
RUN root="$(python -c 'from clusterwatch import settings; print(settings.PROJECT_ROOT)')" \
    && ln -sfn /opt/clusterwatch/dbt_project "$root/dbt_project" \
    && ln -sfn /opt/clusterwatch/demo "$root/demo" \
    && ln -sfn /opt/airflow/dags "$root/dags"
ENV DBT_PROJECT_DIR=/opt/clusterwatch/dbt_project \
    CLUSTERWATCH_HOME=/opt/airflow/clusterwatch-home \
    AIRFLOW__COSMOS__ENABLE_TELEMETRY=False \
    DBT_SEND_ANONYMOUS_USAGE_STATS=False \
    SCARF_ANALYTICS=false \
    DO_NOT_TRACK=1
