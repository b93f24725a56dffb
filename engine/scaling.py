"""Scaling of the inputs and of the targets, fitted on the table and shown to the student.

Inputs (`Scaler`), per column, z = (x − offset) / scale with
    standard  offset = the column's mean,    scale = its population standard deviation
    minmax    offset = the column's minimum, scale = its range (max − min), so z runs 0 … 1
    none      offset = 0,                    scale = 1 (the raw numbers)
A column with one value in every row gets offset = that value and scale = 1, so every
row maps to exactly 0 (the loader tells the student; see engine.data's notes).

Targets (`TargetScaler`, standard or none) use the same arithmetic; the network learns the
scaled targets and `inverse` / `loss_to_table` give predictions and losses in the table's units.

Why the power of two. A column such as 1e308 overflows when summed for its mean, and the
squares of 1e200 overflow when computing its deviation. Each column is therefore first
multiplied by 2**−k (k from its largest |value|, so the values lie within ±1) and the
arithmetic is done there. Multiplying by a power of two is exact for normal numbers and
commutes with floating-point rounding, so for everyday tables the results are bit for bit
those of the plain formula, and for extreme ones no step can overflow.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.settings import SCALINGS, TARGET_SCALINGS

_SQUARED_LOSSES = ("se", "half-se")  # losses that scale with the square of the target's units


def _columns(X, what: str) -> np.ndarray:
    a = np.asarray(X, dtype=float)
    if a.ndim != 2:
        raise ValueError(f"{what} must be a table (rows, columns), got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{what} must hold finite numbers only")
    return a


@dataclass(frozen=True, eq=False)
class Scaler:
    """z = (x·2**−k − shift) / spread per column: the fitted numbers in power-of-two units.

    kind      "standard", "minmax" or "none"
    exponent  (columns,) int k: the column is multiplied by 2**−k before anything else
    shift     (columns,) the offset in those units
    spread    (columns,) the scale in those units (> 0)
    constant  (columns,) bool: the column held one value when fitted (it maps to 0)
    `offset` and `scale` give the same numbers in the table's units, for display.
    """

    kind: str
    exponent: np.ndarray
    shift: np.ndarray
    spread: np.ndarray
    constant: np.ndarray | None = None  # None = no constant column

    @classmethod
    def fit(cls, X, kind: str = "standard") -> Scaler:
        """Fit on X (rows, columns) of finite numbers; never overflows, warns nothing."""
        if kind not in SCALINGS:
            raise ValueError(f"unknown scaling {kind!r} (choose from {', '.join(SCALINGS)})")
        X = _columns(X, "the inputs")
        n = X.shape[1]
        if kind == "none" or X.shape[0] == 0:
            return cls.identity(n, kind)
        largest = np.max(np.abs(X), axis=0)
        exponent = np.frexp(largest)[1]  # largest = f·2**k with 0.5 ≤ f < 1 (k = 0 for a zero column)
        U = np.ldexp(X, -exponent)  # every |value| < 1: sums of n values stay below n
        if kind == "standard":
            shift, spread = U.mean(axis=0), U.std(axis=0)
        else:
            low = U.min(axis=0)
            shift, spread = low, U.max(axis=0) - low  # at most 2: no overflow
        constant = np.all(X == X[0], axis=0)
        # One value everywhere: subtract exactly that value (a computed mean may be off by
        # an ulp) with unit scale, in the table's own units, so every row becomes 0.
        exponent = np.where(constant, 0, exponent)
        shift = np.where(constant, X[0], shift)
        spread = np.where(constant, 1.0, spread)
        return cls(kind, exponent, shift, spread, constant)

    @classmethod
    def identity(cls, n_columns: int, kind: str = "none") -> Scaler:
        """The raw numbers: offset 0, scale 1."""
        return cls(kind, np.zeros(n_columns, dtype=int), np.zeros(n_columns), np.ones(n_columns))

    def __post_init__(self) -> None:
        if self.constant is None:
            object.__setattr__(self, "constant", np.zeros(np.shape(self.shift), dtype=bool))
        for name, dtype in (("exponent", int), ("shift", float), ("spread", float), ("constant", bool)):
            a = np.array(getattr(self, name), dtype=dtype)
            a.flags.writeable = False
            object.__setattr__(self, name, a)

    @property
    def n_columns(self) -> int:
        return self.shift.shape[0]

    @property
    def offset(self) -> np.ndarray:
        """What is subtracted, in the table's units (mean, minimum or 0)."""
        return self._in_table_units(self.shift)

    @property
    def scale(self) -> np.ndarray:
        """What the difference is divided by, in the table's units (deviation, range or 1).

        A range of a column spanning ±1.7e308 exceeds the largest float and shows as inf;
        the scaling itself is still exact (it works in power-of-two units)."""
        return self._in_table_units(self.spread)

    # The names the first version used: callers that show "mean" and "deviation" keep working.
    @property
    def mean(self) -> np.ndarray:
        return self.offset

    @property
    def std(self) -> np.ndarray:
        return self.scale

    def transform(self, X) -> np.ndarray:
        """(rows, columns) raw -> scaled (a single row (columns,) works too)."""
        X = np.asarray(X, dtype=float)
        if not self.exponent.any():  # everyday tables: the plain formula, nothing to rescale
            return (X - self.shift) / self.spread
        return (np.ldexp(X, -self.exponent) - self.shift) / self.spread

    def inverse(self, Z) -> np.ndarray:
        """Scaled -> the table's units; a value beyond the largest float comes back as ±inf."""
        Z = np.asarray(Z, dtype=float)
        with np.errstate(over="ignore"):
            return np.ldexp(Z * self.spread + self.shift, self.exponent)

    def _in_table_units(self, a: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return np.ldexp(a, self.exponent)


class Standardizer(Scaler):
    """The first version's z-scorer, kept for its callers: `Standardizer(mean=…, std=…)`,
    `Standardizer.fit(X)` (standard) and `Standardizer.identity(n)`; `.mean`, `.std`."""

    def __init__(self, mean, std) -> None:
        mean = np.asarray(mean, dtype=float)
        super().__init__("standard", np.zeros(mean.shape, dtype=int), mean, np.asarray(std, dtype=float))

    @classmethod
    def fit(cls, X, kind: str = "standard") -> Scaler:  # type: ignore[override]
        return Scaler.fit(X, kind)

    @classmethod
    def identity(cls, n_columns: int, kind: str = "none") -> Scaler:  # type: ignore[override]
        return Scaler.identity(n_columns, kind)


@dataclass(frozen=True, eq=False)
class TargetScaler:
    """The targets' scaling: the network learns (y − mean) / scale, per target column.

    kind   "standard" (mean and population deviation of each target) or "none" (0 and 1)
    mean   (targets,) in the table's units
    scale  (targets,) σ in the table's units; 1 for "none" and for a constant target
    """

    scaler: Scaler

    @classmethod
    def fit(cls, Y, kind: str = "standard") -> TargetScaler:
        if kind not in TARGET_SCALINGS:
            raise ValueError(f"unknown target scaling {kind!r} (choose from {', '.join(TARGET_SCALINGS)})")
        Y = _columns(Y, "the targets")
        if kind == "none":
            return cls(Scaler.identity(Y.shape[1], "none"))
        return cls(Scaler.fit(Y, "standard"))

    @classmethod
    def identity(cls, n_targets: int) -> TargetScaler:
        return cls(Scaler.identity(n_targets, "none"))

    @property
    def kind(self) -> str:
        return self.scaler.kind

    @property
    def mean(self) -> np.ndarray:
        return self.scaler.offset

    @property
    def scale(self) -> np.ndarray:
        return self.scaler.scale

    @property
    def is_identity(self) -> bool:
        return bool(np.all(self.mean == 0.0) and np.all(self.scale == 1.0))

    def transform(self, Y) -> np.ndarray:
        """Table units -> what the network learns."""
        return self.scaler.transform(Y)

    def inverse(self, Y_hat) -> np.ndarray:
        """What the network outputs -> the table's units."""
        return self.scaler.inverse(Y_hat)

    def loss_to_table(self, loss, loss_name: str):
        """A loss computed on the scaled targets, expressed in the table's units, or None.

        se and half-se are sums of squared differences, and a difference in table units
        is σ times the scaled one; so with one output (or several sharing one σ) the
        table's loss is σ²·L. With outputs of different σ the scalar L no longer says
        how much each output contributed, so the answer is None: the caller then shows
        the scaled loss and labels it as such (or evaluates the loss on `inverse`d
        predictions). When no scaling is applied (σ = 1) L is already in table units,
        for every loss. bce on scaled targets has no table-unit meaning: None.
        `loss` may be a number or an array of them (e.g. one per epoch).
        """
        sigma = self.scale
        if np.all(sigma == 1.0):
            return loss
        if loss_name.lower() not in _SQUARED_LOSSES or not np.all(sigma == sigma[0]):
            return None
        s = float(sigma[0])
        with np.errstate(over="ignore"):  # beyond the largest float is honestly inf
            value = s * (s * np.asarray(loss, dtype=float))  # σ·(σ·L): no overflow of σ² alone
        return float(value) if np.ndim(value) == 0 else value
