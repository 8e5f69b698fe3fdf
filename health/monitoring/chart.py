"""A person's readings over time as the geometry of a server-rendered SVG chart (pure Python).

The template draws what this returns: no JavaScript, readable printed in black and white (the
two blood-pressure lines differ by dash pattern and marker shape, not only by colour), with a
title, a description and a data table next to it for screen readers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

WIDTH = 720
HEIGHT = 320
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 40

# Sensible fixed ranges so that two charts of the same kind compare at a glance.
Y_RANGES: dict[str, tuple[float, float, float]] = {
    "bp": (40, 220, 20),
    "hr": (30, 160, 10),
    "glucose": (0, 25, 5),
    "spo2": (80, 100, 2),
    "weight": (0, 0, 0),  # from the data
    "temp": (34, 42, 1),
}
# Reference lines drawn on the chart (the defaults; a person's override is noted in the page).
REFERENCE_LINES: dict[str, list[float]] = {
    "bp": [140, 90, 180],
    "glucose": [3.9, 7.0, 16.7],
    "spo2": [94, 92],
    "hr": [50, 110],
    "temp": [38.1],
    "weight": [],
}


@dataclass
class Series:
    label: str
    css: str  # class of the line: primary or secondary (dashed)
    points: list[tuple[float, float]] = field(default_factory=list)

    @property
    def polyline(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.points)


@dataclass
class Chart:
    width: int
    height: int
    series: list[Series]
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str]]
    references: list[tuple[float, str]]
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM

    @property
    def empty(self) -> bool:
        return not any(s.points for s in self.series)


def _fmt(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def build(
    kind: str,
    readings: list[tuple[datetime, Decimal, Decimal | None]],
    start: datetime,
    end: datetime,
    labels: tuple[str, str],
) -> Chart:
    """Chart geometry for readings (time, value, value2) between start and end."""
    low, high, step = Y_RANGES[kind]
    values = [float(v) for _t, v, _v2 in readings] + [
        float(v2) for _t, _v, v2 in readings if v2 is not None
    ]
    if values:
        if kind == "weight" or min(values) < low or max(values) > high:
            span_low = min([*values, low] if kind != "weight" else values)
            span_high = max([*values, high] if kind != "weight" else values)
            step = step or max(1.0, round((span_high - span_low) / 5) or 1.0)
            low = (span_low // step) * step - (step if kind == "weight" else 0)
            high = (span_high // step + 1) * step
    elif kind == "weight":
        low, high, step = 40, 80, 10
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    seconds = max((end - start).total_seconds(), 1.0)

    def x_of(at: datetime) -> float:
        return LEFT + plot_w * (at - start).total_seconds() / seconds

    def y_of(value: float) -> float:
        return TOP + plot_h * (1 - (value - low) / (high - low))

    first = Series(labels[0], "primary")
    second = Series(labels[1], "secondary")
    for at, value, value2 in readings:
        first.points.append((x_of(at), y_of(float(value))))
        if value2 is not None:
            second.points.append((x_of(at), y_of(float(value2))))
    y_ticks = []
    tick = low
    while tick <= high + 1e-9:
        y_ticks.append((y_of(tick), _fmt(tick)))
        tick += step
    days = (end - start).days or 1
    every = max(1, days // 6)
    x_ticks = []
    day = start
    while day <= end:
        x_ticks.append((x_of(day), f"{day:%d/%m}"))
        day += timedelta(days=every)
    references = [(y_of(v), _fmt(v)) for v in REFERENCE_LINES[kind] if low <= v <= high]
    series = [first, second] if kind == "bp" else [first]
    return Chart(WIDTH, HEIGHT, series, y_ticks, x_ticks, references)
