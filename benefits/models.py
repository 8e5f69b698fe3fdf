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
    """One outcome of one policy for one person, appended by an eligibility run.

    The references are checked by the application, not by the database: the run writes ids it
    has just read from the registry in the same transaction, and the database's checks (four
    per row) took longer than inserting the rows. Deleting a referenced run, person, commune or
    decision through Django is still refused (on_delete=PROTECT is applied by Django).
    """

    run = models.ForeignKey(
        EligibilityRun, on_delete=models.PROTECT, related_name="decisions", db_constraint=False
    )
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    # The person's commune when decided: officers see the decisions of their communes.
    commune = models.ForeignKey(
        "places.Commune",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
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
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        indexes = [
            # A person's decisions, and the latest of one policy (one index for both: every
            # index costs the eligibility run a write per decision).
            models.Index(fields=["person", "policy_id", "id"], name="decision_person_policy_idx"),
            models.Index(fields=["commune", "policy_id", "status"], name="decision_commune_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id}: {self.status}"


class CurrentDecision(models.Model):
    """The latest decision of each person and policy, kept by the eligibility run alone.

    A run compares what it computes with `digest` (status, amount, commune, rule version and
    every condition's result, as one short text) instead of looking for the latest of every
    person's decisions, and appends a decision only where the two differ.
    """

    pk = models.CompositePrimaryKey("policy_id", "person_id")
    policy_id = models.CharField(_("policy"), max_length=80)
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    decision = models.ForeignKey(
        Decision, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    status = models.CharField(_("status"), max_length=10, choices=DecisionStatus.choices)
    # "eligible|500000|31825|<rule version>|tft": t/f/n per condition in the order of their ids.
    digest = models.CharField(max_length=160)

    class Meta:
        verbose_name = _("current decision")
        verbose_name_plural = _("current decisions")

    def __str__(self) -> str:
        return f"{self.policy_id}: {self.digest}"


class CaseStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    REVIEWED = "reviewed", _("Reviewed")
    APPROVED = "approved", _("Approved")
    SUSPENDED = "suspended", _("Suspended")
    ENDED = "ended", _("Ended")
    # One-off support (a funeral claim) once its payment list is paid.
    PAID = "paid", _("Paid")


# A case that is not ended or paid: still being decided or paid each month. At most one case
# per person and policy is not ended (a paid one-off case counts: it is paid only once).
OPEN_CASE_STATUSES = (
    CaseStatus.PROPOSED,
    CaseStatus.REVIEWED,
    CaseStatus.APPROVED,
    CaseStatus.SUSPENDED,
)


class EndReason(models.TextChoices):
    DEATH = "death", _("Death or declared missing")
    MOVED = "moved", _("Moved to another commune")
    NO_LONGER_ELIGIBLE = "no_longer_eligible", _("No longer eligible")
    REFUSED = "refused", _("Refused at review or approval")
    DECLINED = "declined", _("Declined by the person")
    IMPRISONED = "imprisoned", _("Imprisonment")
    OTHER = "other", _("Other")


class Case(models.Model):
    """One person's entitlement to one policy, on its way from proposal to payment.

    Created from an eligible decision, carrying its amount and start month. The status changes
    only through the services in benefits.services, each writing a CaseTransition row.
    """

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    commune = models.ForeignKey(
        "places.Commune", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    policy_id = models.CharField(_("policy"), max_length=80)
    status = models.CharField(
        _("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.PROPOSED
    )
    monthly_amount = models.BigIntegerField(_("monthly amount (đồng)"))
    start_month = models.DateField(_("paid from the month of"))
    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    end_reason = models.CharField(
        _("reason for ending"), max_length=20, choices=EndReason.choices, blank=True
    )
    # Set when a later eligibility run finds the person ineligible, dead or moved: the case is
    # kept, left out of payment lists, and an officer decides.
    needs_review = models.BooleanField(_("needs review"), default=False)
    review_reason = models.CharField(_("why it needs review"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("benefit case")
        verbose_name_plural = _("benefit cases")
        permissions = [
            ("approve_case", _("Can approve benefit cases (chairman of the commune)")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "policy_id"],
                condition=~models.Q(status="ended"),
                name="case_one_open_per_person_policy",
            ),
        ]
        indexes = [
            models.Index(fields=["commune", "status"], name="case_commune_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} #{self.pk}: {self.status}"


class CaseTransition(models.Model):
    """One step of a case: who, when, from which status to which, and why. Append-only."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="transitions")
    action = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(_("from"), max_length=10, blank=True)
    to_status = models.CharField(_("to"), max_length=10)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_label = models.CharField(_("by"), max_length=150, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("time"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("case step")
        verbose_name_plural = _("case steps")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_status} -> {self.to_status}"


class FuneralDocument(models.TextChoices):
    DEATH_RECORD = "death_record", _("Death notice or extract of the death registration")
    CLAIM_FORM = "claim_form", _("Declaration requesting funeral support")
    ARRANGER_ID = "arranger_id", _("Identity paper of the person who arranged the funeral")


class FuneralClaim(models.Model):
    """Who claims the funeral support of a person who died (Decree 20/2021 Art. 11).

    The claim is a one-off case (policy funeral_support) that follows the case workflow:
    proposed by the commune officer, reviewed by another, approved by the chairman, and paid on
    the commune's one-off payment list, which names the person who arranged the funeral.
    """

    case = models.OneToOneField(
        Case, on_delete=models.PROTECT, primary_key=True, related_name="funeral_claim"
    )
    date_of_death = models.DateField(_("date of death"))
    arranger_name = models.CharField(_("who arranged the funeral"), max_length=150)
    arranger_relation = models.CharField(_("relation to the deceased"), max_length=60)
    arranger_phone = models.CharField(_("phone"), max_length=16)
    arranger_personal_id = models.CharField(_("personal ID number"), max_length=12, blank=True)
    # FuneralDocument values received with the claim.
    documents = models.JSONField(_("documents received"), default=list, blank=True)

    class Meta:
        verbose_name = _("funeral support claim")
        verbose_name_plural = _("funeral support claims")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.arranger_name}"


class PaymentListKind(models.TextChoices):
    MONTHLY = "monthly", _("Monthly support")
    ONE_OFF = "one_off", _("One-off support")


class PaymentListStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PAID = "paid", _("Paid")


class PaymentList(models.Model):
    """The cases of one commune paid for one month, under a list number.

    A draft list is rebuilt when created again for the same commune and month; a paid list is
    never changed. Cases approved after a list was paid go on a supplementary list (number /2).
    Monthly support and one-off support (funeral claims) are on separate lists, so one-off
    amounts never enter the monthly totals.
    """

    commune = models.ForeignKey("places.Commune", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(
        _("kind"), max_length=10, choices=PaymentListKind.choices, default=PaymentListKind.MONTHLY
    )
    month = models.DateField(_("month"))
    sequence = models.PositiveSmallIntegerField(_("sequence"), default=1)
    number = models.CharField(_("list number"), max_length=40, unique=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=PaymentListStatus.choices,
        default=PaymentListStatus.DRAFT,
    )
    total = models.BigIntegerField(_("total (đồng)"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)

    class Meta:
        ordering = ["-month", "commune_id", "-sequence"]
        verbose_name = _("payment list")
        verbose_name_plural = _("payment lists")
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "kind", "month", "sequence"],
                name="payment_list_one_per_kind_sequence",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class PaymentLine(models.Model):
    """One case's payment for the month of its list; a case is paid at most once a month."""

    payment_list = models.ForeignKey(PaymentList, on_delete=models.CASCADE, related_name="lines")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="payments")
    month = models.DateField(_("month"))
    policy_id = models.CharField(_("policy"), max_length=80)
    amount = models.BigIntegerField(_("amount (đồng)"))
    # Who receives the money when it is not the person: a foster carer, or whoever arranged a
    # funeral. Kept as printed, so that a paid list does not change with the registry.
    payee_name = models.CharField(_("paid to"), max_length=150, blank=True)
    payee_personal_id = models.CharField(_("payee's personal ID number"), max_length=12, blank=True)
    payee_relation = models.CharField(_("payee's relation"), max_length=60, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("payment line")
        verbose_name_plural = _("payment lines")
        constraints = [
            models.UniqueConstraint(fields=["case", "month"], name="payment_once_per_case_month"),
        ]

    def __str__(self) -> str:
        return f"{self.payment_list_id}: {self.case_id} {self.amount}"
