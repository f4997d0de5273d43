"""The municipalities (tenants) of this deployment and their services, from the applications service's
public list: wherever a person chooses a municipality they pick from this list, no one types an id."""

from __future__ import annotations

from typing import Any

from .apiclient import ApiError
from .web import Page


async def directory(page: Page) -> list[dict[str, Any]]:
    """Every tenant, {id, name_fi, name_sv, services: [...]}, by name in the reader's language."""
    try:
        body = await page.call("GET", "applications", "/v1/public/tenants", anonymous=True)
    except ApiError:
        return []
    items: list[dict[str, Any]] = body["items"]
    return sorted(items, key=lambda t: (str(t.get(f"name_{page.lang}") or t["name_fi"]).lower(), t["id"]))


def name_of(tenant: dict[str, Any], lang: str) -> str:
    return str(tenant.get(f"name_{lang}") or tenant.get("name_fi") or tenant["id"])


def options(items: list[dict[str, Any]], lang: str) -> list[tuple[str, str]]:
    """(id, name) pairs for a select."""
    return [(str(t["id"]), name_of(t, lang)) for t in items]
