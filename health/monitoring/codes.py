"""LOINC codes, UCUM units and unit conversion for readings (pure Python, no Django).

Every reading is stored in the canonical UCUM unit of its kind (mm[Hg], /min, mmol/L, %, kg,
Cel) and exported with the LOINC code below (research/health.md §3.2). A unit that is not in
the table is refused rather than guessed: a glucose of 126 in an unknown unit could be mg/dL
(normal fasting) or a typo for mmol/L (impossible), and only the sender knows.

The codes marked "verify" in the research must be checked against an official LOINC release
before go-live; the ones used here are the common vital-sign codes of the FHIR R4 profiles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"

# Glucose: 1 mmol/L = 18.016 mg/dL (molar mass of glucose 180.16 g/mol).
GLUCOSE_MG_PER_MMOL = Decimal("18.016")
POUND_IN_KG = Decimal("0.45359237")
TWO_PLACES = Decimal("0.01")


class UnitError(ValueError):
    """A unit this kind of reading does not accept."""

    def __init__(self, kind: str, unit: str, accepted: list[str]) -> None:
        listed = ", ".join(accepted)
        self.message_vi = (
            f"Đơn vị {unit!r} không dùng được cho chỉ số này; hãy dùng một trong: {listed}."
        )
        self.message_en = f"The unit {unit!r} is not accepted for {kind}; use one of: {listed}."
        super().__init__(self.message_en)


@dataclass(frozen=True)
class Coding:
    code: str
    display: str


@dataclass(frozen=True)
class KindSpec:
    """What the platform knows about one kind of reading."""

    kind: str
    loinc: Coding
    unit: str  # canonical UCUM code
    unit_display: str
    # Accepted spellings of units -> a function converting a value into the canonical unit.
    units: dict[str, Callable[[Decimal], Decimal]] = field(default_factory=dict)
    # For blood pressure: the LOINC codes of the two components.
    components: tuple[Coding, ...] = ()
    category: str = "vital-signs"


def _same(value: Decimal) -> Decimal:
    return value


def _mg_dl_to_mmol(value: Decimal) -> Decimal:
    return value / GLUCOSE_MG_PER_MMOL


def _fahrenheit_to_celsius(value: Decimal) -> Decimal:
    return (value - 32) * 5 / 9


def _pound_to_kg(value: Decimal) -> Decimal:
    return value * POUND_IN_KG


def _gram_to_kg(value: Decimal) -> Decimal:
    return value / 1000


SYSTOLIC = Coding("8480-6", "Systolic blood pressure")
DIASTOLIC = Coding("8462-4", "Diastolic blood pressure")

KINDS: dict[str, KindSpec] = {
    "bp": KindSpec(
        kind="bp",
        loinc=Coding("85354-9", "Blood pressure panel with all children optional"),
        unit="mm[Hg]",
        unit_display="mmHg",
        units={"mm[Hg]": _same, "mmHg": _same, "mmhg": _same, "mm Hg": _same},
        components=(SYSTOLIC, DIASTOLIC),
    ),
    "hr": KindSpec(
        kind="hr",
        loinc=Coding("8867-4", "Heart rate"),
        unit="/min",
        unit_display="/min",
        units={"/min": _same, "bpm": _same, "beats/min": _same, "{beats}/min": _same},
    ),
    "glucose": KindSpec(
        kind="glucose",
        loinc=Coding("2339-0", "Glucose [Mass/volume] in Blood"),
        unit="mmol/L",
        unit_display="mmol/L",
        units={
            "mmol/L": _same,
            "mmol/l": _same,
            "mg/dL": _mg_dl_to_mmol,
            "mg/dl": _mg_dl_to_mmol,
        },
        category="laboratory",
    ),
    "spo2": KindSpec(
        kind="spo2",
        loinc=Coding("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"),
        unit="%",
        unit_display="%",
        units={"%": _same},
    ),
    "weight": KindSpec(
        kind="weight",
        loinc=Coding("29463-7", "Body weight"),
        unit="kg",
        unit_display="kg",
        units={"kg": _same, "[lb_av]": _pound_to_kg, "lb": _pound_to_kg, "g": _gram_to_kg},
    ),
    "temp": KindSpec(
        kind="temp",
        loinc=Coding("8310-5", "Body temperature"),
        unit="Cel",
        unit_display="°C",
        units={
            "Cel": _same,
            "°C": _same,
            "C": _same,
            "[degF]": _fahrenheit_to_celsius,
            "°F": _fahrenheit_to_celsius,
            "F": _fahrenheit_to_celsius,
        },
    ),
}

# Glucose measured fasting has its own LOINC code; the FHIR export picks it from the context.
GLUCOSE_FASTING = Coding("1558-6", "Fasting glucose [Mass/volume] in Serum or Plasma")
# The FHIR R4 oxygen-saturation profile requires 2708-6 next to the pulse-oximetry code.
SPO2_ARTERIAL = Coding("2708-6", "Oxygen saturation in Arterial blood")


def spec(kind: str) -> KindSpec:
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown kind of reading {kind!r}") from None


def loinc_for(kind: str, context: str = "") -> Coding:
    """The LOINC code to export a reading with (fasting glucose has its own)."""
    if kind == "glucose" and context == "fasting":
        return GLUCOSE_FASTING
    return spec(kind).loinc


def accepted_units(kind: str) -> list[str]:
    return list(spec(kind).units)


def to_canonical(kind: str, value: Decimal, unit: str | None) -> Decimal:
    """The value in the kind's canonical unit, rounded to 2 places; no unit means canonical.

    Raises UnitError for a unit the kind does not accept.
    """
    kind_spec = spec(kind)
    unit = (unit or "").strip() or kind_spec.unit
    convert = kind_spec.units.get(unit)
    if convert is None:
        raise UnitError(kind, unit, list(kind_spec.units))
    return convert(value).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def mmol_to_mg_dl(value: Decimal) -> Decimal:
    """For showing glucose to people whose meter reads mg/dL."""
    return (value * GLUCOSE_MG_PER_MMOL).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
