import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from importlib import resources

import pytest
from lxml import etree
from seteli_common.validators import ValidationFailed, finnish_reference, validate_finnish_reference
from seteli_settlement.domain.documents import message_id
from seteli_settlement.domain.payment_file import (
    SUPPORTED_VERSIONS,
    Debtor,
    Payment,
    PaymentFileError,
    PaymentFileValidationError,
    build_pain001,
    normalize_reference,
    payee_problem,
    validate_pain001,
)

HELSINKI_SUMMER = timezone(timedelta(hours=3))
CREATED = datetime(2024, 6, 4, 8, 30, tzinfo=HELSINKI_SUMMER)
EXECUTION = date(2024, 6, 10)
DEBTOR = Debtor(name="Kouvolan kaupunki", iban="FI21 1234 5600 0007 85", bic="NDEAFIHH", business_id="2077474-0")

FI_REF = Payment(
    end_to_end_id="SETL-2024-05-P0001",
    payee_name="Hoivakoti Äänekoski Oy",
    iban="FI5810171000000122",
    bic="NDEAFIHH",
    amount=Decimal("1234.50"),
    reference="1234561",
    message=None,
)
RF_REF = Payment(
    end_to_end_id="SETL-2024-05-P0002",
    payee_name="Kotihoito Pörröinen Ab",
    iban="FI2112345600000785",
    bic=None,
    amount=Decimal("310.25"),
    reference="RF341234561",
    message=None,
)
MESSAGE_ONLY = Payment(
    end_to_end_id="SETL-2024-05-P0003",
    payee_name="Åbo Omsorg Ab",
    iban="FI5810171000000122",
    bic="OKOYFIHH",
    amount=Decimal("99.99"),
    reference=None,
    message="Palveluseteli toukokuu 2024 / Servicesedel maj 2024",
)
PAYMENTS = [FI_REF, RF_REF, MESSAGE_ONLY]

# Identity-code-shaped strings (temporary/test individual numbers 900-999), never real people.
IDENTITY_CODES = ["010180-9026", "131052+9081", "010101A900K", "311299Y999T"]
# And one of every century sign (1800s +, 1900s - and U-Y, 2000s A-F), upper and lower case.
_EVERY_SIGN = [f"010180{sign}902{'0123456789ABCDEFHJKLMNPRSTUVWXY'[10180902 % 31]}" for sign in "+-UVWXYABCDEF"]
EVERY_SIGN_CODES = _EVERY_SIGN + [code.lower() for code in _EVERY_SIGN]

# Hashes of the files as shipped in the sepaxml 2.7.0 wheel (see schemas/README.md).
XSD_SHA256 = {
    "pain.001.001.03": "ed4be42522e3e35b108b3ad2ebbcc65da987cddbf6cfdc20828cd4fd0d69c51a",
    "pain.001.001.09": "de038b373e47b0077b1832ddd81f4b2f1eb25d35721f62da1e38b7f5a09fda24",
}


def build(payments=PAYMENTS, version="pain.001.001.03", **kwargs):
    args = {"message_id": "SETL-2024-05-KOUVOLA", "created_at": CREATED, "execution_date": EXECUTION}
    args.update(kwargs)
    return build_pain001(debtor=DEBTOR, payments=payments, version=version, **args)


def xpath(xml: bytes, version: str, path: str) -> list:
    return etree.fromstring(xml).xpath(path, namespaces={"p": f"urn:iso:std:iso:20022:tech:xsd:{version}"})


