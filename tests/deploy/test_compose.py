"""compose.yaml: the whole suite, consistent with the services' settings."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from deploy_support import ROOT, SERVICES, known_env, required_env, settings_class

Compose = dict[str, Any]


def test_infrastructure_is_there(compose: Compose) -> None:
    services = compose["services"]
    assert services["rabbitmq"]["image"] == "rabbitmq:3.13-management"
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["mailpit"]["image"].startswith("axllent/mailpit")
    assert "opentelemetry-collector" in services["otel-collector"]["image"]
    for name, mount in (("postgres", "/docker-entrypoint-initdb.d/"), ("otel-collector", "/etc/otelcol/")):
        [source] = [v.split(":")[0] for v in services[name]["volumes"] if mount in v]
        assert (ROOT / source).is_file(), source


def test_only_known_services_run(compose: Compose) -> None:
    infrastructure = {"postgres", "rabbitmq", "mailpit", "otel-collector", "settlement-worker"}
    expected = infrastructure | set(SERVICES) | {f"{s}-migrate" for s in SERVICES}
    assert set(compose["services"]) == expected


def databases_created_by_init_script() -> set[str]:
    script = (ROOT / "deploy" / "compose" / "init-databases.sh").read_text()
    match = re.search(r"for service in ([a-z ]+); do", script)
    assert match, "init-databases.sh loops over the service names"
    return set(match.group(1).split())


@pytest.mark.parametrize("service", SERVICES)
def test_service_env_matches_its_settings(service: str, compose: Compose) -> None:
    entry = compose["services"][service]
    env = entry["environment"]
    missing = required_env(service) - set(env)
    assert not missing, f"{service} lacks {sorted(missing)}"
    unknown = {k for k in env if k.startswith(service.upper() + "_")} - known_env(service)
    assert not unknown, f"{service} sets unknown settings {sorted(unknown)}"
    if service != "registry":
        assert env[f"{service.upper()}_JWKS_URL"] == "http://registry:8000/.well-known/jwks.json"
    assert urlsplit(env[f"{service.upper()}_OTLP_ENDPOINT"]).hostname == "otel-collector"
    assert urlsplit(env[f"{service.upper()}_BROKER_URL"]).hostname == "rabbitmq"


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_its_own_database(service: str, compose: Compose) -> None:
    url = urlsplit(compose["services"][service]["environment"][f"{service.upper()}_DATABASE_URL"])
    assert url.scheme == "postgresql+asyncpg" and url.hostname == "postgres"
    assert url.path == f"/{service}" and url.username == service
    assert service in databases_created_by_init_script()


@pytest.mark.parametrize("service", SERVICES)
def test_port_build_and_migration_order(service: str, compose: Compose) -> None:
    services = compose["services"]
    entry, migrate = services[service], services[f"{service}-migrate"]
    default_port = settings_class(service)().http_port
    assert [p.rsplit(":", 1)[1] for p in entry["ports"]] == [str(default_port)]
    assert migrate["build"] == {"context": ".", "dockerfile": f"services/{service}/Dockerfile"}
    assert (ROOT / migrate["build"]["dockerfile"]).is_file()
    assert entry["image"] == migrate["image"]
    assert migrate["command"] == ["python", "/app/run.py", "migrate"]
    assert migrate["environment"][f"{service.upper()}_DATABASE_URL"] == \
        entry["environment"][f"{service.upper()}_DATABASE_URL"]
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert entry["depends_on"][f"{service}-migrate"]["condition"] == "service_completed_successfully"
    assert entry["depends_on"]["rabbitmq"]["condition"] == "service_healthy"


def test_host_ports_do_not_clash(compose: Compose) -> None:
    published = [p.rsplit(":", 1)[0] for s in compose["services"].values() for p in s.get("ports", [])]
    assert len(published) == len(set(published))


def test_settlement_workers_are_their_own_service(compose: Compose) -> None:
    services = compose["services"]
    worker, api = services["settlement-worker"], services["settlement"]
    assert worker["command"] == ["python", "-m", "seteli_settlement.worker"]
    assert worker["image"] == api["image"]
    assert worker["environment"] == api["environment"]
    assert api["environment"]["SETTLEMENT_INLINE_JOBS"] == "false"
    assert worker["depends_on"]["settlement-migrate"]["condition"] == "service_completed_successfully"
    assert "ports" not in worker


def test_notifications_send_to_the_mail_catcher(compose: Compose) -> None:
    env = compose["services"]["notifications"]["environment"]
    assert env["NOTIFICATIONS_SMTP_HOST"] == "mailpit"
    assert env["NOTIFICATIONS_SMTP_PORT"] == "1025"
