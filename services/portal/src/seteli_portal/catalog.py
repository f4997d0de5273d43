"""The fi/sv message catalog: key -> (Finnish, Swedish), read once at import from the gettext PO files
`locales/<lang>/LC_MESSAGES/messages.po` (msgid = the key the pages use, msgstr = the text shown).
Translators edit those files; see "Texts and translations" in the portal's README.

The files are read as they are (no compiled .mo). A catalog that would show a key instead of a text is
refused at start: a key in one language only, an empty text, a key twice, or a plural entry."""

from __future__ import annotations

from pathlib import Path

import polib

LOCALES = Path(__file__).parent / "locales"
DOMAIN = "messages"
CATALOG_LANGUAGES = ("fi", "sv")  # the order of the texts in each CATALOG pair


class CatalogError(ValueError):
    """The PO files cannot give every key a text in every language."""


def po_path(lang: str, locales: Path = LOCALES) -> Path:
    return locales / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_po(path: Path) -> dict[str, str]:
    """msgid -> msgstr of one PO file, in file order; obsolete (#~) entries are skipped."""
    if not path.is_file():  # polib would read the path itself as the PO text
        raise CatalogError(f"{path}: no such file")
    try:
        po = polib.pofile(str(path), encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:  # polib reports a syntax error as OSError
        raise CatalogError(f"{path}: {exc}") from exc
    texts: dict[str, str] = {}
    problems: list[str] = []
    for entry in po:
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            problems.append(f"{entry.msgid!r} is a plural entry (not supported: use a placeholder)")
        elif entry.msgctxt:
            problems.append(f"{entry.msgid!r} has a msgctxt (not supported: use a longer key)")
        elif entry.msgid in texts:
            problems.append(f"{entry.msgid!r} appears twice")
        elif not entry.msgstr.strip():
            problems.append(f"{entry.msgid!r} has no text")
        texts[entry.msgid] = entry.msgstr
    if problems:
        raise CatalogError(f"{path}: " + "; ".join(problems))
    return texts


def load_catalog(locales: Path = LOCALES) -> dict[str, tuple[str, str]]:
    """key -> (Finnish, Swedish), in the order of the Finnish file."""
    fi, sv = (read_po(po_path(lang, locales)) for lang in CATALOG_LANGUAGES)
    only_fi, only_sv = sorted(fi.keys() - sv.keys()), sorted(sv.keys() - fi.keys())
    if only_fi or only_sv:
        raise CatalogError(f"keys in one language only: fi {only_fi}, sv {only_sv}")
    return {key: (text, sv[key]) for key, text in fi.items()}


CATALOG: dict[str, tuple[str, str]] = load_catalog()
