"""What a network says over its inputs, in the data's own units: a classifier's decision
boundary, a regression's fitted curve (one input) or fitted surface (two inputs).

The network is trained on scaled inputs (and, for regression, maybe scaled targets), but a
student thinks in CGPA and profile score. So every grid is laid out in RAW units (the table's
own numbers); each grid point goes through the run's input scaler, then through the network in
one vectorised pass (engine.batch), and a regression's output goes back through the run's
target scaler to the table's units. The boundary is where P(class 1) = THRESHOLD.

A scaler here is anything with `.transform(X)` (engine.scaling's Scaler or Standardizer); a
target scaler anything with `.inverse(Yhat)` (engine.scaling's TargetScaler). None = identity.

Accuracy counts a row as right when (ŷ ≥ THRESHOLD) equals (y ≥ THRESHOLD); with
several outputs every output of every row counts once.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.batch import batch_predict
from engine.network import Network
from engine.scaling import Standardizer

THRESHOLD = 0.5
GRID_POINTS = 101
ROW_CHUNK = 4096  # rows per forward pass over a grid (see predict_raw)
MARGIN = 0.15  # the grid reaches this fraction of the data's span beyond its extremes


def _scaler(network: Network, scaler) -> Standardizer:
    return scaler if scaler is not None else Standardizer.identity(network.spec.n_inputs)


def predict_raw(network: Network, X_raw, scaler=None) -> np.ndarray:
    """ŷ (n, outputs) for rows in raw units: scale as in training, then the network's forward pass.

    Many rows go through in chunks of ROW_CHUNK: every layer's intermediate array then stays
    small enough for the CPU's cache (measured on a 161 × 161 grid of a 2-8-8-1 network:
    27 ms in one pass, 3 ms in chunks), which is what lets a boundary redraw 10+ times a second."""
    X = _scaler(network, scaler).transform(np.atleast_2d(np.asarray(X_raw, dtype=float)))
    if X.shape[0] <= ROW_CHUNK:
        return batch_predict(network.spec, network.theta, X)[0]
    return np.concatenate([batch_predict(network.spec, network.theta, X[i:i + ROW_CHUNK])[0]
                           for i in range(0, X.shape[0], ROW_CHUNK)])


def predict_table(network: Network, X_raw, scaler=None, target_scaler=None) -> np.ndarray:
    """ŷ (n, outputs) in the table's own units: predict_raw, then undo the target scaling."""
    Yhat = predict_raw(network, X_raw, scaler)
    return Yhat if target_scaler is None else np.asarray(target_scaler.inverse(Yhat), dtype=float)


def accuracy(network: Network, X_raw, Y, scaler=None,
             threshold: float = THRESHOLD) -> float:
    """Fraction of the table the network classifies right at `threshold` (0 … 1)."""
    Y = np.asarray(Y, dtype=float)
    P = predict_raw(network, X_raw, scaler)
    Y = Y.reshape(P.shape)
    return float(np.mean((P >= threshold) == (Y >= threshold)))


def padded_range(values, margin: float = MARGIN) -> tuple[float, float]:
    """The span of `values` widened by `margin` of itself on each side (never empty)."""
    values = np.asarray(values, dtype=float)
    lo, hi = float(values.min()), float(values.max())
    span = hi - lo if hi > lo else max(1.0, abs(lo))
    return lo - margin * span, hi + margin * span


@dataclass(frozen=True)
class BoundaryGrid:
    """P(class 1) over a grid of the two raw inputs.

    prob[i, j] is the network's output at x1 = values_x[i], x2 = values_y[j]
    (x first: pyqtgraph's ImageItem layout). accuracy is over the table given.
    """

    values_x: np.ndarray  # (n,)
    values_y: np.ndarray  # (n,)
    prob: np.ndarray  # (n, n)
    accuracy: float
    correct: int  # outputs classified right, over the whole table
    total: int
    row_right: np.ndarray  # (rows,) True where every output of the row is classified right

    def rows_right(self, rows) -> tuple[int, int]:
        """(rows classified right, rows) among the table rows `rows` (an index array)."""
        right = self.row_right[np.asarray(rows, dtype=int)]
        return int(right.sum()), int(right.size)


