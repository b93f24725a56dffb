"""The training step's arithmetic for one network shape, as straight-line code.

Why. A network of the size this app teaches has layers of one to eight neurons; on
arrays that small each NumPy call costs far more than its arithmetic, and so does the
Python around it (loops over layers, a function per activation, a fresh array per
operation). So for each shape, `source(spec)` writes out one row's forward pass, loss
and backward pass as a list of NumPy calls, each writing into a slot of the step's
array (Z, O, ∂L/∂O, δ, ∂L/∂ŷ, the gradient) or a small scratch array made once;
`row_function(spec, views)` compiles that text once per shape and binds it to one
network's views. engine.network.Network.step runs it, then the update. Print
`source(spec)` to read what a row does. Single numbers are read and written through a
memoryview of their slot (`mZ0[1]`): the same 8 bytes as `Z0[1]`, at half the cost.

Why the numbers are the same to the bit as the formulas of engine.activations and
engine.losses (which Network.forward and Network.backward run): every line performs the
formula's IEEE operations in the formula's order. Where an operation is + − × ÷ it may
run on Python floats, which round exactly as NumPy's float64 does; exp, log, log1p,
tanh, maximum and every matrix product go through the very NumPy routines the formulas
call. A constant argument to a ufunc on arrays is a 0-d array holding the same float64
(NumPy would convert a Python float on every call). A squared error over one output is d·d,
which is what a 1-element dot product computes (≥ 0, so not even a zero's sign can
differ). tests/test_engine_properties.py checks records against the formulas for every
shape, activation and loss.

Two shortcuts rest on facts about NumPy and the C library rather than on the
formulas' text; `FLOAT_PATHS` says whether this process passed a check of both at import
(`_shortcuts_hold`), and where it did not, every exp, log and log1p runs on arrays as
the formulas' text reads. tests/test_engine_kernel_floats.py compares both ways.
* sigmoid's logaddexp(0, −z) on Python floats. NumPy's float64 logaddexp is a plain C
  loop over npy_logaddexp(x, y), which for x ≠ y is max(x, y) + log1p(exp(−|x − y|))
  with the C library's exp and log1p (NumPy's own vectorised exp and log are not
  involved). math.exp and math.log1p call that same C library, so for z > 0 the value is
  log1p(exp(−z)) and for z < 0 it is −z + log1p(exp(z)), bit for bit; z = ±0 and NaN
  take the ufunc itself. (math.exp cannot stand in for np.exp: NumPy's vectorised exp
  differs from the C library's in the last bit for a few per cent of arguments.)
* np.exp, np.log and np.log1p called on one Python float rather than on an array: the
  same ufunc and the same float64 inner loop (NumPy's fast path for a lone scalar hands
  it straight to that loop, skipping the array machinery, ~0.25 µs a call); the loop's
  choice between its vector branch and its C-library branch depends on strides, never on
  values, and the check shows which one a scalar takes: on a machine where the two
  differ (this one: AVX-512) the C library's answers would fail a few per cent of it.
"""
from __future__ import annotations

import functools
import math
import types
from collections.abc import Callable

import numpy as np

from engine.losses import BCE_EPSILON
from engine.record import StepViews
from engine.spec import NetworkSpec

# Up to these many neurons, Python floats beat a ufunc call: for δ (three calls), for a
# negation, and for sigmoid's logaddexp (three calls against one C-library exp and log1p a neuron).
FLOAT_DELTA_MAX, FLOAT_NEGATE_MAX, FLOAT_SIGMOID_MAX = 4, 3, 4


def _softplus_lines(z: str, target: str) -> list[str]:
    """target = −logaddexp(0, −z) for the Python float z, as npy_logaddexp(0, −z) computes it:
    for z > 0 the first operand is the larger, 0 + log1p(exp(−z)) (and 0 + v is v: v ≥ +0);
    for z < 0 it is −z + log1p(exp(z)); ±0 and NaN take the ufunc."""
    return [f"if {z} > 0.0:", f"    {target} = -flog1p(fexp(-{z}))",
            f"elif {z} < 0.0:", f"    {target} = -(-{z} + flog1p(fexp({z})))",
            "else:", f"    {target} = -logaddexp(0.0, -{z})"]


def _compile_softplus() -> Callable[[float], float]:
    """−logaddexp(0, −z) from `_softplus_lines`, the very text the kernels use, as a function."""
    body = "".join(f"    {line}\n" for line in _softplus_lines("z", "r"))
    text = f"def negated_softplus(z):\n{body}    return r\n"
    namespace = {"fexp": math.exp, "flog1p": math.log1p, "logaddexp": np.logaddexp}
    exec(compile(text, "<engine.kernels softplus>", "exec"), namespace)  # noqa: S102 (our text)
    return namespace["negated_softplus"]


negated_softplus = _compile_softplus()


