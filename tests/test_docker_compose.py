"""The team deployment (docker-compose.yml, Dockerfile, .env.example, docker/**).

No Docker engine runs where these tests run, so the compose file is checked as data:
services, healthchecks, dependencies, variables and secrets. Compose's `${VAR}`
interpolation is reimplemented here (small, the documented forms only) so that tests can
resolve the file against `.env.example` and against a missing secret.

The two init scripts are real code and run for real against PostgreSQL (marker
`postgres`): `docker/postgres/init.sh` with psql 16 (the one the pgserver package ships),
`docker/airflow/init.sh` with this venv's Airflow, in the environment that compose gives
the `airflow-init` container, moved to a throwaway server, databases and folders.
"""

from __future__ import annotations

import ast
import json
import os
import re
import secrets
import shutil
import stat
import subprocess
import sys
import tomllib
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
COMPOSE_FILE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / ".env.example"
DOCKERFILE = REPO / "Dockerfile"
POSTGRES_INIT = REPO / "docker" / "postgres" / "init.sh"
AIRFLOW_INIT = REPO / "docker" / "airflow" / "init.sh"

AIRFLOW_IMAGE = "apache/airflow:3.3.2-python3.11"
REQUIRED_SERVICES = {
    "postgres",
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "mailpit",
    "metabase",
}
AIRFLOW_SERVICES = {
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
}
ONE_SHOT_SERVICES = {"airflow-init"}
# Not built from the Airflow anchor: adds the warehouse and the dashboard to Metabase,
# then exits (tests/report/test_metabase_provisioning.py checks it).
OTHER_ONE_SHOT_SERVICES = {"metabase-provision"}
# The `celery` profile (docs/scaling.md): off unless COMPOSE_PROFILES names it.
CELERY_SERVICES = {"redis", "airflow-worker"}
# Read by docker compose itself, not interpolated in the file.
COMPOSE_OWN_VARIABLES = {"COMPOSE_PROFILES"}

# A variable or key whose value is a credential.
SECRET_NAME = re.compile(
    r"PASSWORD|PASSWD|(^|_)PASS$|SECRET|FERNET_KEY|TOKEN|ENCRYPTION|PRIVATE_KEY|WEBHOOK_URL"
)
# Keys that name a secret's location, not the secret.
NOT_A_SECRET = re.compile(r"_FILE$|_USER(NAME)?$")
PLACEHOLDER_PREFIX = "change-me"

# Packages whose environment reads must all be listed in .env.example, and what names count.
CODE_DIRS = ("clusterwatch", "scrapers", "expectations", "ingest", "dags")
PLATFORM_VARIABLE = re.compile(r"(CLUSTERWATCH|DBT_ENV)_[A-Z0-9_]*[A-Z0-9]")
# The environment contract of ARCHITECTURE.md and the deployment brief: listed in
# .env.example whether or not the code reading them has landed yet.
CONTRACT_VARIABLES = {
    "CLUSTERWATCH_DATABASE_URL",
    "CLUSTERWATCH_HOME",
    "CLUSTERWATCH_TEST_DATABASE_URL",
    "CLUSTERWATCH_AIRFLOW_DATABASE_URL",
    "CLUSTERWATCH_AIRFLOW_PORT",
    "CLUSTERWATCH_AIRFLOW_PARALLELISM",
    "CLUSTERWATCH_EMBEDDED_PG_PORT",
    "CLUSTERWATCH_SOURCES_DIR",
    "CLUSTERWATCH_HTTP_TIMEOUT",
    "CLUSTERWATCH_SMTP_HOST",
    "CLUSTERWATCH_SMTP_PORT",
    "CLUSTERWATCH_SMTP_USER",
    "CLUSTERWATCH_SMTP_PASSWORD",
    "CLUSTERWATCH_SMTP_FROM",
    "CLUSTERWATCH_ALERT_EMAILS",
    "CLUSTERWATCH_ALERT_WEBHOOK_URLS",
    "CLUSTERWATCH_SLACK_WEBHOOK_URL",
    "CLUSTERWATCH_DBT_TARGET",
    "DBT_ENV_SECRET_PG_PASSWORD",
}


# -- compose interpolation ----------------------------------------------------------


class MissingVariable(Exception):
    def __init__(self, name: str, message: str):
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


_BRACED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])(.*))?", re.DOTALL)
_BARE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _scan(text: str):
    """Yield ('text', str) and ('ref', name, operator, argument) tokens of compose syntax:
    `$$` is a literal `$`; `${NAME}`, `${NAME:-default}`, `${NAME-default}`,
    `${NAME:?message}`, `${NAME?message}`, `${NAME:+alt}`, `${NAME+alt}`; `$NAME`."""
    i = 0
    while i < len(text):
        dollar = text.find("$", i)
        if dollar < 0:
            yield ("text", text[i:])
            return
        if dollar > i:
            yield ("text", text[i:dollar])
        following = text[dollar + 1 : dollar + 2]
        if following == "$":
            yield ("text", "$")
            i = dollar + 2
        elif following == "{":
            depth, j = 1, dollar + 2
            while j < len(text) and depth:
                depth += {"{": 1, "}": -1}.get(text[j], 0)
                j += 1
            if depth:
                raise ValueError(f"unclosed ${{ in {text!r}")
            match = _BRACED.fullmatch(text[dollar + 2 : j - 1])
            if not match:
                raise ValueError(f"invalid interpolation {text[dollar:j]!r}")
            yield ("ref", match.group(1), match.group(2), match.group(3))
            i = j
        elif match := _BARE.match(text, dollar + 1):
            yield ("ref", match.group(0), None, None)
            i = match.end()
        else:
            yield ("text", "$")
            i = dollar + 1


