"""Alerts: one path for data-quality failures, Airflow task failures, dbt test results
and silent sources, with routing, dedup and an outbox that survives a channel being down.

    alert = alert_for_validation(outcome)         # or alert_for_task_failure(context), ...
    record = raise_alert(alert, database_url)     # dedup + outbox rows per channel target
    deliver_pending(database_url)                 # send what is due; failures stay pending

- **Routing** (`routing.yaml`, or the file named by CLUSTERWATCH_ALERT_ROUTING): per kind,
  severity and subject, which channels and which dedup window.
- **Dedup**: an alert has a `dedup_key` (kind, subject, what failed; never the batch).
  Raised again before its window ends, the open alert's `occurrences` goes up and its
  latest batch is recorded; no new message is queued. A message still pending carries
  the count at the time it is sent.
- **Outbox**: `monitoring.alert_outbox` has one row per alert and channel target. A
  delivery attempt that fails keeps the row `pending` with its error and a next attempt
  time (1 min doubling to 1 h); the `deliver_alerts` DAG (and every new alert) retries
  what is due. Rows are claimed with `for update skip locked`, so two deliverers never
  send the same row at once. Delivery is at least once: webhooks get an
  `Idempotency-Key` header (alert id) to drop a repeat.
- **Secrets** never enter an alert or a log line: text is scrubbed of URL passwords and
  of the values of secret-looking environment variables; webhook URLs (credentials for
  Slack) are identified by host and a short hash only.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import logging
import os
import re
import smtplib
import ssl
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import urlsplit

from clusterwatch.db import connect

log = logging.getLogger(__name__)

ROUTING_FILE = Path(__file__).resolve().parent / "routing.yaml"
CHANNELS = ("email", "webhook", "slack")
KINDS = ("data_quality", "task_failure", "dbt_test", "source_freshness")
HTTP_TIMEOUT_SECONDS = 10
SMTP_TIMEOUT_SECONDS = 15
FIRST_RETRY_SECONDS = 60
MAX_RETRY_SECONDS = 3600
# A target that disappeared from the configuration is retried this long, then marked
# undeliverable (kept in the table, listed by `clusterwatch alerts list`).
UNCONFIGURED_GRACE = timedelta(days=7)
MAX_FAILURES_IN_MESSAGE = 12


# -- secrets -----------------------------------------------------------------------------
_SECRET_ENV = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|FERNET|API_KEY|WEBHOOK_URL|_KEY$")
_URL_PASSWORD = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]+:)[^@\s/]+@")
_MASK = "***"


def _secret_values() -> list[str]:
    values = []
    for name, value in os.environ.items():
        if not value or len(value) < 6:
            continue
        if _SECRET_ENV.search(name):
            values.extend(v.strip() for v in value.split(",") if len(v.strip()) >= 6)
        elif name.endswith("DATABASE_URL") or name.endswith("SQL_ALCHEMY_CONN") or name.startswith("AIRFLOW_CONN_"):
            password = urlsplit(value).password if "://" in value else None
            if password and len(password) >= 4:
                values.append(password)
    return sorted(set(values), key=len, reverse=True)


def scrub(text: str | None) -> str | None:
    """`text` without passwords in URLs and without the value of any secret variable."""
    if text is None:
        return None
    text = _URL_PASSWORD.sub(r"\1" + _MASK + "@", str(text))
    for secret in _secret_values():
        text = text.replace(secret, _MASK)
    return text


def scrub_data(value):
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [scrub_data(v) for v in value]
    if isinstance(value, dict):
        return {k: scrub_data(v) for k, v in value.items()}
    return value


# -- the alert ---------------------------------------------------------------------------
@dataclass
class Alert:
    kind: str
    severity: str
    subject: str
    title: str
    dedup_key: str
    batch_id: str | None = None
    link: str | None = None
    details: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown alert kind {self.kind!r}")
        if self.severity not in ("error", "warning"):
            raise ValueError(f"unknown severity {self.severity!r}")


@dataclass
class AlertRecord:
    alert_id: str
    is_new: bool
    occurrences: int
    channels: list[str]
    targets: list[str]


# -- routing -----------------------------------------------------------------------------
def routing_file() -> Path:
    given = os.environ.get("CLUSTERWATCH_ALERT_ROUTING", "").strip()
    return Path(given) if given else ROUTING_FILE


def load_routing(path: Path | None = None) -> dict:
    import yaml

    path = path or routing_file()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    routes = data.get("routes") or []
    for index, route in enumerate(routes):
        unknown = set(route.get("channels") or []) - set(CHANNELS)
        if unknown:
            raise ValueError(f"{path}: route {index + 1} names unknown channels {sorted(unknown)}")
        if set(route.get("match") or {}) - {"kind", "severity", "subject"}:
            raise ValueError(f"{path}: route {index + 1} matches on an unknown key")
    return {"defaults": data.get("defaults") or {}, "routes": routes}


def _matches(pattern, value: str) -> bool:
    patterns = pattern if isinstance(pattern, list) else [pattern]
    return any(fnmatch.fnmatchcase(value, str(p)) for p in patterns)


def route(alert: Alert, routing: dict | None = None) -> tuple[list[str], int]:
    """(channels, dedup window in minutes) for an alert: the first matching route."""
    routing = routing or load_routing()
    default_window = int(routing["defaults"].get("dedup_window_minutes", 360))
    for rule in routing["routes"]:
        match = rule.get("match") or {}
        if all(_matches(match[key], getattr(alert, key)) for key in match):
            return list(rule.get("channels") or []), int(rule.get("dedup_window_minutes", default_window))
    return [], default_window


# -- channel targets (from the environment, at call time) --------------------------------
@dataclass(frozen=True)
class Target:
    key: str
    channel: str
    label: str
    address: str = field(repr=False)  # recipients or URL: never logged, never stored


def _split(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _url_label(kind: str, url: str) -> str:
    parts = urlsplit(url)
    return f"{kind} {parts.scheme}://{parts.hostname or '?'}{':' + str(parts.port) if parts.port else ''}/… #{_digest(url)}"


def configured_targets() -> dict[str, list[Target]]:
    """channel -> targets, from CLUSTERWATCH_* variables read now."""
    targets: dict[str, list[Target]] = {channel: [] for channel in CHANNELS}
    recipients = _split(os.environ.get("CLUSTERWATCH_ALERT_EMAILS"))
    if recipients and os.environ.get("CLUSTERWATCH_SMTP_HOST", "").strip():
        targets["email"].append(Target("email", "email", "email to " + ", ".join(recipients), ",".join(recipients)))
    for url in _split(os.environ.get("CLUSTERWATCH_ALERT_WEBHOOK_URLS")):
        targets["webhook"].append(Target(f"webhook:{_digest(url)}", "webhook", _url_label("webhook", url), url))
    slack = os.environ.get("CLUSTERWATCH_SLACK_WEBHOOK_URL", "").strip()
    if slack:
        targets["slack"].append(Target(f"slack:{_digest(slack)}", "slack", _url_label("slack", slack), slack))
    return targets


# -- raising (dedup + outbox) ------------------------------------------------------------
def raise_alert(alert: Alert, database_url: str, *, now: datetime | None = None,
                routing: dict | None = None) -> AlertRecord:
    """Record an alert: a new one with an outbox row per routed target, or one more
    occurrence of the same failure while its window is open."""
    now = now or datetime.now(timezone.utc)
    channels, window = route(alert, routing)
    title = scrub(alert.title)
    details = scrub_data(alert.details)
    link = scrub(alert.link)
    with connect(database_url) as conn:
        # Serialise raisers of the same key (two tasks failing at once make one alert).
        conn.execute("select pg_advisory_xact_lock(hashtext(%s))", (alert.dedup_key,))
        row = conn.execute(
            """select alert_id, occurrences, channels from monitoring.alerts
               where dedup_key = %s and first_seen_at <= %s and window_ends_at > %s
               order by first_seen_at desc limit 1 for update""",
            (alert.dedup_key, now, now)).fetchone()
        if row:
            alert_id, occurrences, routed = row
            conn.execute(
                """update monitoring.alerts set occurrences = occurrences + 1, last_seen_at = greatest(last_seen_at, %s),
                       last_batch_id = coalesce(%s, last_batch_id), details = %s, title = %s,
                       link = coalesce(%s, link)
                   where alert_id = %s""",
                (now, alert.batch_id, json.dumps(details, ensure_ascii=False, default=str), title, link, alert_id))
            targets = [r[0] for r in conn.execute(
                "select target_key from monitoring.alert_outbox where alert_id = %s", (alert_id,)).fetchall()]
            log.info("alert %s (%s) seen again: %d occurrences", alert_id, alert.dedup_key, occurrences + 1)
            return AlertRecord(alert_id, False, occurrences + 1, list(routed), targets)

        alert_id = str(uuid.uuid4())
        conn.execute(
            """insert into monitoring.alerts (alert_id, dedup_key, kind, severity, subject, batch_id, last_batch_id,
                   title, details, link, occurrences, first_seen_at, last_seen_at, window_ends_at, channels)
               values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 1, %s, %s, %s, %s)""",
            (alert_id, alert.dedup_key, alert.kind, alert.severity, alert.subject, alert.batch_id, alert.batch_id,
             title, json.dumps(details, ensure_ascii=False, default=str), link, now, now,
             now + timedelta(minutes=window), channels))
        available = configured_targets()
        targets = [target for channel in channels for target in available[channel]]
        for target in targets:
            conn.execute(
                """insert into monitoring.alert_outbox (alert_id, target_key, channel, target_label, next_attempt_at)
                   values (%s, %s, %s, %s, %s)""",
                (alert_id, target.key, target.channel, target.label, now))
    if not targets:
        log.warning("alert %s (%s) recorded but routed to no configured channel (routes: %s)",
                    alert_id, alert.dedup_key, channels or "muted")
    else:
        log.info("alert %s (%s) queued for %s", alert_id, alert.dedup_key, ", ".join(t.label for t in targets))
    return AlertRecord(alert_id, True, 1, channels, [t.key for t in targets])


# -- delivery ----------------------------------------------------------------------------
@dataclass
class DeliveryReport:
    attempted: int = 0
    delivered: int = 0
    failed: int = 0
    undeliverable: int = 0
    still_pending: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS))


def deliver_pending(database_url: str, *, now: datetime | None = None, alert_ids: list[str] | None = None,
                    include_not_due: bool = False) -> DeliveryReport:
    """Send every due pending outbox row (or only those of `alert_ids`). Each row in its
    own transaction, locked while it is sent; a failure stays pending with its error."""
    report = DeliveryReport()
    targets = {t.key: t for channel_targets in configured_targets().values() for t in channel_targets}
    with connect(database_url, autocommit=True) as conn:
        due = conn.execute(
            """select alert_id, target_key from monitoring.alert_outbox
               where status = 'pending' and (%s or next_attempt_at <= coalesce(%s::timestamptz, now()))
                 and (%s::text[] is null or alert_id = any(%s::text[]))
               order by next_attempt_at, alert_id""",
            (include_not_due, now, alert_ids, alert_ids)).fetchall()
        for alert_id, target_key in due:
            with conn.transaction():
                row = conn.execute(
                    """select o.attempts, o.created_at, a.alert_id, a.kind, a.severity, a.subject, a.batch_id,
                              a.last_batch_id, a.title, a.details, a.link, a.occurrences, a.first_seen_at,
                              a.last_seen_at, a.window_ends_at, a.dedup_key
                       from monitoring.alert_outbox o join monitoring.alerts a using (alert_id)
                       where o.alert_id = %s and o.target_key = %s and o.status = 'pending'
                       for update of o skip locked""", (alert_id, target_key)).fetchone()
                if row is None:
                    continue  # delivered or claimed by another deliverer meanwhile
                attempts, created_at, *alert_fields = row
                alert = dict(zip(("alert_id", "kind", "severity", "subject", "batch_id", "last_batch_id", "title",
                                  "details", "link", "occurrences", "first_seen_at", "last_seen_at",
                                  "window_ends_at", "dedup_key"), alert_fields))
                attempt_time = datetime.now(timezone.utc)
                target = targets.get(target_key)
                report.attempted += 1
                if target is None:
                    error = "channel target no longer configured in this environment"
                    gone = (now or attempt_time) - created_at > UNCONFIGURED_GRACE
                    conn.execute(
                        """update monitoring.alert_outbox set attempts = attempts + 1, last_error = %s,
                               last_attempt_at = %s, next_attempt_at = %s, status = %s
                           where alert_id = %s and target_key = %s""",
                        (error, attempt_time, attempt_time + _backoff(attempts + 1),
                         "undeliverable" if gone else "pending", alert_id, target_key))
                    report.undeliverable += int(gone)
                    report.failed += int(not gone)
                    report.errors.append(f"{alert_id} {target_key}: {error}")
                    continue
                try:
                    send(target, alert)
                except Exception as exc:  # any failure: keep it, retry later
                    error = scrub(f"{type(exc).__name__}: {exc}")[:500]
                    conn.execute(
                        """update monitoring.alert_outbox set attempts = attempts + 1, last_error = %s,
                               last_attempt_at = %s, next_attempt_at = %s
                           where alert_id = %s and target_key = %s""",
                        (error, attempt_time, attempt_time + _backoff(attempts + 1), alert_id, target_key))
                    report.failed += 1
                    report.errors.append(f"{alert_id} {target.label}: {error}")
                    log.warning("alert %s to %s failed (attempt %d): %s", alert_id, target.label, attempts + 1, error)
                    continue
                conn.execute(
                    """update monitoring.alert_outbox set attempts = attempts + 1, status = 'delivered',
                           delivered_at = %s, last_attempt_at = %s, delivered_occurrences = %s, last_error = null
                       where alert_id = %s and target_key = %s""",
                    (attempt_time, attempt_time, alert["occurrences"], alert_id, target_key))
                report.delivered += 1
                log.info("alert %s delivered to %s", alert_id, target.label)
        report.still_pending = conn.execute(
            "select count(*) from monitoring.alert_outbox where status = 'pending'").fetchone()[0]
    return report


def send(target: Target, alert: dict) -> None:
    if target.channel == "email":
        send_email(target.address.split(","), alert)
    elif target.channel == "webhook":
        _post_json(target.address, webhook_payload(alert), alert["alert_id"])
    elif target.channel == "slack":
        _post_json(target.address, slack_payload(alert), alert["alert_id"])
    else:  # pragma: no cover - CHECK constraint keeps other values out
        raise ValueError(f"unknown channel {target.channel}")


def _post_json(url: str, payload: dict, alert_id: str) -> None:
    import requests

    response = requests.post(
        url, data=json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "clusterwatch-alerts/0.1",
                 "Idempotency-Key": alert_id},
        timeout=HTTP_TIMEOUT_SECONDS, allow_redirects=False,
    )
    if not 200 <= response.status_code < 300:
        # The body may echo the URL; keep only the status and a short, scrubbed excerpt.
        raise RuntimeError(f"HTTP {response.status_code}: {scrub(response.text[:200])!r}")


def smtp_settings() -> dict:
    port = int(os.environ.get("CLUSTERWATCH_SMTP_PORT") or 25)
    tls = (os.environ.get("CLUSTERWATCH_SMTP_TLS") or "").strip().lower()
    if not tls:
        tls = {465: "ssl", 587: "starttls"}.get(port, "none")
    if tls not in ("none", "starttls", "ssl"):
        raise ValueError(f"CLUSTERWATCH_SMTP_TLS must be none, starttls or ssl, not {tls!r}")
    return {
        "host": os.environ.get("CLUSTERWATCH_SMTP_HOST", "").strip(),
        "port": port,
        "user": os.environ.get("CLUSTERWATCH_SMTP_USER") or None,
        "password": os.environ.get("CLUSTERWATCH_SMTP_PASSWORD") or None,
        "sender": os.environ.get("CLUSTERWATCH_SMTP_FROM") or "clusterwatch-alerts@localhost",
        "tls": tls,
    }


def send_email(recipients: list[str], alert: dict) -> None:
    config = smtp_settings()
    message = EmailMessage()
    message["Subject"] = alert["title"]
    message["From"] = config["sender"]
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=alert["alert_id"][:8], domain="clusterwatch")
    message["X-Clusterwatch-Alert-Id"] = alert["alert_id"]
    message["X-Clusterwatch-Severity"] = alert["severity"]
    message.set_content(render_text(alert))
    if config["tls"] == "ssl":
        client = smtplib.SMTP_SSL(config["host"], config["port"], timeout=SMTP_TIMEOUT_SECONDS,
                                  context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(config["host"], config["port"], timeout=SMTP_TIMEOUT_SECONDS)
    with client:
        if config["tls"] == "starttls":
            client.starttls(context=ssl.create_default_context())
        if config["user"]:
            client.login(config["user"], config["password"] or "")
        client.send_message(message)


# -- content -----------------------------------------------------------------------------
def _iso(value) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else value


def webhook_payload(alert: dict) -> dict:
    return {
        "alert_id": alert["alert_id"], "kind": alert["kind"], "severity": alert["severity"],
        "subject": alert["subject"], "title": alert["title"], "batch_id": alert["batch_id"],
        "last_batch_id": alert["last_batch_id"], "occurrences": alert["occurrences"],
        "first_seen_at": _iso(alert["first_seen_at"]), "last_seen_at": _iso(alert["last_seen_at"]),
        "window_ends_at": _iso(alert["window_ends_at"]), "dedup_key": alert["dedup_key"],
        "link": alert["link"], "details": alert["details"], "text": render_text(alert),
    }


def slack_payload(alert: dict) -> dict:
    text = render_text(alert)
    if len(text) > 2900:
        text = text[:2900] + "\n…"
    icon = ":red_circle:" if alert["severity"] == "error" else ":warning:"
    return {
        "text": f"{icon} {alert['title']}",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"{icon} *{alert['title']}*"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": f"```{text}```"}},
        ],
    }


def _fmt(value) -> str:
    if isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = str(value)
    return text if len(text) <= 400 else text[:400] + "…"


def render_text(alert: dict) -> str:
    details = alert.get("details") or {}
    lines = [
        f"clusterwatch alert: {alert['severity'].upper()} ({alert['kind'].replace('_', ' ')})",
        alert["title"],
        "",
        f"Subject:      {alert['subject']}",
    ]
    if details.get("dataset"):
        lines.append(f"Dataset:      {details['dataset']}")
    if alert.get("batch_id"):
        batch_line = f"Batch:        {alert['batch_id']}"
        if alert.get("last_batch_id") and alert["last_batch_id"] != alert["batch_id"]:
            batch_line += f" (latest: {alert['last_batch_id']})"
        lines.append(batch_line)
    if details.get("status"):
        lines.append(f"Status:       {details['status']}")
    if details.get("rows_checked") is not None:
        lines.append(f"Rows checked: {details['rows_checked']}")
    lines.append(f"Occurrences:  {alert['occurrences']} between {_iso(alert['first_seen_at'])} and "
                 f"{_iso(alert['last_seen_at'])} (same failure within the dedup window)")
    if alert.get("link"):
        lines.append(f"Link:         {alert['link']}")
    failures = details.get("failures") or []
    if failures:
        lines += ["", f"Failed checks ({len(failures)}):"]
        for number, failure in enumerate(failures[:MAX_FAILURES_IN_MESSAGE], 1):
            column = f"({failure['column']})" if failure.get("column") else ""
            lines.append(f"{number}. [{failure['severity']}] {failure['expectation']}{column}"
                         + (f" - {failure['check']}" if failure.get("check") else ""))
            if failure.get("expected"):
                lines.append(f"   expected: {_fmt(failure['expected'])}")
            if failure.get("observed") is not None:
                lines.append(f"   observed: {_fmt(failure['observed'])}")
            if failure.get("sample_values"):
                lines.append(f"   unexpected values: {_fmt(failure['sample_values'])}")
            for row in failure.get("sample_rows_text") or [_fmt(row) for row in failure.get("sample_rows") or []]:
                lines.append(f"   bad row: {row[:500]}")
        if len(failures) > MAX_FAILURES_IN_MESSAGE:
            lines.append(f"... and {len(failures) - MAX_FAILURES_IN_MESSAGE} more (see the link)")
    for key in ("message", "hint"):
        if details.get(key):
            lines += ["", details[key]]
    facts = details.get("facts")
    if facts:
        lines += [""] + [f"{k}: {v}" for k, v in facts.items()]
    lines += ["", f"alert id {alert['alert_id']} - dedup key {alert['dedup_key']}"]
    return "\n".join(lines)


# -- alert builders ------------------------------------------------------------------------
def _observed_text(record: dict) -> object:
    if record.get("unexpected_count") is not None and record.get("element_count") is not None:
        percent = record.get("unexpected_percent")
        share = f" ({percent:.1f} %)" if isinstance(percent, (int, float)) else ""
        observed = f"{record['unexpected_count']} of {record['element_count']} rows unexpected{share}"
        if record.get("observed_value") is not None:
            observed += f"; observed {_fmt(record['observed_value'])}"
        return observed
    return record.get("observed_value")


def alert_for_validation(outcome) -> Alert | None:
    """The alert of a validation with failures (None when everything passed). One alert
    per validation: errors and warnings together, severity the worst of them."""
    if not outcome.failed:
        return None
    severity = "error" if outcome.error_failures else "warning"
    failures = [{
        "expectation": r["expectation_type"], "column": r["column_name"], "severity": r["severity"],
        "check": r.get("check"), "expected": r.get("expected"), "observed": _observed_text(r),
        "unexpected_count": r.get("unexpected_count"), "sample_values": (r.get("unexpected_sample") or [])[:5],
        "sample_rows": r.get("unexpected_rows") or [],
        # jsonb does not keep key order: the rows as text, keys first, for the messages.
        "sample_rows_text": [", ".join(f"{k}={_fmt(v)}" for k, v in row.items())
                             for row in r.get("unexpected_rows") or []],
    } for r in sorted(outcome.failed, key=lambda r: (r["severity"] != "error", r["expectation_index"]))]
    signature = sorted(f"{f['severity']}:{f['expectation']}:{f['column']}:{f['check']}" for f in failures)
    what = (f"{outcome.error_failures} error-level" if outcome.error_failures else "") + \
        (" and " if outcome.error_failures and outcome.warning_failures else "") + \
        (f"{outcome.warning_failures} warning-level" if outcome.warning_failures else "")
    verdict = "quarantined" if outcome.status == "quarantined" else "passed with warnings"
    status_text = ("quarantined: no validated asset event, and dbt staging leaves its rows out"
                   if outcome.status == "quarantined" else "validated (warnings only): the batch goes downstream")
    return Alert(
        kind="data_quality", severity=severity, subject=outcome.dataset, batch_id=outcome.batch_id,
        title=f"[{severity.upper()}] {outcome.dataset} batch {outcome.batch_id} {verdict}: {what} expectation(s) failed",
        dedup_key="data_quality:" + outcome.dataset + ":" + _digest("|".join(signature)),
        link=outcome.data_docs_url,
        details={"dataset": outcome.dataset, "batch_id": outcome.batch_id, "dq_run_id": outcome.dq_run_id,
                 "suite": outcome.suite_name, "status": status_text, "rows_checked": outcome.rows_checked,
                 "error_failures": outcome.error_failures, "warning_failures": outcome.warning_failures,
                 "failures": failures, "hint": outcome.volume_note},
    )


# Tasks whose failure was already alerted in this process (a DataQualityError, or dbt
# results read by `alerts_for_dbt_results`): the failure callback does not repeat it.
_ALERTED_TASKS: set[tuple] = set()
_ALERTED_LOCK = threading.Lock()


def _task_key(ti) -> tuple:
    return (getattr(ti, "dag_id", None), getattr(ti, "task_id", None), getattr(ti, "run_id", None),
            getattr(ti, "map_index", None), getattr(ti, "try_number", None))


def mark_task_alerted(ti) -> None:
    with _ALERTED_LOCK:
        _ALERTED_TASKS.add(_task_key(ti))


def task_already_alerted(ti) -> bool:
    with _ALERTED_LOCK:
        return _task_key(ti) in _ALERTED_TASKS


def _chain(exc):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def alert_for_task_failure(context: dict) -> Alert | None:
    """The alert of an Airflow task that failed for good (retries exhausted, or a
    non-retryable failure). None when the failure was already alerted (a data-quality
    error, or dbt results)."""
    from expectations.runner import DataQualityError

    ti = context.get("ti") or context.get("task_instance")
    exception = context.get("exception")
    if ti is not None and task_already_alerted(ti):
        return None
    if any(isinstance(e, DataQualityError) or getattr(e, "clusterwatch_alerted", False)
           for e in _chain(exception if isinstance(exception, BaseException) else None)):
        return None
    dag_id = getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", "?")
    task_id = getattr(ti, "task_id", "?")
    run_id = getattr(ti, "run_id", None) or context.get("run_id")
    map_index = getattr(ti, "map_index", -1)
    kind_name = type(exception).__name__ if isinstance(exception, BaseException) else "unknown"
    message = scrub(str(exception) if exception is not None else "no exception recorded")
    where = f"{dag_id}.{task_id}" + (f"[{map_index}]" if map_index not in (None, -1) else "")
    return Alert(
        kind="task_failure", severity="error", subject=dag_id, batch_id=run_id,
        title=f"[ERROR] Airflow task {where} failed: {kind_name}: {message.splitlines()[0][:160] if message else ''}",
        dedup_key=f"task_failure:{dag_id}:{task_id}:{kind_name}",
        link=getattr(ti, "log_url", None),
        details={"facts": {"dag_id": dag_id, "task_id": task_id, "map_index": map_index, "run_id": run_id,
                           "try_number": getattr(ti, "try_number", None), "exception": kind_name},
                 "message": (message or "")[:3000]},
    )


def alerts_for_dbt_results(run_results: dict, *, task_label: str, run_id: str | None,
                           link: str | None = None) -> Alert | None:
    """One alert for the failed, erroring or warning nodes of one dbt invocation
    (`target/run_results.json`); None when all passed."""
    bad = [r for r in run_results.get("results", []) if r.get("status") in ("fail", "error", "warn")]
    if not bad:
        return None
    severity = "error" if any(r["status"] in ("fail", "error") for r in bad) else "warning"
    failures = []
    for result in bad:
        unique_id = result.get("unique_id", "?")
        failures.append({
            "expectation": unique_id.split(".")[2] if unique_id.count(".") >= 2 else unique_id,
            "column": None, "severity": "error" if result["status"] in ("fail", "error") else "warning",
            "check": f"dbt {unique_id.split('.')[0]} {result['status']}",
            "observed": scrub(result.get("message")) or (f"{result.get('failures')} failing rows"
                                                         if result.get("failures") is not None else None),
            "expected": None, "sample_values": [], "sample_rows": [],
        })
    names = sorted(f["expectation"] for f in failures)
    return Alert(
        kind="dbt_test", severity=severity, subject=f"dbt:{task_label}", batch_id=run_id,
        title=f"[{severity.upper()}] dbt {task_label}: {len(bad)} node(s) "
              f"{'failed' if severity == 'error' else 'warned'}: {', '.join(names)[:200]}",
        dedup_key=f"dbt_test:{severity}:" + _digest("|".join(names)),
        link=link,
        details={"failures": failures, "facts": {"dbt_task": task_label, "run_id": run_id}},
    )


def alert_for_source_health(health: dict) -> Alert | None:
    """The alert of a source silent beyond its freshness target (None when fresh)."""
    if health["status"] == "fresh":
        return None
    severity = "error" if health["status"] == "error" else "warning"
    limit = health["error_after_hours"] if severity == "error" else health["warn_after_hours"]
    last_new = _iso(health.get("last_new_article_at")) or "never"
    return Alert(
        kind="source_freshness", severity=severity, subject=health["source_id"],
        title=(f"[{severity.upper()}] source {health['source_id']} silent for {float(health['hours_silent']):.0f} h "
               f"(target {float(limit):.0f} h); last new article: {last_new}"),
        dedup_key=f"source_freshness:{health['source_id']}:{severity}",
        details={"facts": {
            "source_id": health["source_id"], "hours_silent": float(health["hours_silent"]),
            "warn_after_hours": float(health["warn_after_hours"]),
            "error_after_hours": float(health["error_after_hours"]),
            "last_run_at": _iso(health.get("last_run_at")) or "never",
            "last_succeeded_run_at": _iso(health.get("last_succeeded_run_at")) or "never",
            "last_new_article_at": last_new,
            "last_run_error": health.get("last_run_error") or "-"},
            "hint": "Check the scrape_news runs of this source (raw.scrape_runs, Airflow logs) and its "
                    "feed or listing pages (`clusterwatch sources check`)."},
    )


def list_alerts(database_url: str, *, limit: int = 50, status: str | None = None) -> list[dict]:
    """Recent alerts with their delivery state per target (status: pending|delivered|undeliverable)."""
    with connect(database_url) as conn:
        rows = conn.execute(
            """select a.alert_id, a.kind, a.severity, a.subject, a.batch_id, a.last_batch_id, a.title,
                      a.occurrences, a.first_seen_at, a.last_seen_at, a.link,
                      coalesce(json_agg(json_build_object('target', o.target_label, 'status', o.status,
                          'attempts', o.attempts, 'last_error', o.last_error, 'delivered_at', o.delivered_at)
                          order by o.target_key) filter (where o.alert_id is not null), '[]')
               from monitoring.alerts a left join monitoring.alert_outbox o using (alert_id)
               group by a.alert_id
               having %s::text is null or bool_or(o.status = %s)
               order by a.first_seen_at desc limit %s""", (status, status, limit)).fetchall()
    keys = ("alert_id", "kind", "severity", "subject", "batch_id", "last_batch_id", "title", "occurrences",
            "first_seen_at", "last_seen_at", "link", "deliveries")
    return [dict(zip(keys, row)) for row in rows]
