"""FHIR R4 exchange of a health book: a Bundle of Patient, Condition, Observation, CarePlan and
Encounter, with the book's AllergyIntolerance, Immunization and MedicationStatement (the e-health
book on VNeID holds allergies and vaccinations too), for exchange with it and other systems.

FHIR stays at the boundary (research/health.md §7.5): the book is stored in its own tables, and
this module maps it to FHIR on export and reads FHIR back into plain values on import; it
writes nothing (health.book.services.fhir_bundle_import does). The national profiles are still
drafts, so the output claims no profile: it is plain R4 (checked with fhir.resources' R4B
models, identical to R4 for these resources), and the identifier systems and extensions below
are this platform's own.

Mapping notes:
- Patient.identifier carries the 12-digit personal ID number; it is how an import finds the
  person. Its system is the setting LANGSO_FHIR_IDENTIFIER_SYSTEM (by default this platform's
  own naming system, PERSONAL_ID_SYSTEM), so that a province can use the national one once the
  Ministry of Health publishes it; an import accepts that system, the default and the older
  OLD_PERSONAL_ID_SYSTEMS. Registry disabilities are exported as Conditions coded in a local code system (type
  and level, Law 51/2010/QH12); an import skips them, the registry being their source.
- A blood-pressure reading is one Observation (panel 85354-9) with systolic and diastolic
  components; codes and units come from health.monitoring.codes.
- A care plan's goals are contained Goal resources; its home-visit rhythm is an activity with a
  scheduled timing ("every N days"), and its visits are the activity's outcomeReference.
- A home visit is an Encounter of class HH (home health); its due date, findings and advice,
  which R4 Encounter has no element for, travel in extensions.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from health.book import icd10
from health.monitoring import codes

BASE = "https://langso.vn/fhir"
# This platform's own naming system for the 12-digit personal ID number: a URN under the fixed
# NAMESPACE below (uuid5 of "sid/personal-id"), which needs no domain name. It is the default of
# the setting LANGSO_FHIR_IDENTIFIER_SYSTEM.
PERSONAL_ID_SYSTEM = "urn:uuid:8065c2f8-bd91-5f51-9ea5-3b55aae15978"
# Systems earlier versions wrote; bundles exported with them still import.
OLD_PERSONAL_ID_SYSTEMS = ("https://langso.vn/fhir/sid/personal-id",)
READING_SYSTEM = f"{BASE}/sid/reading"
CLIENT_ID_SYSTEM = f"{BASE}/sid/reading-client-id"
DISABILITY_SYSTEM = f"{BASE}/CodeSystem/disability-type"
DISABILITY_LEVEL_SYSTEM = f"{BASE}/CodeSystem/disability-level"
EXT_VISIT_DUE = f"{BASE}/StructureDefinition/home-visit-due"
EXT_VISIT_OUTCOME = f"{BASE}/StructureDefinition/home-visit-outcome"
EXT_VISIT_FINDINGS = f"{BASE}/StructureDefinition/home-visit-findings"
EXT_VISIT_ADVICE = f"{BASE}/StructureDefinition/home-visit-advice"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"
# Fixed, so that the same row always gets the same urn:uuid in every export.
NAMESPACE = uuid.UUID("6c0f5b8e-3a51-4d55-9a53-2f1c1b8f4a10")

CLINICAL_STATUS = {"active": "active", "remission": "remission", "resolved": "resolved"}
PLAN_STATUS = {"active": "active", "completed": "completed", "cancelled": "revoked"}
PLAN_STATUS_BACK = {"active": "active", "completed": "completed", "revoked": "cancelled"}
GOAL_STATUS = {
    "in_progress": ("active", "in-progress"),
    "achieved": ("completed", "achieved"),
    "not_achieved": ("cancelled", "not-achieved"),
}
GOAL_STATUS_BACK = {
    "in-progress": "in_progress",
    "achieved": "achieved",
    "not-achieved": "not_achieved",
}
VISIT_STATUS = {
    "scheduled": "planned",
    "done": "finished",
    "missed": "cancelled",
    "cancelled": "cancelled",
}


def urn(kind: str, pk: object) -> str:
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{kind}:{pk}')}"


def _quantity(value: Decimal, unit_code: str, unit_display: str) -> dict[str, Any]:
    return {
        "value": float(value.normalize()) if value % 1 else int(value),
        "unit": unit_display,
        "system": codes.UCUM,
        "code": unit_code,
    }


def _coding(system: str, code: str, display: str = "") -> dict[str, Any]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def _iso(moment: date | datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _birth_date(person: Any) -> str | None:
    dob = person.date_of_birth
    if dob is None:
        return None
    if person.birth_precision == "year":
        return f"{dob.year:04d}"
    if person.birth_precision == "month":
        return f"{dob.year:04d}-{dob.month:02d}"
    return dob.isoformat()


def patient(person: Any, identifier_system: str = PERSONAL_ID_SYSTEM) -> dict[str, Any]:
    # Vietnamese names put the family name first: "Nguyễn Thị Lan" → family Nguyễn.
    parts = person.full_name.split()
    name: dict[str, Any] = {"use": "official", "text": person.full_name}
    if len(parts) > 1:
        name.update(family=parts[0], given=parts[1:])
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "name": [name],
        "address": [
            {
                "use": "home",
                "text": ", ".join(
                    x for x in (getattr(person.village, "name", ""), person.commune.name) if x
                ),
                "city": person.commune.name,
                "country": "VN",
            }
        ],
    }
    if person.personal_id:
        resource["identifier"] = [
            {"use": "official", "system": identifier_system, "value": person.personal_id}
        ]
    if person.sex in ("male", "female"):
        resource["gender"] = person.sex
    if birth := _birth_date(person):
        resource["birthDate"] = birth
    if person.phone:
        resource["telecom"] = [{"system": "phone", "value": person.phone, "use": "mobile"}]
    if person.date_of_death:
        resource["deceasedDateTime"] = person.date_of_death.isoformat()
    return resource


def condition(entry: Any, subject: str) -> dict[str, Any]:
    known = icd10.lookup(entry.icd10)
    coding = _coding(icd10.SYSTEM, entry.icd10, known.name_en if known else "")
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "clinicalStatus": {"coding": [_coding(CONDITION_CLINICAL, entry.clinical_status)]},
        "category": [{"coding": [_coding(CONDITION_CATEGORY, "problem-list-item")]}],
        "code": {"coding": [coding], "text": entry.name},
        "subject": {"reference": subject},
        "recordedDate": _iso(entry.recorded_at),
    }
    if entry.onset:
        resource["onsetDateTime"] = entry.onset.isoformat()
    if entry.abated:
        resource["abatementDateTime"] = entry.abated.isoformat()
    if entry.note:
        resource["note"] = [{"text": entry.note}]
    return resource


def disability_condition(disability: Any, subject: str) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "clinicalStatus": {"coding": [_coding(CONDITION_CLINICAL, "active")]},
        "category": [{"coding": [_coding(CONDITION_CATEGORY, "problem-list-item")]}],
        "severity": {
            "coding": [_coding(DISABILITY_LEVEL_SYSTEM, disability.level)],
            "text": str(disability.get_level_display()),
        },
        "code": {
            "coding": [_coding(DISABILITY_SYSTEM, disability.disability_type)],
            "text": str(disability.get_disability_type_display()),
        },
        "subject": {"reference": subject},
        "onsetDateTime": (disability.certified_on or disability.valid_from).isoformat(),
    }
    return resource


def observation(reading: Any, subject: str) -> dict[str, Any]:
    spec = codes.spec(reading.kind)
    loinc = codes.loinc_for(reading.kind, reading.context)
    code_codings = [_coding(codes.LOINC, loinc.code, loinc.display)]
    if reading.kind == "spo2":
        arterial = codes.SPO2_ARTERIAL
        code_codings.insert(0, _coding(codes.LOINC, arterial.code, arterial.display))
    identifier = (
        {"system": CLIENT_ID_SYSTEM, "value": reading.client_id}
        if reading.client_id
        else {"system": READING_SYSTEM, "value": str(reading.pk)}
    )
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "identifier": [identifier],
        "status": "final",
        "category": [{"coding": [_coding(OBSERVATION_CATEGORY, spec.category)]}],
        "code": {"coding": code_codings, "text": str(reading.get_kind_display())},
        "subject": {"reference": subject},
        "effectiveDateTime": reading.measured_at.isoformat(),
        "issued": reading.received_at.isoformat(),
    }
    if reading.kind == "bp":
        values = (reading.value, reading.value2)
        resource["component"] = [
            {
                "code": {"coding": [_coding(codes.LOINC, c.code, c.display)]},
                "valueQuantity": _quantity(v, spec.unit, spec.unit_display),
            }
            for c, v in zip(spec.components, values, strict=True)
            if v is not None
        ]
    else:
        resource["valueQuantity"] = _quantity(reading.value, spec.unit, spec.unit_display)
    if reading.flag:
        resource["note"] = [{"text": reading.flag}]
    return resource


def care_plan(plan: Any, subject: str, visit_refs: list[str]) -> dict[str, Any]:
    goals = list(plan.goals.all())
    contained = []
    for i, goal in enumerate(goals, start=1):
        lifecycle, achievement = GOAL_STATUS[goal.status]
        item: dict[str, Any] = {
            "resourceType": "Goal",
            "id": f"goal{i}",
            "lifecycleStatus": lifecycle,
            "achievementStatus": {"coding": [_coding(GOAL_ACHIEVEMENT, achievement)]},
            "description": {"text": goal.description},
            "subject": {"reference": subject},
        }
        if goal.due_on:
            item["target"] = [{"dueDate": goal.due_on.isoformat()}]
        contained.append(item)
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "status": PLAN_STATUS[plan.status],
        "intent": "plan",
        "title": plan.title,
        "subject": {"reference": subject},
        "period": {"start": plan.starts_on.isoformat()},
        "created": plan.recorded_at.isoformat(),
    }
    if plan.ends_on:
        resource["period"]["end"] = plan.ends_on.isoformat()
    if contained:
        resource["contained"] = contained
        resource["goal"] = [{"reference": f"#{g['id']}"} for g in contained]
    if plan.note:
        resource["note"] = [{"text": plan.note}]
    if plan.visit_every_days or visit_refs:
        activity: dict[str, Any] = {
            "detail": {
                "kind": "Appointment",
                "code": {"coding": [_coding(ACT_CODE, "HH", "home health")], "text": "Home visit"},
                "status": "in-progress" if plan.status == "active" else "stopped",
                "description": "Home visit",
            }
        }
        if plan.visit_every_days:
            activity["detail"]["scheduledTiming"] = {
                "repeat": {"frequency": 1, "period": plan.visit_every_days, "periodUnit": "d"}
            }
        if visit_refs:
            activity["outcomeReference"] = [{"reference": ref} for ref in visit_refs]
        resource["activity"] = [activity]
    return resource


def encounter(visit: Any, subject: str) -> dict[str, Any]:
    extensions: list[dict[str, Any]] = [
        {"url": EXT_VISIT_DUE, "valueDate": visit.due_on.isoformat()}
    ]
    if visit.status in ("missed", "cancelled"):
        extensions.append({"url": EXT_VISIT_OUTCOME, "valueCode": visit.status})
    if visit.findings:
        extensions.append({"url": EXT_VISIT_FINDINGS, "valueString": visit.findings})
    if visit.advice:
        extensions.append({"url": EXT_VISIT_ADVICE, "valueString": visit.advice})
    start = visit.done_at.isoformat() if visit.done_at else visit.due_on.isoformat()
    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "extension": extensions,
        "status": VISIT_STATUS[visit.status],
        "class": _coding(ACT_CODE, "HH", "home health"),
        "subject": {"reference": subject},
        "period": {"start": start},
    }
    if visit.worker_id is not None and visit.worker is not None:
        resource["participant"] = [
            {"individual": {"display": visit.worker.full_name or visit.worker.username}}
        ]
    return resource


ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
NO_REACTION = "unspecified"


def allergy(entry: Any, subject: str) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "AllergyIntolerance",
        "clinicalStatus": {"coding": [_coding(ALLERGY_CLINICAL, "active")]},
        "criticality": "high" if entry.severity == "severe" else "low",
        "code": {"text": entry.substance},
        "patient": {"reference": subject},
        "recordedDate": _iso(entry.recorded_at),
        "reaction": [
            {
                "manifestation": [{"text": entry.reaction or NO_REACTION}],
                "severity": entry.severity,
            }
        ],
    }
    if entry.note:
        resource["note"] = [{"text": entry.note}]
    return resource


def immunization(entry: Any, subject: str) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Immunization",
        "status": "completed",
        "vaccineCode": {"text": entry.vaccine},
        "patient": {"reference": subject},
        "occurrenceDateTime": entry.given_on.isoformat(),
        "recorded": _iso(entry.recorded_at),
    }
    if entry.lot:
        resource["lotNumber"] = entry.lot
    if entry.place:
        resource["location"] = {"display": entry.place}
    if entry.dose_number:
        resource["protocolApplied"] = [{"doseNumberPositiveInt": entry.dose_number}]
    if entry.note:
        resource["note"] = [{"text": entry.note}]
    return resource


def medication_statement(entry: Any, subject: str) -> dict[str, Any]:
    # The dose ("5 mg") and how often ("once each morning") are free text in the book: the
    # dose is the dosage's text, how often its patient instruction.
    resource: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "status": "stopped" if entry.stopped else "active",
        "medicationCodeableConcept": {"text": entry.name},
        "subject": {"reference": subject},
        "dateAsserted": _iso(entry.recorded_at),
        "dosage": [{"text": entry.dose, "patientInstruction": entry.frequency}],
    }
    period = {}
    if entry.started:
        period["start"] = entry.started.isoformat()
    if entry.stopped:
        period["end"] = entry.stopped.isoformat()
    if period:
        resource["effectivePeriod"] = period
    if entry.prescriber:
        resource["informationSource"] = {"display": entry.prescriber}
    if entry.note:
        resource["note"] = [{"text": entry.note}]
    return resource


def bundle(
    *,
    person: Any,
    conditions: list[Any],
    disabilities: list[Any],
    readings: list[Any],
    plans: list[Any],
    visits: list[Any],
    now: datetime,
    allergies: list[Any] = (),  # type: ignore[assignment]
    vaccinations: list[Any] = (),  # type: ignore[assignment]
    medications: list[Any] = (),  # type: ignore[assignment]
    identifier_system: str = PERSONAL_ID_SYSTEM,
) -> dict[str, Any]:
    """The person's book as a FHIR R4 Bundle of type "collection"; the personal ID number is
    given in `identifier_system`."""
    subject = urn("person", person.pk)
    entries: list[tuple[str, dict[str, Any]]] = [(subject, patient(person, identifier_system))]
    entries += [(urn("condition", c.pk), condition(c, subject)) for c in conditions]
    entries += [(urn("disability", d.pk), disability_condition(d, subject)) for d in disabilities]
    entries += [(urn("allergy", a.pk), allergy(a, subject)) for a in allergies]
    entries += [(urn("vaccination", v.pk), immunization(v, subject)) for v in vaccinations]
    entries += [(urn("medication", m.pk), medication_statement(m, subject)) for m in medications]
    entries += [(urn("reading", r.pk), observation(r, subject)) for r in readings]
    by_plan: dict[int, list[str]] = {}
    for visit in visits:
        if visit.plan_id:
            by_plan.setdefault(visit.plan_id, []).append(urn("visit", visit.pk))
    entries += [(urn("plan", p.pk), care_plan(p, subject, by_plan.get(p.pk, []))) for p in plans]
    entries += [(urn("visit", v.pk), encounter(v, subject)) for v in visits]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": now.isoformat(),
        "entry": [{"fullUrl": full_url, "resource": res} for full_url, res in entries],
    }


def validate(data: dict[str, Any]) -> None:
    """Raise FhirError unless `data` is a structurally valid FHIR R4 Bundle."""
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    try:
        Bundle.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5]
        )
        raise FhirError(
            f"Tệp không phải là Bundle FHIR R4 hợp lệ ({problems}). Hãy xuất lại tệp từ hệ "
            "thống nguồn.",
            f"The file is not a valid FHIR R4 Bundle ({problems}). Export it again from the "
            "source system.",
        ) from None


# Import: FHIR back to plain values -------------------------------------------------------------


class FhirError(ValueError):
    def __init__(self, message_vi: str, message_en: str) -> None:
        self.message_vi = message_vi
        self.message_en = message_en
        super().__init__(f"{message_vi} / {message_en}")


@dataclass
class Parsed:
    """What an import found in a bundle, as plain values for the services."""

    personal_id: str
    conditions: list[dict[str, Any]] = field(default_factory=list)
    readings: list[dict[str, Any]] = field(default_factory=list)
    plans: list[dict[str, Any]] = field(default_factory=list)
    visits: list[dict[str, Any]] = field(default_factory=list)
    allergies: list[dict[str, Any]] = field(default_factory=list)
    vaccinations: list[dict[str, Any]] = field(default_factory=list)
    medications: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _date(text: str | None) -> date | None:
    if not text:
        return None
    return date.fromisoformat(text[:10])


def _codes(concept: dict[str, Any] | None) -> dict[str, str]:
    return {c.get("system", ""): c.get("code", "") for c in (concept or {}).get("coding", [])}


def _ext(resource: dict[str, Any], url: str) -> Any:
    for item in resource.get("extension", []):
        if item.get("url") == url:
            for key, value in item.items():
                if key.startswith("value"):
                    return value
    return None


def _reading(resource: dict[str, Any]) -> dict[str, Any] | None:
    # Every code of the Observation, not only the first: SpO2 carries two.
    all_loinc = {
        c.get("code")
        for c in resource.get("code", {}).get("coding", [])
        if c.get("system") == codes.LOINC
    }
    kind, context = "", ""
    for spec in codes.KINDS.values():
        if spec.loinc.code in all_loinc:
            kind = spec.kind
    if codes.GLUCOSE_FASTING.code in all_loinc:
        kind, context = "glucose", "fasting"
    elif kind == "glucose":
        context = "random"
    if codes.SPO2_ARTERIAL.code in all_loinc:
        kind = "spo2"
    if not kind:
        return None
    value: Any = None
    value2: Any = None
    unit = ""
    if kind == "bp":
        spec = codes.spec("bp")
        systolic, diastolic = (c.code for c in spec.components)
        for component in resource.get("component", []):
            code = _codes(component.get("code")).get(codes.LOINC)
            quantity = component.get("valueQuantity") or {}
            unit = quantity.get("code") or quantity.get("unit") or unit
            if code == systolic:
                value = quantity.get("value")
            elif code == diastolic:
                value2 = quantity.get("value")
    else:
        quantity = resource.get("valueQuantity") or {}
        value = quantity.get("value")
        unit = quantity.get("code") or quantity.get("unit") or ""
    identifiers = {i.get("system", ""): i.get("value", "") for i in resource.get("identifier", [])}
    fingerprint = hashlib.sha256(
        json.dumps(
            [kind, str(value), str(value2), unit, resource.get("effectiveDateTime")],
            sort_keys=True,
        ).encode()
    ).hexdigest()[:32]
    return {
        "kind": kind,
        "value": value,
        "value2": value2,
        "unit": unit,
        "context": context,
        "measured_at": resource.get("effectiveDateTime") or "",
        "local_id": identifiers.get(READING_SYSTEM, ""),
        "client_id": identifiers.get(CLIENT_ID_SYSTEM, "") or f"fhir:{fingerprint}",
    }


def parse(
    data: Any, identifier_systems: Collection[str] = (PERSONAL_ID_SYSTEM, *OLD_PERSONAL_ID_SYSTEMS)
) -> Parsed:
    """Read a Bundle (already validated) into plain values; raise FhirError without a Patient
    that carries a personal ID number in one of `identifier_systems`."""
    entries = [e.get("resource") or {} for e in data.get("entry", [])]
    full_urls = {id(e.get("resource")): e.get("fullUrl", "") for e in data.get("entry", [])}
    patients = [r for r in entries if r.get("resourceType") == "Patient"]
    if len(patients) != 1:
        raise FhirError(
            f"Bundle phải có đúng một Patient (có {len(patients)}).",
            f"The bundle must hold exactly one Patient (it holds {len(patients)}).",
        )
    ids = [
        i.get("value", "")
        for i in patients[0].get("identifier", [])
        if i.get("system") in identifier_systems
    ]
    if not ids or not ids[0]:
        expected = next(iter(identifier_systems), "")
        raise FhirError(
            f"Patient không có số định danh cá nhân (identifier.system = {expected}); "
            "không biết sổ sức khỏe này của ai.",
            f"The Patient has no personal ID number (identifier.system = {expected}); "
            "there is no telling whose health book this is.",
        )
    parsed = Parsed(personal_id=ids[0])
    visits_by_url: dict[str, dict[str, Any]] = {}
    for resource in entries:
        kind = resource.get("resourceType")
        if kind == "Encounter":
            visit = _visit(resource)
            parsed.visits.append(visit)
            visits_by_url[full_urls.get(id(resource), "")] = visit
    for resource in entries:
        kind = resource.get("resourceType")
        if kind == "Condition":
            found = _codes(resource.get("code"))
            if DISABILITY_SYSTEM in found:
                parsed.skipped.append("Condition (disability: the registry is its source)")
                continue
            code = found.get(icd10.SYSTEM, "")
            if not code:
                parsed.skipped.append("Condition without an ICD-10 code")
                continue
            status = _codes(resource.get("clinicalStatus")).get(CONDITION_CLINICAL, "active")
            parsed.conditions.append(
                {
                    "icd10": code,
                    "name": (resource.get("code") or {}).get("text", ""),
                    "clinical_status": CLINICAL_STATUS.get(status, "active"),
                    "onset": _date(resource.get("onsetDateTime")),
                    "abated": _date(resource.get("abatementDateTime")),
                    "note": " ".join(n.get("text", "") for n in resource.get("note", [])),
                }
            )
        elif kind == "Observation":
            reading = _reading(resource)
            if reading is None:
                parsed.skipped.append("Observation of a kind the platform does not record")
            else:
                parsed.readings.append(reading)
        elif kind == "CarePlan":
            parsed.plans.append(_plan(resource, visits_by_url))
        elif kind == "AllergyIntolerance":
            parsed.allergies.append(_allergy(resource))
        elif kind == "Immunization":
            parsed.vaccinations.append(_immunization(resource))
        elif kind == "MedicationStatement":
            parsed.medications.append(_medication(resource))
        elif kind not in ("Patient", "Encounter"):
            parsed.skipped.append(str(kind))
    return parsed


def _plan(resource: dict[str, Any], visits_by_url: dict[str, dict[str, Any]]) -> dict[str, Any]:
    contained = {f"#{c.get('id')}": c for c in resource.get("contained", [])}
    goals = []
    for ref in resource.get("goal", []):
        goal = contained.get(ref.get("reference", ""))
        if goal is None:
            continue
        achievement = _codes(goal.get("achievementStatus")).get(GOAL_ACHIEVEMENT, "in-progress")
        due = (goal.get("target") or [{}])[0].get("dueDate")
        goals.append(
            {
                "description": (goal.get("description") or {}).get("text", ""),
                "status": GOAL_STATUS_BACK.get(achievement, "in_progress"),
                "due_on": _date(due),
            }
        )
    every = None
    for activity in resource.get("activity", []):
        repeat = ((activity.get("detail") or {}).get("scheduledTiming") or {}).get("repeat") or {}
        if repeat.get("periodUnit") == "d" and repeat.get("period"):
            every = int(repeat["period"])
        for ref in activity.get("outcomeReference", []):
            visit = visits_by_url.get(ref.get("reference", ""))
            if visit is not None:
                visit["plan_key"] = (
                    resource.get("title", ""),
                    resource.get("period", {}).get("start"),
                )
    period = resource.get("period") or {}
    return {
        "title": resource.get("title", ""),
        "status": PLAN_STATUS_BACK.get(resource.get("status", ""), "active"),
        "starts_on": _date(period.get("start")),
        "ends_on": _date(period.get("end")),
        "visit_every_days": every,
        "goals": goals,
        "note": " ".join(n.get("text", "") for n in resource.get("note", [])),
        "key": (resource.get("title", ""), period.get("start")),
    }


def _visit(resource: dict[str, Any]) -> dict[str, Any]:
    start = (resource.get("period") or {}).get("start") or ""
    status = {"planned": "scheduled", "finished": "done"}.get(resource.get("status", ""), "")
    if resource.get("status") == "cancelled":
        status = _ext(resource, EXT_VISIT_OUTCOME) or "cancelled"
    done_at = start if status == "done" and "T" in start else None
    return {
        "due_on": _date(_ext(resource, EXT_VISIT_DUE) or start),
        "status": status or "scheduled",
        "done_at": done_at,
        "findings": _ext(resource, EXT_VISIT_FINDINGS) or "",
        "advice": _ext(resource, EXT_VISIT_ADVICE) or "",
        "plan_key": None,
    }


def _notes(resource: dict[str, Any]) -> str:
    return " ".join(n.get("text", "") for n in resource.get("note", []))


def _text_of(concept: dict[str, Any] | None) -> str:
    concept = concept or {}
    if concept.get("text"):
        return str(concept["text"])
    for coding in concept.get("coding", []):
        if coding.get("display") or coding.get("code"):
            return str(coding.get("display") or coding.get("code"))
    return ""


def _allergy(resource: dict[str, Any]) -> dict[str, Any]:
    reaction = (resource.get("reaction") or [{}])[0]
    manifestation = _text_of((reaction.get("manifestation") or [{}])[0])
    severity = reaction.get("severity") or (
        "severe" if resource.get("criticality") == "high" else "moderate"
    )
    return {
        "substance": _text_of(resource.get("code")),
        "reaction": "" if manifestation == NO_REACTION else manifestation,
        "severity": severity if severity in ("mild", "moderate", "severe") else "moderate",
        "note": _notes(resource),
    }


def _immunization(resource: dict[str, Any]) -> dict[str, Any]:
    applied = (resource.get("protocolApplied") or [{}])[0]
    return {
        "vaccine": _text_of(resource.get("vaccineCode")),
        "given_on": _date(resource.get("occurrenceDateTime")),
        "dose_number": applied.get("doseNumberPositiveInt"),
        "place": (resource.get("location") or {}).get("display", ""),
        "lot": resource.get("lotNumber", ""),
        "note": _notes(resource),
        "status": resource.get("status", ""),
    }


def _medication(resource: dict[str, Any]) -> dict[str, Any]:
    dosage = (resource.get("dosage") or [{}])[0]
    period = resource.get("effectivePeriod") or {}
    return {
        "name": _text_of(resource.get("medicationCodeableConcept")),
        "dose": dosage.get("text", ""),
        "frequency": dosage.get("patientInstruction", ""),
        "started": _date(period.get("start")),
        "stopped": _date(period.get("end")),
        "prescriber": (resource.get("informationSource") or {}).get("display", ""),
        "note": _notes(resource),
    }
