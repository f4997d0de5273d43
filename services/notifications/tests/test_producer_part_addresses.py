"""A notice about a producer part goes to that part's notification address (domain.md: "Notifications go to
the producer part's notification recipient (an employee: their contact email)"; a purchased service's "producer
part's notification email"): a site's own address, an employee's contact address (else the address of the site
the employee works at), the company's for the company and a unit. The parts are spelled as the other services
send them: "site:<id>", "employee:<id>", "unit:<name>"."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .conftest import Harness
from .test_messages import only, text


async def _employee(harness: Harness, kind: str, employee_id: str, at: datetime, **fields: Any) -> None:
    await harness.publish(f"registry.employee.{kind}", {
        "provider_id": "p-fi", "employee_id": employee_id, "name": "Liisa Lähihoitaja", "removed_at": None,
        **fields}, occurred_at=at)


async def _feedback(harness: Harness, feedback_id: str, part: str | None) -> None:
    await harness.publish("events.feedback.given", {
        "feedback_id": feedback_id, "kind": "criticism", "provider_id": "p-fi", "producer_part": part,
        "service_id": "kotihoito", "needs_reply": True}, tenant_id="kouvola")


async def test_feedback_about_a_site_an_employee_or_a_unit_goes_to_that_parts_address(harness: Harness) -> None:
    await harness.directory()
    await _employee(harness, "added", "emp-liisa", datetime(2016, 2, 1, tzinfo=UTC), email="liisa@paivansade.fi")
    await _employee(harness, "added", "emp-ville", datetime(2016, 2, 1, tzinfo=UTC), name="Ville Vailla",
                    site_id="s-fi")  # no address of his own: the site's
    await _feedback(harness, "f1", "site:s-fi")
    site = only(harness, "kouvola@paivansade.fi")
    assert "Hoivakoti Päivänsäde Oy (Päivänsäde Kouvola) on saanut asiakkaalta palautteen" in text(site)
    await _feedback(harness, "f2", "employee:emp-liisa")
    employee = only(harness, "liisa@paivansade.fi")
    assert "Hoivakoti Päivänsäde Oy (Liisa Lähihoitaja) on saanut asiakkaalta palautteen" in text(employee)
    await _feedback(harness, "f3", "employee:emp-ville")
    assert len(harness.smtp.to("kouvola@paivansade.fi")) == 2
    await _feedback(harness, "f4", "unit:Ryhmäkoti Kuusi")  # a unit has no address: the company's
    unit = only(harness, "info@paivansade.fi")
    assert "Hoivakoti Päivänsäde Oy (Ryhmäkoti Kuusi) on saanut asiakkaalta palautteen" in text(unit)


async def test_an_employees_newest_address_counts_and_a_removed_employees_notices_go_to_its_site(
        harness: Harness) -> None:
    await harness.directory()
    await _employee(harness, "added", "emp-liisa", datetime(2016, 2, 1, tzinfo=UTC), email="liisa@paivansade.fi")
    await _employee(harness, "changed", "emp-liisa", datetime(2016, 3, 1, tzinfo=UTC), email="liisa.v@paivansade.fi",
                    site_id="s-fi")
    await _employee(harness, "changed", "emp-liisa", datetime(2016, 2, 15, tzinfo=UTC), email="vanha@paivansade.fi")
    await harness.publish("vouchers.booking.ended", {
        "booking_id": "b-1", "voucher_id": "v-1", "provider_id": "p-fi", "ended_on": "2016-09-15",
        "reason": "death", "client_ref": "K-9", "service_id": "kotihoito", "producer_part": "employee:emp-liisa"},
        tenant_id="kouvola")
    assert only(harness, "liisa.v@paivansade.fi")["Subject"] == "Palveluvaraus päättyy: K-9"
    assert harness.smtp.to("vanha@paivansade.fi") == []  # told earlier, heard later: changes nothing
    await _employee(harness, "removed", "emp-liisa", datetime(2016, 4, 1, tzinfo=UTC), email="liisa.v@paivansade.fi",
                    site_id="s-fi", removed_at="2016-04-01T08:00:00Z")
    await _feedback(harness, "f1", "employee:emp-liisa")
    assert len(harness.smtp.to("liisa.v@paivansade.fi")) == 1
    only(harness, "kouvola@paivansade.fi")  # the site the employee worked at


async def test_an_employee_of_another_company_or_not_known_here_is_the_companys(harness: Harness) -> None:
    await harness.directory()
    await harness.publish("registry.employee.added", {
        "provider_id": "p-sv", "employee_id": "emp-olli", "name": "Olli Muualla", "email": "olli@solsidan.fi"})
    await _feedback(harness, "f1", "employee:emp-olli")
    await _feedback(harness, "f2", "employee:emp-nobody")
    assert harness.smtp.to("olli@solsidan.fi") == []
    assert len(harness.smtp.to("info@paivansade.fi")) == 2


async def test_a_purchase_of_an_employee_is_announced_where_vouchers_says(harness: Harness) -> None:
    """Vouchers works out the address of a purchased service's producer part and sends it with the booking."""
    await harness.directory()
    await _employee(harness, "added", "emp-liisa", datetime(2016, 2, 1, tzinfo=UTC), email="liisa@paivansade.fi")
    await harness.publish("vouchers.purchase.booked", {
        "booking_id": "b-1", "commitment_number": "2016-00042", "provider_id": "p-fi",
        "producer_part": "employee:emp-liisa", "notification_email": "liisa@paivansade.fi"}, tenant_id="kouvola")
    mail = only(harness, "liisa@paivansade.fi")
    assert "2016-00042" in mail["Subject"] and "(Liisa Lähihoitaja)" in text(mail)


async def test_a_part_of_another_company_is_never_named_in_the_mail(harness: Harness) -> None:
    """A fact naming another company's employee or site (a mistake upstream) goes to the company's address, and
    the mail names no part: an employee's name is personal data of another employer's staff."""
    await harness.directory()
    await harness.publish("registry.employee.added", {
        "provider_id": "p-sv", "employee_id": "emp-olli", "name": "Olli Muualla", "email": "olli@solsidan.fi"})
    await _feedback(harness, "f1", "employee:emp-olli")
    await harness.publish("vouchers.purchase.booked", {
        "booking_id": "b-1", "commitment_number": "2016-00042", "provider_id": "p-fi", "producer_part": "site:s-sv"},
        tenant_id="kouvola")
    mails = harness.smtp.to("info@paivansade.fi")
    assert len(mails) == 2
    for mail in mails:
        assert "Olli Muualla" not in text(mail) and "Solsidan" not in text(mail)
        assert "Hoivakoti Päivänsäde Oy on saanut" in text(mail) or "tuottajalta Hoivakoti Päivänsäde Oy." in text(mail)
