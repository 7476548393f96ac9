"""``fupin evaluate AREA_CODE YEAR``: judge every household of an area for a year, now.

The same run as the web's, executed in this process instead of the background worker:
for a province or the country at night, or from cron. Prints the run's figures.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fupin.core.errors import FupinError
from fupin.policy import services


class Command(BaseCommand):
    help = "按年度标准评估一个区划内的所有农户 / Evaluate every household of an area for a year"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("area_code", help="区划代码（12位），如 422822000000")
        parser.add_argument("year", type=int, help="评估年度，如 2026")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            run = services.evaluation_run_create(
                actor=None, area_code=options["area_code"], year=options["year"], channel="cli"
            )
        except FupinError as exc:
            detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
            raise CommandError(f"{exc.message} {detail}".strip()) from exc
        run = services.evaluation_run_execute(run_id=run.pk)
        if run.status != run.Status.DONE:
            raise CommandError(run.error)
        s = run.summary
        self.stdout.write(
            _(
                "评估批次 %(id)s 完成，用时 %(seconds)s 秒：%(households)s 户 %(people)s 人；"
                "达到退出标准 %(meets)s 户（其中未脱贫户 %(candidates)s 户）；"
                "已脱贫但未达标 %(failing)s 户；监测对象 %(monitor)s 户。"
            )
            % {
                "id": run.pk,
                "seconds": run.seconds,
                "households": s["households"],
                "people": s["people"],
                "meets": s["meets_exit"],
                "candidates": s["exit_candidates"],
                "failing": s["failing_exited"],
                "monitor": s["category_unstable"] + s["category_marginal"] + s["category_hardship"],
            }
        )