def references(text: str) -> list[tuple[str, str | None, str | None]]:
    """Every (name, operator, argument) referenced in `text`, nested defaults included."""
    found = []
    for token in _scan(text):
        if token[0] == "ref":
            found.append(token[1:])
            if token[3]:
                found.extend(references(token[3]))
    return found


def interpolate(text: str, env: dict[str, str]) -> str:
    out = []
    for token in _scan(text):
        if token[0] == "text":
            out.append(token[1])
            continue
        _, name, op, arg = token
        value = env.get(name)
        if op is None:
            out.append(value or "")
        elif op == ":-":
            out.append(value if value else interpolate(arg, env))
        elif op == "-":
            out.append(value if value is not None else interpolate(arg, env))
        elif op in (":?", "?"):
            if value is None or (op == ":?" and value == ""):
                raise MissingVariable(name, arg)
            out.append(value)
        elif op == ":+":
            out.append(interpolate(arg, env) if value else "")
        elif op == "+":
            out.append(interpolate(arg, env) if value is not None else "")
    return "".join(out)


def walk_strings(node, path=()):
    """(path, string) for every string value of a parsed YAML document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk_strings(value, path + (str(key),))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk_strings(value, path + (str(index),))
    elif isinstance(node, str):
        yield path, node


def environment_of(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def resolve(node, env: dict[str, str]):
    if isinstance(node, dict):
        return {key: resolve(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(value, env) for value in node]
    if isinstance(node, str):
        return interpolate(node, env)
    return node


# -- files ----------------------------------------------------------------------------


def parse_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines (values may be double-quoted); comments and blank lines skipped."""
    values = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)", line)
        assert match, f"{path.name}:{number}: not KEY=value: {line!r}"
        key, value = match.groups()
        assert key not in values, f"{path.name}:{number}: {key} listed twice"
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        values[key] = value
    return values


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    return parse_env_file(ENV_EXAMPLE)


@pytest.fixture(scope="module")
def compose_references(compose) -> list[tuple[str, str | None, str | None]]:
    found = []
    for _, text in walk_strings(compose):
        found.extend(references(text))
    return found


def depends_on(service: dict) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {name: "service_started" for name in deps}
    return {name: spec.get("condition", "service_started") for name, spec in deps.items()}


def healthcheck_command(service: dict) -> str:
    test = (service.get("healthcheck") or {}).get("test")
    if isinstance(test, list):
        assert test and test[0] in ("CMD", "CMD-SHELL"), (
            f"healthcheck test must start with CMD or CMD-SHELL: {test}"
        )
        return " ".join(test[1:])
    return test or ""


# -- services -------------------------------------------------------------------------


def test_required_services_exist(services):
    missing = REQUIRED_SERVICES - set(services)
    assert not missing, f"missing services: {sorted(missing)}"


def test_every_long_running_service_has_a_healthcheck(services):
    for name, service in services.items():
        if name in ONE_SHOT_SERVICES | OTHER_ONE_SHOT_SERVICES:
            assert service.get("restart", "no") == "no", f"{name} runs once: it must not restart"
            continue
        healthcheck = service.get("healthcheck") or {}
        assert not healthcheck.get("disable"), f"{name}: healthcheck disabled"
        command = healthcheck_command(service)
        assert command.strip() and command != "NONE", f"{name}: no healthcheck test"


@pytest.mark.parametrize(
    ("service", "expected"),
    [
        ("postgres", "pg_isready"),
        ("airflow-apiserver", "http://localhost:8080/api/v2/monitor/health"),
        ("airflow-scheduler", "airflow jobs check --job-type SchedulerJob --local"),
        ("airflow-dag-processor", "airflow jobs check --job-type DagProcessorJob --local"),
        ("airflow-triggerer", "airflow jobs check --job-type TriggererJob --local"),
        ("mailpit", "http://localhost:8025/readyz"),
        ("metabase", "http://localhost:3000/api/health"),
    ],
)
def test_healthcheck_probes_the_service_itself(services, service, expected):
    assert expected in healthcheck_command(services[service])


def test_http_healthchecks_fail_on_http_errors(services):
    """curl exits 0 on a 500 unless told --fail; wget fails by itself."""
    for name, service in services.items():
        command = healthcheck_command(service)
        if command.startswith("curl"):
            assert "--fail" in command.split() or "-f" in command.split(), (
                f"{name}: curl without --fail"
            )


def test_airflow_services_are_built_from_the_project(services):
    for name in AIRFLOW_SERVICES | ONE_SHOT_SERVICES:
        build = services[name].get("build")
        assert isinstance(build, dict), f"{name}: no build section"
        assert build.get("context") == ".", f"{name}: build context is not the repository"
        assert build.get("dockerfile", "Dockerfile") == "Dockerfile"
    images = {services[name].get("image") for name in AIRFLOW_SERVICES | ONE_SHOT_SERVICES}
    assert len(images) == 1, f"the Airflow services should share one image tag, got {images}"


@pytest.mark.parametrize("name", sorted(AIRFLOW_SERVICES))
def test_airflow_services_wait_for_postgres_and_init(services, name):
    deps = depends_on(services[name])
    assert deps.get("postgres") == "service_healthy"
    assert deps.get("airflow-init") == "service_completed_successfully"


