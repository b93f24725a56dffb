"""Input standardisation: z = (x − mean) / deviation, per column, from the training table.

A column with zero spread keeps deviation 1 (it is only shifted), so nothing divides by 0.
The means and deviations are shown to the student: a standardised input is no mystery.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Standardizer:
    mean: np.ndarray  # (inputs,)
    std: np.ndarray  # (inputs,) population standard deviation

    @classmethod
    def fit(cls, X: np.ndarray) -> Standardizer:
        X = np.asarray(X, dtype=float)
        std = X.std(axis=0)
        return cls(mean=X.mean(axis=0), std=np.where(std > 0, std, 1.0))

    @classmethod
    def identity(cls, n_inputs: int) -> Standardizer:
        return cls(mean=np.zeros(n_inputs), std=np.ones(n_inputs))

    def transform(self, X) -> np.ndarray:
        return (np.asarray(X, dtype=float) - self.mean) / self.std
