"""Writes deploy/k8s/base/<service>.yaml from the table below (six near-identical services and the portal).

    uv run --frozen python deploy/k8s/generate.py          # rewrite the base manifests
    uv run --frozen python deploy/k8s/generate.py --check  # exit 1 if a committed file differs

The YAML files are committed and reviewed as they are; tests/deploy checks they match this script.
Edit here, not in base/*.yaml.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

BASE = Path(__file__).parent / "base"
PORT = 8000
METRICS_PORT = 9100  # /metrics only; reached from the monitoring namespace alone (network_policy)
IMAGE_REPO = "seteli"
DATA_NAMESPACE = "seteli-data"  # RabbitMQ cluster and PostgreSQL clusters (run by their operators)
OBSERVABILITY_NAMESPACE = "observability"  # the OpenTelemetry collector
MONITORING_NAMESPACE = "monitoring"  # Prometheus, which scrapes METRICS_PORT
INGRESS_NAMESPACE = "ingress-nginx"
OTLP_ENDPOINT = f"http://otel-collector.{OBSERVABILITY_NAMESPACE}.svc:4318/v1/traces"
SIGNING_KEY_DIR = "/var/run/secrets/seteli"
# Registry attachments: shared by every registry replica and kept over restarts (a ReadWriteMany volume).
ATTACHMENT_DIR = "/var/lib/seteli/attachments"

PART_OF = {"app.kubernetes.io/part-of": "seteli"}
# Argo CD sync waves of the PreSync hooks: every service's queues are declared, then every service migrates.
DECLARE_WAVE, MIGRATE_WAVE = -2, -1

# name -> settings beyond the common ones, secrets (env suffix -> (secret key, required)), sizing.
SERVICES: dict[str, dict[str, Any]] = {
    "registry": {
        "config": {"SIGNING_KEY_PATH": f"{SIGNING_KEY_DIR}/signing-key.json",
                   "ATTACHMENT_DIR": ATTACHMENT_DIR,
                   "PUBLIC_BASE_URL": "https://seteli.example.fi",
                   "STRONG_LOGIN_REDIRECT_URI": "https://seteli.example.fi/strong-login/callback",
                   "SIGNING_REDIRECT_URI": "https://seteli.example.fi/provider/signing/callback",
                   # No external endpoints here: an overlay sets the real ones (production) or
                   # REGISTRY_ADAPTERS=fake (dev); with neither the registry refuses to start.
                   "RESIDENT_REDIRECT_URI": "https://seteli.example.fi/resident/callback"},
        "secrets": {"BOOTSTRAP_ADMIN_EMAIL": ("bootstrap-admin-email", False),
                    "BOOTSTRAP_ADMIN_PASSWORD": ("bootstrap-admin-password", False),
                    "MANDATES_API_KEY": ("mandates-api-key", False),
                    "MANDATES_OAUTH_PASSWORD": ("mandates-oauth-password", False),
                    "IDENTITY_CLIENT_SECRET": ("identity-client-secret", False),
                    # the same value as in the Secret `vouchers`: resident sign-in knows vouchers' clients by it
                    "PERSON_PSEUDONYM_KEY": ("person-pseudonym-key", False)},
        "memory": "384Mi",
        "https_egress": True,  # PRH open data, the register of mandates, Suomi.fi e-Identification
    },
    "applications": {"config": {}, "secrets": {}, "memory": "384Mi"},
    "vouchers": {"config": {}, "secrets": {"PERSON_PSEUDONYM_KEY": ("person-pseudonym-key", False)},
                 "memory": "384Mi"},
    "events": {"config": {"AUTO_RECORD_DAY": "4"}, "secrets": {}, "memory": "512Mi"},
    "settlement": {
        # Dedicated workers (settlement-worker Deployment) run the per-provider jobs, not the API pods.
        "config": {"INLINE_JOBS": "false", "PAIN_VERSION": "pain.001.001.03"},
        "secrets": {},
        "memory": "768Mi",
    },
    "notifications": {
        "config": {"SMTP_HOST": "smtp-relay.example.fi", "SMTP_PORT": "587", "SMTP_STARTTLS": "true",
                   "MAIL_FROM": "Seteli <noreply@seteli.fi>", "MESSAGE_ID_DOMAIN": "seteli.fi",
                   # the portal, for links in mail: the registry's PUBLIC_BASE_URL
                   "PUBLIC_BASE_URL": "https://seteli.example.fi"},
        "secrets": {"SMTP_USERNAME": ("smtp-username", False), "SMTP_PASSWORD": ("smtp-password", False)},
        "memory": "384Mi",
        "smtp_egress": True,
    },
}
# The web portal: no database, no broker, no migrations. It calls the six services' APIs inside the cluster,
# server-side, with the signed-in user's token; the public host (the production overlay's Ingress) reaches only it.
PORTAL = "portal"
PORTAL_CONFIG = {
    "SERVICE_URLS": json.dumps({s: f"http://{s}:{PORT}" for s in SERVICES}, separators=(",", ":")),
    "COOKIE_SECURE": "true",  # TLS ends at the ingress controller; browsers only see https
    "DEFAULT_TENANT": "",  # the tenant residents see first: an overlay sets it
    "DEFAULT_LANGUAGE": "fi",
    "API_TIMEOUT_SECONDS": "30",
}
# The workers claim per-provider jobs from the settlement database (`run_jobs`, FOR UPDATE SKIP LOCKED),
# not from a queue: KEDA scales on the number of jobs waiting or running there.
JOBS_QUERY = "SELECT count(*) FROM run_jobs WHERE state IN ('pending', 'running')"


def labels(service: str, component: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": service, "app.kubernetes.io/component": component, **PART_OF}


def selector(service: str, component: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": service, "app.kubernetes.io/component": component}


def config_map(service: str) -> dict[str, Any]:
    prefix = service.upper()
    data = {
        f"{prefix}_HTTP_PORT": str(PORT),
        f"{prefix}_METRICS_PORT": str(METRICS_PORT),
        f"{prefix}_OTLP_ENDPOINT": OTLP_ENDPOINT,
        f"{prefix}_LOG_JSON": "true",
        f"{prefix}_LOG_LEVEL": "INFO",
        f"{prefix}_DATA_DIR": "/var/lib/seteli",
        # Row-level security: every connection acts as this role (docs/operations.md, "Database roles").
        f"{prefix}_DATABASE_ROLE": f"{service}_app",
    }
    if service != "registry":
        data[f"{prefix}_JWKS_URL"] = f"http://registry:{PORT}/.well-known/jwks.json"
    data.update({f"{prefix}_{k}": v for k, v in SERVICES[service]["config"].items()})
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": service, "labels": labels(service, "config")}, "data": data}


def env(service: str) -> list[dict[str, Any]]:
    """Connection strings carry credentials: they come from the Secret `<service>` (never in the repo)."""
    prefix = service.upper()
    secrets = {"DATABASE_URL": ("database-url", True), "BROKER_URL": ("broker-url", True),
               **SERVICES[service]["secrets"]}
    items = []
    for suffix, (key, required) in secrets.items():
        ref: dict[str, Any] = {"name": service, "key": key}
        if not required:
            ref["optional"] = True
        items.append({"name": f"{prefix}_{suffix}", "valueFrom": {"secretKeyRef": ref}})
    return items


def container(service: str, *, command: list[str] | None, memory: str,
              cpu_limit: str = "1", files: bool = True) -> dict[str, Any]:
    c: dict[str, Any] = {
        "name": service,
        "image": f"{IMAGE_REPO}/{service}:latest",
        "imagePullPolicy": "IfNotPresent",
        "envFrom": [{"configMapRef": {"name": service}}],
        "env": env(service),
        "resources": {"requests": {"cpu": "100m", "memory": memory},
                      "limits": {"cpu": cpu_limit, "memory": memory}},
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                            "capabilities": {"drop": ["ALL"]}},
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"},
                         {"name": "data", "mountPath": "/var/lib/seteli"}],
    }
    if command:
        c["command"] = command
    if service == "registry" and files:
        c["volumeMounts"] += [{"name": "signing-key", "mountPath": SIGNING_KEY_DIR, "readOnly": True},
                              {"name": "attachments", "mountPath": ATTACHMENT_DIR}]
    return c


def pod_spec(service: str, containers: list[dict[str, Any]], *, restart: str = "Always",
             files: bool = True) -> dict[str, Any]:
    """`files`: the registry's signing key and attachments (not needed to migrate)."""
    volumes: list[dict[str, Any]] = [{"name": "tmp", "emptyDir": {}}]
    if service != PORTAL:  # the portal keeps nothing on disk
        volumes.append({"name": "data", "emptyDir": {}})
    if service == "registry" and files:
        volumes += [{"name": "signing-key", "secret": {"secretName": "registry-signing-key",
                                                       "defaultMode": 0o440}},
                    {"name": "attachments", "persistentVolumeClaim": {"claimName": "registry-attachments"}}]
    spec: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001,
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": containers,
        "volumes": volumes,
    }
    if restart != "Always":
        spec["restartPolicy"] = restart
    return spec


