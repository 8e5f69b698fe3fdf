"""Eligibility runs and decisions.

Decisions are append-only: a run inserts a new decision for a person and policy only when the
outcome changed (status, amount, any condition's result, the rule version or the commune),
pointing at the decision it supersedes. The latest decision per person and policy is the current
one; a person and policy without a decision has never been eligible.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DecisionStatus(models.TextChoices):
    ELIGIBLE = "eligible", _("Eligible")
    INELIGIBLE = "ineligible", _("Not eligible")
    NEEDS_INFO = "needs_info", _("More information needed")


class EligibilityRun(models.Model):
    """One evaluation of every policy for everyone in the registry, on one day."""

    day = models.DateField(_("evaluated on"))
    province_code = models.CharField(_("province"), max_length=4)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    persons = models.PositiveIntegerField(_("persons"), default=0)
    written = models.PositiveIntegerField(_("decisions written"), default=0)
    # {policy_id: {"became_eligible": n, "lost_eligibility": n, "written": n}}
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("eligibility run")
        verbose_name_plural = _("eligibility runs")

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} ({self.pk})"


class Decision(models.Model):
    run = models.ForeignKey(EligibilityRun, on_delete=models.PROTECT, related_name="decisions")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    # The person's commune when decided: officers see the decisions of their communes.
    commune = models.ForeignKey(
        "places.Commune", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    policy_id = models.CharField(_("policy"), max_length=80)
    status = models.CharField(_("status"), max_length=10, choices=DecisionStatus.choices)
    previous_status = models.CharField(
        _("previous status"), max_length=10, choices=DecisionStatus.choices, blank=True
    )
    monthly_amount = models.BigIntegerField(_("monthly amount (đồng)"), null=True, blank=True)
    effective_from = models.DateField(_("effective from"))
    # {condition_id: true | false | null}
    conditions = models.JSONField(_("conditions"), default=dict)
    rule_version = models.CharField(_("rule version"), max_length=16)
    parameters = models.JSONField(_("parameters used"), default=dict)
    supersedes = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        indexes = [
            # The latest decision per person for one policy, read by every run.
            models.Index(fields=["policy_id", "person", "id"], name="decision_policy_latest_idx"),
            models.Index(fields=["commune", "policy_id", "status"], name="decision_commune_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id}: {self.status}"
