"""A municipality changed a service: each provider with an approved application in it is mailed what changed,
in its own language, once however often the fact is delivered."""

from __future__ import annotations

from typing import Any

from .test_messages import only, text

Harness = Any

CHANGES = [
    {"kind": "names", "name_fi": "Kotihoito 2027", "name_sv": "Hemvård 2027", "old_name_fi": "Kotihoito",
     "old_name_sv": "Hemvård"},
    {"kind": "content_added", "name_fi": "Turvapuhelin", "name_sv": "Trygghetstelefon", "client_pays": True},
    {"kind": "attachment_required", "level": "site", "name_fi": "Lääkehoitosuunnitelma",
     "name_sv": "Läkemedelsplan"},
    {"kind": "interruption_rule", "effective_from": "2027-01-01"},
    {"kind": "rulebook", "version": 2, "effective_from": "2027-02-01"},
]


async def test_each_approved_provider_reads_what_changed_in_its_language(harness: Harness) -> None:
    await harness.directory()
    fact = {"service_id": "kotihoito", "name_fi": "Kotihoito 2027", "name_sv": "Hemvård 2027",
            "provider_ids": ["p-fi", "p-sv"], "changes": CHANGES}
    envelope = await harness.publish("applications.service.changed", fact, tenant_id="kouvola")
    await harness.publish("applications.service.changed", fact, tenant_id="kouvola",
                          event_id=envelope.event_id)  # delivered twice: still one mail each

    finnish = only(harness, "info@paivansade.fi")
    assert finnish["Subject"] == "Palvelun ehdot muuttuivat: Kotihoito 2027"
    body = text(finnish)
    for line in ("- Palvelun uusi nimi: Kotihoito 2027 (ennen Kotihoito)",
                 "- Uusi sisältö: Turvapuhelin (asiakas maksaa)",
                 "- Uusi vaadittu liite toimipaikalta: Lääkehoitosuunnitelma",
                 "- Keskeytyssääntö muuttuu 1.1.2027 alkaen",
                 "- Sääntökirjan versio 2 on voimassa 1.2.2027 alkaen"):
        assert line in body, body
    swedish = text(only(harness, "info@solsidan.fi"))
    assert "- Avbrottsregeln ändras från 1.1.2027" in swedish and "- Ny bilaga som krävs av verksamhetsstället" \
        in swedish and "Uusi" not in swedish


SCHEDULED = [
    {"kind": "content_payer", "name_fi": "Ateriat / kk", "name_sv": "Måltider / mån", "client_pays": False},
    {"kind": "names", "name_fi": "Kotihoito 2027", "name_sv": "Hemvård 2027", "old_name_fi": "Kotihoito",
     "old_name_sv": "Hemvård"},
]


async def test_a_change_from_a_later_date_is_told_with_its_date_in_each_language(harness: Harness) -> None:
    """Only the providers the fact names (those with an approved application) are mailed."""
    await harness.directory()
    await harness.publish("applications.service.changed", {
        "service_id": "kotihoito", "name_fi": "Kotihoito", "name_sv": "Hemvård", "provider_ids": ["p-fi", "p-sv"],
        "changes": SCHEDULED, "effective_from": "2027-01-01"}, tenant_id="kouvola")
    finnish = only(harness, "info@paivansade.fi")
    assert finnish["Subject"] == "Palvelun ehdot muuttuvat 1.1.2027: Kotihoito"
    body = text(finnish)
    assert "Muutokset ovat voimassa 1.1.2027 alkaen:" in body and "- Sisällön Ateriat / kk maksaa nyt kunta" \
        in body and "- Palvelun uusi nimi: Kotihoito 2027 (ennen Kotihoito)" in body, body
    swedish = only(harness, "info@solsidan.fi")
    assert swedish["Subject"] == "Villkoren för tjänsten ändras 1.1.2027: Hemvård"
    body = text(swedish)
    assert "Ändringarna gäller från 1.1.2027:" in body and "- Innehållet Måltider / mån betalas nu av kommunen" \
        in body and "Kotihoito" not in body, body


async def test_a_cancelled_change_is_told_to_the_providers_concerned_only(harness: Harness) -> None:
    await harness.directory()
    await harness.publish("applications.service.changed", {
        "service_id": "kotihoito", "name_fi": "Kotihoito", "name_sv": "Hemvård", "provider_ids": ["p-sv"],
        "changes": SCHEDULED[:1], "effective_from": "2027-01-01", "cancelled": True}, tenant_id="kouvola")
    swedish = only(harness, "info@solsidan.fi")
    assert swedish["Subject"] == "Ändringen av tjänsten har återkallats: Hemvård"
    body = text(swedish)
    assert "som skulle ha gällt från 1.1.2027" in body and "- Innehållet Måltider / mån" in body, body
    assert harness.smtp.to("info@paivansade.fi") == []  # no approved application: nothing


async def test_a_content_ended_from_a_date_is_told_in_each_language(harness: Harness) -> None:
    """The tenant admin ends a content from a later date: the scheduled-change mail says it ends from then."""
    await harness.directory()
    await harness.publish("applications.service.changed", {
        "service_id": "kotihoito", "name_fi": "Kotihoito", "name_sv": "Hemvård", "provider_ids": ["p-fi", "p-sv"],
        "changes": [{"kind": "content_ended", "name_fi": "Ateriat / kk", "name_sv": "Måltider / mån",
                     "effective_from": "2027-01-01"}], "effective_from": "2027-01-01"}, tenant_id="kouvola")
    finnish = text(only(harness, "info@paivansade.fi"))
    assert "- Sisältö Ateriat / kk päättyy 1.1.2027 alkaen: sitä ei voi kirjata siitä päivästä lähtien" \
        in finnish, finnish
    swedish = text(only(harness, "info@solsidan.fi"))
    assert "- Innehållet Måltider / mån upphör från 1.1.2027: det kan inte registreras från den dagen" \
        in swedish and "Ateriat" not in swedish, swedish


async def test_two_providers_sharing_one_address_are_each_told(harness: Harness) -> None:
    """Two companies with one address (one accountant keeps both): each is told of the change in its own language,
    and each has its entry in the delivery log; the second was dropped as a repeat of the first."""
    await harness.directory()
    await harness.publish("registry.provider.registered", {
        "provider_id": "p-sv2", "business_id": "2077474-0", "name": "Hemtjänst Solsidan Ab", "language": "sv",
        "email": "info@paivansade.fi", "sites": []})
    fact = {"service_id": "kotihoito", "name_fi": "Kotihoito 2027", "name_sv": "Hemvård 2027",
            "provider_ids": ["p-fi", "p-sv2"], "changes": CHANGES}
    await harness.publish("applications.service.changed", fact, tenant_id="kouvola")
    mails = harness.smtp.to("info@paivansade.fi")
    assert sorted(m["Content-Language"] for m in mails) == ["fi", "sv"]
    assert len(await harness.db_message(kind="service_changed")) == 2
