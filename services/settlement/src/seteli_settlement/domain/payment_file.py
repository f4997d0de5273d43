"""SEPA credit transfer initiation (ISO 20022 pain.001) for the monthly settlement.

One file per tenant and settlement: one payment batch (PmtInf) debiting the tenant's account, one
transaction per provider (or site with its own billing information). The XML is written with lxml
rather than ``sepaxml`` because sepaxml only writes unstructured remittance text and transliterates
ä/ö/å, so it cannot carry the provider's reference number (see shared/integrations.md).

Every file is validated against the official XSD (``schemas/``) before it is returned, so a file
that leaves this module is at least schema-valid.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, Literal, get_args

from lxml import etree
from seteli_common.validators import (
    ValidationFailed,
    contains_identity_code,
    validate_bic,
    validate_business_id,
    validate_creditor_reference,
    validate_iban,
)

PainVersion = Literal["pain.001.001.03", "pain.001.001.09"]
SUPPORTED_VERSIONS: tuple[PainVersion, ...] = get_args(PainVersion)

# The EPC SEPA rulebook limits names to 70 characters even where the ISO XSD allows 140.
NAME_MAX_LENGTH = 70
USTRD_MAX_LENGTH = 140
ID_MAX_LENGTH = 35
# EPC rulebook: an SCT amount is 0.01 .. 999 999 999.99 EUR.
MAX_AMOUNT = Decimal("999999999.99")
CENT = Decimal("0.01")

# EPC "basic Latin" set for identifiers (MsgId, EndToEndId): banks may reject anything else there.
_ID_RE = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]{1,35}")
# Control characters, and what XML 1.0 cannot hold at all (surrogates, U+FFFE, U+FFFF): lxml would refuse the
# whole file, so such a payee must be found (and carried over) before it is paid.
_CONTROL_RE = re.compile("[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


class PaymentFileError(ValueError):
    """Input that cannot go into a payment file. The message never repeats a suspected identity code."""


class PaymentFileValidationError(PaymentFileError):
    """The XML does not conform to the pain.001 XSD of the given version."""

    def __init__(self, version: str, errors: Sequence[str]) -> None:
        self.version = version
        self.errors = list(errors)
        listing = "\n".join(f"  - {e}" for e in self.errors)
        super().__init__(f"payment file is not valid {version} ({len(self.errors)} XSD violation(s)):\n{listing}")


@dataclass(frozen=True)
class Debtor:
    """The tenant (municipality, joint authority or wellbeing services county) that pays."""

    name: str
    iban: str
    bic: str
    business_id: str


@dataclass(frozen=True)
class Payment:
    """One credit transfer to a provider. ``end_to_end_id`` traces back to the settlement line."""

    end_to_end_id: str
    payee_name: str
    iban: str
    bic: str | None
    amount: Decimal
    reference: str | None
    message: str | None


@dataclass(frozen=True)
class _Reference:
    value: str
    is_rf: bool


# --- references -------------------------------------------------------------------------------


# The rules are the kernel's (seteli_common.validators), the same ones the registry applies where billing
# information is entered: a reference, IBAN, BIC or business ID accepted there is never refused here.


def normalize_reference(reference: str) -> str:
    """Validate a Finnish or RF (ISO 11649) reference; return it in electronic form (no spaces).

    Raises PaymentFileError for anything else: a wrong reference would misdirect the provider's
    bookkeeping, so it is refused rather than sent as free text.
    """
    return _parse_reference(reference).value


def _parse_reference(reference: str) -> _Reference:
    try:
        value, kind = validate_creditor_reference(reference)
    except ValidationFailed as exc:
        if reference.strip().upper().startswith("RF"):
            raise PaymentFileError(f"invalid RF creditor reference (ISO 11649): {exc.reason}") from None
        raise PaymentFileError(
            "invalid reference: expected a Finnish reference number (4-20 digits with a 7-3-1 check digit) "
            f"or an RF creditor reference ({exc.reason})"
        ) from None
    return _Reference(value, is_rf=kind == "RF")


# --- input checks -----------------------------------------------------------------------------


def _check_text(field: str, value: str, *, anywhere: bool = False) -> None:
    if not isinstance(value, str):
        raise PaymentFileError(f"{field} must be a string, got {type(value).__name__}")
    # Data Protection Act §29: payment files identify clients only by the provider's client
    # number or an internal reference. The value is not echoed: the error may end up in a log.
    if contains_identity_code(value, anywhere=anywhere):
        raise PaymentFileError(
            f"{field} contains what looks like a personal identity code; payment files must not carry one"
        )
    if _CONTROL_RE.search(value):
        raise PaymentFileError(f"{field} contains control characters or characters XML cannot hold")


def _name(field: str, value: str) -> str:
    # White space of any kind (a tab, a line break) between the words is one space, checked after: such a
    # name is still the payee's, and refusing it carried the payee over, unpaid, run after run.
    name = " ".join(value.split()) if isinstance(value, str) else value
    _check_text(field, name)
    if not name:
        raise PaymentFileError(f"{field} is empty")
    # Cut, not refused: a long company name is legitimate and the account (IBAN) identifies the payee.
    return name[:NAME_MAX_LENGTH].rstrip()


def _identifier(field: str, value: str) -> str:
    _check_text(field, value)
    if not _ID_RE.fullmatch(value):
        raise PaymentFileError(f"{field} must be 1-{ID_MAX_LENGTH} characters of A-Z a-z 0-9 / - ? : ( ) . , ' + space")
    # EPC rule for identifiers: no leading or trailing '/', no '//'.
    if value.startswith("/") or value.endswith("/") or "//" in value:
        raise PaymentFileError(f"{field} must not start or end with '/' or contain '//'")
    return value


def _checked(field: str, check: Callable[[str], str], value: str, what: str) -> str:
    """The kernel validator's normalised value, or PaymentFileError naming the field (never the value)."""
    try:
        return check(value)
    except ValidationFailed as exc:
        raise PaymentFileError(f"{field} is not a valid {what}: {exc.reason}") from None


