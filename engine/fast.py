"""Headless training: the same per-row (or per-batch) SGD as engine.training.Training,
without the per-row records, for the command line, the learning-rate race and test-loss
evaluation.

Why it is fast. A network of the size this app teaches has a few dozen parameters, and
for arrays that small each NumPy call costs far more than the arithmetic inside it. So
for each network shape we write out the whole training loop as straight-line Python on
plain floats (one local variable per parameter, named as in the tutorial: W111, b11, Z11,
O11, ...), compile it once (cached per shape), and run whole epochs inside it. The
interpreter then spends its time on arithmetic, not on calls: a 2-2-1 row costs about a
microsecond. `source(spec, batched)` returns that generated text, for anyone curious.

Same numbers as Training. The generated code does the operations Network.step does, in
the same order: Z = Σ inputs·W + b, O = act(Z), L and ∂L/∂ŷ, δ = ∂L/∂O ⊙ act'(Z),
∂L/∂W = input ⊗ δ, ∂L/∂O below = W·δ (with the weights before the update), then
θ ← θ − η·gradient. Rows are visited in engine.training.row_order, batches and the
divergence rule are Training's. Only the order of additions inside a dot product may
differ, so results agree with Training to rounding (about 1e-15 relative per step).
"""
from __future__ import annotations

import functools
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.losses import BCE_EPSILON
from engine.spec import NetworkSpec
from engine.training import row_order, runaway_limit

# What a compiled run returns as its status.
DONE, LOSS_RAN_AWAY, PARAMS_NOT_FINITE = 0, 1, 2


# ---- the generated loop ---------------------------------------------------------------------
def _storage_names(spec: NetworkSpec) -> list[str]:
    """Parameter names in theta's storage order (layer by layer: W row-major, then b)."""
    names = [""] * spec.n_params
    for name, index in spec.param_index.items():
        names[index] = name
    return names


def _activation(lines: list[str], act: str, z: str, o: str) -> str:
    """Emit O = act(Z); returns the name that holds O (Z itself for a linear layer)."""
    if act == "linear":
        return z
    if act == "tanh":
        lines.append(f"{o} = tanh({z})")
    elif act == "sigmoid":
        # Two branches, so exp never sees a positive argument (math.exp would raise on overflow).
        lines += [f"if {z} >= 0.0:", f"    {o} = 1.0 / (1.0 + exp(-{z}))", "else:",
                  f"    _e = exp({z})", f"    {o} = _e / (1.0 + _e)"]
    elif act == "relu":
        lines.append(f"{o} = {z} if not {z} <= 0.0 else 0.0")  # NaN stays NaN, as np.maximum
    else:
        raise ValueError(f"no fast path for activation {act!r}")
    return o


def _local_slope(act: str, z: str, o: str) -> str | None:
    """dO/dZ as an expression, None for linear (δ = ∂L/∂O)."""
    return {"linear": None, "tanh": f"(1.0 - {o} * {o})", "sigmoid": f"({o} * (1.0 - {o}))",
            "relu": f"(1.0 if {z} > 0.0 else 0.0)"}[act]


def _row_lines(spec: NetworkSpec, guarded: bool) -> tuple[list[str], dict[str, str]]:
    """One row's forward pass, loss and backward pass; returns (lines, gradient expression per parameter).

    The lines leave the row's loss in `loss`; they read the inputs x1.. and targets y1..
    """
    sizes, lines = spec.sizes, []
    ins = [f"x{i}" for i in range(1, sizes[0] + 1)]
    outs_by_layer = []
    for layer in range(1, spec.n_layers + 1):
        outs = []
        for j in range(1, sizes[layer] + 1):
            z = f"Z{layer}{j}"
            terms = " + ".join(f"{ins[i - 1]} * W{layer}{i}{j}" for i in range(1, sizes[layer - 1] + 1))
            lines.append(f"{z} = {terms} + b{layer}{j}")
            outs.append(_activation(lines, spec.activations[layer - 1], z, f"O{layer}{j}"))
        outs_by_layer.append(outs)
        ins = outs
    # The loss and ∂L/∂ŷ, summed over the outputs, as engine.losses writes them.
    terms, douts = [], []
    for j, o in enumerate(outs_by_layer[-1], start=1):
        y = f"y{j}"
        if spec.loss == "bce":
            p, eps, top = f"p{j}", repr(BCE_EPSILON), repr(1.0 - BCE_EPSILON)
            lines.append(f"{p} = {eps} if {o} < {eps} else ({top} if {o} > {top} else {o})")
            terms.append(f"(-{y} * log({p}) - (1.0 - {y}) * log1p(-{p}))")
            douts.append(f"(-({y} - {p}) / ({p} * (1.0 - {p})))")
        else:
            lines.append(f"d{j} = {y} - {o}")
            terms.append(f"d{j} * d{j}")
            douts.append(f"(-2.0 * d{j})" if spec.loss == "se" else f"(-d{j})")
    total = " + ".join(terms)
    lines.append(f"loss = 0.5 * ({total})" if spec.loss == "half-se" else f"loss = {total}")
    if guarded:  # NaN fails `<=` too
        lines += ["if not loss <= limit:", "    status = LOSS_RAN_AWAY", "    break"]
    # Backward, top layer first, every δ from the weights before the update.
    grads: dict[str, str] = {}
    for layer in range(spec.n_layers, 0, -1):
        act, deltas = spec.activations[layer - 1], []
        for j in range(1, sizes[layer] + 1):
            slope = _local_slope(act, f"Z{layer}{j}", outs_by_layer[layer - 1][j - 1])
            dz = f"dZ{layer}{j}"
            lines.append(f"{dz} = {douts[j - 1]}" + (f" * {slope}" if slope else ""))
            deltas.append(dz)
        ins = [f"x{i}" for i in range(1, sizes[0] + 1)] if layer == 1 else outs_by_layer[layer - 2]
        for j, dz in enumerate(deltas, start=1):
            for i in range(1, sizes[layer - 1] + 1):
                grads[f"W{layer}{i}{j}"] = f"{ins[i - 1]} * {dz}"
            grads[f"b{layer}{j}"] = dz
        if layer > 1:
            douts = []
            for i in range(1, sizes[layer - 1] + 1):
                lines.append(f"dO{layer - 1}{i} = " + " + ".join(
                    f"W{layer}{i}{j} * {dz}" for j, dz in enumerate(deltas, start=1)))
                douts.append(f"dO{layer - 1}{i}")
    return lines, grads


