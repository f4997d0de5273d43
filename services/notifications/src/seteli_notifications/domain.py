"""Pure rules of the notifications service: message identity, languages, retries, the identity-code
guard and which notices may wait for a daily digest. No I/O."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from seteli_common.clock import HELSINKI
from seteli_common.validators import contains_identity_code, mask_identity_code

LANGUAGES: Final = ("fi", "sv")
# A fixed namespace: the same (event, kind, recipient) gives the same Message-ID on every replica, forever.
_MESSAGE_NS: Final = uuid.UUID("6f1d8a52-3c0e-4e57-9a8e-0f3b7d2c9a41")

# Notices of pending actions that a provider may take as one daily digest instead of one mail each.
DIGESTIBLE: Final = frozenset({
    "purchase_booked", "feedback_to_provider", "credit_requested", "contact_requested",
    "application_returned",
})

# Why settlement carried a payee's amount over to the next run (its reason codes), in words for people.
NO_BILLING: Final = "no_billing_information"
CARRY_OVER_REASONS: Final = {
    NO_BILLING: {"fi": "laskutustiedot puuttuvat", "sv": "faktureringsuppgifterna saknas"},
}
CARRY_OVER_OTHER: Final = {"fi": "maksua ei voitu tällä kertaa suorittaa",
                           "sv": "betalningen kunde inte göras den här gången"}

# Attachment types (the registry's codes) as the provider reads them, for the daily digest.
ATTACHMENT_TYPES: Final = {
    "trade_register_extract": {"fi": "Kaupparekisteriote", "sv": "Handelsregisterutdrag"},
    "prepayment_register": {"fi": "Ennakkoperintärekisteriote", "sv": "Utdrag ur förskottsuppbördsregistret"},
    "tyel_certificate": {"fi": "TyEL-vakuutustodistus", "sv": "Intyg om ArPL-försäkring"},
    "yel_certificate": {"fi": "YEL-vakuutustodistus", "sv": "Intyg om FöPL-försäkring"},
    "tax_payment_certificate": {"fi": "Verovelkatodistus", "sv": "Skuldintyg"},
    "liability_insurance": {"fi": "Vastuuvakuutus", "sv": "Ansvarsförsäkring"},
    "accident_insurance": {"fi": "Tapaturmavakuutus", "sv": "Olycksfallsförsäkring"},
    "collective_agreement": {"fi": "Työehtosopimus", "sv": "Kollektivavtal"},
    "occupational_health_care": {"fi": "Työterveyshuoltosopimus", "sv": "Avtal om företagshälsovård"},
    "avi_valvira_licence": {"fi": "AVI:n tai Valviran lupa", "sv": "Tillstånd av RFV eller Valvira"},
    "avi_valvira_register_certificate": {"fi": "AVI:n tai Valviran todistus rekisteriin kuulumisesta",
                                         "sv": "Intyg av RFV eller Valvira om registrering"},
    "staff_list": {"fi": "Henkilöstöluettelo", "sv": "Personalförteckning"},
    "medication_plan": {"fi": "Lääkehoitosuunnitelma", "sv": "Läkemedelsplan"},
    "self_monitoring_plan": {"fi": "Omavalvontasuunnitelma", "sv": "Plan för egenkontroll"},
    "service_description": {"fi": "Palvelukuvaus", "sv": "Tjänstebeskrivning"},
    "rescue_plan": {"fi": "Pelastussuunnitelma", "sv": "Räddningsplan"},
    "fire_authority_statement": {"fi": "Paloviranomaisen lausunto", "sv": "Brandmyndighetens utlåtande"},
    "data_protection_statement": {"fi": "Tietosuojaseloste", "sv": "Dataskyddsbeskrivning"},
    "annual_report": {"fi": "Tilinpäätös", "sv": "Bokslut"},
    "action_plan": {"fi": "Toimintasuunnitelma", "sv": "Verksamhetsplan"},
    "other": {"fi": "Muu liite", "sv": "Annan bilaga"},
}

MONTHS: Final = {
    "fi": ("tammikuu", "helmikuu", "maaliskuu", "huhtikuu", "toukokuu", "kesäkuu", "heinäkuu", "elokuu",
           "syyskuu", "lokakuu", "marraskuu", "joulukuu"),
    "sv": ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
           "november", "december"),
}


def message_id_for(event_id: str, kind: str, recipient: str, domain: str) -> str:
    """A stable RFC 5322 Message-ID: a re-delivered event yields the same id (and the same row)."""
    key = f"{event_id}:{kind}:{recipient.strip().lower()}"
    return f"<{uuid.uuid5(_MESSAGE_NS, key)}@{domain}>"


def language_of(value: str | None, fallback: str = "fi") -> str:
    return value if value in LANGUAGES else fallback


def tenant_languages(languages: Iterable[str]) -> list[str]:
    """The languages of a tenant's general notices: both for a bilingual tenant, Finnish first."""
    chosen: list[str] = [lang for lang in LANGUAGES if lang in set(languages)]
    return chosen or ["fi"]


