"""Finnish identifiers and payment references, validated and normalised in one place.

Every ``validate_*`` function returns the normalised string or raises :class:`ValidationFailed`.
The error never contains the offending value: identity codes must not reach logs or
problem+json bodies (Data Protection Act §29), so only a field hint and a reason travel.

Rules and test vectors: ``shared/integrations.md``, section "Validation rules".
python-stdnum is used where it has the identifier (Business ID, identity code, ISO 11649, IBAN,
BIC); the Finnish national reference number (viitenumero) is not in stdnum and is written here.
"""

from __future__ import annotations

import datetime
import re
from typing import Final, Literal

from stdnum import bic as _bic
from stdnum import iban as _iban
from stdnum import iso11649 as _iso11649
from stdnum.exceptions import ValidationError as _StdnumError
from stdnum.fi import hetu as _hetu
from stdnum.fi import ytunnus as _ytunnus
from stdnum.iso7064 import mod_97_10 as _mod_97_10

__all__ = [
    "FREE_IDENTIFIER_RULE",
    "IDENTITY_CODE_PATTERN",
    "IDENTITY_CODE_MASK",
    "ValidationFailed",
    "contains_identity_code",
    "finnish_reference",
    "format_finnish_reference",
    "identity_code_birth_date",
    "mask_identity_code",
    "rf_reference",
    "validate_bic",
    "validate_business_id",
    "validate_creditor_reference",
    "validate_finnish_reference",
    "validate_free_identifier",
    "validate_iban",
    "validate_identity_code",
    "validate_rf_reference",
    "validate_website",
]


class ValidationFailed(ValueError):
    """A value failed validation.

    ``field_hint`` names the kind of value (``"business_id"``, ``"identity_code"`` ...) so that the
    HTTP layer can point at the offending field; ``reason`` is a short English sentence safe to
    show and log. Neither contains the value itself.
    """

    def __init__(self, field_hint: str, reason: str) -> None:
        super().__init__(f"{field_hint}: {reason}")
        self.field_hint = field_hint
        self.reason = reason


def _require_str(value: object, field_hint: str) -> str:
    # Input arrives from JSON, forms and CSV imports; a non-string is a caller bug worth a clear error.
    if not isinstance(value, str):
        raise ValidationFailed(field_hint, "must be a string")
    return value


# --- Business ID (Y-tunnus) -------------------------------------------------------------------

# The hyphen is optional on input (people paste both forms), but the VAT form "FI20774740", which
# stdnum's compact() would also accept, is a different identifier and is refused here.
_BUSINESS_ID_RE: Final = re.compile(r"^(\d{7})-?(\d)$")


def validate_business_id(value: str) -> str:
    """Validate a Finnish Business ID and return it as ``NNNNNNN-C``."""
    field = "business_id"
    text = _require_str(value, field).strip()
    if not _BUSINESS_ID_RE.fullmatch(text):
        raise ValidationFailed(field, "must have the form NNNNNNN-C")
    try:
        compact = _ytunnus.validate(text)
    except _StdnumError as exc:
        raise ValidationFailed(field, "check digit does not match") from exc
    return _ytunnus.format(compact)


# --- Personal identity code (henkilötunnus) ---------------------------------------------------

# Century signs, including the ones added in 2023. The sign is part of the identity:
# 100190-999P and 100190Y999P are two different people, so the sign is never normalised.
_CENTURY_BY_SIGN: Final[dict[str, int]] = {
    "+": 1800,
    **dict.fromkeys("-YXWVU", 1900),
    **dict.fromkeys("ABCDEF", 2000),
}


def validate_identity_code(value: str) -> str:
    """Validate a personal identity code and return it upper-cased, century sign untouched.

    Individual numbers 900-999 (temporary and test codes such as ``010180-9026``) are accepted.
    """
    field = "identity_code"
    text = _require_str(value, field).strip().upper()
    try:
        # stdnum >= 1.19 knows the 2023 century signs; the tests pin that down with A-F and Y-U codes.
        return _hetu.validate(text, allow_temporary=True)
    except _StdnumError as exc:
        # stdnum's exception messages do not include the value, but a fixed reason is safer still.
        raise ValidationFailed(field, "not a valid personal identity code") from exc


def identity_code_birth_date(value: str) -> datetime.date:
    """Birth date encoded in a valid identity code (validates first)."""
    code = validate_identity_code(value)
    century = _CENTURY_BY_SIGN[code[6]]
    return datetime.date(century + int(code[4:6]), int(code[2:4]), int(code[0:2]))


