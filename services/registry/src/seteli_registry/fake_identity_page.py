"""The fake identity provider's test page (embedded mode and tests, only when the identity adapter is
the fake): a tester names a test person and their roles in a company, and is sent back to the redirect
URI with a code, as Suomi.fi would. Mounted by bootstrap only with FakeIdentity and FakeMandates, so
it cannot exist beside the real services.
"""

from __future__ import annotations

import secrets
from html import escape
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse, RedirectResponse
from seteli_common.errors import invalid

from .adapters.identity import FakeIdentity, Person
from .adapters.mandates import FakeMandates, OrganisationRoles
from .api import context
from .repository import signing as signing_queries
from .service import RegistryContext

router = APIRouter(prefix="/v1/fake-identity", include_in_schema=False)
TEST_IDENTITY_CODE = "010170-999R"  # individual number 900-999: a test code, never a real person


def _allowed_redirect(ctx: RegistryContext, redirect_uri: str) -> str:
    if redirect_uri not in (ctx.settings.signing_redirect_uri, ctx.settings.strong_login_redirect_uri,
                            ctx.settings.resident_redirect_uri):
        raise invalid("redirect_uri", "not a redirect URI of this registry")
    return redirect_uri


@router.get("", response_class=HTMLResponse)
async def page(state: str, redirect_uri: str, lang: str = "fi", ctx: RegistryContext = Depends(context)) -> str:
    _allowed_redirect(ctx, redirect_uri)
    signing = await signing_queries.signing_session_by_state(ctx.session, state)
    business_id = signing["business_id"] if signing else ""
    hidden = "".join(f'<input type="hidden" name="{k}" value="{escape(v)}">'
                     for k, v in (("state", state), ("redirect_uri", redirect_uri)))
    fields = "".join(
        f'<p><label>{label}<br><input name="{name}" value="{escape(value)}"></label></p>'
        for label, name, value in (("Etunimi", "given_name", "Maija"), ("Sukunimi", "surname", "Meikäläinen"),
                                   ("Testihenkilötunnus", "identity_code", TEST_IDENTITY_CODE),
                                   ("Yrityksen Y-tunnus", "business_id", business_id),
                                   ("Roolit yrityksessä (esim. TJ, NIMKO)", "roles", "TJ")))
    return (f"<!doctype html><html lang='{escape(lang)}'><title>Testitunnistus</title>"
            "<h1>Testitunnistus (ei oikea Suomi.fi)</h1>"
            f"<form method='post'>{hidden}{fields}<button type='submit'>Tunnistaudu</button></form></html>")


@router.post("")
async def identify(state: Annotated[str, Form()], redirect_uri: Annotated[str, Form()],
                   given_name: Annotated[str, Form()], surname: Annotated[str, Form()],
                   identity_code: Annotated[str, Form()], business_id: Annotated[str, Form()] = "",
                   roles: Annotated[str, Form()] = "", ctx: RegistryContext = Depends(context)) -> RedirectResponse:
    target = _allowed_redirect(ctx, redirect_uri)
    identity, mandates = ctx.ports.identity, ctx.ports.mandates
    assert isinstance(identity, FakeIdentity) and isinstance(mandates, FakeMandates)
    code = secrets.token_urlsafe(16)
    identity.add(code, Person(identity_code.strip(), given_name.strip(), surname.strip()))
    if business_id.strip():
        held = [r.strip().upper() for r in roles.replace(",", " ").split() if r.strip()]
        others = [o for o in mandates.roles.get(identity_code.strip(), []) if o.business_id != business_id.strip()]
        mandates.add(identity_code.strip(), [*others, OrganisationRoles(business_id.strip(), "", held)])
    return RedirectResponse(f"{target}?{urlencode({'state': state, 'code': code})}", status_code=303)
