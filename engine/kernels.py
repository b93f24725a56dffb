"""The training step's arithmetic for one network shape, as straight-line code.

Why. A network of the size this app teaches has layers of one to eight neurons; on
arrays that small each NumPy call costs far more than its arithmetic, and so does the
Python around it (loops over layers, a function per activation, a fresh array per
operation). So for each shape, `source(spec)` writes out one row's forward pass, loss
and backward pass as a list of NumPy calls, each writing into a slot of the step's
array (Z, O, ∂L/∂O, δ, ∂L/∂ŷ, the gradient) or a small scratch array made once;
`row_function(spec, views)` compiles that text once per shape and binds it to one
network's views. engine.network.Network.step runs it, then the update. Print
`source(spec)` to read what a row does.

Why the numbers are the same to the bit as the formulas of engine.activations and
engine.losses (which Network.forward and Network.backward run): every line performs the
formula's IEEE operations in the formula's order. Where an operation is + − × ÷ it may
run on Python floats, which round exactly as NumPy's float64 does; exp, log, log1p,
logaddexp, tanh, maximum and every matrix product go through the very NumPy routines
the formulas call. A Python float argument to a ufunc is replaced by a 0-d array
holding the same float64 (NumPy would convert it on every call). A squared error over
one output is d·d, which is what a 1-element dot product computes (≥ 0, so not even a
zero's sign can differ). tests/test_engine_properties.py checks records against the
formulas for every shape, activation and loss.
"""
from __future__ import annotations

import functools
import types
from collections.abc import Callable

import numpy as np

from engine.losses import BCE_EPSILON
from engine.record import StepViews
from engine.spec import NetworkSpec

# Up to these many neurons, Python floats beat a ufunc call: for δ (three calls) and for a negation.
FLOAT_DELTA_MAX, FLOAT_NEGATE_MAX = 4, 3


def _negate(n: int, source: str, target: str) -> list[str]:
    """target = −source on Python floats, written out for n values (negation is exact)."""
    values = ", ".join(f"a{j}" for j in range(n)) + ","
    return [f"{values} = {source}.tolist()"] + [f"{target}[{j}] = -a{j}" for j in range(n)]


def _activation(k: int, act: str, n: int) -> list[str]:
    """O = act(Z) for layer k (0-based) with n neurons, as engine.activations writes it."""
    z, out = f"Z{k}", f"O{k}"
    if act == "linear":
        return []  # O is Z: one slot
    if act == "sigmoid":  # σ(z) = exp(−logaddexp(0, −z))
        if n > FLOAT_NEGATE_MAX:
            return [f"negative({z}, {out})", f"logaddexp(ZERO, {out}, {out})", f"negative({out}, {out})",
                    f"exp({out}, {out})"]
        if n > 1:
            return [*_negate(n, z, out), f"logaddexp(ZERO, {out}, {out})", *_negate(n, out, out), f"exp({out}, {out})"]
        # One neuron: the negations on a Python float, the ufuncs on a 2-wide scratch pair.
        return [f"wide_in{k}[0] = -{z}.item(0)", f"logaddexp(ZERO, wide_in{k}, wide_out{k})",
                f"wide_out{k}[0] = -wide_out{k}.item(0)", f"exp(wide_out{k}, wide_out{k})",
                f"o{k} = wide_out{k}.item(0)", f"{out}[0] = o{k}"]
    if act == "tanh":
        return [f"tanh({z}, {out})"]
    if act == "relu":
        return [f"maximum({z}, ZERO, out={out})"]  # np.maximum(z, 0.0)
    return [f"{out}[:] = forward{k}({z})"]  # an activation without a line here: its formula


def _loss(spec: NetworkSpec, last: int) -> list[str]:
    """loss = L(y, ŷ) and ∂L/∂ŷ into dL, as engine.losses writes them (Python floats: `dl`)."""
    out = f"O{last}"
    y_hat = f"o{last}" if spec.activations[-1] == "sigmoid" and spec.n_outputs == 1 else f"{out}.item(0)"
    if spec.n_outputs == 1 and spec.loss == "se":
        return [f"d = Y.item(0) - {y_hat}", "dl = -2.0 * d", "dL[0] = dl", "loss = d * d"]
    if spec.n_outputs == 1 and spec.loss == "bce":
        # L = −y·log(p) − (1 − y)·log1p(−p). With p clipped to [ε, 1 − ε] both logs are finite
        # and below 0, so for a target of exactly 1 the second term is 0·log1p(−p) = −0, and
        # subtracting it leaves the first term (> 0) unchanged: log1p need not run. Likewise for
        # a target of 0: the first term is −0·log(p) = +0 and L = 0 − 1·log1p(−p). A NaN ŷ
        # (p != p) takes the whole formula, so even its NaN comes out the same.
        eps, top = repr(BCE_EPSILON), repr(1.0 - BCE_EPSILON)
        return ["y = Y.item(0)", f"p = {y_hat}",
                f"p = p if not p < {eps} else {eps}",  # np.maximum: NaN stays NaN
                f"p = p if not p > {top} else {top}",  # np.minimum
                "dl = -(y - p) / (p * (1.0 - p))", "dL[0] = dl",
                "if y == 1.0 and p == p:",
                "    log_in[0] = p", "    log(log_in, log_out)", "    loss = -y * log_out.item(0)",
                "elif y == 0.0 and p == p:",
                "    log1p_in[0] = -p", "    log1p(log1p_in, log1p_out)",
                "    loss = 0.0 - (1.0 - y) * log1p_out.item(0)",
                "else:",
                "    log_in[0] = p", "    log1p_in[0] = -p",
                "    log(log_in, log_out)", "    log1p(log1p_in, log1p_out)",
                "    loss = -y * log_out.item(0) - (1.0 - y) * log1p_out.item(0)"]
    return [f"dL[:] = loss_derivative(Y, {out})", f"loss = loss_value(Y, {out})"]


