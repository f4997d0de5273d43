"""Text people type that later travels: names and addresses go into payment files (XML), PDFs and e-mail
subjects; longer texts into PDFs and mails. What those cannot carry is refused where it is typed (422, the
field named), not found months later when a file will not build.

    name: OneLine = Field(min_length=1, max_length=200)
    description: Lines = ""

``OneLine``: no control character at all (tab, line break, escape ...), no line or paragraph separator,
no lone surrogate and no noncharacter (U+FFFE, U+FFFF ...: XML 1.0 cannot hold them). ``Lines``: the same,
but tab, line feed and carriage return are kept (a description of several lines). A NUL is refused for every
string before any handler runs (errors.reject_nul). ``max_length`` stays the column's, given in ``Field``.
"""

from __future__ import annotations

import re
from typing import Annotated, Final

from pydantic import AfterValidator

__all__ = ["LINES", "ONE_LINE", "Lines", "OneLine", "check_lines", "check_one_line"]

# C0 and C1 controls, DEL, surrogates, and the noncharacters (U+FDD0..U+FDEF and the last two of each plane)
_NONCHARACTERS: Final = "\ufdd0-\ufdef\ufffe\uffff" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17))
_NOT_IN_A_LINE: Final = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff{_NONCHARACTERS}]")
_NOT_IN_TEXT: Final = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff{_NONCHARACTERS}]")


def check_one_line(value: str) -> str:
    if _NOT_IN_A_LINE.search(value):
        raise ValueError("must be one line without control characters (tab, line break) or noncharacters")
    return value


def check_lines(value: str) -> str:
    if _NOT_IN_TEXT.search(value):
        raise ValueError("must not contain control characters (other than tab and line break) or noncharacters")
    return value


ONE_LINE: Final = AfterValidator(check_one_line)
LINES: Final = AfterValidator(check_lines)
OneLine = Annotated[str, ONE_LINE]
Lines = Annotated[str, LINES]
