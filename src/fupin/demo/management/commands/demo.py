"""``fupin demo``: build a demo county (建始县), print its users, and serve it."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from fupin.accounts.models import Role
from fupin.demo import generator
from fupin.policy.models import EvaluationRun

DEFAULT_ADDR = "127.0.0.1:8000"
ROLE_ENGLISH = {
    Role.COUNTY_ADMIN: "county admin",
    Role.TOWNSHIP_OFFICER: "township officer",
    Role.VILLAGE_SECRETARY: "village secretary",
    Role.CADRE: "assisting cadre",
    Role.AUDITOR: "auditor",
}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def table(rows: list[list[str]]) -> str:
    """A plain-text table that lines up with Chinese characters (two columns wide)."""
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    rule = "+-" + "-+-".join("-" * w for w in widths) + "-+"
    lines = [rule]
    for index, row in enumerate(rows):
        lines.append("| " + " | ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)) + " |")
        if index == 0:
            lines.append(rule)
    lines.append(rule)
    return "\n".join(lines)


def site_url(addr: str) -> str:
    host, _, port = addr.rpartition(":")
    if not host:
        host, port = "127.0.0.1", addr
    if host in ("0.0.0.0", "::", "[::]", ""):  # noqa: S104 - shown to the user, not bound
        host = "127.0.0.1"
    return f"http://{host}:{port}/"


class Command(BaseCommand):
    help = "建立演示县（建始县）并启动网站 / Build the demo county and serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--households",
            type=int,
            default=generator.DEFAULT_HOUSEHOLDS,
            help="户数 / number of households (default 20000)",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=generator.DEFAULT_SEED,
            help="随机种子 / seed (default 2017)",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="先清空户籍、区划和演示用户的角色 / wipe the registry, areas and demo roles first",
        )
        parser.add_argument(
            "--serve",
            metavar="ADDR",
            default=DEFAULT_ADDR,
            help=f"启动网站的地址 / address to serve on (default {DEFAULT_ADDR})",
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="只建数据，不启动网站 / build only"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        households: int = options["households"]
        seed: int = options["seed"]
        if households < 1:
            self.stderr.write("--households 须为正数 / must be positive")
            return
        self._migrate()
        if options["reset"]:
            counts = generator.wipe()
            wiped = ", ".join(f"{label} {n:,}" for label, n in counts.items() if n)
            self.stdout.write(f"已清空 / wiped: {wiped or '—'}")
        if generator.county_exists():
            self.stdout.write(
                f"演示县已存在（{generator.county_households():,} 户），未重建；"
                f"重建请加 --reset。\n"
                "The demo county already exists and was not rebuilt; use --reset to rebuild."
            )
        else:
            self.stdout.write(
                f"正在生成演示县 建始县：{households:,} 户，种子 {seed} / "
                f"building the demo county: {households:,} households, seed {seed}"
            )
            result = generator.build(households=households, seed=seed, progress=self._progress)
            self.stdout.write(
                f"完成 / done: {result.households:,} 户 households, {result.members:,} 人 "
                f"members, {result.incomes:,} 条收入 incomes, {result.expenses:,} 条刚性支出 "
                f"expenses, {result.hardships:,} 件困难事件 hardship events, "
                f"{result.village_facts:,} 条村情 village facts, {result.areas:,} 个区划 areas "
                f"in {result.seconds:,.1f} s ({result.rate:,.0f} 户/s households/s)"
            )
            if result.assistance:
                self.stdout.write(self._assistance_line(result))
            if result.organisation:
                self.stdout.write(self._organisation_line(result))
        if generator.evaluation_needed():
            self._evaluate()
        users = generator.users_ensure(seed)
        rows = [["角色 Role", "用户名 Username", "密码 Password", "区域 Area"]]
        for u in users:
            role = (
                f"{Role(u.role).label} {ROLE_ENGLISH[Role(u.role)]}" if u.role else "无角色 no role"
            )
            area = f"{u.area_name} {u.area_code}" if u.area_code else "—"
            rows.append([role, u.username, u.password, area])
        self.stdout.write(table(rows))
        addr: str = options["serve"]
        if options["no_serve"]:
            return
        self.stdout.write(f"打开 / open: {site_url(addr)}")
        # Imports and other background jobs need a worker beside the web server.
        worker = subprocess.Popen(
            [sys.executable, "-m", "fupin", "db_worker", "--no-reload", "-v0"]
        )
        try:
            call_command("runserver", addr, use_reloader=False)
        finally:
            worker.terminate()
            worker.wait(timeout=10)

    def _migrate(self) -> None:
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            self.stdout.write("正在迁移数据库 / migrating the database …")
            call_command("migrate", interactive=False, verbosity=0)

    def _evaluate(self) -> None:
        year = generator.REFERENCE_DATE.year
        self.stdout.write(
            f"正在评估全县 {year} 年 / evaluating the county for {year} …", ending="\n"
        )
        self.stdout.flush()
        run = generator.evaluate()
        if run.status != EvaluationRun.Status.DONE:
            self.stderr.write(f"评估未完成 / evaluation not done (run {run.pk}): {run.error}")
            return
        s = run.summary
        categories = s.get("category_unstable", 0) + s.get("category_marginal", 0)
        categories += s.get("category_hardship", 0)
        self.stdout.write(
            f"评估完成 / evaluated: 批次 run {run.pk}, {s.get('households', 0):,} 户 households, "
            f"{s.get('poor_households', 0):,} 户未脱贫 still poor, "
            f"{s.get('failing_exited', 0):,} 户已脱贫但不达标 exited below the standard, "
            f"{categories:,} 户监测对象 to monitor "
            f"(脱贫不稳定 unstable {s.get('category_unstable', 0):,}, "
            f"边缘易致贫 marginal {s.get('category_marginal', 0):,}, "
            f"突发严重困难 hardship {s.get('category_hardship', 0):,}), "
            f"{s.get('villages_passing', 0):,}/{s.get('villages', 0):,} 村达到退出标准 "
            f"villages meet the exit standard, in {run.seconds or 0:,.1f} s"
        )

    @staticmethod
    def _assistance_line(result: generator.BuildResult) -> str:
        c = result.assistance
        needing = c.get("needing", 0)
        covered = c.get("paired_households", 0) / needing if needing else 1.0
        return (
            f"帮扶 / assistance: {c.get('units', 0):,} 个帮扶单位 units, "
            f"{c.get('cadres', 0):,} 名干部 cadres, {c.get('pairings', 0):,} 户结对 pairings "
            f"(覆盖 coverage {covered:.1%} of {needing:,}), {c.get('plans', 0):,} 个帮扶计划 plans, "
            f"{c.get('measures', 0):,} 条帮扶措施 measures, {c.get('visits', 0):,} 次走访 visits, "
            f"{c.get('concerns', 0):,} 件民情问题 concerns "
            f"({c.get('concerns_overdue', 0):,} 件逾期 overdue), "
            f"{c.get('teams', 0):,} 支工作队 work teams, {c.get('presence', 0):,} 条考勤 presence "
            f"in {result.assistance_seconds:,.1f} s"
        )

    @staticmethod
    def _organisation_line(result: generator.BuildResult) -> str:
        c = result.organisation
        return (
            f"组织体系 / organisation: {c.get('command.leaders', 0):,} 名领导 leaders, "
            f"{c.get('command.commands', 0):,} 个指挥部 HQs, "
            f"{c.get('command.contact_points', 0):,} 个联系点 contact points, "
            f"{c.get('party.organisations', 0):,} 个党组织 Party organisations, "
            f"{c.get('party.members', 0):,} 名党员 members, "
            f"{c.get('leadership.officials', 0):,} 名村两委 village officials, "
            f"{c.get('leadership.weak_cases', 0):,} 个软弱涣散 weak branches, "
            f"{c.get('matching.postings', 0):,} 名第一书记 first-secretary postings "
            f"in {result.organisation_seconds:,.1f} s"
        )

    def _progress(self, done: int, total: int, seconds: float) -> None:
        rate = done / seconds if seconds else 0.0
        self.stdout.write(
            f"  {done:,}/{total:,} 户 households · {rate:,.0f} 户/s · {seconds:,.0f} s"
        )
        self.stdout.flush()
