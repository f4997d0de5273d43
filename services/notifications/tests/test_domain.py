"""Pure rules and templates: no database, no SMTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from seteli_common.validators import contains_identity_code
from seteli_notifications.domain import (
    after_failed_attempt,
    format_month,
    message_id_for,
    tenant_languages,
)
from seteli_notifications.templates import CLIENT_MASK, TEMPLATES, Renderer

NOW = datetime(2016, 3, 15, 10, 0, tzinfo=UTC)


def test_message_id_is_stable_per_event_kind_and_recipient() -> None:
    one = message_id_for("e1", "payment_computed", "Info@Hoiva.fi", "seteli.fi")
    assert one == message_id_for("e1", "payment_computed", "info@hoiva.fi ", "seteli.fi")
    assert one.startswith("<") and one.endswith("@seteli.fi>")
    assert one != message_id_for("e2", "payment_computed", "info@hoiva.fi", "seteli.fi")
    assert one != message_id_for("e1", "payment_specification", "info@hoiva.fi", "seteli.fi")
    assert one != message_id_for("e1", "payment_computed", "talous@hoiva.fi", "seteli.fi")


def test_retries_wait_then_give_up_and_permanent_refusals_fail_at_once() -> None:
    delays = [60.0, 300.0]
    first = after_failed_attempt(1, delays, NOW, permanent=False)
    assert (first.state, first.next_attempt_at, first.log_outcome) == (
        "queued",
        NOW + timedelta(seconds=60),
        "retry",
    )
    assert after_failed_attempt(2, delays, NOW, permanent=False).next_attempt_at == NOW + timedelta(
        seconds=300
    )
    assert after_failed_attempt(3, delays, NOW, permanent=False).state == "failed"
    assert after_failed_attempt(1, delays, NOW, permanent=True).state == "failed"


def test_bilingual_tenant_languages_are_finnish_first() -> None:
    assert tenant_languages(["sv", "fi"]) == ["fi", "sv"]
    assert tenant_languages(["sv"]) == ["sv"]
    assert tenant_languages([]) == ["fi"]


def test_identity_code_guard() -> None:
    assert contains_identity_code("Asiakas 010180-9026 hoidossa")
    assert contains_identity_code("x", "<p>131052A308T</p>")
    assert not contains_identity_code("Sitoumus 2016-00042, Y-tunnus 7019376-8, puhelin 040 123 4567")


def test_months_in_both_languages() -> None:
    assert format_month("2016-02", "fi") == "helmikuu 2016"
    assert format_month("2016-12", "sv") == "december 2016"
    assert format_month("maaliskuu", "fi") == "maaliskuu"


def test_every_template_exists_in_finnish_and_swedish() -> None:
    renderer = Renderer()
    expected = {
        "registration_confirmation",
        "association_invitation",
        "password_reset",
        "registration_approved",
        "registration_rejected",
        "registration_more_requested",
        "registration_answered",
        "application_submitted",
        "application_approved",
        "application_rejected",
        "application_returned",
        "purchase_booked",
        "feedback_to_provider",
        "complaint_to_tenant",
        "contact_requested",
        "event_awaiting_approval",
        "credit_requested",
        "payment_computed",
        "payment_carried_over",
        "payment_specification",
        "daily_digest",
        "service_changed",
        "service_change_scheduled",
        "event_rejected",
        "interruption_rejected",
        "interruption_rejection_voided",
        "interruption_rejection_restored",
        "booking_ended",
        "booking_restored",
        "open_work_reminder",
    }
    assert renderer.kinds("fi") == expected and renderer.kinds("sv") == expected
    assert (TEMPLATES / "layout.html").exists()


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_html_escapes_what_people_typed(lang: str) -> None:
    rendered = Renderer().render(
        "registration_rejected", [lang], {"provider_name": "A & B <script>", "reason": "x < y"}
    )
    assert "<script>" not in rendered.html and "A &amp; B &lt;script&gt;" in rendered.html
    assert "A & B <script>" in rendered.text


def test_amount_filter_uses_the_money_rule() -> None:
    rendered = Renderer().render(
        "credit_requested",
        ["fi"],
        {
            "tenant_name_fi": "Kouvolan kaupunki",
            "provider_name": "Hoiva Oy",
            "amount": Decimal("1234.565"),
            "reason": "",
            "credit_id": "c1",
        },
    )
    assert rendered.subject == "Hyvityspyyntö: 1\u00a0234,57\u00a0€"


REJECTED_CONTEXT = {"reason": "", "start": "11.3.2016", "end": "11.3.2016", "tenant_name_fi": "Kouvola",
                    "tenant_name_sv": "Kouvola", "service_name_fi": "Kotihoito", "service_name_sv": "Hemvård"}


@pytest.mark.parametrize("ref", ["K.5 (a)", "K", "A<&>1"])
def test_the_delivery_log_shows_a_bilingual_notice_without_the_client_it_names(ref: str) -> None:
    """Read off the subject in both languages, the reference is masked wherever it stands as a word of its own, in
    the text and (escaped) in the HTML (which repeats the subject); inside another word (Kouvola's K) it is not the
    client's."""
    renderer = Renderer()
    sent = renderer.render("event_rejected", ["fi", "sv"], {**REJECTED_CONTEXT, "client_ref": ref})
    subject, text, html = renderer.without_client("event_rejected", ["fi", "sv"], sent.subject, sent.text, sent.html)
    assert subject == f"Palvelutapahtumaa ei hyväksytty: {CLIENT_MASK} / Servicehändelsen godkändes inte: {CLIENT_MASK}"
    assert f"asiakas {CLIENT_MASK}, 11.3.2016" in text and (text.count(CLIENT_MASK), html.count(CLIENT_MASK)) == (2, 4)
    assert f"klient {CLIENT_MASK}" in text


def test_a_notice_whose_client_cannot_be_read_off_is_shown_masked_whole_and_one_naming_none_as_sent() -> None:
    """Where the subject gives no reference to mask by (cut when stored), nothing of the body is shown; a notice that
    names no client is shown as sent."""
    renderer = Renderer()
    sent = renderer.render("event_rejected", ["fi"], {**REJECTED_CONTEXT, "client_ref": "K-" + "5" * 600})
    cut = sent.subject[:500]  # as stored: a part of the reference is no reference to mask by
    assert renderer.without_client("event_rejected", ["fi"], cut, sent.text) == (
        f"Palvelutapahtumaa ei hyväksytty: {CLIENT_MASK}", CLIENT_MASK)
    paid = renderer.render("payment_computed", ["fi"], {"payee_name": "K-5", "tenant_name_fi": "Kouvola",
                                                         "month": "2016-02", "amount": "10.00"})
    assert renderer.without_client("payment_computed", ["fi"], paid.subject, paid.text) == (paid.subject, paid.text)
