"""A table as a run trains on it: which rows are held out for testing, and the inputs and
targets scaled as the network sees them.

The scalers are fitted on the training rows only, so nothing about the held-out rows reaches
training. The Timeline and every view that recomputes a run's numbers (the landscape, the
race, the pictures) take the table from here, so they cannot scale or split it differently.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine import evaluation
from engine.scaling import Scaler, TargetScaler
from engine.settings import SCALINGS, TARGET_SCALINGS


@dataclass(frozen=True, eq=False)
class RunTable:
    X_raw: np.ndarray  # (rows, inputs) in the table's units
    Y_raw: np.ndarray  # (rows, targets) in the table's units
    X: np.ndarray  # every row's inputs as the network sees them
    Y: np.ndarray  # every row's targets as the network learns them
    scaler: Scaler
    target_scaler: TargetScaler
    train_rows: np.ndarray  # table rows trained on (sorted, read-only)
    test_rows: np.ndarray  # table rows held out (sorted, read-only, may be empty)

    @classmethod
    def of(cls, X, Y, *, scaling: str = "standard", target_scaling: str = "none", test_fraction: float = 0.0,
           seed: int = 0) -> RunTable:
        if scaling not in SCALINGS:
            raise ValueError(f"unknown input scaling {scaling!r} (choose from {', '.join(SCALINGS)})")
        if target_scaling not in TARGET_SCALINGS:
            raise ValueError(f"unknown target scaling {target_scaling!r} "
                             f"(choose from {', '.join(TARGET_SCALINGS)})")
        X_raw = np.asarray(X, dtype=float)
        Y_raw = np.asarray(Y, dtype=float).reshape(X_raw.shape[0], -1)
        train, test = evaluation.split_rows(X_raw.shape[0], float(test_fraction), int(seed))
        for rows in (train, test):
            rows.flags.writeable = False
        scaler = Scaler.fit(X_raw[train], scaling)
        target_scaler = TargetScaler.fit(Y_raw[train], target_scaling)
        return cls(X_raw, Y_raw, scaler.transform(X_raw), target_scaler.transform(Y_raw), scaler, target_scaler,
                   train, test)

    @property
    def train(self) -> tuple[np.ndarray, np.ndarray]:
        """(X, Y) of the training rows, as the network sees them."""
        return self.X[self.train_rows], self.Y[self.train_rows]

    @property
    def test(self) -> tuple[np.ndarray, np.ndarray]:
        """(X, Y) of the held-out rows, as the network sees them."""
        return self.X[self.test_rows], self.Y[self.test_rows]
