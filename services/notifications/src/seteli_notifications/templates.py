"""Rendering: one plain-text template per message and language (templates/<lang>/<kind>.txt, the first
line is the subject); the HTML part is the same text in one shared layout, so the two never disagree.

A bilingual notice puts both languages in one message, Finnish first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape
from seteli_common.money import format_eur, parse_money

from .domain import format_datetime, format_month, language_of

TEMPLATES = Path(__file__).parent / "templates"
_URL = re.compile(r"https?://[^\s<>\"]+")
_BLANK_RUN = re.compile(r"\n[ \t]*(?:\n[ \t]*)+\n")
SEPARATOR = "—" * 24


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def _linkify(paragraph: str, ours: frozenset[str]) -> Markup:
    """Escapes a paragraph and makes links of the addresses Seteli itself put in the mail (``ours``); an
    address in a resident's or provider's text stays text, never a link in a Seteli-branded mail."""
    out: list[str] = []
    last = 0
    for match in _URL.finditer(paragraph):
        if match.group(0) not in ours:
            continue
        out.append(str(escape(paragraph[last:match.start()])))
        url = escape(match.group(0))
        out.append(f'<a href="{url}">{url}</a>')
        last = match.end()
    out.append(str(escape(paragraph[last:])))
    return Markup("".join(out).replace("\n", "<br>\n"))


def _our_links(context: dict[str, Any]) -> frozenset[str]:
    """The links the platform made: context values named `link`, `*_link` or `*_url` (never user text)."""
    return frozenset(value for key, value in context.items() if isinstance(value, str) and _URL.fullmatch(value)
                     and (key == "link" or key.endswith(("_link", "_url"))))


def _eur(amount: Any, lang: str = "fi") -> str:
    value = amount if isinstance(amount, Decimal | int) else parse_money(str(amount))
    return format_eur(value, "sv" if lang == "sv" else "fi")


class Renderer:
    def __init__(self, directory: Path = TEMPLATES) -> None:
        self.env = Environment(
            loader=FileSystemLoader(directory), undefined=StrictUndefined, keep_trailing_newline=False,
            autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        )
        self.env.filters.update(eur=_eur, month=format_month, when=format_datetime)

    def kinds(self, lang: str) -> set[str]:
        return {p.stem for p in (TEMPLATES / lang).glob("*.txt") if not p.stem.startswith("_")}

    def _one(self, kind: str, lang: str, context: dict[str, Any]) -> tuple[str, str]:
        source = self.env.get_template(f"{lang}/{kind}.txt").render(**context, lang=lang)
        subject, _, body = source.strip().partition("\n")
        body = _BLANK_RUN.sub("\n\n", body)  # optional blocks leave runs of blank lines
        footer = self.env.get_template(f"{lang}/_footer.txt").render(**context, lang=lang).strip()
        return subject.strip(), f"{body.strip()}\n\n{footer}\n"

    def render(self, kind: str, languages: list[str], context: dict[str, Any]) -> Rendered:
        parts = [(lang, *self._one(kind, language_of(lang), context)) for lang in languages]
        subject = " / ".join(dict.fromkeys(s for _, s, _ in parts))  # same subject twice is shown once
        text = f"\n{SEPARATOR}\n\n".join(body for _, _, body in parts)
        ours = _our_links(context)
        sections = [{"lang": lang, "paragraphs": [_linkify(p, ours) for p in body.strip().split("\n\n")]}
                    for lang, _, body in parts]
        html = self.env.get_template("layout.html").render(subject=subject, sections=sections)
        return Rendered(subject, text, html)