def http_probe(path: str, period: int, failures: int) -> dict[str, Any]:
    return {"httpGet": {"path": path, "port": "http"}, "periodSeconds": period, "timeoutSeconds": 3,
            "failureThreshold": failures}


def deployment(service: str) -> dict[str, Any]:
    c = container(service, command=None, memory=SERVICES[service]["memory"])
    # Startup allows for the in-app `alembic upgrade head` (a no-op after the migration Job).
    deploy = http_deployment(service, "api", c, startup=http_probe("/health/live", 5, 24),
                             readiness=http_probe("/health/ready", 10, 3))
    c["ports"].append({"name": "metrics", "containerPort": METRICS_PORT, "protocol": "TCP"})
    return deploy


def http_deployment(service: str, component: str, c: dict[str, Any], *, startup: dict[str, Any],
                    readiness: dict[str, Any]) -> dict[str, Any]:
    c["ports"] = [{"name": "http", "containerPort": PORT, "protocol": "TCP"}]
    c["startupProbe"] = startup
    c["livenessProbe"] = http_probe("/health/live", 15, 4)
    c["readinessProbe"] = readiness
    # Give the Service time to drop the pod from its endpoints before uvicorn stops accepting.
    c["lifecycle"] = {"preStop": {"exec": {"command": ["sleep", "5"]}}}
    spec = pod_spec(service, [c])
    spec["terminationGracePeriodSeconds"] = 40
    spec["topologySpreadConstraints"] = [{
        "maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway",
        "labelSelector": {"matchLabels": selector(service, component)}}]
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": service, "labels": labels(service, component)},
        "spec": {
            "replicas": 2,
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": selector(service, component)},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": {"metadata": {"labels": labels(service, component)}, "spec": spec},
        },
    }


