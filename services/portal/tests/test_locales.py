"""The texts live in gettext PO files, one per language: every key in both, none empty, the same
placeholders in both, and the loader refuses a catalog that would show a key instead of a text."""

from __future__ import annotations

import string
from pathlib import Path

import polib
import pytest
from seteli_portal.catalog import CATALOG, CATALOG_LANGUAGES, CatalogError, load_catalog, po_path
from seteli_portal.i18n import LANGUAGES, Translator

FORMATTER = string.Formatter()


def po(lang: str) -> polib.POFile:
    return polib.pofile(str(po_path(lang)), encoding="utf-8")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in FORMATTER.parse(text) if name is not None}


def test_one_po_file_per_language_and_the_catalog_reads_them() -> None:
    assert CATALOG_LANGUAGES == LANGUAGES
    for lang in LANGUAGES:
        assert po(lang).metadata["Language"] == lang
        assert "charset=UTF-8" in po(lang).metadata["Content-Type"]
    assert len(CATALOG) > 700
    assert CATALOG["nav.catalog"] == ("Palveluhaku", "Tjänstesök")


def test_every_key_exists_in_both_languages_once() -> None:
    keys = {lang: [e.msgid for e in po(lang) if not e.obsolete] for lang in LANGUAGES}
    for lang, found in keys.items():
        assert len(found) == len(set(found)), f"{lang}: a key twice"
    only_fi = sorted(set(keys["fi"]) - set(keys["sv"]))
    only_sv = sorted(set(keys["sv"]) - set(keys["fi"]))
    assert not only_fi and not only_sv, f"only in fi: {only_fi}; only in sv: {only_sv}"
    assert set(keys["fi"]) == set(CATALOG)


def test_no_translation_is_empty_unfinished_or_left_over() -> None:
    for lang in LANGUAGES:
        for entry in po(lang):
            assert not entry.obsolete, f"{lang}: {entry.msgid} is obsolete (#~): delete it"
            assert "fuzzy" not in entry.flags, f"{lang}: {entry.msgid} is marked fuzzy: check it, remove the flag"
            assert entry.msgstr.strip(), f"{lang}: {entry.msgid} has no text"
            assert entry.msgstr == entry.msgstr.strip(), f"{lang}: {entry.msgid} starts or ends with a space"
            assert not entry.msgid_plural and not entry.msgctxt
    assert all(fi and sv for fi, sv in CATALOG.values())


def test_placeholders_match_between_finnish_and_swedish_and_every_text_formats() -> None:
    mismatched = {key: (sorted(placeholders(fi)), sorted(placeholders(sv)))
                  for key, (fi, sv) in CATALOG.items() if placeholders(fi) != placeholders(sv)}
    assert not mismatched, f"placeholders differ (fi, sv): {mismatched}"
    for key, pair in CATALOG.items():
        for text in pair:
            values = dict.fromkeys(placeholders(text), "X")
            assert text.format(**values), key  # a stray { or } would raise here
            assert "{{" not in text and "}}" not in text, f"{key}: braces are for placeholders only"
            assert all(name.isidentifier() for name in placeholders(text)), f"{key}: a placeholder is a name"


def test_the_translator_gives_each_language_its_text() -> None:
    fi, sv = Translator("fi"), Translator("sv")
    assert (fi("nav.catalog"), sv("nav.catalog")) == ("Palveluhaku", "Tjänstesök")
    assert fi("pager.shown", first=1, last=20, total=45) == "Näytetään 1–20/45"
    assert sv("pager.shown", first=1, last=20, total=45) == "Visar 1–20 av 45"
    assert Translator("en")("save") == "Tallenna"  # unknown language: Finnish
    assert fi("no.such.key") == "no.such.key" and fi("no.such.key", default="API text") == "API text"


def test_a_count_of_one_reads_as_one() -> None:
    fi, sv = Translator("fi"), Translator("sv")
    assert fi("compare.caption", count=1) == "1 toimipaikka, hinnat euroina"
    assert fi("compare.caption", count=3) == "3 toimipaikkaa, hinnat euroina"
    assert sv("compare.caption", count=1) == "1 verksamhetsställe, priser i euro"
    assert sv("catalog.count", count=0) == "0 serviceproducenter"


def test_every_form_for_one_has_its_text_with_a_count_and_both_languages() -> None:
    for key in [k for k in CATALOG if k.endswith(".one")]:
        base = key.removesuffix(".one")
        assert base in CATALOG and all("{count}" in text for text in CATALOG[base]), key


def write_po(locales: Path, lang: str, entries: list[tuple[str, str]]) -> None:
    path = po_path(lang, locales)
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog = polib.POFile()
    catalog.metadata = {"Language": lang, "Content-Type": "text/plain; charset=UTF-8"}
    for msgid, msgstr in entries:
        catalog.append(polib.POEntry(msgid=msgid, msgstr=msgstr))
    catalog.save(str(path))


def test_the_loader_reads_both_files_in_order(tmp_path: Path) -> None:
    write_po(tmp_path, "fi", [("b", "Bee {n}"), ("a", "Aa")])
    write_po(tmp_path, "sv", [("a", "Å"), ("b", "Bä {n}")])
    assert list(load_catalog(tmp_path).items()) == [("b", ("Bee {n}", "Bä {n}")), ("a", ("Aa", "Å"))]


@pytest.mark.parametrize(("fi", "sv", "message"), [
    ([("a", "A"), ("b", "B")], [("a", "Å")], "one language only"),
    ([("a", "A")], [("a", "")], "has no text"),
    ([("a", "A"), ("a", "AA")], [("a", "Å")], "appears twice"),
])
def test_the_loader_refuses_a_catalog_that_would_show_a_key(tmp_path: Path, fi: list[tuple[str, str]],
                                                            sv: list[tuple[str, str]], message: str) -> None:
    write_po(tmp_path, "fi", fi)
    write_po(tmp_path, "sv", sv)
    with pytest.raises(CatalogError, match=message):
        load_catalog(tmp_path)


def test_the_loader_names_a_missing_or_broken_file(tmp_path: Path) -> None:
    write_po(tmp_path, "fi", [("a", "A")])
    with pytest.raises(CatalogError, match="sv.*no such file"):
        load_catalog(tmp_path)
    po_path("sv", tmp_path).parent.mkdir(parents=True)
    po_path("sv", tmp_path).write_text('msgid "a"\nmsgstr "Å"\nnot a PO line\n', encoding="utf-8")
    with pytest.raises(CatalogError, match="sv.*Syntax error"):
        load_catalog(tmp_path)
    po_path("sv", tmp_path).write_bytes(b'msgid "a"\nmsgstr "\xc5"\n')  # Latin-1, not UTF-8
    with pytest.raises(CatalogError, match="sv.*can't decode"):
        load_catalog(tmp_path)


def test_a_settlement_month_reads_as_finnish_and_swedish_write_it() -> None:
    from seteli_portal.i18n import month_fmt

    assert (month_fmt("2016-03"), month_fmt("2026-12"), month_fmt(""), month_fmt("maaliskuu")) == \
        ("3/2016", "12/2026", "", "maaliskuu")