def _shortcuts_hold() -> bool:
    """Whether both shortcuts of the module docstring give NumPy's own bits on a spread of
    arguments (every scale from 1e-300 to 1e300, both signs, exp's underflow edge, ±inf):
    a guard against a NumPy or C library where the argument there does not hold."""
    rng = np.random.default_rng(20240913)
    zs = np.concatenate([rng.normal(0.0, scale, 48) for scale in 10.0 ** np.arange(-300, 301, 20)]
                        + [rng.uniform(-750.0, 750.0, 512), [np.inf, -np.inf, 745.2, -745.2, 36.8, -36.8]])
    ps = np.concatenate([rng.uniform(0.0, 1.0, 1024), 10.0 ** rng.uniform(-12.0, 0.0, 512)])
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        pairs = [(np.negative(np.logaddexp(0.0, -zs)), [negated_softplus(z) for z in zs.tolist()])]
        pairs += [(f(x), [float(f(v)) for v in x.tolist()])
                  for f, x in ((np.exp, np.minimum(-zs, 700.0)), (np.log, ps), (np.log1p, -ps))]
    return all(np.array_equal(np.asarray(a).view(np.int64), np.array(b).view(np.int64)) for a, b in pairs)


FLOAT_PATHS = _shortcuts_hold()


def _negate(n: int, source: str, target: str) -> list[str]:
    """target = −source on Python floats, written out for n values (negation is exact)."""
    values = ", ".join(f"a{j}" for j in range(n)) + ","
    return [f"{values} = m{source}"] + [f"m{target}[{j}] = -a{j}" for j in range(n)]


def _activation(k: int, act: str, n: int, floats: bool) -> list[str]:
    """O = act(Z) for layer k (0-based) with n neurons, as engine.activations writes it."""
    z, out = f"Z{k}", f"O{k}"
    if act == "linear":
        return []  # O is Z: one slot
    if act == "sigmoid":  # σ(z) = exp(−logaddexp(0, −z))
        if floats and n == 1:  # all on floats: −logaddexp, then exp called on the float
            return [f"z = m{z}[0]", *_softplus_lines("z", "nl"), f"o{k} = float(exp(nl))", f"m{out}[0] = o{k}"]
        if floats and n <= FLOAT_SIGMOID_MAX:  # −logaddexp per neuron on floats, into O; one exp in place
            zs = ", ".join(f"z{j}" for j in range(n)) + ","
            return [f"{zs} = m{z}", *(line for j in range(n) for line in _softplus_lines(f"z{j}", f"m{out}[{j}]")),
                    f"exp({out}, {out})"]
        if n > FLOAT_NEGATE_MAX:
            return [f"negative({z}, {out})", f"logaddexp(ZERO, {out}, {out})", f"negative({out}, {out})",
                    f"exp({out}, {out})"]
        if n > 1:
            return [*_negate(n, z, out), f"logaddexp(ZERO, {out}, {out})", *_negate(n, out, out), f"exp({out}, {out})"]
        # One neuron: the negations on a Python float, the ufuncs on a 2-wide scratch pair.
        return [f"mwide_in{k}[0] = -m{z}[0]", f"logaddexp(ZERO, wide_in{k}, wide_out{k})",
                f"mwide_out{k}[0] = -mwide_out{k}[0]", f"exp(wide_out{k}, wide_out{k})",
                f"o{k} = mwide_out{k}[0]", f"m{out}[0] = o{k}"]
    if act == "tanh":
        return [f"tanh({z}, {out})"]
    if act == "relu":
        return [f"maximum({z}, ZERO, out={out})"]  # np.maximum(z, 0.0)
    return [f"{out}[:] = forward{k}({z})"]  # an activation without a line here: its formula