def service_resource(service: str, component: str = "api") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": service, "labels": labels(service, component)},
            "spec": {"type": "ClusterIP", "selector": selector(service, component),
                     "ports": [{"name": "http", "port": PORT, "targetPort": "http", "protocol": "TCP"}]}}


def pdb(name: str, service: str, component: str) -> dict[str, Any]:
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": name, "labels": labels(service, component)},
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector(service, component)}}}


def hpa(service: str, component: str = "api") -> dict[str, Any]:
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": service, "labels": labels(service, component)},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": service},
                     "minReplicas": 2, "maxReplicas": 6,
                     "metrics": [{"type": "Resource", "resource": {
                         "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]}}


def hook_job(service: str, command: str, component: str, wave: int) -> dict[str, Any]:
    """A `run.py <command>` Job with the image about to be rolled out, run by Argo CD before the Deployments."""
    c = container(service, command=["python", "/app/run.py", command], memory="256Mi", files=False)
    return {
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {
            "name": f"{service}-{command}", "labels": labels(service, component),
            # Argo CD runs it before syncing the new Deployment and recreates it on every sync.
            # With plain kubectl, see docs/operations.md ("Deploy").
            "annotations": {"argocd.argoproj.io/hook": "PreSync",
                            "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation",
                            "argocd.argoproj.io/sync-wave": str(wave)},
        },
        "spec": {"backoffLimit": 3, "activeDeadlineSeconds": 600,
                 "template": {"metadata": {"labels": labels(service, component)},
                              "spec": pod_spec(service, [c], restart="Never", files=False)}},
    }


def declare_job(service: str) -> dict[str, Any]:
    """The new version's queues and bindings, declared before ANY service migrates (an earlier wave): a
    migration may write events to its outbox that the running pods relay at once, and a queue bound only when
    its new pods start would miss them, silently."""
    return hook_job(service, "declare", "declare", DECLARE_WAVE)


def migration_job(service: str) -> dict[str, Any]:
    return hook_job(service, "migrate", "migration", MIGRATE_WAVE)


def exec_probe(period: int, failures: int) -> dict[str, Any]:
    return {"exec": {"command": ["python", "/app/run.py", "check"]}, "periodSeconds": period,
            "timeoutSeconds": 10, "failureThreshold": failures}


def worker_resources() -> list[dict[str, Any]]:
    service = "settlement"
    c = container(service, command=["python", "-m", "seteli_settlement.worker"], memory="1Gi", cpu_limit="2")
    c["name"] = "worker"
    c["resources"]["requests"]["cpu"] = "250m"
    # No HTTP in the worker: the probes check that the database and the broker answer.
    c["readinessProbe"] = exec_probe(30, 3)
    c["livenessProbe"] = exec_probe(60, 5)
    spec = pod_spec(service, [c])
    # A per-provider job has a lease (SETTLEMENT_JOB_LEASE_SECONDS): let the current one finish.
    spec["terminationGracePeriodSeconds"] = 90
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "settlement-worker", "labels": labels(service, "worker")},
        "spec": {"replicas": 1, "revisionHistoryLimit": 5,
                 "selector": {"matchLabels": selector(service, "worker")},
                 "template": {"metadata": {"labels": labels(service, "worker")}, "spec": spec}},
    }
    # KEDA's postgresql scaler takes a libpq URL (postgresql://...), not SQLAlchemy's postgresql+asyncpg://:
    # the Secret holds it separately, ideally for a role that may only read run_jobs.
    auth = {
        "apiVersion": "keda.sh/v1alpha1", "kind": "TriggerAuthentication",
        "metadata": {"name": "settlement-worker-jobs", "labels": labels(service, "worker")},
        "spec": {"secretTargetRef": [{"parameter": "connection", "name": "settlement",
                                      "key": "jobs-connection"}]},
    }
    scaled = {
        "apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
        "metadata": {"name": "settlement-worker", "labels": labels(service, "worker")},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "settlement-worker"},
            # At least one: the worker also checks the tenants' transfer days (lock and send).
            "minReplicaCount": 1, "maxReplicaCount": 8,
            "pollingInterval": 15, "cooldownPeriod": 300,
            "triggers": [{"type": "postgresql",
                          "metadata": {"query": JOBS_QUERY, "targetQueryValue": "20",
                                       "activationTargetQueryValue": "0"},
                          "authenticationRef": {"name": "settlement-worker-jobs"}}],
        },
    }
    return [deployment, pdb("settlement-worker", service, "worker"), auth, scaled]


