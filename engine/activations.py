"""Activation functions: each forward step sits beside its local derivative.

An activation maps a layer's pre-activations Z to its outputs O. Backprop needs
dO/dZ, which every function here expresses from Z and O together (sigmoid's is
cheapest from O: O(1 - O)). ``formula`` writes that derivative for a neuron
named ``out`` with pre-activation ``pre``, for the derivation panel.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Activation:
    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray, np.ndarray], np.ndarray]  # (z, o) -> dO/dZ
    formula: Callable[[str, str], str]  # (out, pre) -> dO/dZ written out
    is_identity: bool = False


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # σ(z) = 1 / (1 + e^−z) = exp(−log(1 + e^−z)); logaddexp never overflows, so neither
    # does this, for any finite z (and it is one pass, unlike a np.where of two branches).
    return np.exp(-np.logaddexp(0.0, -z))


LINEAR = Activation(
    "linear",
    forward=lambda z: z,
    derivative=lambda z, o: np.ones_like(z),
    formula=lambda out, pre: "1",
    is_identity=True,
)
SIGMOID = Activation(
    "sigmoid",
    forward=_sigmoid,
    derivative=lambda z, o: o * (1.0 - o),
    formula=lambda out, pre: f"{out}(1 − {out})",
)
TANH = Activation(
    "tanh",
    forward=np.tanh,
    derivative=lambda z, o: 1.0 - o * o,
    formula=lambda out, pre: f"1 − {out}²",
)
RELU = Activation(
    "relu",
    forward=lambda z: np.maximum(z, 0.0),
    derivative=lambda z, o: (z > 0).astype(float),
    formula=lambda out, pre: f"1 if {pre} > 0 else 0",
)

ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (LINEAR, SIGMOID, TANH, RELU)}


def get(name: str) -> Activation:
    try:
        return ACTIVATIONS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown activation {name!r} (choose from {', '.join(ACTIVATIONS)})") from None
