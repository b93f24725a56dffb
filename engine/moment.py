"""What is shown: one coherent moment, the same in every view.

Every number on screen belongs to one `Moment`, so a student can recompute any of
them from the others shown beside it:

- `after_step`: a row that was just trained. Its forward pass, loss and gradients
  were computed with the parameters *before* the update; the parameters are shown
  as before → after.
- `preview`: the next row, before it is trained (step-through). Forward, loss and
  gradients at the current parameters; the update it will make is shown only in
  the 'update' phase, and it is exactly the update `Training.step()` then makes.
- `idle`: after an edit, a reset or a setup change: the shown row's forward pass
  and gradients at the current parameters, and no update.
- `prediction`: a new row typed by the user (no target): forward pass only.

A moment never mixes: its `params` are the parameters its forward pass used.

Target scaling: with standardised targets the network learns y' = (y − μ)/σ, so its
output neuron, its loss and its gradients are in those units. `target_scaler` (an
engine.scaling.TargetScaler, None when targets are not scaled) turns them back:
`y_table`, `y_hat_table` and `loss_table` are in the table's own units
(ŷ = μ + σ·O, and for squared error L = σ²·L').
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.network import Network
from engine.record import NamedValues, StepRecord
from engine.scaling import Standardizer, TargetScaler
from engine.spec import NetworkSpec

KINDS = ("after_step", "preview", "idle", "prediction")


@dataclass(frozen=True, eq=False)
class Moment:
    kind: str  # one of KINDS
    spec: NetworkSpec
    params: NamedValues  # the parameters the forward pass used
    x: np.ndarray  # the inputs as the network saw them (after scaling), (n_inputs,)
    x_raw: np.ndarray  # the same inputs in the table's own units
    forward: dict[str, float]  # Z and O of every neuron by the engine's names (Z11, O11, …)
    record: StepRecord | None = None  # forward + backward at `params` (None for a prediction)
    params_after: NamedValues | None = None  # only when an update is shown
    row: int | None = None  # the table row (0-based), None for a prediction
    target_scaler: TargetScaler | None = None  # None: targets are in the table's units already

    @property
    def targets_scaled(self) -> bool:
        return self.target_scaler is not None and self.target_scaler.kind != "none"

    @property
    def y_table(self) -> np.ndarray | None:
        """The row's target in the table's units."""
        y = self.y
        return y if y is None or not self.targets_scaled else self.target_scaler.inverse(y)

    @property
    def y_hat_table(self) -> np.ndarray:
        """The prediction in the table's units."""
        y_hat = self.y_hat
        return y_hat if not self.targets_scaled else self.target_scaler.inverse(y_hat)

    @property
    def loss_table(self) -> float | None:
        """The row's loss in the table's units (None for a prediction, or when outputs of different
        scales make one number meaningless: then the scaled loss is what there is)."""
        loss = self.loss
        if loss is None or not self.targets_scaled:
            return loss
        return self.target_scaler.loss_to_table(loss, self.spec.loss)

    @property
    def y(self) -> np.ndarray | None:
        return None if self.record is None else self.record.y

    @property
    def y_hat(self) -> np.ndarray:
        last = self.spec.n_layers
        return np.array([self.forward[f"O{last}{k}"] for k in range(1, self.spec.n_outputs + 1)])

    @property
    def loss(self) -> float | None:
        return None if self.record is None else self.record.loss

    @property
    def grads(self) -> NamedValues | None:
        return None if self.record is None else self.record.grads

    @property
    def params_now(self) -> NamedValues:
        """The parameters the network holds at this moment: after the update when one is shown."""
        return self.params if self.params_after is None or self.kind == "preview" else self.params_after

    @property
    def shows_update(self) -> bool:
        return self.params_after is not None

    @property
    def diverged(self) -> bool:
        return self.record is not None and self.record.diverged


def after_step(record: StepRecord, x_raw, target_scaler: TargetScaler | None = None) -> Moment:
    """A trained row: values before its update, parameters before → after.
    A row that diverged shows no 'after' (its update was not finite and was not kept)."""
    return Moment("after_step", record.spec, record.params_before, record.x, _raw(x_raw), record.forward,
                  record=record, params_after=None if record.diverged else record.params_after, row=record.row,
                  target_scaler=target_scaler)


def preview(record: StepRecord, x_raw, *, with_update: bool = False,
            target_scaler: TargetScaler | None = None) -> Moment:
    """The next row before it is trained (`Training.peek()`); the update only when asked."""
    return Moment("preview", record.spec, record.params_before, record.x, _raw(x_raw), record.forward,
                  record=record, params_after=record.params_after if with_update and not record.diverged else None,
                  row=record.row, target_scaler=target_scaler)


def idle(network: Network, X, Y, X_raw, row: int, eta: float, *, epoch: int = 1, step: int = 0,
         target_scaler: TargetScaler | None = None) -> Moment:
    """Table row `row` at the current parameters: forward pass and gradients, no update.

    Computed on a copy of the network, so nothing changes."""
    probe = Network(network.spec, network.theta)
    record = probe.step(X[row], Y[row], eta, epoch=epoch, row=row, step=step)
    return Moment("idle", network.spec, record.params_before, record.x, _raw(X_raw[row]), record.forward,
                  record=record, row=row, target_scaler=target_scaler)


def prediction(network: Network, scaler: Standardizer, x_raw, target_scaler: TargetScaler | None = None) -> Moment:
    """A new row given in the table's units: forward pass only (there is no target).
    Raises ValueError for a wrong number of inputs or a value that is not finite."""
    x_raw = _raw(x_raw)
    spec = network.spec
    if x_raw.shape != (spec.n_inputs,) or not np.all(np.isfinite(x_raw)):
        raise ValueError(f"need {spec.n_inputs} finite input values, got {x_raw.tolist()}")
    x = scaler.transform(x_raw)
    zs, outs = network.forward(x)
    forward: dict[str, float] = {}
    for layer, (z, o) in enumerate(zip(zs, outs), start=1):
        for j in range(z.shape[0]):
            forward[f"Z{layer}{j + 1}"] = float(z[j])
            forward[f"O{layer}{j + 1}"] = float(o[j])
    theta = network.theta.copy()
    theta.flags.writeable = False
    params = NamedValues(spec.param_names, spec.param_index, theta)
    x = np.array(x, dtype=float)
    x.flags.writeable = False
    return Moment("prediction", spec, params, x, x_raw, forward, target_scaler=target_scaler)


def _raw(values) -> np.ndarray:
    a = np.array(values, dtype=float).reshape(-1)
    a.flags.writeable = False
    return a
