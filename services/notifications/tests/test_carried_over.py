"""A payee that settlement could not pay (`settlement.payment.carried_over`) is told in its language, at the
address its other notices use: which month, how much, why, and what to do so that the next run pays it."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

Harness = Any  # the `harness` fixture of conftest.py
NBSP = "\u00a0"
CARRIED = "settlement.payment.carried_over"
COMPANY_PAGE = "http://localhost:8080/provider/company"


def text(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def html(mail: EmailMessage) -> str:
    part = mail.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def carried(**overrides: Any) -> dict[str, Any]:
    return {
        "run_id": "run-1",
        "month": "2016-03",
        "provider_id": "p-fi",
        "site_id": None,
        "payee_name": "Hoivakoti Päivänsäde Oy",
        "amount": "1234.50",
        "line_count": 3,
        "reason": "no_billing_information",
        **overrides,
    }


async def test_company_without_billing_is_told_in_finnish_what_to_do(harness: Harness) -> None:
    await harness.directory()
    await harness.publish(CARRIED, carried(), tenant_id="kouvola")
    # The company's notification address (not its billing address): the other notices of the payee go there.
    assert harness.smtp.to("laskutus@paivansade.fi") == []
    [mail] = harness.smtp.to("info@paivansade.fi")
    assert mail["Subject"] == "Tilitys siirtyi seuraavaan kuukauteen"
    body = text(mail)
    assert (
        "Kouvolan kaupunki ei voinut maksaa teille palvelusetelimaksua ajalta maaliskuu 2016. "
        "Summa siirtyy seuraavaan tilitykseen." in body
    )
    assert "Maksunsaaja: Hoivakoti Päivänsäde Oy\n" in body
    assert f"Siirtyvä summa: 1{NBSP}234,50{NBSP}€\n" in body
    assert "Palvelutapahtumia: 3\n" in body
    assert "Syy: laskutustiedot puuttuvat.\n" in body
    assert f"Lisätkää laskutustiedot (tilinumero) Seteli-palvelussa yrityksen sivulla:\n{COMPANY_PAGE}\n" in body
    assert "Summa maksetaan seuraavassa tilityksessä, kun laskutustiedot on lisätty." in body
    assert "no_billing_information" not in body and "Utbetalningen" not in body
    assert f'<a href="{COMPANY_PAGE}">{COMPANY_PAGE}</a>' in html(mail)


async def test_swedish_site_is_told_in_swedish_at_the_site_address(harness: Harness) -> None:
    await harness.directory()
    await harness.publish(
        CARRIED,
        carried(provider_id="p-sv", site_id="s-sv", payee_name="Vårdhem Solsidan Ab, Solsidan Borgå",
                amount="90.5", line_count=1),
        tenant_id="porvoo",
    )
    assert harness.smtp.to("info@solsidan.fi") == []
    [mail] = harness.smtp.to("borga@solsidan.fi")  # the site's notification address
    assert mail["Subject"] == "Utbetalningen flyttades till nästa månad"
    body = text(mail)
    assert "Borgå stad kunde inte betala servicesedelbetalningen för mars 2016 till er." in body
    assert "Betalningsmottagare: Vårdhem Solsidan Ab, Solsidan Borgå\n" in body
    assert f"Belopp som flyttas: 90,50{NBSP}€\n" in body
    assert "Servicehändelser: 1\n" in body
    assert "Orsak: faktureringsuppgifterna saknas.\n" in body
    assert f"Lägg till faktureringsuppgifterna (kontonummer) på företagets sida i tjänsten Seteli:\n{COMPANY_PAGE}" \
        in body
    assert "Beloppet betalas i nästa redovisning när faktureringsuppgifterna har lagts till." in body
    assert "Tilitys" not in body  # the provider's language only, also from a bilingual tenant


async def test_an_unknown_reason_gets_plain_generic_words(harness: Harness) -> None:
    await harness.directory()
    await harness.publish(CARRIED, carried(reason="payee_blocked_by_bank"), tenant_id="kouvola")
    [mail] = harness.smtp.to("info@paivansade.fi")
    body = text(mail)
    assert "Syy: maksua ei voitu tällä kertaa suorittaa.\n" in body
    assert "payee_blocked_by_bank" not in body and "laskutustiedot" not in body
    assert f"Tarkistakaa yrityksen tiedot Seteli-palvelussa yrityksen sivulla:\n{COMPANY_PAGE}\n" in body
    assert "Lisätietoja antaa Kouvolan kaupunki." in body

    await harness.publish(CARRIED, carried(run_id="run-2", provider_id="p-sv", reason=None), tenant_id="porvoo")
    [sv] = harness.smtp.to("info@solsidan.fi")
    assert "Orsak: betalningen kunde inte göras den här gången.\n" in text(sv)


async def test_one_notice_per_payee_and_run(harness: Harness) -> None:
    await harness.directory()
    first = await harness.publish(CARRIED, carried(), tenant_id="kouvola")
    await harness.publish(CARRIED, carried(), tenant_id="kouvola", event_id=first.event_id)  # re-delivered
    await harness.publish(CARRIED, carried(), tenant_id="kouvola")  # the same fact under another event id
    assert len(harness.smtp.to("info@paivansade.fi")) == 1
    await harness.publish(CARRIED, carried(run_id="run-2", month="2016-04"), tenant_id="kouvola")  # next run
    mails = harness.smtp.to("info@paivansade.fi")
    assert len(mails) == 2 and "ajalta huhtikuu 2016" in text(mails[1])
