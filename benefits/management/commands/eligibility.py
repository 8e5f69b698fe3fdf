"""`langso eligibility explain PERSONAL_ID [--date YYYY-MM-DD]`: why a person gets what they get."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.services import audit_record
from benefits import selectors, services
from benefits.rules.loader import PolicyError
from lib.money import format_vnd
from lib.personal_id import mask
from people.models import Person

WORDS = {
    "vi": {
        "eligible": "đủ điều kiện",
        "ineligible": "không đủ điều kiện",
        "needs_info": "cần bổ sung thông tin",
        True: "đạt",
        False: "không đạt",
        None: "thiếu dữ liệu",
        "missing": "thiếu",
        "per_month": "/tháng",
        "once": " một lần",
        "total": "Tổng trợ cấp tiền mặt hằng tháng (sau khi chỉ hưởng mức cao nhất)",
        "health": "Bảo hiểm y tế do nhà nước đóng",
        "yes": "có",
        "no": "không",
        "on": "ngày",
    },
    "en": {
        "eligible": "eligible",
        "ineligible": "not eligible",
        "needs_info": "needs more information",
        True: "holds",
        False: "does not hold",
        None: "missing data",
        "missing": "missing",
        "per_month": "/month",
        "once": " once",
        "total": "Total monthly cash support (only the highest of overlapping allowances)",
        "health": "Health insurance paid by the state",
        "yes": "yes",
        "no": "no",
        "on": "on",
    },
}


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(
            f"Ngày {text!r} không hợp lệ, hãy viết YYYY-MM-DD (ví dụ 2026-11-01). / "
            f"{text!r} is not a date: write YYYY-MM-DD (e.g. 2026-11-01)."
        ) from exc


class Command(BaseCommand):
    help = "Xét điều kiện hưởng chính sách. / Eligibility: explain one person's results."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        explain = sub.add_parser("explain", help="explain every policy for one person")
        explain.add_argument("personal_id", help="the 12-digit personal ID number")
        explain.add_argument("--date", default=None, help="YYYY-MM-DD (default: today)")
        explain.add_argument("--lang", choices=["vi", "en"], default=None)
        run = sub.add_parser("run", help="evaluate everyone and store the decisions that changed")
        run.add_argument("--date", default=None, help="YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "explain":
            self.explain(options)
        else:
            self.run(options)

    def run(self, options: dict[str, Any]) -> None:
        day = _date(options["date"]) if options["date"] else timezone.localdate()
        try:
            run = services.eligibility_run_create(day=day)
        except PolicyError as exc:
            raise CommandError(
                f"Không xét được vào ngày {day:%d/%m/%Y}: {exc.reason}. / "
                f"Cannot evaluate on {day:%d/%m/%Y}: {exc.reason}."
            ) from exc
        seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0.0
        self.stdout.write(
            f"Lần xét {run.pk}, ngày {day:%d/%m/%Y}: {run.persons} người, "
            f"{run.written} quyết định mới ({seconds:.1f} s). / Run {run.pk} on "
            f"{day:%d/%m/%Y}: {run.persons} persons, {run.written} new decisions."
        )
        titles = {p.id: p.title_vi for p in selectors.policy_set().policies}
        for policy_id, change in sorted(run.summary.items()):
            self.stdout.write(
                f"  {policy_id}: +{change['became_eligible']} đủ điều kiện mới / became eligible, "
                f"-{change['lost_eligibility']} không còn đủ điều kiện / lost eligibility "
                f"({titles.get(policy_id, policy_id)})"
            )

    def explain(self, options: dict[str, Any]) -> None:
        day = _date(options["date"]) if options["date"] else timezone.localdate()
        person = Person.objects.active().filter(personal_id=options["personal_id"]).first()
        if person is None:
            raise CommandError(
                "Không tìm thấy người có số định danh này; hãy kiểm tra 12 chữ số. / "
                "No person has this personal ID number; check the 12 digits."
            )
        explanation = selectors.person_explanation(person, day)
        if explanation is None:
            raise CommandError(
                f"Người này không còn sống vào ngày {day:%d/%m/%Y}. / "
                f"This person was not living on {day:%d/%m/%Y}."
            )
        audit_record(
            actor=None,
            action="view",
            object_type="benefits.explanation",
            object_id=person.pk,
            object_label=mask(person.personal_id or ""),
            commune_code=person.commune_id,
            via="cli",
            details={"date": day.isoformat()},
        )
        if options["lang"]:
            languages = [options["lang"]]
        else:
            languages = ["vi", "en"] if options["verbosity"] >= 2 else ["vi"]
        for lang in languages:
            self.write(explanation, lang)

    def write(self, explanation: selectors.Explanation, lang: str) -> None:
        words = WORDS[lang]
        labels = {
            name: (spec.label_vi if lang == "vi" else spec.label_en)
            for name, spec in selectors.policy_set().facts.items()
        }
        person = explanation.person
        self.stdout.write(
            f"{person.full_name} ({mask(person.personal_id or '')}), {words['on']} "
            f"{explanation.day:%d/%m/%Y}"
        )
        for result in explanation.results:
            title = result.title_vi if lang == "vi" else result.title_en
            line = f"\n{title}: {words[result.status]}"
            if result.amount is not None:
                unit = words["once"] if result.kind == "one_off" else words["per_month"]
                line += f", {format_vnd(result.amount)}{unit}"
            self.stdout.write(line)
            for cond in result.conditions:
                message = cond.message_vi if lang == "vi" else cond.message_en
                text = f"  [{words[cond.value]}] {message}"
                if cond.missing:
                    text += f" ({words['missing']}: {', '.join(labels[f] for f in cond.missing)})"
                self.stdout.write(text)
        summary = explanation.summary
        self.stdout.write(f"\n{words['total']}: {format_vnd(summary.monthly_total)}")
        self.stdout.write(
            f"{words['health']}: {words['yes' if summary.health_insurance else 'no']}\n"
        )
