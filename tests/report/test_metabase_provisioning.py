"""The Metabase dashboard shipped as code (docker/metabase/): every card's SQL runs as the
analyst on a real warehouse and returns the columns the card declares; the provisioning
script's requests are checked against a small local HTTP server that implements the
Metabase endpoints it uses, as Metabase documents them. No live Metabase runs here (no
Docker engine): docs/report.md says so."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from clusterwatch.report.connection import analyst_url, connect_as_analyst

REPO = Path(__file__).resolve().parents[2]
METABASE_DIR = REPO / "docker" / "metabase"


def load_provision():
    spec = importlib.util.spec_from_file_location("metabase_provision", METABASE_DIR / "provision.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


provision = load_provision()
DEFINITION = provision.load_definition(METABASE_DIR / "dashboard.json")


@pytest.mark.postgres
@pytest.mark.parametrize("card", DEFINITION["cards"], ids=lambda card: card["key"])
def test_card_sql_runs_as_the_analyst_with_its_columns(card, report_warehouse, analyst_login):
    with connect_as_analyst(analyst_url(report_warehouse, analyst_login, "")) as conn:
        cursor = conn.execute(card["sql"])
        assert [column.name for column in cursor.description] == card["columns"]
        assert cursor.fetchall(), f"{card['key']}: no rows on a warehouse that has data"


def test_definition_places_every_card_on_the_grid():
    cells = set()
    for card in DEFINITION["cards"]:
        layout = card["layout"]
        assert 0 <= layout["col"] and layout["col"] + layout["size_x"] <= 24, card["key"]
        for row in range(layout["row"], layout["row"] + layout["size_y"]):
            for col in range(layout["col"], layout["col"] + layout["size_x"]):
                assert (row, col) not in cells, f"{card['key']} overlaps another card"
                cells.add((row, col))
        assert re.search(r"\bmarts\.", card["sql"]), f"{card['key']} reads outside marts?"
    assert DEFINITION["dashboard"]["name"] == "Clusters overview"


# -- a local stand-in for the Metabase REST API (only the endpoints provision.py uses) ----

class FakeMetabase:
    OPEN = {("GET", "/api/health"), ("GET", "/api/session/properties"), ("POST", "/api/setup"),
            ("POST", "/api/session")}

    def __init__(self, healthy: bool = True):
        self.healthy = healthy
        self.setup_token = uuid.uuid4().hex
        self.admin = None
        self.sessions: set[str] = set()
        self.objects = {"database": {}, "collection": {}, "card": {}, "dashboard": {}}
        self.next_id = 1
        self.requests: list[tuple[str, str, bool]] = []  # method, path, had a valid session
        self.lock = threading.Lock()

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def handle(self, method: str, path: str, query: dict, body, session: str | None):
        authorised = session in self.sessions
        self.requests.append((method, path, authorised))
        if (method, path) not in self.OPEN and not authorised:
            return 401, "Unauthenticated"
        match = re.fullmatch(r"/api/(database|collection|card|dashboard)(?:/(\d+))?(/\w+)?", path)
        if (method, path) == ("GET", "/api/health"):
            return (200, {"status": "ok"}) if self.healthy else (503, {"status": "initializing"})
        if (method, path) == ("GET", "/api/session/properties"):
            return 200, {"has-user-setup": self.admin is not None,
                         "setup-token": None if self.admin else self.setup_token}
        if (method, path) == ("POST", "/api/setup"):
            if self.admin or body.get("token") != self.setup_token:
                return 403, "bad setup token"
            self.admin = (body["user"]["email"], body["user"]["password"])
            return 200, {"id": self._session()}
        if (method, path) == ("POST", "/api/session"):
            if (body.get("username"), body.get("password")) != self.admin:
                return 401, {"errors": {"password": "did not match"}}
            return 200, {"id": self._session()}
        if path.startswith("/api/collection/") and path.endswith("/items"):
            collection_id = int(path.split("/")[3])
            model = query.get("models", [None])[0]
            return 200, {"data": [{"id": obj["id"], "name": obj["name"], "model": kind}
                                  for kind in ("card", "dashboard") if kind == model
                                  for obj in self.objects[kind].values()
                                  if obj.get("collection_id") == collection_id]}
        if not match:
            return 404, "not found"
        kind, object_id, action = match.group(1), match.group(2), match.group(3)
        store = self.objects[kind]
        if method == "GET" and object_id is None:
            listing = list(store.values())
            return 200, {"data": listing, "total": len(listing)} if kind == "database" else listing
        if method == "POST" and object_id is None:
            created = dict(body, id=self.new_id())
            if kind == "card":
                query_ = body["dataset_query"]
                assert query_["type"] == "native" and query_["database"] in self.objects["database"]
            if kind == "dashboard":
                created["dashcards"] = []
            store[created["id"]] = created
            return 200, created
        object_id = int(object_id)
        if object_id not in store:
            return 404, "not found"
        if method == "POST" and kind == "database" and action == "/sync_schema":
            store[object_id]["synced"] = store[object_id].get("synced", 0) + 1
            return 200, {"status": "ok"}
        if method == "GET":
            return 200, store[object_id]
        if method == "PUT":
            if kind == "dashboard" and "dashcards" in body:
                placed = []
                for dashcard in body["dashcards"]:
                    dashcard = dict(dashcard)
                    if dashcard["id"] < 0:
                        dashcard["id"] = self.new_id()
                    assert dashcard["card_id"] in self.objects["card"]
                    placed.append(dashcard)
                store[object_id]["dashcards"] = placed
            else:
                store[object_id].update(body)
            return 200, store[object_id]
        return 405, "method not allowed"

    def _session(self) -> str:
        token = uuid.uuid4().hex
        self.sessions.add(token)
        return token


@pytest.fixture
def metabase():
    fake = FakeMetabase()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self):
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            with fake.lock:
                status, answer = fake.handle(self.command, parts.path, parse_qs(parts.query), body,
                                             self.headers.get("X-Metabase-Session"))
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = _serve

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield fake
    server.shutdown()
    server.server_close()


def settings_for(fake, **overrides):
    env = {"METABASE_URL": fake.url, "METABASE_ADMIN_EMAIL": "ops@example.org",
           "METABASE_ADMIN_PASSWORD": "s3cret-admin-pw", "METABASE_WAREHOUSE_HOST": "postgres",
           "METABASE_WAREHOUSE_PORT": "5432", "METABASE_WAREHOUSE_DB": "clusterwatch",
           "CLUSTERWATCH_ANALYST_USER": "clusterwatch_bi",
           "CLUSTERWATCH_ANALYST_PASSWORD": "analyst-pw", **overrides}
    return provision.Settings.from_env(env)


def test_first_run_sets_up_metabase_with_the_analyst_login_and_the_dashboard(metabase):
    result = provision.provision(settings_for(metabase), health_timeout=5)
    assert result["session"] == "setup" and metabase.admin == ("ops@example.org", "s3cret-admin-pw")
    (database,) = metabase.objects["database"].values()
    assert database["engine"] == "postgres" and database["name"] == "clusterwatch warehouse"
    details = database["details"]
    assert (details["host"], details["port"], details["dbname"]) == ("postgres", 5432, "clusterwatch")
    assert (details["user"], details["password"]) == ("clusterwatch_bi", "analyst-pw")
    assert (details["schema-filters-type"], details["schema-filters-patterns"]) == ("inclusion", "marts")
    assert database["synced"] == 1
    cards = metabase.objects["card"]
    assert sorted(card["name"] for card in cards.values()) == sorted(c["name"] for c in DEFINITION["cards"])
    by_name = {card["name"]: card for card in cards.values()}
    for definition in DEFINITION["cards"]:
        card = by_name[definition["name"]]
        assert card["dataset_query"]["native"]["query"] == definition["sql"]
        assert card["dataset_query"]["database"] == database["id"]
        assert card["display"] == definition["display"]
        assert card["collection_id"] == result["collection_id"]
    (dashboard,) = metabase.objects["dashboard"].values()
    assert dashboard["name"] == "Clusters overview"
    assert [(d["card_id"], d["row"], d["col"], d["size_x"], d["size_y"]) for d in dashboard["dashcards"]] == [
        (result["cards"][c["key"]]["id"], c["layout"]["row"], c["layout"]["col"], c["layout"]["size_x"],
         c["layout"]["size_y"]) for c in DEFINITION["cards"]]
    assert result["dashboard_url"] == f"{metabase.url}/dashboard/{dashboard['id']}"
    # Before logging in only the open endpoints are called; after, every call has the session.
    first_authorised = next(i for i, (_, _, ok) in enumerate(metabase.requests) if ok)
    assert [r[:2] for r in metabase.requests[:first_authorised]] == [
        ("GET", "/api/health"), ("GET", "/api/session/properties"), ("POST", "/api/setup")]
    assert all(ok for _, _, ok in metabase.requests[first_authorised:])


def test_second_run_logs_in_and_changes_nothing_but_updates(metabase):
    first = provision.provision(settings_for(metabase), health_timeout=5)
    dashcards = [d["id"] for d in metabase.objects["dashboard"][first["dashboard_id"]]["dashcards"]]
    counts = {kind: len(store) for kind, store in metabase.objects.items()}
    second = provision.provision(settings_for(metabase, CLUSTERWATCH_ANALYST_PASSWORD="rotated-pw"),
                                 health_timeout=5)
    assert second["session"] == "login"
    assert {kind: len(store) for kind, store in metabase.objects.items()} == counts
    assert second["database"] == "updated" and second["dashboard"] == "updated"
    assert {card["state"] for card in second["cards"].values()} == {"updated"}
    assert [d["id"] for d in metabase.objects["dashboard"][second["dashboard_id"]]["dashcards"]] == dashcards
    # A rotated analyst password reaches Metabase on the next run.
    assert metabase.objects["database"][second["database_id"]]["details"]["password"] == "rotated-pw"


def test_unhealthy_metabase_and_missing_secrets_fail_clearly(metabase):
    metabase.healthy = False
    client = provision.Metabase(metabase.url)
    with pytest.raises(provision.MetabaseError, match="not healthy"):
        client.wait_until_healthy(timeout=0.5, interval=0.1)
    with pytest.raises(provision.MetabaseError, match="METABASE_ADMIN_PASSWORD"):
        provision.Settings.from_env({"CLUSTERWATCH_ANALYST_PASSWORD": "x"})
    metabase.healthy = True
    metabase.admin = ("ops@example.org", "another-password")
    with pytest.raises(provision.MetabaseError, match="POST /api/session: HTTP 401"):
        provision.provision(settings_for(metabase), health_timeout=5)


def test_compose_runs_the_provisioning_after_metabase_with_the_analyst_login():
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    service = compose["services"]["metabase-provision"]
    assert service["command"] == ["python", "/opt/clusterwatch/docker/metabase/provision.py"]
    assert service["depends_on"]["metabase"]["condition"] == "service_healthy"
    assert service.get("restart") == "no"
    env = service["environment"]
    assert env["METABASE_URL"] == "http://metabase:3000"
    assert env["CLUSTERWATCH_ANALYST_USER"].startswith("${CLUSTERWATCH_ANALYST_USER")
    assert env["CLUSTERWATCH_ANALYST_PASSWORD"].startswith("${CLUSTERWATCH_ANALYST_PASSWORD:?")
    assert env["METABASE_ADMIN_PASSWORD"].startswith("${METABASE_ADMIN_PASSWORD:?")
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "COPY --chown=airflow:0 docker/metabase/ /opt/clusterwatch/docker/metabase/" in dockerfile
