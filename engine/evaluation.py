"""How a set of parameters does on a table: the held-out split, mean loss, accuracy.

All vectorised with engine.batch (one forward pass over every row at once), so the
timeline can afford them after every epoch.
"""
from __future__ import annotations

import numpy as np

from engine.batch import ROW_LOSSES, batch_row_losses
from engine.spec import NetworkSpec

MAX_TEST_FRACTION = 0.5
SPLIT_STREAM = 7919  # mixed into the seed: the split's draw is not the first epoch's row order


def split_rows(n_rows: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train rows, test rows): index arrays into the table, each in table order.

    round(fraction × n_rows) rows are held out, drawn by a generator seeded with `seed`;
    at least one row always stays for training. fraction 0 holds nothing out.
    """
    n_rows = int(n_rows)
    fraction = float(fraction)
    if n_rows < 1:
        raise ValueError(f"a split needs at least one row, got {n_rows}")
    if not 0.0 <= fraction <= MAX_TEST_FRACTION:
        raise ValueError(f"the test fraction must be 0–{MAX_TEST_FRACTION}, got {fraction}")
    n_test = min(int(round(fraction * n_rows)), n_rows - 1)
    if n_test == 0:
        return np.arange(n_rows), np.arange(0)
    rng = np.random.default_rng([int(seed), SPLIT_STREAM])
    held_out = np.zeros(n_rows, dtype=bool)
    held_out[rng.choice(n_rows, size=n_test, replace=False)] = True
    return np.flatnonzero(~held_out), np.flatnonzero(held_out)


def mean_loss(spec: NetworkSpec, theta, X, Y) -> float:
    """Mean row loss of the parameters `theta` (n_params,) over X (n, inputs), Y (n, outputs);
    NaN for a table with no rows."""
    X = np.asarray(X, dtype=float)
    if X.shape[0] == 0:
        return float("nan")
    row_loss = ROW_LOSSES.get(spec.loss)
    if row_loss is None:  # a loss engine.batch has not vectorised: its slower general path
        with np.errstate(over="ignore", invalid="ignore"):
            return float(batch_row_losses(spec, theta, X, Y)[0].mean())
    Y = np.asarray(Y, dtype=float).reshape(X.shape[0], spec.n_outputs)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return float(row_loss(Y, predict(spec, theta, X)).mean())


def accuracy(spec: NetworkSpec, theta, X, Y) -> float:
    """The fraction of rows whose every output lands on the target's side of 0.5 (ŷ ≥ 0.5
    means 1); NaN for a table with no rows."""
    X = np.asarray(X, dtype=float)
    if X.shape[0] == 0:
        return float("nan")
    Y = np.asarray(Y, dtype=float).reshape(X.shape[0], spec.n_outputs)
    predicted = predict(spec, theta, X) >= 0.5
    return float(np.mean(np.all(predicted == (Y >= 0.5), axis=1)))


def predict(spec: NetworkSpec, theta, X) -> np.ndarray:
    """ŷ (n, outputs) for one parameter vector: engine.batch's forward pass without its
    many-θ machinery (validation, chunking), which costs more than the arithmetic on the
    small tables the timeline measures after every epoch."""
    theta = np.asarray(theta, dtype=float)
    o = np.asarray(X, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        for layer, (w_slice, b_slice) in enumerate(spec.layer_slices, start=1):
            z = o @ theta[w_slice].reshape(spec.sizes[layer - 1], spec.sizes[layer]) + theta[b_slice]
            act = spec.activation(layer)
            o = z if act.is_identity else act.forward(z)
    return o