def _reference(field: str, value: str) -> _Reference:
    _check_text(field, value, anywhere=True)
    try:
        return _parse_reference(value)
    except PaymentFileError as exc:
        raise PaymentFileError(f"{field}: {exc}") from None


def payee_problem(name: str, iban: str, bic: str | None, reference: str | None) -> tuple[str, str] | None:
    """What would keep a payee out of a payment file, as (field, reason), or None: the checks
    build_pain001 makes of each payment's payee. A run carries such a payee over rather than lock a
    payment no file can carry."""
    checks: list[tuple[str, Any]] = [
        ("payee_name", lambda: _name("payee_name", name)),
        ("iban", lambda: _checked("iban", validate_iban, iban, "IBAN")),
        ("bic", lambda: bic is None or _checked("bic", validate_bic, bic, "BIC")),
        ("reference", lambda: reference is None or _reference("reference", reference)),
    ]
    for field, check in checks:
        try:
            check()
        except PaymentFileError as exc:
            return field, str(exc)
    return None


def _amount(field: str, value: Any) -> Decimal:
    # Money never passes through float: refuse it outright instead of converting.
    if isinstance(value, bool) or not isinstance(value, Decimal):
        raise PaymentFileError(f"{field} must be a Decimal, got {type(value).__name__}")
    if not value.is_finite():
        raise PaymentFileError(f"{field} must be a finite number")
    if value <= 0:
        raise PaymentFileError(f"{field} must be positive, got {value}")
    if value != value.quantize(CENT):
        # Rounding belongs to the settlement calculation, not to the file writer.
        raise PaymentFileError(f"{field} has more than two decimals ({value}); round it upstream")
    if value > MAX_AMOUNT:
        raise PaymentFileError(f"{field} exceeds the SEPA maximum {MAX_AMOUNT}")
    return value.quantize(CENT)


# --- building ---------------------------------------------------------------------------------


def _ns(version: PainVersion) -> str:
    return f"urn:iso:std:iso:20022:tech:xsd:{version}"


def _money(value: Decimal) -> str:
    return f"{value.quantize(CENT):f}"


