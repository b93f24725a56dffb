"""The loss landscape: the mean loss over the table as one or two parameters vary.

Every other parameter stays at its current value, so a grid is a 2-D (or, for a
slice, 1-D) cut through the loss surface that passes through the current point.
The grid is evaluated in one vectorised pass (engine.batch): a 101 × 101 grid
over the tutorial's table takes a few milliseconds. engine.landscape_job computes the same
grid and slice a chunk of points at a time, for a caller that must stay responsive on a big table.

The slice also carries the tangent at the current value. Its slope is the
gradient training uses, ∂L̄/∂p = mean over the rows of ∂L/∂p, each row's from
`Network.backward` (backprop), not from finite differences: the picture shows
what SGD "sees" when it decides which way to move.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from engine.batch import batch_mean_loss
from engine.network import Network
from engine.spec import NetworkSpec

GRID_POINTS = 101
SLICE_POINTS = 201
MIN_HALF_WIDTH = 2.0  # a default range is never narrower than value ± 2
RELATIVE_HALF_WIDTH = 2.0  # ... and grows as value ± 2·|value| for large values
KEEP_MARGIN = 0.1  # follow_range keeps a range while the value stays in its inner 80 %


def default_range(value: float) -> tuple[float, float]:
    """value ± max(2, 2·|value|): wide enough to show a valley, centred on the point.

    A non-finite value (a diverged network) gets the range around 0.
    """
    value = float(value) if np.isfinite(value) else 0.0
    half = max(MIN_HALF_WIDTH, RELATIVE_HALF_WIDTH * abs(value))
    return float(value) - half, float(value) + half


def follow_range(current: tuple[float, float] | None, value: float) -> tuple[float, float]:
    """Keep `current` while `value` sits well inside it; otherwise a fresh default range.

    A view calls this on every update, so the axes stay still while training
    moves the point around inside the picture and re-centre only when it nears
    an edge (or leaves).
    """
    if current is not None:
        if not np.isfinite(value):
            return current
        lo, hi = current
        margin = KEEP_MARGIN * (hi - lo)
        if lo + margin <= value <= hi - margin:
            return current
    return default_range(value)


def theta_of(spec: NetworkSpec, params: Mapping[str, float]) -> np.ndarray:
    """The flat parameter vector θ (the network's own layout) of a name -> value mapping such as
    `Moment.params`."""
    theta = np.empty(spec.n_params)
    for name, i in spec.param_index.items():
        theta[i] = params[name]
    return theta


def _table(network: Network, X, Y) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 1:
        Y = Y[:, None]
    return X, Y


def _index(network: Network, name: str) -> int:
    try:
        return network.spec.param_index[name]
    except KeyError:
        raise KeyError(f"no parameter named {name!r} in {network.spec}") from None


@dataclass(frozen=True)
class LossGrid:
    """Mean loss on a grid of two parameters, the others fixed.

    loss[i, j] is the mean loss at param_x = values_x[i], param_y = values_y[j]
    (x first: the layout pyqtgraph's ImageItem expects). Non-finite where the
    network overflows. The minimum is the grid's smallest finite value.
    """

    param_x: str
    param_y: str
    values_x: np.ndarray  # (n,)
    values_y: np.ndarray  # (n,)
    loss: np.ndarray  # (n, n)
    current: tuple[float, float]
    current_loss: float  # the mean loss at the current point (exactly, not from the grid)
    min_at: tuple[float, float]
    min_loss: float

    def __iter__(self):
        """Unpacks as (values_x, values_y, loss, min_at)."""
        return iter((self.values_x, self.values_y, self.loss, self.min_at))


def grid_axes(
    network: Network, p1: str, p2: str,
    range1: tuple[float, float] | None = None, range2: tuple[float, float] | None = None,
    n: int = GRID_POINTS,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values of p1 (n,), values of p2 (n,), the n² parameter vectors, x-major) of a grid."""
    if p1 == p2:
        raise ValueError(f"choose two different parameters (both are {p1})")
    if n < 2:
        raise ValueError(f"a grid needs at least 2 points a side, got {n}")
    i1, i2 = _index(network, p1), _index(network, p2)
    theta = network.theta
    range1 = range1 or default_range(theta[i1])
    range2 = range2 or default_range(theta[i2])
    v1 = np.linspace(range1[0], range1[1], n)
    v2 = np.linspace(range2[0], range2[1], n)
    thetas = np.repeat(theta[None, :], n * n, axis=0)
    g1, g2 = np.meshgrid(v1, v2, indexing="ij")
    thetas[:, i1] = g1.ravel()
    thetas[:, i2] = g2.ravel()
    return v1, v2, thetas


def grid_of(network: Network, X, Y, p1: str, p2: str, v1, v2, loss) -> LossGrid:
    """The LossGrid of the mean losses `loss` (n², x-major) at grid_axes' points."""
    X, Y = _table(network, X, Y)
    n = len(v1)
    loss = np.asarray(loss, dtype=float).reshape(n, n)
    theta = network.theta
    i1, i2 = _index(network, p1), _index(network, p2)
    current_loss = float(batch_mean_loss(network.spec, theta, X, Y)[0])
    finite = np.isfinite(loss)
    if finite.any():
        k = int(np.argmin(np.where(finite, loss, np.inf)))
        a, b = np.unravel_index(k, loss.shape)
        min_at, min_loss = (float(v1[a]), float(v2[b])), float(loss[a, b])
    else:
        min_at, min_loss = (float("nan"), float("nan")), float("nan")
    return LossGrid(
        param_x=p1, param_y=p2, values_x=v1, values_y=v2, loss=loss,
        current=(float(theta[i1]), float(theta[i2])), current_loss=current_loss,
        min_at=min_at, min_loss=min_loss,
    )


def loss_grid(
    network: Network, X, Y, p1: str, p2: str,
    range1: tuple[float, float] | None = None, range2: tuple[float, float] | None = None,
    n: int = GRID_POINTS,
) -> LossGrid:
    """Mean loss over the table (X, Y as the network sees them) on an n × n grid of (p1, p2)."""
    v1, v2, thetas = grid_axes(network, p1, p2, range1, range2, n)
    X, Y = _table(network, X, Y)
    return grid_of(network, X, Y, p1, p2, v1, v2, batch_mean_loss(network.spec, thetas, X, Y))


def mean_gradient(network: Network, X, Y) -> tuple[float, np.ndarray]:
    """(mean loss, mean gradient (P,)) over the table: backprop on all rows at once.

    The same chain as Network.backward, with each layer's rows stacked as a matrix:
    δ = ∂L/∂O ⊙ act'(Z), ∂L/∂W = O_prevᵀ·δ / rows, ∂L/∂b = mean of δ, ∂L/∂O below = δ·Wᵀ
    (one matrix product a layer instead of a Python loop over the rows: a 1 000-row table on a
    4 × 8 network took 0.13 s row by row). Agrees with the row-by-row mean to rounding.
    """
    X, Y = _table(network, X, Y)
    spec, theta = network.spec, network.theta
    sizes = spec.sizes
    gradient = np.zeros_like(theta)
    # Far from sensible values the numbers overflow: that gives inf/NaN here, not a warning.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        outs, zs, weights = [X], [], []
        for layer, (w_slice, b_slice) in enumerate(spec.layer_slices, start=1):
            W = theta[w_slice].reshape(sizes[layer - 1], sizes[layer])
            z = outs[-1] @ W + theta[b_slice]
            act = spec.activation(layer)
            zs.append(z)
            outs.append(z if act.is_identity else act.forward(z))
            weights.append(W)
        dout = spec.loss_fn.derivative(Y, outs[-1])
        for layer in range(spec.n_layers, 0, -1):
            act = spec.activation(layer)
            delta = dout if act.is_identity else dout * act.derivative(zs[layer - 1], outs[layer])
            w_slice, b_slice = spec.layer_slices[layer - 1]
            gradient[w_slice] = (outs[layer - 1].T @ delta).ravel() / len(X)
            gradient[b_slice] = delta.mean(axis=0)
            dout = delta @ weights[layer - 1].T
        loss = float(batch_mean_loss(spec, theta, X, Y)[0])
    return loss, gradient


@dataclass(frozen=True)
class LossSlice:
    """Mean loss as one parameter varies, the others fixed, with the tangent at the current value.

    slope = ∂L̄/∂p at the current value (mean of the rows' backprop gradients);
    the tangent line is current_loss + slope · (p − current).
    """

    param: str
    values: np.ndarray  # (n,)
    loss: np.ndarray  # (n,)
    current: float
    current_loss: float
    slope: float

    def tangent(self, values) -> np.ndarray:
        return self.current_loss + self.slope * (np.asarray(values, dtype=float) - self.current)


def slice_axis(
    network: Network, p: str, range_: tuple[float, float] | None = None, n: int = SLICE_POINTS,
) -> tuple[np.ndarray, np.ndarray]:
    """(values of p (n,), the n parameter vectors) of a slice through the current point."""
    if n < 2:
        raise ValueError(f"a slice needs at least 2 points, got {n}")
    i = _index(network, p)
    theta = network.theta
    range_ = range_ or default_range(theta[i])
    values = np.linspace(range_[0], range_[1], n)
    thetas = np.repeat(theta[None, :], n, axis=0)
    thetas[:, i] = values
    return values, thetas


def slice_of(network: Network, X, Y, p: str, values, loss) -> LossSlice:
    """The LossSlice of the mean losses `loss` at slice_axis' points, with the backprop tangent."""
    current_loss, gradient = mean_gradient(network, X, Y)
    i = _index(network, p)
    return LossSlice(
        param=p, values=values, loss=np.asarray(loss, dtype=float), current=float(network.theta[i]),
        current_loss=float(current_loss), slope=float(gradient[i]),
    )


def loss_slice(
    network: Network, X, Y, p: str, range_: tuple[float, float] | None = None, n: int = SLICE_POINTS,
) -> LossSlice:
    """Mean loss over the table along parameter p (n points over range_), plus the tangent there."""
    values, thetas = slice_axis(network, p, range_, n)
    X, Y = _table(network, X, Y)
    return slice_of(network, X, Y, p, values, batch_mean_loss(network.spec, thetas, X, Y))
