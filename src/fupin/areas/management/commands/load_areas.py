from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fupin.areas.services import areas_load_csv
from fupin.core.errors import InvalidInput


class Command(BaseCommand):
    help = "Load an area tree from a CSV with columns code,name[,level][,boundary] (UTF-8)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count = areas_load_csv(actor=None, text=options["path"].read_text("utf-8-sig"))
        except InvalidInput as exc:
            lines = [str(exc.message)] + [
                f"  {where}: {'; '.join(msgs)}" for where, msgs in exc.fields.items()
            ]
            raise CommandError("\n".join(lines)) from exc
        self.stdout.write(f"{count} areas created or updated.")
