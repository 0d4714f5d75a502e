"""The UN Comtrade API client against a local server that answers like the documented
public API (tests/ingest/comtrade_fake.py): key, paging by splitting, rate limits,
retries, and the download loaded by the same loader as files."""

from __future__ import annotations

import json
import os

import pytest

from ingest.comtrade import (ComtradeAuthError, ComtradeClient, ComtradeError, ComtradeQuery,
                             ComtradeTruncated, fetch_to_landing, retry_delay)

from comtrade_fake import KEY, COMMODITIES, FakeComtrade
from ingest_files import query

YEARS = tuple(str(y) for y in range(2000, 2024))
ALL = {"cmd_code": ",".join(COMMODITIES), "partner_code": None}


@pytest.fixture
def fake():
    with FakeComtrade() as server:
        yield server


def client_for(fake, **kwargs) -> tuple[ComtradeClient, list[float]]:
    slept: list[float] = []
    kwargs.setdefault("api_key", KEY)
    return ComtradeClient(base_url=fake.base_url, min_interval=0, sleep=slept.append, **kwargs), slept


def test_key_header_and_documented_parameters(fake):
    client, _ = client_for(fake)
    records = list(client.records(ComtradeQuery(reporter_code="12", periods=("2022",), cmd_code="2709",
                                                flow_code="X", partner_code="380")))
    assert [(r["refYear"], r["flowCode"], r["partnerISO"], r["cmdCode"]) for r in records] == \
        [(2022, "X", "ITA", "2709")]
    (request,) = fake.script.requests
    assert request["path"] == "/data/v1/get/C/A/HS" and request["key"] == KEY
    assert request["params"] == {"reporterCode": "12", "period": "2022", "cmdCode": "2709", "flowCode": "X",
                                 "partnerCode": "380", "partner2Code": "0", "customsCode": "C00",
                                 "motCode": "0", "maxRecords": "100000", "includeDesc": "true"}


def test_periods_go_twelve_to_a_call(fake):
    client, _ = client_for(fake)
    records = list(client.records(ComtradeQuery(reporter_code="12", periods=YEARS, **ALL)))
    assert len(records) == 24 * 60
    assert [r["params"]["period"].count(",") + 1 for r in fake.script.requests] == [12, 12]


def test_a_full_page_is_split_until_it_fits(fake):
    client, _ = client_for(fake, max_records=50)  # 60 records a year, 30 per flow
    records = list(client.records(ComtradeQuery(reporter_code="12", periods=("2021", "2022"), **ALL)))
    assert len(records) == 120 and len({json.dumps(r, sort_keys=True) for r in records}) == 120
    calls = [(r["params"]["period"], r["params"].get("flowCode")) for r in fake.script.requests]
    assert calls == [("2021,2022", None), ("2021", None), ("2021", "M"), ("2021", "X"), ("2021", "RM"),
                     ("2021", "RX"), ("2022", None), ("2022", "M"), ("2022", "X"), ("2022", "RM"), ("2022", "RX")]


def test_a_page_that_cannot_be_split_fails_loudly(fake):
    client, _ = client_for(fake, max_records=20)
    with pytest.raises(ComtradeTruncated, match="narrow the query"):
        list(client.records(ComtradeQuery(reporter_code="12", periods=("2022",), flow_code="X", **ALL)))


