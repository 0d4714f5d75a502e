"""The HTTP door, against canned responses (`responses`: unregistered URLs fail)."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests
import responses

from scrapers.http import (
    DEFAULT_USER_AGENT,
    AddressNotAllowed,
    DisallowedByRobots,
    DomainNotAllowed,
    FetchConnectionError,
    FetchTimeout,
    HttpClient,
    HttpStatusError,
    ResponseTooLarge,
    TooManyRedirects,
    is_public_address,
    parse_retry_after,
)

PUBLIC = "93.184.215.14"
HOSTS = {
    "www.aps.dz": [PUBLIC],
    "cdn.aps.dz": [PUBLIC],
    "www.elwatan.com": [PUBLIC],
    "evil.example": [PUBLIC],
    "intranet.aps.dz": ["10.0.0.5"],  # an allowed domain that points inside
    "dual.aps.dz": [PUBLIC, "::1"],
}
ALLOWED = ["aps.dz"]
URL = "https://www.aps.dz/ar/economie/41852-forum"


def resolver(host: str) -> list[str]:
    try:
        return HOSTS[host]
    except KeyError:
        raise OSError(f"unknown host {host}") from None


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(round(seconds, 3))


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(sleeps) -> HttpClient:
    return HttpClient(
        timeout=7,
        max_retries=3,
        backoff_seconds=0.5,
        retry_after_cap_seconds=10,
        max_bytes=10_000,
        respect_robots=False,
        resolver=resolver,
        sleep=sleeps,
    )


@responses.activate
def test_sends_user_agent_and_timeout_and_returns_bytes(client):
    responses.get(URL, body="مرحبا".encode(), content_type="text/html")
    result = client.get(URL, ALLOWED)
    assert result.status == 200 and result.body == "مرحبا".encode() and result.final_url == URL
    assert result.headers["content-type"] == "text/html"
    sent = responses.calls[0].request
    assert sent.headers["User-Agent"] == DEFAULT_USER_AGENT
    assert (
        "clusterwatch" in DEFAULT_USER_AGENT
        and "https://github.com/clusterwatch/clusterwatch" in DEFAULT_USER_AGENT
    )
    assert sent.req_kwargs["timeout"] == 7
    assert sent.req_kwargs["stream"] is True


def test_settings_come_from_the_environment_when_the_client_is_built(monkeypatch):
    monkeypatch.setenv("CLUSTERWATCH_HTTP_TIMEOUT", "3.5")
    monkeypatch.setenv("CLUSTERWATCH_HTTP_MAX_RETRIES", "1")
    monkeypatch.setenv("CLUSTERWATCH_HTTP_MAX_BYTES", "1234")
    monkeypatch.setenv("CLUSTERWATCH_HTTP_RETRY_AFTER_CAP_SECONDS", "9")
    monkeypatch.setenv("CLUSTERWATCH_HTTP_USER_AGENT", "clusterwatch-test/1 (+https://example.org)")
    built = HttpClient()
    assert (built.timeout, built.max_retries, built.max_bytes, built.retry_after_cap_seconds) == (
        3.5,
        1,
        1234,
        9,
    )
    assert built.user_agent.startswith("clusterwatch-test")
    monkeypatch.delenv("CLUSTERWATCH_HTTP_TIMEOUT")
    assert HttpClient().timeout == 20.0
    assert HttpClient(timeout=2).timeout == 2


@responses.activate
def test_retries_5xx_with_exponential_backoff(client, sleeps):
    responses.get(URL, status=503)
    responses.get(URL, status=502)
    responses.get(URL, body=b"ok")
    assert client.get(URL, ALLOWED).body == b"ok"
    assert len(responses.calls) == 3
    assert sleeps == [0.5, 1.0]


@responses.activate
def test_retry_after_is_honoured_but_capped(client, sleeps):
    responses.get(URL, status=429, headers={"Retry-After": "3"})
    responses.get(
        URL, status=429, headers={"Retry-After": "21600"}
    )  # six hours: urllib3 would wait
    responses.get(URL, body=b"ok")
    assert client.get(URL, ALLOWED).body == b"ok"
    assert sleeps == [3.0, 10.0]


def test_retry_after_http_date():
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    value = format_datetime(now + timedelta(seconds=42), usegmt=True)
    assert parse_retry_after(value, now=now) == 42
    assert parse_retry_after("garbage") is None
    assert parse_retry_after(None) is None


@responses.activate
def test_gives_up_after_max_retries_with_a_typed_error(client, sleeps):
    responses.get(URL, status=503)
    with pytest.raises(HttpStatusError) as raised:
        client.get(URL, ALLOWED)
    assert raised.value.status == 503 and raised.value.url == URL
    assert len(responses.calls) == 4  # the first try and three retries
    assert sleeps == [0.5, 1.0, 2.0]


@responses.activate
def test_404_is_not_retried(client, sleeps):
    responses.get(URL, status=404)
    with pytest.raises(HttpStatusError) as raised:
        client.get(URL, ALLOWED)
    assert raised.value.status == 404 and raised.value.reason == "http_error"
    assert len(responses.calls) == 1 and sleeps == []


@responses.activate
def test_connection_errors_and_timeouts_are_retried_then_typed(client, sleeps):
    responses.get(URL, body=requests.ConnectionError("reset"))
    responses.get(URL, body=b"ok")
    assert client.get(URL, ALLOWED).body == b"ok"

    other = "https://www.aps.dz/slow"
    responses.get(other, body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(FetchTimeout) as raised:
        client.get(other, ALLOWED)
    assert raised.value.url == other and raised.value.reason == "timeout"

    down = "https://www.aps.dz/down"
    responses.get(down, body=requests.ConnectionError("refused"))
    with pytest.raises(FetchConnectionError):
        client.get(down, ALLOWED)


@responses.activate
def test_body_over_the_byte_cap_is_refused(client):
    responses.get(URL, body=b"x" * 10_001)
    with pytest.raises(ResponseTooLarge) as raised:
        client.get(URL, ALLOWED)
    assert raised.value.url == URL


@responses.activate
def test_byte_cap_counts_decompressed_bytes(client):
    bomb = gzip.compress(b"a" * 1_000_000)  # ~1 KB on the wire
    assert len(bomb) < 10_000
    responses.get(URL, body=bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(ResponseTooLarge):
        client.get(URL, ALLOWED)


@responses.activate
def test_redirects_are_followed_by_hand_within_allowed_domains(client):
    responses.get(URL, status=301, headers={"Location": "/ar/economie/41852-new"})
    responses.get(
        "https://www.aps.dz/ar/economie/41852-new",
        status=302,
        headers={"Location": "https://cdn.aps.dz/page"},
    )
    responses.get("https://cdn.aps.dz/page", body=b"final")
    result = client.get(URL, ALLOWED)
    assert (
        result.body == b"final"
        and result.final_url == "https://cdn.aps.dz/page"
        and result.url == URL
    )
    assert result.redirects == (
        "https://www.aps.dz/ar/economie/41852-new",
        "https://cdn.aps.dz/page",
    )
    assert len(responses.calls) == 3


@responses.activate
def test_redirect_to_a_domain_outside_the_allow_list_is_refused(client):
    responses.get(URL, status=302, headers={"Location": "https://evil.example/steal"})
    with pytest.raises(DomainNotAllowed) as raised:
        client.get(URL, ALLOWED)
    assert raised.value.url == URL and "evil.example" in str(raised.value)
    assert len(responses.calls) == 1  # the disallowed hop was never requested


@responses.activate
@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata, link-local
        "http://127.0.0.1:5432/",
        "http://[::1]/",
        "https://intranet.aps.dz/admin",  # allowed domain, private address
        "https://dual.aps.dz/",  # one of its addresses is loopback
    ],
)
def test_redirect_to_a_private_address_is_refused(client, target):
    allowed = [*ALLOWED, "169.254.169.254", "127.0.0.1", "::1"]
    responses.get(URL, status=302, headers={"Location": target})
    with pytest.raises(AddressNotAllowed):
        client.get(URL, allowed)
    assert len(responses.calls) == 1


@responses.activate
def test_private_addresses_can_be_allowed_for_the_demo_site(sleeps):
    local = "http://127.0.0.1:8765/aps.dz/ar/feed.rss"
    responses.get(local, body=b"<rss/>")
    strict = HttpClient(respect_robots=False, resolver=resolver, sleep=sleeps)
    with pytest.raises(AddressNotAllowed):
        strict.get(local, ["127.0.0.1"])
    relaxed = HttpClient(respect_robots=False, allow_private_addresses=True, sleep=sleeps)
    assert relaxed.get(local, ["127.0.0.1"]).body == b"<rss/>"
    with pytest.raises(DomainNotAllowed):
        relaxed.get(local, ["aps.dz"])  # the domain check still applies


@responses.activate
def test_first_url_outside_allowed_domains_is_refused_before_any_request(client):
    with pytest.raises(DomainNotAllowed):
        client.get("https://www.elwatan.com/feed/", ALLOWED)
    with pytest.raises(DomainNotAllowed):
        client.get("ftp://www.aps.dz/file", ALLOWED)
    assert len(responses.calls) == 0


@responses.activate
def test_unresolvable_host_is_a_connection_error(client):
    with pytest.raises(FetchConnectionError):
        client.get("https://nowhere.aps.dz/", ALLOWED)


@responses.activate
def test_redirect_loops_stop_after_max_redirects(client):
    responses.get("https://www.aps.dz/a", status=302, headers={"Location": "/b"})
    responses.get("https://www.aps.dz/b", status=302, headers={"Location": "/a"})
    with pytest.raises(TooManyRedirects):
        client.get("https://www.aps.dz/a", ALLOWED)
    assert len(responses.calls) == 6  # the first request and five followed hops


@responses.activate
def test_robots_txt_is_obeyed_and_cached(sleeps):
    responses.get(
        "https://www.aps.dz/robots.txt",
        body="User-agent: *\nDisallow: /ar/recherche\nCrawl-delay: 4\n",
    )
    responses.get(URL, body=b"ok")
    client = HttpClient(respect_robots=True, resolver=resolver, sleep=sleeps, max_retries=0)
    assert client.get(URL, ALLOWED).body == b"ok"
    with pytest.raises(DisallowedByRobots):
        client.get("https://www.aps.dz/ar/recherche?q=cluster", ALLOWED)
    assert client.get(URL, ALLOWED).body == b"ok"
    robots_calls = [c for c in responses.calls if c.request.url.endswith("/robots.txt")]
    assert len(robots_calls) == 1
    assert 4.0 >= max(sleeps) > 3.0  # the Crawl-delay paced the second page request


@responses.activate
@pytest.mark.parametrize(("status", "allowed"), [(404, True), (403, True), (500, False)])
def test_robots_txt_errors_follow_rfc_9309(status, allowed, sleeps):
    responses.get("https://www.aps.dz/robots.txt", status=status)
    responses.get(URL, body=b"ok")
    client = HttpClient(respect_robots=True, resolver=resolver, sleep=sleeps, max_retries=0)
    if allowed:
        assert client.get(URL, ALLOWED).body == b"ok"
    else:
        with pytest.raises(DisallowedByRobots):
            client.get(URL, ALLOWED)


@responses.activate
def test_min_interval_paces_requests_to_one_host(client, sleeps):
    responses.get(URL, body=b"1")
    responses.get("https://www.aps.dz/2", body=b"2")
    client.get(URL, ALLOWED, min_interval=2.0)
    client.get("https://www.aps.dz/2", ALLOWED, min_interval=2.0)
    assert len(sleeps) == 1 and 1.5 < sleeps[0] <= 2.0


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("10.1.2.3", False),
        ("192.168.1.1", False),
        ("172.16.0.1", False),
        ("127.0.0.1", False),
        ("169.254.169.254", False),
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1", False),
        ("::ffff:10.0.0.1", False),
        ("2606:4700::1111", True),
        ("100.64.0.1", False),
    ],
)
def test_is_public_address(address, public):
    assert is_public_address(address) is public
