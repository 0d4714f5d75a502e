"""clusterwatch: an event-driven data platform for Algeria's industrial clusters.

The shared package: settings, the warehouse (embedded or external PostgreSQL), the
schema bootstrap, the Airflow runtime and the CLI. Domain code lives in `scrapers`,
`ingest` and `expectations`; modelling lives in `dbt_project/`.
"""

__version__ = "0.1.0"
