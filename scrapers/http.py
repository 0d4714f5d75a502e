"""The only door to the network (STYLE C11, PLATFORM "HTTP").

`HttpClient.get(url, allowed_domains)` returns a `FetchResult` or raises a `FetchError`
subclass that carries the URL. What it does on every call:

- sends a User-Agent naming the project and a contact URL, and always a timeout;
- checks robots.txt of the host (RFC 9309 matching, see `scrapers.robots`; 4xx = no
  rules, 5xx/unreachable = disallow everything for now), cached per host for the
  client's life;
- waits between two requests to the same host (`min_interval`, the source's politeness
  delay, or the robots.txt Crawl-delay when larger): each request *reserves* its start
  time under a lock, so concurrent threads are spaced too;
- keeps at most `concurrency` requests in flight per host (a semaphore per host; the
  source's `politeness.concurrency`);
- sends conditional headers when asked (`conditional_headers(etag, last_modified)`);
  a `304 Not Modified` comes back as a FetchResult with status 304 and no body;
- retries 429, 5xx, connection errors and timeouts with exponential backoff, honouring
  `Retry-After` but never waiting longer than `retry_after_cap_seconds`;
- follows redirects itself (at most `max_redirects`), checking every hop against the
  allowed domains and against private / loopback / link-local addresses (the host is
  resolved). `allow_private_addresses` opens that check deliberately, and narrowly:
  a collection of origins (`"127.0.0.1:41234"`, host and port) lets only those reach a
  private address (the configured demo / test site), so a scraped link or a redirect to
  any other private, loopback or link-local address (a router, 169.254.169.254, another
  local port) is still refused; `True` opens it for every host (unit tests only);
- streams the body and stops at `max_bytes` of *decoded* content (a small gzip body can
  expand a thousandfold), raising `ResponseTooLarge`.

Defaults come from the environment when the client is built (never module globals):
CLUSTERWATCH_HTTP_USER_AGENT, _TIMEOUT, _MAX_RETRIES, _BACKOFF_SECONDS,
_RETRY_AFTER_CAP_SECONDS, _MAX_BYTES, _MAX_REDIRECTS, _RESPECT_ROBOTS.

Known limit: the address check resolves the host, then requests resolves it again to
connect, so a DNS answer that changes in between (DNS rebinding) is not caught. Pinning
the checked address in a transport adapter would close that gap.
"""

from __future__ import annotations

import email.utils
import ipaddress
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Self
from urllib.parse import urljoin, urlsplit

import requests

from scrapers.robots import RobotsRules
from scrapers.sources import host_in_domains

log = logging.getLogger(__name__)

DEFAULT_USER_AGENT = "clusterwatch/0.1 (+https://github.com/clusterwatch/clusterwatch)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


# -- errors -------------------------------------------------------------------------


class FetchError(Exception):
    """A page could not be fetched. `reason` is a short stable code for quarantine rows."""

    reason = "fetch_error"

    def __init__(self, url: str, message: str, *, status: int | None = None):
        self.url = url
        self.status = status
        super().__init__(f"{message} [{url}]")


class HttpStatusError(FetchError):
    """The final response had a non-2xx status (after retries for 429/5xx)."""

    reason = "http_error"


class FetchTimeout(FetchError):
    reason = "timeout"


class FetchConnectionError(FetchError):
    reason = "connection_error"


class ResponseTooLarge(FetchError):
    reason = "too_large"


class TooManyRedirects(FetchError):
    reason = "too_many_redirects"


class DomainNotAllowed(FetchError):
    """The URL, or a redirect hop, leaves the source's allowed domains."""

    reason = "domain_not_allowed"


class AddressNotAllowed(FetchError):
    """The host resolves to a private, loopback, link-local or otherwise special address."""

    reason = "address_not_allowed"


class DisallowedByRobots(FetchError):
    reason = "robots_disallowed"


# -- results and settings -------------------------------------------------------------


@dataclass(frozen=True)
class FetchResult:
    url: str  # as asked
    final_url: str  # after redirects
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes
    redirects: tuple[str, ...] = field(default=())
    elapsed_seconds: float = 0.0

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag") or None

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified") or None


def conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    """Request headers of a conditional GET (RFC 9110 13.1) from stored validators."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def default_resolver(host: str) -> list[str]:
    """All addresses `host` resolves to (raises socket.gaierror when it does not)."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return sorted({info[4][0] for info in infos})


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def origin_key(url_or_origin: str) -> str:
    """`host:port` of a URL or of a bare `host:port` (default ports filled in)."""
    text = url_or_origin if "://" in url_or_origin else f"http://{url_or_origin}"
    parts = urlsplit(text)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{(parts.hostname or '').lower()}:{port}"


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


# -- the client ---------------------------------------------------------------------


class HttpClient:
    def __init__(
        self,
        user_agent: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        backoff_seconds: float | None = None,
        retry_after_cap_seconds: float | None = None,
        max_bytes: int | None = None,
        allow_private_addresses: bool | Iterable[str] = False,
        *,
        max_redirects: int | None = None,
        respect_robots: bool | None = None,
        resolver: Callable[[str], list[str]] | None = None,
        sleep: Callable[[float], None] | None = None,
        session: requests.Session | None = None,
    ):
        self.user_agent = (
            user_agent or os.environ.get("CLUSTERWATCH_HTTP_USER_AGENT") or DEFAULT_USER_AGENT
        )
        self.timeout = (
            timeout if timeout is not None else _env_float("CLUSTERWATCH_HTTP_TIMEOUT", 20.0)
        )
        self.max_retries = (
            max_retries if max_retries is not None else _env_int("CLUSTERWATCH_HTTP_MAX_RETRIES", 3)
        )
        self.backoff_seconds = (
            backoff_seconds
            if backoff_seconds is not None
            else _env_float("CLUSTERWATCH_HTTP_BACKOFF_SECONDS", 1.0)
        )
        self.retry_after_cap_seconds = (
            retry_after_cap_seconds
            if retry_after_cap_seconds is not None
            else _env_float("CLUSTERWATCH_HTTP_RETRY_AFTER_CAP_SECONDS", 60.0)
        )
        self.max_bytes = (
            max_bytes
            if max_bytes is not None
            else _env_int("CLUSTERWATCH_HTTP_MAX_BYTES", 5_000_000)
        )
        self.max_redirects = (
            max_redirects
            if max_redirects is not None
            else _env_int("CLUSTERWATCH_HTTP_MAX_REDIRECTS", 5)
        )
        self.respect_robots = (
            respect_robots
            if respect_robots is not None
            else _env_bool("CLUSTERWATCH_HTTP_RESPECT_ROBOTS", True)
        )
        self.allow_private_addresses = allow_private_addresses is True
        self.private_origins = (
            frozenset() if isinstance(allow_private_addresses, bool)
            else frozenset(origin_key(o) for o in allow_private_addresses)
        )
        self._resolve = resolver if resolver is not None else default_resolver
        self._sleep = sleep if sleep is not None else time.sleep
        # Redirects are followed by hand in get() (allow_redirects=False on every call).
        self.session = session if session is not None else requests.Session()
        self._robots: dict[str, RobotsRules] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self._next_slot: dict[str, float] = {}
        self._host_slots: dict[str, threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- public -----------------------------------------------------------------------

    def get(
        self,
        url: str,
        allowed_domains: Iterable[str] | None,
        *,
        min_interval: float = 0.0,
        headers: dict[str, str] | None = None,
        concurrency: int = 1,
    ) -> FetchResult:
        """Fetch `url`. `allowed_domains=None` skips the domain check (address checks stay).

        `min_interval` is the least time, in seconds, between the starts of two requests
        to one host; `concurrency` the most requests in flight to one host (fixed by the
        first request to the host through this client: one client serves one source)."""
        domains = None if allowed_domains is None else tuple(allowed_domains)
        current = url
        hops: list[str] = []
        started = time.monotonic()
        while True:
            self._check_url(current, domains, origin=url)
            if self.respect_robots:
                self._check_robots(current, domains, origin=url)
            with self._host_slot(current, concurrency):
                result = self._fetch_once(url, current, min_interval, headers, hops, started)
            if isinstance(result, FetchResult):
                return result
            current = result

    def _host_slot(self, url: str, concurrency: int) -> threading.BoundedSemaphore:
        host = urlsplit(url).netloc.lower()
        with self._lock:
            slot = self._host_slots.get(host)
            if slot is None:
                slot = self._host_slots[host] = threading.BoundedSemaphore(max(1, concurrency))
        return slot

    def _fetch_once(self, url, current, min_interval, headers, hops, started) -> FetchResult | str:
        """One hop: the final FetchResult, or the next URL to follow."""
        response = self._request_with_retries(current, min_interval, headers)
        if response.status_code in REDIRECT_STATUSES and response.headers.get("location"):
            location = urljoin(current, response.headers["location"])
            response.close()
            hops.append(location)
            if len(hops) > self.max_redirects:
                raise TooManyRedirects(url, f"more than {self.max_redirects} redirects")
            log.debug("redirect %s -> %s", current, location)
            return location
        status = response.status_code
        if not (200 <= status < 300 or status == 304):
            response.close()
            raise HttpStatusError(url, f"HTTP {status}", status=status)
        body = self._read_capped(response, url) if status != 304 else b""
        response.close()
        return FetchResult(
            url=url,
            final_url=current,
            status=status,
            headers={k.lower(): v for k, v in response.headers.items()},
            body=body,
            redirects=tuple(hops),
            elapsed_seconds=round(time.monotonic() - started, 4),
        )

    # -- checks -----------------------------------------------------------------------

    def _check_url(self, url: str, domains: tuple[str, ...] | None, *, origin: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise DomainNotAllowed(origin, f"not an http(s) URL: {url}")
        if domains is not None and not host_in_domains(parts.hostname, domains):
            raise DomainNotAllowed(
                origin, f"host {parts.hostname} is not in allowed domains {list(domains)}"
            )
        if self.allow_private_addresses or origin_key(url) in self.private_origins:
            return
        host = parts.hostname
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            try:
                addresses = self._resolve(host)
            except OSError as exc:
                raise FetchConnectionError(origin, f"cannot resolve {host}: {exc}") from None
        bad = [address for address in addresses if not is_public_address(address)]
        if bad or not addresses:
            raise AddressNotAllowed(
                origin, f"host {host} resolves to a non-public address {bad or addresses}"
            )

    def _check_robots(self, url: str, domains: tuple[str, ...] | None, *, origin: str) -> None:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            lock = self._robots_locks.setdefault(key, threading.Lock())
        with lock:  # one robots.txt request per host, even with concurrent pages
            rules = self._robots.get(key)
            if rules is None:
                rules = self._robots[key] = self._fetch_robots(key, domains)
        if rules.disallow_all:  # robots.txt unreachable or 5xx: disallow everything for now
            raise DisallowedByRobots(
                origin, f"{key}/robots.txt could not be read; treated as disallow-all"
            )
        if not rules.can_fetch(self.user_agent, url):
            raise DisallowedByRobots(origin, "disallowed by robots.txt")

    def robots_for(self, url: str) -> RobotsRules | None:
        """The cached rules of `url`'s host (None before its first request)."""
        parts = urlsplit(url)
        return self._robots.get(f"{parts.scheme}://{parts.netloc}")

    def _fetch_robots(self, key: str, domains) -> RobotsRules:
        robots_url = key + "/robots.txt"
        try:
            response = self._request_with_retries(robots_url, 0.0, None)
            hops = 0
            while (
                response.status_code in REDIRECT_STATUSES
                and response.headers.get("location")
                and hops < 5
            ):
                target = urljoin(robots_url, response.headers["location"])
                response.close()
                self._check_url(target, domains, origin=robots_url)
                response = self._request_with_retries(target, 0.0, None)
                hops += 1
            status = response.status_code
            text = self._read_capped(response, robots_url, cap=500_000).decode("utf-8", "replace")
        except FetchError as exc:
            log.warning("robots.txt of %s unreadable (%s): disallowing for now", key, exc)
            return RobotsRules.disallowing_everything()
        if 400 <= status < 500:  # RFC 9309 2.3.1.3: "unavailable", crawl as if no rules
            return RobotsRules.allowing_everything()
        if status >= 300:  # 5xx (after retries) or a redirect chain too long: "unreachable"
            log.warning("robots.txt of %s answered %s: disallowing for now", key, status)
            return RobotsRules.disallowing_everything()
        return RobotsRules(text)

    def crawl_delay(self, url: str) -> float:
        rules = self.robots_for(url)
        if rules is None:
            return 0.0
        delay = rules.crawl_delay(self.user_agent)
        return float(delay) if delay else 0.0

    # -- transport --------------------------------------------------------------------

    def _pace(self, url: str, min_interval: float) -> None:
        """Reserve this request's start time on its host, then wait for it."""
        interval = max(min_interval, self.crawl_delay(url) if self.respect_robots else 0.0)
        host = urlsplit(url).netloc.lower()
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_slot.get(host, now))
            self._next_slot[host] = start + interval
        wait = start - now
        if wait > 0:
            self._sleep(wait)

    def _retry_delay(self, attempt: int, response: requests.Response | None) -> float:
        delay = self.backoff_seconds * (2**attempt)
        if response is not None:
            asked = parse_retry_after(response.headers.get("retry-after"))
            if asked is not None:
                delay = min(asked, self.retry_after_cap_seconds)
        return delay

    def _request_with_retries(self, url: str, min_interval: float, headers) -> requests.Response:
        request_headers = {
            "User-Agent": self.user_agent,
            "Accept-Language": "ar, fr;q=0.9, en;q=0.5",
        }
        request_headers.update(headers or {})
        attempt = 0
        while True:
            self._pace(url, min_interval)
            try:
                response = self.session.get(
                    url,
                    headers=request_headers,
                    timeout=self.timeout,
                    allow_redirects=False,
                    stream=True,
                )
            except requests.Timeout as exc:
                error: FetchError = FetchTimeout(url, f"timed out after {self.timeout}s: {exc}")
                response = None
            except requests.ConnectionError as exc:
                error = FetchConnectionError(url, f"connection failed: {exc}")
                response = None
            except requests.RequestException as exc:
                raise FetchError(url, f"request failed: {exc}") from None
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                error = HttpStatusError(
                    url, f"HTTP {response.status_code}", status=response.status_code
                )
            if attempt >= self.max_retries:
                if response is not None:
                    response.close()
                raise error
            delay = self._retry_delay(attempt, response)
            if response is not None:
                response.close()
            log.info(
                "retrying %s in %.1fs after %s (attempt %d of %d)",
                url,
                delay,
                error,
                attempt + 1,
                self.max_retries,
            )
            self._sleep(delay)
            attempt += 1

    def _read_capped(self, response: requests.Response, url: str, cap: int | None = None) -> bytes:
        cap = self.max_bytes if cap is None else cap
        try:
            declared = int(response.headers.get("content-length", ""))
        except ValueError:
            declared = None
        # Content-Length counts encoded bytes; only a plain body can be refused up front.
        if declared is not None and declared > cap and not response.headers.get("content-encoding"):
            response.close()
            raise ResponseTooLarge(url, f"Content-Length {declared} exceeds the cap of {cap} bytes")
        chunks: list[bytes] = []
        size = 0
        deadline = time.monotonic() + self.timeout * 3  # a slow drip must end too
        try:
            for chunk in response.iter_content(chunk_size=65536):
                size += len(chunk)
                if size > cap:
                    raise ResponseTooLarge(url, f"body exceeds the cap of {cap} bytes")
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise FetchTimeout(url, f"body not read within {self.timeout * 3:.0f}s")
        except requests.RequestException as exc:
            raise FetchConnectionError(url, f"body read failed: {exc}") from None
        finally:
            response.close()
        return b"".join(chunks)
