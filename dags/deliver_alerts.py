"""Deliver pending alerts from the outbox (`monitoring.alert_outbox`) on a timer.

Every alert is sent once right after it is raised; a channel that was down keeps its
row pending with the error and the time of the next attempt (1 min doubling to 1 h).
This DAG retries what is due, so nothing is lost while a mail server or webhook is
down. Schedule: `CLUSTERWATCH_ALERT_DELIVERY_SCHEDULE` (default every 5 minutes;
`none` disables the clock).
"""

import os

from airflow.sdk import dag, task

from _common import DEFAULT_ARGS, START_DATE

SCHEDULE = os.environ.get("CLUSTERWATCH_ALERT_DELIVERY_SCHEDULE", "*/5 * * * *")


@dag(
    schedule=None if SCHEDULE == "none" else SCHEDULE,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    # No failure callback here: a delivery problem alerting through the same outbox
    # would queue behind the very channel that is down. Failures show in the UI.
    default_args={**DEFAULT_ARGS, "on_failure_callback": None},
    tags=["monitoring", "clusterwatch"],
    doc_md=__doc__,
)
def deliver_alerts():
    @task
    def deliver() -> dict:
        from clusterwatch.jobs import deliver_alerts as deliver_pending

        return deliver_pending()

    deliver()


deliver_alerts()
