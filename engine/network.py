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
record, with every view bound once, so a row costs a handful of small NumPy
calls plus one copy of that array for the record. `theta` itself is the
scratch's "θ after" slot: the update lands in place. The activations and the
loss the tutorial's presets use (sigmoid, tanh, ReLU, BCE with one output) run
here as in-place kernels (`_kernels`): the very same NumPy operations, in the same
order, as engine.activations and engine.losses, so the numbers are bit-identical
(tests/test_engine_properties.py checks this), minus a fresh array per operation.

Mini-batches: `step` is one update from one row (a batch of one, the tutorial's
SGD). `batch_step` does one row of a larger batch: the row's own forward pass,
loss and gradient, and, on the batch's last row only, the update with the mean
of the batch's gradients. The caller keeps the running sum of the earlier rows'
gradients (engine.training.Training does).
"""
from __future__ import annotations

import numpy as np

from engine.losses import BCE_EPSILON
from engine.record import NamedValues, StepLayout, StepRecord, StepViews, frozen
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
            act = self.spec.activation(layer)
            self._layers.append((Wb, Wb[:-1], act, _kernels(act.name, sizes[layer])))
        self._loss = self.spec.loss_fn
        # BCE with one output: scalar arithmetic (see _bce_one) instead of a dozen tiny-array calls.
        self._bce_one = self.spec.loss == "bce" and self.spec.n_outputs == 1
        # _bce_scalar's arguments for np.log and np.log1p, and their results. Two wide, the
        # second lane a harmless constant: NumPy takes a slower path for 1-element arrays.
        self._scalar = (np.array([0.5, 0.5]), np.zeros(2), np.empty((2, 2)))

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
        for (Wb, _, act, kernels), inputs, z, o in zip(self._layers, v.inputs, v.zs, v.outs):
            np.dot(inputs, Wb, out=z)  # Z = [O_prev, 1] · [W; b] = O_prev · W + b
            if kernels is not None:
                kernels[0](z, o)
            elif not act.is_identity:
                o[:] = act.forward(z)

    def _loss_and_dloss(self, v: StepViews, fast: bool = True) -> float:
        """L for the row in v, with ∂L/∂ŷ written into v.dloss (`fast`: may use the shared scratch)."""
        if fast and self._bce_one:
            return self._bce_scalar(v)
        v.dloss[:] = self._loss.derivative(v.y, v.outs[-1])
        return self._loss.value(v.y, v.outs[-1])

    def _bce_scalar(self, v: StepViews) -> float:
        # engine.losses' BCE for one output, on Python floats: + − × ÷ on floats round exactly
        # as NumPy's do, and log/log1p still go through NumPy, so the result is bit-identical.
        y, y_hat = float(v.y[0]), float(v.outs[-1][0])
        p = y_hat if not y_hat < BCE_EPSILON else BCE_EPSILON  # np.maximum: NaN stays NaN
        p = p if not p > _ONE_MINUS_EPSILON else _ONE_MINUS_EPSILON  # np.minimum
        log_in, log1p_in, out = self._scalar
        log_in[0] = p
        log1p_in[0] = -p
        np.log(log_in, out=out[0])
        np.log1p(log1p_in, out=out[1])
        v.dloss[0] = -(y - p) / (p * (1.0 - p))
        return -y * float(out[0, 0]) - (1.0 - y) * float(out[1, 0])

    def _backward(self, v: StepViews, fast: bool = True) -> None:
        """Every δ and the whole gradient from v's x, Z, O and ∂L/∂ŷ (`fast`: may use the shared scratch)."""
        for layer in range(len(self._layers) - 1, -1, -1):
            _, W, act, kernels = self._layers[layer]
            if fast and kernels is not None:  # δ = ∂L/∂O ⊙ act'(Z)
                kernels[1](v.douts[layer], v.zs[layer], v.outs[layer], v.deltas[layer])
            elif not act.is_identity:
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
        # The formulas of engine.activations/losses themselves, not the kernels: their scratch
        # arrays belong to step(), and this may run on another thread.
        self._loss_and_dloss(v, fast=False)
        self._backward(v, fast=False)
        return v.dloss, v.gradient

    # ---- one SGD step ------------------------------------------------------------
    def step(self, x, y, eta: float, *, epoch: int = 1, row: int = 0, step: int = 0) -> StepRecord:
        """One SGD update on one row; every parameter moves from the old values' gradients.

        Parameters blown up by a huge η give inf or NaN in the record, quietly (no
        overflow warnings): Training reports that as divergence. Not re-entrant: one
        thread trains a network at a time.
        """
        v = self._work
        self._load(v, x, y)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            self._forward(v)
            loss = self._loss_and_dloss(v)
            self._backward(v)
            v.theta_before[:] = self.theta
            self.theta -= eta * v.gradient  # self.theta is v.theta_after
        return StepRecord(self.spec, epoch, row, step, float(eta), loss, frozen(self._buffer.copy()), self._layout)

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
            self._forward(v)
            loss = self._loss_and_dloss(v)
            self._backward(v)
            v.theta_before[:] = self.theta
            if closes:
                mean = frozen((gradient_sum + v.gradient) / count)
                self.theta -= eta * mean
        batch_gradient = None if mean is None or batch_size == 1 else NamedValues(
            self.spec.param_names, self.spec.param_index, mean)
        return StepRecord(self.spec, epoch, row, step, float(eta), loss, frozen(self._buffer.copy()), self._layout,
                          update=update, batch_rows=batch_rows, closes_batch=closes, batch_gradient=batch_gradient,
                          batch_size=batch_size, batch_mean=mean)


