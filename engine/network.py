"""A small fully connected network, its forward pass and backprop for one row.

All parameters live in one flat vector `theta` (see NetworkSpec for the layout);
each layer's W and b are views into it, so an SGD update is one vector operation
and a snapshot is one copy.

For layer l with inputs O_{l-1} (O_0 = x):
    Z_l = O_{l-1} · W_l + b_l          O_l = act_l(Z_l)
Backward, with δ_l = ∂L/∂Z_l:
    δ_L = ∂L/∂ŷ ⊙ act_L'(Z_L)
    ∂L/∂W_l = O_{l-1} ⊗ δ_l            ∂L/∂b_l = δ_l
    δ_{l-1} = (W_l · δ_l) ⊙ act_{l-1}'(Z_{l-1})
W_l and b_l sit next to each other in theta, so together they are one
(inputs + 1) × neurons matrix [W_l; b_l]; with a 1 after the inputs, Z_l is one
matrix product and ∂L/∂W_l with ∂L/∂b_l one outer product
(see engine.record.StepLayout).

Speed: `step` does its arithmetic in a scratch array laid out exactly like a
record, with every view bound once (`_passes`), so a row costs a handful of small
NumPy calls plus one copy of that array for the record. `theta` itself is the
scratch's "θ after" slot: the update lands in place. The activations and losses run
through engine.kernels: the formulas of engine.activations and engine.losses,
operation for operation, in place (bit-identical numbers, no fresh array per
operation). Matrix products go through the array method `a.dot(b, out)`: the same
routine as np.dot without np.dot's dispatch layer, which on these sizes costs as much
as the product.

Mini-batches: `step` is one update from one row (a batch of one, the tutorial's
SGD). `batch_step` does one row of a larger batch: the row's own forward pass,
loss and gradient, and, on the batch's last row only, the update with the mean
of the batch's gradients. The caller keeps the running sum of the earlier rows'
gradients (engine.training.Training does).
"""
from __future__ import annotations

import math

import numpy as np

from engine import kernels
from engine.record import NamedValues, StepLayout, StepRecord, StepViews, frozen, frozen_copy
from engine.spec import NetworkSpec, preset


