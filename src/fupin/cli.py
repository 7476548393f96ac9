"""The ``fupin`` console command: Django's management commands with fupin's settings."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    from fupin.core.files import private_umask

    private_umask()  # the database, uploads and exports are the owner's alone
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    from django.core.exceptions import ImproperlyConfigured

    try:
        import django

        django.setup()
    except ImproperlyConfigured as exc:
        # A wrong setting must stop the start with one readable line, not a traceback.
        print(f"fupin: configuration error: {exc}", file=sys.stderr)
        return 2
    from django.core.management import execute_from_command_line

    execute_from_command_line(["fupin", *(sys.argv[1:] if argv is None else argv)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
