"""A client's access log as people read it (Client Data Act 703/2023 §11): the services log codes
(`events.list`, `provider_user`, a company's id, an English default purpose), the officer and the resident
read who (a role and an organisation by name), what (the data, and the file it was printed to) and why."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .apiclient import ApiError
from .tenants import directory, name_of
from .web import Page, seg

# A read's file beside its data: `co_payment.breakdown.pdf` is the breakdown printed as a PDF.
FORMATS = ("pdf", "csv", "xlsx", "html")

# The purposes the services write when the reader gave none: the reader's own task, said by their role.
DEFAULT_PURPOSES = frozenset({
    "access log", "approval queue", "booking", "bookings", "client details", "client list", "client search",
    "client's providers", "client's vouchers", "co-payment breakdown", "correction requests", "credits", "feedback",
    "interruption approval queue", "interruptions", "look-up with number and verification code",
    "payment specification", "provider client search", "provider client view", "report", "service event",
    "service events", "settlement lines of an event", "settlement preview", "settlement run", "voucher decision",
    "voucher details", "voucher list",
})

PROVIDER_ROLES = ("provider_admin", "provider_user")
TENANT_ROLES = ("tenant_admin", "tenant_officer")


def read_kind(what: str) -> str:
    """`co_payment.breakdown.pdf` -> `co_payment.breakdown`: the data read, without the file it was printed to."""
    base, _, fmt = what.rpartition(".")
    return base if fmt in FORMATS and base else what


def what_text(page: Page, what: str) -> str:
    """`events.list` -> "Palvelutapahtumat"; `co_payment.breakdown.pdf` -> "Omavastuuerittely (PDF)"; a code we
    do not know is shown as it is rather than hidden."""
    base = read_kind(what)
    fmt = what[len(base) + 1:]
    text = page.t(f"access_log.what.{base}", default=base)
    return f"{text} ({page.t(f'access_log.format.{fmt}')})" if fmt else text


def why_text(page: Page, why: str, role: str) -> str:
    if why.strip() not in DEFAULT_PURPOSES:
        return why  # the reader's own words
    group = "provider" if role in PROVIDER_ROLES else "tenant" if role in TENANT_ROLES else role
    return page.t(f"access_log.purpose.{group}", default=why)


async def _organisations(page: Page, items: list[dict[str, Any]]) -> dict[str, str]:
    """Organisation ids -> names: the municipality from the public directory, a company from its public card."""
    names = {str(t["id"]): name_of(t, page.lang) for t in await directory(page)}
    # a provider's user reads for its company; the system's row names the company it sent the data to
    providers = {str(r["actor_org"]) for r in items
                 if r.get("actor_role") in (*PROVIDER_ROLES, "system") and r.get("actor_org")}
    for provider_id in sorted(providers - names.keys()):
        try:
            card = await page.call("GET", "registry", f"/v1/catalog/providers/{seg(provider_id)}", anonymous=True)
            names[provider_id] = str(card["name"])
        except ApiError:  # not in the public catalog (a purchased service's provider): its id, not nothing
            names[provider_id] = provider_id
    return names


async def readable(page: Page, items: Iterable[dict[str, Any]], at_local: Any) -> list[dict[str, Any]]:
    """The log's rows with the role, the organisation, the data and the purpose in the reader's language."""
    rows = list(items)
    names = await _organisations(page, rows)
    out = []
    for r in rows:
        role = str(r.get("actor_role") or "")
        org = r.get("actor_org")
        org_text = (page.t("access_log.org_client") if role == "client"
                    else names.get(str(org), str(org)) if org else "–")
        out.append({**r, "at_local": at_local(r["at"]), "role_text": page.t(f"access_log.role.{role}", default=role),
                    "org_text": org_text, "what_text": what_text(page, str(r.get("what") or "")),
                    "why_text": why_text(page, str(r.get("why") or ""), role)})
    return out