def test_airflow_init_runs_once_after_postgres(services):
    init = services["airflow-init"]
    assert depends_on(init) == {"postgres": "service_healthy"}
    assert init.get("restart") == "no"
    command = init.get("command")
    command = " ".join(command) if isinstance(command, list) else command
    assert "/opt/clusterwatch/docker/airflow/init.sh" in command


def test_each_airflow_component_runs_its_command(services):
    expected = {
        "airflow-apiserver": "api-server",
        "airflow-scheduler": "scheduler",
        "airflow-dag-processor": "dag-processor",
        "airflow-triggerer": "triggerer",
    }
    for name, command in expected.items():
        got = services[name].get("command")
        got = " ".join(got) if isinstance(got, list) else got
        assert got == command, f"{name} runs {got!r}"
    assert any(
        str(port).endswith(":8080") for port in services["airflow-apiserver"].get("ports", [])
    )


def test_airflow_environment(services, env_example):
    for name in AIRFLOW_SERVICES | ONE_SHOT_SERVICES:
        env = resolve(
            environment_of(services[name]), env_example | {"CLUSTERWATCH_AIRFLOW_PARALLELISM": ""}
        )
        assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
        assert env["AIRFLOW__CORE__PARALLELISM"] == "4", (
            "parallelism must default to 4 (2-core machines)"
        )
        assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
        assert (
            env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"]
            == "http://airflow-apiserver:8080/execution/"
        )
        assert env["AIRFLOW__COSMOS__ENABLE_TELEMETRY"] == "False"
        assert env["CLUSTERWATCH_HOME"] == "/opt/airflow/clusterwatch-home"
        assert env["DBT_PROJECT_DIR"] == "/opt/clusterwatch/dbt_project"
        for key in (
            "AIRFLOW__CORE__FERNET_KEY",
            "AIRFLOW__API_AUTH__JWT_SECRET",
            "AIRFLOW__API__SECRET_KEY",
        ):
            assert env[key], f"{name}: {key} empty"

        metadata = urlsplit(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
        assert metadata.scheme == "postgresql+psycopg2"
        assert (metadata.hostname, metadata.port, metadata.path) == (
            "postgres",
            5432,
            "/clusterwatch_airflow",
        )
        assert metadata.password == env_example["POSTGRES_PASSWORD"]
        for key in ("CLUSTERWATCH_DATABASE_URL", "AIRFLOW_CONN_WAREHOUSE_POSTGRES"):
            warehouse = urlsplit(env[key])
            assert (warehouse.hostname, warehouse.port, warehouse.path) == (
                "postgres",
                5432,
                "/clusterwatch",
            ), key
        assert urlsplit(env["CLUSTERWATCH_AIRFLOW_DATABASE_URL"]).path == metadata.path
        assert env["DBT_ENV_SECRET_PG_PASSWORD"] == env_example["POSTGRES_PASSWORD"]


def test_alert_mail_goes_to_mailpit_by_default(services):
    mailpit_ports = {str(port).rsplit(":", 1)[-1] for port in services["mailpit"]["ports"]}
    assert {"1025", "8025"} <= mailpit_ports
    for name in AIRFLOW_SERVICES:
        # Only the secrets given: every other variable takes its compose default.
        only_secrets = {
            name: "x"
            for name in (
                "POSTGRES_PASSWORD",
                "AIRFLOW__CORE__FERNET_KEY",
                "AIRFLOW__API_AUTH__JWT_SECRET",
                "AIRFLOW__API__SECRET_KEY",
            )
        }
        defaults = resolve(environment_of(services[name]), only_secrets)
        assert defaults["CLUSTERWATCH_SMTP_HOST"] == "mailpit"
        assert defaults["CLUSTERWATCH_SMTP_PORT"] == "1025"
        assert defaults["AIRFLOW__SMTP__SMTP_HOST"] == "mailpit"
        assert defaults["AIRFLOW__SMTP__SMTP_PORT"] == "1025"


def test_airflow_services_get_env_file_and_the_landing_zone(services):
    for name in AIRFLOW_SERVICES | ONE_SHOT_SERVICES:
        service = services[name]
        env_files = service.get("env_file")
        env_files = [env_files] if isinstance(env_files, str) else env_files or []
        paths = [entry if isinstance(entry, str) else entry.get("path") for entry in env_files]
        assert ".env" in paths, f"{name}: no env_file .env (STYLE C10)"
        mounts = [str(volume) for volume in service.get("volumes", [])]
        assert any(m.startswith("./landing:/opt/airflow/landing") for m in mounts), (
            f"{name}: no ./landing"
        )
        assert any(m.endswith(":/opt/airflow/logs") for m in mounts), f"{name}: no logs volume"


def test_only_airflow_containers_receive_the_whole_env_file(services):
    """.env holds every secret: Metabase, Mailpit and PostgreSQL get only what they need."""
    # The Celery workers run the tasks: they need what the scheduler gets.
    for name, service in services.items():
        if name not in AIRFLOW_SERVICES | ONE_SHOT_SERVICES | {"airflow-worker"}:
            assert "env_file" not in service, f"{name} should not receive the whole .env"


def test_named_volumes_are_declared(compose, services):
    declared = set(compose.get("volumes") or {})
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = str(volume).split(":", 1)[0]
            if not source.startswith((".", "/")):
                assert source in declared, f"{name}: volume {source} not declared"
    postgres_mounts = [str(v) for v in services["postgres"]["volumes"]]
    assert any(m.endswith(":/var/lib/postgresql/data") for m in postgres_mounts)


def test_postgres_runs_the_init_script(services):
    postgres = services["postgres"]
    assert postgres["image"] == "postgres:16"
    mounts = [str(v) for v in postgres["volumes"]]
    assert any(
        m.startswith("./docker/postgres/init.sh:/docker-entrypoint-initdb.d/") for m in mounts
    )
    assert os.access(POSTGRES_INIT, os.X_OK), "docker/postgres/init.sh must be executable"
    env = environment_of(postgres)
    assert env["POSTGRES_DB"] == "clusterwatch"
    # Every variable the script requires is given to the container.
    required = set(re.findall(r'"\$\{([A-Z_]+):\?\}"', POSTGRES_INIT.read_text()))
    assert required and required <= set(env), f"init.sh needs {sorted(required - set(env))}"


def test_metabase_reaches_postgres(services):
    metabase = services["metabase"]
    env = environment_of(metabase)
    assert env["MB_DB_TYPE"] == "postgres"
    assert env["MB_DB_HOST"] == "postgres"
    assert str(env["MB_DB_PORT"]) == "5432"
    assert depends_on(metabase).get("postgres") == "service_healthy"
    postgres_env = environment_of(services["postgres"])
    assert env["MB_DB_DBNAME"] == postgres_env["METABASE_DB_NAME"]
    assert env["MB_DB_USER"] == postgres_env["METABASE_DB_USER"]
    assert env["MB_DB_PASS"] == postgres_env["METABASE_DB_PASSWORD"]
    # Both on the default network: no service leaves it.
    assert not any(
        "networks" in service or "network_mode" in service for service in services.values()
    )


def test_published_ports_bind_to_a_configurable_address(services):
    for name, service in services.items():
        for port in service.get("ports", []):
            assert str(port).startswith("${CLUSTERWATCH_BIND_ADDRESS:-127.0.0.1}:"), (
                f"{name}: {port}"
            )


def test_celery_profile_adds_a_broker_and_two_workers_on_the_same_image(services):
    """`COMPOSE_PROFILES=celery` + `CLUSTERWATCH_AIRFLOW_EXECUTOR=CeleryExecutor`: Redis
    and two airflow-workers from the project image; nothing else is in the profile, and
    the default (no profile) stays the LocalExecutor stack."""
    profiled = {name for name, service in services.items() if service.get("profiles")}
    assert profiled == CELERY_SERVICES
    for name in CELERY_SERVICES:
        assert services[name]["profiles"] == ["celery"]
    redis, worker = services["redis"], services["airflow-worker"]
    assert redis["image"].startswith("redis:") and "redis-cli" in healthcheck_command(redis)
    assert worker["command"] == "celery worker"
    assert worker["deploy"]["replicas"] == 2
    assert worker["image"] == services["airflow-scheduler"]["image"]
    assert worker["build"] == services["airflow-scheduler"]["build"]
    assert worker["volumes"] == services["airflow-scheduler"]["volumes"]  # logs, home, landing
    assert "inspect ping" in healthcheck_command(worker)
    assert depends_on(worker) == {"postgres": "service_healthy", "airflow-init": "service_completed_successfully",
                                  "redis": "service_healthy", "airflow-apiserver": "service_healthy"}


def test_the_executor_switches_with_one_variable(services, env_example):
    for name in AIRFLOW_SERVICES | {"airflow-worker"}:
        celery = resolve(environment_of(services[name]),
                         env_example | {"CLUSTERWATCH_AIRFLOW_EXECUTOR": "CeleryExecutor"})
        assert celery["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert celery["AIRFLOW__CELERY__BROKER_URL"] == "redis://redis:6379/0"
        backend = urlsplit(celery["AIRFLOW__CELERY__RESULT_BACKEND"])
        assert (backend.scheme, backend.hostname, backend.path) == (
            "db+postgresql", "postgres", "/clusterwatch_airflow")
        assert backend.password == env_example["POSTGRES_PASSWORD"]
        assert celery["AIRFLOW__CELERY__WORKER_CONCURRENCY"] == "4"
    default = resolve(environment_of(services["airflow-scheduler"]),
                      {k: v for k, v in env_example.items() if k != "CLUSTERWATCH_AIRFLOW_EXECUTOR"})
    assert default["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"


def test_the_celery_provider_is_locked():
    """The worker needs apache-airflow-providers-celery: pinned in the lock and the
    `celery` extra, so the image and a local venv get the same version."""
    lock = (REPO / "constraints.txt").read_text()
    assert re.search(r"^apache-airflow-providers-celery==\d", lock, re.M)
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert any(r.startswith("apache-airflow-providers-celery==") for r in extras["celery"])


# -- variables and secrets --------------------------------------------------------------


def test_every_compose_variable_is_in_env_example(compose_references, env_example):
    names = {name for name, _, _ in compose_references}
    missing = names - set(env_example)
    assert not missing, (
        f"referenced in docker-compose.yml but not in .env.example: {sorted(missing)}"
    )


def test_secrets_have_no_default_in_compose(compose_references):
    secret_refs = [
        (n, op)
        for n, op, _ in compose_references
        if SECRET_NAME.search(n) and not NOT_A_SECRET.search(n)
    ]
    assert {n for n, _ in secret_refs} >= {
        "POSTGRES_PASSWORD",
        "AIRFLOW__CORE__FERNET_KEY",
        "AIRFLOW__API_AUTH__JWT_SECRET",
        "AIRFLOW_ADMIN_PASSWORD",
        "CLUSTERWATCH_ANALYST_PASSWORD",
        "METABASE_DB_PASSWORD",
    }
    loose = sorted({n for n, op in secret_refs if op not in (":?", "?")})
    assert not loose, f"secrets must be ${{VAR:?...}} (no default, fail loudly): {loose}"


def test_missing_secret_stops_compose(compose, env_example):
    for name in ("POSTGRES_PASSWORD", "AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET"):
        env = {k: v for k, v in env_example.items() if k != name}
        with pytest.raises(MissingVariable) as error:
            resolve(compose, env)
        assert error.value.name == name
        assert ".env" in error.value.message
    resolve(compose, env_example)  # and with every variable given, it resolves


def test_no_literal_secret_in_compose(compose):
    for path, text in walk_strings(compose):
        key = path[-1]
        if SECRET_NAME.search(key) and not NOT_A_SECRET.search(key):
            literal = "".join(t[1] for t in _scan(text) if t[0] == "text")
            assert not literal.strip(), f"{'.'.join(path)} has a literal secret part {literal!r}"
        for user_password in re.findall(r"://([^/@\s]*)@", text):
            if ":" in user_password:
                password = user_password.split(":", 1)[1]
                tokens = list(_scan(password))
                assert len(tokens) == 1 and tokens[0][0] == "ref", (
                    f"{'.'.join(path)}: URL password must come from a variable, got {password!r}"
                )
    # Also list-style entries (`- SOME_PASSWORD=value`) and any `password: value` line.
    for line in COMPOSE_FILE.read_text().splitlines():
        match = re.match(r"\s*(?:-\s*)?[\"']?([A-Za-z0-9_]+)[\"']?\s*[:=]\s*(.*)$", line)
        if not match or line.lstrip().startswith("#"):
            continue
        key, value = match.group(1).upper(), match.group(2).strip().strip("\"'")
        if SECRET_NAME.search(key) and not NOT_A_SECRET.search(key) and value:
            literal = "".join(t[1] for t in _scan(value) if t[0] == "text")
            assert not literal.strip(), f"literal secret: {line.strip()}"


def test_env_example_values_are_placeholders(env_example):
    for name, value in env_example.items():
        if SECRET_NAME.search(name) and not NOT_A_SECRET.search(name):
            assert value == "" or value.startswith(PLACEHOLDER_PREFIX), (
                f"{name}={value!r} is not a placeholder"
            )
        # Nothing that looks like a generated key or a real webhook.
        assert not re.search(r"[A-Za-z0-9+/_=-]{32,}", value) or value.startswith(
            PLACEHOLDER_PREFIX
        ), name
        assert "hooks.slack.com/services/T" not in value, name


def test_env_example_documents_each_variable_and_groups_them():
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if re.match(r"[A-Za-z_][A-Za-z0-9_]*=", line):
            above = lines[index - 1] if index else ""
            assert above.startswith("# ") and len(above) > 6, (
                f"{line.split('=')[0]} has no comment line above it"
            )
    headers = [ln.lower() for ln in lines if ln.startswith("# ") and not ln.startswith("# -")]
    for group in ("local", "compose", "alerts", "secrets"):
        assert any(h.startswith(f"# {group}") for h in headers), (
            f"no '{group}' header in .env.example"
        )


def test_env_file_is_ignored_by_git_and_docker():
    assert ".env" in (REPO / ".gitignore").read_text().splitlines()
    assert ".env" in (REPO / ".dockerignore").read_text().splitlines()


def _platform_variables_in_code() -> dict[str, str]:
    """Every CLUSTERWATCH_* / DBT_ENV_* name the platform reads from the environment: string
    literals of the packages' Python files (os.environ.get("X"), os.getenv("X"),
    os.environ["X"], helpers such as _env_int("X", 3), env dicts handed to dbt) and
    env_var('X') calls of the dbt project."""
    found: dict[str, str] = {}
    files = [
        p
        for d in CODE_DIRS
        for p in sorted((REPO / d).rglob("*.py"))
        if "__pycache__" not in p.parts
    ]
    files.append(REPO / "tests" / "conftest.py")
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if is_text and PLATFORM_VARIABLE.fullmatch(node.value):
                found.setdefault(node.value, f"{path.relative_to(REPO)}:{node.lineno}")
    dbt = REPO / "dbt_project"
    skip = {"target", "logs", "dbt_packages"}
    for path in sorted(p for ext in ("*.yml", "*.yaml", "*.sql") for p in dbt.rglob(ext)):
        if skip & set(path.relative_to(dbt).parts):
            continue
        for name in re.findall(
            r"env_var\(\s*['\"]([A-Za-z0-9_]+)['\"]", path.read_text(encoding="utf-8")
        ):
            if name.startswith(("CLUSTERWATCH_", "DBT_ENV_")):
                found.setdefault(name, str(path.relative_to(REPO)))
    return found


def test_brief_patterns_are_found_by_the_code_scan(tmp_path):
    """The scan sees the usual ways of reading a variable (guards the scanner itself)."""
    sample = (
        "import os\n"
        'a = os.environ.get("CLUSTERWATCH_A")\n'
        'b = os.environ["CLUSTERWATCH_B"]\n'
        'c = os.getenv("DBT_ENV_SECRET_C", "x")\n'
        'd = _env_int("CLUSTERWATCH_D", 3)\n'
        'e = f"CLUSTERWATCH_{a}"\n'
    )
    tree = ast.parse(sample)
    names = {
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant)
        and isinstance(n.value, str)
        and PLATFORM_VARIABLE.fullmatch(n.value)
    }
    assert names == {"CLUSTERWATCH_A", "CLUSTERWATCH_B", "DBT_ENV_SECRET_C", "CLUSTERWATCH_D"}


def test_every_variable_the_code_reads_is_in_env_example(env_example):
    found = _platform_variables_in_code()
    assert "CLUSTERWATCH_DATABASE_URL" in found  # the scan works on the real tree
    missing = {name: where for name, where in found.items() if name not in env_example}
    assert not missing, "read by the code but not listed in .env.example: " + ", ".join(
        f"{name} ({where})" for name, where in sorted(missing.items())
    )


def test_env_example_lists_the_environment_contract(env_example):
    missing = sorted(CONTRACT_VARIABLES - set(env_example))
    assert not missing, f"contract variables missing from .env.example: {missing}"


def test_deployment_variables_in_env_example_are_used_by_compose(env_example, compose_references):
    """A deployment variable (not the platform's CLUSTERWATCH_* / DBT_* ones, which the
    code scan above covers) listed in .env.example is one docker-compose.yml reads:
    catches a typo such as METABASE_DB_PASSWROD that would leave the real one unset."""
    used = {name for name, _, _ in compose_references} | COMPOSE_OWN_VARIABLES
    platform = re.compile(r"(CLUSTERWATCH|DBT)_")
    unused = sorted(name for name in env_example if not platform.match(name) and name not in used)
    assert not unused, f"listed in .env.example but not read by docker-compose.yml: {unused}"


# -- Dockerfile -------------------------------------------------------------------------


def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    instructions = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def test_dockerfile_uses_the_pinned_airflow_image():
    froms = [rest for keyword, rest in _dockerfile_instructions() if keyword == "FROM"]
    assert froms == [AIRFLOW_IMAGE]
    version = AIRFLOW_IMAGE.split(":")[1].split("-")[0]
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert f"apache-airflow=={version}" in pyproject["project"]["dependencies"]
    constraints = (REPO / "constraints.txt").read_text().splitlines()
    assert f"apache-airflow=={version}" in constraints, "the lock must pin the image's Airflow"


def test_dockerfile_installs_the_project_with_the_lock():
    runs = [rest for keyword, rest in _dockerfile_instructions() if keyword == "RUN"]
    assert any(
        re.search(r"pip install --no-cache-dir -c constraints\.txt \.(\s|$)", run) for run in runs
    )
    copied = " ".join(rest for keyword, rest in _dockerfile_instructions() if keyword == "COPY")
    assert "constraints.txt" in copied and "pyproject.toml" in copied
    # pyproject.toml names README.md as the readme: the build needs it.
    assert "README.md" in copied


def test_dockerfile_puts_dags_dbt_and_demo_where_airflow_looks():
    copies = {}
    for keyword, rest in _dockerfile_instructions():
        if keyword == "COPY":
            parts = [p for p in rest.split() if not p.startswith("--")]
            for source in parts[:-1]:
                copies[source.rstrip("/")] = parts[-1]
    assert copies["dags"].rstrip("/") == "/opt/airflow/dags"
    assert copies["dbt_project"].rstrip("/") == "/opt/clusterwatch/dbt_project"
    assert copies["demo"].rstrip("/") == "/opt/clusterwatch/demo"
    assert copies["docker/airflow"].rstrip("/") == "/opt/clusterwatch/docker/airflow"
    envs = " ".join(rest for keyword, rest in _dockerfile_instructions() if keyword == "ENV")
    assert "DBT_PROJECT_DIR=/opt/clusterwatch/dbt_project" in envs
    users = [rest for keyword, rest in _dockerfile_instructions() if keyword == "USER"]
    assert users and users[-1] == "airflow", "the image must run as airflow, not root"


def test_dockerignore_keeps_what_the_dockerfile_copies():
    patterns = [
        ln.strip().rstrip("/")
        for ln in (REPO / ".dockerignore").read_text().splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    for keyword, rest in _dockerfile_instructions():
        if keyword != "COPY":
            continue
        for source in [p for p in rest.split() if not p.startswith("--")][:-1]:
            top = source.rstrip("/").split("/")[0]
            assert top not in patterns, f".dockerignore drops {source}, which the Dockerfile copies"


def test_docs_explain_the_deployment():
    text = (REPO / "docs" / "deployment.md").read_text(encoding="utf-8")
    for needle in (
        "cp .env.example .env",
        "docker compose up -d",
        "8080",
        "8025",
        "3000",
        "CLUSTERWATCH_ANALYST_USER",
        "clusterwatch_analyst",
        "Fernet",
        "no Docker engine",
    ):
        assert needle in text, f"docs/deployment.md does not mention {needle!r}"


# -- the init scripts, run for real ---------------------------------------------------


def _pg_bin() -> Path:
    from pgserver._commands import POSTGRES_BIN_PATH  # psql 16 (\getenv needs >= 15)

    return Path(POSTGRES_BIN_PATH)


def _libpq_env(server_url: str) -> dict[str, str]:
    parts = urlsplit(server_url)
    env = {"PGHOST": parts.hostname or "127.0.0.1", "PGPORT": str(parts.port or 5432)}
    if parts.password:
        env["PGPASSWORD"] = parts.password
    return env


def _require_role_admin(server_url: str) -> str:
    with psycopg.connect(server_url) as conn:
        user, can = conn.execute(
            "select current_user, rolsuper or rolcreaterole"
            " from pg_roles where rolname = current_user"
        ).fetchone()
    if not can:
        pytest.skip(f"{user} may not create roles on the test server")
    return user


@pytest.fixture
def init_names():
    tag = uuid.uuid4().hex[:8]
    return {
        "POSTGRES_DB": f"cw_test_wh_{tag}",
        "CLUSTERWATCH_AIRFLOW_DB": f"cw_test_af_{tag}",
        "METABASE_DB_NAME": f"cw_test_mb_{tag}",
        "METABASE_DB_USER": f"cw_test_mbu_{tag}",
        "CLUSTERWATCH_ANALYST_USER": f"cw_test_bi_{tag}",
    }


@pytest.fixture
def cleanup_server(pg_server_url, init_names):
    yield
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        for key in ("POSTGRES_DB", "CLUSTERWATCH_AIRFLOW_DB", "METABASE_DB_NAME"):
            conn.execute(f'drop database if exists "{init_names[key]}" with (force)')
        for key in ("METABASE_DB_USER", "CLUSTERWATCH_ANALYST_USER"):
            conn.execute(f'drop role if exists "{init_names[key]}"')


def _run_postgres_init(pg_server_url: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    full = {
        "PATH": f"{_pg_bin()}{os.pathsep}{os.environ.get('PATH', '')}",
        **_libpq_env(pg_server_url),
        **env,
    }
    return subprocess.run(
        ["bash", str(POSTGRES_INIT)],
        env=full,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.mark.postgres
def test_postgres_init_creates_databases_and_a_read_only_bi_login(
    pg_server_url, init_names, cleanup_server
):
    from clusterwatch import db, warehouse

    owner = _require_role_admin(pg_server_url)
    names = init_names
    warehouse_url = warehouse.with_database(pg_server_url, names["POSTGRES_DB"])
    warehouse.ensure_database(warehouse_url)  # the postgres image creates POSTGRES_DB itself
    env = {
        **names,
        "POSTGRES_USER": owner,
        "CLUSTERWATCH_ANALYST_PASSWORD": "analyst-" + secrets.token_hex(8),
        "METABASE_DB_PASSWORD": "metabase-" + secrets.token_hex(8),
    }
    for attempt in (1, 2):  # idempotent: a second run changes nothing and does not fail
        result = _run_postgres_init(pg_server_url, env)
        assert result.returncode == 0, f"run {attempt}: {result.stderr}"
    assert env["CLUSTERWATCH_ANALYST_PASSWORD"] not in result.stdout + result.stderr

    analyst = names["CLUSTERWATCH_ANALYST_USER"]
    with psycopg.connect(pg_server_url, autocommit=True) as conn:
        databases = {row[0] for row in conn.execute("select datname from pg_database")}
        assert {
            names["POSTGRES_DB"],
            names["CLUSTERWATCH_AIRFLOW_DB"],
            names["METABASE_DB_NAME"],
        } <= databases
        owner_of = dict(
            conn.execute(
                "select datname, pg_get_userbyid(datdba) from pg_database where datname = any(%s)",
                ([names["CLUSTERWATCH_AIRFLOW_DB"], names["METABASE_DB_NAME"]],),
            ).fetchall()
        )
        assert owner_of[names["CLUSTERWATCH_AIRFLOW_DB"]] == owner
        assert owner_of[names["METABASE_DB_NAME"]] == names["METABASE_DB_USER"]

        login, config = conn.execute(
            "select rolcanlogin, rolconfig from pg_roles where rolname = %s", (analyst,)
        ).fetchone()
        assert login
        assert "default_transaction_read_only=on" in config and "search_path=marts" in config
        assert conn.execute(
            "select rolcanlogin from pg_roles where rolname = 'clusterwatch_analyst'"
        ).fetchone() == (False,)
        assert conn.execute(
            "select pg_has_role(%s, 'clusterwatch_analyst', 'usage')", (analyst,)
        ).fetchone()[0]

        def can_connect(role: str, database: str) -> bool:
            return conn.execute(
                "select has_database_privilege(%s, %s, 'connect')", (role, database)
            ).fetchone()[0]

        assert can_connect(analyst, names["POSTGRES_DB"])
        assert not can_connect(analyst, names["CLUSTERWATCH_AIRFLOW_DB"])
        assert not can_connect(analyst, names["METABASE_DB_NAME"])
        assert can_connect(names["METABASE_DB_USER"], names["METABASE_DB_NAME"])

    # After the platform's bootstrap (airflow-init runs it), the login reads marts and
    # nothing else, including tables created later by the platform's user (dbt).
    db.bootstrap(warehouse_url)
    with psycopg.connect(warehouse_url, autocommit=True) as conn:
        conn.execute("create table marts.cw_test_fct_example (example_id int primary key)")

        def can_select(table: str) -> bool:
            return conn.execute(
                "select has_table_privilege(%s, %s, 'select')", (analyst, table)
            ).fetchone()[0]

        assert can_select("marts.cw_test_fct_example")
        assert not can_select("raw.news_articles")
        assert not can_select("monitoring.dq_runs")


@pytest.mark.postgres
def test_postgres_init_stops_on_a_missing_password(pg_server_url, init_names):
    env = {**init_names, "POSTGRES_USER": "postgres", "METABASE_DB_PASSWORD": "x"}
    result = _run_postgres_init(pg_server_url, env)
    assert result.returncode != 0
    assert "CLUSTERWATCH_ANALYST_PASSWORD" in result.stderr


def _airflow_init_env(
    services, tmp_path: Path, server_url: str, names: dict[str, str], **overrides
) -> dict[str, str]:
    """The environment of the airflow-init container (a `.env` made from .env.example with
    every secret filled in, through env_file, under compose's `environment:`), moved to
    this machine: hosts to the test server, database names to throwaway ones, /opt/airflow
    to tmp."""
    from cryptography.fernet import Fernet

    server = urlsplit(server_url)
    dotenv = {
        key: (secrets.token_hex(12) if value.startswith(PLACEHOLDER_PREFIX) else value)
        for key, value in parse_env_file(ENV_EXAMPLE).items()
    }
    dotenv |= {
        "POSTGRES_USER": server.username or "postgres",
        "POSTGRES_PASSWORD": server.password or "unused-with-trust-auth",
        "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
    } | overrides
    merged = dotenv | resolve(environment_of(services["airflow-init"]), dotenv)
    opt = tmp_path / "opt-airflow"
    here = f"@{server.hostname}:{server.port or 5432}/"
    env = {}
    for key, value in merged.items():
        value = value.replace(
            "@postgres:5432/clusterwatch_airflow", here + names["CLUSTERWATCH_AIRFLOW_DB"]
        )
        value = value.replace("@postgres:5432/clusterwatch", here + names["POSTGRES_DB"])
        env[key] = value.replace("/opt/airflow/", f"{opt}/")
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        HOME=str(tmp_path),
        AIRFLOW_HOME=str(opt),  # the image sets it to /opt/airflow
    )
    return env


@pytest.mark.postgres
@pytest.mark.slow
def test_airflow_init_migrates_writes_the_admin_password_and_bootstraps(
    services, tmp_path, pg_server_url, init_names, cleanup_server
):
    from clusterwatch import warehouse

    names = init_names
    for key in ("POSTGRES_DB", "CLUSTERWATCH_AIRFLOW_DB"):  # docker/postgres/init.sh made them
        warehouse.ensure_database(warehouse.with_database(pg_server_url, names[key]))
    env = _airflow_init_env(services, tmp_path, pg_server_url, names)

    result = subprocess.run(
        ["bash", str(AIRFLOW_INIT)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "airflow-init: done" in result.stdout
    assert env["AIRFLOW_ADMIN_PASSWORD"] not in result.stdout + result.stderr

    passwords = Path(env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
    assert json.loads(passwords.read_text()) == {"admin": env["AIRFLOW_ADMIN_PASSWORD"]}
    assert stat.S_IMODE(passwords.stat().st_mode) == 0o600
    users = env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"]
    assert users == "admin:admin"  # the user the password file names

    with psycopg.connect(
        warehouse.with_database(pg_server_url, names["CLUSTERWATCH_AIRFLOW_DB"])
    ) as conn:
        assert conn.execute("select count(*) from alembic_version").fetchone()[0] == 1
    with psycopg.connect(warehouse.with_database(pg_server_url, names["POSTGRES_DB"])) as conn:
        schemas = {
            row[0] for row in conn.execute("select schema_name from information_schema.schemata")
        }
        assert {"raw", "marts", "monitoring"} <= schemas


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            {"AIRFLOW_ADMIN_PASSWORD": "change-me-airflow-admin-password"},
            "AIRFLOW_ADMIN_PASSWORD still has the placeholder",
        ),
        (
            {"AIRFLOW__API__SECRET_KEY": "change-me-api-secret-key"},
            "AIRFLOW__API__SECRET_KEY still has the placeholder",
        ),
        # Secrets airflow-init does not use still reach it through env_file: checked too.
        (
            {"METABASE_DB_PASSWORD": "change-me-metabase-db-password"},
            "METABASE_DB_PASSWORD still has the placeholder",
        ),
        ({"POSTGRES_PASSWORD": "p@ss/word"}, "POSTGRES_PASSWORD must use only"),
    ],
)
def test_airflow_init_refuses_placeholder_and_url_unsafe_secrets(
    services, tmp_path, override, message
):
    names = {"POSTGRES_DB": "unused", "CLUSTERWATCH_AIRFLOW_DB": "unused"}
    env = _airflow_init_env(
        services, tmp_path, "postgresql://nobody@127.0.0.1:1/unused", names, **override
    )
    result = subprocess.run(
        ["bash", str(AIRFLOW_INIT)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode != 0
    assert message in result.stderr


def test_airflow_init_refuses_a_landing_zone_it_cannot_write(services, tmp_path):
    names = {"POSTGRES_DB": "unused", "CLUSTERWATCH_AIRFLOW_DB": "unused"}
    env = _airflow_init_env(services, tmp_path, "postgresql://nobody@127.0.0.1:1/unused", names)
    # A path under a regular file can be neither created nor written, even by root.
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    env["CLUSTERWATCH_LANDING_DIR"] = str(blocker / "landing")
    result = subprocess.run(
        ["bash", str(AIRFLOW_INIT)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode != 0
    assert "landing is not writable" in result.stderr
    assert "AIRFLOW_UID" in result.stderr


def test_init_scripts_are_valid_bash():
    bash = shutil.which("bash")
    for script in (POSTGRES_INIT, AIRFLOW_INIT):
        assert (
            subprocess.run([bash, "-n", str(script)], capture_output=True, check=False).returncode
            == 0
        ), script
