"""The Kubernetes manifests: rendered, schema-valid, and complete for every service found in services/*."""

from __future__ import annotations

import json
import os
import re
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import kubernetes_validate
import pytest
from deploy_support import (
    K8S,
    KUBERNETES_VERSION,
    MEMBERS,
    OVERLAYS,
    SERVICES,
    known_env,
    kubectl_kustomize,
    load_script,
    required_env,
)

Manifest = dict[str, Any]
VARIANTS = ("base", *OVERLAYS)
CUSTOM = {"keda.sh/v1alpha1"}  # CRDs the core schemas do not have: checked against KEDA_SCHEMAS below


def by_kind(manifests: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == kind}


def key(m: Manifest) -> tuple[str, str, str]:
    return m["kind"], m["metadata"].get("namespace", ""), m["metadata"]["name"]


def pod_spec(m: Manifest) -> dict[str, Any]:
    return m["spec"]["template"]["spec"]  # type: ignore[no-any-return]


def container_env(manifests: list[Manifest], container: dict[str, Any]) -> dict[str, Any]:
    """Every env var a container gets: envFrom ConfigMaps (resolved) and env entries (value or reference)."""
    config_maps = by_kind(manifests, "ConfigMap")
    env: dict[str, Any] = {}
    for source in container.get("envFrom", []):
        name = source["configMapRef"]["name"]
        assert name in config_maps, f"envFrom references a missing ConfigMap {name}"
        env.update(config_maps[name].get("data", {}))
    for item in container.get("env", []):
        env[item["name"]] = item.get("value", item.get("valueFrom"))
    return env


def test_generated_base_is_up_to_date() -> None:
    generator = load_script(K8S / "generate.py")
    for name, text in generator.render().items():
        assert (K8S / "base" / name).read_text() == text, f"base/{name} is stale: run deploy/k8s/generate.py"


@pytest.mark.parametrize("variant", VARIANTS)
def test_python_renderer_agrees_with_kubectl_kustomize(
        variant: str, rendered: dict[str, list[Manifest]]) -> None:
    directory = K8S / "base" if variant == "base" else K8S / "overlays" / variant
    theirs = kubectl_kustomize(directory)
    if theirs is None:
        # CI without kubectl: the renderer alone is used (it refuses kustomize features it lacks).
        return
    assert sorted(rendered[variant], key=key) == sorted(theirs, key=key)


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_manifest_is_valid_for_the_pinned_kubernetes_version(
        variant: str, rendered: dict[str, list[Manifest]]) -> None:
    for manifest in rendered[variant]:
        if manifest["apiVersion"] in CUSTOM:
            jsonschema.validate(manifest, KEDA_SCHEMAS[manifest["kind"]])
        else:
            kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)


