"""UN Comtrade API client (comtradeapi.un.org, API v1), for trade data the files do not have.

    client = ComtradeClient()                       # key: argument, env or Airflow connection
    query = ComtradeQuery(reporter_code="12", periods=["2021", "2022"], cmd_code="TOTAL")
    result = client.download(query, Path("dza_2021_2022.json"))   # {"count", "data"} file
    ingest_file(result.path, "trade", ...)          # or land it: fetch_to_landing(query)

What the public API documents and this client follows:
- `GET /data/v1/get/{typeCode}/{freqCode}/{clCode}?reporterCode=&period=&partnerCode=
  &flowCode=&cmdCode=&maxRecords=&includeDesc=true` with the subscription key in the
  `Ocp-Apim-Subscription-Key` header; without a key, `/public/v1/preview/...` (at most
  500 records per call).
- The answer is `{"elapsedTime", "count", "data": [records], "error"}`; records carry the
  column names the loader's `comtrade` layout maps (refYear, reporterISO, cmdCode,
  primaryValue, ...).
- There is no offset parameter: a call returns at most `maxRecords` rows. "Paging" is
  therefore splitting the query: at most 12 periods per call, and a page that comes
  back full is split again (per period, then per flow) until it fits, or fails loudly
  (never a silent truncation).
- Rate limits answer 429 (`{"statusCode": 429, "message": "Rate limit is exceeded. Try
  again in 2 seconds."}`, with Retry-After) and quota exhaustion 403: waited for up to
  a cap, then retried; 5xx are retried with exponential backoff. Redirects are not
  followed (the key header would go along to another host).

Key resolution: the `api_key` argument, else `CLUSTERWATCH_COMTRADE_API_KEY`, else the
password of the Airflow connection `comtrade_api` (e.g. `AIRFLOW_CONN_COMTRADE_API`).
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterator

import requests

from ingest import config
from ingest.markers import mark_ready

log = logging.getLogger(__name__)

KEY_HEADER = "Ocp-Apim-Subscription-Key"
AIRFLOW_CONNECTION_ID = "comtrade_api"
MAX_PERIODS_PER_CALL = 12
PREVIEW_MAX_RECORDS = 500
DEFAULT_MAX_RECORDS = 100_000
_TRY_AGAIN = re.compile(r"(?:try again in|replenished in)\s+(?:(\d+):(\d+):(\d+)|(\d+)\s*seconds?)", re.I)


class ComtradeError(RuntimeError):
    """The API refused the query or answered something unusable."""


class ComtradeAuthError(ComtradeError):
    """401/403 without a retry hint: wrong or missing key."""


class ComtradeTruncated(ComtradeError):
    """A query that cannot be split further still returns maxRecords rows."""


@dataclass(frozen=True)
class ComtradeQuery:
    reporter_code: str                    # Comtrade (UN M49) code(s): '12' = Algeria; '12,504'
    periods: tuple[str, ...]              # ('2021', '2022') or ('202101', ...) for monthly
    cmd_code: str = "TOTAL"               # 'TOTAL', 'AG2', '27', '2709,2711'
    flow_code: str | None = None          # 'M', 'X', 'M,X'; None = all flows
    partner_code: str | None = "0"        # '0' = World; None = every partner
    type_code: str = "C"
    freq_code: str = "A"
    cl_code: str = "HS"
    partner2_code: str | None = "0"
    customs_code: str | None = "C00"
    mot_code: str | None = "0"

    def params(self, max_records: int) -> dict[str, str]:
        values = {
            "reporterCode": self.reporter_code, "period": ",".join(self.periods), "cmdCode": self.cmd_code,
            "flowCode": self.flow_code, "partnerCode": self.partner_code,
            "partner2Code": self.partner2_code, "customsCode": self.customs_code, "motCode": self.mot_code,
            "maxRecords": str(max_records), "includeDesc": "true",
        }
        return {k: v for k, v in values.items() if v is not None}

    def slug(self) -> str:
        periods = self.periods[0] if len(self.periods) == 1 else f"{self.periods[0]}-{self.periods[-1]}"
        text = f"comtrade_{self.type_code}{self.freq_code}_{self.cl_code}_r{self.reporter_code}_{periods}_" \
               f"{self.cmd_code}_{self.flow_code or 'all'}_p{self.partner_code if self.partner_code is not None else 'all'}"
        return re.sub(r"[^A-Za-z0-9_.-]+", "-", text)


@dataclass
class DownloadResult:
    path: Path
    records: int
    calls: int
    pages: list[dict] = field(default_factory=list)   # per call: periods, flow, count


def resolve_api_key(explicit: str | None = None) -> str | None:
    if explicit:
        return explicit
    from_env = config.comtrade_api_key()
    if from_env:
        return from_env
    try:
        from airflow.sdk import BaseHook

        return BaseHook.get_connection(AIRFLOW_CONNECTION_ID).password or None
    except Exception:  # noqa: BLE001 - no Airflow, or no such connection: no key
        return None


def retry_delay(response: requests.Response) -> float | None:
    """Seconds the API asks us to wait: Retry-After, else 'Try again in N seconds' /
    'replenished in HH:MM:SS' in the JSON message."""
    header = response.headers.get("Retry-After")
    if header:
        try:
            return float(header)
        except ValueError:
            pass
    try:
        message = str(response.json().get("message", ""))
    except ValueError:
        message = response.text[:500]
    match = _TRY_AGAIN.search(message)
    if not match:
        return None
    if match.group(4):
        return float(match.group(4))
    hours, minutes, seconds = (int(g) for g in match.group(1, 2, 3))
    return float(hours * 3600 + minutes * 60 + seconds)


class ComtradeClient:
    def __init__(self, api_key: str | None = None, *, base_url: str | None = None,
                 session: requests.Session | None = None, min_interval: float | None = None,
                 max_retries: int = 5, backoff: float = 1.0, retry_after_cap: float = 60.0,
                 timeout: float = 120.0, max_records: int | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self.api_key = resolve_api_key(api_key)
        self.base_url = (base_url or config.comtrade_base_url()).rstrip("/")
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", "clusterwatch (https://github.com/clusterwatch)")
        self.min_interval = config.comtrade_min_interval_seconds() if min_interval is None else min_interval
        self.max_retries, self.backoff, self.retry_after_cap = max_retries, backoff, retry_after_cap
        self.timeout = timeout
        preview_cap = PREVIEW_MAX_RECORDS if not self.api_key else DEFAULT_MAX_RECORDS
        self.max_records = min(max_records or preview_cap, preview_cap)
        self.sleep = sleep
        self.calls = 0
        self._last_call = 0.0

    # -- one call ------------------------------------------------------------------------
    def _url(self, query: ComtradeQuery) -> str:
        kind = "data/v1/get" if self.api_key else "public/v1/preview"
        return f"{self.base_url}/{kind}/{query.type_code}/{query.freq_code}/{query.cl_code}"

    def _throttle(self) -> None:
        wait = self._last_call + self.min_interval - time.monotonic()
        if wait > 0:
            self.sleep(wait)
        self._last_call = time.monotonic()

    def fetch_page(self, query: ComtradeQuery) -> dict:
        """One API call (with retries): the parsed `{"count", "data", ...}` answer."""
        headers = {KEY_HEADER: self.api_key} if self.api_key else {}
        last_problem = ""
        for attempt in range(self.max_retries + 1):
            self._throttle()
            self.calls += 1
            try:
                response = self.session.get(self._url(query), params=query.params(self.max_records),
                                            headers=headers, timeout=self.timeout, allow_redirects=False)
            except (requests.ConnectionError, requests.Timeout) as exc:
                last_problem = f"{type(exc).__name__}: {exc}"
                self.sleep(min(self.backoff * 2 ** attempt, self.retry_after_cap))
                continue
            status = response.status_code
            if status == 200:
                try:
                    body = response.json()
                except ValueError as exc:
                    raise ComtradeError(f"not JSON from {response.url}: {response.text[:200]!r}") from exc
                if body.get("error"):
                    raise ComtradeError(f"the API answered an error: {body['error']}")
                if not isinstance(body.get("data"), list):
                    raise ComtradeError(f"no 'data' list in the answer: {str(body)[:200]}")
                return body
            if 300 <= status < 400:
                raise ComtradeError(f"redirect {status} to {response.headers.get('Location')!r} not followed "
                                    "(the key header would go along)")
            delay = retry_delay(response)
            if status in (429, 403) and delay is not None:
                if delay > self.retry_after_cap:
                    raise ComtradeError(f"{status}: the API asks to wait {delay:.0f} s (quota?), more than "
                                        f"the {self.retry_after_cap:.0f} s cap: {response.text[:200]}")
                last_problem = f"{status} {response.text[:200]}"
                log.info("Comtrade %s, waiting %.1f s as asked", status, delay)
                self.sleep(delay)
                continue
            if status in (401, 403):
                raise ComtradeAuthError(f"{status}: {response.text[:300]} (key from argument, "
                                        "CLUSTERWATCH_COMTRADE_API_KEY or Airflow connection comtrade_api)")
            if status == 429 or status >= 500:
                last_problem = f"{status} {response.text[:200]}"
                self.sleep(min(self.backoff * 2 ** attempt, self.retry_after_cap))
                continue
            raise ComtradeError(f"{status} for {response.url}: {response.text[:300]}")
        raise ComtradeError(f"gave up after {self.max_retries + 1} attempts: {last_problem}")

    # -- paging ---------------------------------------------------------------------------
    def pages(self, query: ComtradeQuery) -> Iterator[tuple[ComtradeQuery, dict]]:
        """(sub-query, answer) covering the whole query: periods in groups of at most 12,
        and any answer that came back full (count >= maxRecords) split until it fits."""
        pending = [replace(query, periods=tuple(query.periods[i:i + MAX_PERIODS_PER_CALL]))
                   for i in range(0, len(query.periods), MAX_PERIODS_PER_CALL)]
        while pending:
            part = pending.pop(0)
            answer = self.fetch_page(part)
            if len(answer["data"]) < self.max_records and (answer.get("count") or 0) < self.max_records:
                yield part, answer
                continue
            if len(part.periods) > 1:
                pending[:0] = [replace(part, periods=(p,)) for p in part.periods]
            elif part.flow_code is None or "," in part.flow_code:
                flows = part.flow_code.split(",") if part.flow_code else ["M", "X", "RM", "RX"]
                pending[:0] = [replace(part, flow_code=f) for f in flows]
            else:
                raise ComtradeTruncated(
                    f"{part.params(self.max_records)} still returns {self.max_records} records (the cap): "
                    "narrow the query (fewer commodity codes or partners) or use a key with a higher cap")
            log.info("Comtrade page full (%d records): split %s", len(answer["data"]), part.periods)

    def records(self, query: ComtradeQuery) -> Iterator[dict]:
        for _, answer in self.pages(query):
            yield from answer["data"]

    def download(self, query: ComtradeQuery, destination: Path) -> DownloadResult:
        """Write every record of the query to `destination` as `{"count": n, "data": [...]}`
        (the API's own shape, so the loader reads it like any API answer). Written to a
        temporary name first: an interrupted download leaves no half file."""
        destination = Path(destination)
        partial = destination.with_name(destination.name + ".part")
        result = DownloadResult(destination, 0, 0)
        calls_before = self.calls
        with open(partial, "w", encoding="utf-8") as handle:
            handle.write('{"data": [')
            for part, answer in self.pages(query):
                for record in answer["data"]:
                    handle.write(("," if result.records else "") + "\n" + json.dumps(record, ensure_ascii=False))
                    result.records += 1
                result.pages.append({"periods": list(part.periods), "flow_code": part.flow_code,
                                     "count": len(answer["data"])})
            handle.write(f'\n], "count": {result.records}, "error": ""}}\n')
        partial.replace(destination)
        result.calls = self.calls - calls_before
        return result


def fetch_to_landing(query: ComtradeQuery, client: ComtradeClient | None = None) -> DownloadResult:
    """Download into landing/trade/ and drop the `.ready` marker: the AssetWatcher takes it
    from there (one code path for files and API data)."""
    directory = config.dataset_dir("trade")
    directory.mkdir(parents=True, exist_ok=True)
    client = client or ComtradeClient()
    result = client.download(query, directory / f"{query.slug()}.json")
    mark_ready(result.path)
    return result
