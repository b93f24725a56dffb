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
"""
from __future__ import annotations

import numpy as np

from engine.record import NamedValues, StepRecord, frozen
from engine.spec import NetworkSpec, preset


class Network:
    def __init__(self, spec: NetworkSpec, theta: np.ndarray | None = None):
        self.spec = spec
        self.theta = np.zeros(spec.n_params) if theta is None else np.array(theta, dtype=float)
        if self.theta.shape != (spec.n_params,):
            raise ValueError(f"{spec} has {spec.n_params} parameters, got {self.theta.shape}")
        self._bind_views()

    @classmethod
    def from_preset(cls, task: str) -> "Network":
        return cls(preset(task))

    def _bind_views(self) -> None:
        # (W view, b view, activation, loss) per layer: resolved once, used on every row.
        sizes = self.spec.sizes
        self._layers = []
        for layer, (w_slice, b_slice) in enumerate(self.spec.layer_slices, start=1):
            W = self.theta[w_slice].reshape(sizes[layer - 1], sizes[layer])
            self._layers.append((W, self.theta[b_slice], self.spec.activation(layer)))
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

    # ---- forward and backward -------------------------------------------------
    def forward(self, x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Pre-activations and outputs of every layer for one row x (inputs,)."""
        zs, outs = [], []
        o = x
        for W, b, act in self._layers:
            z = o @ W + b
            o = z if act.is_identity else act.forward(z)
            zs.append(z)
            outs.append(o)
        return zs, outs

    def predict(self, x) -> np.ndarray:
        return self.forward(np.asarray(x, dtype=float))[1][-1]

    def row_loss(self, x, y) -> float:
        return self._loss.value(np.asarray(y, dtype=float), self.predict(x))

    def backward(self, x: np.ndarray, y: np.ndarray, zs, outs) -> tuple[np.ndarray, np.ndarray]:
        """(∂L/∂ŷ, gradient of L over the flat parameter vector) for one row."""
        gradient = np.empty_like(self.theta)
        dloss = self._loss.derivative(y, outs[-1])
        delta = dloss
        for layer in range(len(self._layers) - 1, -1, -1):
            W, _, act = self._layers[layer]
            if not act.is_identity:
                delta = delta * act.derivative(zs[layer], outs[layer])
            w_slice, b_slice = self.spec.layer_slices[layer]
            inputs = outs[layer - 1] if layer else x
            np.multiply.outer(inputs, delta, out=gradient[w_slice].reshape(W.shape))
            gradient[b_slice] = delta
            if layer:
                delta = W @ delta
        return dloss, gradient

    def step(self, x, y, eta: float, *, epoch: int = 1, row: int = 0, step: int = 0) -> StepRecord:
        """One SGD update on one row; every parameter moves from the old values' gradients."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        zs, outs = self.forward(x)
        loss = self._loss.value(y, outs[-1])
        dloss, gradient = self.backward(x, y, zs, outs)
        before = self.theta.copy()
        self.theta -= eta * gradient
        return StepRecord(
            spec=self.spec, epoch=epoch, row=row, step=step, eta=float(eta),
            x=frozen(x.copy()), y=frozen(y.copy()),
            zs=tuple(map(frozen, zs)), outs=tuple(map(frozen, outs)),
            loss=loss, dloss=frozen(dloss), theta_before=frozen(before),
            gradient=frozen(gradient), theta_after=frozen(self.theta.copy()),
        )
