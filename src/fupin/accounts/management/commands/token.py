"""``fupin token create|list|revoke``: API tokens for a user.

The key is printed once, at creation; only its digest is stored.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.timezone import localtime

from fupin.accounts.models import ApiToken
from fupin.accounts.services import api_token_create, api_token_revoke
from fupin.core.errors import FupinError


class Command(BaseCommand):
    help = "Manage API tokens: create USERNAME [--name NAME] | list USERNAME | revoke ID."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Issue a token and print its key once.")
        create.add_argument("username")
        create.add_argument("--name", default="cli", help="What the token is for.")
        listing = sub.add_parser("list", help="List a user's tokens (never their keys).")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="Revoke a token by its id.")
        revoke.add_argument("token_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "create":
                self._create(options["username"], options["name"])
            elif action == "list":
                self._list(options["username"])
            else:
                self._revoke(options["token_id"])
        except FupinError as exc:
            raise CommandError(str(exc.message)) from exc

    def _user(self, username: str) -> Any:
        User = get_user_model()
        try:
            return User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist as exc:
            raise CommandError(f"No user named {username!r}.") from exc

    def _create(self, username: str, name: str) -> None:
        user = self._user(username)
        if not user.is_active:
            raise CommandError(f"User {username!r} is not active.")
        token, key = api_token_create(actor=None, user=user, name=name, channel="cli")
        self.stdout.write(key)
        self.stderr.write(
            f"Token {token.pk} ({name}) created for {username}. "
            "The key above is shown only this once; store it now."
        )

    def _list(self, username: str) -> None:
        user = self._user(username)
        tokens = ApiToken.objects.filter(user=user).order_by("created_at", "pk")
        for t in tokens:
            state = (
                f"revoked {localtime(t.revoked_at):%Y-%m-%d %H:%M}" if t.revoked_at else "active"
            )
            used = f"{localtime(t.last_used_at):%Y-%m-%d %H:%M}" if t.last_used_at else "never"
            self.stdout.write(
                f"{t.pk}\t{t.prefix}…\t{t.name}\tcreated {localtime(t.created_at):%Y-%m-%d %H:%M}"
                f"\tlast used {used}\t{state}"
            )
        if not tokens:
            self.stderr.write(f"{username} has no tokens.")

    def _revoke(self, token_id: int) -> None:
        token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
        if token is None:
            raise CommandError(f"No token with id {token_id}.")
        if token.revoked_at is not None:
            raise CommandError(f"Token {token_id} is already revoked.")
        api_token_revoke(actor=None, token_id=token.pk, channel="cli")
        self.stdout.write(
            f"Token {token_id} ({token.name}) of {token.user.get_username()} revoked."
        )
