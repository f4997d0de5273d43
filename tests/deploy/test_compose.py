"""compose.yaml: the whole suite, consistent with the services' settings."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from deploy_support import ROOT, SERVICES, WEB, known_env, required_env, settings_class

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
    expected = (infrastructure | set(SERVICES) | {f"{s}-migrate" for s in SERVICES}
                | {f"{s}-declare" for s in SERVICES} | set(WEB))
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
    # Every service's queues exist before any migration runs: a migration's events reach them all.
    declare = services[f"{service}-declare"]
    assert declare["image"] == entry["image"]
    assert declare["command"] == ["python", "/app/run.py", "declare"]
    assert declare["environment"][f"{service.upper()}_BROKER_URL"] == \
        entry["environment"][f"{service.upper()}_BROKER_URL"]
    assert declare["depends_on"]["rabbitmq"]["condition"] == "service_healthy"
    for other in SERVICES:
        assert migrate["depends_on"][f"{other}-declare"]["condition"] == "service_completed_successfully", other


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


# --- the web portal ----------------------------------------------------------------------------------

def test_the_portal_is_the_only_web_front_end() -> None:
    """A new member without migrations would be neither checked here nor deployed: wire it up like the portal."""
    assert WEB == ["portal"]


def test_portal_env_matches_its_settings(compose: Compose) -> None:
    from seteli_portal.config import SERVICE_NAMES

    env = compose["services"]["portal"]["environment"]
    missing = required_env("portal") - set(env)
    assert not missing, f"portal lacks {sorted(missing)}"
    unknown = {k for k in env if k.startswith("PORTAL_")} - known_env("portal")
    assert not unknown, f"portal sets unknown settings {sorted(unknown)}"
    # Every service the portal needs, by its name inside the compose network and its container port.
    urls = json.loads(env["PORTAL_SERVICE_URLS"])
    assert set(urls) == set(SERVICE_NAMES) == set(SERVICES)
    for name, url in urls.items():
        port = settings_class(name)().http_port
        assert url == f"http://{name}:{port}", name
        assert name in compose["services"]


def test_portal_session_secret_comes_from_the_environment_with_a_dev_only_default(compose: Compose) -> None:
    secret = compose["services"]["portal"]["environment"]["PORTAL_SESSION_SECRET"]
    match = re.fullmatch(r"\$\{PORTAL_SESSION_SECRET:-([^}]+)\}", secret)
    assert match, "an operator can set PORTAL_SESSION_SECRET without editing compose.yaml"
    assert match.group(1).startswith("dev-only"), "the default says it is for development only"


def test_portal_starts_after_the_services_are_healthy(compose: Compose) -> None:
    portal = compose["services"]["portal"]
    assert portal["depends_on"] == {s: {"condition": "service_healthy"} for s in SERVICES}
    assert portal["build"] == {"context": ".", "dockerfile": "services/portal/Dockerfile"}
    assert "postgres" not in portal["depends_on"] and "rabbitmq" not in portal["depends_on"]


def test_portal_is_where_email_links_point(compose: Compose) -> None:
    """REGISTRY_PUBLIC_BASE_URL is the portal's address: reset and confirmation links must land on it."""
    [published] = compose["services"]["portal"]["ports"]
    host, host_port, container_port = published.split(":")
    assert (host, container_port) == ("127.0.0.1", "8000")
    public = urlsplit(compose["services"]["registry"]["environment"]["REGISTRY_PUBLIC_BASE_URL"])
    assert (public.hostname, str(public.port)) == ("localhost", host_port)
