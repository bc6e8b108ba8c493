"""The check characters of a party's identifiers.

- 公民身份号码 (GB 11643-1999): 17 digits with the birth date at 7-14, and an ISO 7064
  MOD 11-2 check character.
- 统一社会信用代码 (GB 32100-2015): 17 characters of 0-9 and A-Z without I, O, S, V, Z, and a
  MOD 31 check character.

The reference implementations below derive the weights from the standards' formulas rather
than copying the module's tables, so that the two cannot share a mistake.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from lawtrail.matters.identifiers import validate_resident_id, validate_uscc

DIGITS = "0123456789"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def iso7064_mod11_2(first17: str) -> str:
    """Weight of position i (1-based from the right, check char at 1) is 2^(i-1) mod 11."""
    total = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(first17))
    return "10X98765432"[total % 11]


def gb32100_check(first17: str) -> str:
    """Weight of position i (0-based from the left) is 3^i mod 31; check = 31 - sum mod 31."""
    total = sum(USCC_ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def test_a_known_valid_resident_id_number_passes() -> None:
    validate_resident_id("11010519491231002X")


def test_a_known_valid_credit_code_passes() -> None:
    validate_uscc("91350100M000100Y43")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("110105194912310021", "checksum"),  # wrong check digit
        ("11010519491331002X", "date"),  # month 13
        ("11010519490230002X", "date"),  # 30 February
        ("11010519491231002", "format"),  # 17 characters
        ("11010519491231002XX", "format"),  # 19 characters
        ("1101051949123100AX", "format"),  # a letter among the digits
        ("11010519491231002x", "format"),  # lower-case x (parties are upper-cased before)
        ("", "format"),
    ],
)
def test_bad_resident_id_numbers_are_refused(value: str, code: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_resident_id(value)
    assert refused.value.code == code


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("91350100M000100Y44", "checksum"),  # wrong check character
        ("91350100M000100Y4I", "format"),  # I is not used
        ("91350100M000100O43", "format"),  # nor O
        ("9135010SM000100Y43", "format"),  # nor S
        ("91350100V000100Y43", "format"),  # nor V
        ("91350100Z000100Y43", "format"),  # nor Z
        ("91350100m000100Y43", "format"),  # lower case
        ("91350100M000100Y4", "format"),  # 17 characters
        ("", "format"),
    ],
)
def test_bad_credit_codes_are_refused(value: str, code: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_uscc(value)
    assert refused.value.code == code


resident_prefixes = st.builds(
    lambda region, born, serial: f"{region}{born:%Y%m%d}{serial}",
    st.text(DIGITS, min_size=6, max_size=6),
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2099, 12, 31)),
    st.text(DIGITS, min_size=3, max_size=3),
)


@given(prefix=resident_prefixes, other=st.sampled_from("0123456789X"))
def test_any_resident_id_with_the_right_check_digit_passes_and_no_other(
    prefix: str, other: str
) -> None:
    check = iso7064_mod11_2(prefix)
    validate_resident_id(prefix + check)
    if other != check:
        with pytest.raises(ValidationError):
            validate_resident_id(prefix + other)


@given(
    prefix=st.text(USCC_ALPHABET, min_size=17, max_size=17), other=st.sampled_from(USCC_ALPHABET)
)
def test_any_credit_code_with_the_right_check_character_passes_and_no_other(
    prefix: str, other: str
) -> None:
    check = gb32100_check(prefix)
    validate_uscc(prefix + check)
    if other != check:
        with pytest.raises(ValidationError):
            validate_uscc(prefix + other)


def test_the_reference_implementations_agree_with_the_published_examples() -> None:
    assert iso7064_mod11_2("11010519491231002") == "X"
    assert gb32100_check("91350100M000100Y4") == "3"
