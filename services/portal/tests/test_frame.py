"""Language, session, CSRF and access: what every page relies on."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from seteli_portal.catalog import CATALOG

from .conftest import csrf_of, login, submit
from .seed import PROVIDER_PASSWORD, Seed

TEMPLATES = Path(__file__).parents[1] / "src" / "seteli_portal" / "templates"
SOURCES = Path(__file__).parents[1] / "src" / "seteli_portal"


async def test_finnish_by_default_swedish_on_request_and_the_choice_sticks(portal: httpx.AsyncClient) -> None:
    home = await portal.get("/")
    assert home.status_code == 200
    assert '<html lang="fi">' in home.text and "Palveluhaku" in home.text
    assert 'class="skip-link" href="#main"' in home.text

    switched = await portal.post("/language", data={"csrf": csrf_of(home.text), "lang": "sv", "next": "/catalog"})
    assert switched.status_code == 303 and switched.headers["location"] == "/catalog"
    catalog = await portal.get("/catalog")
    assert '<html lang="sv">' in catalog.text and "Tjänstesök" in catalog.text and "Palveluhaku" not in catalog.text


async def test_an_unknown_address_gets_a_page_in_the_readers_language(
        portal: httpx.AsyncClient) -> None:
    missing = await portal.get("/no-such-page")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert "Sivua tai tietoa ei löytynyt." in missing.text and '"detail"' not in missing.text
    swedish = await portal.get("/no-such-page", headers={"accept-language": "sv"})
    assert "Sidan eller uppgiften hittades inte." in swedish.text


async def test_swedish_browser_gets_swedish_before_any_choice(portal: httpx.AsyncClient) -> None:
    page = await portal.get("/", headers={"accept-language": "sv-FI,sv;q=0.9"})
    assert '<html lang="sv">' in page.text


async def test_every_ui_string_used_exists_in_finnish_and_swedish() -> None:
    used: set[str] = set()
    prefixes: set[str] = set()  # keys made in the page, e.g. t('interruption.mark_' ~ state)
    for path in [*TEMPLATES.rglob("*.html"), *SOURCES.glob("*.py")]:
        text = path.read_text()
        used |= set(re.findall(r"""\bt\(['"]([a-z_.0-9]*[a-z_0-9])['"](?!\s*~)""", text))
        used |= set(re.findall(r"""flash\(['"]([a-z_.0-9]*[a-z_0-9])['"]""", text))
        prefixes |= set(re.findall(r"""\bt\(['"]([a-z_.0-9]+)['"]\s*~""", text))
    missing = sorted(k for k in used if k not in CATALOG)
    assert not missing, f"keys without fi/sv text: {missing}"
    unknown = sorted(p for p in prefixes if not any(k.startswith(p) for k in CATALOG))
    assert not unknown, f"key prefixes with no fi/sv text: {unknown}"
    assert all(fi and sv for fi, sv in CATALOG.values())


async def test_wrong_password_is_told_next_to_the_form_and_no_session_token(portal: httpx.AsyncClient,
                                                                          data: Seed) -> None:
    response = await submit(portal, "/login", "/login", {"email": data.provider_email, "password": "Wrong-pass-1"})
    assert response.status_code in (400, 401)
    assert "Sähköposti tai salasana on väärin" in response.text
    assert 'role="alert"' in response.text
    assert (await portal.get("/provider")).status_code == 303  # still not signed in


async def test_sign_in_sets_an_httponly_lax_cookie_and_lands_on_the_role_home(portal: httpx.AsyncClient,
                                                                              data: Seed) -> None:
    response = await login(portal, data.provider_email, PROVIDER_PASSWORD)
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert data.provider_email.split("@")[0] not in cookie  # encrypted, not readable
    home = await portal.get("/", follow_redirects=True)
    assert "Palveluntuottajan etusivu" in home.text and "Maija Meikäläinen" in home.text
    # the officer pages are not for a provider
    assert (await portal.get("/officer")).status_code == 403


async def test_a_form_without_the_csrf_token_changes_nothing(portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    response = await portal.post("/provider/company/billing", data={"iban": "FI00", "bic": "X"})
    assert response.status_code == 400
    assert "Lomake on vanhentunut" in response.text


async def test_a_page_behind_login_sends_to_login_and_back(portal: httpx.AsyncClient, data: Seed) -> None:
    response = await portal.get("/officer/clients?name=Aino")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/officer/clients%3Fname%3DAino"
    page = await portal.get(response.headers["location"])
    back = await portal.post("/login", data={"csrf": csrf_of(page.text), "email": data.officer_email,
                                             "password": "Demo-kunta-2026", "next": "/officer/clients?name=Aino"})
    assert back.headers["location"] == "/officer/clients?name=Aino"


async def test_sign_out_forgets_the_user(portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    home = await portal.get("/provider")
    out = await portal.post("/logout", data={"csrf": csrf_of(home.text)})
    assert out.status_code == 303
    assert (await portal.get("/provider")).status_code == 303


async def test_mounted_under_a_prefix_every_link_and_redirect_keeps_it(suite, data: Seed) -> None:  # type: ignore[no-untyped-def]
    from fastapi import FastAPI

    from .conftest import portal_app

    parent = FastAPI()
    parent.mount("/portal", portal_app(suite, data))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=parent), base_url="http://x") as client:
        page = await client.get("/portal/catalog")
        assert page.status_code == 200
        assert 'href="/portal/static/portal.css"' in page.text and 'action="/portal/language"' in page.text
        assert "path=/portal;" in page.headers["set-cookie"].lower()
        redirect = await client.get("/portal/provider")
        assert redirect.headers["location"].startswith("/portal/login?next=/provider")


