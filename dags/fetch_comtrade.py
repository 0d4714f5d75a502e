"""Download a UN Comtrade query into the trade landing zone (on demand).

Trigger with params (default: Algeria's total trade with the world for the last years):
`reporter_code` (Comtrade code, 12 = Algeria), `periods` (years, or YYYYMM with
`freq_code` M), `cmd_code` (TOTAL, AG2, or HS codes, comma-separated), `flow_code`
(M, X, or empty for all), `partner_code` (0 = World, empty for every partner). The
answer is written to `landing/trade/<query>.json` with its `.ready` marker, so
`ingest_landing` loads it like a file a partner dropped (format comtrade-json). The API key
comes from `CLUSTERWATCH_COMTRADE_API_KEY` or the Airflow connection `comtrade_api`
(password field); without one, the keyless preview API (500 records a call).
"""

from airflow.sdk import Param, dag, task

from _common import DEFAULT_ARGS, START_DATE


@dag(
    schedule=None,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["ingest", "trade", "clusterwatch"],
    doc_md=__doc__,
    params={
        "reporter_code": Param("12", type="string"),
        "periods": Param(["2019", "2020", "2021", "2022", "2023"], type="array"),
        "cmd_code": Param("TOTAL", type="string"),
        "flow_code": Param("", type="string"),
        "partner_code": Param("0", type=["null", "string"]),
        "freq_code": Param("A", enum=["A", "M"]),
    },
)
def fetch_comtrade():
    @task
    def download(params=None) -> dict:
        from clusterwatch.jobs import fetch_comtrade as fetch

        return fetch(params["reporter_code"], params["periods"], params["cmd_code"], params["flow_code"],
                     params["partner_code"] or None, params["freq_code"])

    download()


fetch_comtrade()
