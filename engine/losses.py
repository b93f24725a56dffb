"""Loss functions for one row, each beside its derivative dL/dŷ.

Every loss is summed over the output neurons:
  se       L = Σ (y − ŷ)²           the tutorial's regression loss
  half-se  L = ½ Σ (y − ŷ)²         the textbook convention (the 2 cancels)
  bce      L = Σ −y·log ŷ − (1 − y)·log(1 − ŷ)    binary cross-entropy

BCE evaluates log at ŷ clipped to [BCE_EPSILON, 1 − BCE_EPSILON], so a
saturated sigmoid (ŷ exactly 0 or 1 in floating point) gives a large finite
loss rather than inf, and the derivative stays finite too.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

BCE_EPSILON = 1e-12


@dataclass(frozen=True)
class Loss:
    name: str
    value: Callable[[np.ndarray, np.ndarray], float]  # (y, y_hat) -> L
    derivative: Callable[[np.ndarray, np.ndarray], np.ndarray]  # (y, y_hat) -> dL/dŷ
    formula: Callable[[str, str], str]  # (y, y_hat) -> dL/dŷ written out
    needs_binary_targets: bool = False


def _clip(y_hat: np.ndarray) -> np.ndarray:
    # minimum/maximum rather than np.clip: the same result, a third of the overhead on tiny arrays.
    return np.minimum(np.maximum(y_hat, BCE_EPSILON), 1.0 - BCE_EPSILON)


def _bce(y: np.ndarray, y_hat: np.ndarray) -> float:
    p = _clip(y_hat)
    return float(np.sum(-y * np.log(p) - (1.0 - y) * np.log1p(-p)))


def _bce_derivative(y: np.ndarray, y_hat: np.ndarray) -> np.ndarray:
    p = _clip(y_hat)
    return -(y - p) / (p * (1.0 - p))


def _sum_of_squares(y: np.ndarray, y_hat: np.ndarray) -> float:
    d = y - y_hat
    return float(np.dot(d, d))  # a dot product: 3× cheaper than np.sum on these tiny arrays


SE = Loss(
    "se",
    value=_sum_of_squares,
    derivative=lambda y, y_hat: -2.0 * (y - y_hat),
    formula=lambda y, y_hat: f"−2({y} − {y_hat})",
)
HALF_SE = Loss(
    "half-se",
    value=lambda y, y_hat: 0.5 * _sum_of_squares(y, y_hat),
    derivative=lambda y, y_hat: -(y - y_hat),
    formula=lambda y, y_hat: f"−({y} − {y_hat})",
)
BCE = Loss(
    "bce",
    value=_bce,
    derivative=_bce_derivative,
    formula=lambda y, y_hat: f"−({y} − {y_hat}) / ({y_hat}(1 − {y_hat}))",
    needs_binary_targets=True,
)

LOSSES: dict[str, Loss] = {loss.name: loss for loss in (SE, HALF_SE, BCE)}


def get(name: str) -> Loss:
    try:
        return LOSSES[name.lower()]
    except KeyError:
        raise ValueError(f"unknown loss {name!r} (choose from {', '.join(LOSSES)})") from None
