"""The aging bar chart's geometry: pure arithmetic on minor units, so the SVG is drawn by the template.

Bar lengths are whole SVG units from integer division: no float touches an amount, even to draw it.
"""

from __future__ import annotations

from dataclasses import dataclass

from remit.reports.aging import BUCKETS

LABELS = {"current": "Not yet due", "days_1_30": "1–30 days", "days_31_60": "31–60 days",
          "days_61_90": "61–90 days", "over_90": "Over 90 days"}
# Sized for a phone: at 375 px wide the SVG is drawn at about its own scale.
WIDTH = 320
LABEL_WIDTH = 92
VALUE_WIDTH = 96
BAR_SPACE = WIDTH - LABEL_WIDTH - VALUE_WIDTH
ROW = 28
BAR = 18


@dataclass(frozen=True, slots=True)
class Bar:
    bucket: str
    label: str
    minor: int
    y: int
    length: int


def aging_bars(buckets: dict[str, int]) -> tuple[list[Bar], int]:
    """One bar per bucket, longest for the largest amount; and the chart's height."""
    largest = max((buckets.get(name, 0) for name in BUCKETS), default=0)
    bars = []
    for index, name in enumerate(BUCKETS):
        minor = buckets.get(name, 0)
        length = BAR_SPACE * max(minor, 0) // largest if largest > 0 else 0
        # Anything owed gets a sliver, so a small amount is not drawn as nothing.
        bars.append(Bar(name, LABELS[name], minor, index * ROW, max(length, 2) if minor > 0 else 0))
    return bars, len(BUCKETS) * ROW