def source(spec: NetworkSpec, batched: bool = False, guarded: bool = True) -> str:
    """The text of `run(theta, acc, rows, order, position, end, total, eta, limit, batch)`.

    It trains rows order[position:end] of one epoch (rows[k] = (x1.., y1..)), adding each
    row's loss to `total`, and returns (position, total, loss, status): status DONE, or
    LOSS_RAN_AWAY / PARAMS_NOT_FINITE at `position` (that row not counted, no update
    applied). theta (a list) holds the parameters on return; with batches, acc holds
    (rows so far, gradient sums...) of the batch in progress, so a run may stop and go on.
    Unguarded (for η = 0, where Training lets nothing diverge) it never stops early.
    """
    names = _storage_names(spec)
    body, grads = _row_lines(spec, guarded)
    params = ", ".join(names) + ","
    new = [f"n{n}" for n in names]
    if batched:  # add up the batch's gradients; its last row applies their mean
        body += [f"G{n} += {grads[n]}" for n in names]
        body += ["count += 1", "if count == batch or position + 1 == n_rows:"]
        update = [f"n{n} = {n} - eta * (G{n} / count)" for n in names]
    else:
        update = [f"n{n} = {n} - eta * ({grads[n]})" for n in names]
    if guarded:  # new values first, so a non-finite update can be refused with the old ones kept
        update += [f"s = {' + '.join(new)}",
                   "if s - s != 0.0:  # inf or NaN somewhere",
                   "    status = PARAMS_NOT_FINITE",
                   "    break"]
    if guarded:
        update += [f"{n} = n{n}" for n in names]
    else:  # η = 0 moves nothing: θ − 0·∞ would make a parameter NaN where Training keeps it
        update = []
    if batched:
        update += [f"G{n} = 0.0" for n in names] + ["count = 0"]
        body += ["    " + line for line in update]
    else:
        body += update
    body += ["total += loss", "position += 1"]

    x_and_y = [f"x{i}" for i in range(1, spec.n_inputs + 1)] + [f"y{j}" for j in range(1, spec.n_outputs + 1)]
    out = ["def run(theta, acc, rows, order, position, end, total, eta, limit, batch):",
           f"    {params} = theta",
           "    n_rows = len(order)",
           "    status = DONE",
           "    loss = 0.0"]
    if batched:
        out.append(f"    count, {', '.join('G' + n for n in names)}, = acc")
    out += ["    while position < end:", f"        {', '.join(x_and_y)}, = rows[order[position]]"]
    out += ["        " + line for line in body]
    out.append(f"    theta[:] = ({params})")
    if batched:
        out.append(f"    acc[:] = (count, {', '.join('G' + n for n in names)},)")
    out.append("    return position, total, loss, status")
    return "\n".join(out) + "\n"


@functools.lru_cache(maxsize=32)
def compiled(spec: NetworkSpec, batched: bool = False, guarded: bool = True) -> Callable:
    """`source(spec, batched, guarded)` compiled (once per shape and mode)."""
    namespace = {"tanh": math.tanh, "exp": math.exp, "log": math.log, "log1p": math.log1p,
                 "DONE": DONE, "LOSS_RAN_AWAY": LOSS_RAN_AWAY, "PARAMS_NOT_FINITE": PARAMS_NOT_FINITE}
    code = compile(source(spec, batched, guarded), f"<engine.fast {spec.describe()}>", "exec")
    exec(code, namespace)  # noqa: S102 (our own generated text, see source())
    return namespace["run"]


# ---- the driver ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Stop:
    """Where a run diverged: the row whose loss ran away or whose update was not finite."""

    epoch: int  # counted from 1
    row: int  # the row's index in the table (0-based)
    loss: float  # that row's loss (may be inf or NaN)
    partial_mean: float  # mean row loss of the epoch it cut short, that row included


