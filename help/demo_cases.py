"""Demo data of the cases part: four weeks of cases at the demo province's corners, in every
status, with consent, actions stamped "done by X for Y", referrals, feedback, "did it alone next
time" marks and answered questions.

Rows are written directly rather than through the services: the services stamp the current
time, and closing a case would queue a real feedback SMS for each one. Running it again adds
nothing: a corner that already has cases is left as it is.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from help.case_services import target_hours
from help.models import (
    Case,
    CaseAction,
    Channel,
    Corner,
    Feedback,
    QueueToken,
    Referral,
    Topic,
)
from people.models import Person

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
DAYS = 28

# What people come for, in their words, with the step a helper takes for them.
NEEDS: dict[str, list[tuple[str, str]]] = {
    Topic.VNEID_LEVEL2: [
        ("Kích hoạt tài khoản định danh điện tử mức 2", "Chụp ảnh khuôn mặt và kích hoạt VNeID"),
        ("Quên mật khẩu VNeID, cần đặt lại", "Đặt lại mật khẩu VNeID bằng số điện thoại"),
    ],
    Topic.DOSSIER: [
        ("Nộp hồ sơ đăng ký khai sinh cho cháu nội", "Nộp hồ sơ khai sinh trên Cổng dịch vụ công"),
        ("Đề nghị trợ cấp xã hội hàng tháng cho mẹ", "Điền tờ khai và nộp hồ sơ trợ cấp"),
    ],
    Topic.HEALTH_INSURANCE_APP: [
        ("Cài VssID để dùng thẻ bảo hiểm y tế trên điện thoại", "Cài VssID và đăng nhập"),
        ("Thẻ BHYT trên VssID không hiện", "Đồng bộ lại thẻ BHYT trên VssID"),
    ],
    Topic.E_PAYMENT: [
        ("Mở tài khoản ngân hàng để nhận trợ cấp", "Mở tài khoản trên ứng dụng ngân hàng"),
        ("Trả tiền điện bằng điện thoại", "Thanh toán hóa đơn điện qua ứng dụng"),
    ],
    Topic.E_COMMERCE: [
        ("Bán khô cá, tôm khô trên mạng", "Mở gian hàng và đăng 5 sản phẩm"),
    ],
    Topic.JOB_APPLICATION: [
        ("Tìm việc ở khu công nghiệp, cần làm hồ sơ", "Soạn và gửi hồ sơ xin việc"),
    ],
    Topic.DEVICE_PROBLEM: [
        ("Điện thoại không vào được Zalo", "Cập nhật Zalo và giải phóng bộ nhớ"),
        ("Điện thoại được tặng chưa cài đặt gì", "Cài đặt điện thoại, tạo tài khoản Google"),
    ],
    Topic.COURSE_ENROLMENT: [
        ("Đăng ký học Bình dân học vụ số", "Đăng ký khóa học bằng VNeID"),
        ("Đăng ký học nghề sửa xe máy", "Đăng ký khóa học nghề trực tuyến"),
    ],
    Topic.BENEFITS_QUESTION: [
        ("Hỏi về trợ cấp người cao tuổi trên 75 tuổi", "Tra chính sách và giải thích"),
        ("Hỏi chế độ cho con khuyết tật nặng", "Tra chính sách và hẹn cán bộ xã"),
    ],
}
QUESTIONS = [
    (
        "Làm thẻ bảo hiểm y tế cho con dưới 6 tuổi ở đâu?",
        "Trẻ dưới 6 tuổi được cấp thẻ BHYT miễn phí. Khi đăng ký khai sinh trên Cổng dịch vụ "
        "công, chọn thêm cấp thẻ BHYT; hoặc mang giấy khai sinh đến UBND phường.",
    ),
    (
        "Người 70 tuổi có được trợ cấp không?",
        "Từ 1/7/2025, người từ 75 tuổi có lương hưu thấp hoặc không có lương hưu được trợ cấp "
        "hằng tháng; người từ 70 tuổi thuộc hộ nghèo, cận nghèo ở vùng khó khăn cũng được. "
        "Mời bác đến điểm hỗ trợ mang theo CCCD để kiểm tra.",
    ),
    (
        "VNeID báo sai ngày sinh thì sửa thế nào?",
        "Mang CCCD và giấy khai sinh đến Công an phường để điều chỉnh; sau đó VNeID tự cập nhật.",
    ),
]
AGENCIES = [
    ("Bảo hiểm xã hội khu vực", "Thẻ BHYT bị trùng, cần cấp lại"),
    ("Công an phường", "Thông tin trên VNeID sai, cần điều chỉnh"),
    ("Phòng Văn hóa - Xã hội UBND phường", "Xét trợ cấp xã hội hàng tháng"),
    ("Ngân hàng Chính sách xã hội", "Vay vốn học nghề"),
]
WALK_IN_NAMES = ["Bà Tư", "Chú Sáu Lộc", "Chị Thạch Thị Ngọc", "Anh Danh Út", "Cô Ba Nhàn"]
# Market-day mornings are busiest; the afternoon brings people home from the fields.
HOURS = [7, 7, 8, 8, 8, 9, 9, 9, 10, 10, 11, 13, 14, 14, 15, 16]
REFERRAL_ENDS = [
    Referral.Status.GOT_HELP,
    Referral.Status.GOT_HELP,
    Referral.Status.GOT_HELP,
    Referral.Status.NOT_ELIGIBLE,
    Referral.Status.COULD_NOT_CONTACT,
    Referral.Status.NO_CAPACITY,
]


def _opened_at(rng: random.Random, today: Any, days_ago: int) -> datetime:
    day = today - timedelta(days=days_ago)
    while day.weekday() == 6:  # corners are closed on Sundays
        day -= timedelta(days=1)
    moment = time(rng.choice(HOURS), rng.randrange(0, 60, 5))
    return datetime.combine(day, moment, tzinfo=LOCAL)


def _populate_corner(
    corner: Corner, rng: random.Random, count: int, people: list[Person], helpers: list[User]
) -> int:
    today = timezone.localdate()
    now = timezone.now()
    actions: list[CaseAction] = []
    feedback: list[Feedback] = []
    made = 0
    for n in range(count):
        helper = rng.choice(helpers)
        days_ago = rng.randrange(0, DAYS)
        opened = _opened_at(rng, today, days_ago)
        if opened > now:
            opened = now - timedelta(minutes=rng.randrange(10, 120))
        question = n % 9 == 4
        if question:
            topic = Topic.KNOWLEDGE_QUESTION
            summary, answer = QUESTIONS[n % len(QUESTIONS)]
            step = "Trả lời qua SMS"
            channel = Channel.ONLINE
        else:
            topic = rng.choice(list(NEEDS))
            summary, step = rng.choice(NEEDS[topic])
            answer = ""
            channel = rng.choice(
                [Channel.WALK_IN] * 6 + [Channel.PHONE, Channel.ZALO, Channel.HOME_VISIT]
            )
        person = rng.choice(people) if people and rng.random() < 0.6 else None
        name = person.full_name if person else rng.choice(WALK_IN_NAMES)
        phone = person.phone if person else f"+8491{rng.randrange(1000000, 9999999)}"
        due = opened + timedelta(hours=target_hours(topic))
        # Old cases are mostly closed; the last few days still have open, waiting and referred.
        closes = days_ago >= 3 and rng.random() < 0.9 or days_ago < 3 and rng.random() < 0.4
        consent = not question and rng.random() < 0.7
        referred = not question and rng.random() < 0.12
        worked = rng.randrange(5, 45)
        case = Case.objects.create(
            commune_id=corner.commune_id,
            corner=corner,
            person=person,
            name=name,
            phone=phone,
            channel=channel,
            topic=topic,
            summary=summary,
            answer=answer if closes or rng.random() < 0.5 else "",
            opened_by=helper,
            assigned_to=helper,
            opened_at=opened,
            due_at=due,
            minutes_spent=worked,
            consent_method=rng.choice(["verbal", "verbal", "paper"]) if consent else "",
            consent_at=opened + timedelta(minutes=2) if consent else None,
            consent_recorded_by=helper if consent else None,
        )
        made += 1
        at = opened + timedelta(minutes=3)
        if consent:
            actions.append(
                CaseAction(
                    case=case,
                    kind=CaseAction.Kind.CONSENT,
                    description="Đồng ý cho làm thay / consent to act on their behalf",
                    done_by=helper,
                    done_for=name,
                    at=opened + timedelta(minutes=2),
                )
            )
        kind = (
            CaseAction.Kind.MESSAGE
            if question
            else CaseAction.Kind.ON_BEHALF
            if consent
            else CaseAction.Kind.TAUGHT
        )
        actions.append(
            CaseAction(
                case=case,
                kind=kind,
                description=step,
                done_by=helper,
                done_for=name,
                minutes=worked,
                at=at,
            )
        )
        if case.answer:
            Case.objects.filter(pk=case.pk).update(answered_at=at)
        status = Case.Status.OPEN
        if referred:
            agency, reason = rng.choice(AGENCIES)
            ended = closes and rng.random() < 0.85
            Referral.objects.create(
                case=case,
                agency=agency,
                reason=reason,
                referred_by=helper,
                referred_at=at,
                status=rng.choice(REFERRAL_ENDS) if ended else Referral.Status.PENDING,
                status_at=at + timedelta(days=2) if ended else None,
                status_by=helper if ended else None,
            )
            if not ended:
                status, closes = Case.Status.REFERRED, False
        if not closes:
            if status == Case.Status.OPEN and rng.random() < 0.3:
                status = Case.Status.WAITING
            Case.objects.filter(pk=case.pk).update(status=status)
            continue
        closed = min(opened + timedelta(hours=rng.choice([0.5, 1, 2, 5, 26, 50, 80])), now)
        outcome = (
            Case.Outcome.DONE
            if question
            else Case.Outcome.REFERRED
            if referred
            else rng.choice(
                [Case.Outcome.DONE_ON_BEHALF] * 3 + [Case.Outcome.DONE]
                if consent
                else [Case.Outcome.TAUGHT] * 3 + [Case.Outcome.NOT_POSSIBLE]
            )
        )
        alone = outcome in (Case.Outcome.TAUGHT, Case.Outcome.DONE_ON_BEHALF) and rng.random() < 0.3
        Case.objects.filter(pk=case.pk).update(
            status=Case.Status.CLOSED,
            outcome=outcome,
            closed_at=closed,
            did_alone_at=closed + timedelta(days=7)
            if alone and closed + timedelta(days=7) < now
            else None,
            did_alone_marked_by=helper if alone else None,
        )
        actions.append(
            CaseAction(
                case=case,
                kind=CaseAction.Kind.STATUS,
                description=f"Đóng / closed: {Case.Outcome(outcome).label}",
                done_by=helper,
                done_for=name,
                at=closed,
            )
        )
        if rng.random() < 0.7:
            feedback.append(
                Feedback(
                    case=case,
                    helpful=rng.random() < 0.86,
                    channel=rng.choice([Channel.SMS, channel, channel]),
                )
            )
    CaseAction.objects.bulk_create(actions)
    Feedback.objects.bulk_create(feedback)
    return made


def _serving_tokens(corner: Corner) -> int:
    """Today's tickets being served get the case a helper would have opened for them."""
    made = 0
    for token in QueueToken.objects.filter(
        corner=corner,
        day=timezone.localdate(),
        status=QueueToken.Status.SERVING,
        case__isnull=True,
    ).select_related("served_by"):
        helper = token.served_by or corner.members.filter(is_active=True).first().user  # type: ignore[union-attr]
        now = timezone.now()
        summary = NEEDS.get(token.topic, [("Cần hỗ trợ", "")])[0][0]
        Case.objects.create(
            commune_id=corner.commune_id,
            corner=corner,
            person=token.person,
            name=token.name or "Người dân",
            phone=token.phone,
            channel=Channel.WALK_IN,
            topic=token.topic,
            summary=summary,
            token=token,
            opened_by=helper,
            assigned_to=helper,
            opened_at=now,
            due_at=now + timedelta(hours=target_hours(token.topic)),
        )
        made += 1
    return made


def populate(province_code: int, seed: int) -> str:
    """Cases of the last four weeks at every corner of the province that has none yet."""
    rng = random.Random(seed * 7919 + 17)
    corners = list(
        Corner.objects.filter(commune__province_id=province_code)
        .select_related("commune")
        .order_by("commune__code", "pk")
    )
    if not corners:
        return "help cases: no corner in this province yet, nothing added"
    top = max(
        {c.commune_id for c in corners},
        key=lambda code: sum(1 for c in corners if c.commune_id == code),
    )
    cases = skipped = 0
    for corner in corners:
        if corner.cases.exists():
            skipped += 1
            continue
        helpers = [m.user for m in corner.members.filter(is_active=True).select_related("user")]
        if not helpers:
            skipped += 1
            continue
        people = list(
            Person.objects.living()
            .filter(commune_id=corner.commune_id)
            .exclude(phone="")
            .order_by("pk")[:300]
        )
        count = 45 if corner.commune_id == top else 15
        with transaction.atomic():
            cases += _populate_corner(corner, rng, count, people, helpers)
            cases += _serving_tokens(corner)
    return (
        f"help cases: {cases} cases over the last {DAYS} days at {len(corners) - skipped} "
        f"corners ({skipped} already had theirs)"
    )
