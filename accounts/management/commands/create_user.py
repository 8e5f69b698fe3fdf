"""`langso create-user`: open an account from the command line (first administrator, scripts).

The password is read from standard input with --password-stdin, or asked for twice without
echo; it never appears in the process list or the shell history.
"""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import services
from accounts.models import COMMUNE_SCOPED_ROLES, Role
from places.models import Commune


class Command(BaseCommand):
    help = (
        "Tạo tài khoản người dùng. / Create a user account. Example: langso create-user "
        "--username nguyen.lan --role commune_officer --commune 31825 --phone 0912345678 "
        '--full-name "Nguyễn Thị Lan"'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True, help="Tên đăng nhập / username")
        parser.add_argument(
            "--role", required=True, help=f"Vai trò / role: {', '.join(Role.values)}"
        )
        parser.add_argument(
            "--commune",
            action="append",
            default=[],
            metavar="CODE",
            help="Mã xã 5 chữ số, lặp lại được / 5-digit commune code, repeatable",
        )
        parser.add_argument("--phone", default=None, help="Số điện thoại / phone number")
        parser.add_argument("--full-name", default="", help="Họ và tên / full name")
        parser.add_argument("--organisation", default="", help="Tổ chức / organisation")
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="Đọc mật khẩu từ stdin / read the password from standard input",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        role = options["role"].strip()
        if role not in Role.values:
            raise CommandError(
                f"Vai trò {role!r} không tồn tại; dùng một trong: {', '.join(Role.values)}. / "
                f"Unknown role {role!r}; use one of: {', '.join(Role.values)}."
            )
        codes = self._commune_codes(options["commune"], role)
        password = self._password(options["password_stdin"])
        _check_password(
            password, username=options["username"], role=role, full_name=options["full_name"]
        )
        try:
            user = services.user_create(
                username=options["username"],
                password=password,
                role=role,
                full_name=options["full_name"],
                phone=options["phone"],
                communes=codes,
                organisation=options["organisation"],
                via="cli",
            )
        except ValidationError as exc:
            raise CommandError(_describe(exc)) from exc
        where = f" ({', '.join(str(c) for c in codes)})" if codes else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã tạo tài khoản / created account {user.username}: {user.get_role_display()}"
                f"{where}"
            )
        )

    def _commune_codes(self, raw_codes: list[str], role: str) -> list[int]:
        codes: list[int] = []
        for raw in raw_codes:
            try:
                codes.append(int(raw))
            except ValueError:
                raise CommandError(
                    f"Mã xã {raw!r} không hợp lệ; nhập 5 chữ số, ví dụ 31825. / "
                    f"{raw!r} is not a commune code; give 5 digits, e.g. 31825."
                ) from None
        found = dict(Commune.objects.filter(code__in=codes).values_list("code", "province_id"))
        missing = [c for c in codes if c not in found]
        if missing:
            listed = ", ".join(str(c) for c in missing)
            raise CommandError(
                f"Không có xã mã {listed}. Tra mã xã trong danh mục đơn vị hành chính. / "
                f"No commune has the code {listed}. Look the code up in the list of "
                f"administrative units."
            )
        if role in COMMUNE_SCOPED_ROLES and not codes:
            raise CommandError(
                f"Vai trò {role} cần ít nhất một --commune. / The role {role} needs at least "
                f"one --commune."
            )
        outside = [c for c in codes if found[c] != settings.PROVINCE_CODE]
        if outside:
            self.stderr.write(
                self.style.WARNING(
                    f"Chú ý: xã {', '.join(map(str, outside))} không thuộc tỉnh "
                    f"{settings.PROVINCE_CODE} (PROVINCE_CODE). / Note: commune(s) "
                    f"{', '.join(map(str, outside))} are outside province "
                    f"{settings.PROVINCE_CODE} (PROVINCE_CODE)."
                )
            )
        return codes

    def _password(self, from_stdin: bool) -> str:
        if from_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            if not sys.stdin.isatty():
                raise CommandError(
                    "Không có bàn phím để nhập mật khẩu; dùng --password-stdin. / "
                    "No terminal to type the password in; use --password-stdin."
                )
            password = getpass.getpass("Mật khẩu / Password: ")
            again = getpass.getpass("Nhập lại / Again: ")
            if password != again:
                raise CommandError(
                    "Hai mật khẩu khác nhau; chạy lại lệnh. / The passwords differ; run the "
                    "command again."
                )
        if not password:
            raise CommandError("Mật khẩu trống. / The password is empty.")
        return password


def _check_password(password: str, *, username: str, role: str, full_name: str) -> None:
    """Refuse a weak password with the rules' own messages, in Vietnamese and in English."""
    from django.contrib.auth.password_validation import validate_password
    from django.utils import translation

    from accounts.models import User

    candidate = User(username=username, role=role, full_name=full_name)
    messages: list[str] = []
    for language in ("vi", "en"):
        with translation.override(language):
            try:
                validate_password(password, candidate)
            except ValidationError as exc:
                messages.append(" ".join(exc.messages))
    if messages:
        raise CommandError(
            "Mật khẩu chưa đủ mạnh / the password is too weak:\n" + "\n".join(messages)
        )


def _describe(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        lines = [
            f"{field}: {message}"
            for field, errors in exc.error_dict.items()
            for error in errors
            for message in error.messages
        ]
    else:
        lines = list(exc.messages)
    return "\n".join(lines)