def tx(e2e: str) -> str:
    """XPath prefix of the transaction with the given end-to-end id."""
    return f"//p:CdtTrfTxInf[p:PmtId/p:EndToEndId='{e2e}']"


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_three_payees_validate_against_official_xsd(version):
    xml = build(version=version)
    validate_pain001(xml, version)  # raises on any violation
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_control_sum_and_count_in_header_and_batch(version):
    xml = build(version=version)
    for level in ("p:CstmrCdtTrfInitn/p:GrpHdr", "p:CstmrCdtTrfInitn/p:PmtInf"):
        assert xpath(xml, version, f"/p:Document/{level}/p:NbOfTxs/text()") == ["3"]
        assert xpath(xml, version, f"/p:Document/{level}/p:CtrlSum/text()") == ["1644.74"]
    amounts = xpath(xml, version, "//p:CdtTrfTxInf/p:Amt/p:InstdAmt")
    assert [a.text for a in amounts] == ["1234.50", "310.25", "99.99"]
    assert {a.get("Ccy") for a in amounts} == {"EUR"}
    assert len(xpath(xml, version, "//p:PmtInf")) == 1


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_batch_is_sepa_transfer_with_slev(version):
    xml = build(version=version)
    pmt = "/p:Document/p:CstmrCdtTrfInitn/p:PmtInf"
    assert xpath(xml, version, f"{pmt}/p:PmtMtd/text()") == ["TRF"]
    assert xpath(xml, version, f"{pmt}/p:PmtTpInf/p:SvcLvl/p:Cd/text()") == ["SEPA"]
    assert xpath(xml, version, f"{pmt}/p:ChrgBr/text()") == ["SLEV"]
    assert xpath(xml, version, f"{pmt}/p:DbtrAcct/p:Id/p:IBAN/text()") == ["FI2112345600000785"]
    assert xpath(xml, version, f"{pmt}/p:Dbtr/p:Id/p:OrgId/p:Othr/p:Id/text()") == ["2077474-0"]


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_finnish_reference_is_structured_scor_without_issuer(version):
    xml = build(version=version)
    cri = f"{tx(FI_REF.end_to_end_id)}/p:RmtInf/p:Strd/p:CdtrRefInf"
    assert xpath(xml, version, f"{cri}/p:Tp/p:CdOrPrtry/p:Cd/text()") == ["SCOR"]
    assert xpath(xml, version, f"{cri}/p:Tp/p:Issr") == []
    assert xpath(xml, version, f"{cri}/p:Ref/text()") == ["1234561"]
    assert xpath(xml, version, f"{tx(FI_REF.end_to_end_id)}/p:RmtInf/p:Ustrd") == []


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_rf_reference_is_structured_scor_issued_by_iso(version):
    xml = build(version=version)
    cri = f"{tx(RF_REF.end_to_end_id)}/p:RmtInf/p:Strd/p:CdtrRefInf"
    assert xpath(xml, version, f"{cri}/p:Tp/p:CdOrPrtry/p:Cd/text()") == ["SCOR"]
    assert xpath(xml, version, f"{cri}/p:Tp/p:Issr/text()") == ["ISO"]
    assert xpath(xml, version, f"{cri}/p:Ref/text()") == ["RF341234561"]


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_no_reference_uses_unstructured_message(version):
    xml = build(version=version)
    rmt = f"{tx(MESSAGE_ONLY.end_to_end_id)}/p:RmtInf"
    assert xpath(xml, version, f"{rmt}/p:Ustrd/text()") == [MESSAGE_ONLY.message]
    assert xpath(xml, version, f"{rmt}/p:Strd") == []


def test_reference_wins_over_message():
    both = replace(FI_REF, message="Toukokuu 2024")
    xml = build([both])
    version = "pain.001.001.03"
    assert xpath(xml, version, "//p:RmtInf/p:Ustrd") == []
    assert xpath(xml, version, "//p:RmtInf/p:Strd/p:CdtrRefInf/p:Ref/text()") == ["1234561"]


def test_printed_reference_with_spaces_is_compacted():
    xml = build([replace(FI_REF, reference="12 34561"), replace(RF_REF, reference="rf34 1234 561")])
    assert xpath(xml, "pain.001.001.03", "//p:CdtrRefInf/p:Ref/text()") == ["1234561", "RF341234561"]


def test_version_specific_elements():
    v3, v9 = "pain.001.001.03", "pain.001.001.09"
    xml3, xml9 = build(version=v3), build(version=v9)
    assert xpath(xml3, v3, "//p:PmtInf/p:ReqdExctnDt/text()") == ["2024-06-10"]
    assert xpath(xml9, v9, "//p:PmtInf/p:ReqdExctnDt/p:Dt/text()") == ["2024-06-10"]
    assert xpath(xml3, v3, "//p:DbtrAgt/p:FinInstnId/p:BIC/text()") == ["NDEAFIHH"]
    assert xpath(xml9, v9, "//p:DbtrAgt/p:FinInstnId/p:BICFI/text()") == ["NDEAFIHH"]
    assert xpath(xml9, v9, "//p:BIC") == []
    assert xpath(xml3, v3, "//p:BICFI") == []


def test_creditor_agent_left_out_without_bic():
    xml = build()
    version = "pain.001.001.03"
    assert xpath(xml, version, f"{tx(RF_REF.end_to_end_id)}/p:CdtrAgt") == []
    assert xpath(xml, version, f"{tx(MESSAGE_ONLY.end_to_end_id)}/p:CdtrAgt//p:BIC/text()") == ["OKOYFIHH"]


def test_finnish_letters_kept_as_utf8():
    xml = build()
    for name in ("Hoivakoti Äänekoski Oy", "Kotihoito Pörröinen Ab", "Åbo Omsorg Ab"):
        assert name.encode("utf-8") in xml
    assert xpath(xml, "pain.001.001.03", "//p:Cdtr/p:Nm/text()")[0] == "Hoivakoti Äänekoski Oy"


