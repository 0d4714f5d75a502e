"""Scraped links and redirects to private, loopback or link-local addresses are never
fetched, even while the configured (local) demo site itself may be: the allow-list is
one origin (host and port), not "loopback". Real local HTTP servers, no mock."""

from __future__ import annotations

import json

import pytest
import requests

from clusterwatch.demo_server import DemoSite
from clusterwatch.jobs import source_set_config
from scrapers.http import AddressNotAllowed, HttpClient, origin_key


@pytest.fixture
def sites(tmp_path):
    """`site` (the configured one) and `other` (a private service on another port that a
    page or redirect of `site` points to)."""
    other_root = tmp_path / "other"
    (other_root / "secret").mkdir(parents=True)
    (other_root / "secret" / "index.html").write_text("<h1>internal admin</h1>")
    with DemoSite(other_root) as other_url:
        root = tmp_path / "site"
        (root / "news").mkdir(parents=True)
        (root / "news" / "index.html").write_text(
            f'<a href="{other_url}/secret/">x</a><a href="http://169.254.169.254/latest/">y</a>')
        (root / "_site.json").write_text(json.dumps({"redirects": {
            "/moved": {"status": 302, "location": f"{other_url}/secret/"}}}))
        with DemoSite(root) as site_url:
            yield site_url, other_url


def test_only_the_configured_origin_may_be_private(sites):
    site, other = sites
    with HttpClient(allow_private_addresses=(origin_key(site),), respect_robots=False,
                    max_retries=0) as client:
        assert client.get(f"{site}/news/", None).status == 200
        for link in (f"{other}/secret/", "http://169.254.169.254/latest/", "http://10.0.0.1/"):
            with pytest.raises(AddressNotAllowed):
                client.get(link, None)
        with pytest.raises(AddressNotAllowed):  # a redirect hop is checked like a link
            client.get(f"{site}/moved", None)
    # the private service was reachable all along: the refusal is the client's
    assert requests.get(f"{other}/secret/", timeout=5).status_code == 200


def test_without_an_allow_list_even_the_local_site_is_refused(sites):
    site, _ = sites
    with HttpClient(respect_robots=False, max_retries=0) as client, pytest.raises(AddressNotAllowed):
        client.get(f"{site}/news/", None)


def test_the_demo_source_set_allows_its_own_origin_only():
    _, _, origins = source_set_config("demo", "http://127.0.0.1:41234/")
    assert origins == ("127.0.0.1:41234",)
    assert source_set_config("live")[2] == ()
    assert origin_key("https://Example.org/a") == "example.org:443"
