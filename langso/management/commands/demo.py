"""`langso demo`: build a believable demo province and print one account per role.

    langso demo --province 96 --people 20000 --seed 1 [--reset]

Running it again on a database that already holds the demo prints "already loaded" and the
accounts; --reset deletes the demo rows and builds them again. The same seed gives the same
people, households, ID numbers and dates.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from langso.demo.build import Result, build
from langso.demo.users import PASSWORD, ROLE_NAMES_EN, ROLE_NAMES_VI
from langso.demo.writer import DemoError


class Command(BaseCommand):
    help = (
        "Tạo tỉnh minh hoạ: thôn, hộ, người, khuyết tật, hộ nghèo và tài khoản cho mỗi vai trò. / "
        "Build a demo province: villages, households, people, disabilities, poverty and one "
        "account per role."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--province", type=int, default=96, help="province code, e.g. 96 Cà Mau, 14 Sơn La"
        )
        parser.add_argument("--people", type=int, default=20_000, help="number of people")
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed (same seed, same rows)"
        )
        parser.add_argument(
            "--reset", action="store_true", help="delete this province's demo rows and rebuild"
        )
        parser.add_argument(
            "--batch", type=int, default=20_000, help="people written per transaction"
        )
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000", help="site address printed in the table"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        province, verbosity = options["province"], options["verbosity"]
        if options["batch"] < 1:
            raise CommandError(
                "--batch phải lớn hơn 0, ví dụ --batch 20000. / "
                "--batch must be greater than 0, e.g. --batch 20000."
            )
        try:
            result = build(
                province=province,
                people=options["people"],
                seed=options["seed"],
                reset=options["reset"],
                batch_people=options["batch"],
                progress=(lambda m: self.stdout.write(f"  {m}")) if verbosity >= 2 else None,
            )
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        self._report(result)
        self._accounts(result, options["url"].rstrip("/"))
        if province != settings.PROVINCE_CODE:
            self.stderr.write(
                self.style.WARNING(
                    f"Chú ý: PROVINCE_CODE đang là {settings.PROVINCE_CODE}; hãy đặt "
                    f"PROVINCE_CODE={province} để thấy tỉnh này trong các trang làm việc. / "
                    f"Note: PROVINCE_CODE is {settings.PROVINCE_CODE}; set "
                    f"PROVINCE_CODE={province} to see this province in the workspaces."
                )
            )

    def _report(self, result: Result) -> None:
        name = result.province.name
        if result.already_loaded:
            self.stdout.write(
                f"Dữ liệu minh hoạ của {name} đã có sẵn (already loaded); "
                "thêm --reset để tạo lại. / The demo is already loaded; add --reset to rebuild it."
            )
            self._extras(result)
            return
        if result.deleted:
            gone = result.deleted
            self.stdout.write(
                f"Đã xoá dữ liệu minh hoạ cũ / deleted the old demo: {gone.get('people', 0):,} "
                f"người / people, {gone.get('households', 0):,} hộ / households."
            )
        s = result.summary
        assert s is not None
        lines = [
            f"Tỉnh minh hoạ / demo province: {name} ({result.province.code}), "
            f"{result.seconds:.1f} s",
            f"  {result.villages:,} thôn, ấp, bản / villages; "
            f"{result.area_statuses:,} phân định vùng DTTS và miền núi / area statuses",
            f"  {s.households:,} hộ / households; {s.people:,} người / people "
            f"({s.deaths:,} đã mất / deceased)",
            f"  {s.disabilities:,} người khuyết tật / people with disabilities; "
            f"{s.poor:,} hộ nghèo / poor, {s.near_poor:,} hộ cận nghèo / near-poor households",
        ]
        for line in lines:
            self.stdout.write(line)
        self._extras(result)

    def _extras(self, result: Result) -> None:
        for summary in result.extras:
            self.stdout.write(f"  {summary}")

    def _accounts(self, result: Result, base: str) -> None:
        workspace = base + reverse("workspace")
        rows = [("URL", "Tên đăng nhập / Username", "Mật khẩu / Password", "Vai trò / Role")]
        for account in result.accounts:
            where = f" — {', '.join(account.communes)}" if account.communes else ""
            role = f"{ROLE_NAMES_VI[account.role]} / {ROLE_NAMES_EN[account.role]}{where}"
            rows.append((workspace, account.username, PASSWORD, role))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        self.stdout.write("")
        self.stdout.write(
            f"Tài khoản minh hoạ / demo accounts (đăng nhập / log in: {base}"
            f"{reverse(settings.LOGIN_URL)}):"
        )
        for i, row in enumerate(rows):
            line = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
            self.stdout.write(f"{line}  {row[3]}")
            if i == 0:
                self.stdout.write("-" * (sum(widths) + 6 + len(row[3])))
