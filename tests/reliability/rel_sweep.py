"""The tenant-isolation sweep (issue 10, item 10): every route of every service's OpenAPI that names a
tenant or an object in its path, called with tenant A's token of each role against tenant B.
The rules of a good answer are in test_tenant_isolation.py's docstring."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from rel_tenants import TenantData, TwoTenants
from seteli_common.auth import Role

SWEPT_ROLES = (Role.TENANT_ADMIN, Role.TENANT_OFFICER, Role.PROVIDER_ADMIN, Role.PROVIDER_USER, Role.CLIENT)
METHODS = ("get", "post", "put", "patch", "delete")

TENANT_STAFF = frozenset({Role.TENANT_ADMIN, Role.TENANT_OFFICER})
PROVIDERS = frozenset({Role.PROVIDER_ADMIN, Role.PROVIDER_USER})
EVERYONE = frozenset(SWEPT_ROLES)

# Deliberately cross-tenant, not swept for these roles: (service, method, path template) → (roles, why).
CROSS_TENANT: dict[tuple[str, str, str], tuple[frozenset[Role], str]] = {
    ("registry", "GET", "/.well-known/jwks.json"): (EVERYONE, "public signing keys"),
    ("registry", "GET", "/v1/catalog/providers/{provider_id}"): (EVERYONE, "public catalog: a provider's page"),
    ("registry", "GET", "/v1/catalog/tenants/{tenant_id}/services/{service_id}/comparison"):
        (EVERYONE, "public catalog: price comparison of a tenant's service"),
    ("registry", "GET", "/v1/company-register/{business_id}"): (EVERYONE, "public trade register (YTJ) look-up"),
    ("registry", "POST", "/v1/tenants/{tenant_id}/registration-requests"):
        (EVERYONE, "public: any company may ask any tenant to register it (no token needed)"),
    # The provider register is one for all tenants (domain.md, registration paths 1-3): a company serves
    # many tenants, and any tenant's staff check a self-registered company. Approving is swept: only a
    # company waiting for approval, or one the tenant works with, is the tenant's to approve (issue 17).
    ("registry", "GET", "/v1/providers/{provider_id}"): (TENANT_STAFF, "shared provider register"),
    # A tenant's services are public: providers read them to apply (clients their own tenant's, to choose; other
    # tenants' in the public catalog, without a token); a provider may apply to any tenant's service (the
    # application is its own).
    ("applications", "GET", "/v1/tenants/{tenant_id}/services"): (PROVIDERS, "public services"),
    ("applications", "GET", "/v1/tenants/{tenant_id}/services/{service_id}"): (PROVIDERS, "public services"),
    ("applications", "POST", "/v1/tenants/{tenant_id}/applications"): (PROVIDERS, "a provider applies anywhere"),
    # domain.md (booking by a provider): a booking is refused "with the reason" when the provider has no
    # approved application for the voucher's service, so a real number of any tenant gets that 409, not a
    # 404; unknown numbers count against the provider and lock it out (no harvesting of numbers).
    ("vouchers", "GET", "/v1/tenants/{tenant_id}/vouchers/by-number/{number}"): (PROVIDERS, "booking refusal"),
    ("vouchers", "POST", "/v1/tenants/{tenant_id}/vouchers/lookup"):
        (EVERYONE, "voucher holder look-up by number and verification code (throttled)"),
}
# Public values of B that may appear in an answer: the ids of its (public) service and its contents.
PUBLIC_IDS = ("service_id", "content_id")
NOT_OBJECT_IDS = {"tenant_id", "year", "step", "identity_code", "month"}
MONTH_PATTERN = "[0-9]{2}-(0[1-9]|1[0-2])"


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def example(spec: dict[str, Any], schema: dict[str, Any], ids: dict[str, str], name: str = "",
            depth: int = 0) -> Any:
    """A value valid for `schema` where it can be, with B's ids in every field named like an id."""
    schema = _resolve(spec, schema)
    if depth > 6:
        return None
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [o for o in schema[key] if _resolve(spec, o).get("type") != "null"]
            return example(spec, options[0], ids, name, depth + 1) if options else None
    if "allOf" in schema:
        return example(spec, schema["allOf"][0], ids, name, depth + 1)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None and not name.endswith("_id"):
        return schema["default"]
    kind, fmt = schema.get("type"), schema.get("format", "")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {key: example(spec, sub, ids, key, depth + 1) for key, sub in props.items()}
    if kind == "array":
        return [example(spec, schema.get("items", {}), ids, name.rstrip("s"), depth + 1)]
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return "1.00" if schema.get("pattern") else 1
    if kind == "boolean":
        return True
    if name in ids:
        return ids[name]
    if name == "number" or name.endswith("voucher_number"):
        return ids["number"]
    if fmt == "date" or name in ("start", "end", "date", "day") or name.endswith(("_on", "_from", "_until")):
        return "2026-01-15"
    if fmt == "time" or name.endswith("_time"):
        return "10:00:00"
    if fmt == "date-time":
        return "2026-01-15T10:00:00+02:00"
    if name == "month" or MONTH_PATTERN in schema.get("pattern", ""):
        return ids.get("month", "2026-01")  # the month of the tenant's data (a report's range)
    if name == "postal_code":
        return "45100"
    if name.endswith("_url"):
        return "https://example.fi/asiakirja"
    if name == "website":
        return "https://example.fi"
    if fmt == "email" or name.endswith("email"):
        return "nobody@example.fi"
    if name.endswith("amount") or name.endswith("price") or name.endswith("value"):
        return "1.00"
    return "x" * max(1, int(schema.get("minLength", 1)))