class FastTraining:
    """Training's arithmetic without records: whole epochs at a time.

    FastTraining(spec, theta, X, Y, eta=0.1, order="shuffle", seed=0, batch=1, rows=None)
    trains a copy of theta on X (rows, inputs), Y (rows, outputs). `rows` names the table
    index of each row of X (default 0..n−1), for reporting where a run diverged when X is
    a subset of a table (the training rows of a split).
    """

    def __init__(self, spec: NetworkSpec, theta, X, Y, *, eta: float = 0.1, order: str = "shuffle",
                 seed: int = 0, batch: int = 1, rows=None):
        X = np.asarray(X, dtype=float)
        Y = np.asarray(Y, dtype=float).reshape(X.shape[0], -1)
        if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] != spec.n_inputs or Y.shape[1] != spec.n_outputs:
            raise ValueError(f"{spec} needs a non-empty table of {spec.n_inputs} inputs and {spec.n_outputs} "
                             f"outputs, got X {X.shape}, Y {Y.shape}")
        theta = np.asarray(theta, dtype=float)
        if theta.shape != (spec.n_params,):
            raise ValueError(f"{spec} has {spec.n_params} parameters, got {theta.shape}")
        row_order(order, 1, seed, 1)  # refuses an unknown order now rather than mid-run
        self.spec = spec
        self.eta = float(eta)
        self.order = order
        self.seed = int(seed)
        self.n_rows = X.shape[0]
        self.batch = max(1, min(int(batch), self.n_rows))
        self.table_rows = np.arange(self.n_rows) if rows is None else np.asarray(rows, dtype=int)
        self.epoch_losses: list[float] = []
        self.diverged: Stop | None = None
        self._rows = [tuple(r) for r in np.hstack([X, Y]).tolist()]
        self._theta = theta.tolist()
        self._acc = [0] + [0.0] * spec.n_params
        # Training's divergence rule: at η = 0 nothing moves, so nothing diverges; otherwise a row
        # diverges when its loss or the parameters stop being finite, or its loss passes
        # engine.training.runaway_limit (taken at the start: η never changes here).
        guarded = self.eta != 0.0
        # The limit is capped at the largest float: an infinite row loss then runs away here too
        # (`not inf <= inf` would let it through), as Training's "loss not finite" test says.
        self._limit = min(_runaway_limit(spec, theta, X, Y), sys.float_info.max) if guarded else math.inf
        self._run = compiled(spec, self.batch > 1, guarded)

    @property
    def theta(self) -> np.ndarray:
        """The parameters now (a fresh array)."""
        return np.array(self._theta)

    @property
    def epochs_done(self) -> int:
        return len(self.epoch_losses)

    def run_epochs(self, epochs: int, keep_thetas: bool = False) -> np.ndarray | None:
        """Train up to `epochs` more whole epochs (fewer if the run diverges).

        With keep_thetas, returns the parameters after each epoch trained, (epochs done, P),
        e.g. to evaluate held-out rows per epoch with engine.batch in one call.
        """
        thetas = [] if keep_thetas else None
        for _ in range(int(epochs)):
            if self.diverged is not None:
                break
            self._epoch()
            if thetas is not None and self.diverged is None:
                thetas.append(tuple(self._theta))
        if thetas is None:
            return None
        return np.array(thetas, dtype=float).reshape(len(thetas), self.spec.n_params)

    def _epoch(self) -> None:
        epoch = len(self.epoch_losses) + 1
        order = row_order(self.order, self.n_rows, self.seed, epoch).tolist()
        n = self.n_rows
        position, total, loss, status = self._run(self._theta, self._acc, self._rows, order, 0, n, 0.0,
                                                  self.eta, self._limit, self.batch)
        if status == DONE:
            self.epoch_losses.append(total / n)
            return
        loss = loss if math.isfinite(loss) else math.inf
        self.diverged = Stop(epoch, int(self.table_rows[order[position]]), loss, (total + loss) / (position + 1))


def _runaway_limit(spec: NetworkSpec, theta: np.ndarray, X: np.ndarray, Y: np.ndarray) -> float:
    with np.errstate(all="ignore"):  # huge data: the limit is then inf, quietly
        return runaway_limit(spec, theta, X, Y)


@dataclass(frozen=True)
class FastResult:
    epoch_losses: tuple[float, ...]  # mean row loss of each finished epoch
    theta: np.ndarray  # the parameters at the end (the last finite ones if it diverged)
    diverged: Stop | None


def train(spec: NetworkSpec, theta, X, Y, *, epochs: int, eta: float = 0.1, order: str = "shuffle",
          seed: int = 0, batch: int = 1, rows=None) -> FastResult:
    """Train `epochs` epochs (or until divergence) from theta; what Training would end with."""
    run = FastTraining(spec, theta, X, Y, eta=eta, order=order, seed=seed, batch=batch, rows=rows)
    run.run_epochs(epochs)
    return FastResult(tuple(run.epoch_losses), run.theta, run.diverged)
