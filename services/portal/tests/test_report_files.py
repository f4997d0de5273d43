"""The officer's report files as a person reads them: the PDF prints what the screen shows (€, –)."""

from __future__ import annotations

import io

import httpx
from pypdf import PdfReader

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
    assert f"{month}–{month}" in text  # the period's dash, not a question mark

    home = await portal.get("/officer/reports")
    await portal.post("/language", data={"csrf": csrf_of(home.text), "lang": "sv", "next": "/officer/reports"})
    svenska = await portal.get("/officer/reports/realisation.pdf", params={"start": month, "end": month})
    assert "Redovisat €" in _pdf_text(svenska.content)
