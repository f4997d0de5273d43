"""Text for the PDF core fonts (Helvetica, cp1252 / WinAnsi): any Unicode input becomes printable.

cp1252 has ä ö å Ä Ö Å, the euro sign and the common typographic characters (– — ’ “ ” …), which are
kept; other characters get a look-alike or their base letter, anything else '?'.
"""

from __future__ import annotations

import functools
import unicodedata

NBSP = "\u00a0"
PDF_ENCODING = "cp1252"

# Characters cp1252 lacks, mapped to what a reader expects rather than to a bare '?'.
_PDF_SUBSTITUTES = {
    **dict.fromkeys("\u2010\u2011\u2012\u2043\u2212", "-"),  # hyphens, figure dash, minus sign
    "\u2015": "—",  # horizontal bar
    "\u2032": "'", "\u2033": '"', "\u201b": "'", "\u201f": '"', "\u2044": "/",
    **dict.fromkeys("\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a\u205f\u3000", " "),
    **dict.fromkeys("\u2007\u202f", NBSP),  # figure and narrow no-break space stay unbreakable
    **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff", ""),  # zero-width characters
    # Sámi letters without a decomposition to a base letter
    "ŋ": "n", "Ŋ": "N", "đ": "d", "Đ": "D", "ŧ": "t", "Ŧ": "T", "ʒ": "z", "Ʒ": "Z", "ǥ": "g", "Ǥ": "G",
    "ł": "l", "Ł": "L",
}


def _pdf_char(ch: str) -> str:
    if ch in _PDF_SUBSTITUTES:
        return _PDF_SUBSTITUTES[ch]
    if unicodedata.category(ch) in ("Cc", "Zl", "Zp"):  # tab, newline and other controls: a space
        return " " if ch.isspace() else ""
    try:
        ch.encode(PDF_ENCODING)
        return ch
    except UnicodeEncodeError:
        pass
    # Base letter (Č -> C, ǯ -> ʒ -> z, ligatures -> letters); combining marks dropped.
    base = "".join(
        _PDF_SUBSTITUTES.get(c, c) for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
    )
    try:
        base.encode(PDF_ENCODING)
    except UnicodeEncodeError:
        return "?"
    return base or "?"


@functools.lru_cache(maxsize=8192)  # a specification repeats its clients' refs and its contents' names
def pdf_text(text: str) -> str:
    """Make any Unicode ``text`` printable in the core font's cp1252: keep what fits (ä ö å € – — ’ “ ” …),
    map other typographic characters and Sámi letters to their look-alikes, else '?'. Never raises."""
    return "".join(_pdf_char(ch) for ch in unicodedata.normalize("NFC", text))


def from_fpdf(line: str) -> str:
    """fpdf2 hands wrapped lines back in its internal form (cp1252 bytes read as Latin-1: '–' is '\\x96');
    given to cell() again they would be encoded a second time and fail. Undo that form."""
    try:
        return line.encode("latin-1").decode(PDF_ENCODING)
    except UnicodeError:  # already plain text
        return line
