"""Checking one reading before it is stored (pure Python, no Django).

Three outcomes: a value that cannot be a human measurement (systolic 900, a negative weight, a
diastolic above the systolic) or a reading from the future is refused with a reason; a value
that is possible but doubtful (SpO2 62 %, a temperature of 43 °C) is kept and flagged with the
reason, so that a health worker looks at it; everything else is accepted.

The plausibility limits follow research/health.md §4.5 (the "absolute" band of OpenMRS); they
catch unit mistakes as well as typos. Clinical thresholds are a different matter (thresholds/).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from health.monitoring import codes

# Readings older than this are refused: they are almost always a wrong date on the device.
MAX_AGE = timedelta(days=366)

# (lowest possible, highest possible) in the canonical unit: outside, the reading is refused.
PLAUSIBLE: dict[str, tuple[Decimal, Decimal]] = {
    "systolic": (Decimal(50), Decimal(300)),
    "diastolic": (Decimal(20), Decimal(200)),
    "hr": (Decimal(20), Decimal(250)),
    "glucose": (Decimal("0.6"), Decimal(50)),
    "spo2": (Decimal(50), Decimal(100)),
    "weight": (Decimal(1), Decimal(300)),
    "temp": (Decimal(30), Decimal(45)),
}
# (doubtful below, doubtful above): kept, but flagged for a second look.
DOUBTFUL: dict[str, tuple[Decimal, Decimal]] = {
    "systolic": (Decimal(70), Decimal(260)),
    "diastolic": (Decimal(35), Decimal(150)),
    "hr": (Decimal(30), Decimal(200)),
    "glucose": (Decimal("1.5"), Decimal("33.3")),
    "spo2": (Decimal(70), Decimal(100)),
    "weight": (Decimal(3), Decimal(250)),
    "temp": (Decimal(34), Decimal(42)),
}
NAMES = {
    "systolic": ("huyết áp tâm thu", "systolic pressure"),
    "diastolic": ("huyết áp tâm trương", "diastolic pressure"),
    "hr": ("nhịp tim", "heart rate"),
    "glucose": ("đường huyết", "blood glucose"),
    "spo2": ("SpO2", "SpO2"),
    "weight": ("cân nặng", "weight"),
    "temp": ("nhiệt độ", "temperature"),
}


@dataclass(frozen=True)
class Problem:
    """Why a reading is refused: a code for programs, a sentence in Vietnamese and English."""

    code: str
    message_vi: str
    message_en: str


class ReadingRefused(ValueError):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(problem.message_en)


@dataclass(frozen=True)
class CleanReading:
    kind: str
    value: Decimal
    value2: Decimal | None
    context: str
    measured_at: datetime
    flag: str  # empty, or why the value is doubtful (Vietnamese / English)


def _refuse(code: str, vi: str, en: str) -> ReadingRefused:
    return ReadingRefused(Problem(code, vi, en))


def _number(raw: Any, label_vi: str, label_en: str) -> Decimal:
    if type(raw) is int:  # most meters send whole numbers: the common case goes first
        return Decimal(raw)
    if isinstance(raw, bool) or raw is None or raw == "":
        raise _refuse(
            "value_missing",
            f"Thiếu giá trị {label_vi}; hãy nhập con số đo được.",
            f"The {label_en} is missing; enter the measured number.",
        )
    try:
        text = str(raw).strip().replace(",", ".")
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        raise _refuse(
            "value_not_a_number",
            f"Giá trị {label_vi} {raw!r} không phải là số; hãy nhập số, ví dụ 130 hoặc 6,5.",
            f"The {label_en} {raw!r} is not a number; enter a number such as 130 or 6.5.",
        ) from None
    if not value.is_finite():
        raise _refuse(
            "value_not_a_number",
            f"Giá trị {label_vi} không phải là số hữu hạn.",
            f"The {label_en} is not a finite number.",
        )
    return value


def _check_range(name: str, value: Decimal, unit: str) -> str:
    """Raise when impossible; return a flag sentence when doubtful, else ''."""
    low, high = PLAUSIBLE[name]
    doubt_low, doubt_high = DOUBTFUL[name]
    if doubt_low <= value <= doubt_high:
        return ""
    vi, en = NAMES[name]
    shown = f"{value.normalize():f}"
    if value < low or value > high:
        raise _refuse(
            "value_impossible",
            f"{vi.capitalize()} {shown} {unit} là không thể (phải từ {low} đến {high} {unit}); "
            "hãy đo lại hoặc kiểm tra đơn vị.",
            f"A {en} of {shown} {unit} is impossible (it must be between {low} and {high} "
            f"{unit}); measure again or check the unit.",
        )
    return f"{vi.capitalize()} {shown} {unit} bất thường, cần kiểm tra. / Unusual {en}, check it."


def clean(
    *,
    kind: str,
    value: Any,
    value2: Any = None,
    unit: str | None = None,
    context: str = "",
    measured_at: datetime | None,
    now: datetime,
    clock_skew: timedelta,
) -> CleanReading:
    """Check and normalise one reading into the canonical unit, or raise ReadingRefused."""
    if kind not in codes.KINDS:
        kinds = ", ".join(codes.KINDS)
        raise _refuse(
            "kind_unknown",
            f"Loại chỉ số {kind!r} không có; hãy dùng một trong: {kinds}.",
            f"There is no kind of reading {kind!r}; use one of: {kinds}.",
        )
    if measured_at is None:
        raise _refuse(
            "measured_at_missing",
            "Thiếu thời điểm đo; hãy gửi measured_at (ISO 8601, có múi giờ).",
            "The time of measurement is missing; send measured_at (ISO 8601 with a time zone).",
        )
    if measured_at.tzinfo is None:
        raise _refuse(
            "measured_at_naive",
            "Thời điểm đo thiếu múi giờ; hãy gửi dạng 2025-06-01T07:30:00+07:00.",
            "The time of measurement has no time zone; send it as 2025-06-01T07:30:00+07:00.",
        )
    if measured_at > now + clock_skew:
        raise _refuse(
            "measured_in_future",
            "Thời điểm đo ở tương lai; hãy kiểm tra đồng hồ của máy đo hoặc điện thoại.",
            "The reading is dated in the future; check the clock of the device or phone.",
        )
    if measured_at < now - MAX_AGE:
        raise _refuse(
            "measured_too_long_ago",
            "Thời điểm đo cách đây hơn một năm; hãy kiểm tra ngày trên máy đo.",
            "The reading is more than a year old; check the date on the device.",
        )
    context = (context or "").strip()
    if kind == "glucose" and context not in ("", "fasting", "random"):
        raise _refuse(
            "context_unknown",
            f"Bối cảnh đo {context!r} không có; hãy dùng fasting (lúc đói) hoặc random (bất kỳ).",
            f"The context {context!r} is unknown; use fasting or random.",
        )
    if kind != "glucose":
        context = ""

    try:
        if kind == "bp":
            systolic = codes.to_canonical(kind, _number(value, "tâm thu", "systolic"), unit)
            diastolic = codes.to_canonical(kind, _number(value2, "tâm trương", "diastolic"), unit)
        else:
            vi, en = NAMES[kind]
            number = _number(value, vi, en)
            converted = codes.to_canonical(kind, number, unit)
    except codes.UnitError as exc:
        raise _refuse("unit_unknown", exc.message_vi, exc.message_en) from None

    display = codes.spec(kind).unit_display
    if kind == "bp":
        flags = [_check_range("systolic", systolic, display)]
        flags.append(_check_range("diastolic", diastolic, display))
        if diastolic >= systolic:
            raise _refuse(
                "diastolic_not_below_systolic",
                f"Huyết áp tâm trương ({diastolic.normalize():f}) phải thấp hơn tâm thu "
                f"({systolic.normalize():f}); có thể hai số bị đảo chỗ.",
                f"The diastolic pressure ({diastolic.normalize():f}) must be below the "
                f"systolic ({systolic.normalize():f}); the two numbers may be swapped.",
            )
        if systolic - diastolic < 10:
            flags.append(
                "Hiệu áp dưới 10 mmHg, cần kiểm tra. / Pulse pressure under 10 mmHg, check it."
            )
        flag = " ".join(f for f in flags if f)
        return CleanReading(kind, systolic, diastolic, "", measured_at, flag[:200])
    flag = _check_range(kind, converted, display)
    return CleanReading(kind, converted, None, context, measured_at, flag[:200])
