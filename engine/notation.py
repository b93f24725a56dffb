"""How numbers are written on screen: one place, so every view agrees.

Six significant digits (what a student can check by hand with a calculator),
a real minus sign, and the full-precision repr available for tooltips.
"""
from __future__ import annotations

import math

MINUS = "\u2212"
SIGNIFICANT = 6


def fmt(value: float, digits: int = SIGNIFICANT) -> str:
    """0.421337 -> '0.421337'; -2.5e-07 -> '−2.5e−07'; nan -> 'NaN'."""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else MINUS + "∞"
    if value == 0:
        value = 0.0  # no "−0"
    return f"{value:.{digits}g}".replace("-", MINUS)


def fmt_full(value: float) -> str:
    """Every digit the engine has (for tooltips and copy)."""
    return repr(float(value)).replace("-", MINUS)


def parse(text: str) -> float:
    """Inverse of fmt for what a person types or what a test reads back."""
    return float(text.strip().replace(MINUS, "-").replace("−", "-"))
