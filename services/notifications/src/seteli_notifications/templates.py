"""Rendering: one plain-text template per message and language (templates/<lang>/<kind>.txt, the first
line is the subject); the HTML part is the same text in one shared layout, so the two never disagree.

A bilingual notice puts both languages in one message, Finnish first.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, UndefinedError, meta, select_autoescape
from markupsafe import Markup, escape
from seteli_common.money import format_eur, parse_money

from .domain import format_datetime, format_month, language_of

TEMPLATES = Path(__file__).parent / "templates"
_URL = re.compile(r"https?://[^\s<>\"]+")
_SPACES = re.compile(r" {2,}")
_BLANK_RUN = re.compile(r"\n[ \t]*(?:\n[ \t]*)+\n")
SEPARATOR = "—" * 24
# What the delivery log shows in place of the client a message names (the company's client number): the log logs no
# read to the client's access log, so it shows none of the client's data.
CLIENT_MASK = "•••"
_CLIENT_SLOT = "\u2063client_ref\u2063"  # stands for the reference in a subject rendered to read one off
SUBJECT_MAX = 500  # a stored subject is cut there (models.messages.subject)


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


def one_line(value: Any) -> Any:
    """A value shown in a subject: line breaks, line separators and control characters become spaces, runs of
    white space one space (a header holds one line; a name sent with a line break must not end the subject)."""
    if not isinstance(value, str):
        return value
    spaced = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in value)
    return _SPACES.sub(" ", spaced).strip(" ")  # a no-break space (in an amount) stays as it is


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
        # The subject (a template's first line) is rendered on its own, every value on one line.
        self.subject_env = Environment(undefined=StrictUndefined, autoescape=False, finalize=one_line)
        self.subject_env.filters.update(self.env.filters)
        self._compiled: dict[str, tuple[Template, Template]] = {}
        self._naming: dict[str, bool] = {}  # whether a template names a client (names_client)

    def _parts(self, name: str) -> tuple[Template, Template]:
        if name not in self._compiled:
            assert self.env.loader is not None
            source, _, _ = self.env.loader.get_source(self.env, name)
            subject, _, body = source.lstrip("\n").partition("\n")
            self._compiled[name] = (self.subject_env.from_string(subject), self.env.from_string(body))
        return self._compiled[name]

    def kinds(self, lang: str) -> set[str]:
        return {p.stem for p in (TEMPLATES / lang).glob("*.txt") if not p.stem.startswith("_")}

    def _one(self, kind: str, lang: str, context: dict[str, Any]) -> tuple[str, str]:
        subject_template, body_template = self._parts(f"{lang}/{kind}.txt")
        subject = subject_template.render(**context, lang=lang)
        # optional blocks leave runs of blank lines
        body = _BLANK_RUN.sub("\n\n", body_template.render(**context, lang=lang))
        footer = self.env.get_template(f"{lang}/_footer.txt").render(**context, lang=lang).strip()
        return subject.strip(), f"{body.strip()}\n\n{footer}\n"

    def render(self, kind: str, languages: list[str], context: dict[str, Any]) -> Rendered:
        parts = [(lang, *self._one(kind, language_of(lang), context)) for lang in languages]
        subject = _joined(s for _, s, _ in parts)
        text = f"\n{SEPARATOR}\n\n".join(body for _, _, body in parts)
        ours = _our_links(context)
        sections = [{"lang": lang, "paragraphs": [_linkify(p, ours) for p in body.strip().split("\n\n")]}
                    for lang, _, body in parts]
        html = self.env.get_template("layout.html").render(subject=subject, sections=sections)
        return Rendered(subject, text, html)

    def names_client(self, kind: str, languages: list[str]) -> bool:
        """Whether a message of the kind names a client (its template uses `client_ref`)."""
        return any(self._names_client(f"{language_of(lang)}/{kind}.txt") for lang in languages)

    def _names_client(self, name: str) -> bool:
        if name not in self._naming:  # parsed once: a delivery log page asks it of every message
            assert self.env.loader is not None
            source, _, _ = self.env.loader.get_source(self.env, name)
            self._naming[name] = "client_ref" in meta.find_undeclared_variables(self.env.parse(source))
        return self._naming[name]

    def without_client(self, kind: str, languages: list[str], subject: str, *bodies: str) -> tuple[str, ...]:
        """A stored message's subject and bodies as the delivery log shows them: the client it names masked. The
        reference is read off the subject (the kind's subject around it); where it cannot be, the bodies are
        masked whole."""
        if not self.names_client(kind, languages):
            return (subject, *bodies)
        try:
            shaped = _joined(self._parts(f"{language_of(lang)}/{kind}.txt")[0].render(
                client_ref=_CLIENT_SLOT, lang=language_of(lang)).strip() for lang in languages)
        except UndefinedError:  # a subject that names more than the client: nothing to read the reference by
            return (CLIENT_MASK, *(CLIENT_MASK for _ in bodies))
        ref = _reference_in(shaped, subject) if len(subject) < SUBJECT_MAX else None  # a cut one: part of it
        masked = [_masked(body, ref) if ref else CLIENT_MASK for body in bodies]
        return (shaped.replace(_CLIENT_SLOT, CLIENT_MASK), *masked)


def _joined(subjects: Any) -> str:
    return " / ".join(dict.fromkeys(subjects))  # same subject twice is shown once


def _reference_in(shaped: str, subject: str) -> str | None:
    """The client reference that `subject` has where `shaped` has the slot (the same reference in every place)."""
    first, *rest = (re.escape(piece) for piece in shaped.split(_CLIENT_SLOT))
    if not rest:
        return None
    pattern = first + "(?P<ref>.+?)" + rest[0] + "".join("(?P=ref)" + piece for piece in rest[1:])
    found = re.fullmatch(pattern, subject, re.DOTALL)
    return found["ref"] if found else None


def _masked(body: str, ref: str) -> str:
    """The body with the reference, as text or escaped in HTML, masked where it stands as a word of its own."""
    for shown in dict.fromkeys((ref, str(escape(ref)))):
        body = re.sub(rf"(?<!\w){re.escape(shown)}(?!\w)", CLIENT_MASK, body)
    return body
