"""What a stranger can put into a link or a form the portal echoes: a script in a search word or a return address is
shown as text, and no return address (`next`) leads a browser off the portal after the form."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from .conftest import csrf_of
from .seed import Seed

SCRIPT = '"><script>alert(1)</script>'


async def test_a_script_in_a_search_word_or_a_return_address_is_shown_as_text(portal: httpx.AsyncClient) -> None:
    for url, params in (("/catalog", {"q": SCRIPT}), ("/login", {"next": "/" + SCRIPT})):
        page = await portal.get(url, params=params)
        assert page.status_code == 200, (url, page.status_code)
        assert "<script>alert(1)" not in page.text, url
        assert "&lt;script&gt;alert(1)" in page.text, url


def _where_a_browser_goes(location: str) -> str:
    """The host a browser's URL parser lands on: it drops tabs and line breaks and reads "\\" as "/"."""
    cleaned = location.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
    return urlsplit(urljoin("http://portal/somewhere", cleaned)).netloc


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example/",
                                    "/\t/evil.example/", "\\\\evil.example/", "/%2F/evil.example/", "/provider"])
async def test_no_return_address_leads_off_the_portal(portal: httpx.AsyncClient, data: Seed, target: str) -> None:
    """The language switch and the comparison tray return to the page given in `next`, as the login does."""
    page = await portal.get("/catalog")
    for action, fields in (("/language", {"lang": "sv"}), ("/tray/remove", {"provider_id": data.provider_id})):
        back = await portal.post(action, data={"csrf": csrf_of(page.text), "next": target, **fields})
        assert back.status_code == 303, (action, back.text[:300])
        assert _where_a_browser_goes(back.headers["location"]) == "portal", (action, back.headers["location"])