def test_the_validator_rejects_a_broken_manifest(rendered: dict[str, list[Manifest]]) -> None:
    deployment = dict(by_kind(rendered["base"], "Deployment")["registry"])
    deployment["spec"] = {**deployment["spec"], "replicas": "two"}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)
    scaled = by_kind(rendered["base"], "ScaledObject")["settlement-worker"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**scaled, "spec": {"triggers": []}}, KEDA_SCHEMAS["ScaledObject"])


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_its_resources(
        variant: str, service: str, rendered: dict[str, list[Manifest]]) -> None:
    manifests = rendered[variant]
    deployment = by_kind(manifests, "Deployment")[service]
    labels = pod_spec_labels(deployment)
    svc = by_kind(manifests, "Service")[service]
    assert svc["spec"]["selector"].items() <= labels.items()
    assert svc["spec"]["ports"][0]["port"] == 8000
    pdb = by_kind(manifests, "PodDisruptionBudget")[service]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    hpa = by_kind(manifests, "HorizontalPodAutoscaler")[service]
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": service}
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]
    assert by_kind(manifests, "NetworkPolicy")[service]
    job = by_kind(manifests, "Job")[f"{service}-migrate"]
    [migrate] = pod_spec(job)["containers"]
    assert migrate["command"] == ["python", "/app/run.py", "migrate"]
    # Migrate with the image that is about to be rolled out.
    assert migrate["image"] == pod_spec(deployment)["containers"][0]["image"]
    assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PreSync"
    assert f"{service.upper()}_DATABASE_URL" in container_env(manifests, migrate)
    # Its queues and bindings are declared by the new image before ANY service migrates: a migration's
    # events (relayed at once by the running pods) must reach a queue whose new pods have not started yet.
    declare_job = by_kind(manifests, "Job")[f"{service}-declare"]
    [declare] = pod_spec(declare_job)["containers"]
    assert declare["command"] == ["python", "/app/run.py", "declare"]
    assert declare["image"] == pod_spec(deployment)["containers"][0]["image"]
    assert declare_job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PreSync"
    migrate_waves = [int(j["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])
                     for j in by_kind(manifests, "Job").values()
                     if pod_spec(j)["containers"][0]["command"][-1] == "migrate"]
    assert len(migrate_waves) == len(SERVICES)
    assert int(declare_job["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]) < min(migrate_waves)
    assert f"{service.upper()}_BROKER_URL" in container_env(manifests, declare)
    for part in ("securityContext", "resources"):
        assert declare[part] == migrate[part], part
    assert pod_spec(declare_job)["securityContext"] == pod_spec(job)["securityContext"]


def pod_spec_labels(m: Manifest) -> dict[str, str]:
    return m["spec"]["template"]["metadata"]["labels"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_deployment_has_probes_and_resource_limits(
        variant: str, rendered: dict[str, list[Manifest]]) -> None:
    workloads = [m for m in rendered[variant] if m["kind"] in ("Deployment", "Job")]
    assert workloads
    for m in workloads:
        for c in pod_spec(m)["containers"]:
            where = f"{m['kind']}/{m['metadata']['name']}/{c['name']}"
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(c.get("resources", {}).get(kind, {})), f"{where}: {kind}"
            if m["kind"] == "Deployment":
                assert "livenessProbe" in c and "readinessProbe" in c, f"{where}: probes"


@pytest.mark.parametrize("service", SERVICES)
def test_http_services_probe_the_health_endpoints(service: str, rendered: dict[str, list[Manifest]]) -> None:
    [c] = pod_spec(by_kind(rendered["production"], "Deployment")[service])["containers"]
    assert c["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert c["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert {p["name"]: p["containerPort"] for p in c["ports"]} == {"http": 8000, "metrics": 9100}


def test_portal_probes_paths_the_portal_serves(rendered: dict[str, list[Manifest]]) -> None:
    """The portal has /health/live only (no database, no broker to be ready for): all three probes use it."""
    from seteli_portal.bootstrap import build_app
    from seteli_portal.config import SERVICE_NAMES, PortalSettings

    [c] = pod_spec(by_kind(rendered["production"], "Deployment")["portal"])["containers"]
    probed = {c[p]["httpGet"]["path"] for p in ("startupProbe", "livenessProbe", "readinessProbe")}
    app = build_app(PortalSettings(session_secret="probe-test"),
                    service_urls={name: f"http://{name}:8000" for name in SERVICE_NAMES})
    routes = {getattr(route, "path", None) for route in app.routes}
    assert probed == {"/health/live"} and probed <= routes
    assert {p["name"]: p["containerPort"] for p in c["ports"]} == {"http": 8000}


@pytest.mark.parametrize("variant", VARIANTS)
def test_portal_has_its_resources(variant: str, rendered: dict[str, list[Manifest]]) -> None:
    manifests = rendered[variant]
    deployment = by_kind(manifests, "Deployment")["portal"]
    labels = pod_spec_labels(deployment)
    assert labels["app.kubernetes.io/name"] == "portal", "the services' policies admit these pods"
    svc = by_kind(manifests, "Service")["portal"]
    assert svc["spec"]["selector"].items() <= labels.items()
    assert svc["spec"]["ports"][0]["port"] == 8000
    pdb = by_kind(manifests, "PodDisruptionBudget")["portal"]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    hpa = by_kind(manifests, "HorizontalPodAutoscaler")["portal"]
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "portal"}
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]
    assert hpa["spec"]["minReplicas"] == deployment["spec"]["replicas"]
    assert by_kind(manifests, "NetworkPolicy")["portal"]
    assert "portal-migrate" not in by_kind(manifests, "Job"), "no database, nothing to migrate"
    [c] = pod_spec(deployment)["containers"]
    assert "command" not in c, "the image's own command"
    assert c["securityContext"]["readOnlyRootFilesystem"] is True


@pytest.mark.parametrize("variant", VARIANTS)
def test_portal_reaches_the_services_by_their_service_names(
        variant: str, rendered: dict[str, list[Manifest]]) -> None:
    from seteli_portal.config import SERVICE_NAMES

    manifests = rendered[variant]
    env = container_env(manifests, pod_spec(by_kind(manifests, "Deployment")["portal"])["containers"][0])
    urls = json.loads(env["PORTAL_SERVICE_URLS"])
    assert set(urls) == set(SERVICE_NAMES) == set(SERVICES)
    services = by_kind(manifests, "Service")
    for name, url in urls.items():
        parts = urlsplit(url)
        assert parts.scheme == "http" and parts.hostname == name, url
        assert parts.port in [p["port"] for p in services[name]["spec"]["ports"]], url
    assert env["PORTAL_COOKIE_SECURE"] == "true", "TLS at the ingress: cookies only over https"
    # Required, not optional: the settings' default is a well-known development value.
    assert env["PORTAL_SESSION_SECRET"] == {"secretKeyRef": {"name": "portal", "key": "session-secret"}}


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("service", MEMBERS)
def test_deployment_env_covers_the_required_settings(
        variant: str, service: str, rendered: dict[str, list[Manifest]]) -> None:
    manifests = rendered[variant]
    deployments = [m for m in by_kind(manifests, "Deployment").values()
                   if m["metadata"]["labels"].get("app.kubernetes.io/name") == service]
    assert deployments
    for deployment in deployments:
        env = container_env(manifests, pod_spec(deployment)["containers"][0])
        missing = required_env(service) - set(env)
        assert not missing, f"{deployment['metadata']['name']} lacks {sorted(missing)}"
        unknown = {name for name in env if name.startswith(service.upper() + "_")} - known_env(service)
        assert not unknown, f"{deployment['metadata']['name']} sets unknown settings {sorted(unknown)}"
        if service in SERVICES and service != "registry":
            assert env[f"{service.upper()}_JWKS_URL"] == "http://registry:8000/.well-known/jwks.json"


SECRET_SUFFIXES = ("_DATABASE_URL", "_BROKER_URL", "_PASSWORD", "_SECRET", "_API_KEY")


@pytest.mark.parametrize("variant", VARIANTS)
def test_no_secret_values_in_the_repository(variant: str, rendered: dict[str, list[Manifest]]) -> None:
    assert not by_kind(rendered[variant], "Secret")
    credentials = re.compile(r"://[^/@\s]+:[^/@\s]+@")
    for m in rendered[variant]:
        for data in (m.get("data") or {}).values():
            assert not credentials.search(str(data)), m["metadata"]["name"]
        if m["kind"] in ("Deployment", "Job"):
            for c in pod_spec(m)["containers"]:
                for item in c.get("env", []):
                    assert "value" not in item or not credentials.search(item["value"]), item["name"]
                    ref = item.get("valueFrom", {}).get("secretKeyRef")
                    if item["name"].endswith(SECRET_SUFFIXES):
                        assert ref, f"{item['name']} must come from a Secret"


@pytest.mark.parametrize("variant", VARIANTS)
def test_settlement_workers_have_their_own_deployment_and_scaled_object(
        variant: str, rendered: dict[str, list[Manifest]]) -> None:
    manifests = rendered[variant]
    worker = by_kind(manifests, "Deployment")["settlement-worker"]
    [c] = pod_spec(worker)["containers"]
    assert c["command"] == ["python", "-m", "seteli_settlement.worker"]
    assert "ports" not in c
    scaled = by_kind(manifests, "ScaledObject")["settlement-worker"]
    assert scaled["spec"]["scaleTargetRef"]["name"] == "settlement-worker"
    [trigger] = scaled["spec"]["triggers"]
    # The workers claim jobs from the settlement database, so KEDA counts them there (see test_images).
    assert trigger["type"] == "postgresql"
    assert "run_jobs" in trigger["metadata"]["query"]
    assert int(trigger["metadata"]["targetQueryValue"]) > 0
    auth = by_kind(manifests, "TriggerAuthentication")[trigger["authenticationRef"]["name"]]
    [ref] = auth["spec"]["secretTargetRef"]
    assert ref["parameter"] == "connection" and ref["name"] == "settlement", "credentials stay in the Secret"
    assert scaled["spec"]["minReplicaCount"] >= 1, "the worker also runs the transfer-day scheduler"
    assert "settlement-worker" not in by_kind(manifests, "HorizontalPodAutoscaler"), "KEDA owns its HPA"
    # The API pods leave the per-provider jobs to the workers.
    api = pod_spec(by_kind(manifests, "Deployment")["settlement"])["containers"][0]
    assert container_env(manifests, api).get("SETTLEMENT_INLINE_JOBS") == "false"


def test_overlays_differ_where_they_should(rendered: dict[str, list[Manifest]]) -> None:
    dev, prod = rendered["dev"], rendered["production"]
    assert {m["metadata"]["namespace"] for m in dev} == {"seteli-dev"}
    assert {m["metadata"]["namespace"] for m in prod} == {"seteli"}
    assert by_kind(dev, "HorizontalPodAutoscaler")["events"]["spec"]["minReplicas"] == 1
    assert by_kind(prod, "HorizontalPodAutoscaler")["events"]["spec"]["minReplicas"] == 3
    for name in MEMBERS:
        image = pod_spec(by_kind(prod, "Deployment")[name])["containers"][0]["image"]
        assert image == f"registry.example.fi/seteli/{name}:0.1.0", name
        assert pod_spec(by_kind(dev, "Deployment")[name])["containers"][0]["image"] == f"seteli/{name}:dev"
        assert by_kind(dev, "Deployment")[name]["spec"]["replicas"] == 1
        assert by_kind(prod, "Deployment")[name]["spec"]["replicas"] == 3
    assert by_kind(dev, "ConfigMap")["notifications"]["data"]["NOTIFICATIONS_SMTP_HOST"] == "mailpit"


# --- network policies: evaluate who may talk to whom ---------------------------------------------

NAMESPACE = "seteli"


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expr in selector.get("matchExpressions", []):
        present = expr["key"] in labels
        value = labels.get(expr["key"])
        ok = {"In": present and value in expr["values"], "NotIn": not present or value not in expr["values"],
              "Exists": present, "DoesNotExist": not present}[expr["operator"]]
        if not ok:
            return False
    return True


def peer_matches(peer: dict[str, Any], namespace: str, labels: dict[str, str]) -> bool:
    if "ipBlock" in peer:
        return False  # pod-to-pod traffic in these checks; external addresses are not modelled
    ns_labels = {"kubernetes.io/metadata.name": namespace}
    if "namespaceSelector" in peer:
        if not selects(peer["namespaceSelector"], ns_labels):
            return False
    elif namespace != NAMESPACE:
        return False
    return selects(peer.get("podSelector", {}), labels)


def port_matches(rule: dict[str, Any], port: int) -> bool:
    return "ports" not in rule or any(p.get("port") == port for p in rule["ports"])


def direction_allows(policies: list[Manifest], direction: str, own: dict[str, str],
                     peer_ns: str, peer: dict[str, str], port: int) -> bool:
    """Isolated when any policy selects the pod for that direction; then one of their rules must allow."""
    relevant = [p for p in policies if selects(p["spec"]["podSelector"], own)
                and direction.capitalize() in p["spec"]["policyTypes"]]
    if not relevant:
        return True
    side = "from" if direction == "ingress" else "to"
    for policy in relevant:
        for rule in policy["spec"].get(direction, []):
            peers = rule.get(side)
            if not port_matches(rule, port):
                continue
            if peers is None or any(peer_matches(p, peer_ns, peer) for p in peers):
                return True
    return False


def allowed(policies: list[Manifest], src: tuple[str, dict[str, str]], dst: tuple[str, dict[str, str]],
            port: int) -> bool:
    (src_ns, src_labels), (dst_ns, dst_labels) = src, dst
    # Only our namespace's policies are modelled: the far side of a cross-namespace path is not checked.
    egress = src_ns != NAMESPACE or direction_allows(
        policies, "egress", src_labels, dst_ns, dst_labels, port)
    ingress = dst_ns != NAMESPACE or direction_allows(
        policies, "ingress", dst_labels, src_ns, src_labels, port)
    return egress and ingress


def pod(name: str, component: str = "api") -> tuple[str, dict[str, str]]:
    return NAMESPACE, {"app.kubernetes.io/name": name, "app.kubernetes.io/component": component}


RABBITMQ = ("seteli-data", {"app.kubernetes.io/name": "rabbitmq"})
INGRESS = ("ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"})
KUBE_DNS = ("kube-system", {"k8s-app": "kube-dns"})
PORTAL = pod("portal", "web")


def postgres(service: str) -> tuple[str, dict[str, str]]:
    return "seteli-data", {"cnpg.io/cluster": f"{service}-db"}


def test_network_policies_allow_only_the_needed_paths(rendered: dict[str, list[Manifest]]) -> None:
    policies = by_kind(rendered["production"], "NetworkPolicy").values()
    nets = list(policies)
    for service in SERVICES:
        for component in ("api", "migration", "worker"):
            assert allowed(nets, pod(service, component), postgres(service), 5432), (service, component)
        for component in ("api", "declare", "worker"):
            assert allowed(nets, pod(service, component), RABBITMQ, 5672), (service, component)
        assert allowed(nets, PORTAL, pod(service), 8000), service
        assert not allowed(nets, pod(service), PORTAL, 8000), service
        for other in SERVICES:
            if other != service:
                assert not allowed(nets, pod(service), postgres(other), 5432), (service, other)
                expected = other == "registry"  # JWKS only
                assert allowed(nets, pod(service), pod(other), 8000) is expected, (service, other)
        # The public host reaches the portal only; the APIs are called by the portal inside the cluster.
        assert not allowed(nets, INGRESS, pod(service), 8000), service
        assert not allowed(nets, PORTAL, postgres(service), 5432), service
    assert allowed(nets, INGRESS, PORTAL, 8000)
    assert not allowed(nets, INGRESS, PORTAL, 8080), "only the http port"
    assert not allowed(nets, ("other-team", {"app": "x"}), PORTAL, 8000)
    assert not allowed(nets, PORTAL, RABBITMQ, 5672)
    assert not allowed(nets, PORTAL, ("default", {"app": "x"}), 443)
    assert allowed(nets, PORTAL, KUBE_DNS, 53)
    assert not allowed(nets, ("other-team", {"app": "x"}), pod("vouchers"), 8000)


# --- KEDA custom resources: a structural subset of the keda.sh/v1alpha1 CRD schemas -------------

_META = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "minLength": 1}}}
KEDA_SCHEMAS: dict[str, dict[str, Any]] = {
    "ScaledObject": {
        "type": "object", "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": "keda.sh/v1alpha1"}, "kind": {"const": "ScaledObject"}, "metadata": _META,
            "spec": {
                "type": "object", "required": ["scaleTargetRef", "triggers"], "additionalProperties": False,
                "properties": {
                    "scaleTargetRef": {"type": "object", "required": ["name"], "additionalProperties": False,
                                       "properties": {"apiVersion": {"type": "string"},
                                                      "kind": {"type": "string"},
                                                      "name": {"type": "string"},
                                                      "envSourceContainerName": {"type": "string"}}},
                    "pollingInterval": {"type": "integer", "minimum": 1},
                    "cooldownPeriod": {"type": "integer", "minimum": 0},
                    "initialCooldownPeriod": {"type": "integer", "minimum": 0},
                    "idleReplicaCount": {"type": "integer", "minimum": 0},
                    "minReplicaCount": {"type": "integer", "minimum": 0},
                    "maxReplicaCount": {"type": "integer", "minimum": 1},
                    "fallback": {"type": "object"}, "advanced": {"type": "object"},
                    "triggers": {"type": "array", "minItems": 1, "items": {
                        "type": "object", "required": ["type", "metadata"], "additionalProperties": False,
                        "properties": {
                            "type": {"type": "string"}, "name": {"type": "string"},
                            "metricType": {"enum": ["AverageValue", "Value", "Utilization"]},
                            "useCachedMetrics": {"type": "boolean"},
                            "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
                            "authenticationRef": {"type": "object", "required": ["name"],
                                                  "properties": {"name": {"type": "string"},
                                                                 "kind": {"type": "string"}}},
                        }}},
                },
            },
        },
    },
    "TriggerAuthentication": {
        "type": "object", "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": "keda.sh/v1alpha1"}, "kind": {"const": "TriggerAuthentication"},
            "metadata": _META,
            "spec": {"type": "object", "minProperties": 1, "properties": {
                "secretTargetRef": {"type": "array", "items": {
                    "type": "object", "required": ["parameter", "name", "key"], "additionalProperties": False,
                    "properties": {"parameter": {"type": "string"}, "name": {"type": "string"},
                                   "key": {"type": "string"}}}},
                "env": {"type": "array"}, "podIdentity": {"type": "object"},
                "hashiCorpVault": {"type": "object"}, "azureKeyVault": {"type": "object"},
            }, "additionalProperties": False},
        },
    },
}