def _local_delta(spec: NetworkSpec, k: int, act: str, n: int) -> list[str]:
    """δ = ∂L/∂O ⊙ act'(Z, O) for layer k; nothing for a linear layer (δ is ∂L/∂O, one slot)."""
    dO, D, out = f"dO{k}", f"D{k}", f"O{k}"
    if act == "linear":
        return []
    slopes = {"sigmoid": "({o} * (1.0 - {o}))", "tanh": "(1.0 - {o} * {o})"}  # dO/dZ from O, as the formulas
    if act not in slopes:  # relu and any other: the formula
        return [f"multiply({dO}, derivative{k}(Z{k}, {out}), out={D})"]
    slope = slopes[act]
    if n == 1:  # O and ∂L/∂O as Python floats: from the forward pass and the loss where they are at hand
        o = f"o{k}" if act == "sigmoid" else f"{out}.item(0)"
        scalar_loss = k == spec.n_layers - 1 and spec.n_outputs == 1 and spec.loss in ("se", "bce")
        return [f"q0 = {o}", f"{D}[0] = {'dl' if scalar_loss else f'{dO}.item(0)'} * {slope.format(o='q0')}"]
    if n <= FLOAT_DELTA_MAX:
        gs, qs = (", ".join(f"{name}{j}" for j in range(n)) + "," for name in "gq")
        return [f"{gs} = {dO}.tolist()", f"{qs} = {out}.tolist()",
                *(f"{D}[{j}] = g{j} * {slope.format(o=f'q{j}')}" for j in range(n))]
    if act == "sigmoid":
        return [f"subtract(ONE, {out}, S{k})", f"multiply({out}, S{k}, S{k})", f"multiply({dO}, S{k}, {D})"]
    return [f"multiply({out}, {out}, S{k})", f"subtract(ONE, S{k}, S{k})", f"multiply({dO}, S{k}, {D})"]


@functools.lru_cache(maxsize=32)
def source(spec: NetworkSpec) -> str:
    """The text of `row()`: one row's forward pass, loss and backward pass; returns the loss.

    It reads x and y from their slots and leaves every Z, O, ∂L/∂O, δ, ∂L/∂ŷ and the
    gradient in theirs; the update is not part of it (Network.step applies it).
    Names: layer k (from 0) has Z{k}, O{k}, dO{k} (∂L/∂O), D{k} (δ) and [W; b] = Wb{k}.
    """
    lines = []
    last = spec.n_layers - 1
    for k, act in enumerate(spec.activations):
        lines.append(f"dot{k}(Wb{k}, Z{k})  # Z{k + 1} = [inputs, 1] · [W{k + 1}; b{k + 1}]")
        lines += _activation(k, act, spec.sizes[k + 1])
    lines += _loss(spec, last)
    for k in range(last, -1, -1):
        lines += _local_delta(spec, k, spec.activations[k], spec.sizes[k + 1])
        lines.append(f"outer{k}(delta_row{k}, G{k})  # ∂L/∂[W{k + 1}; b{k + 1}] = [inputs, 1] ⊗ δ")
        if k:
            lines.append(f"down{k}(D{k}, dO{k - 1})  # ∂L/∂O below = W{k + 1} · δ")
    return "def row():\n" + "".join(f"    {line}\n" for line in lines) + "    return loss\n"


@functools.lru_cache(maxsize=32)
def _code(spec: NetworkSpec) -> types.CodeType:
    namespace: dict = {}
    exec(compile(source(spec), f"<engine.kernels {spec.describe()}>", "exec"), namespace)  # noqa: S102 (our text)
    return namespace["row"].__code__


def row_function(spec: NetworkSpec, v: StepViews, Wbs, Ws) -> Callable[[], float]:
    """`source(spec)` bound to the views `v` and the layers' [W; b] and W views (theta's)."""
    names = {"negative": np.negative, "logaddexp": np.logaddexp, "exp": np.exp, "log": np.log,
             "log1p": np.log1p, "tanh": np.tanh, "maximum": np.maximum, "multiply": np.multiply,
             "subtract": np.subtract, "ZERO": np.zeros(()), "ONE": np.ones(()),
             "Y": v.y, "dL": v.dloss, "loss_derivative": spec.loss_fn.derivative, "loss_value": spec.loss_fn.value,
             "log_in": np.array([0.5, 0.5]), "log_out": np.empty(2), "log1p_in": np.zeros(2), "log1p_out": np.empty(2)}
    for k in range(spec.n_layers):
        act = spec.activation(k + 1)
        names.update({
            f"dot{k}": v.inputs[k].dot, f"Wb{k}": Wbs[k], f"Z{k}": v.zs[k], f"O{k}": v.outs[k],
            f"dO{k}": v.douts[k], f"D{k}": v.deltas[k], f"outer{k}": v.input_columns[k].dot,
            f"delta_row{k}": v.delta_rows[k], f"G{k}": v.layer_gradients[k], f"down{k}": Ws[k].dot,
            f"forward{k}": act.forward, f"derivative{k}": act.derivative, f"S{k}": np.empty(spec.sizes[k + 1]),
            # the second lane stays 0: a harmless argument (NumPy is slower on 1-element arrays)
            f"wide_in{k}": np.zeros(2), f"wide_out{k}": np.empty(2),
        })
    return types.FunctionType(_code(spec), names)
