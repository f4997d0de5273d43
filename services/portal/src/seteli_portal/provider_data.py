"""The company's people, subcontractors and attachments as the registry's API gives them, shaped for
the provider's pages and the application's steps 5 and 6 (no routes here, so any route module can use it)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from seteli_common.clock import today_in_helsinki

from .apiclient import ApiError
from .web import Page, seg

HELSINKI = ZoneInfo("Europe/Helsinki")


def today(request: Request) -> date:
    """Helsinki's date on the portal's clock (the real one, or a training date: PORTAL_TODAY)."""
    return today_in_helsinki(request.app.state.clock)


def created_since(items: list[dict[str, Any]], since: date) -> list[dict[str, Any]]:
    """The items whose `created_at` (an instant, UTC on the wire) fell on Helsinki's `since` or later: an item made
    at 00:30 in Helsinki is of that day, though UTC's date is still the day before."""
    def day_of(item: dict[str, Any]) -> date | None:
        value = item.get("created_at")
        if not value:
            return None
        at = datetime.fromisoformat(str(value))
        return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(HELSINKI).date()

    return [item for item in items if (day := day_of(item)) is not None and day >= since]


async def listing(page: Page, what: str) -> list[dict[str, Any]]:
    """employees | subcontractors | attachments | liability-checks of the signed-in user's company: all of them."""
    return await page.every("registry", f"/v1/providers/{seg(page.provider_id)}/{what}")


def attachment_state(attachment: dict[str, Any], day: date) -> str:
    """valid | expired | upcoming: what the completeness check counts on `day`."""
    until, start = attachment.get("valid_until"), attachment.get("valid_from")
    if until and date.fromisoformat(str(until)[:10]) < day:
        return "expired"
    if start and date.fromisoformat(str(start)[:10]) > day:
        return "upcoming"
    return "valid"


def owners(provider: dict[str, Any], subcontractors: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Who an attachment can belong to: the company, each site, each subcontractor."""
    result = [{"key": "company", "level": "company", "id": str(provider["id"]), "name": str(provider["name"])}]
    result += [{"key": f"site:{s['id']}", "level": "site", "id": str(s["id"]), "name": str(s["name"])}
               for s in provider.get("sites", [])]
    result += [{"key": f"subcontractor:{s['id']}", "level": "subcontractor", "id": str(s["id"]),
                "name": f"{s['name']} ({s['business_id']})"} for s in subcontractors]
    return result


async def application_context(page: Page) -> dict[str, Any]:
    """What the application page needs for steps 5 (employees) and 6 (subcontractors) and for linking
    each attachment on the to-do list to its owner's name."""
    try:
        employees = await listing(page, "employees")
        subcontractors = await listing(page, "subcontractors")
    except ApiError:
        employees, subcontractors = [], []
    names = {s["id"]: f"{s['name']} ({s['business_id']})" for s in subcontractors}
    return {"employees": employees, "subcontractors": subcontractors, "subcontractor_names": names}
