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
scratch's "θ after" slot: the update lands in place.
"""
from __future__ import annotations

import numpy as np

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
            self._layers.append((Wb, Wb[:-1], self.spec.activation(layer)))
        self._loss = self.spec.loss_fn

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

    def _backward(self, v: StepViews) -> None:
        """∂L/∂ŷ, every δ and the whole gradient from v's x, y, Z and O."""
        v.dloss[:] = self._loss.derivative(v.y, v.outs[-1])
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
        self._backward(v)
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
            loss = self._loss.value(v.y, v.outs[-1])
            self._backward(v)
            v.theta_before[:] = self.theta
            self.theta -= eta * v.gradient  # self.theta is v.theta_after
        return StepRecord(self.spec, epoch, row, step, float(eta), loss, frozen(self._buffer.copy()), self._layout)


def _length(values) -> int | None:
    """len() of a row, None for a bare number."""
    try:
        return len(values)
    except TypeError:
        return None