# Anything shaped like an identity code: DDMMYY, any century sign (+ - A-F and the 2023 U-Y),
# three digits, a check character. Deliberately looser than validation (no checksum, no date check,
# any case): logs must lose a mistyped code too. The check character class is
# "0123456789ABCDEFHJKLMNPRSTUVWXY". This is the one detection rule of the platform: logs, e-mails,
# payment files and specifications all use it.
_IDENTITY_CODE_SHAPE: Final = r"[0-3][0-9][01][0-9][0-9]{2}[-+A-FU-Y][0-9]{3}[0-9A-FHJ-NPR-Y]"
# In free text digits on either side stop a match (a longer number); a code glued to a word ("Asiakas010180A902X",
# "Asiakkaalle010180-9026": Finnish words end in the hex letters a and e) is still a code.
IDENTITY_CODE_PATTERN: Final[re.Pattern[str]] = re.compile(
    rf"(?<![0-9]){_IDENTITY_CODE_SHAPE}(?![0-9])",
    re.IGNORECASE,
)
# The one exception: the hex of an id or hash pasted into a note ('ref 8a240892-5592-4b1e-…' holds '240892-5592'),
# which contains_identity_code blanks out first. A hex id stands as a token of its own (no letter or digit beside
# it) and is a UUID, also one cut short after its third group, or a run of 16 or more hex characters (a hash, a
# UUID without its dashes).
_HEX_ID: Final = re.compile(
    r"(?<![^\W_])(?:[0-9a-f]{8}(?:-[0-9a-f]{4}){2,3}(?:-[0-9a-f]{12})?|[0-9a-f]{16,})(?![^\W_])", re.IGNORECASE)
# In a reference the code may stand between digits ("RF18" + code), so there is no guard there.
_IDENTITY_CODE_ANYWHERE: Final[re.Pattern[str]] = re.compile(_IDENTITY_CODE_SHAPE, re.IGNORECASE)
IDENTITY_CODE_MASK: Final = "******-****"


def contains_identity_code(*texts: str, anywhere: bool = False) -> bool:
    """True if any of ``texts`` contains something shaped like a personal identity code.

    By default a match must not touch a digit (part of a longer number) nor lie in a hex id (a UUID, a hash);
    ``anywhere=True`` drops those guards and ignores white space, for reference numbers.
    """
    if anywhere:
        return any(_IDENTITY_CODE_ANYWHERE.search("".join(text.split())) for text in texts)
    return any(IDENTITY_CODE_PATTERN.search(_HEX_ID.sub(" ", text)) for text in texts)


def mask_identity_code(text: str) -> str:
    """Replace everything that looks like a personal identity code in ``text`` with a mask, also one inside a hex id
    (which :func:`contains_identity_code` leaves to the id): masking part of an id costs a readable id, a code let
    through is personal data in a log."""
    return IDENTITY_CODE_PATTERN.sub(IDENTITY_CODE_MASK, text)


# --- Finnish reference number (viitenumero) ---------------------------------------------------

_DIGITS_RE: Final = re.compile(r"^[0-9]+$")


def _reference_check_digit(base: str) -> str:
    # Weights 7, 3, 1 repeating from the rightmost digit of the base.
    weights = (7, 3, 1)
    total = sum(int(digit) * weights[i % 3] for i, digit in enumerate(reversed(base)))
    return str((10 - total % 10) % 10)


def _significant_digits(value: str, field: str) -> str:
    # Spaces come from the printed form; leading zeros from the 20-digit machine-readable form.
    # Leading zeros are not significant in a Finnish reference (and do not change the check digit).
    digits = value.replace(" ", "").replace("\u00a0", "")
    if not _DIGITS_RE.fullmatch(digits):
        raise ValidationFailed(field, "must contain digits only")
    if len(digits) > 20:
        raise ValidationFailed(field, "too long")
    return digits.lstrip("0")


def finnish_reference(base: str) -> str:
    """Append the 7-3-1 check digit to a base of 3-19 significant digits: ``123456`` -> ``1234561``.

    Leading zeros of the base are dropped, as they are not printed or significant.
    """
    field = "reference"
    digits = _significant_digits(_require_str(base, field), field)
    if not 3 <= len(digits) <= 19:
        raise ValidationFailed(field, "base must have 3-19 significant digits")
    return digits + _reference_check_digit(digits)


def validate_finnish_reference(value: str) -> str:
    """Validate a Finnish reference (4-20 digits including the check digit); spaces are ignored.

    Returns the digits without spaces or leading zeros, e.g. ``"12 34561"`` -> ``"1234561"``.
    """
    field = "reference"
    digits = _significant_digits(_require_str(value, field), field)
    if not 4 <= len(digits) <= 20:
        raise ValidationFailed(field, "must have 4-20 significant digits")
    if _reference_check_digit(digits[:-1]) != digits[-1]:
        raise ValidationFailed(field, "check digit does not match")
    return digits


