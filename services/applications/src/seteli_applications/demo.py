"""Demo data: Kouvola's two sheltered-housing voucher services from seed 004 (§1.2.3, §1.3.7, §4.3.5.1),
and the purchased-service variant of enhanced sheltered housing with its own content list.

`kouvola_services()` returns the request bodies of `POST /v1/tenants/kouvola/services`, so the suite's
demo can post them as a tenant admin. Contents are exactly as the seed lists them; "asiakas maksaa"
(the client pays) marks client-paid contents. The seed's basic sheltered-housing list does not say who
pays meals, electricity, water, rent and other services; the domain text says those are client-paid,
so they are marked so. Attachment type codes are ours (the registry's attachment `type`).
"""

from __future__ import annotations

from typing import Any

_SITE_COMMON = [
    ("staff_list", "Henkilöstöluettelo (vakanssit, nimikkeet ja koulutustiedot)",
     "Personalförteckning (vakanser, titlar och utbildning)"),
    ("medication_plan", "Lääkehoitosuunnitelma", "Läkemedelsbehandlingsplan"),
    ("self_monitoring_plan", "Omavalvontasuunnitelma", "Plan för egenkontroll"),
    ("service_description", "Palvelukuvaus", "Tjänstebeskrivning"),
    ("rescue_plan", "Pelastussuunnitelma", "Räddningsplan"),
    ("fire_authority_statement", "Pelastusviranomaisen lausunto (poistumisturvallisuusselvityksen arvioinnin "
     "pöytäkirja)", "Räddningsmyndighetens utlåtande (protokoll över utrymningssäkerhetsutredningen)"),
    ("data_protection_statement", "Selvitys henkilötietolain 32 §:n edellyttämien toimenpiteiden toteuttamisesta",
     "Utredning om åtgärder enligt 32 § personuppgiftslagen"),
    ("annual_report", "Toimintakertomus", "Verksamhetsberättelse"),
    ("action_plan", "Toimintasuunnitelma", "Verksamhetsplan"),
]

ENHANCED_SITE_ATTACHMENTS = [
    ("avi_valvira_licence", "AVI:n tai Valviran lupa ympärivuorokautisen sosiaalipalvelujen tuottamisesta",
     "RFV:s eller Valviras tillstånd för socialservice dygnet runt"),
    *_SITE_COMMON,
]
BASIC_SITE_ATTACHMENTS = [
    ("avi_valvira_register_certificate", "AVI:n tai Valviran todistus yksityisten sosiaalipalveluiden antajien "
     "rekisteriin kuulumisesta", "RFV:s eller Valviras intyg om registrering som privat serviceproducent"),
    *_SITE_COMMON,
]

# (name_fi, name_sv, unit, client_pays) in the seed's order.
ENHANCED_CONTENTS = [
    ("Ateriat / vrk, asiakas maksaa", "Måltider / dygn, klienten betalar", "day", True),
    ("Ateriat, asiakas maksaa / kk", "Måltider, klienten betalar / mån", "month", True),
    ("Hoivapalvelumaksu / vrk", "Vårdserviceavgift / dygn", "day", False),
    ("Sähkö / vrk, asiakas maksaa", "El / dygn, klienten betalar", "day", True),
    ("Sähkö, asiakas maksaa / kk", "El, klienten betalar / mån", "month", True),
    ("Sähkö, asiakas maksaa / m2 / kk", "El, klienten betalar / m2 / mån", "m2_month", True),
    ("Tarvikepaketti, asiakas maksaa / kk", "Förnödenhetspaket, klienten betalar / mån", "month", True),
    ("Tarvikepaketti, asiakas maksaa, vapaaehtoinen / kk",
     "Förnödenhetspaket, klienten betalar, frivilligt / mån", "month", True),
    ("Tarvikepaketti, asiakas maksaa, vapaaehtoinen / vrk",
     "Förnödenhetspaket, klienten betalar, frivilligt / dygn", "day", True),
    ("Vesimaksu / vrk, asiakas maksaa", "Vattenavgift / dygn, klienten betalar", "day", True),
    ("Vesimaksu, asiakas maksaa / kk", "Vattenavgift, klienten betalar / mån", "month", True),
    ("Vuokra / m2, asiakas maksaa", "Hyra / m2, klienten betalar", "m2_month", True),
    ("Vuokra / vrk maksimi, asiakas maksaa", "Hyra / dygn maximum, klienten betalar", "day", True),
    ("Vuokra / vrk minimi, asiakas maksaa", "Hyra / dygn minimum, klienten betalar", "day", True),
    ("Vuokra / vrk, asiakas maksaa", "Hyra / dygn, klienten betalar", "day", True),
    ("Vuokra maximi, asiakas maksaa", "Hyra maximum, klienten betalar", "month", True),
    ("Vuokra minimi, asiakas maksaa", "Hyra minimum, klienten betalar", "month", True),
]
# The purchased-service (ostopalvelu) variant of enhanced sheltered housing has its own list (§1.3.7),
# in the seed's order and wording (e.g. "Vuokra / vrk, asiakas maksaa maksimi", a per-day supply pack).
ENHANCED_PURCHASED_CONTENTS = [
    ("Hoivapalvelumaksu / vrk", "Vårdserviceavgift / dygn", "day", False),
    ("Ateriat / vrk, asiakas maksaa", "Måltider / dygn, klienten betalar", "day", True),
    ("Sähkö / vrk, asiakas maksaa", "El / dygn, klienten betalar", "day", True),
    ("Vesimaksu / vrk, asiakas maksaa", "Vattenavgift / dygn, klienten betalar", "day", True),
    ("Vuokra / vrk, asiakas maksaa", "Hyra / dygn, klienten betalar", "day", True),
    ("Ateriat, asiakas maksaa / kk", "Måltider, klienten betalar / mån", "month", True),
    ("Sähkö, asiakas maksaa / kk", "El, klienten betalar / mån", "month", True),
    ("Sähkö, asiakas maksaa / m2 / kk", "El, klienten betalar / m2 / mån", "m2_month", True),
    ("Tarvikepaketti, asiakas maksaa / kk", "Förnödenhetspaket, klienten betalar / mån", "month", True),
    ("Tarvikepaketti, asiakas maksaa / vrk", "Förnödenhetspaket, klienten betalar / dygn", "day", True),
    ("Tarvikepaketti, asiakas maksaa, vapaaehtoinen / kk",
     "Förnödenhetspaket, klienten betalar, frivilligt / mån", "month", True),
    ("Vesimaksu, asiakas maksaa / kk", "Vattenavgift, klienten betalar / mån", "month", True),
    ("Vuokra / m2, asiakas maksaa", "Hyra / m2, klienten betalar", "m2_month", True),
    ("Vuokra / vrk, asiakas maksaa maksimi", "Hyra / dygn, klienten betalar maximum", "day", True),
    ("Vuokra / vrk, asiakas maksaa minimi", "Hyra / dygn, klienten betalar minimum", "day", True),
    ("Vuokra maximi, asiakas maksaa", "Hyra maximum, klienten betalar", "month", True),
    ("Vuokra minimi, asiakas maksaa", "Hyra minimum, klienten betalar", "month", True),
]
BASIC_CONTENTS = [
    ("Palveluasumisen hoivamaksu / vrk", "Vårdavgift för serviceboende / dygn", "day", False),
    ("Palveluasumisen hoivamaksu / kk", "Vårdavgift för serviceboende / mån", "month", False),
    ("Ateriamaksut / kk", "Måltidsavgifter / mån", "month", True),
    ("Sähkö / kk", "El / mån", "month", True),
    ("Vesi / kk", "Vatten / mån", "month", True),
    ("Vuokra / kk, keskiarvo", "Hyra / mån, medeltal", "month", True),
    ("Muut palvelut / kk", "Övriga tjänster / mån", "month", True),
]


