"""``lawtrail token revoke|list`` and ``lawtrail user reset-second-factor`` (issue 6 §5).

Exit status: 0 fine, 2 usage or input error (one sentence).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from lawtrail.errors import UsageError


def user_named(username: str) -> Any:
    from django.contrib.auth import get_user_model

    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise UsageError(f"There is no user named {username!r}.") from None


def cmd_token_revoke(args: argparse.Namespace, setup_django: Callable[[], None]) -> int:
    setup_django()
    from lawtrail.api.models import ApiToken
    from lawtrail.api.tokens import revoke_token

    if args.all is not None:
        user = user_named(args.all)
        tokens = list(ApiToken.objects.filter(user=user, revoked_at=None))
    elif args.token_id is not None:
        tokens = list(ApiToken.objects.filter(pk=args.token_id, revoked_at=None))
        if not tokens:
            raise UsageError(f"There is no live API token with id {args.token_id}.")
    else:
        raise UsageError("Name a token id, or --all USERNAME.")
    for token in tokens:
        revoke_token(token)
        print(f"revoked token {token.pk} of {token.user.get_username()} {token.name}".rstrip())
    if not tokens:
        print("no live tokens to revoke")
    return 0


def cmd_token_list(args: argparse.Namespace, setup_django: Callable[[], None]) -> int:
    setup_django()
    from lawtrail.api.models import ApiToken

    tokens = ApiToken.objects.select_related("user").order_by("pk")
    if args.username:
        tokens = tokens.filter(user=user_named(args.username))
    for token in tokens:
        state = (
            "revoked" if token.revoked_at else ("read-only" if token.read_only else "read-write")
        )
        used = token.last_used_at.isoformat(timespec="minutes") if token.last_used_at else "never"
        print(f"{token.pk:>5} {token.user.get_username():<16} {state:<10} {used:<22} {token.name}")
    return 0


def cmd_reset_second_factor(args: argparse.Namespace, setup_django: Callable[[], None]) -> int:
    setup_django()
    from lawtrail.security.totp import reset_second_factor

    user = user_named(args.username)
    had = reset_second_factor(user, actor=None, reason=args.reason)
    if had:
        print(f"second factor of {args.username} removed; it enrols again at the next login")
    else:
        print(f"{args.username} had no second factor; nothing to remove")
    return 0


def add_parsers(token: Any, user: Any, setup_django: Callable[[], None]) -> None:
    """Add ``revoke`` and ``list`` to the ``token`` group, ``reset-second-factor`` to ``user``."""

    def bind(handler: Callable[[argparse.Namespace, Callable[[], None]], int]) -> Any:
        return lambda args: handler(args, setup_django)

    revoke = token.add_parser("revoke", help="revoke one API token, or every token of a login")
    revoke.add_argument("token_id", nargs="?", type=int, help="the id `lawtrail token list` shows")
    revoke.add_argument("--all", metavar="USERNAME", help="revoke every live token of USERNAME")
    revoke.set_defaults(func=bind(cmd_token_revoke))
    listing = token.add_parser("list", help="list API tokens (never the tokens themselves)")
    listing.add_argument("username", nargs="?", help="only this login's tokens")
    listing.set_defaults(func=bind(cmd_token_list))
    reset = user.add_parser(
        "reset-second-factor", help="remove a login's TOTP second factor (it enrols again)"
    )
    reset.add_argument("username")
    reset.add_argument("--reason", default="", help="why, for the ledger")
    reset.set_defaults(func=bind(cmd_reset_second_factor))
