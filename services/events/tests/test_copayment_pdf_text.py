"""The co-payment breakdown prints whatever the municipality named its service and contents: a dash, the
euro sign or a typographic apostrophe in a name is printed, not a server error instead of the PDF."""

from __future__ import annotations

import io

from pypdf import PdfReader

from .conftest import HOME_CARE, Harness, T
from .test_decisions import _week

URL = f"/v1/tenants/{T}/co-payments?service_id=kotihoito&from=2016-03-01&to=2016-03-31&client_id=c-2&format=pdf"


async def test_the_breakdown_pdf_prints_names_with_a_dash_and_the_euro_sign(seeded: Harness) -> None:
    h = seeded
    await _week(h)
    await h.feed("applications.service.defined", {
        "service_id": HOME_CARE, "name_fi": "Kotihoito – arkipäivät", "name_sv": "Hemvård – vardagar",
        "kind": "voucher", "auto_recording": False, "interruption_rule": None, "calendar": None,
        "contents": [
            {"content_id": "care", "name_fi": "Hoito (enint. 30 €/h) – asiakkaan ’oma’ hoitaja", "name_sv": "Vård",
             "unit": "hour", "client_pays": False},
            {"content_id": "visit", "name_fi": "Käynti", "name_sv": "Besök", "unit": "piece", "client_pays": False},
        ]})
    for who in (h.officer(), h.provider(), h.client_token("c-2")):
        pdf = await h.client.get(URL, headers=who)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), pdf.text[:300]
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
        assert "Kotihoito – arkipäivät" in text
        assert "Hoito (enint. 30 €/h) – asiakkaan ’oma’ hoitaja" in text
