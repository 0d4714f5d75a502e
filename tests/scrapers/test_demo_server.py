"""The demo site server: real HTTP on 127.0.0.1, recorded bytes, deliberate header quirks."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import requests

from clusterwatch.demo_server import DemoSite, serve_site

SITE = Path(__file__).resolve().parents[2] / "demo" / "site"
CP1256_PAGE = "/aps.dz/ar/archives/2018/04/48805-warsha-munawala.html"


@pytest.fixture(scope="module")
def base_url():
    with serve_site() as url:
        yield url


def get(url, **kwargs):
    return requests.get(url, timeout=5, allow_redirects=False, **kwargs)


def test_base_url_is_loopback_with_a_free_port(base_url):
    assert base_url.startswith("http://127.0.0.1:")
    assert int(base_url.rsplit(":", 1)[1]) > 0


def test_feed_is_served_as_rss(base_url):
    response = get(base_url + "/aps.dz/ar/feed.rss")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert response.content == (SITE / "aps.dz/ar/feed.rss").read_bytes()
    folder = get(base_url + "/elwatan.com/feed/")
    assert folder.headers["Content-Type"].startswith("application/rss+xml")


def test_windows_1256_page_is_sent_without_charset(base_url):
    response = get(base_url + CP1256_PAGE)
    assert response.headers["Content-Type"] == "text/html"
    assert response.content == (SITE / CP1256_PAGE.lstrip("/")).read_bytes()
    # the trap PLATFORM.md describes: requests guesses ISO-8859-1 and garbles the Arabic
    assert response.encoding.lower() == "iso-8859-1"
    assert "التجمع" not in response.text
    assert "التجمع" in response.content.decode("cp1256")


def test_pages_without_suffix_are_html(base_url):
    response = get(base_url + "/aps.dz/ar/economie/41852-forum-tajamouat-sinaiya")
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "ربيعة خرفي" in response.content.decode("utf-8")


def test_etag_and_conditional_get(base_url):
    first = get(base_url + "/aps.dz/ar/feed.rss")
    etag = first.headers["ETag"]
    again = get(base_url + "/aps.dz/ar/feed.rss", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other = get(base_url + "/aps.dz/ar/feed.rss", headers={"If-None-Match": '"stale"'})
    assert other.status_code == 200


def test_redirect_404_and_head(base_url):
    moved = get(base_url + "/elwatan.com/old/365788.php")
    assert moved.status_code == 301
    assert moved.headers["Location"].endswith("-22-03-2018-365788_111.php")
    gone = "/elwatan.com/edition/economie/la-filiere-datte-cherche-son-cluster-23-03-2018-365901"
    missing = get(base_url + gone + "_111.php")
    assert missing.status_code == 404
    head = requests.head(base_url + "/aps.dz/ar/feed.rss", timeout=5)
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["Content-Length"]) == (SITE / "aps.dz/ar/feed.rss").stat().st_size


@pytest.mark.parametrize(
    "path",
    [
        "/_site.json",
        "/../pyproject.toml",
        "/%2e%2e/pyproject.toml",
        "/aps.dz/../../pyproject.toml",
        "/.hidden",
    ],
)
def test_nothing_outside_the_site_or_private_is_served(base_url, path):
    with socket.create_connection(
        ("127.0.0.1", int(base_url.rsplit(":", 1)[1])), timeout=5
    ) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 404"), answer[:200]


def test_start_stop_and_missing_root(tmp_path):
    (tmp_path / "index.html").write_text("<html>hi</html>", encoding="utf-8")
    site = DemoSite(tmp_path)
    url = site.start()
    assert get(url + "/").text == "<html>hi</html>"
    site.stop()
    with pytest.raises(requests.ConnectionError):
        get(url + "/")
    with pytest.raises(FileNotFoundError):
        DemoSite(tmp_path / "missing")
