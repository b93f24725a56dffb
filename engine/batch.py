"""The forward pass for MANY parameter vectors at once (landscapes, boundaries).

`Network.forward` handles one row and one parameter vector: it is the reference
the student reads. Here the same arithmetic runs for G parameter vectors over
all n rows of a table in a few NumPy calls:

    thetas (G, P)   X (n, d)   ->   predictions (G, n, k)

Layer l, for every g:  Z_l[g] = O_{l-1}[g] · W_l[g] + b_l[g],  O_l[g] = act_l(Z_l[g]).
The per-row loss is the same sum over outputs the engine's `losses` use, so
`batch_mean_loss(spec, thetas, X, Y)[g]` equals the mean of
`Network(spec, thetas[g]).row_loss(x, y)` over the table up to float rounding
(tests/test_batch.py checks this).

Large batches are split into chunks so no intermediate array exceeds about
CHUNK_ELEMENTS floats: a 101 × 101 landscape of a big network over a long
table stays in a few tens of MB.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine.losses import BCE_EPSILON
from engine.spec import NetworkSpec

CHUNK_ELEMENTS = 2_000_000  # floats per intermediate array (16 MB)


def _row_se(Y: np.ndarray, Yhat: np.ndarray) -> np.ndarray:
    return np.sum((Y - Yhat) ** 2, axis=-1)


def _row_half_se(Y: np.ndarray, Yhat: np.ndarray) -> np.ndarray:
    return 0.5 * np.sum((Y - Yhat) ** 2, axis=-1)


def _row_bce(Y: np.ndarray, Yhat: np.ndarray) -> np.ndarray:
    p = np.clip(Yhat, BCE_EPSILON, 1.0 - BCE_EPSILON)  # as engine.losses does
    return np.sum(-Y * np.log(p) - (1.0 - Y) * np.log1p(-p), axis=-1)


# Per-row loss over the last axis (the outputs), vectorised over any leading axes.
ROW_LOSSES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "se": _row_se,
    "half-se": _row_half_se,
    "bce": _row_bce,
}


def _as_thetas(spec: NetworkSpec, thetas) -> np.ndarray:
    thetas = np.asarray(thetas, dtype=float)
    if thetas.ndim == 1:
        thetas = thetas[None, :]
    if thetas.ndim != 2 or thetas.shape[1] != spec.n_params:
        raise ValueError(f"{spec} needs thetas of shape (G, {spec.n_params}), got {thetas.shape}")
    return thetas


def _as_table(spec: NetworkSpec, X, Y=None) -> tuple[np.ndarray, np.ndarray | None]:
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[None, :]
    if X.ndim != 2 or X.shape[1] != spec.n_inputs:
        raise ValueError(f"{spec} takes {spec.n_inputs} inputs per row, got X of shape {X.shape}")
    if Y is None:
        return X, None
    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.shape != (X.shape[0], spec.n_outputs):
        raise ValueError(f"Y must be ({X.shape[0]}, {spec.n_outputs}), got {Y.shape}")
    return X, Y


def _chunk_size(spec: NetworkSpec, n_rows: int) -> int:
    widest = max(spec.sizes)
    return max(1, CHUNK_ELEMENTS // max(1, n_rows * widest))


def _forward(spec: NetworkSpec, thetas: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Outputs (G, n, k) for one chunk of thetas; no validation."""
    G = thetas.shape[0]
    o = X  # (n, d) for the first layer, broadcast against (G, d, h)
    for layer, (w_slice, b_slice) in enumerate(spec.layer_slices, start=1):
        n_in, n_out = spec.sizes[layer - 1], spec.sizes[layer]
        W = thetas[:, w_slice].reshape(G, n_in, n_out)
        b = thetas[:, b_slice][:, None, :]  # (G, 1, h)
        z = np.matmul(o, W) + b  # (G, n, h)
        act = spec.activation(layer)
        o = z if act.is_identity else act.forward(z)
    return o


def batch_predict(spec: NetworkSpec, thetas, X) -> np.ndarray:
    """ŷ for every parameter vector and every row: thetas (G, P), X (n, d) -> (G, n, k).

    Overflow to ±inf (a parameter vector far from sensible values) gives inf or
    NaN in that entry, silently: a landscape shows it as "off the scale".
    """
    thetas = _as_thetas(spec, thetas)
    X, _ = _as_table(spec, X)
    G, n = thetas.shape[0], X.shape[0]
    out = np.empty((G, n, spec.n_outputs))
    step = _chunk_size(spec, n)
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, G, step):
            out[start : start + step] = _forward(spec, thetas[start : start + step], X)
    return out


def batch_row_losses(spec: NetworkSpec, thetas, X, Y) -> np.ndarray:
    """Loss of every row for every parameter vector: (G, n)."""
    thetas = _as_thetas(spec, thetas)
    X, Y = _as_table(spec, X, Y)
    G, n = thetas.shape[0], X.shape[0]
    row_loss = ROW_LOSSES.get(spec.loss) or _fallback_row_loss(spec)
    out = np.empty((G, n))
    step = _chunk_size(spec, n)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for start in range(0, G, step):
            out[start : start + step] = row_loss(Y, _forward(spec, thetas[start : start + step], X))
    return out


def batch_mean_loss(spec: NetworkSpec, thetas, X, Y) -> np.ndarray:
    """Mean row loss over the table for every parameter vector: thetas (G, P) -> (G,)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return batch_row_losses(spec, thetas, X, Y).mean(axis=1)


def _fallback_row_loss(spec: NetworkSpec):
    """A loss added to engine.losses but not (yet) vectorised here: correct, just slower."""
    loss = spec.loss_fn

    def row_loss(Y: np.ndarray, Yhat: np.ndarray) -> np.ndarray:
        Yb = np.broadcast_to(Y, Yhat.shape)
        flat = [loss.value(y, yh) for y, yh in zip(Yb.reshape(-1, Yb.shape[-1]), Yhat.reshape(-1, Yhat.shape[-1]))]
        return np.asarray(flat, dtype=float).reshape(Yhat.shape[:-1])

    return row_loss
