"""Provision Metabase for clusterwatch through its REST API, idempotently:

1. wait for `GET /api/health`;
2. first start: create the admin with the setup token (`GET /api/session/properties`,
   `POST /api/setup`); later: log in (`POST /api/session`);
3. add (or update) the warehouse as a PostgreSQL database with the *analyst* login
   (CLUSTERWATCH_ANALYST_USER / CLUSTERWATCH_ANALYST_PASSWORD, a member of the read-only
   role `clusterwatch_analyst`), schemas limited to `marts`, then ask for a schema sync;
4. create (or update) the collection, one native-SQL card per entry of dashboard.json and
   the "Clusters overview" dashboard, placing the cards on its grid.

Run by the `metabase-provision` service of docker-compose.yml after Metabase is healthy;
by hand: `python docker/metabase/provision.py` with the variables below. Every object is
found by name and updated in place, so a second run changes nothing and edits made in the
Metabase UI to these cards are overwritten (copy a card to change it).

Environment: METABASE_URL, METABASE_ADMIN_EMAIL, METABASE_ADMIN_PASSWORD,
METABASE_WAREHOUSE_HOST, METABASE_WAREHOUSE_PORT, METABASE_WAREHOUSE_DB,
CLUSTERWATCH_ANALYST_USER, CLUSTERWATCH_ANALYST_PASSWORD; optional
METABASE_DASHBOARD_FILE (default: dashboard.json beside this file).
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

DATABASE_NAME = "clusterwatch warehouse"
DEFINITION = Path(__file__).with_name("dashboard.json")


class MetabaseError(RuntimeError):
    pass


@dataclass(frozen=True)
class Settings:
    url: str
    admin_email: str
    admin_password: str
    warehouse_host: str
    warehouse_port: int
    warehouse_db: str
    analyst_user: str
    analyst_password: str
    definition: Path

    @classmethod
    def from_env(cls, env=os.environ) -> Settings:
        missing = [name for name in ("METABASE_ADMIN_PASSWORD", "CLUSTERWATCH_ANALYST_PASSWORD")
                   if not env.get(name)]
        if missing:
            raise MetabaseError(f"set {', '.join(missing)} (secrets: .env, docs/deployment.md)")
        return cls(
            url=(env.get("METABASE_URL") or "http://localhost:3000").rstrip("/"),
            admin_email=env.get("METABASE_ADMIN_EMAIL") or "admin@example.org",
            admin_password=env["METABASE_ADMIN_PASSWORD"],
            warehouse_host=env.get("METABASE_WAREHOUSE_HOST") or "postgres",
            warehouse_port=int(env.get("METABASE_WAREHOUSE_PORT") or 5432),
            warehouse_db=env.get("METABASE_WAREHOUSE_DB") or "clusterwatch",
            analyst_user=env.get("CLUSTERWATCH_ANALYST_USER") or "clusterwatch_bi",
            analyst_password=env["CLUSTERWATCH_ANALYST_PASSWORD"],
            definition=Path(env.get("METABASE_DASHBOARD_FILE") or DEFINITION),
        )


class Metabase:
    """The few documented endpoints this script uses, with a session header once logged in."""

    def __init__(self, base_url: str, timeout: float = 30):
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()
        self.timeout = timeout

    def call(self, method: str, path: str, payload=None, params=None):
        response = self.http.request(method, self.base_url + path, json=payload, params=params,
                                     timeout=self.timeout)
        if response.status_code >= 400:
            raise MetabaseError(f"{method} {path}: HTTP {response.status_code}: {response.text[:300]}")
        return response.json() if response.content else None

    def wait_until_healthy(self, timeout: float = 600, interval: float = 2) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                response = self.http.get(self.base_url + "/api/health", timeout=10)
                if response.ok and response.json().get("status") == "ok":
                    return
            except (requests.RequestException, ValueError):
                pass
            if time.monotonic() > deadline:
                raise MetabaseError(f"Metabase at {self.base_url} not healthy after {timeout:.0f} s")
            time.sleep(interval)

    def log_in(self, email: str, password: str, site_name: str = "clusterwatch") -> str:
        """Set up the first admin on a new Metabase, or log in to a set-up one."""
        properties = self.call("GET", "/api/session/properties")
        if not properties.get("has-user-setup") and properties.get("setup-token"):
            session = self.call("POST", "/api/setup", {
                "token": properties["setup-token"],
                "user": {"email": email, "password": password, "first_name": "clusterwatch",
                         "last_name": "admin", "site_name": site_name},
                "prefs": {"site_name": site_name, "site_locale": "fr", "allow_tracking": False},
            })
            how = "setup"
        else:
            session = self.call("POST", "/api/session", {"username": email, "password": password})
            how = "login"
        self.http.headers["X-Metabase-Session"] = session["id"]
        return how

    @staticmethod
    def _data(answer):
        # Lists come bare from some endpoints and as {"data": [...]} from others.
        return answer.get("data", []) if isinstance(answer, dict) else answer

    def ensure_database(self, name: str, details: dict) -> tuple[int, str]:
        payload = {"engine": "postgres", "name": name, "details": details,
                   "is_full_sync": True, "auto_run_queries": True}
        for database in self._data(self.call("GET", "/api/database")):
            if database.get("name") == name:
                self.call("PUT", f"/api/database/{database['id']}", payload)
                return database["id"], "updated"
        return self.call("POST", "/api/database", payload)["id"], "created"

    def sync_schema(self, database_id: int) -> None:
        self.call("POST", f"/api/database/{database_id}/sync_schema")

    def ensure_collection(self, name: str, description: str) -> tuple[int, str]:
        for collection in self._data(self.call("GET", "/api/collection")):
            if collection.get("name") == name and not collection.get("archived") \
                    and isinstance(collection.get("id"), int):
                return collection["id"], "found"
        created = self.call("POST", "/api/collection", {"name": name, "description": description})
        return created["id"], "created"

    def items(self, collection_id: int, model: str) -> dict[str, int]:
        answer = self.call("GET", f"/api/collection/{collection_id}/items", params={"models": model})
        return {item["name"]: item["id"] for item in self._data(answer) if item.get("model", model) == model}

    def ensure_card(self, card: dict, database_id: int, collection_id: int, existing: dict[str, int]) -> tuple[int, str]:
        payload = {
            "name": card["name"],
            "description": card.get("description"),
            "display": card["display"],
            "visualization_settings": card.get("visualization_settings", {}),
            "collection_id": collection_id,
            "dataset_query": {"type": "native", "database": database_id,
                              "native": {"query": card["sql"], "template-tags": {}}},
        }
        if card["name"] in existing:
            card_id = existing[card["name"]]
            self.call("PUT", f"/api/card/{card_id}", payload)
            return card_id, "updated"
        return self.call("POST", "/api/card", payload)["id"], "created"

    def ensure_dashboard(self, dashboard: dict, collection_id: int, existing: dict[str, int]) -> tuple[int, str]:
        payload = {"name": dashboard["name"], "description": dashboard.get("description"),
                   "collection_id": collection_id}
        if dashboard["name"] in existing:
            dashboard_id = existing[dashboard["name"]]
            self.call("PUT", f"/api/dashboard/{dashboard_id}", payload)
            return dashboard_id, "updated"
        return self.call("POST", "/api/dashboard", payload)["id"], "created"

    def place_cards(self, dashboard_id: int, placements: list[tuple[int, dict]]) -> None:
        """Set the dashboard's cards (PUT with the whole list): a card already on it keeps
        its dashcard id, new ones get negative ids, cards no longer defined are removed."""
        current = self.call("GET", f"/api/dashboard/{dashboard_id}")
        by_card = {dashcard["card_id"]: dashcard["id"] for dashcard in current.get("dashcards", [])}
        dashcards = []
        for position, (card_id, layout) in enumerate(placements, start=1):
            dashcards.append({"id": by_card.get(card_id, -position), "card_id": card_id,
                              "row": layout["row"], "col": layout["col"],
                              "size_x": layout["size_x"], "size_y": layout["size_y"],
                              "parameter_mappings": [], "visualization_settings": {}})
        self.call("PUT", f"/api/dashboard/{dashboard_id}", {"dashcards": dashcards})


def load_definition(path: Path) -> dict:
    definition = json.loads(path.read_text(encoding="utf-8"))
    names = [card["name"] for card in definition["cards"]]
    if len(set(names)) != len(names):
        raise MetabaseError(f"{path}: card names must be unique (they are how cards are found again)")
    for card in definition["cards"]:
        missing = {"key", "name", "display", "sql", "columns", "layout"} - set(card)
        if missing:
            raise MetabaseError(f"{path}: card {card.get('name')!r} lacks {sorted(missing)}")
    return definition


def provision(settings: Settings, client: Metabase | None = None, health_timeout: float = 600) -> dict:
    definition = load_definition(settings.definition)
    client = client or Metabase(settings.url)
    client.wait_until_healthy(health_timeout)
    how = client.log_in(settings.admin_email, settings.admin_password)
    database_id, database_state = client.ensure_database(DATABASE_NAME, {
        "host": settings.warehouse_host, "port": settings.warehouse_port,
        "dbname": settings.warehouse_db,
        # The analyst login, never the owner: Metabase sees what BI users may see.
        "user": settings.analyst_user, "password": settings.analyst_password,
        "ssl": False, "tunnel-enabled": False, "advanced-options": False,
        "schema-filters-type": "inclusion", "schema-filters-patterns": "marts",
    })
    client.sync_schema(database_id)
    collection = definition["collection"]
    collection_id, _ = client.ensure_collection(collection["name"], collection.get("description", ""))
    existing_cards = client.items(collection_id, "card")
    cards, placements = {}, []
    for card in definition["cards"]:
        card_id, state = client.ensure_card(card, database_id, collection_id, existing_cards)
        cards[card["key"]] = {"id": card_id, "state": state}
        placements.append((card_id, card["layout"]))
    dashboard_id, dashboard_state = client.ensure_dashboard(
        definition["dashboard"], collection_id, client.items(collection_id, "dashboard"))
    client.place_cards(dashboard_id, placements)
    return {"session": how, "database_id": database_id, "database": database_state,
            "collection_id": collection_id, "cards": cards, "dashboard_id": dashboard_id,
            "dashboard": dashboard_state,
            "dashboard_url": f"{settings.url}/dashboard/{dashboard_id}"}


def main() -> int:
    try:
        result = provision(Settings.from_env())
    except (MetabaseError, requests.RequestException) as exc:
        print(f"metabase provisioning failed: {exc}", file=sys.stderr)
        return 1
    print(f"Metabase: database {result['database']}, dashboard {result['dashboard']}: {result['dashboard_url']}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
