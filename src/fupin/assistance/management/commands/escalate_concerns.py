"""``fupin escalate_concerns [--today YYYY-MM-DD]``: overdue routed concerns go one level
up (村 → 乡镇 → 县), with a new deadline. Run daily from cron; rerunning is harmless."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fupin.assistance import services


class Command(BaseCommand):
    help = "逾期未办结的民情问题升级一级 / Escalate overdue concerns one level up"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="按此日期判断逾期（默认今天），如 2026-06-01")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["today"]:
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError(_("日期格式应为 YYYY-MM-DD")) from exc
        n = services.concerns_escalate(today=today)
        self.stdout.write(_("已升级 %(n)s 个逾期的民情问题。") % {"n": n})
