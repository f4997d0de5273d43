"""A service too busy to serve a call answers 503 with Retry-After (seteli_common.errors.shed, issue 21): the
portal says so plainly, in Finnish and Swedish ("try again in a moment"), answers 503 itself and passes the
Retry-After on, instead of a generic error or a form's refusal."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter
from seteli_common.errors import OVERLOAD_RETRY_AFTER_SECONDS
from seteli_common.web import create_app
from seteli_portal.bootstrap import build_app
from seteli_portal.config import SERVICE_NAMES, PortalSettings
from sqlalchemy.exc import TimeoutError as PoolTimeout

BUSY = {"fi": "Palvelu on ruuhkautunut, yritä hetken päästä uudelleen.",
        "sv": "Tjänsten är överbelastad, försök igen om en stund."}


def _busy_service() -> object:
    """A service built by the kernel whose catalog finds no database connection in time: it answers as a
    service under overload does (503 problem+json, Retry-After)."""
    router = APIRouter()

    @router.get("/v1/catalog/providers")
    async def providers() -> None:
        raise PoolTimeout("QueuePool limit reached, connection timed out")

    return create_app("registry", routers=[router], instrument=False)


@pytest.mark.parametrize("lang", ["fi", "sv"])
async def test_a_busy_service_shows_the_busy_page_with_503_and_retry_after(lang: str) -> None:
    service = _busy_service()
    answer = await httpx.AsyncClient(transport=httpx.ASGITransport(app=service), base_url="http://registry").get(
        "/v1/catalog/providers")
    assert answer.status_code == 503 and answer.headers["retry-after"] == str(OVERLOAD_RETRY_AFTER_SECONDS)
    portal = build_app(PortalSettings(cookie_secure=False, session_secret="test-secret", adapters="fake"),
                       service_urls={name: f"http://{name}" for name in SERVICE_NAMES},
                       transport=httpx.ASGITransport(app=service))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=portal), base_url="http://portal") as browser:
        page = await browser.get("/catalog", headers={"accept-language": lang})
    assert page.status_code == 503, page.text[-800:]
    assert page.headers["retry-after"] == str(OVERLOAD_RETRY_AFTER_SECONDS)
    assert "text/html" in page.headers["content-type"]
    assert BUSY[lang] in page.text, page.text[-1500:]
    assert "connection" not in page.text  # the service's English detail is not shown