_ONE_MINUS_EPSILON = 1.0 - BCE_EPSILON


def _kernels(name: str, n: int):
    """(forward(z, o), delta(dout, z, o, delta)) for an activation, in place, or None.

    Each repeats engine.activations' formula operation for operation (so the numbers are
    the same to the bit), writing into the record's slots and one scratch array instead
    of allocating a fresh array per operation: on a 2-neuron layer the allocations cost
    more than the arithmetic. A 1-neuron layer (the usual output) works on Python floats
    where the operation is + − × (IEEE rounding is the same there), and otherwise on
    2-wide scratch arrays: NumPy takes a slower path for 1-element arrays.
    """
    if name not in ("sigmoid", "tanh"):
        return None
    scratch = np.empty(n)
    wide_in = np.zeros(2)  # lane 1 stays 0: a harmless argument
    wide_out = np.empty(2)
    if name == "sigmoid" and n == 1:
        def forward(z, o):  # σ(z) = exp(−logaddexp(0, −z))
            wide_in[0] = -float(z[0])
            np.logaddexp(0.0, wide_in, out=wide_out)
            wide_out[0] = -wide_out[0]
            np.exp(wide_out, out=wide_out)
            o[0] = wide_out[0]

        def delta(dout, z, o, out):  # ∂L/∂O · O(1 − O)
            y = float(o[0])
            out[0] = float(dout[0]) * (y * (1.0 - y))

        return forward, delta
    if name == "sigmoid":
        def forward(z, o):
            np.negative(z, out=o)
            np.logaddexp(0.0, o, out=o)
            np.negative(o, out=o)
            np.exp(o, out=o)

        def delta(dout, z, o, out):
            np.subtract(1.0, o, out=scratch)
            np.multiply(o, scratch, out=scratch)
            np.multiply(dout, scratch, out=out)

        return forward, delta
    if n == 1:
        def forward(z, o):
            wide_in[0] = z[0]
            np.tanh(wide_in, out=wide_out)
            o[0] = wide_out[0]

        def delta(dout, z, o, out):  # ∂L/∂O · (1 − O²)
            y = float(o[0])
            out[0] = float(dout[0]) * (1.0 - y * y)

        return forward, delta

    def forward(z, o):
        np.tanh(z, out=o)

    def delta(dout, z, o, out):
        np.multiply(o, o, out=scratch)
        np.subtract(1.0, scratch, out=scratch)
        np.multiply(dout, scratch, out=out)

    return forward, delta


def _length(values) -> int | None:
    """len() of a row, None for a bare number."""
    try:
        return len(values)
    except TypeError:
        return None
