"""Starting values for the parameters.

  tutorial   every weight 1, every bias 0 (the tutorial's Step 0)
  const:W,B  every weight W, every bias B
  random     small uniform weights W ~ U(−RANDOM_SCALE, RANDOM_SCALE), zero
             biases, from a seeded generator. Small (not Glorot-sized) on
             purpose: the first updates stay gentle, so the learning-rate lesson
             (0.01 slow, 0.1 good, 1 never settles) holds for every seed we
             tried on the students table, not just the default one.
"""
from __future__ import annotations

import numpy as np

from engine.network import Network

SCHEMES = ("tutorial", "const:W,B", "random")
DEFAULT_SCHEME = "random"  # what a newcomer gets in the app and in `train`
RANDOM_SCALE = 0.05


def initialise(network: Network, scheme: str = "tutorial", seed: int = 0) -> Network:
    spec = network.spec
    theta = np.zeros(spec.n_params)
    if scheme == "tutorial":
        weight, bias = 1.0, 0.0
    elif scheme.startswith("const:"):
        weight, bias = _parse_const(scheme)
    elif scheme == "random":
        weight, bias = None, 0.0
    else:
        raise ValueError(f"unknown initialisation {scheme!r} (choose tutorial, const:W,B or random)")
    rng = np.random.default_rng(seed)
    for w_slice, b_slice in spec.layer_slices:
        if weight is None:
            theta[w_slice] = rng.uniform(-RANDOM_SCALE, RANDOM_SCALE, size=w_slice.stop - w_slice.start)
        else:
            theta[w_slice] = weight
        theta[b_slice] = bias
    network.set_theta(theta)
    return network


def _parse_const(scheme: str) -> tuple[float, float]:
    try:
        w, b = (float(v) for v in scheme[len("const:"):].split(","))
    except ValueError:
        raise ValueError(f"const initialisation is written const:W,B (e.g. const:0.5,0), got {scheme!r}") from None
    if not (np.isfinite(w) and np.isfinite(b)):
        raise ValueError(f"const initialisation needs finite numbers, got {scheme!r}")
    return w, b
