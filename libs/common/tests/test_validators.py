"""Finnish validators: vectors from shared/integrations.md plus edge cases."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from seteli_common.validators import (
    IDENTITY_CODE_MASK,
    IDENTITY_CODE_PATTERN,
    ValidationFailed,
    contains_identity_code,
    finnish_reference,
    format_finnish_reference,
    identity_code_birth_date,
    mask_identity_code,
    rf_reference,
    validate_bic,
    validate_business_id,
    validate_creditor_reference,
    validate_finnish_reference,
    validate_iban,
    validate_identity_code,
    validate_rf_reference,
    validate_website,
)

_CHECK_CHARS = "0123456789ABCDEFHJKLMNPRSTUVWXY"


def make_hetu(ddmmyy: str, sign: str, individual: str) -> str:
    """Build a valid code with the documented formula, independently of stdnum."""
    return f"{ddmmyy}{sign}{individual}{_CHECK_CHARS[int(ddmmyy + individual) % 31]}"


# --- ValidationFailed -------------------------------------------------------------------------


def test_validation_failed_is_value_error_with_hint_and_reason() -> None:
    with pytest.raises(ValueError) as info:
        validate_business_id("2077474-1")
    exc = info.value
    assert isinstance(exc, ValidationFailed)
    assert exc.field_hint == "business_id"
    assert exc.reason


def test_identity_code_error_does_not_leak_the_value() -> None:
    bad = "100190-999X"
    with pytest.raises(ValidationFailed) as info:
        validate_identity_code(bad)
    assert bad not in str(info.value)
    assert bad not in info.value.reason
    assert "100190" not in repr(info.value)


@pytest.mark.parametrize("value", [None, 2077474, b"2077474-0"])
def test_non_string_input_is_a_validation_failure(value: object) -> None:
    with pytest.raises(ValidationFailed):
        validate_business_id(value)  # type: ignore[arg-type]


# --- Business ID ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2077474-0", "0116297-6", "7019376-8"])
def test_business_id_valid_vectors(value: str) -> None:
    assert validate_business_id(value) == value


def test_business_id_wrong_check_digit() -> None:
    with pytest.raises(ValidationFailed, match="check digit"):
        validate_business_id("2077474-1")


def test_business_id_remainder_one_is_always_invalid() -> None:
    # 1000008: weighted sum mod 11 == 1, so no check digit 0-9 can make it valid.
    for check in "0123456789":
        with pytest.raises(ValidationFailed):
            validate_business_id(f"1000008-{check}")


def test_business_id_normalises_missing_hyphen_and_whitespace() -> None:
    assert validate_business_id(" 20774740 ") == "2077474-0"


@pytest.mark.parametrize("value", ["FI20774740", "207747-0", "2077474--0", "2077474-", "207747a-0", ""])
def test_business_id_bad_format(value: str) -> None:
    with pytest.raises(ValidationFailed, match="form"):
        validate_business_id(value)


# --- Identity code ----------------------------------------------------------------------------


def test_identity_code_sign_is_part_of_identity() -> None:
    dash = validate_identity_code("100190-999P")
    why = validate_identity_code("100190Y999P")
    assert dash == "100190-999P"
    assert why == "100190Y999P"
    assert dash != why
    # Same birth date, still different people.
    assert identity_code_birth_date(dash) == identity_code_birth_date(why) == datetime.date(1990, 1, 10)


def test_identity_code_temporary_test_code_accepted() -> None:
    assert validate_identity_code("010180-9026") == "010180-9026"


def test_identity_code_upper_cases() -> None:
    assert validate_identity_code(" 100190y999p ") == "100190Y999P"


@pytest.mark.parametrize("sign", list("-YXWVU"))
def test_identity_code_all_1900s_signs(sign: str) -> None:
    code = make_hetu("311299", sign, "123")
    assert validate_identity_code(code) == code
    assert identity_code_birth_date(code) == datetime.date(1999, 12, 31)


@pytest.mark.parametrize("sign", list("ABCDEF"))
def test_identity_code_all_2000s_signs(sign: str) -> None:
    code = make_hetu("010105", sign, "123")
    assert validate_identity_code(code) == code
    assert identity_code_birth_date(code) == datetime.date(2005, 1, 1)


def test_identity_code_2000s_signs_a_and_b_are_different_people() -> None:
    a = make_hetu("290204", "A", "456")
    b = make_hetu("290204", "B", "456")
    assert validate_identity_code(a) != validate_identity_code(b)
    assert identity_code_birth_date(b) == datetime.date(2004, 2, 29)


def test_identity_code_1800s() -> None:
    code = make_hetu("150585", "+", "050")
    assert identity_code_birth_date(code) == datetime.date(1885, 5, 15)


@pytest.mark.parametrize(
    "value",
    [
        "100190-999A",  # wrong check character
        "100190Z999P",  # not a century sign
        make_hetu("290201", "A", "123"),  # 2001 is not a leap year
        make_hetu("290200", "+", "123"),  # 1900 is not a leap year either
        make_hetu("010180", "-", "001"),  # individual numbers start from 002
        "100190-999",  # too short
        "100190-999PP",
        "",
    ],
)
def test_identity_code_invalid(value: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_identity_code(value)
    assert info.value.field_hint == "identity_code"


def test_identity_code_leap_day_2000_is_valid() -> None:
    code = make_hetu("290200", "A", "123")
    assert identity_code_birth_date(code) == datetime.date(2000, 2, 29)


def test_birth_date_validates_first() -> None:
    with pytest.raises(ValidationFailed):
        identity_code_birth_date("100190-999A")


# --- Masking ----------------------------------------------------------------------------------


def test_mask_replaces_codes_in_free_text() -> None:
    text = "GET /service/ypa/user/register/client/100190Y999P?requestId=1 and 010180-9026, 010105a123p."
    masked = mask_identity_code(text)
    assert masked == (
        f"GET /service/ypa/user/register/client/{IDENTITY_CODE_MASK}?requestId=1 and "
        f"{IDENTITY_CODE_MASK}, {IDENTITY_CODE_MASK}."
    )
    assert IDENTITY_CODE_MASK == "******-****"


def test_mask_catches_codes_with_a_wrong_check_character() -> None:
    # A mistyped code is still personal data.
    assert mask_identity_code("hetu=100190-999A") == f"hetu={IDENTITY_CODE_MASK}"


@pytest.mark.parametrize(
    "text",
    [
        "business id 2077474-0",
        "reference 00000000000001234561",
        "RF341234561",
        "trace 4bf92f35-77b3-4da6-a3ce-929d0e0e4736",
        "at 2016-03-31T21:30:00Z",
        "batch 20240101-1234",  # the six digits before the sign are preceded by more digits
        "amount 1 234,50 €",
    ],
)
def test_mask_leaves_other_identifiers_alone(text: str) -> None:
    assert mask_identity_code(text) == text


@given(
    st.builds(
        make_hetu,
        st.dates(min_value=datetime.date(1800, 1, 1), max_value=datetime.date(2099, 12, 31)).map(
            lambda d: d.strftime("%d%m%y")
        ),
        st.sampled_from("+-YXWVUABCDEF"),
        st.integers(min_value=2, max_value=999).map(lambda n: f"{n:03d}"),
    ),
    st.text(alphabet=" ,.:;=/?()\n", max_size=3),
)
def test_every_valid_code_is_masked(code: str, around: str) -> None:
    assert IDENTITY_CODE_PATTERN.search(code)
    masked = mask_identity_code(f"x{around}{code}{around}y")
    assert code not in masked
    assert IDENTITY_CODE_MASK in masked


# --- Finnish reference ------------------------------------------------------------------------


def test_finnish_reference_vector() -> None:
    assert finnish_reference("123456") == "1234561"
    assert validate_finnish_reference("1234561") == "1234561"


def test_finnish_reference_long_vector() -> None:
    # Worked example with 15 base digits (check digit 4).
    assert finnish_reference("123456712345678") == "1234567123456784"
    assert format_finnish_reference("1234567123456784") == "1 23456 71234 56784"


def test_finnish_reference_check_digit_edge_cases() -> None:
    # "100": weighted sum 0*7 + 0*3 + 1*1 = 1 -> check 9.
    assert finnish_reference("100") == "1009"
    # "130": 0*7 + 3*3 + 1*1 = 10, a multiple of ten -> check 0, not 10.
    assert finnish_reference("130") == "1300"


def test_finnish_reference_base_length() -> None:
    assert finnish_reference("123")[-1].isdigit()
    assert len(finnish_reference("1" * 19)) == 20
    for bad in ["12", "1" * 20, "", "12a", "000"]:
        with pytest.raises(ValidationFailed):
            finnish_reference(bad)


def test_finnish_reference_drops_leading_zeros_of_base() -> None:
    assert finnish_reference("000123456") == "1234561"


def test_validate_finnish_reference_accepts_printed_and_machine_forms() -> None:
    assert validate_finnish_reference("12 34561") == "1234561"
    assert validate_finnish_reference(" 1 23456 71234 56784 ") == "1234567123456784"
    # Machine-readable form: 20 digits, zero-padded.
    assert validate_finnish_reference("00000000000001234561") == "1234561"


@pytest.mark.parametrize("value", ["1234562", "123", "0001231", "1" * 21, "12-34561", "RF341234561", ""])
def test_validate_finnish_reference_invalid(value: str) -> None:
    with pytest.raises(ValidationFailed):
        validate_finnish_reference(value)


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        ("1232", "1232"),
        ("12344", "12344"),
        ("1234561", "12 34561"),
        ("1234567897", "12345 67897"),
        ("12345678907", "1 23456 78907"),
    ],
)
def test_format_finnish_reference_groups_of_five_from_the_right(value: str, printed: str) -> None:
    valid = finnish_reference(value[:-1])
    assert valid == value, "test vector must itself be valid"
    assert format_finnish_reference(value) == printed


@given(st.integers(min_value=100, max_value=10**19 - 1))
def test_finnish_reference_round_trip_and_single_digit_error_detected(base_number: int) -> None:
    ref = finnish_reference(str(base_number))
    assert validate_finnish_reference(ref) == ref
    assert validate_finnish_reference(format_finnish_reference(ref)) == ref
    # Changing the check digit always breaks it.
    wrong = ref[:-1] + str((int(ref[-1]) + 1) % 10)
    with pytest.raises(ValidationFailed):
        validate_finnish_reference(wrong)


# --- RF reference -----------------------------------------------------------------------------


def test_rf_reference_vector() -> None:
    assert rf_reference("1234561") == "RF341234561"
    assert rf_reference("12 34561") == "RF341234561"
    assert validate_rf_reference("RF341234561") == "RF341234561"


def test_rf_reference_requires_a_valid_finnish_reference() -> None:
    with pytest.raises(ValidationFailed):
        rf_reference("1234562")


def test_validate_rf_reference_normalises() -> None:
    assert validate_rf_reference("rf34 1234 561") == "RF341234561"
    assert validate_rf_reference("RF18 5390 0754 7034") == "RF18539007547034"


@pytest.mark.parametrize("value", ["RF351234561", "RF34", "XX341234561", "RFAB1234561", "RF34" + "1" * 22])
def test_validate_rf_reference_invalid(value: str) -> None:
    with pytest.raises(ValidationFailed):
        validate_rf_reference(value)


@given(st.integers(min_value=100, max_value=10**19 - 1))
def test_rf_reference_always_valid(base_number: int) -> None:
    rf = rf_reference(finnish_reference(str(base_number)))
    assert validate_rf_reference(rf) == rf


def test_creditor_reference_either_kind() -> None:
    assert validate_creditor_reference("12 34561") == ("1234561", "FI")
    assert validate_creditor_reference("RF34 1234 561") == ("RF341234561", "RF")
    assert validate_creditor_reference(" rf341234561") == ("RF341234561", "RF")
    with pytest.raises(ValidationFailed):
        validate_creditor_reference("RF351234561")
    with pytest.raises(ValidationFailed):
        validate_creditor_reference("1234562")


# --- IBAN and BIC -----------------------------------------------------------------------------


def test_iban_finnish_valid() -> None:
    iban = validate_iban("fi21 1234 5600 0007 85")
    assert iban == "FI2112345600000785"
    assert len(iban) == 18


@pytest.mark.parametrize(
    "value",
    [
        "FI2112345600000786",  # check digits do not match
        "FI211234560000078",  # 17 characters
        "FI21123456000007855",  # 19 characters
        "XX2112345600000785",
        "",
    ],
)
def test_iban_invalid(value: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_iban(value)
    assert info.value.field_hint == "iban"


@pytest.mark.parametrize(("value", "expected"), [("NDEAFIHH", "NDEAFIHH"), ("ndeafihhxxx", "NDEAFIHHXXX")])
def test_bic_valid(value: str, expected: str) -> None:
    assert validate_bic(value) == expected


@pytest.mark.parametrize("value", ["NDEAFIH", "NDEAFIHHXX", "NDEA1IHH", "NDEAQQHH", ""])
def test_bic_invalid(value: str) -> None:
    with pytest.raises(ValidationFailed):
        validate_bic(value)


@pytest.mark.parametrize("address", ["", "http://paivansade.fi", "https://www.paivansade.fi/hinnat?x=1#a",
                                     "HTTPS://Paivansade.FI"])
def test_websites_that_are_http_or_https_addresses_pass(address: str) -> None:
    assert validate_website(f" {address} ") == address


@pytest.mark.parametrize("address", ["javascript:alert(1)", "data:text/html,<b>", "ftp://paivansade.fi",
                                     "//paivansade.fi", "http://localhost", "https://user@evil.fi",
                                     "https://paivansade.fi/" + "a" * 300])
def test_other_addresses_are_refused_with_the_field_named(address: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        validate_website(address)
    assert refused.value.field_hint == "website"


# --- Free text: a code is a word of its own --------------------------------------------------

# Hex someone pastes into a note or a reason: ids, hashes. Each holds an identity code's shape glued to hex letters
# or digits ('8a240892-5592' holds '240892-5592', '3f010180a9026b' holds '010180a9026').
_HEX_TEXTS = [
    "ref 8a240892-5592-4b1e-…",
    "Tapahtuma 3F010180-9026-4ABC-8DEF-0123456789AB korjattu",
    "tiiviste 3f010180a9026b4c5d6e7f8091a2b3c4d",
    "Ajo 2b80879b-3257-4882-8a25-b091104e8143 maksettu",  # the last group holds '091104e8143'
    "ajo (2b80879b325748828a25b091104e8143).",  # a run id without its dashes
]


@pytest.mark.parametrize("text", _HEX_TEXTS)
def test_hex_in_free_text_is_not_taken_for_an_identity_code(text: str) -> None:
    assert not contains_identity_code(text)
    assert not contains_identity_code("no code here", text)


@pytest.mark.parametrize("code", ["010180-9026", "131052A308T", "131052a308t", "131052A308t", "100190Y999P"])
@pytest.mark.parametrize("around", ["{}", "{} on asiakkaan tunnus", "Asiakas: {}", "hetu={}", "({})", "[{}]",
                                    "Asiakas {}.", "tunnus,{};", "\"{}\"", "ks.\n{}\n", "ref 8a240892-5592 ja {}"])
def test_an_identity_code_standing_as_a_word_is_still_found_in_free_text(code: str, around: str) -> None:
    text = around.format(code)
    assert contains_identity_code(text)
    assert code not in mask_identity_code(text)


# Finnish words end in a or e, hex letters: a code glued to such a word is no id's hex.
@pytest.mark.parametrize("text", ["Asiakkaalle010180-9026 ei löydy päätöstä", "tunnuksella010180-9026",
                                  "Potilaa131052A308T", "asiakasnumero B131052-308T", "hetu131052a308tabc",
                                  "Tapahtuma 3f010180-9026 korjattu",  # one group after the first: no id
                                  "ks. 8a240892-5592-4b1e ja Asiakkaalle010180-9026"])
def test_a_code_glued_to_a_word_ending_in_a_hex_letter_is_found(text: str) -> None:
    assert contains_identity_code(text)
    assert contains_identity_code("no code here", text)


# --- One detection rule for every user ----------------------------------------------------------

# A code of every century sign (1800s +, 1900s - and U-Y, 2000s A-F), as a person or a program writes it.
_EVERY_SIGN_CODES = [make_hetu("010180", sign, "902") for sign in "+-UVWXYABCDEF"]
_AROUND = ["{}", "Asiakas {} hoidossa", "hetu={}", "client_{}", "Asiakas{}", "{}abc", "({}).", "{}\n"]


@pytest.mark.parametrize("code", _EVERY_SIGN_CODES + [code.lower() for code in _EVERY_SIGN_CODES])
@pytest.mark.parametrize("around", _AROUND)
def test_every_former_detector_finds_codes_of_every_century_sign(code: str, around: str) -> None:
    # Logs (telemetry) once had their own pattern with word boundaries and no IGNORECASE: it let
    # "client_010180-902X", "Asiakas010180A902X" and every lower-case letter sign through.
    from seteli_common.telemetry import IdentityCodeFilter, mask_identity_codes

    text = around.format(code)
    # Glued to a word, hex letters or not, it is found: only an id's hex (a UUID, a hash) hides it in free text.
    assert contains_identity_code(text)
    assert contains_identity_code("no code here", text)
    assert contains_identity_code(text, anywhere=True)
    for masked in (mask_identity_code(text), mask_identity_codes(text)):
        assert code not in masked and IDENTITY_CODE_MASK in masked
    import logging

    record = logging.LogRecord("t", logging.INFO, __file__, 1, "%s", (text,), None)
    IdentityCodeFilter().filter(record)
    assert code not in record.getMessage()


@pytest.mark.parametrize("code", _EVERY_SIGN_CODES)
def test_reference_check_finds_codes_between_digits_and_spaces(code: str) -> None:
    spaced = " ".join(code[i : i + 4] for i in range(0, len(code), 4))
    assert contains_identity_code(f"RF18 {spaced}", anywhere=True)
    assert contains_identity_code(f"12{code}34", anywhere=True)
    # Free text keeps its guard: a code-shaped run inside a longer number is a number.
    assert not contains_identity_code(f"12{code}34")


def test_identity_code_detection_leaves_other_numbers_alone() -> None:
    for text in ("Sitoumus 2016-00042, Y-tunnus 7019376-8, puhelin 040 123 4567", "batch 20240101-1234"):
        assert not contains_identity_code(text)
