"""The provider's credits page says of each credit what settlement stated: waiting for the run planned when it was
made, carried over from a run to the next (no billing information, or the month's total negative), or deducted
in the run that deducted it, with that run's specifications; in Finnish and Swedish."""

from __future__ import annotations

from typing import Any

from seteli_portal.i18n import Translator
from seteli_portal.web import make_env

PAYMENT = {"run_id": "r-5", "payment_id": "7", "payee_name": "Hoivakoti Oy", "month": "2016-05"}


def cell(credit: dict[str, Any], lang: str = "fi", runs: dict[str, list[dict[str, Any]]] | None = None) -> str:
    template = make_env().from_string("{% import '_macros.html' as m with context %}{{ m.credit_deduction(c, runs) }}")
    html = template.render(c={"month": "2016-03", "deducted_month": None, "carried_month": None, **credit},
                           runs=runs or {}, t=Translator(lang), url=lambda path: f"/portal{path}")
    return " ".join(html.split())


def test_a_credit_no_run_has_spoken_of_waits_for_the_planned_run() -> None:
    assert "Odottaa tilitystä 3/2016" in cell({})
    assert "Tilitystä ei ole vielä tehty" in cell({})
    assert "Väntar på redovisningen 3/2016" in cell({}, "sv")


def test_a_credit_of_no_news_whose_planned_run_was_made_names_that_run_without_a_claim() -> None:
    # A credit made before settlement told of its credits (every credit at the upgrade), or news still on its way:
    # March's run was made, so it no longer waits for it; settlement has not said it deducted it, so no claim
    runs = {"2016-03": [{**PAYMENT, "run_id": "r-3", "month": "2016-03"}]}
    made = cell({}, runs=runs)
    assert "Tilityksessä 3/2016" in made and 'href="/portal/provider/payments/r-3/7.pdf"' in made
    assert "Odottaa" not in made and "Vähennetty" not in made and "Tilitystä ei ole vielä tehty" not in made
    sv = cell({}, "sv", runs)
    assert "I redovisningen 3/2016" in sv and "Väntar" not in sv and "Avdragen" not in sv


def test_a_credit_carried_over_says_from_which_run_and_why() -> None:
    fi = cell({"carried_month": "2016-04"})
    assert "Siirtyi tilityksestä 4/2016 seuraavaan tilitykseen" in fi
    assert ("Tilityshetkellä maksutiedot puuttuivat, kuukauden summa oli negatiivinen tai maksun muodostaminen "
            "epäonnistui.") in fi
    assert "3/2016" not in fi and "Vähennetty" not in fi
    sv = cell({"carried_month": "2016-04"}, "sv")
    assert "Flyttades från redovisningen 4/2016 till nästa redovisning" in sv
    assert ("Vid redovisningen saknades betalningsuppgifterna, var månadens summa negativ eller kunde "
            "betalningen inte bildas.") in sv


def test_a_credit_deducted_names_the_run_that_deducted_it_and_its_specifications() -> None:
    runs = {"2016-05": [PAYMENT], "2016-03": [{**PAYMENT, "run_id": "r-3", "month": "2016-03"}]}
    fi = cell({"carried_month": "2016-04", "deducted_month": "2016-05"}, runs=runs)
    assert "Vähennetty tilityksessä 5/2016" in fi and "Siirtyi" not in fi
    assert 'href="/portal/provider/payments/r-5/7.pdf"' in fi and "r-3" not in fi
    sv = cell({"deducted_month": "2016-05"}, "sv", runs)
    assert "Avdragen i redovisningen 5/2016" in sv and "Betalningsspecifikation" in sv


def test_a_credit_partly_set_off_says_what_was_deducted_and_what_moved_on() -> None:
    # -200.00, of which 120.00 taken from another payee's payment of the provider in April's run
    runs = {"2016-04": [{**PAYMENT, "run_id": "r-4", "month": "2016-04"}]}
    partly = {"amount": "-200.00", "carried_month": "2016-04", "carried_amount": "-80.00"}
    fi = cell(partly, runs=runs)
    assert "Vähennetty 120,00 € tilityksessä 4/2016, 80,00 € siirtyi seuraavaan tilitykseen" in fi
    assert 'href="/portal/provider/payments/r-4/7.pdf"' in fi  # where the deduction is explained
    assert "Tilityshetkellä maksutiedot puuttuivat" in fi
    sv = cell(partly, "sv", runs)
    assert "Avdrogs 120,00 € i redovisningen 4/2016, 80,00 € flyttades till nästa redovisning" in sv
    # May's run deducts the rest: the run that deducted it is named
    rest = cell({**partly, "deducted_month": "2016-05"}, runs={"2016-05": [PAYMENT]})
    assert "Vähennetty tilityksessä 5/2016" in rest and "siirtyi" not in rest


def test_a_credit_carried_whole_or_of_an_old_message_says_it_moved_on() -> None:
    for whole in ({"amount": "-200.00", "carried_month": "2016-04", "carried_amount": "-200.00"},
                  {"amount": "-200.00", "carried_month": "2016-04", "carried_amount": None},
                  {"amount": "-200.00", "carried_month": "2016-04"}):
        fi = cell(whole)
        assert "Siirtyi tilityksestä 4/2016 seuraavaan tilitykseen" in fi and "Vähennetty" not in fi
