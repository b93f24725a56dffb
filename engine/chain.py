"""The chain rule for one parameter, written as factors a student can multiply.

For W111 in the tutorial's regression network:
    ∂L/∂W111 = ∂L/∂ŷ · ∂ŷ/∂O11 · ∂O11/∂W111 = −2(y − ŷ) · W211 · x1
The factors are walked from the loss down to the parameter. A linear layer's
Z and O are the same number, so its ∂O/∂Z = 1 is left out (as the tutorial
does). Where a neuron feeds several neurons of the next layer the derivative is
a sum over paths, not one product: there the chain stops at ∂L/∂O (the value
backprop carried back, formula "Σ ...") so the product is still the gradient.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.spec import parse_param_name


@dataclass(frozen=True)
class Factor:
    name: str  # e.g. "∂ŷ/∂O11"
    formula: str  # e.g. "W211"
    value: float


def _out_name(spec, layer: int, j: int) -> str:
    if layer == spec.n_layers:
        return "ŷ" if spec.n_outputs == 1 else f"ŷ{j}"
    return f"O{layer}{j}"


def _pre_name(spec, layer: int, j: int) -> str:
    # Linear neurons have Z = O; name the pair by O, as the tutorial does.
    return _out_name(spec, layer, j) if spec.activation(layer).is_identity else f"Z{layer}{j}"


def _input_name(spec, layer: int, i: int) -> str:
    return f"x{i}" if layer == 1 else _out_name(spec, layer - 1, i)


def dloss_dout(record, layer: int) -> np.ndarray:
    """∂L/∂O for every neuron of `layer`, recomputed from the record's numbers."""
    spec = record.spec
    delta = np.asarray(record.dloss, dtype=float)
    for lay in range(spec.n_layers, layer, -1):
        act = spec.activation(lay)
        dz = delta * act.derivative(record.zs[lay - 1], record.outs[lay - 1])
        w_slice, _ = spec.layer_slices[lay - 1]
        W = record.theta_before[w_slice].reshape(spec.sizes[lay - 1], spec.sizes[lay])
        delta = W @ dz
    return delta


def chain_factors(record, name: str) -> tuple[Factor, ...]:
    spec = record.spec
    kind, layer, j, i = parse_param_name(name)
    theta = record.theta_before
    rev: list[Factor] = []  # built from the parameter up, reversed at the end
    pre = _pre_name(spec, layer, j)
    if kind == "W":
        src = _input_name(spec, layer, i)
        value = record.x[i - 1] if layer == 1 else record.outs[layer - 2][i - 1]
        rev.append(Factor(f"∂{pre}/∂{name}", src, float(value)))
    else:
        rev.append(Factor(f"∂{pre}/∂{name}", "1", 1.0))
    lay, k = layer, j
    while True:
        act = spec.activation(lay)
        out = _out_name(spec, lay, k)
        if not act.is_identity:
            d = act.derivative(record.zs[lay - 1][k - 1 : k], record.outs[lay - 1][k - 1 : k])[0]
            rev.append(Factor(f"∂{out}/∂Z{lay}{k}", act.formula(out, f"Z{lay}{k}"), float(d)))
        if lay == spec.n_layers:
            y = "y" if spec.n_outputs == 1 else f"y{k}"
            rev.append(Factor(f"∂L/∂{out}", spec.loss_fn.formula(y, out), float(record.dloss[k - 1])))
            break
        if spec.sizes[lay + 1] == 1:
            w = f"W{lay + 1}{k}1"
            rev.append(Factor(f"∂{_pre_name(spec, lay + 1, 1)}/∂{out}", w, float(theta[spec.param_index[w]])))
            lay, k = lay + 1, 1
            continue
        # Several paths lead on from here: take backprop's sum as one factor.
        nxt = spec.sizes[lay + 1]
        terms = " + ".join(f"∂L/∂Z{lay + 1}{m}·W{lay + 1}{k}{m}" for m in range(1, nxt + 1))
        rev.append(Factor(f"∂L/∂{out}", f"Σ {terms}", float(dloss_dout(record, lay)[k - 1])))
        break
    return tuple(reversed(rev))


def product(factors) -> float:
    p = 1.0
    for f in factors:
        p *= f.value
    return p
