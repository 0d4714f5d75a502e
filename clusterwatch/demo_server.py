"""Serve the recorded demo site (`demo/site/`) over real HTTP on 127.0.0.1.

    with serve_site() as base_url:        # e.g. "http://127.0.0.1:41234"
        scrape_source("aps_ar", ..., variables={"demo_site": base_url},
                      allow_private_addresses=True)

Each top-level folder of the site is one recorded host (`aps.dz/`, `elwatan.com/`, ...),
served under that path prefix. `_site.json` at the root adds what plain files cannot
say: per-path response headers (e.g. one windows-1256 page sent as `text/html` without a
charset, as old servers do) and redirects. Files are served byte for byte, with an ETag
(`If-None-Match` gives 304) and the Content-Type of their suffix. Names starting with
`_` or `.` are never served. Request logging goes to the `clusterwatch.demo_server`
logger at DEBUG level, not to stderr.

Outages on demand (the fault suite, tests/faults/): `DemoSite.faults` is a `SiteFaults`
the serving threads read on every request: `failing_prefixes` answer 500 to every path
under them (a source down), `delay_seconds` slows every answer (so a scrape can be
interrupted halfway). Switch them while the site runs; nothing sleeps to simulate time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import posixpath
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from clusterwatch import settings

log = logging.getLogger(__name__)

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".php": "text/html; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".css": "text/css; charset=utf-8",
    ".jpg": "image/jpeg",
    ".png": "image/png",
}
INDEX_FILES = ("index.html", "index.rss", "index.xml")


def default_root() -> Path:
    return settings.PROJECT_ROOT / "demo" / "site"


class SiteConfig:
    """Headers and redirects from `<root>/_site.json` (both optional)."""

    def __init__(self, root: Path):
        path = root / "_site.json"
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        self.headers: dict[str, dict[str, str]] = data.get("headers", {})
        self.redirects: dict[str, dict] = data.get("redirects", {})


class SiteFaults:
    """Switchable outage of a running site (read by each request; see the module doc)."""

    def __init__(self):
        self.failing_prefixes: set[str] = set()
        self.delay_seconds: float = 0.0
        self.requests_failed = 0

    def clear(self) -> None:
        self.failing_prefixes.clear()
        self.delay_seconds = 0.0


def _make_handler(root: Path, config: SiteConfig, faults: SiteFaults | None = None):
    faults = faults or SiteFaults()

    class DemoSiteHandler(BaseHTTPRequestHandler):
        server_version = "clusterwatch-demo/0.1"
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # the base class names it `format`
            log.debug("%s - %s", self.address_string(), format % args)

        def do_HEAD(self):
            self._serve(send_body=False)

        def do_GET(self):
            self._serve(send_body=True)

        def _send(self, status: int, headers: dict[str, str], body: bytes, send_body: bool) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body and body:
                self.wfile.write(body)

        def _not_found(self, send_body: bool) -> None:
            body = (
                b"<!doctype html><html><head><title>404</title></head>"
                b"<body><h1>Not Found</h1></body></html>"
            )
            self._send(404, {"Content-Type": "text/html; charset=utf-8"}, body, send_body)

        def _resolve(self, url_path: str) -> Path | None:
            clean = posixpath.normpath(unquote(url_path))
            parts = [p for p in clean.split("/") if p and p != "."]
            if any(p == ".." or p.startswith(("_", ".")) for p in parts):
                return None
            path = root.joinpath(*parts) if parts else root
            try:
                path.resolve().relative_to(root.resolve())
            except ValueError:
                return None
            if path.is_dir():
                path = next((path / name for name in INDEX_FILES if (path / name).is_file()), None)
            return path if path is not None and path.is_file() else None

        def _serve(self, send_body: bool) -> None:
            url_path = urlsplit(self.path).path
            if faults.delay_seconds:
                time.sleep(faults.delay_seconds)
            if any(url_path.startswith(prefix) for prefix in faults.failing_prefixes):
                faults.requests_failed += 1
                self._send(500, {"Content-Type": "text/plain"}, b"outage", send_body)
                return
            redirect = config.redirects.get(url_path)
            if redirect:
                status = int(redirect.get("status", 301))
                self._send(status, {"Location": redirect["location"]}, b"", send_body)
                return
            path = self._resolve(url_path)
            if path is None:
                self._not_found(send_body)
                return
            body = path.read_bytes()
            etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
            headers = {
                # Pages of recorded sites often have no suffix (/ar/economie/41852-slug).
                "Content-Type": CONTENT_TYPES.get(
                    path.suffix.lower(),
                    "text/html; charset=utf-8" if not path.suffix else "application/octet-stream",
                ),
                "ETag": etag,
                "Cache-Control": "max-age=60",
            }
            headers.update(config.headers.get(url_path, {}))
            if etag in [t.strip() for t in self.headers.get("If-None-Match", "").split(",")]:
                self._send(HTTPStatus.NOT_MODIFIED, {"ETag": etag}, b"", send_body=False)
                return
            self._send(200, headers, body, send_body)

    return DemoSiteHandler


class DemoSite:
    """A started-on-demand demo site server; `start()`/`stop()` or use as a context manager."""

    def __init__(self, root: Path | str | None = None, host: str = "127.0.0.1", port: int = 0):
        self.root = Path(root) if root is not None else default_root()
        if not self.root.is_dir():
            raise FileNotFoundError(f"demo site folder not found: {self.root}")
        self.host = host
        self.port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.faults = SiteFaults()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("demo site is not running")
        return f"http://{self.host}:{self._server.server_address[1]}"

    def start(self) -> str:
        if self._server is not None:
            return self.base_url
        handler = _make_handler(self.root, SiteConfig(self.root), self.faults)
        server = ThreadingHTTPServer((self.host, self.port), handler)  # port 0: a free port
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="demo-site", daemon=True)
        self._thread.start()
        log.info("demo site %s served at %s", self.root, self.base_url)
        return self.base_url

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@contextlib.contextmanager
def serve_site(root: Path | str | None = None, host: str = "127.0.0.1", port: int = 0):
    """Serve `root` (default `demo/site/`) in a background thread; yields the base URL."""
    site = DemoSite(root, host=host, port=port)
    try:
        yield site.start()
    finally:
        site.stop()


def main(argv: list[str] | None = None) -> None:
    """`python -m clusterwatch.demo_server [--port N] [--root DIR]`: serve until Ctrl-C."""
    import argparse
    import time

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--root", default=None)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    with serve_site(args.root, port=args.port) as base_url:
        print(base_url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
