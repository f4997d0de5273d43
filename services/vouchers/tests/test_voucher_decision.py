"""The voucher decision the officer prints for the client: fi or sv, the grants and values, the number and
verification code the client shows the provider; no identity code; the read is access-logged."""

from __future__ import annotations

import io

from pypdf import PdfReader
from seteli_common.auth import Role

from .conftest import Harness, hetu, new_client, new_voucher


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


async def test_the_officer_prints_the_decision_in_finnish_or_swedish(h: Harness) -> None:
    client = await new_client(h)
    voucher = await new_voucher(h, client["id"])
    url = f"/v1/tenants/kouvola/vouchers/{voucher['id']}/decision.pdf"
    fi = await h.http.get(url, headers=h.officer(subject="officer-7"))
    assert fi.status_code == 200, fi.text
    assert fi.headers["content-type"] == "application/pdf" and fi.content.startswith(b"%PDF")
    text = _text(fi.content)
    assert "Palvelusetelipäätös" in text and client["last_name"] in text
    assert voucher["printable_number"] in text and voucher["verification_code"] in text
    assert "010180-9026" not in text and client.get("identity_code", "x") not in text  # never printed
    line = voucher["contents"][0]
    assert f"{line['voucher_value'].replace('.', ',')}" in text.replace("\xa0", " ")  # the value, Finnish style
    sv = _text((await h.http.get(url, params={"lang": "sv"}, headers=h.officer())).content)
    assert "Beslut om servicesedel" in sv and "Palvelusetelipäätös" not in sv

    own = h.token_for(Role.CLIENT, subject="citizen", client_id=client["id"], tenant_id="kouvola")
    rows = (await h.http.get(f"/v1/tenants/kouvola/clients/{client['id']}/access-log", headers=own)).json()["items"]
    assert ("officer-7", "voucher.decision", "voucher decision") in [(r["actor"], r["what"], r["why"]) for r in rows]


async def test_only_the_tenants_staff_print_a_decision(h: Harness) -> None:
    voucher = await new_voucher(h, (await new_client(h))["id"])
    url = f"/v1/tenants/kouvola/vouchers/{voucher['id']}/decision.pdf"
    assert (await h.http.get(url, headers=h.provider())).status_code == 403
    assert (await h.http.get(url, headers=h.officer("lahti"))).status_code in (403, 404)
    assert (await h.http.get("/v1/tenants/kouvola/vouchers/no-such/decision.pdf",
                             headers=h.officer())).status_code == 404


async def test_the_decision_prints_names_with_a_dash_the_euro_sign_and_letters_beyond_latin_1(h: Harness) -> None:
    # The municipality names its service and contents as it likes, and a client may be named Łukasz or Nguyễn:
    # the decision is printed (a character the PDF font lacks shows as '?'), not a server error instead.
    await h.publish("applications.service.defined", {
        "service_id": "tehostettu", "name_fi": "Tehostettu palveluasuminen – ikääntyneet", "name_sv": "Serviceboende",
        "kind": "voucher", "auto_recording": True,
        "contents": [{"content_id": "asuminen", "name_fi": "Hoiva (enint. 140 €/vrk) – ’oma’ hoitaja",
                      "name_sv": "Vård", "unit": "day", "client_pays": False}]})
    client = await new_client(h, first_name="Łukasz", last_name="Nguyễn")
    voucher = await new_voucher(h, client["id"])
    pdf = await h.http.get(f"/v1/tenants/kouvola/vouchers/{voucher['id']}/decision.pdf", headers=h.officer())
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), pdf.text[:300]
    text = _text(pdf.content)
    assert "Tehostettu palveluasuminen – ikääntyneet" in text
    assert "Hoiva (enint. 140 €/vrk) – ’oma’ hoitaja" in text
    assert "Łukasz" not in text and "Lukasz Nguyen" in text and voucher["verification_code"] in text


async def test_the_decision_of_a_closed_voucher_says_it_is_closed_and_why(h: Harness) -> None:
    # Printed again after the voucher was used up or closed, the decision no longer reads as a voucher to use.
    voucher = await new_voucher(h, (await new_client(h))["id"])
    url = f"/v1/tenants/kouvola/vouchers/{voucher['id']}/decision.pdf"
    assert "Suljettu" not in _text((await h.http.get(url, headers=h.officer())).content)
    closed = await h.http.post(f"/v1/tenants/kouvola/vouchers/{voucher['id']}/close", headers=h.officer(),
                               json={"reason": "Muutti pois", "valid_until": "2016-03-14"})
    assert closed.status_code == 200, closed.text
    fi = _text((await h.http.get(url, headers=h.officer())).content)
    assert "Suljettu: kunta päätti setelin" in fi and "14.3.2016" in fi
    sv = _text((await h.http.get(url, params={"lang": "sv"}, headers=h.officer())).content)
    assert "Stängd: kommunen avslutade sedeln" in sv


async def test_the_decision_of_a_purchased_service_is_not_a_voucher_decision(h: Harness) -> None:
    # The municipality books the provider of a purchased service (004 §4.1.2): the client chooses nobody, so the
    # decision does not tell them to show it to a provider of their choice.
    from .conftest import HOME_CARE

    commitment = await new_voucher(h, (await new_client(h))["id"], service_id=HOME_CARE,
                                   contents=[{"content_id": "kotikaynti", "granted_amount": "10", "period": "week"}])
    url = f"/v1/tenants/kouvola/vouchers/{commitment['id']}/decision.pdf"
    fi = _text((await h.http.get(url, headers=h.officer())).content)
    assert "Ostopalvelupäätös" in fi and "Palvelusetelipäätös" not in fi and "valitsemallesi" not in fi
    assert "kunta maksaa hinnan" in fi and commitment["printable_number"] in fi
    sv = _text((await h.http.get(url, params={"lang": "sv"}, headers=h.officer())).content)
    assert "Beslut om köpt tjänst" in sv and "du väljer" not in sv


async def test_a_euro_balance_is_printed_in_euros_not_as_units(h: Harness) -> None:
    # A balance voucher is a euro sum the tenant's payments draw down (1 500,50 € of cleaning at 25,00 € an hour):
    # the decision printed it as "1500,5 h", hours the client was never granted.
    voucher = await new_voucher(h, (await new_client(h))["id"], contents=[
        {"content_id": "siivous", "granted_amount": "1500.50", "period": "balance", "voucher_value": "25.00"}])
    url = f"/v1/tenants/kouvola/vouchers/{voucher['id']}/decision.pdf"
    fi = _text((await h.http.get(url, headers=h.officer())).content).replace("\xa0", " ")
    assert "Siivous 1 500,50 € yhteensä 25,00 € / h" in fi and "1500,5" not in fi
    sv = _text((await h.http.get(url, params={"lang": "sv"}, headers=h.officer())).content).replace("\xa0", " ")
    assert "1 500,50 € sammanlagt 25,00 € / h" in sv
    # a grant of units keeps its unit: 31 days a month
    days = await new_voucher(h, (await new_client(h, identity_code=hetu("020280", "-", "902")))["id"])
    text = _text((await h.http.get(f"/v1/tenants/kouvola/vouchers/{days['id']}/decision.pdf",
                                   headers=h.officer())).content).replace("\xa0", " ")
    assert "31 vrk kuukaudessa" in text