def test_scaler_keeps_credentials_out_of_the_metadata(rendered: dict[str, list[Manifest]]) -> None:
    scaled = by_kind(rendered["production"], "ScaledObject")["settlement-worker"]
    metadata = scaled["spec"]["triggers"][0]["metadata"]
    assert not {"connection", "password", "connectionFromEnv"} & set(metadata)


# --- the public entry point: the production Ingress ---------------------------------------------

def test_production_ingress_sends_the_public_host_to_the_portal_only(rendered: dict[str, list[Manifest]]) -> None:
    prod = rendered["production"]
    [ingress] = by_kind(prod, "Ingress").values()
    registry = by_kind(prod, "ConfigMap")["registry"]["data"]
    host = urlsplit(registry["REGISTRY_PUBLIC_BASE_URL"]).hostname
    assert urlsplit(registry["REGISTRY_STRONG_LOGIN_REDIRECT_URI"]).hostname == host
    [rule] = ingress["spec"]["rules"]
    assert rule["host"] == host, "email links and the strong-login redirect land on the portal"
    backends = {(p["path"], p["pathType"], p["backend"]["service"]["name"]) for p in rule["http"]["paths"]}
    assert backends == {("/", "Prefix", "portal")}, "no API paths are published"
    port = rule["http"]["paths"][0]["backend"]["service"]["port"]
    [svc_port] = by_kind(prod, "Service")["portal"]["spec"]["ports"]
    assert port in ({"name": svc_port["name"]}, {"number": svc_port["port"]})
    assert [h for t in ingress["spec"]["tls"] for h in t["hosts"]] == [host]
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert not by_kind(rendered["dev"], "Ingress"), "dev: kubectl port-forward svc/portal"


