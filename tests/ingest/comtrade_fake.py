"""A local stand-in for comtradeapi.un.org that answers like the documented public API:
`/data/v1/get/{type}/{freq}/{cl}` with the key in `Ocp-Apim-Subscription-Key`,
`/public/v1/preview/...` without a key (at most 500 records), answers
`{"elapsedTime", "count", "data", "error"}`, at most `maxRecords` records per call (no
offset), 429 `{"statusCode": 429, "message": "Rate limit is exceeded. Try again in N
seconds."}` with Retry-After, 401 for a wrong key. Scripted failures let tests check the
client's retries."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from ingest_files import comtrade_record

KEY = "test-subscription-key"
PARTNERS = [("FRA", 251), ("ITA", 380), ("ESP", 724), ("CHN", 156), ("DEU", 276)]
COMMODITIES = ["2709", "2711", "0402", "8703", "3102", "7208"]


def dataset(years=range(2000, 2024)) -> list[dict]:
    """Algeria's trade by year, flow, partner and commodity: 60 records a year."""
    records = []
    for year in years:
        for flow in ("X", "M"):
            for partner, code in PARTNERS:
                for number, cmd in enumerate(COMMODITIES):
                    records.append(comtrade_record(year, flow, partner, code, cmd,
                                                   float(year * 1000 + number * 10 + code % 7)))
    return records


@dataclass
class Script:
    """Answers to give before the normal ones: (status, headers, body) per request."""

    before: list[tuple[int, dict, dict | str]] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)


class FakeComtrade:
    def __init__(self, records: list[dict] | None = None):
        self.records = records if records is not None else dataset()
        self.script = Script()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802 (http.server's name)
                fake.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def _send(self, handler, status: int, body, headers: dict | None = None) -> None:
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def handle(self, handler) -> None:
        url = urlsplit(handler.path)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.script.requests.append({"path": url.path, "params": params,
                                     "key": handler.headers.get("Ocp-Apim-Subscription-Key")})
        if self.script.before:
            status, headers, body = self.script.before.pop(0)
            return self._send(handler, status, body, headers)
        parts = url.path.strip("/").split("/")
        preview = parts[:3] == ["public", "v1", "preview"]
        if not preview and parts[:3] != ["data", "v1", "get"]:
            return self._send(handler, 404, {"statusCode": 404, "message": "Resource not found"})
        if not preview and handler.headers.get("Ocp-Apim-Subscription-Key") != KEY:
            return self._send(handler, 401, {"statusCode": 401, "message": "Access denied due to invalid "
                                             "subscription key. Make sure to provide a valid key for an "
                                             "active subscription."})
        periods = params.get("period", "").split(",")
        if len(periods) > 12:
            return self._send(handler, 400, {"count": 0, "data": [], "error": "at most 12 periods"})
        cap = min(int(params.get("maxRecords", 500 if preview else 100_000)), 500 if preview else 250_000)
        flows = params["flowCode"].split(",") if params.get("flowCode") else None
        cmds = params.get("cmdCode", "TOTAL").split(",")
        partners = params["partnerCode"].split(",") if params.get("partnerCode") else None
        found = [r for r in self.records
                 if r["period"] in periods and str(r["reporterCode"]) == params.get("reporterCode")
                 and (flows is None or r["flowCode"] in flows)
                 and ("ALL" in cmds or r["cmdCode"] in cmds)
                 and (partners is None or str(r["partnerCode"]) in partners)]
        data = found[:cap]
        return self._send(handler, 200, {"elapsedTime": "0.05 secs", "count": len(data), "data": data,
                                         "error": ""})
