"""Per-test alert receivers (a real SMTP server and a real HTTP webhook receiver) and
the environment that points the alert channels at them."""

from __future__ import annotations

import pytest

from alert_servers import SmtpServer, WebhookServer


@pytest.fixture
def smtp_server():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def webhook_server():
    server = WebhookServer().start()
    yield server
    server.stop()


@pytest.fixture
def alert_env(monkeypatch, smtp_server, webhook_server):
    """Alerts go to the local SMTP server and webhook; Slack off; default routing."""
    for name, value in smtp_server.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("CLUSTERWATCH_ALERT_WEBHOOK_URLS", webhook_server.url("/hook"))
    monkeypatch.delenv("CLUSTERWATCH_SLACK_WEBHOOK_URL", raising=False)
    monkeypatch.delenv("CLUSTERWATCH_ALERT_ROUTING", raising=False)
    monkeypatch.delenv("CLUSTERWATCH_SMTP_USER", raising=False)
    monkeypatch.delenv("CLUSTERWATCH_SMTP_PASSWORD", raising=False)
    return {"smtp": smtp_server, "webhook": webhook_server}
