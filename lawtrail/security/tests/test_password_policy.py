"""The password policy: 12 characters, not like the username, not common, not only digits."""

from __future__ import annotations

import pytest

from lawtrail.cli import main
from lawtrail.testing import Province


@pytest.mark.parametrize(
    "password",
    ["short-pw", "officer_a2024!", "123456789012345", "password12345"],
)
def test_set_password_refuses_a_weak_password_with_a_sentence(
    province: Province, capsys: pytest.CaptureFixture[str], password: str
) -> None:
    assert main(["user", "set-password", "officer_a", "--password", password]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lawtrail: ")
    assert err.rstrip().endswith((".", "。"))


def test_set_password_takes_a_good_one(
    province: Province, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["user", "set-password", "officer_a", "--password", "秦岭 晨雾 slow river"]) == 0


def test_user_create_refuses_a_weak_password(
    province: Province, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["user", "create", "newbie", "--name", "新人", "--agency", "610102"]
    assert main([*args, "--role", "officer", "--password", "98765432109876"]) == 2
    assert "lawtrail: " in capsys.readouterr().err
