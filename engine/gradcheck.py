"""Finite-difference check of backprop's gradients: an independent reference.

Central differences: ∂L/∂p ≈ (L(p + h) − L(p − h)) / 2h, one parameter at a time,
with every other parameter held fixed. Relative error = |a − n| / max(|a|, |n|, tiny).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.network import Network

STEP = 1e-6


@dataclass(frozen=True)
class GradCheckRow:
    name: str
    analytic: float
    numeric: float
    rel_error: float


def relative_error(a: float, n: float) -> float:
    scale = max(abs(a), abs(n))
    return 0.0 if scale < 1e-12 else abs(a - n) / scale


def gradient_check(network: Network, x, y, h: float = STEP) -> list[GradCheckRow]:
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    zs, outs = network.forward(x)
    _, analytic = network.backward(x, y, zs, outs)
    probe = Network(network.spec, network.theta)  # never disturb the caller's network
    rows = []
    for name in network.spec.param_names:
        i = network.spec.param_index[name]
        base = probe.theta[i]
        probe.theta[i] = base + h
        up = probe.row_loss(x, y)
        probe.theta[i] = base - h
        down = probe.row_loss(x, y)
        probe.theta[i] = base
        numeric = (up - down) / (2 * h)
        rows.append(GradCheckRow(name, float(analytic[i]), numeric, relative_error(float(analytic[i]), numeric)))
    return rows