def _loss(spec: NetworkSpec, last: int, floats: bool) -> list[str]:
    """loss = L(y, ŷ) and ∂L/∂ŷ into dL, as engine.losses writes them (Python floats: `dl`)."""
    out = f"O{last}"
    y_hat = f"o{last}" if spec.activations[-1] == "sigmoid" and spec.n_outputs == 1 else f"m{out}[0]"
    if spec.n_outputs == 1 and spec.loss == "se":
        return [f"d = mY[0] - {y_hat}", "dl = -2.0 * d", "mdL[0] = dl", "loss = d * d"]
    if spec.n_outputs == 1 and spec.loss == "bce":
        # L = −y·log(p) − (1 − y)·log1p(−p). With p clipped to [ε, 1 − ε] both logs are finite
        # and below 0, so for a target of exactly 1 the second term is 0·log1p(−p) = −0, and
        # subtracting it leaves the first term (> 0) unchanged: log1p need not run. Likewise for
        # a target of 0: the first term is −0·log(p) = +0 and L = 0 − 1·log1p(−p). A NaN ŷ
        # (p != p) takes the whole formula, so even its NaN comes out the same.
        eps, top = repr(BCE_EPSILON), repr(1.0 - BCE_EPSILON)
        if floats:  # log and log1p called on the float p (see the module docstring)
            log_p, log1p_p, prepare = "float(log(p))", "float(log1p(-p))", {"log": [], "log1p": []}
        else:  # on 2-wide scratch pairs
            log_p, log1p_p = "mlog_out[0]", "mlog1p_out[0]"
            prepare = {"log": ["mlog_in[0] = p", "log(log_in, log_out)"],
                       "log1p": ["mlog1p_in[0] = -p", "log1p(log1p_in, log1p_out)"]}
        indent = ["    " + line for line in prepare["log"]], ["    " + line for line in prepare["log1p"]]
        return ["y = mY[0]", f"p = {y_hat}",
                f"p = p if not p < {eps} else {eps}",  # np.maximum: NaN stays NaN
                f"p = p if not p > {top} else {top}",  # np.minimum
                "dl = -(y - p) / (p * (1.0 - p))", "mdL[0] = dl",
                "if y == 1.0 and p == p:", *indent[0], f"    loss = -y * {log_p}",
                "elif y == 0.0 and p == p:", *indent[1], f"    loss = 0.0 - (1.0 - y) * {log1p_p}",
                "else:", *indent[0], *indent[1], f"    loss = -y * {log_p} - (1.0 - y) * {log1p_p}"]
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
        o = f"o{k}" if act == "sigmoid" else f"m{out}[0]"
        scalar_loss = k == spec.n_layers - 1 and spec.n_outputs == 1 and spec.loss in ("se", "bce")
        return [f"q0 = {o}", f"m{D}[0] = {'dl' if scalar_loss else f'm{dO}[0]'} * {slope.format(o='q0')}"]
    if n <= FLOAT_DELTA_MAX:
        gs, qs = (", ".join(f"{name}{j}" for j in range(n)) + "," for name in "gq")
        return [f"{gs} = m{dO}", f"{qs} = m{out}",
                *(f"m{D}[{j}] = g{j} * {slope.format(o=f'q{j}')}" for j in range(n))]
    if act == "sigmoid":
        return [f"subtract(ONE, {out}, S{k})", f"multiply({out}, S{k}, S{k})", f"multiply({dO}, S{k}, {D})"]
    return [f"multiply({out}, {out}, S{k})", f"subtract(ONE, S{k}, S{k})", f"multiply({dO}, S{k}, {D})"]


@functools.lru_cache(maxsize=64)
def source(spec: NetworkSpec, *, floats: bool = FLOAT_PATHS) -> str:
    """The text of `row()`: one row's forward pass, loss and backward pass; returns the loss.

    It reads x and y from their slots and leaves every Z, O, ∂L/∂O, δ, ∂L/∂ŷ and the
    gradient in theirs; the update is not part of it (Network.step applies it).
    Names: layer k (from 0) has Z{k}, O{k}, dO{k} (∂L/∂O), D{k} (δ) and [W; b] = Wb{k};
    a leading m is a memoryview of the slot. `floats`: take the module docstring's two
    shortcuts (by default where this process passed their check).
    """
    lines = []
    last = spec.n_layers - 1
    for k, act in enumerate(spec.activations):
        lines.append(f"dot{k}(Wb{k}, Z{k})  # Z{k + 1} = [inputs, 1] · [W{k + 1}; b{k + 1}]")
        lines += _activation(k, act, spec.sizes[k + 1], floats)
    lines += _loss(spec, last, floats)
    for k in range(last, -1, -1):
        lines += _local_delta(spec, k, spec.activations[k], spec.sizes[k + 1])
        lines.append(f"outer{k}(delta_row{k}, G{k})  # ∂L/∂[W{k + 1}; b{k + 1}] = [inputs, 1] ⊗ δ")
        if k:
            lines.append(f"down{k}(D{k}, dO{k - 1})  # ∂L/∂O below = W{k + 1} · δ")
    return "def row():\n" + "".join(f"    {line}\n" for line in lines) + "    return loss\n"


@functools.lru_cache(maxsize=64)
def _code(spec: NetworkSpec, floats: bool) -> types.CodeType:
    namespace: dict = {}
    text = source(spec, floats=floats)
    exec(compile(text, f"<engine.kernels {spec.describe()}>", "exec"), namespace)  # noqa: S102 (our text)
    return namespace["row"].__code__


def row_function(spec: NetworkSpec, v: StepViews, Wbs, Ws, *,
                 floats: bool = FLOAT_PATHS) -> Callable[[], float]:
    """`source(spec)` bound to the views `v` and the layers' [W; b] and W views (theta's)."""
    scratch = {"log_in": np.array([0.5, 0.5]), "log_out": np.empty(2), "log1p_in": np.zeros(2),
               "log1p_out": np.empty(2)}
    names = {"negative": np.negative, "logaddexp": np.logaddexp, "exp": np.exp, "log": np.log,
             "log1p": np.log1p, "tanh": np.tanh, "maximum": np.maximum, "multiply": np.multiply,
             "subtract": np.subtract, "ZERO": np.zeros(()), "ONE": np.ones(()), "fexp": math.exp,
             "flog1p": math.log1p, "Y": v.y, "dL": v.dloss, "loss_derivative": spec.loss_fn.derivative,
             "loss_value": spec.loss_fn.value, **scratch}
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
    # a memoryview per array the text reads or writes element by element (the names starting with m)
    names.update({f"m{name}": memoryview(names[name]) for name in
                  ["Y", "dL", *scratch, *(f"{a}{k}" for k in range(spec.n_layers)
                                          for a in ("Z", "O", "dO", "D", "wide_in", "wide_out"))]})
    return types.FunctionType(_code(spec, floats), names)