def test_names_are_cut_to_70_characters():
    long_name = "Länsi-Suomen Ympärivuorokautinen Hoiva- ja Kuntoutuskeskus Åkerö Osakeyhtiö, Vöyri"
    assert len(long_name) > 70
    xml = build([replace(FI_REF, payee_name=long_name)])
    (nm,) = xpath(xml, "pain.001.001.03", "//p:Cdtr/p:Nm/text()")
    assert len(nm) <= 70
    assert long_name.startswith(nm)


def test_a_name_with_a_tab_or_line_break_is_paid_under_its_words():
    """A payee's name with a tab or line break (typed before the registry refused them, or pasted into the
    company register) kept the payee out of every payment file: carried over month after month, never paid.
    White space of any kind between the words is one space; other control characters are still refused."""
    for name in ("Hoivakoti\tÄänekoski Oy", "Hoivakoti\nÄänekoski Oy", "Hoivakoti\r\n Äänekoski\u2028Oy "):
        assert payee_problem(name, FI_REF.iban, FI_REF.bic, FI_REF.reference) is None
        xml = build([replace(FI_REF, payee_name=name)])
        assert xpath(xml, "pain.001.001.03", "//p:Cdtr/p:Nm/text()") == ["Hoivakoti Äänekoski Oy"]
    assert payee_problem("Hoivakoti\x07 Oy", FI_REF.iban, FI_REF.bic, FI_REF.reference) is not None


def test_amount_without_decimals_is_written_with_two():
    xml = build([replace(FI_REF, amount=Decimal("10"))])
    assert xpath(xml, "pain.001.001.03", "//p:InstdAmt/text()") == ["10.00"]
    assert xpath(xml, "pain.001.001.03", "//p:GrpHdr/p:CtrlSum/text()") == ["10.00"]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"amount": 12.5}, "must be a Decimal, got float"),
        ({"amount": 12}, "must be a Decimal, got int"),
        ({"amount": Decimal("12.345")}, "more than two decimals"),
        ({"amount": Decimal("0")}, "must be positive"),
        ({"amount": Decimal("0.00")}, "must be positive"),
        ({"amount": Decimal("-5.00")}, "must be positive"),
        ({"amount": Decimal("NaN")}, "finite"),
        ({"amount": Decimal("1000000000.00")}, "SEPA maximum"),
        ({"iban": "FI2112345600000786"}, "not a valid IBAN"),
        ({"iban": "not an iban"}, "not a valid IBAN"),
        ({"bic": "NDEAFI"}, "not a valid BIC"),
        ({"reference": "1234562"}, "invalid reference"),
        ({"reference": "123"}, "invalid reference"),
        ({"reference": "ABC123"}, "invalid reference"),
        ({"reference": "RF351234561"}, "invalid RF creditor reference"),
        ({"message": "x" * 141}, "longer than 140"),
        ({"payee_name": "   "}, "payee_name is empty"),
        ({"end_to_end_id": "S" * 36}, "end_to_end_id must be 1-35"),
        ({"end_to_end_id": "SETL//1"}, "must not start or end with '/'"),
        ({"end_to_end_id": "SETL-ä"}, "end_to_end_id must be 1-35"),
    ],
)
def test_bad_payment_is_refused_with_clear_error(change, error):
    with pytest.raises(PaymentFileError, match=error) as exc_info:
        build([MESSAGE_ONLY, replace(FI_REF, **change)])
    # The error says which payment is wrong.
    assert "payments[1]" in str(exc_info.value)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"payments": []}, "at least one payment"),
        ({"created_at": datetime(2024, 6, 4, 8, 30)}, "timezone-aware"),  # noqa: DTZ001 (naive, refused)
        ({"execution_date": datetime(2024, 6, 10, 0, 0, tzinfo=UTC)}, "must be a date"),
        ({"message_id": ""}, "message_id must be"),
        ({"version": "pain.001.001.02"}, "unsupported version"),
    ],
)
def test_bad_file_parameters_are_refused(kwargs, error):
    with pytest.raises(PaymentFileError, match=error):
        build(**kwargs)


@pytest.mark.parametrize(
    ("debtor", "error"),
    [
        (replace(DEBTOR, business_id="2077474-1"), "business ID"),
        (replace(DEBTOR, iban="FI00"), "debtor.iban"),
        (replace(DEBTOR, bic="XXXX"), "debtor.bic"),
    ],
)
def test_bad_debtor_is_refused(debtor, error):
    with pytest.raises(PaymentFileError, match=error):
        build_pain001("SETL-1", CREATED, EXECUTION, debtor, PAYMENTS)


def test_duplicate_end_to_end_id_is_refused():
    with pytest.raises(PaymentFileError, match="used twice"):
        build([FI_REF, replace(RF_REF, end_to_end_id=FI_REF.end_to_end_id)])