def format_month(month: str, lang: str, genitive: bool = False) -> str:
    """'2016-03' -> 'maaliskuu 2016' / 'mars 2016'; anything else is shown as given. With `genitive` the
    Finnish month is 'maaliskuun 2016' ("maaliskuun 2016 tilityksestä"; every month name ends in -kuu)."""
    try:
        year, number = month.split("-")
        name = MONTHS[language_of(lang)][int(number) - 1]
        return f"{name}{'n' if genitive and language_of(lang) == 'fi' else ''} {int(year)}"
    except (ValueError, IndexError):
        return month


def carry_over_reason(code: str | None) -> dict[str, object]:
    """A carry-over reason for the templates: the words in each language (never the code; an unknown
    code gets the generic words) and whether adding billing information is what the payee must do."""
    words = CARRY_OVER_REASONS.get(code or "", CARRY_OVER_OTHER)
    return {"reason_fi": words["fi"], "reason_sv": words["sv"], "billing_missing": code == NO_BILLING}


def format_datetime(moment: datetime, lang: str) -> str:
    """Local Helsinki time for people: '16.3.2016 klo 10.00' / '16.3.2016 kl. 10.00'."""
    local = moment.astimezone(HELSINKI)
    word = "klo" if lang == "fi" else "kl."
    return f"{local.day}.{local.month}.{local.year} {word} {local.hour}.{local.minute:02d}"


# An id Seteli made (a UUID: event, application, credit): about one in 1,200 holds the shape of an identity code
# ('3f010180-9026-…'), yet it is no one's code.
_UUID: Final = re.compile(
    r"(?<![0-9A-Za-z])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9A-Za-z])", re.IGNORECASE)


def identity_code_in(*texts: str) -> bool:
    """Whether a message holds something shaped like a personal identity code, the UUIDs in it left aside."""
    return contains_identity_code(*(_UUID.sub("<id>", text) for text in texts))


def masked(text: str, limit: int = 500) -> str:
    """A reason safe to store and show: identity codes masked, one line, bounded length."""
    return mask_identity_code(" ".join(text.split()))[:limit]


@dataclass(frozen=True)
class AttemptOutcome:
    state: str  # queued (retry later) | failed
    next_attempt_at: datetime | None
    log_outcome: str  # retry | failed


def after_failed_attempt(attempts: int, delays: Sequence[float], now: datetime, *,
                         permanent: bool) -> AttemptOutcome:
    """`attempts` counts the attempt just made. A permanent refusal (SMTP 5xx) fails at once; a
    temporary one waits delays[attempts-1] and tries again until the delays are used up."""
    if permanent or attempts > len(delays):
        return AttemptOutcome("failed", None, "failed")
    return AttemptOutcome("queued", now + timedelta(seconds=delays[attempts - 1]), "retry")


# --- Mail whose link is a password ---------------------------------------------------------------------

# Registration confirmation, association invitation, password reset and the answer link of a registration
# request sent back: the link in the mail signs its holder in (or opens the request). Once the mail has gone
# out, the stored copy (read by the platform admin) keeps no link.
SECRET_LINK_KINDS: Final = frozenset({"registration_confirmation", "association_invitation", "password_reset",
                                      "registration_more_requested"})
LINK_REMOVED: Final = "[link removed after sending]"
_URL: Final = re.compile(r"https?://[^\s\"'<>]+")


def without_links(body: str) -> str:
    return _URL.sub(LINK_REMOVED, body)


_LEVELS: Final = {"company": {"fi": "yritykseltä", "sv": "av företaget"},
                  "site": {"fi": "toimipaikalta", "sv": "av verksamhetsstället"},
                  "subcontractor": {"fi": "alihankkijalta", "sv": "av underleverantören"}}


def _day(iso: str | None) -> str:
    if not iso:
        return "–"
    year, month, day = (int(part) for part in iso[:10].split("-"))
    return f"{day}.{month}.{year}"