class _Writer:
    def __init__(self, version: PainVersion) -> None:
        self.version = version
        self.ns = _ns(version)
        # The one naming difference in the parts used here: .03 BIC, .09 BICFI.
        self.bic_tag = "BIC" if version == "pain.001.001.03" else "BICFI"

    def el(self, parent: Any, tag: str, text: str | None = None, **attrib: str) -> Any:
        node = etree.SubElement(parent, f"{{{self.ns}}}{tag}", attrib)
        if text is not None:
            node.text = text
        return node

    def org_party(self, parent: Any, tag: str, name: str, business_id: str) -> None:
        party = self.el(parent, tag)
        self.el(party, "Nm", name)
        othr = self.el(self.el(self.el(party, "Id"), "OrgId"), "Othr")
        self.el(othr, "Id", business_id)
        # (unverified) Finnish bank guides read the payer's service code from OrgId/Othr with
        # scheme code BANK, and the service code is usually the business ID: confirm with the
        # tenant's bank before production use.
        self.el(self.el(othr, "SchmeNm"), "Cd", "BANK")

    def account(self, parent: Any, tag: str, iban: str) -> None:
        self.el(self.el(self.el(parent, tag), "Id"), "IBAN", iban)

    def agent(self, parent: Any, tag: str, bic: str) -> None:
        self.el(self.el(self.el(parent, tag), "FinInstnId"), self.bic_tag, bic)


def build_pain001(
    message_id: str,
    created_at: datetime,
    execution_date: date,
    debtor: Debtor,
    payments: Sequence[Payment],
    version: PainVersion = "pain.001.001.03",
) -> bytes:
    """Build a SEPA credit transfer initiation with one batch; return UTF-8 XML bytes.

    Raises PaymentFileError for bad input and PaymentFileValidationError if the result does not
    conform to the XSD (which would be a bug here).
    """
    if version not in SUPPORTED_VERSIONS:
        raise PaymentFileError(f"unsupported version {version!r}; expected one of {SUPPORTED_VERSIONS}")
    msg_id = _identifier("message_id", message_id)
    if not isinstance(created_at, datetime) or created_at.tzinfo is None:
        # A naive time is ambiguous around the DST change and between servers.
        raise PaymentFileError("created_at must be a timezone-aware datetime")
    if isinstance(execution_date, datetime) or not isinstance(execution_date, date):
        raise PaymentFileError("execution_date must be a date")
    if not payments:
        raise PaymentFileError("a payment file needs at least one payment")

    debtor_name = _name("debtor.name", debtor.name)
    debtor_iban = _checked("debtor.iban", validate_iban, debtor.iban, "IBAN")
    debtor_bic = _checked("debtor.bic", validate_bic, debtor.bic, "BIC")
    business_id = _checked("debtor.business_id", validate_business_id, debtor.business_id, "business ID")

    checked: list[tuple[str, str, str, str | None, Decimal, _Reference | None, str | None]] = []
    seen_ids: set[str] = set()
    for i, p in enumerate(payments):
        where = f"payments[{i}]"
        e2e = _identifier(f"{where}.end_to_end_id", p.end_to_end_id)
        if e2e in seen_ids:
            raise PaymentFileError(f"{where}.end_to_end_id {e2e!r} is used twice in this file")
        seen_ids.add(e2e)
        payee = _name(f"{where}.payee_name", p.payee_name)
        iban = _checked(f"{where}.iban", validate_iban, p.iban, "IBAN")
        bic = None if p.bic is None else _checked(f"{where}.bic", validate_bic, p.bic, "BIC")
        amount = _amount(f"{where}.amount", p.amount)
        reference = None if p.reference is None else _reference(f"{where}.reference", p.reference)
        message = None
        if p.message is not None:
            _check_text(f"{where}.message", p.message)
            message = " ".join(p.message.split()) or None
            if message is not None and len(message) > USTRD_MAX_LENGTH:
                raise PaymentFileError(f"{where}.message is longer than {USTRD_MAX_LENGTH} characters")
        checked.append((e2e, payee, iban, bic, amount, reference, message))

    ctrl_sum = _money(sum((c[4] for c in checked), Decimal(0)))
    nb_of_txs = str(len(checked))

    w = _Writer(version)
    root = etree.Element(f"{{{w.ns}}}Document", nsmap={None: w.ns})
    initn = w.el(root, "CstmrCdtTrfInitn")

    hdr = w.el(initn, "GrpHdr")
    w.el(hdr, "MsgId", msg_id)
    w.el(hdr, "CreDtTm", created_at.isoformat(timespec="seconds"))
    w.el(hdr, "NbOfTxs", nb_of_txs)
    w.el(hdr, "CtrlSum", ctrl_sum)
    w.org_party(hdr, "InitgPty", debtor_name, business_id)

    pmt_inf = w.el(initn, "PmtInf")
    # One batch per file, so the message id is unique enough as the batch id.
    w.el(pmt_inf, "PmtInfId", msg_id)
    w.el(pmt_inf, "PmtMtd", "TRF")
    w.el(pmt_inf, "NbOfTxs", nb_of_txs)
    w.el(pmt_inf, "CtrlSum", ctrl_sum)
    w.el(w.el(w.el(pmt_inf, "PmtTpInf"), "SvcLvl"), "Cd", "SEPA")
    exec_date = w.el(pmt_inf, "ReqdExctnDt")
    if version == "pain.001.001.03":
        exec_date.text = execution_date.isoformat()
    else:
        # .09: ReqdExctnDt is a choice of Dt (date) or DtTm.
        w.el(exec_date, "Dt", execution_date.isoformat())
    w.org_party(pmt_inf, "Dbtr", debtor_name, business_id)
    w.account(pmt_inf, "DbtrAcct", debtor_iban)
    w.agent(pmt_inf, "DbtrAgt", debtor_bic)
    # Charges follow the SEPA scheme (each party pays its own bank): given once for the batch.
    w.el(pmt_inf, "ChrgBr", "SLEV")

    for e2e, payee, iban, bic, amount, reference, message in checked:
        tx = w.el(pmt_inf, "CdtTrfTxInf")
        w.el(w.el(tx, "PmtId"), "EndToEndId", e2e)
        w.el(w.el(tx, "Amt"), "InstdAmt", _money(amount), Ccy="EUR")
        if bic is not None:
            # Within SEPA the creditor's BIC is optional (IBAN-only); leave it out when unknown.
            w.agent(tx, "CdtrAgt", bic)
        w.el(w.el(tx, "Cdtr"), "Nm", payee)
        w.account(tx, "CdtrAcct", iban)
        if reference is not None:
            # SEPA allows structured or unstructured remittance information, not both: with a
            # reference the bank delivers only the reference, so the message is left out.
            rmt = w.el(tx, "RmtInf")
            cri = w.el(w.el(rmt, "Strd"), "CdtrRefInf")
            tp = w.el(cri, "Tp")
            w.el(w.el(tp, "CdOrPrtry"), "Cd", "SCOR")
            if reference.is_rf:
                w.el(tp, "Issr", "ISO")
            w.el(cri, "Ref", reference.value)
        elif message is not None:
            w.el(w.el(tx, "RmtInf"), "Ustrd", message)

    # lxml writes the declaration with single quotes; write the conventional double-quoted form
    # so that naive line-based checks on the receiving side see what they expect.
    xml: bytes = b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8", pretty_print=True)
    validate_pain001(xml, version)
    return xml