def grid_axes(range_x, range_y, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The n × n grid over two raw ranges: (values_x, values_y, points (n², 2), x varying slowest)."""
    vx = np.linspace(*range_x, n)
    vy = np.linspace(*range_y, n)
    gx, gy = np.meshgrid(vx, vy, indexing="ij")
    return vx, vy, np.column_stack([gx.ravel(), gy.ravel()])


def boundary_grid(
    network: Network, X_raw, Y, scaler=None, *, n: int = GRID_POINTS,
    range_x: tuple[float, float] | None = None, range_y: tuple[float, float] | None = None, output: int = 0,
) -> BoundaryGrid:
    """The network's P(class 1) (output `output`) on an n × n grid over the two raw inputs."""
    spec = network.spec
    if spec.n_inputs != 2:
        raise ValueError(f"a decision boundary over two inputs needs a 2-input network; {spec} has {spec.n_inputs}")
    if not 0 <= output < spec.n_outputs:
        raise ValueError(f"{spec} has {spec.n_outputs} output(s); no output {output}")
    X_raw = np.asarray(X_raw, dtype=float)
    range_x = range_x or padded_range(X_raw[:, 0])
    range_y = range_y or padded_range(X_raw[:, 1])
    vx, vy, points = grid_axes(range_x, range_y, n)
    prob = predict_raw(network, points, scaler)[:, output].reshape(n, n)
    Y = np.asarray(Y, dtype=float).reshape(len(X_raw), -1)
    P = predict_raw(network, X_raw, scaler)
    right = (P >= THRESHOLD) == (Y >= THRESHOLD)
    return BoundaryGrid(values_x=vx, values_y=vy, prob=prob, accuracy=float(right.mean()),
                        correct=int(right.sum()), total=int(right.size), row_right=right.all(axis=1))


# ---- regression: the fitted curve and surface ----------------------------------------------------
@dataclass(frozen=True)
class FittedLine:
    """ŷ (table units) along a line of the one raw input: y_hat[i] at x = values_x[i]."""

    values_x: np.ndarray  # (n,)
    y_hat: np.ndarray  # (n,)


@dataclass(frozen=True)
class FittedSurface:
    """ŷ (table units) over a grid of the two raw inputs: y_hat[i, j] at (values_x[i], values_y[j])."""

    values_x: np.ndarray  # (n,)
    values_y: np.ndarray  # (n,)
    y_hat: np.ndarray  # (n, n)


def fitted_line(network: Network, range_x: tuple[float, float], scaler=None, target_scaler=None, *,
                n: int = 201, output: int = 0) -> FittedLine:
    """A 1-input network's ŷ (output `output`, table units) at n evenly spaced raw x in range_x."""
    if network.spec.n_inputs != 1:
        raise ValueError(f"a fitted curve needs a 1-input network; {network.spec} has {network.spec.n_inputs}")
    vx = np.linspace(*range_x, n)
    return FittedLine(vx, predict_table(network, vx[:, None], scaler, target_scaler)[:, output])


def fitted_surface(network: Network, range_x: tuple[float, float], range_y: tuple[float, float], scaler=None,
                   target_scaler=None, *, n: int = GRID_POINTS, output: int = 0) -> FittedSurface:
    """A 2-input network's ŷ (output `output`, table units) on an n × n grid over the two raw inputs."""
    if network.spec.n_inputs != 2:
        raise ValueError(f"a fitted surface needs a 2-input network; {network.spec} has {network.spec.n_inputs}")
    vx, vy, points = grid_axes(range_x, range_y, n)
    y_hat = predict_table(network, points, scaler, target_scaler)[:, output].reshape(n, n)
    return FittedSurface(vx, vy, y_hat)