def attachments_claim() -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "registry-attachments", "labels": labels("registry", "storage")},
            "spec": {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "20Gi"}}}}


def network_policy(service: str) -> dict[str, Any]:
    """One policy per service, for all its pods (API, declare and migration Jobs, worker): only the paths it
    needs."""
    port = [{"protocol": "TCP", "port": PORT}]
    ingress: list[dict[str, Any]] = [
        {"from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "portal"}}}], "ports": port}]
    if service == "registry":
        others = [s for s in SERVICES if s != "registry"]
        ingress.append({"from": [{"podSelector": {"matchExpressions": [
            {"key": "app.kubernetes.io/name", "operator": "In", "values": others}]}}], "ports": port})
    # Prometheus scrapes /metrics on its own port, from the monitoring namespace only; the API port
    # serves no metrics (<SVC>_METRICS_PORT is set), so the portal and the other services never read them.
    ingress.append({"from": [{"namespaceSelector": {"matchLabels": {
        "kubernetes.io/metadata.name": MONITORING_NAMESPACE}}}],
        "ports": [{"protocol": "TCP", "port": METRICS_PORT}]})
    # No path from the ingress controller: the public host reaches the portal only (see portal_policy).
    data_ns = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": DATA_NAMESPACE}}}
    egress: list[dict[str, Any]] = [
        {"to": [{**data_ns, "podSelector": {"matchLabels": {"app.kubernetes.io/name": "rabbitmq"}}}],
         "ports": [{"protocol": "TCP", "port": 5672}]},
        {"to": [{**data_ns, "podSelector": {"matchLabels": {"cnpg.io/cluster": f"{service}-db"}}}],
         "ports": [{"protocol": "TCP", "port": 5432}]},
        {"to": [{"namespaceSelector": {"matchLabels": {
            "kubernetes.io/metadata.name": OBSERVABILITY_NAMESPACE}}}],
         "ports": [{"protocol": "TCP", "port": 4318}]},
    ]
    if service != "registry":
        egress.append({"to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "registry"}}}],
                       "ports": port})
    internet = {"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]}}
    if SERVICES[service].get("https_egress"):
        egress.append({"to": [internet], "ports": [{"protocol": "TCP", "port": 443}]})
    if SERVICES[service].get("smtp_egress"):
        egress.append({"to": [internet], "ports": [{"protocol": "TCP", "port": p} for p in (25, 465, 587)]})
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": service, "labels": labels(service, "network")},
            "spec": {"podSelector": {"matchLabels": {"app.kubernetes.io/name": service}},
                     "policyTypes": ["Ingress", "Egress"], "ingress": ingress, "egress": egress}}


def common_policies() -> list[dict[str, Any]]:
    meta = {"labels": {"app.kubernetes.io/component": "network", **PART_OF}}
    deny = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "default-deny", **meta},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}
    dns = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
           "metadata": {"name": "allow-dns", **meta},
           "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
               "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                       "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
               "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]}}
    return [deny, dns]


