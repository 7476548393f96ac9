"""``fupin user create|set-password|deactivate|reactivate|unlock|role|list``: users for the
first administrator and for scripts.

Runs as the system (no actor), so any role may be given on any area of its level; every
change is audited with channel "cli". A password is read from standard input with
``--password-stdin`` (one line), or generated and printed once; it is never printed
otherwise.
"""

from __future__ import annotations

import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.timezone import localtime

from fupin.accounts import services
from fupin.accounts.models import Role, RoleAssignment
from fupin.core.errors import FupinError

CHANNEL = "cli"


class Command(BaseCommand):
    help = (
        "Manage users: create NAME [--role ROLE --area CODE] [--full-name N] [--password-stdin]"
        " | set-password NAME [--password-stdin] | deactivate NAME | reactivate NAME"
        " | unlock NAME | role NAME ROLE CODE [--remove] | list."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a user, with a first role if given.")
        create.add_argument("username")
        create.add_argument("--full-name", default="", help="The person's name (姓名).")
        create.add_argument("--role", choices=Role.values, help="A role to give.")
        create.add_argument("--area", help="The 12-digit code of the role's area.")
        create.add_argument(
            "--password-stdin",
            action="store_true",
            help="Read the password from standard input; otherwise one is generated.",
        )
        setpw = sub.add_parser("set-password", help="Set a user's password.")
        setpw.add_argument("username")
        setpw.add_argument("--password-stdin", action="store_true")
        for name, text in (
            ("deactivate", "Stop a user from signing in or using tokens."),
            ("reactivate", "Let a deactivated user sign in again."),
            ("unlock", "Lift a sign-in lockout after too many wrong passwords."),
        ):
            sub.add_parser(name, help=text).add_argument("username")
        role = sub.add_parser("role", help="Give (or with --remove take away) a role.")
        role.add_argument("username")
        role.add_argument("role", choices=Role.values)
        role.add_argument("area")
        role.add_argument("--remove", action="store_true")
        sub.add_parser("list", help="List users with their roles (never passwords).")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "create":
                self._create(options)
            elif action == "set-password":
                self._set_password(options)
            elif action == "list":
                self._list()
            elif action == "role":
                self._role(options)
            else:
                user = self._user(options["username"])
                change = {
                    "deactivate": services.user_deactivate,
                    "reactivate": services.user_reactivate,
                    "unlock": services.user_unlock,
                }[action]
                change(actor=None, user_id=user.pk, channel=CHANNEL)
                self.stdout.write(f"{user.get_username()}: {action} done.")
        except FupinError as exc:
            raise CommandError(_describe(exc)) from exc

    def _user(self, username: str) -> Any:
        User = get_user_model()
        try:
            return User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist as exc:
            raise CommandError(f"No user named {username!r}.") from exc

    def _password(self, from_stdin: bool) -> tuple[str, bool]:
        """The password and whether it was generated (and so must be shown)."""
        if not from_stdin:
            return services.generate_password(), True
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise CommandError("No password on standard input.")
        return line, False

    def _show_generated(self, username: str, password: str) -> None:
        self.stdout.write(password)
        self.stderr.write(f"Generated password for {username} above; it is shown only this once.")

    def _create(self, options: dict[str, Any]) -> None:
        if bool(options["role"]) != bool(options["area"]):
            raise CommandError("--role and --area go together.")
        password, generated = self._password(options["password_stdin"])
        user = services.user_create(
            actor=None,
            username=options["username"],
            password=password,
            full_name=options["full_name"],
            role=options["role"],
            area_code=options["area"],
            channel=CHANNEL,
        )
        role = f" as {options['role']} of {options['area']}" if options["role"] else ""
        self.stderr.write(f"User {user.get_username()} created{role}.")
        if generated:
            self._show_generated(user.get_username(), password)

    def _set_password(self, options: dict[str, Any]) -> None:
        user = self._user(options["username"])
        password, generated = self._password(options["password_stdin"])
        services.user_password_set(actor=None, user_id=user.pk, password=password, channel=CHANNEL)
        self.stderr.write(f"Password of {user.get_username()} set.")
        if generated:
            self._show_generated(user.get_username(), password)

    def _role(self, options: dict[str, Any]) -> None:
        user = self._user(options["username"])
        if options["remove"]:
            assignment = RoleAssignment.objects.filter(
                user=user, role=options["role"], area__code=options["area"]
            ).first()
            if assignment is None:
                raise CommandError("The user does not hold that role there.")
            services.role_remove(actor=None, assignment_id=assignment.pk, channel=CHANNEL)
            self.stdout.write(
                f"{user.get_username()}: {options['role']} {options['area']} removed."
            )
            return
        services.role_assign(
            actor=None,
            user_id=user.pk,
            role=options["role"],
            area_code=options["area"],
            channel=CHANNEL,
        )
        self.stdout.write(f"{user.get_username()}: {options['role']} {options['area']} given.")

    def _list(self) -> None:
        User = get_user_model()
        users = User.objects.order_by("username").prefetch_related("role_assignments__area")
        for user in users:
            roles = ", ".join(
                f"{a.role}@{a.area.code}"
                for a in sorted(user.role_assignments.all(), key=lambda a: (a.area.code, a.role))
            )
            login = f"{localtime(user.last_login):%Y-%m-%d %H:%M}" if user.last_login else "never"
            state = "active" if user.is_active else "deactivated"
            self.stdout.write(
                f"{user.get_username()}\t{user.get_full_name()}\t{state}\t"
                f"last login {login}\t{roles or '-'}"
            )


def _describe(exc: FupinError) -> str:
    """The error's message with each field's reasons (the CLI has no form to show them)."""
    text = str(exc.message)
    for name, reasons in exc.fields.items():
        text += f"\n  {name}: " + "; ".join(str(r) for r in reasons)
    return text