@pytest.mark.parametrize("code", IDENTITY_CODES + EVERY_SIGN_CODES)
@pytest.mark.parametrize("field", ["message", "reference", "payee_name", "end_to_end_id"])
def test_identity_code_anywhere_in_a_payment_is_refused(field, code):
    # Data Protection Act §29: clients only by the provider's client number or an internal reference.
    value = {
        "message": f"Asiakas {code} toukokuu",
        "reference": f"RF18{code}",
        "payee_name": f"Hoiva {code} Oy",
        "end_to_end_id": f"S-{code}",
    }[field]
    with pytest.raises(PaymentFileError, match="personal identity code") as exc_info:
        build([replace(MESSAGE_ONLY, **{field: value})])
    # The refusal itself must not leak the code into logs.
    assert code not in str(exc_info.value)
    assert code.lower() not in str(exc_info.value).lower()


def test_identity_code_in_message_refused_even_when_reference_is_given():
    # The message would be dropped from the file, but a caller that puts one there has a bug.
    with pytest.raises(PaymentFileError, match="personal identity code"):
        build([replace(FI_REF, message="010180-9026")])


def test_identity_code_in_debtor_name_is_refused():
    with pytest.raises(PaymentFileError, match="debtor.name"):
        build_pain001("SETL-1", CREATED, EXECUTION, replace(DEBTOR, name="Kunta 010180-9026"), PAYMENTS)


@pytest.mark.parametrize(
    "text",
    ["Lasku 20240531-1234", "Palveluseteli 05/2024", "Viite 12345 67890 12345", "Tilaus 2024-05-31"],
)
def test_ordinary_numbers_are_not_mistaken_for_identity_codes(text):
    build([replace(MESSAGE_ONLY, message=text)])


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_generated_file_never_contains_identity_code_shape(version):
    import re

    xml = build(version=version).decode("utf-8")
    assert not re.search(r"(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d{2}[-+A-FU-Y]\d{3}[0-9A-Y]", xml)


def test_validate_lists_xsd_violations():
    version = "pain.001.001.03"
    xml = build(version=version)
    doc = etree.fromstring(xml)
    ns = {"p": f"urn:iso:std:iso:20022:tech:xsd:{version}"}
    doc.xpath("//p:GrpHdr/p:NbOfTxs", namespaces=ns)[0].text = "three"
    doc.xpath("//p:CdtTrfTxInf/p:Amt/p:InstdAmt", namespaces=ns)[0].set("Ccy", "euro")
    broken = etree.tostring(doc, xml_declaration=True, encoding="UTF-8")
    with pytest.raises(PaymentFileValidationError) as exc_info:
        validate_pain001(broken, version)
    err = exc_info.value
    assert len(err.errors) >= 2
    assert "NbOfTxs" in str(err) and "Ccy" in str(err)
    assert all(e.startswith("line ") for e in err.errors)


def test_validate_refuses_wrong_version_and_garbage():
    xml = build(version="pain.001.001.03")
    with pytest.raises(PaymentFileValidationError, match="root element"):
        validate_pain001(xml, "pain.001.001.09")
    with pytest.raises(PaymentFileValidationError, match="not well-formed"):
        validate_pain001(b"<Document>", "pain.001.001.03")


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_schemas_are_unmodified_copies(version):
    data = resources.files("seteli_settlement").joinpath("schemas", f"{version}.xsd").read_bytes()
    assert hashlib.sha256(data).hexdigest() == XSD_SHA256[version]


def test_finnish_reference_number_rules():
    # The rules are the kernel's; the payment file refuses what they refuse.
    assert finnish_reference("123456")[-1] == "1"
    assert validate_finnish_reference("1234561") == "1234561"
    assert validate_finnish_reference("12 34561") == "1234561"
    for bad in ("1234562", "123", "1" * 21):  # a wrong check digit; at least 4 digits in all; at most 20
        with pytest.raises(ValidationFailed):
            validate_finnish_reference(bad)
        with pytest.raises(PaymentFileError, match="invalid reference"):
            normalize_reference(bad)
    assert normalize_reference("RF34 1234 561") == "RF341234561"


def test_a_run_whose_id_reads_as_an_identity_code_still_gets_its_payment_file():
    run_id = "2b80879b-3257-4882-8a25-b091104e8143"  # the hex holds 091104e8143: DDMMYY, sign E, NNN, check
    # glued to the hex around it, that is no identity code (it was refused once: hence message_id's g-l letters)
    validate_pain001(build(message_id=run_id.replace("-", "")), "pain.001.001.03")
    with pytest.raises(PaymentFileError, match="identity code"):
        build(message_id="091104E8143")
    msg_id = message_id(run_id)
    assert len(msg_id) == 32 and message_id("2b80879b-3257-4882-8a25-b091104e8144") != msg_id
    xml = build(message_id=msg_id)
    validate_pain001(xml, "pain.001.001.03")
    assert xpath(xml, "pain.001.001.03", "//p:GrpHdr/p:MsgId/text()") == [msg_id]