def service_change_lines(changes: Sequence[dict[str, object]], lang: str) -> list[str]:
    """The changes of a service (applications.service.changed) as lines of a provider's mail."""
    fi = lang == "fi"
    lines = []
    for c in changes:
        name, old = c.get(f"name_{lang}"), c.get(f"old_name_{lang}")
        kind = c["kind"]
        if kind == "names":
            lines.append(f"Palvelun uusi nimi: {name} (ennen {old})" if fi
                         else f"Tjänstens nya namn: {name} (tidigare {old})")
        elif kind == "content_added":
            pays = (" (asiakas maksaa)" if fi else " (klienten betalar)") if c.get("client_pays") else ""
            lines.append(f"Uusi sisältö: {name}{pays}" if fi else f"Nytt innehåll: {name}{pays}")
        elif kind == "content_renamed":
            lines.append(f"Sisällön {old} uusi nimi: {name}" if fi else f"Innehållet {old} har nytt namn: {name}")
        elif kind == "content_payer":
            payer = ("asiakas" if fi else "klienten") if c.get("client_pays") else ("kunta" if fi else "kommunen")
            lines.append(f"Sisällön {name} maksaa nyt {payer}" if fi else f"Innehållet {name} betalas nu av {payer}")
        elif kind == "content_ended":
            day = _day(c.get("effective_from"))  # type: ignore[arg-type]
            lines.append(f"Sisältö {name} päättyy {day} alkaen: sitä ei voi kirjata siitä päivästä lähtien" if fi
                         else f"Innehållet {name} upphör från {day}: det kan inte registreras från den dagen")
        elif kind == "attachment_required":
            level = _LEVELS.get(str(c.get("level")), {}).get(lang, "")
            lines.append(f"Uusi vaadittu liite {level}: {name}" if fi else f"Ny bilaga som krävs {level}: {name}")
        elif kind == "interruption_rule":
            day = _day(c.get("effective_from"))  # type: ignore[arg-type]
            lines.append(f"Keskeytyssääntö muuttuu {day} alkaen" if fi else f"Avbrottsregeln ändras från {day}")
        elif kind == "calendar":
            days = f"{c.get('provider_deadline_day')}. / {c.get('approval_deadline_day')}. / {c.get('transfer_day')}."
            lines.append(f"Maksukalenteri (kirjausten takaraja / hyväksyntä / siirto): {days}" if fi
                         else f"Betalningskalender (registreringar / godkännande / överföring): {days}")
        elif kind == "auto_recording":
            on = bool(c.get("enabled"))
            lines.append(("Automaattikirjaus otettu käyttöön" if on else "Automaattikirjaus poistettu käytöstä") if fi
                         else ("Automatisk registrering har tagits i bruk" if on
                               else "Automatisk registrering används inte längre"))
        elif kind == "rulebook":
            day = _day(c.get("effective_from"))  # type: ignore[arg-type]
            lines.append(f"Sääntökirjan versio {c.get('version')} on voimassa {day} alkaen" if fi
                         else f"Regelbokens version {c.get('version')} gäller från {day}")
    return lines


def attachment_name(kind: str, lang: str) -> str:
    """An attachment type in words; an unknown code is shown as given."""
    return ATTACHMENT_TYPES.get(kind, {}).get(lang, kind)


# --- the daily digest's pending actions (as the provider's home page lists them) ------------------

EXPIRY_WARNING_DAYS: Final = 30  # an attachment running out within this many days is listed (as on the home page)
NEW_BOOKING_DAYS: Final = 7  # a booking made within this many days and not in a digest yet is listed