def test_the_portal_trusts_forwarded_addresses_only_because_only_the_ingress_reaches_it(
        rendered: dict[str, list[Manifest]]) -> None:
    # The per-source throttles (failed sign-ins, contact requests, reset mails) key on the browser's address
    # from X-Forwarded-For: trusting it from any peer is safe only while no other peer reaches the portal.
    manifests = rendered["production"]
    portal = by_kind(manifests, "Deployment")["portal"]
    [container] = pod_spec(portal)["containers"]
    assert container_env(manifests, container)["FORWARDED_ALLOW_IPS"] == "*"
    nets = list(by_kind(manifests, "NetworkPolicy").values())
    assert allowed(nets, INGRESS, PORTAL, 8000)
    for peer in [*(pod(s) for s in SERVICES), ("other-team", {"app": "x"}), ("seteli", {"app": "debug"})]:
        assert not allowed(nets, peer, PORTAL, 8000), peer


MONITORING = ("monitoring", {"app.kubernetes.io/name": "prometheus"})


def test_metrics_are_served_on_their_own_port_to_the_monitoring_namespace_only(
        rendered: dict[str, list[Manifest]]) -> None:
    manifests = rendered["production"]
    nets = list(by_kind(manifests, "NetworkPolicy").values())
    deployments = by_kind(manifests, "Deployment")
    for service in SERVICES:
        [container] = [c for c in pod_spec(deployments[service])["containers"] if c["name"] == service]
        # the API port serves no /metrics once the metrics port is set (seteli_common.metrics)
        assert container_env(manifests, container)[f"{service.upper()}_METRICS_PORT"] == "9100"
        assert {"name": "metrics", "containerPort": 9100, "protocol": "TCP"} in container["ports"]
        assert allowed(nets, MONITORING, pod(service), 9100), service
        assert not allowed(nets, MONITORING, pod(service), 8000), service
        for peer in (PORTAL, INGRESS, *(pod(s) for s in SERVICES if s != service), ("other-team", {"app": "x"})):
            assert not allowed(nets, peer, pod(service), 9100), (peer, service)