def swept_routes(world: TwoTenants) -> list[tuple[str, str, str, dict[str, Any], dict[str, Any]]]:
    routes = []
    for service, app in world.suite.apps.items():
        spec = app.openapi()
        for path, operations in spec["paths"].items():
            if "{" not in path:
                continue  # nothing of another tenant to name: login, creating a tenant, lists of one's own
            routes += [(service, method.upper(), path, operation, spec)
                       for method, operation in operations.items() if method in METHODS]
    return routes


OpenRoutes = dict[tuple[str, str, str], tuple[frozenset[Role], str]]


def allowed_across(service: str, method: str, path: str, role: Role, open_routes: OpenRoutes = CROSS_TENANT) -> bool:
    roles, _ = open_routes.get((service, method, path), (frozenset(), ""))
    return role in roles


def fill_path(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def request_query(spec: dict[str, Any], operation: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    """The required query parameters, and every filter by an id (a list filtered by the victim's client)."""
    return {p["name"]: example(spec, p.get("schema", {}), ids, p["name"])
            for p in operation.get("parameters", [])
            if p["in"] == "query" and (p.get("required") or p["name"] in ids.keys() - NOT_OBJECT_IDS)}


def request_body(spec: dict[str, Any], operation: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        return {"json": example(spec, content["application/json"]["schema"], ids)}
    return {}


def _answer_text(text: str) -> str:
    """The response without its `instance` (the problem's echo of the request URL)."""
    try:
        body = json.loads(text)
    except ValueError:
        return text
    if isinstance(body, dict):
        body.pop("instance", None)
    return json.dumps(body)


def verdict(status: int, text: str, b_markers: set[str]) -> str | None:
    """None when the answer keeps B's data to itself (see the module docstring), else why not."""
    if status in (403, 404):
        return None
    if status in (200, 204, 422):
        leaked = sorted(m for m in b_markers if m in _answer_text(text))
        return f"{status} naming the other's {leaked}" if leaked else None
    return f"HTTP {status}"  # 201 made something; 409 and 429 confirm that B's record exists; 5xx


async def sweep(world: TwoTenants, token: Callable[[Role, TenantData], dict[str, str]],
                attacker: TenantData, victim: TenantData, *, roles: tuple[Role, ...] = SWEPT_ROLES,
                open_routes: OpenRoutes = CROSS_TENANT,
                public_ids: tuple[str, ...] = PUBLIC_IDS) -> tuple[Counter[int], list[str]]:
    """`attacker` and `victim` in one tenant (the attacker another company or client of it): the victim's ids
    in its own tenant's path, once; otherwise both variants of the module docstring of test_tenant_isolation."""
    markers = {v for k, v in victim.ids.items() if k not in {*NOT_OBJECT_IDS, *public_ids} and len(v) >= 6}
    markers -= {v for v in attacker.ids.values()}  # shared values (none expected) prove nothing
    one_tenant = attacker.tenant_id == victim.tenant_id
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    answered_otherwise: set[str] = set()
    for service, method, path, operation, spec in swept_routes(world):
        params = set(re.findall(r"\{(\w+)\}", path))
        variants = []
        if one_tenant:
            variants.append(("its ids", {**victim.ids}))
        elif "tenant_id" in params:
            variants.append(("B in path", {**victim.ids}))
            if params - NOT_OBJECT_IDS:
                variants.append(("A in path, B's ids", {**victim.ids, "tenant_id": attacker.tenant_id}))
        else:
            variants.append(("B's ids", {**victim.ids}))
        for role in roles:
            if allowed_across(service, method, path, role, open_routes):
                continue
            headers = token(role, attacker)
            for label, values in variants:
                url = f"/{service}{fill_path(path, values)}"
                response = await world.client.request(
                    method, url, headers=headers, params=request_query(spec, operation, victim.ids),
                    **request_body(spec, operation, victim.ids))
                statuses[response.status_code] += 1
                if response.status_code not in (403, 404):
                    answered_otherwise.add(f"{response.status_code} {role.value} {method} {service}{path} ({label})")
                why = verdict(response.status_code, response.text, markers)
                if label == "B in path" and role in TENANT_STAFF and response.status_code != 404:
                    # seteli_common.web.principal_first: before the role check and the body
                    why = why or f"HTTP {response.status_code}: another tenant's staff must get 404 at once"
                if why:
                    failures.append(f"{role.value:<15} {method:<6} {url} ({label}): {why}: {response.text[:200]}")
    if answered_otherwise:  # shown with -s: the routes that answered neither 403 nor 404
        print("\n[isolation] answered otherwise, naming nothing of the other's:\n  "
              + "\n  ".join(sorted(answered_otherwise)))
    return statuses, failures