# (one, many) per line; {n} the count, {date} a day.
_PENDING: Final[dict[str, dict[str, Any]]] = {
    "fi": {
        "drafts": ("1 keskeneräinen kirjaus: vahvistakaa se viimeistään {date}, muuten sitä ei tilitetä.",
                   "{n} keskeneräistä kirjausta: vahvistakaa ne viimeistään {date}, muuten niitä ei tilitetä."),
        "drafts_late": ("1 keskeneräinen kirjaus, jonka määräpäivä {date} on mennyt: vahvistakaa se nyt, niin se "
                        "tilitetään seuraavassa tilityksessä.",
                        "{n} keskeneräistä kirjausta, joiden määräpäivä {date} on mennyt: vahvistakaa ne nyt, niin "
                        "ne tilitetään seuraavassa tilityksessä."),
        "awaiting_approval": ("1 kirjaus odottaa kunnan hyväksyntää (myönnetty määrä ylittyi).",
                              "{n} kirjausta odottaa kunnan hyväksyntää (myönnetty määrä ylittyi)."),
        "open_interruptions": ("1 keskeytys ilman paluupäivää: keskeytys tilitetään, kun paluupäivä on kirjattu.",
                               "{n} keskeytystä ilman paluupäivää: keskeytys tilitetään, kun paluupäivä on "
                               "kirjattu."),
        "feedback_awaiting_reply": ("1 palaute odottaa vastaustanne.", "{n} palautetta odottaa vastaustanne."),
        "corrections_open": ("1 korjauspyyntö odottaa kunnan vastausta.",
                             "{n} korjauspyyntöä odottaa kunnan vastausta."),
        "corrections_answered": ("Kunta on vastannut 1 korjauspyyntöönne.",
                                 "Kunta on vastannut {n} korjauspyyntöönne."),
        "bookings": ("1 uusi varaus.", "{n} uutta varausta."),
        "attachment_expiring": "Liite {name} vanhenee {date}: lisätkää uusi.",
        "attachment_expired": "Liite {name} vanheni {date}: lisätkää uusi.",
    },
    "sv": {
        "drafts": ("1 ofärdig registrering: bekräfta den senast {date}, annars redovisas den inte.",
                   "{n} ofärdiga registreringar: bekräfta dem senast {date}, annars redovisas de inte."),
        "drafts_late": ("1 ofärdig registrering vars sista dag {date} har passerat: bekräfta den nu, så redovisas "
                        "den i nästa redovisning.",
                        "{n} ofärdiga registreringar vars sista dag {date} har passerat: bekräfta dem nu, så "
                        "redovisas de i nästa redovisning."),
        "awaiting_approval": ("1 registrering väntar på kommunens godkännande (den beviljade mängden överskreds).",
                              "{n} registreringar väntar på kommunens godkännande (den beviljade mängden "
                              "överskreds)."),
        "open_interruptions": ("1 avbrott utan återkomstdag: avbrottet redovisas när återkomstdagen har "
                               "registrerats.",
                               "{n} avbrott utan återkomstdag: avbrottet redovisas när återkomstdagen har "
                               "registrerats."),
        "feedback_awaiting_reply": ("1 respons väntar på ert svar.", "{n} responser väntar på ert svar."),
        "corrections_open": ("1 begäran om rättelse väntar på kommunens svar.",
                             "{n} begäranden om rättelse väntar på kommunens svar."),
        "corrections_answered": ("Kommunen har besvarat 1 av era begäranden om rättelse.",
                                 "Kommunen har besvarat {n} av era begäranden om rättelse."),
        "bookings": ("1 ny bokning.", "{n} nya bokningar."),
        "attachment_expiring": "Bilagan {name} går ut {date}: lägg till en ny.",
        "attachment_expired": "Bilagan {name} gick ut {date}: lägg till en ny.",
    },
}
_COUNTED: Final = ("awaiting_approval", "open_interruptions", "feedback_awaiting_reply", "corrections_open",
                   "corrections_answered", "bookings")


def _count_line(texts: Mapping[str, Any], key: str, n: int, day: str = "") -> str:
    one, many = texts[key]
    return str(one if n == 1 else many).format(n=n, date=day)


def _date(value: date) -> str:
    return f"{value.day}.{value.month}.{value.year}"


def pending_lines(work: Sequence[Mapping[str, Any]], attachments: Sequence[Mapping[str, Any]], today: date,
                  lang: str) -> list[str]:
    """The lines of a provider's pending actions in ``lang``: per tenant (``work``: events' summary with the
    tenant's names and ``bookings``, the new bookings), drafts with their deadline, events awaiting approval,
    interruptions without an end, feedback awaiting a reply, correction requests open and answered, new
    bookings; then the attachments that run out or ran out. Nothing pending: no lines."""
    texts = _PENDING[language_of(lang)]
    lines: list[str] = []
    for w in work:
        tenant = str(w.get(f"tenant_name_{language_of(lang)}") or w["tenant_id"])
        own: list[str] = []
        if w.get("drafts"):
            deadline = w.get("deadline")
            late = deadline is not None and deadline < today
            own.append(_count_line(texts, "drafts_late" if late else "drafts", int(w["drafts"]),
                                   _date(deadline) if deadline else "–"))
        own += [_count_line(texts, key, int(w[key])) for key in _COUNTED if w.get(key)]
        lines += [f"{tenant}: {line}" for line in own]
    for a in attachments:
        until = a["valid_until"]
        key = "attachment_expired" if until < today else "attachment_expiring"
        lines.append(str(texts[key]).format(name=attachment_name(str(a["type"]), lang), date=_date(until)))
    return lines
