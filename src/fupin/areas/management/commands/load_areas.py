"""``fupin load_areas FILE.csv``: load or update the area tree (e.g. the national 统计用区划代码).

All or nothing: every wrong row is printed with its line and nothing is written; a good file
lands in one transaction. Progress lines (“read 150000/665271”) are flushed as they happen.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fupin.areas.services import areas_load_file
from fupin.core.errors import InvalidInput


class Command(BaseCommand):
    help = (
        "导入区划（UTF-8 CSV：code,name[,level][,boundary][,poor_since,exited_in]，"
        "或 区划代码,名称[,层级][,贫困村识别年度,贫困村退出年度]）/ Load an area tree"
    )

    # A data command: the project-wide checks (URLs, templates, …) cost seconds and say
    # nothing about the file.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--quiet-progress", action="store_true", help="不输出进度")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(_("文件不存在：%(path)s") % {"path": path})
        started = time.monotonic()
        last: dict[str, Any] = {"phase": "", "at": 0.0}

        def progress(phase: str, done: int, total: int) -> None:
            if options["quiet_progress"]:
                return
            now = time.monotonic()
            if phase != last["phase"] or now - last["at"] >= 0.5 or done == total:
                self.stdout.write(f"{phase} {done}/{total}")
                self.stdout.flush()
                last["phase"], last["at"] = phase, now

        try:
            result = areas_load_file(actor=None, path=path, progress=progress)
        except InvalidInput as exc:
            lines = [str(exc.message)] + [
                f"  {where}: {'; '.join(str(m) for m in msgs)}"
                for where, msgs in exc.fields.items()
            ]
            raise CommandError("\n".join(lines)) from exc
        self.stdout.write(
            _(
                "区划导入完成：共%(rows)d个，新建%(created)d，修改%(changed)d，未变%(same)d"
                "（%(s).1f秒）/ areas: %(created)d created, %(changed)d changed, "
                "%(same)d unchanged"
            )
            % {
                "rows": result.rows,
                "created": result.created,
                "changed": result.changed,
                "same": result.unchanged,
                "s": time.monotonic() - started,
            }
        )