def _stale_session(tokens: dict[str, str], refresh: str) -> str:
    """A session whose access token claims to have expired (the signature no longer matters: the portal
    reads the expiry only to decide when to refresh)."""
    import base64
    import json

    from seteli_portal.session import SessionCodec

    header, payload, signature = tokens["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["exp"] = 1
    stale = ".".join([header, base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("="), signature])
    return SessionCodec("test-secret", 3600).encode({"token": stale, "refresh": refresh, "csrf": "x"})


async def test_a_session_whose_refresh_fails_goes_back_to_login_not_to_an_error(suite, data: Seed) -> None:  # type: ignore[no-untyped-def]
    from .conftest import portal_app

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=suite.app), base_url="http://suite") as api:
        tokens = (await api.post("/registry/v1/auth/token", json={"email": data.provider_email,
                                                                   "password": PROVIDER_PASSWORD})).json()
    app = portal_app(suite, data)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal",
                                 cookies={"seteli_session": _stale_session(tokens, "revoked-or-unknown")}) as client:
        page = await client.get("/provider/company")
        assert page.status_code == 303 and page.headers["location"] == "/login?next=/provider/company"


async def test_an_expired_access_token_is_refreshed_without_signing_in_again(suite, data: Seed) -> None:  # type: ignore[no-untyped-def]
    from seteli_portal.session import SessionCodec

    from .conftest import portal_app

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=suite.app), base_url="http://suite") as api:
        tokens = (await api.post("/registry/v1/auth/token", json={"email": data.provider_email,
                                                                   "password": PROVIDER_PASSWORD})).json()
    cookie = _stale_session(tokens, tokens["refresh_token"])
    stale = SessionCodec("test-secret", 3600).decode(cookie)["token"]
    app = portal_app(suite, data)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal",
                                 cookies={"seteli_session": cookie}) as client:
        page = await client.get("/provider/company")
        assert page.status_code == 200 and "Yritys, toimipaikat ja laskutus" in page.text
        # the renewed session comes back as this response's cookie (the client also still holds the one it sent)
        renewed = SessionCodec("test-secret", 3600).decode(page.cookies["seteli_session"])
        assert renewed["token"] != stale and renewed["refresh"] not in ("", None, tokens["refresh_token"])


async def test_a_tampered_session_cookie_is_ignored(portal: httpx.AsyncClient) -> None:
    portal.cookies.set("seteli_session", "not-a-valid-session")
    response = await portal.get("/provider")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


async def test_logout_with_an_expired_access_token_ends_the_session_for_the_saved_cookie_too(suite, data: Seed) -> None:  # type: ignore[no-untyped-def]
    """The access token lives a minute, so a user usually logs out with an expired one: the session must
    still end server-side, or anyone holding the old cookie stays signed in for hours."""
    import time

    from seteli_portal.session import SessionCodec

    from .conftest import portal_app

    issuer = suite.runtimes["registry"].extras["issuer"]
    issuer.clock = lambda: time.time() - 600  # every token this test gets has long expired
    try:
        app = portal_app(suite, data)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal") as client:
            await login(client, data.provider_email, PROVIDER_PASSWORD)
            saved = client.cookies["seteli_session"]
            session = SessionCodec("test-secret", 3600).decode(saved)
            out = await client.post("/logout", data={"csrf": session["csrf"]})
            assert out.status_code == 303
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=suite.app), base_url="http://suite") as api:
            refreshed = await api.post("/registry/v1/auth/refresh", json={"refresh_token": session["refresh"]})
            assert refreshed.status_code == 401
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal",
                                     cookies={"seteli_session": saved}) as replay:
            page = await replay.get("/provider/company")
            assert page.status_code == 303 and page.headers["location"].startswith("/login")
    finally:
        issuer.clock = time.time


def test_the_portal_refuses_to_start_with_the_development_session_secret_unless_fakes_are_chosen() -> None:
    import pytest
    from seteli_common.config import NotConfigured
    from seteli_portal.bootstrap import build_app
    from seteli_portal.config import SERVICE_NAMES, PortalSettings

    urls = {name: f"http://{name}:8000" for name in SERVICE_NAMES}
    for secret in ("", "dev-only-change-me"):
        with pytest.raises(NotConfigured, match="PORTAL_SESSION_SECRET"):
            build_app(PortalSettings(session_secret=secret), service_urls=urls)
    assert build_app(PortalSettings(adapters="fake"), service_urls=urls)  # chosen explicitly, for development
    assert build_app(PortalSettings(session_secret="a-long-random-production-secret"), service_urls=urls)


async def test_a_body_larger_than_any_upload_is_refused_before_it_is_read(portal: httpx.AsyncClient) -> None:
    from seteli_portal.routes_provider_company import MAX_UPLOAD_BYTES

    huge = await portal.post("/login", content=b"x", headers={
        "content-type": "application/x-www-form-urlencoded", "content-length": str(MAX_UPLOAD_BYTES * 2)})
    assert huge.status_code == 413