# --- fakes: only where they are chosen explicitly ------------------------------------------------

def _pod_settings(manifests: list[Manifest], deployment: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment the Deployment's container would get: its env (ConfigMaps resolved), a placeholder
    for each value from a Secret, and local stand-ins for the pod's database, broker and volumes."""
    [c] = pod_spec(by_kind(manifests, "Deployment")[deployment])["containers"]
    prefix = deployment.upper()
    for name in [n for n in os.environ if n.startswith(f"{prefix}_")]:
        monkeypatch.delenv(name)
    for name, value in container_env(manifests, c).items():
        monkeypatch.setenv(name, value if isinstance(value, str) else f"secret-{name.lower()}")
    local = {"DATABASE_URL": "", "DATABASE_ROLE": "", "BROKER_URL": "", "OTLP_ENDPOINT": "", "DATA_DIR": str(tmp_path),
             "ATTACHMENT_DIR": str(tmp_path / "attachments"), "SIGNING_KEY_PATH": str(tmp_path / "key.json"),
             "BOOTSTRAP_ADMIN_EMAIL": "", "BOOTSTRAP_ADMIN_PASSWORD": "", "LOG_JSON": "false"}
    for name, value in local.items():
        monkeypatch.setenv(f"{prefix}_{name}", value)


async def _fake_identity_status(runtime: Any) -> int:
    from seteli_common.testing import running_app
    from seteli_registry.bootstrap import build_app

    async with running_app(build_app(runtime)) as client:
        params = {"state": "s", "redirect_uri": runtime.settings.resident_redirect_uri}
        return (await client.get("/v1/fake-identity", params=params)).status_code


async def test_production_reaches_no_fake_and_the_base_alone_refuses_to_start(
        rendered: dict[str, list[Manifest]], tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from seteli_common.config import NotConfigured
    from seteli_common.messaging.memory import InMemoryBroker
    from seteli_notifications.bootstrap import build_runtime as notifications_runtime
    from seteli_notifications.config import NotificationsSettings
    from seteli_registry.adapters.company_register import PrhCompanyRegister
    from seteli_registry.adapters.identity import SuomiFiIdentity
    from seteli_registry.adapters.liability import UnconnectedLiabilityChecker
    from seteli_registry.adapters.mandates import SuomiFiMandates
    from seteli_registry.bootstrap import build_runtime
    from seteli_registry.config import RegistrySettings

    prod = rendered["production"]
    for m in prod:
        if m["kind"] in ("Deployment", "Job"):
            for c in pod_spec(m)["containers"]:
                env = container_env(prod, c)
                assert not any(k.endswith("_ADAPTERS") and v == "fake" for k, v in env.items()), m["metadata"]["name"]
    _pod_settings(prod, "registry", tmp_path / "prod", monkeypatch)
    runtime = build_runtime(RegistrySettings(), broker=InMemoryBroker())
    adapters = runtime.extras["adapters"]
    assert isinstance(adapters.identity, SuomiFiIdentity) and isinstance(adapters.mandates, SuomiFiMandates)
    assert isinstance(adapters.company_register, PrhCompanyRegister)
    assert isinstance(adapters.liability, UnconnectedLiabilityChecker), "never the fake's all-clear"
    assert await _fake_identity_status(runtime) == 404, "signing in as anyone: never in production"
    _pod_settings(prod, "notifications", tmp_path / "prod", monkeypatch)
    assert NotificationsSettings().smtp_host and notifications_runtime(NotificationsSettings(), broker=InMemoryBroker())

    # the base without an overlay chooses nothing: the registry refuses to start instead of faking Suomi.fi
    _pod_settings(rendered["base"], "registry", tmp_path / "base", monkeypatch)
    with pytest.raises(NotConfigured, match="REGISTRY_PRH_BASE_URL, REGISTRY_IDENTITY_BASE_URL"):
        build_runtime(RegistrySettings(), broker=InMemoryBroker())
    # the dev overlay chose the fakes
    _pod_settings(rendered["dev"], "registry", tmp_path / "dev", monkeypatch)
    assert await _fake_identity_status(build_runtime(RegistrySettings(), broker=InMemoryBroker())) == 200
