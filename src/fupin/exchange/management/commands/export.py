"""``fupin export DEST_DIR``: export the registry in the exchange layout.

With --user the export is that user's (scope, masking, access log); without, it is the
system's: everything, unmasked, and recorded in the access log like any export.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fupin.accounts.scope import scope_for
from fupin.exchange.export import system_scope
from fupin.exchange.pipeline import export_files
from fupin.registry.selectors import HouseholdFilters


class Command(BaseCommand):
    help = "导出建档立卡数据（与导入格式相同）/ Export the registry in the exchange layout"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dest_dir", type=Path)
        parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
        parser.add_argument("--user", default="", help="以此用户的权限导出（默认：系统，不遮蔽）")
        parser.add_argument("--area", default="", help="只导出此区划（代码）")
        parser.add_argument("--status", default="", help="只导出此户状态（如 exited）")
        parser.add_argument("--type", dest="household_type", default="", help="贫困户属性")
        parser.add_argument("--cause", dest="main_cause", default="", help="主要致贫原因")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(_("用户不存在：%(user)s") % {"user": options["user"]})
            scope = scope_for(actor)
        else:
            scope = system_scope()
        filters = HouseholdFilters(
            area_code=options["area"],
            status=options["status"],
            household_type=options["household_type"],
            main_cause=options["main_cause"],
        )
        started = time.monotonic()
        paths = export_files(
            actor=actor,
            scope=scope,
            filters=filters,
            fmt=options["format"],
            dest_dir=options["dest_dir"],
        )
        for path in paths:
            self.stdout.write(str(path))
        self.stdout.write(_("导出完成（%(s).1f秒）/ exported") % {"s": time.monotonic() - started})
