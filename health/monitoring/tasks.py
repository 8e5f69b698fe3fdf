"""Background tasks of health monitoring: they take ids and call a service."""

from __future__ import annotations

from django_tasks import task

from health.monitoring import services


@task()
def notify_alerts(alert_ids: list[int]) -> int:
    """Tell the commune's health workers about new or worse urgent alerts."""
    return sum(services.alert_notify(alert_id=pk) for pk in alert_ids)


@task()
def notify_escalation(alert_id: int) -> int:
    """Tell them again, urgently, that an alert is still waiting past its deadline."""
    return services.alert_notify(alert_id=alert_id, escalation=True)
