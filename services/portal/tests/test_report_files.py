"""The officer's report files as a person reads them: the PDF prints what the screen shows (€, –), and a
report larger than one page of the settlement API is whole in every file and in the on-screen sums."""

from __future__ import annotations

import io
import re

import httpx
import pytest
from pypdf import PdfReader
from seteli_portal import routes_officer
from seteli_portal.i18n import month_fmt

from .conftest import csrf_of, login
from .seed import OFFICER_PASSWORD, Seed


def _pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


async def test_the_report_pdf_prints_the_euro_sign_and_the_dash_of_the_period(portal: httpx.AsyncClient,
                                                                              data: Seed) -> None:
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    month = data.demo.month
    printed = await portal.get("/officer/reports/realisation.pdf", params={"start": month, "end": month})
    assert printed.status_code == 200
    text = _pdf_text(printed.content)
    # the headers the screen and the CSV show: "Tilitetty €", not "Tilitetty ?"
    assert "Tilitetty €" in text and "Asiakkaan omavastuu €" in text and "?" not in text
    assert f"{month_fmt(str(month))}–{month_fmt(str(month))}" in text  # the period's dash, not a question mark

    home = await portal.get("/officer/reports")
    await portal.post("/language", data={"csrf": csrf_of(home.text), "lang": "sv", "next": "/officer/reports"})
    svenska = await portal.get("/officer/reports/realisation.pdf", params={"start": month, "end": month})
    assert "Redovisat €" in _pdf_text(svenska.content)


async def test_a_report_longer_than_one_page_of_the_api_is_whole_in_the_files_and_the_sums(
    portal: httpx.AsyncClient, data: Seed, monkeypatch: pytest.MonkeyPatch
) -> None:
    await login(portal, data.officer_email, OFFICER_PASSWORD)
    month = data.demo.month
    params = {"start": month, "end": month}
    whole = (await portal.get("/officer/reports/realisation.csv", params=params)).content.decode("utf-8-sig")
    rows = whole.splitlines()[1:]
    assert len(rows) >= 2, whole  # the demo month has several clients
    page = await portal.get("/officer/reports", params=params)

    # A big municipality: more rows than the settlement API gives at once (here: one at a time).
    monkeypatch.setattr(routes_officer, "REPORT_LIMIT", 1)
    paged = (await portal.get("/officer/reports/realisation.csv", params=params)).content.decode("utf-8-sig")
    assert paged.splitlines()[1:] == rows  # every row, not the first page only
    paged_page = await portal.get("/officer/reports", params=params)
    assert paged_page.status_code == 200
    assert paged_page.text.count("<tr") == page.text.count("<tr")
    # the sums under the table add up every row, not the first page's
    footer = re.compile(r"<tfoot>.*?</tfoot>", re.S)
    assert footer.findall(paged_page.text) == footer.findall(page.text)
