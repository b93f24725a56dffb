"""Starting values for the parameters.

  tutorial   every weight 1, every bias 0 (the tutorial's Step 0)
  const:W,B  every weight W, every bias B
  random     small uniform weights W ~ U(−RANDOM_SCALE, RANDOM_SCALE), zero
             biases, from a seeded generator. Small (not Glorot-sized) on
             purpose: the first updates stay gentle, so the learning-rate lesson
             (0.01 slow, 0.1 good, 1 never settles) holds for every seed we
             tried on the students table, not just the default one.
  glorot     Glorot (Xavier) uniform: W ~ U(−a, a), a = √(6 / (fan_in + fan_out)),
             zero biases, seeded. Sized so a sigmoid/tanh/linear layer passes
             signals (and gradients) on at about the same spread; the ±0.05 start
             is too small for that: on XOR a 2-4-1 tanh net starts with every
             hidden output near 0, its gradients near 0, and stalls at ŷ ≈ 0.5.
  he         He normal: W ~ N(0, 2 / fan_in), zero biases, seeded. ReLU zeroes
             about half its inputs, so the weights are √2 larger than Glorot's
             to keep the spread.
"""
from __future__ import annotations

import numpy as np

from engine.network import Network
from engine.spec import PRESETS, NetworkSpec

SCHEMES = ("tutorial", "const:W,B", "random", "glorot", "he")
DEFAULT_SCHEME = "random"  # the tutorial presets' start (see default_init for every other shape)
RANDOM_SCALE = 0.05


def default_init(spec: NetworkSpec) -> str:
    """The start that suits a shape: the presets keep the small random start their lesson
    was tuned with; a net whose hidden layers are all ReLU gets He; every other net Glorot."""
    if spec in PRESETS.values():
        return DEFAULT_SCHEME
    hidden = spec.activations[:-1]
    if hidden and all(a == "relu" for a in hidden):
        return "he"
    return "glorot"


def initialise(network: Network, scheme: str = "tutorial", seed: int = 0) -> Network:
    spec = network.spec
    theta = np.zeros(spec.n_params)  # every bias stays 0 in every scheme but const
    rng = np.random.default_rng(seed)
    if scheme == "tutorial":
        draw = _constant(1.0)
    elif scheme.startswith("const:"):
        weight, bias = _parse_const(scheme)
        draw = _constant(weight)
        for _, b_slice in spec.layer_slices:
            theta[b_slice] = bias
    elif scheme == "random":
        def draw(n_in: int, n_out: int) -> np.ndarray:
            return rng.uniform(-RANDOM_SCALE, RANDOM_SCALE, size=n_in * n_out)
    elif scheme == "glorot":
        def draw(n_in: int, n_out: int) -> np.ndarray:
            limit = np.sqrt(6.0 / (n_in + n_out))
            return rng.uniform(-limit, limit, size=n_in * n_out)
    elif scheme == "he":
        def draw(n_in: int, n_out: int) -> np.ndarray:
            return rng.normal(0.0, np.sqrt(2.0 / n_in), size=n_in * n_out)
    else:
        raise ValueError(f"unknown initialisation {scheme!r} (choose tutorial, const:W,B, random, glorot or he)")
    for (w_slice, _), n_in, n_out in zip(spec.layer_slices, spec.sizes[:-1], spec.sizes[1:]):
        theta[w_slice] = draw(n_in, n_out)
    network.set_theta(theta)
    return network


def _constant(value: float):
    def draw(n_in: int, n_out: int) -> np.ndarray:
        return np.full(n_in * n_out, value)

    return draw


def _parse_const(scheme: str) -> tuple[float, float]:
    try:
        w, b = (float(v) for v in scheme[len("const:"):].split(","))
    except ValueError:
        raise ValueError(f"const initialisation is written const:W,B (e.g. const:0.5,0), got {scheme!r}") from None
    if not (np.isfinite(w) and np.isfinite(b)):
        raise ValueError(f"const initialisation needs finite numbers, got {scheme!r}")
    return w, b
