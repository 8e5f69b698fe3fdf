"""`langso benefits ...`: payment lists and the chairman's approval right.

langso benefits payment-list --commune 31825 --month 2026-11 --format pdf -o list.pdf
langso benefits payment-list --commune 31825 --month 2026-11 --kind one_off -o funeral.pdf
langso benefits approver grant USERNAME | revoke USERNAME | list
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from accounts.models import User
from benefits import services
from benefits.exports import FORMATS, ExportError
from benefits.models import PaymentList, PaymentListKind, PaymentListStatus
from places.models import Commune


def _month(text: str) -> date:
    try:
        year, month = (int(x) for x in text.split("-"))
        return date(year, month, 1)
    except ValueError as exc:
        raise CommandError(
            f"Tháng {text!r} không hợp lệ, hãy viết YYYY-MM (ví dụ 2026-11). / "
            f"{text!r} is not a month: write YYYY-MM (e.g. 2026-11)."
        ) from exc


class Command(BaseCommand):
    help = "Chi trả và phê duyệt trợ cấp. / Benefit payment lists and approval rights."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        pay = sub.add_parser(
            "payment-list",
            help="write a commune's payment list for a month (made from approved cases if needed)",
        )
        pay.add_argument("--commune", type=int, required=True, help="commune code, e.g. 31825")
        pay.add_argument("--month", required=True, help="YYYY-MM")
        pay.add_argument("--format", choices=sorted(FORMATS), default="pdf")
        pay.add_argument(
            "--kind",
            choices=sorted(PaymentListKind.values),
            default=PaymentListKind.MONTHLY,
            help="monthly support (default) or one-off support (funeral claims)",
        )
        pay.add_argument("-o", "--output", required=True, help="file to write")
        pay.add_argument(
            "--by",
            help="username of the commune officer who makes the list when none exists yet",
        )
        pay.add_argument(
            "--rebuild",
            action="store_true",
            help="rebuild the month's draft list from the approved cases first",
        )
        approver = sub.add_parser(
            "approver", help="grant or revoke the chairman's right to approve cases"
        )
        approver.add_argument("change", choices=["grant", "revoke", "list"])
        approver.add_argument("username", nargs="?")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "approver":
            self.approver(options)
        else:
            with translation.override("vi"):
                self.payment_list(options)

    def payment_list(self, options: dict[str, Any]) -> None:
        month = _month(options["month"])
        if not Commune.objects.filter(code=options["commune"]).exists():
            raise CommandError(
                f"Không có xã mã {options['commune']}; hãy kiểm tra mã xã. / "
                f"No commune has code {options['commune']}; check the code."
            )
        found = (
            PaymentList.objects.filter(
                commune_id=options["commune"], kind=options["kind"], month=month
            )
            .order_by("-sequence")
            .first()
        )
        if found is None or (options["rebuild"] and found.status == PaymentListStatus.DRAFT):
            actor = self.officer(options.get("by"))
            try:
                found = services.payment_list_create(
                    commune_code=options["commune"],
                    month=month,
                    kind=options["kind"],
                    actor=actor,
                    via="cli",
                )
            except services.WorkflowError as exc:
                raise CommandError(str(exc)) from exc
        try:
            content, _name, _type = services.payment_list_export(
                payment_list=found, fmt=options["format"], actor=None, via="cli"
            )
        except ExportError as exc:
            raise CommandError(str(exc)) from exc
        Path(options["output"]).write_bytes(content)
        self.stdout.write(
            f"{found.number}: {found.lines.count()} dòng / lines, tổng / total {found.total} đồng "
            f"-> {options['output']}"
        )

    def officer(self, username: str | None) -> User:
        if not username:
            raise CommandError(
                "Chưa có danh sách cho tháng này; thêm --by TÊN_ĐĂNG_NHẬP của cán bộ xã lập "
                "danh sách. / No list exists for this month yet: add --by USERNAME of the "
                "commune officer who makes it."
            )
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(
                f"Không có tài khoản {username!r}. / No active account {username!r}."
            )
        return user

    def approver(self, options: dict[str, Any]) -> None:
        permission = Permission.objects.get(
            content_type__app_label="benefits", codename="approve_case"
        )
        if options["change"] == "list":
            for user in permission.user_set.order_by("username"):
                codes = ", ".join(str(c) for c in user.communes.values_list("code", flat=True))
                self.stdout.write(f"{user.username}\t{user.full_name}\t{codes}")
            return
        if not options["username"]:
            raise CommandError("Hãy ghi tên đăng nhập. / Give the username.")
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(
                f"Không có tài khoản {options['username']!r}. / No account {options['username']!r}."
            )
        try:
            services.approver_set(user=user, grant=options["change"] == "grant")
        except services.WorkflowError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{options['change']}: {user.username} benefits.approve_case")
