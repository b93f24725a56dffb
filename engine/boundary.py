"""Where a 2-input classifier says "class 1": its decision boundary, in the data's own units.

The network is trained on standardised inputs, but a student thinks in CGPA and
profile score. So the grid is laid out in RAW units (the table's own numbers),
each grid point goes through the same Standardizer as the training rows, then
through the network in one vectorised pass (engine.batch). The boundary is
where P(class 1) = THRESHOLD.

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
MARGIN = 0.15  # the grid reaches this fraction of the data's span beyond its extremes


def _scaler(network: Network, scaler: Standardizer | None) -> Standardizer:
    return scaler if scaler is not None else Standardizer.identity(network.spec.n_inputs)


def predict_raw(network: Network, X_raw, scaler: Standardizer | None = None) -> np.ndarray:
    """ŷ (n, outputs) for rows in raw units: standardise, then the network's forward pass."""
    X = _scaler(network, scaler).transform(np.atleast_2d(np.asarray(X_raw, dtype=float)))
    return batch_predict(network.spec, network.theta, X)[0]


def accuracy(network: Network, X_raw, Y, scaler: Standardizer | None = None,
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


def boundary_grid(
    network: Network, X_raw, Y, scaler: Standardizer | None = None, *, n: int = GRID_POINTS,
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
    vx = np.linspace(*range_x, n)
    vy = np.linspace(*range_y, n)
    gx, gy = np.meshgrid(vx, vy, indexing="ij")
    points = np.column_stack([gx.ravel(), gy.ravel()])
    prob = predict_raw(network, points, scaler)[:, output].reshape(n, n)
    Y = np.asarray(Y, dtype=float).reshape(len(X_raw), -1)
    P = predict_raw(network, X_raw, scaler)
    right = (P >= THRESHOLD) == (Y >= THRESHOLD)
    return BoundaryGrid(values_x=vx, values_y=vy, prob=prob, accuracy=float(right.mean()),
                        correct=int(right.sum()), total=int(right.size), row_right=right.all(axis=1))
