"""`langso eligibility explain PERSONAL_ID [--date YYYY-MM-DD]`: why a person gets what they get.

Also `run` (everyone, in the database), `snapshot` (the registry's facts as Parquet) and
`spark-run` (every policy over such a snapshot on Apache Spark, decisions written as Parquet).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.services import audit_record
from benefits import selectors, services
from benefits.rules.loader import PolicyError
from benefits.rules.sqlgen import UnsupportedExpression
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
        snapshot = sub.add_parser(
            "snapshot", help="write every living person's facts on a day to a Parquet file"
        )
        snapshot.add_argument("--date", default=None, help="YYYY-MM-DD (default: today)")
        snapshot.add_argument("--out", required=True, help="the Parquet file to write")
        spark = sub.add_parser(
            "spark-run",
            help="evaluate every policy over a Parquet snapshot on Spark (langso[spark])",
        )
        spark.add_argument("--snapshot", required=True, help="a Parquet file or folder")
        spark.add_argument("--date", default=None, help="YYYY-MM-DD (default: today)")
        spark.add_argument("--out", required=True, help="folder for the decisions and summary")
        spark.add_argument("--all", action="store_true", help="also write the ineligible decisions")
        spark.add_argument("--master", default="local[*]", help="Spark master (default local[*])")
        spark.add_argument("--driver-memory", default=None, help="e.g. 4g (default: Spark's)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "explain":
            self.explain(options)
        elif options["action"] == "snapshot":
            self.snapshot(options)
        elif options["action"] == "spark-run":
            self.spark_run(options)
        else:
            self.run(options)

    def snapshot(self, options: dict[str, Any]) -> None:
        from benefits.snapshot import facts_snapshot_write

        day = _date(options["date"]) if options["date"] else timezone.localdate()
        path = Path(options["out"])
        if path.is_dir():
            raise CommandError(
                f"{path} là một thư mục; hãy cho tên tệp, ví dụ {path / 'facts.parquet'}. / "
                f"{path} is a folder; give a file name, e.g. {path / 'facts.parquet'}."
            )
        rows = facts_snapshot_write(day=day, path=path)
        # The snapshot holds sensitive facts (health, ethnicity) of everyone.
        audit_record(
            actor=None,
            action="export",
            object_type="benefits.facts_snapshot",
            object_label=str(path)[:200],
            via="cli",
            details={"date": day.isoformat(), "rows": rows},
        )
        self.stdout.write(
            f"Đã ghi dữ liệu của {rows} người ngày {day:%d/%m/%Y} vào {path}. / "
            f"Wrote the facts of {rows} persons on {day:%d/%m/%Y} to {path}."
        )

    def spark_run(self, options: dict[str, Any]) -> None:
        from benefits.rules import sparkrun

        day = _date(options["date"]) if options["date"] else timezone.localdate()
        out = Path(options["out"])
        if out.exists() and not out.is_dir():
            raise CommandError(
                f"{out} là một tệp; hãy cho một thư mục. / {out} is a file; give a folder."
            )
        policies = selectors.policy_set()
        try:
            spark = sparkrun.spark_session(
                out / "spark.log", master=options["master"], driver_memory=options["driver_memory"]
            )
            result = sparkrun.run_snapshot(
                spark,
                policies,
                snapshot=Path(options["snapshot"]),
                day=day,
                out=out,
                keep_ineligible=options["all"],
            )
        except sparkrun.SparkUnavailable as exc:
            raise CommandError(str(exc)) from exc
        except sparkrun.SnapshotError as exc:
            raise CommandError(f"{exc.message_vi}. / {exc.message_en}.") from exc
        except PolicyError as exc:
            raise CommandError(
                f"Không xét được vào ngày {day:%d/%m/%Y}: {exc.reason}. / "
                f"Cannot evaluate on {day:%d/%m/%Y}: {exc.reason}."
            ) from exc
        except UnsupportedExpression as exc:
            raise CommandError(
                f"Chính sách có biểu thức Spark không dịch được: {exc}. / "
                f"A policy has an expression Spark cannot run: {exc}."
            ) from exc
        seconds = sum(result.seconds.values())
        self.stdout.write(
            f"Ngày {day:%d/%m/%Y}: {result.persons} người, quyết định ghi vào "
            f"{out / 'decisions'} ({seconds:.1f} s). / On {day:%d/%m/%Y}: {result.persons} "
            f"persons, decisions written to {out / 'decisions'}."
        )
        titles = {p.id: p.title_vi for p in policies.policies}
        for policy_id, counts in sorted(result.summary.items()):
            self.stdout.write(
                f"  {policy_id}: {counts['eligible']} đủ điều kiện / eligible, "
                f"{counts['needs_info']} cần bổ sung / needs information, "
                f"{counts['ineligible']} không đủ / ineligible; "
                f"{format_vnd(counts['monthly_total'])} ({titles.get(policy_id, policy_id)})"
            )

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
