"""``fupin import``: import a registry file (xlsx, a CSV pair, or a zip of the pair).

All or nothing: every wrong cell is printed (or written to --errors OUT.xlsx) and nothing
is written; a good file lands in one transaction. Progress lines (“write 40000/80000”)
are flushed as they happen, so a supervisor can follow the phases.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fupin.exchange.pipeline import ImportOutcome, error_report_xlsx, import_files


class Command(BaseCommand):
    help = "导入建档立卡数据（xlsx，或 households.csv + members.csv，或二者的zip）/ Import a registry file"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "paths", nargs="+", type=Path, help="file.xlsx | households.csv members.csv | pair.zip"
        )
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入 / validate only")
        parser.add_argument(
            "--create-areas", action="store_true", help="按名称新建区划库中没有的区划"
        )
        parser.add_argument("--reason", default="", help="导入原因，记入户的变更历史")
        parser.add_argument("--user", default="", help="以此用户的权限导入（默认：系统）")
        parser.add_argument("--errors", type=Path, default=None, help="把错误行写入此xlsx文件")
        parser.add_argument("--quiet-progress", action="store_true", help="不输出进度")

    def handle(self, *args: Any, **options: Any) -> None:
        paths: list[Path] = options["paths"]
        if len(paths) > 2:
            raise CommandError(_("最多两个文件。"))
        for path in paths:
            if not path.is_file():
                raise CommandError(_("文件不存在：%(path)s") % {"path": path})
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(_("用户不存在：%(user)s") % {"user": options["user"]})
        started = time.monotonic()
        last_phase = [""]
        last_at = [0.0]

        def progress(phase: str, done: int, total: int) -> None:
            if options["quiet_progress"]:
                return
            now = time.monotonic()
            # Every write step is shown: supervisors (and the kill test) watch that phase.
            if (
                phase != last_phase[0]
                or phase == "write"
                or now - last_at[0] >= 0.5
                or done == total
            ):
                self.stdout.write(f"{phase} {done}/{total}")
                self.stdout.flush()
                last_phase[0], last_at[0] = phase, now

        outcome = import_files(
            actor=actor,
            paths=paths,
            dry_run=options["dry_run"],
            create_areas=options["create_areas"],
            reason=options["reason"],
            channel="cli",
            progress=progress,
        )
        seconds = time.monotonic() - started
        self._report(outcome, seconds)
        if outcome.errors and options["errors"]:
            dest = error_report_xlsx(outcome, paths, options["errors"])
            self.stdout.write(_("错误行已写入 / error rows written to: %(path)s") % {"path": dest})
        if not outcome.ok:
            sys.exit(1)

    def _report(self, outcome: ImportOutcome, seconds: float) -> None:
        for sheet, headers in outcome.ignored_headers.items():
            self.stdout.write(
                _("已忽略“%(sheet)s”表中的列 / ignored columns: %(headers)s")
                % {"sheet": sheet, "headers": "、".join(headers)}
            )
        if outcome.refused:
            self.stderr.write(_("文件被拒绝 / file refused: %(why)s") % {"why": outcome.refused})
            return
        if outcome.errors:
            self.stderr.write(
                _("发现%(n)d处错误，未写入任何数据 / %(n)d errors, nothing written:")
                % {"n": len(outcome.errors)}
            )
            for e in outcome.errors:
                self.stderr.write(
                    _("%(sheet)s 第%(row)d行 %(header)s「%(value)s」：%(reason)s")
                    % {
                        "sheet": e.sheet,
                        "row": e.row,
                        "header": e.header,
                        "value": e.value,
                        "reason": e.reason,
                    }
                )
            return
        verb = (
            _("检查通过（未写入）/ valid (dry run)")
            if outcome.dry_run
            else _("导入完成 / imported")
        )
        self.stdout.write(
            _(
                "%(verb)s：户 新增%(hc)d 修改%(hu)d 未变%(hn)d；成员 新增%(mc)d 修改%(mu)d 减少%(mr)d"
                "（%(s).1f秒）/ households +%(hc)d ~%(hu)d =%(hn)d, members +%(mc)d ~%(mu)d -%(mr)d"
            )
            % {
                "verb": verb, "hc": outcome.households_created, "hu": outcome.households_updated,
                "hn": outcome.households_unchanged, "mc": outcome.members_created,
                "mu": outcome.members_updated, "mr": outcome.members_removed, "s": seconds,
            }
        )  # fmt: skip