def portal_resources() -> list[dict[str, Any]]:
    """The web portal: ConfigMap, Deployment, Service, PDB, CPU HPA and NetworkPolicy (no migration Job)."""
    data = {f"PORTAL_{k}": v for k, v in PORTAL_CONFIG.items()}
    config = {"apiVersion": "v1", "kind": "ConfigMap",
              "metadata": {"name": PORTAL, "labels": labels(PORTAL, "config")}, "data": data}
    c: dict[str, Any] = {
        "name": PORTAL,
        "image": f"{IMAGE_REPO}/{PORTAL}:latest",
        "imagePullPolicy": "IfNotPresent",
        "envFrom": [{"configMapRef": {"name": PORTAL}}],
        # Encrypts the session cookie (it holds the users' tokens). Required: the code default is dev-only.
        "env": [{"name": "PORTAL_SESSION_SECRET",
                 "valueFrom": {"secretKeyRef": {"name": PORTAL, "key": "session-secret"}}},
                # The browser's address for the per-source throttles comes from X-Forwarded-For; trusted
                # from any peer because the portal's NetworkPolicy lets only the ingress controller in.
                {"name": "FORWARDED_ALLOW_IPS", "value": "*"}],
        "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "256Mi"}},
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                            "capabilities": {"drop": ["ALL"]}},
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    # The portal has /health/live only, and it is right for readiness too: a portal pod that is up can serve
    # every page, and it shows its own "service unavailable" page when a service is down. Taking all portal
    # pods out of the Service because one backend is down would turn that into the ingress's bare 503.
    deploy = http_deployment(PORTAL, "web", c, startup=http_probe("/health/live", 2, 15),
                             readiness=http_probe("/health/live", 10, 3))
    return [config, deploy, service_resource(PORTAL, "web"), pdb(PORTAL, PORTAL, "web"), hpa(PORTAL, "web"),
            portal_policy()]


def portal_policy() -> dict[str, Any]:
    """Reached from the ingress controller only; calls the six services' APIs (and DNS, see allow-dns)."""
    port = [{"protocol": "TCP", "port": PORT}]
    apis = {"matchLabels": {"app.kubernetes.io/component": "api"},
            "matchExpressions": [{"key": "app.kubernetes.io/name", "operator": "In", "values": list(SERVICES)}]}
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": PORTAL, "labels": labels(PORTAL, "network")},
            "spec": {"podSelector": {"matchLabels": {"app.kubernetes.io/name": PORTAL}},
                     "policyTypes": ["Ingress", "Egress"],
                     "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {
                         "kubernetes.io/metadata.name": INGRESS_NAMESPACE}}}], "ports": port}],
                     "egress": [{"to": [{"podSelector": apis}], "ports": port}]}}


def documents() -> dict[str, list[dict[str, Any]]]:
    files: dict[str, list[dict[str, Any]]] = {}
    for service in SERVICES:
        docs = [config_map(service), deployment(service), service_resource(service),
                pdb(service, service, "api"), hpa(service), declare_job(service), migration_job(service),
                network_policy(service)]
        if service == "settlement":
            docs += worker_resources()
        if service == "registry":
            docs.append(attachments_claim())
        files[f"{service}.yaml"] = docs
    files[f"{PORTAL}.yaml"] = portal_resources()
    files["network-policies.yaml"] = common_policies()
    return files


def render() -> dict[str, str]:
    header = "# Generated by deploy/k8s/generate.py: edit the script, then run it.\n"
    out = {name: header + yaml.safe_dump_all(docs, sort_keys=False, width=120)
           for name, docs in documents().items()}
    kustomization = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                     "resources": sorted(out)}
    out["kustomization.yaml"] = header + yaml.safe_dump(kustomization, sort_keys=False)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed files differ")
    args = parser.parse_args()
    stale = []
    for name, text in render().items():
        path = BASE / name
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if stale:
        print("stale (run deploy/k8s/generate.py):", ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
