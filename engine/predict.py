"""Predict for a new row given in the table's own units (e.g. CGPA 7.5, profile 9)."""
from __future__ import annotations

import numpy as np

from engine.network import Network
from engine.scaling import Standardizer


def predict_named(network: Network, scaler: Standardizer, x_raw) -> dict[str, float]:
    """Every neuron's Z and O by name, plus 'ŷ' (or 'ŷ1', 'ŷ2', … with several outputs).

    The raw inputs go through the same standardisation the network was trained with.
    """
    x_raw = np.asarray(x_raw, dtype=float)
    if x_raw.shape != (network.spec.n_inputs,) or not np.all(np.isfinite(x_raw)):
        raise ValueError(f"need {network.spec.n_inputs} finite input values, got {x_raw.tolist()}")
    zs, outs = network.forward(scaler.transform(x_raw))
    values: dict[str, float] = {}
    for layer, (z, o) in enumerate(zip(zs, outs), start=1):
        for j in range(z.shape[0]):
            values[f"Z{layer}{j + 1}"] = float(z[j])
            values[f"O{layer}{j + 1}"] = float(o[j])
    y_hat = outs[-1]
    if y_hat.shape[0] == 1:
        values["ŷ"] = float(y_hat[0])
    else:
        values.update({f"ŷ{k + 1}": float(v) for k, v in enumerate(y_hat)})
    return values
