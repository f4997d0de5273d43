"""The shared pager: previous/next, numbered pages around the current one, filters kept on every
link, and the markup assistive technology needs (a labelled nav, the current page marked)."""

from __future__ import annotations

import re

from seteli_portal.i18n import Translator
from seteli_portal.paging import Paging, pager
from seteli_portal.web import make_env


def render(p: dict[str, object], lang: str = "fi") -> str:
    template = make_env().from_string("{% import '_macros.html' as m with context %}{{ m.pager(p) }}")
    return template.render(p=p, t=Translator(lang), url=lambda path: f"/portal{path}")


def test_middle_page_links_both_ways_and_keeps_the_filters() -> None:
    p = pager(Paging(3, 25), 130, "/officer/vouchers", {"state": "open", "name": "", "page": 9})
    assert (p["page"], p["pages"], p["first"], p["last"]) == (3, 6, 51, 75)
    assert p["prev"] == "/officer/vouchers?state=open&page=2" and p["next"] == "/officer/vouchers?state=open&page=4"
    assert [link["number"] for link in p["links"]] == [1, 2, 3, 4, 5]
    html = render(p)
    assert '<nav class="pager" aria-label="Sivut">' in html
    assert re.search(r'href="/portal/officer/vouchers\?state=open&amp;page=3" aria-current="page"', html)
    assert html.count('aria-current="page"') == 1
    assert "Näytetään 51–75/130" in html and 'rel="prev"' in html and 'rel="next"' in html


def test_first_and_last_pages_have_no_link_beyond_the_list() -> None:
    first = pager(Paging(1, 25), 30, "/catalog")
    assert first["prev"] is None and first["next"] == "/catalog?page=2"
    last = pager(Paging(2, 25), 30, "/catalog")
    assert last["next"] is None and (last["first"], last["last"]) == (26, 30)
    assert 'rel="next"' not in render(last) and "Visar 26–30 av 30" in render(last, "sv")
    beyond = pager(Paging(40, 25), 30, "/catalog")  # a stale link past the end points back into the list
    assert beyond["beyond"] and beyond["prev"] == "/catalog?page=2"
    assert "Sivua ei ole: listassa on 30 riviä." in render(beyond)


def test_one_page_shows_only_the_count_and_an_empty_list_nothing() -> None:
    html = render(pager(Paging(1, 25), 3, "/officer/clients"))
    assert "Näytetään 1–3/3" in html and "<ul>" not in html
    assert render(pager(Paging(1, 25), 0, "/officer/clients")).strip() == ""


def test_a_second_list_pages_by_its_own_parameter_and_keeps_the_first_lists_page() -> None:
    p = pager(Paging(2, 25, "corrections_page"), 60, "/provider/credits", {"page": 3}, anchor="corrections-h")
    assert p["prev"] == "/provider/credits?page=3&corrections_page=1#corrections-h"
    assert p["next"] == "/provider/credits?page=3&corrections_page=3#corrections-h"
    html = render(p)
    assert '<nav class="pager" aria-label="Sivut">' in html  # the macro's label unless the page names it
    named = make_env().from_string("{% import '_macros.html' as m with context %}{{ m.pager(p, label='Hyvitykset') }}")
    assert 'aria-label="Hyvitykset"' in named.render(p=p, t=Translator("fi"), url=lambda path: path)
    assert Paging(1).kept is None and Paging(4).kept == 4
