"""Predict: a new student's raw inputs through the trained scaling and network, by hand."""
import numpy as np
import pytest

from engine.network import Network
from engine.predict import predict_named
from engine.scaling import Standardizer


def test_tutorial_step0_prediction_without_scaling():
    net = Network.from_preset("regression")
    for name in net.spec.param_names:
        net[name] = 0.0 if name.startswith("b") else 1.0
    values = predict_named(net, Standardizer.identity(2), [6.3, 100])
    # O11 = O12 = 6.3 + 100 = 106.3; ŷ = 106.3 + 106.3 = 212.6
    assert values["O11"] == pytest.approx(106.3)
    assert values["ŷ"] == pytest.approx(212.6)


def test_inputs_are_standardised_like_the_training_table():
    net = Network.from_preset("regression")
    for name in net.spec.param_names:
        net[name] = 0.0 if name.startswith("b") else 1.0
    scaler = Standardizer(mean=np.array([6.5, 9.75]), std=np.array([0.5, 2.0]))
    values = predict_named(net, scaler, [7.0, 11.75])
    # z = ((7 − 6.5)/0.5, (11.75 − 9.75)/2) = (1, 1); O11 = 2; ŷ = 4
    assert values["Z11"] == pytest.approx(2.0)
    assert values["ŷ"] == pytest.approx(4.0)


@pytest.mark.parametrize("x", [[1.0], [1.0, float("nan")], [1.0, float("inf")]])
def test_bad_inputs_are_refused(x):
    with pytest.raises(ValueError, match="finite input"):
        predict_named(Network.from_preset("regression"), Standardizer.identity(2), x)