def format_finnish_reference(value: str) -> str:
    """Printed form: groups of five digits counted from the right, separated by a space.

    This is the form in Finance Finland's "Kotimaisen viitteen rakenneohje" (their example:
    ``12 34561``): groups of five, a space between, leading zeros not printed. The guide allows
    grouping from either end; from the right keeps the check digit in a full final group and is
    what Finnish invoices normally show.
    """
    digits = validate_finnish_reference(value)
    head = len(digits) % 5
    groups = ([digits[:head]] if head else []) + [digits[i : i + 5] for i in range(head, len(digits), 5)]
    return " ".join(groups)


# --- RF creditor reference (ISO 11649) --------------------------------------------------------

_RF_RE: Final = re.compile(r"^RF[0-9]{2}[0-9A-Z]{1,21}$")


def rf_reference(finnish_ref: str) -> str:
    """RF creditor reference built on a Finnish reference: ``1234561`` -> ``RF341234561``."""
    digits = validate_finnish_reference(finnish_ref)
    # ISO 11649: check digits are computed over the reference followed by "RF" (ISO 7064 mod 97-10).
    return "RF" + _mod_97_10.calc_check_digits(digits + "RF") + digits


def validate_rf_reference(value: str) -> str:
    """Validate an RF creditor reference; returns it upper-case without spaces."""
    field = "reference"
    text = _require_str(value, field)
    compact = _iso11649.compact(text)
    # stdnum accepts letters as check digits; the standard (and the payment XSDs) do not.
    if not _RF_RE.fullmatch(compact):
        raise ValidationFailed(field, "must be RF, two check digits and 1-21 letters or digits")
    try:
        return _iso11649.validate(compact)
    except _StdnumError as exc:
        raise ValidationFailed(field, "check digits do not match") from exc


def validate_creditor_reference(value: str) -> tuple[str, Literal["FI", "RF"]]:
    """Validate either kind of creditor reference and say which one it is.

    The kind decides the SEPA remittance fields (``Issr = ISO`` only for RF).
    """
    text = _require_str(value, "reference")
    if text.strip().upper().startswith("RF"):
        return validate_rf_reference(text), "RF"
    return validate_finnish_reference(text), "FI"


# --- IBAN and BIC -----------------------------------------------------------------------------


def validate_iban(value: str) -> str:
    """Validate an IBAN (country length and structure, mod-97); returns it compact and upper-case."""
    field = "iban"
    text = _require_str(value, field)
    try:
        return _iban.validate(text)
    except _StdnumError as exc:
        raise ValidationFailed(field, "not a valid IBAN") from exc


def validate_bic(value: str) -> str:
    """Validate a BIC of 8 or 11 characters; returns it compact and upper-case."""
    field = "bic"
    text = _require_str(value, field)
    try:
        return _bic.validate(text)
    except _StdnumError as exc:
        raise ValidationFailed(field, "not a valid BIC") from exc


# --- Web address ----------------------------------------------------------------------------------

_WEBSITE_RE: Final = re.compile(r"^https?://[^\s/?#@]+\.[^\s/?#@]+(?:[/?#][^\s]*)?$", re.IGNORECASE)


def validate_website(value: str) -> str:
    """An organisation's public web address: empty, or an http(s) URL with a host name. Other schemes
    (``javascript:``, ``data:``, ``file:``) would run or open something when a resident clicks the link."""
    field = "website"
    text = _require_str(value, field).strip()
    if text and (len(text) > 300 or not _WEBSITE_RE.match(text)):
        raise ValidationFailed(field, "must be an http:// or https:// address of at most 300 characters")
    return text


# A free-text identifier someone types (a provider's own client number): letters (also å ä ö), digits
# and a few separators, starting with a letter or digit, so that it can neither start a spreadsheet
# formula nor hide control characters. The reason names the rule, never the value.
_FREE_IDENTIFIER_RE: Final = re.compile(r"^[^\W_][\w .,/#:-]*$")
FREE_IDENTIFIER_RULE: Final = (
    "use only letters, digits, spaces and - _ . , / # :, starting with a letter or digit"
)


def validate_free_identifier(value: str, field_hint: str = "identifier") -> str:
    """The identifier without surrounding spaces, or ValidationFailed (e.g. `=HYPERLINK(...)`)."""
    text = _require_str(value, field_hint).strip()
    if not _FREE_IDENTIFIER_RE.fullmatch(text) or not text.isprintable():
        raise ValidationFailed(field_hint, FREE_IDENTIFIER_RULE)
    return text