def kouvola_interruption_rule() -> dict[str, Any]:
    """From 2016-01-01: departure day (day 0) and days 1-10 100 %, day 11 onwards 0 %, return day 100 %."""
    reason = {"bands": [{"from_day": 0, "to_day": 10, "percentage": 100},
                        {"from_day": 11, "to_day": None, "percentage": 0}],
              "return_day_percentage": 100}
    return {"valid_from": "2016-01-01", "reasons": {r: reason for r in ("hospital", "holiday", "other")}}


def _service(name_fi: str, name_sv: str, contents: list[tuple[str, str, str, bool]],
             site_attachments: list[tuple[str, str, str]], rulebook: str | None,
             kind: str = "voucher") -> dict[str, Any]:
    return {
        "name_fi": name_fi, "name_sv": name_sv, "kind": kind, "auto_recording": True,
        "contents": [{"name_fi": fi, "name_sv": sv, "unit": unit, "client_pays": pays}
                     for fi, sv, unit, pays in contents],
        "required_attachments": {"company": [], "subcontractor": [],
                                 "site": [{"type": t, "name_fi": fi, "name_sv": sv} for t, fi, sv in site_attachments]},
        "interruption_rule": kouvola_interruption_rule(),
        "calendar": {"provider_deadline_day": 2, "approval_deadline_day": 3, "transfer_day": 4},
        "rulebook_versions": [{"effective_from": "2016-01-01", "text": rulebook}] if rulebook else [],
    }


def kouvola_services() -> list[dict[str, Any]]:
    """Request bodies for POST /v1/tenants/kouvola/services (as Kouvola's tenant admin): the two voucher
    services, then enhanced sheltered housing as a purchased service (the seed gives it no rulebook)."""
    return [
        _service("Ikääntyneiden tehostettu palveluasuminen", "Effektiverat serviceboende för äldre",
                 ENHANCED_CONTENTS, ENHANCED_SITE_ATTACHMENTS,
                 "Kouvolan kaupungin ikääntyneiden tehostetun palveluasumisen palvelusetelin sääntökirja 2016"),
        _service("Ikääntyneiden palveluasuminen", "Serviceboende för äldre", BASIC_CONTENTS, BASIC_SITE_ATTACHMENTS,
                 "Kouvolan kaupungin ikääntyneiden palveluasumisen palvelusetelin sääntökirja 2016"),
        _service("Ikääntyneiden tehostettu palveluasuminen, ostopalvelu",
                 "Effektiverat serviceboende för äldre, köpt tjänst", ENHANCED_PURCHASED_CONTENTS,
                 ENHANCED_SITE_ATTACHMENTS, None, kind="purchased"),
    ]
