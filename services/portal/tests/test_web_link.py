"""Links that come from users or other services are written into pages only as web addresses."""

from __future__ import annotations

from seteli_portal.web import make_env, web_link


def test_only_web_addresses_become_links() -> None:
    assert web_link("https://www.kouvola.fi/saantokirja.pdf") == "https://www.kouvola.fi/saantokirja.pdf"
    assert web_link(" http://example.fi/a ") == "http://example.fi/a"
    for bad in ("javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x", "", None, "//evil.example"):
        assert web_link(bad) is None, bad


def test_a_stored_script_address_is_not_rendered_as_a_link() -> None:
    template = make_env().from_string('{% if u|web_link %}<a href="{{ u|web_link }}">x</a>{% endif %}')
    assert template.render(u="javascript:alert(1)") == ""
    assert template.render(u="https://a.fi/") == '<a href="https://a.fi/">x</a>'
