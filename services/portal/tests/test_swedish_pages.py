"""journeys.md: "the Swedish page has no Finnish or English left over", for every page a person reaches. The
browser journeys walk some pages in Swedish; this walks all of them: signed in as the tenant's admin (who is
also its officer), as the provider's main user and as a resident, it switches to Swedish and follows every link
of the person's pages (a few of each kind of page: one client's page stands for the others), and each page
must show none of the portal's Finnish texts; the data (names of people, companies and services) may be
Finnish. The purposes the services write in English in the access log: the resident's page here, and every one
written by the services' reads in tests/reliability/test_security_sweep.py."""

from __future__ import annotations

import html
import re
from collections import Counter, deque
from urllib.parse import urlsplit

import httpx
from seteli_portal.catalog import CATALOG

from seteli.embedded import Suite

from .conftest import csrf_of, login
from .seed import OFFICER_PASSWORD, PROVIDER_PASSWORD, Seed
from .test_officer_clients import _api
from .test_resident_account import _client, _signed_in

# Every Finnish text of the catalog that differs in Swedish, of three words or more (as test_browser's walks):
# shorter ones can be a name or a word both languages share.
FINNISH_UI = sorted({fi.strip(" .:") for fi, sv in CATALOG.values()
                     if fi != sv and "{" not in fi and len(fi.split()) >= 2})
NOT_PAGES = (".pdf", ".csv", ".xlsx", "/file", "/payment-file", "/logout", "/print")
PAGES_OF_A_KIND = 3
IDS = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d{4}-\d{2}(-\d{2})?|\d+")


def _texts(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _kind(url: str) -> str:
    """A page's kind: its path with the ids and dates taken out (one client's page is like another's)."""
    return IDS.sub("{}", urlsplit(url).path)


async def _swedish(portal: httpx.AsyncClient, page_url: str) -> None:
    page = await portal.get(page_url)
    await portal.post("/language", data={"csrf": csrf_of(page.text), "lang": "sv", "next": page_url})
    assert 'lang="sv"' in (await portal.get(page_url)).text


async def _finnish_on_pages(portal: httpx.AsyncClient, start: str, area: str, at_least: int,
                            limit: int = 150) -> dict[str, list[str]]:
    """Every page reached from `start` by links within `area` (at least `at_least` of them), and the Finnish
    texts each shows."""
    found: dict[str, list[str]] = {}
    seen, kinds, queue = {start}, Counter[str](), deque([start])
    while queue and len(seen) <= limit:
        url = queue.popleft()
        page = await portal.get(url)
        assert page.status_code < 500, f"{url}: {page.status_code}"
        if page.status_code != 200 or "text/html" not in page.headers.get("content-type", ""):
            continue
        assert 'lang="sv"' in page.text, url
        text = _texts(page.text)
        left = [fi for fi in FINNISH_UI if fi in text]
        if left:
            found[url] = left
        for link in re.findall(r'href="(/[^"#]*)"', page.text):
            link = html.unescape(link)
            if not link.startswith(area) or link.endswith(NOT_PAGES) or link in seen:
                continue
            if kinds[_kind(link)] >= PAGES_OF_A_KIND:
                continue
            kinds[_kind(link)] += 1
            seen.add(link)
            queue.append(link)
    assert len(seen) >= at_least, f"the walk from {start} found only {sorted(seen)}"
    return found


async def test_every_page_of_the_officer_and_the_tenant_admin_is_swedish(portal: httpx.AsyncClient,
                                                                         data: Seed) -> None:
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    await _swedish(portal, "/officer")
    assert await _finnish_on_pages(portal, "/officer", "/officer", 30) == {}


async def test_every_page_of_the_providers_main_user_is_swedish(portal: httpx.AsyncClient, data: Seed) -> None:
    await login(portal, data.provider_email, PROVIDER_PASSWORD)
    await _swedish(portal, "/provider")
    assert await _finnish_on_pages(portal, "/provider", "/provider", 20) == {}


async def test_every_page_of_a_resident_and_the_public_is_swedish(portal: httpx.AsyncClient, suite: Suite,
                                                                  data: Seed) -> None:
    officer = await _api(suite, data.officer_email, OFFICER_PASSWORD)
    aino = await _client(officer, data, "Aino Asiakas")
    signed_in = await _signed_in(portal, suite, data, aino["identity_code"])
    assert signed_in.status_code in (200, 303), signed_in.text[:500]
    await _swedish(portal, "/resident")
    assert await _finnish_on_pages(portal, "/resident", "/resident", 2) == {}
    # Who read the resident's data and why: nobody gave their own words here, so every purpose shown is the
    # portal's Swedish for the reader's role (a service's English default was shown as it is).
    log = (await portal.get("/resident/access-log")).text
    purposes = {html.unescape(cells[-1]) for cells in
                (re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", log)) if cells}
    swedish = {sv for key, (_, sv) in CATALOG.items() if key.startswith("access_log.purpose.")}
    assert purposes and purposes <= swedish, purposes - swedish
    assert await _finnish_on_pages(portal, "/catalog", "/", 10) == {}