def test_rate_limit_waits_as_asked_then_retries(fake):
    fake.script.before = [
        (429, {"Retry-After": "1"}, {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 1 seconds."}),
        (429, {}, {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 2 seconds."}),
        (503, {}, "<html>Service Unavailable</html>"),
    ]
    client, slept = client_for(fake, backoff=0.5)
    records = list(client.records(ComtradeQuery(reporter_code="12", periods=("2022",))))
    assert records == [] and len(fake.script.requests) == 4  # TOTAL is not in the fake's data
    assert slept == [1.0, 2.0, 2.0]  # Retry-After, the message's hint, then backoff 0.5 * 2**2


def test_quota_wait_beyond_the_cap_and_bad_key_are_errors(fake):
    fake.script.before = [(403, {"Retry-After": "8115"}, {"statusCode": 403, "message":
                                                          "Out of call volume quota. Quota will be replenished "
                                                          "in 02:15:15."})]
    client, _ = client_for(fake)
    with pytest.raises(ComtradeError, match="8115"):
        client.fetch_page(ComtradeQuery(reporter_code="12", periods=("2022",)))
    client, _ = client_for(fake, api_key="wrong")
    with pytest.raises(ComtradeAuthError, match="invalid subscription key"):
        client.fetch_page(ComtradeQuery(reporter_code="12", periods=("2022",)))


def test_gives_up_after_the_retries(fake):
    fake.script.before = [(500, {}, {"message": "boom"})] * 3
    client, slept = client_for(fake, max_retries=2)
    with pytest.raises(ComtradeError, match="gave up after 3 attempts"):
        client.fetch_page(ComtradeQuery(reporter_code="12", periods=("2022",)))
    assert len(slept) == 3


def test_redirects_are_not_followed(fake):
    fake.script.before = [(302, {"Location": "http://elsewhere.example/steal"}, "")]
    client, _ = client_for(fake)
    with pytest.raises(ComtradeError, match="not followed"):
        client.fetch_page(ComtradeQuery(reporter_code="12", periods=("2022",)))


def test_retry_delay_reads_header_or_message():
    import requests

    response = requests.Response()
    response.status_code, response._content = 403, b'{"message": "Quota will be replenished in 01:00:05."}'
    assert retry_delay(response) == 3605.0


def test_without_a_key_the_preview_endpoint_and_its_cap(fake, monkeypatch):
    monkeypatch.delenv("CLUSTERWATCH_COMTRADE_API_KEY", raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_COMTRADE_API", raising=False)
    client = ComtradeClient(base_url=fake.base_url, min_interval=0, sleep=lambda s: None)
    assert client.api_key is None and client.max_records == 500
    list(client.records(ComtradeQuery(reporter_code="12", periods=("2022",), **ALL)))
    assert fake.script.requests[0]["path"] == "/public/v1/preview/C/A/HS"
    assert fake.script.requests[0]["params"]["maxRecords"] == "500" and fake.script.requests[0]["key"] is None


def test_key_from_environment_then_from_airflow_connection(fake, monkeypatch):
    monkeypatch.setenv("CLUSTERWATCH_COMTRADE_API_KEY", KEY)
    assert ComtradeClient(base_url=fake.base_url).api_key == KEY
    monkeypatch.delenv("CLUSTERWATCH_COMTRADE_API_KEY")
    monkeypatch.setenv("AIRFLOW_CONN_COMTRADE_API", json.dumps({"conn_type": "http", "password": "from-airflow"}))
    assert ComtradeClient(base_url=fake.base_url).api_key == "from-airflow"


@pytest.mark.postgres
def test_download_loads_through_the_file_loader(fake, tmp_path, load):
    client, _ = client_for(fake, max_records=50)
    result = client.download(ComtradeQuery(reporter_code="12", periods=("2021", "2022", "2023"), **ALL),
                             tmp_path / "dza.json")
    assert result.records == 180 and not os.path.exists(tmp_path / "dza.json.part")
    loaded = load(result.path, "trade")
    assert (loaded.format, loaded.rows_in, loaded.rows_loaded, loaded.rows_rejected) == ("comtrade-json", 180, 180, 0)
    assert query(load.url, "select count(distinct period), min(cmd_code) from raw.trade_comtrade_records") == \
        [(3, "0402")]
    again = client.download(ComtradeQuery(reporter_code="12", periods=("2021", "2022", "2023"), **ALL),
                            tmp_path / "dza-again.json")
    assert load(again.path, "trade").status == "duplicate"  # same records, same bytes


def test_fetch_to_landing_drops_the_file_and_its_marker(fake, tmp_path, monkeypatch):
    monkeypatch.setenv("CLUSTERWATCH_LANDING_DIR", str(tmp_path / "landing"))
    client, _ = client_for(fake)
    result = fetch_to_landing(ComtradeQuery(reporter_code="12", periods=("2022",), **ALL), client)
    assert result.path.parent == tmp_path / "landing" / "trade" and result.records == 60
    assert os.path.exists(str(result.path) + ".ready")


def test_the_fetch_job_uses_the_environment(fake, tmp_path, monkeypatch):
    from clusterwatch.jobs import fetch_comtrade

    monkeypatch.setenv("CLUSTERWATCH_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("CLUSTERWATCH_COMTRADE_BASE_URL", fake.base_url)
    monkeypatch.setenv("CLUSTERWATCH_COMTRADE_API_KEY", KEY)
    monkeypatch.setenv("CLUSTERWATCH_COMTRADE_MIN_INTERVAL_SECONDS", "0")
    result = fetch_comtrade("12", ["2021", "2022"], cmd_code=",".join(COMMODITIES), partner_code=None)
    assert result["records"] == 120 and result["calls"] == 1
    assert os.path.exists(result["path"] + ".ready") and fake.script.requests[0]["key"] == KEY
