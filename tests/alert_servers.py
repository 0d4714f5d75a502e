"""Real local servers that receive alerts in tests: an SMTP server (aiosmtpd) and an
HTTP webhook receiver (http.server). Both record what they got; the webhook answers
with the statuses queued for it (then 200)."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ReceivedMail:
    sender: str
    recipients: list[str]
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""


class SmtpServer:
    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list[ReceivedMail] = []
        self._lock = threading.Lock()
        server = self

        class Handler:
            async def handle_DATA(self, smtp, session, envelope):
                message = email.message_from_bytes(envelope.content, policy=email.policy.default)
                with server._lock:
                    server.messages.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message))
                return "250 Message accepted for delivery"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def start(self) -> "SmtpServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def env(self, recipients: str = "monitoring@example.org,oncall@example.org") -> dict[str, str]:
        return {"CLUSTERWATCH_SMTP_HOST": "127.0.0.1", "CLUSTERWATCH_SMTP_PORT": str(self.port),
                "CLUSTERWATCH_SMTP_FROM": "clusterwatch-alerts@example.org", "CLUSTERWATCH_SMTP_TLS": "none",
                "CLUSTERWATCH_ALERT_EMAILS": recipients}

    def matching(self, text: str) -> list[ReceivedMail]:
        with self._lock:
            return [m for m in self.messages if text in m.subject or text in m.body]

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()


@dataclass
class ReceivedRequest:
    path: str
    headers: dict
    body: bytes
    status: int

    @property
    def json(self) -> dict:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class WebhookServer:
    port: int = field(default_factory=free_port)
    requests: list[ReceivedRequest] = field(default_factory=list)
    statuses: dict[str, deque] = field(default_factory=dict)

    def start(self) -> "WebhookServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                queue = server.statuses.get(self.path)
                status = queue.popleft() if queue else 200
                server.requests.append(ReceivedRequest(self.path, dict(self.headers), body, status))
                payload = b'{"ok": true}' if status < 300 else b'{"error": "receiver down"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def fail_next(self, path: str, *statuses: int) -> None:
        self.statuses.setdefault(path, deque()).extend(statuses)

    def received(self, path: str | None = None, text: str | None = None, ok_only: bool = False) -> list[ReceivedRequest]:
        found = [r for r in list(self.requests) if (path is None or r.path == path)
                 and (text is None or text in r.body.decode("utf-8", "replace"))]
        return [r for r in found if r.status < 300] if ok_only else found

    def clear(self) -> None:
        self.requests.clear()
        self.statuses.clear()


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            return value
        time.sleep(interval)
