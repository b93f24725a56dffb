"""What one SGD step on one row did: an immutable record.

The step stores its arrays once (read-only); names are looked up on demand
through `NamedValues`, so building a record costs a few copies, not a dict of
every parameter. That keeps the full record affordable on every row.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from engine.spec import NetworkSpec


class NamedValues(Mapping):
    """A read-only name -> float view of a flat array (e.g. 'W111' -> 0.42)."""

    __slots__ = ("_names", "_index", "_array")

    def __init__(self, names: tuple[str, ...], index: Mapping[str, int], array: np.ndarray):
        self._names, self._index, self._array = names, index, array

    def __getitem__(self, name: str) -> float:
        return float(self._array[self._index[name]])

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._index

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{n}: {self[n]:.6g}" for n in self._names) + "}"


def frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


@dataclass(frozen=True, eq=False)
class StepRecord:
    """One row's forward pass, loss, backward pass and update.

    epoch counts from 1; row is the 0-based index of the row in the table;
    step is the 0-based count of row updates since training began.
    Arrays: x (inputs,), y and y_hat (outputs,), theta_* and gradient (n_params,),
    zs/outs one (neurons,) array per layer with parameters.
    """

    spec: NetworkSpec
    epoch: int
    row: int
    step: int
    eta: float
    x: np.ndarray
    y: np.ndarray
    zs: tuple[np.ndarray, ...]
    outs: tuple[np.ndarray, ...]
    loss: float
    dloss: np.ndarray  # dL/dŷ per output
    theta_before: np.ndarray
    gradient: np.ndarray
    theta_after: np.ndarray
    diverged: bool = False

    @property
    def y_hat(self) -> np.ndarray:
        return self.outs[-1]

    @property
    def params_before(self) -> NamedValues:
        return NamedValues(self.spec.param_names, self.spec.param_index, self.theta_before)

    @property
    def params_after(self) -> NamedValues:
        return NamedValues(self.spec.param_names, self.spec.param_index, self.theta_after)

    @property
    def grads(self) -> NamedValues:
        return NamedValues(self.spec.param_names, self.spec.param_index, self.gradient)

    @cached_property
    def updates(self) -> NamedValues:
        """The change each parameter made: −η·∂L/∂p."""
        return NamedValues(self.spec.param_names, self.spec.param_index, frozen(-self.eta * self.gradient))

    @cached_property
    def forward(self) -> dict[str, float]:
        """Z and O of every neuron by name, in layer order."""
        values: dict[str, float] = {}
        for layer, (z, o) in enumerate(zip(self.zs, self.outs), start=1):
            for j in range(z.shape[0]):
                values[f"Z{layer}{j + 1}"] = float(z[j])
                values[f"O{layer}{j + 1}"] = float(o[j])
        return values

    @cached_property
    def chain(self) -> dict[str, tuple]:
        """Chain-rule factors per parameter (see engine.chain)."""
        from engine.chain import chain_factors

        return {name: chain_factors(self, name) for name in self.spec.param_names}