# --- validation -------------------------------------------------------------------------------


def _safe_parser() -> Any:
    # No entity expansion and no network access: the XSD and the files are data, not code.
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


@cache
def _schema(version: PainVersion) -> Any:
    xsd = resources.files("seteli_settlement").joinpath("schemas", f"{version}.xsd").read_bytes()
    return etree.XMLSchema(etree.fromstring(xsd, _safe_parser()))


def validate_pain001(xml: bytes, version: PainVersion = "pain.001.001.03") -> None:
    """Validate ``xml`` against the official XSD of ``version``.

    Raises PaymentFileValidationError listing every violation (line and message).
    """
    if version not in SUPPORTED_VERSIONS:
        raise PaymentFileError(f"unsupported version {version!r}; expected one of {SUPPORTED_VERSIONS}")
    try:
        doc = etree.fromstring(xml, _safe_parser())
    except etree.XMLSyntaxError as exc:
        raise PaymentFileValidationError(version, [f"not well-formed XML: {exc}"]) from None
    expected = f"{{{_ns(version)}}}Document"
    if doc.tag != expected:
        # Checked explicitly: a .03 file validated as .09 would otherwise report only a vague error.
        raise PaymentFileValidationError(version, [f"root element is {doc.tag}, expected {expected}"])
    schema = _schema(version)
    if not schema.validate(doc):
        raise PaymentFileValidationError(version, [f"line {e.line}: {e.message}" for e in schema.error_log])