class Network:
    def __init__(self, spec: NetworkSpec, theta: np.ndarray | None = None):
        self.spec = spec
        self._layout = StepLayout(spec)
        self._buffer = self._layout.new_buffer()  # step()'s scratch; the record copies it
        self._work = self._layout.views(self._buffer)
        self.theta = self._work.theta_after
        if theta is not None:
            theta = np.asarray(theta, dtype=float)
            if theta.shape != (spec.n_params,):
                raise ValueError(f"{spec} has {spec.n_params} parameters, got {theta.shape}")
            self.theta[:] = theta
        self._bind_views()

    @classmethod
    def from_preset(cls, task: str) -> Network:
        return cls(preset(task))

    def _bind_views(self) -> None:
        # ([W; b] view, W view, activation) per layer: resolved once, used on every row.
        sizes = self.spec.sizes
        self._layers = []
        for layer, (w_slice, b_slice) in enumerate(self.spec.layer_slices, start=1):
            Wb = self.theta[w_slice.start : b_slice.stop].reshape(sizes[layer - 1] + 1, sizes[layer])
            self._layers.append((Wb, Wb[:-1], self.spec.activation(layer)))
        self._loss = self.spec.loss_fn
        # step()'s forward pass, loss and backward pass, as straight-line code on the scratch's views
        self._row = kernels.row_function(self.spec, self._work, *zip(*[(Wb, W) for Wb, W, _ in self._layers]))
        n = self.spec.n_params
        # The update's η, as a 0-d array: NumPy converts a Python float on every call, which
        # costs as much as the multiplication. The same float64 either way.
        self._eta = np.zeros(())
        self._change = np.empty(n)  # η·gradient
        self._zeros = np.zeros(n)  # for the finiteness probe (see _quiet_sgd)

    # ---- parameters by name -------------------------------------------------
    def __getitem__(self, name: str) -> float:
        return float(self.theta[self._index(name)])

    def __setitem__(self, name: str, value: float) -> None:
        value = float(value)
        if not np.isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {value}")
        self.theta[self._index(name)] = value

    def _index(self, name: str) -> int:
        try:
            return self.spec.param_index[name]
        except KeyError:
            raise KeyError(f"no parameter named {name!r} in {self.spec}") from None

    def parameters(self) -> NamedValues:
        """A live read-only view: name -> current value."""
        return NamedValues(self.spec.param_names, self.spec.param_index, self.theta)

    def set_theta(self, theta: np.ndarray) -> None:
        self.theta[:] = theta  # in place: the layer views stay bound

    def __repr__(self) -> str:
        return repr(self.spec)

    def __reduce__(self):
        # copy.copy/deepcopy and pickle rebuild the network, so its views point into its own arrays.
        return type(self), (self.spec, self.theta.copy())

    # ---- the arithmetic, on the views of one step array -----------------------
    def _load(self, v: StepViews, x, y=None) -> None:
        # Explicit length checks: assignment alone would broadcast a 1-element row silently.
        if _length(x) != self.spec.n_inputs:
            raise ValueError(f"{self.spec} takes a row of {self.spec.n_inputs} inputs, got {x!r}")
        v.x[:] = x
        if y is not None:
            if _length(y) not in (None, self.spec.n_outputs):  # a bare number is one target for every output
                raise ValueError(f"{self.spec} has {self.spec.n_outputs} outputs, got targets {y!r}")
            v.y[:] = y

    def _forward(self, v: StepViews) -> None:
        """Every Z and O from v.x (each layer's inputs carry their trailing 1)."""
        for (Wb, _, act), inputs, z, o in zip(self._layers, v.inputs, v.zs, v.outs):
            np.dot(inputs, Wb, out=z)  # Z = [O_prev, 1] · [W; b] = O_prev · W + b
            if not act.is_identity:
                o[:] = act.forward(z)

    def _loss_and_dloss(self, v: StepViews) -> float:
        """L for the row in v, with ∂L/∂ŷ written into v.dloss."""
        v.dloss[:] = self._loss.derivative(v.y, v.outs[-1])
        return self._loss.value(v.y, v.outs[-1])

    def _backward(self, v: StepViews) -> None:
        """Every δ and the whole gradient from v's x, Z, O and ∂L/∂ŷ."""
        for layer in range(len(self._layers) - 1, -1, -1):
            _, W, act = self._layers[layer]
            if not act.is_identity:  # δ = ∂L/∂O ⊙ act'(Z)
                np.multiply(v.douts[layer], act.derivative(v.zs[layer], v.outs[layer]), out=v.deltas[layer])
            # ∂L/∂[W; b] = [inputs, 1] ⊗ δ, as a (column · row) product
            np.dot(v.input_columns[layer], v.delta_rows[layer], out=v.layer_gradients[layer])
            if layer:
                np.dot(W, v.deltas[layer], out=v.douts[layer - 1])  # ∂L/∂O of the layer below

    # ---- forward and backward (fresh arrays: safe to keep, safe from any thread) --
    def forward(self, x) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Pre-activations and outputs of every layer for one row x (inputs,)."""
        v = self._layout.views(self._layout.new_buffer())
        self._load(v, x)
        self._forward(v)
        return list(v.zs), list(v.outs)

    def predict(self, x) -> np.ndarray:
        return self.forward(x)[1][-1]

    def row_loss(self, x, y) -> float:
        return self._loss.value(np.asarray(y, dtype=float), self.predict(x))

    def backward(self, x, y, zs, outs) -> tuple[np.ndarray, np.ndarray]:
        """(∂L/∂ŷ, gradient of L over the flat parameter vector) for one row."""
        v = self._layout.views(self._layout.new_buffer())
        self._load(v, x, y)
        for z, o, z_slot, o_slot in zip(zs, outs, v.zs, v.outs):
            z_slot[:] = z
            o_slot[:] = o
        # The formulas of engine.activations/losses themselves, not step()'s kernels: their
        # scratch arrays belong to step(), and this may run on another thread.
        self._loss_and_dloss(v)
        self._backward(v)
        return v.dloss, v.gradient

    # ---- one SGD step ------------------------------------------------------------
    def step(self, x, y, eta: float, *, epoch: int = 1, row: int = 0, step: int = 0) -> StepRecord:
        """One SGD update on one row; every parameter moves from the old values' gradients.

        Parameters blown up by a huge η give inf or NaN in the record, quietly (no
        overflow warnings): Training reports that as divergence. Not re-entrant: one
        thread trains a network at a time.
        """
        self._load(self._work, x, y)
        loss, _ = self._quiet_sgd(eta, False)
        return StepRecord.of_row(self.spec, epoch, row, step, float(eta), loss, frozen_copy(self._buffer),
                                 self._layout)

    def train_row(self, x, y, eta: float, epoch: int, row: int, step: int) -> tuple[StepRecord, bool]:
        """step() for a training loop: (the record, whether θ after is all finite).

        x (inputs,) and y (outputs,) are taken as they are: the loop checked its table's
        shape once (Training does); eta is a float. The finiteness test runs only when
        η ≠ 0 (at η = 0 θ does not move); otherwise the answer is True.
        """
        v = self._work
        v.x[:] = x
        v.y[:] = y
        loss, finite = self._quiet_sgd(eta, eta != 0.0)
        return StepRecord.of_row(self.spec, epoch, row, step, eta, loss, frozen_copy(self._buffer),
                                 self._layout), finite

    @np.errstate(over="ignore", invalid="ignore", divide="ignore")  # as a decorator: half a `with` block's cost
    def _quiet_sgd(self, eta: float, probe: bool) -> tuple[float, bool]:
        """Forward, loss, backward and update on the row loaded into the scratch: (L, θ after finite).

        `probe`: test θ after for inf and NaN with one dot product with zeros: every finite
        θᵢ·0 is ±0, and ±inf·0 and NaN·0 are NaN, so the sum is NaN exactly when some θᵢ is
        not finite (in any order of addition, with or without FMA: every term is zero or
        NaN, so nothing can overflow).
        """
        L = self._row()
        theta = self.theta  # the scratch's "θ after" slot
        self._work.theta_before[:] = theta
        if eta == 0.0:  # nothing moves (θ − 0·∞ would be NaN where a gradient overflowed)
            return L, True
        self._eta[()] = eta
        np.multiply(self._eta, self._work.gradient, self._change)  # θ −= η·gradient: the same two
        np.subtract(theta, self._change, theta)  # IEEE operations as `theta -= eta * gradient`
        return L, not probe or not math.isnan(theta.dot(self._zeros))

    def batch_step(self, x, y, eta: float, gradient_sum: np.ndarray, count: int, *, closes: bool,
                   epoch: int = 1, row: int = 0, step: int = 0, update: int = 0,
                   batch_rows: tuple[int, ...] = (), batch_size: int = 1) -> StepRecord:
        """One row of a mini-batch: its forward pass, loss and gradient at the batch's parameters.

        `gradient_sum` (n_params,) is the sum of the batch's earlier rows' gradients (left
        unchanged: the caller adds this row's once it accepts the step) and `count` the batch's
        rows including this one. Only when `closes` does θ move: by −η·(mean gradient), where
        mean = (gradient_sum + this row's gradient) / count. Otherwise θ after = θ before.
        """
        v = self._work
        self._load(v, x, y)
        mean = None
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            loss = self._row()
            v.theta_before[:] = self.theta
            if closes:
                mean = frozen((gradient_sum + v.gradient) / count)
                if eta != 0.0:  # at η = 0 nothing moves, even where the mean overflowed
                    self.theta -= eta * mean
        batch_gradient = None if mean is None or batch_size == 1 else NamedValues(
            self.spec.param_names, self.spec.param_index, mean)
        return StepRecord(self.spec, epoch, row, step, float(eta), loss, frozen_copy(self._buffer), self._layout,
                          update=update, batch_rows=batch_rows, closes_batch=closes, batch_gradient=batch_gradient,
                          batch_size=batch_size, batch_mean=mean)


def _length(values) -> int | None:
    """len() of a row, None for a bare number."""
    try:
        return len(values)
    except TypeError:
        return None
