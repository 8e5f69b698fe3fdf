#!/usr/bin/env python
"""How the case pages and dashboards hold up when a province's corners have served for months.

    .venv/bin/python bench/bench_help_cases.py [--cases 200000] [--days 180] [--repeat 5]

It fills a fresh database with --cases cases spread over --days days and every commune of the
province (two thirds closed, with feedback, referrals and "did it alone" marks, the rest open,
some overdue), logs a province administrator and a helper in through the test client, and prints
the server time (median of --repeat runs) of: the province dashboard over 90 days (small cells
hidden) and over a year, a commune dashboard, the helper's workspace, the helper's case list and
overdue list, one case's page, and the cases API's first page. SQLite runs in a temporary
directory; when DATABASE_URL points at PostgreSQL, a temporary database is created next to it
(`scripts/pg-cluster start` gives one) and dropped afterwards. Each run is a child process.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_demo import machine, run_everywhere  # noqa: E402


def child(cases: int, days: int, repeat: int) -> None:
    """Runs inside the child process: migrate, fill, then time the pages."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "langso.settings_test"
    import django

    django.setup()
    import random
    from datetime import timedelta

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from accounts import services as accounts
    from help.models import Case, Corner, Feedback, Referral, Topic

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    rng = random.Random(1)
    from places.models import Commune

    communes = list(
        Commune.objects.filter(province_id=settings.PROVINCE_CODE).values_list("code", flat=True)
    )
    admin = accounts.user_create(username="bench.admin", password=None, role="province_admin")
    helper = accounts.user_create(
        username="bench.helper",
        password=None,
        role="helper",
        communes=[communes[0]],
    )
    corners = {
        code: Corner.objects.create(commune_id=code, name=f"Điểm {code}", address="UBND")
        for code in communes
    }
    now = timezone.now()
    topics = Topic.values
    started = time.perf_counter()
    batch: list[Case] = []
    for n in range(cases):
        code = communes[0] if n % 10 == 0 else rng.choice(communes)
        opened = now - timedelta(minutes=rng.randrange(0, days * 24 * 60))
        closed = rng.random() < 0.67 and opened < now - timedelta(hours=3)
        batch.append(
            Case(
                commune_id=code,
                corner=corners[code],
                name=f"Người {n}",
                phone=f"+8491{n % 10_000_000:07d}",
                channel="walk_in",
                topic=rng.choice(topics),
                summary="Kích hoạt VNeID",
                opened_at=opened,
                due_at=opened + timedelta(hours=72),
                status="closed" if closed else rng.choice(["open", "waiting", "referred"]),
                closed_at=opened + timedelta(hours=rng.choice([1, 3, 30, 90])) if closed else None,
                outcome=rng.choice(["done", "on_behalf", "taught"]) if closed else "",
                did_alone_at=opened + timedelta(days=9) if closed and rng.random() < 0.2 else None,
                assigned_to=helper if code == communes[0] else None,
                minutes_spent=rng.randrange(5, 40),
            )
        )
        if len(batch) == 5000:
            Case.objects.bulk_create(batch)
            batch = []
    Case.objects.bulk_create(batch)
    closed_ids = list(Case.objects.filter(status="closed").values_list("pk", flat=True))
    Feedback.objects.bulk_create(
        (
            Feedback(case_id=pk, helpful=rng.random() < 0.85, channel="sms")
            for pk in closed_ids[::2]
        ),
        batch_size=5000,
    )
    Referral.objects.bulk_create(
        (
            Referral(
                case_id=pk,
                agency="BHXH",
                reason="x",
                referred_by=helper,
                referred_at=now,
                status="got_help",
            )
            for pk in closed_ids[::10]
        ),
        batch_size=5000,
    )
    fill_seconds = time.perf_counter() - started
    one_case = Case.objects.filter(commune_id=communes[0]).order_by("pk").first()
    assert one_case is not None

    def timed(client: Client, url: str) -> float:
        runs = []
        for _ in range(repeat):
            t = time.perf_counter()
            response = client.get(url)
            runs.append(time.perf_counter() - t)
            assert response.status_code == 200, (url, response.status_code)
        return round(statistics.median(runs) * 1000, 1)

    as_admin, as_helper = Client(), Client()
    as_admin.force_login(admin)
    as_helper.force_login(helper)
    today = timezone.localdate()
    year = f"?since={today - timedelta(days=364)}&until={today}"
    figures = {
        "database": connection.vendor,
        "cases": cases,
        "fill_s": round(fill_seconds, 1),
        "province_dashboard_90d_ms": timed(as_admin, "/help/dashboard/"),
        "province_dashboard_1y_ms": timed(as_admin, "/help/dashboard/" + year),
        "commune_dashboard_ms": timed(as_helper, "/help/dashboard/"),
        "helper_workspace_ms": timed(as_helper, "/workspace/"),
        "case_list_ms": timed(as_helper, "/help/cases/"),
        "overdue_list_ms": timed(as_helper, "/help/cases/overdue/"),
        "case_page_ms": timed(as_helper, f"/help/cases/{one_case.pk}/"),
        "api_list_ms": timed(as_admin, "/api/v1/help/cases?status=active"),
    }
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.cases, args.days, args.repeat)
        return
    print(f"machine: {machine()}; {time.strftime('%Y-%m-%d')}")
    print("load average before: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    child_args = [f"--cases={args.cases}", f"--days={args.days}", f"--repeat={args.repeat}"]
    for result in run_everywhere(__file__, child_args, "help_cases"):
        print(", ".join(f"{k}={v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
