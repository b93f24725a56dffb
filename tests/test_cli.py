"""`python -m engine`: JSON out, hand-derived numbers, and one 'error:' line for bad input."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli import main

ROOT = Path(__file__).resolve().parent.parent
NAMES = ["W111", "W121", "b11", "W112", "W122", "b12", "W211", "W221", "b21"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=ROOT, capture_output=True,
                          text=True, encoding="utf-8", timeout=120)


def ok(*args: str) -> dict:
    result = run(*args)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


def one_error_line(status: int, out: str, err: str) -> str:
    assert status == 2
    assert out == ""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def error(*args: str) -> str:
    """Through the real entry point, in a fresh interpreter."""
    result = run(*args)
    return one_error_line(result.returncode, result.stdout, result.stderr)


def error_in_process(capsys, *args: str) -> str:
    """The same check, faster: main() must return 2, not raise."""
    status = main(list(args))
    captured = capsys.readouterr()
    return one_error_line(status, captured.out, captured.err)


# ---- step: the tutorial's Step 0, worked by hand ------------------------------------------
# w = 1, b = 0, x = (CGPA 6.3, IQ 100), y = 7, η = 0.01, linear 2-2-1, L = (y − ŷ)²:
#   O11 = O12 = 6.3 + 100 = 106.3;  ŷ = 106.3 + 106.3 = 212.6;  L = (7 − 212.6)² = 205.6² = 42271.36
#   ∂L/∂ŷ = −2(7 − 212.6) = 411.2
#   ∂L/∂W211 = ∂L/∂W221 = 411.2 · 106.3 = 43710.56;  ∂L/∂b21 = 411.2
#   ∂L/∂W111 = 411.2 · W211 · x1 = 411.2 · 1 · 6.3 = 2590.56;  ∂L/∂W121 = 411.2 · 100 = 41120;  ∂L/∂b11 = 411.2
#   (the second hidden neuron is the same, since all its weights are the same)
STEP0_GRADS = {"W111": 2590.56, "W121": 41120.0, "b11": 411.2, "W112": 2590.56, "W122": 41120.0,
               "b12": 411.2, "W211": 43710.56, "W221": 43710.56, "b21": 411.2}


@pytest.fixture(scope="module")
def step0() -> dict:
    return ok("step", "--init", "tutorial", "--x=6.3,100", "--y=7", "--eta=0.01")


def test_step_prints_exactly_the_documented_keys(step0):
    assert list(step0) == ["params_before", "forward", "loss", "grads", "params_after", "chain"]
    assert list(step0["params_before"]) == NAMES == list(step0["grads"]) == list(step0["chain"])


def test_step0_forward_and_loss(step0):
    assert step0["params_before"] == {n: (0.0 if n.startswith("b") else 1.0) for n in NAMES}
    forward = step0["forward"]
    assert list(forward) == ["Z11", "O11", "Z12", "O12", "Z21", "O21", "y_hat"]
    for name in ("Z11", "O11", "Z12", "O12"):
        assert forward[name] == pytest.approx(106.3)
    assert forward["Z21"] == pytest.approx(212.6) and forward["y_hat"] == [pytest.approx(212.6)]
    assert step0["loss"] == pytest.approx(42271.36)


def test_step0_gradients_and_update(step0):
    assert step0["grads"] == pytest.approx(STEP0_GRADS)
    # Every parameter moves by −η·gradient from the old values: W111 = 1 − 0.01·2590.56 = −24.9056.
    expected_after = {n: step0["params_before"][n] - 0.01 * g for n, g in STEP0_GRADS.items()}
    assert step0["params_after"] == pytest.approx(expected_after)
    assert step0["params_after"]["W111"] == pytest.approx(-24.9056)
    assert step0["params_after"]["W211"] == pytest.approx(-436.1056)


def test_step0_chain_factors_multiply_to_the_gradients(step0):
    for name, factors in step0["chain"].items():
        assert all(set(f) == {"name", "value"} and isinstance(f["name"], str) for f in factors)
        assert math.prod(f["value"] for f in factors) == pytest.approx(step0["grads"][name])
    w111 = step0["chain"]["W111"]
    assert [f["name"] for f in w111] == ["∂L/∂ŷ", "∂ŷ/∂O11", "∂O11/∂W111"]
    assert [f["value"] for f in w111] == pytest.approx([411.2, 1.0, 6.3])


def test_step_classification_by_hand():
    # Sigmoid 2-2-1 with BCE, w = 1, b = 0, x = (1, −1), y = 1:
    #   Z11 = Z12 = 1 − 1 = 0, O11 = O12 = σ(0) = ½;  Z21 = ½ + ½ = 1, ŷ = σ(1);  L = −log σ(1)
    #   ∂L/∂Z21 = ŷ − y = σ(1) − 1;  ∂L/∂W211 = (σ(1) − 1)·½
    #   ∂L/∂W111 = (σ(1) − 1)·W211·O11(1 − O11)·x1 = (σ(1) − 1)·¼;  ∂L/∂W121 = (σ(1) − 1)·¼·(−1)
    s1 = 1 / (1 + math.exp(-1))
    out = ok("step", "--task", "classification", "--x=1,-1", "--y=1")
    assert out["forward"]["O11"] == pytest.approx(0.5) and out["forward"]["Z21"] == pytest.approx(1.0)
    assert out["forward"]["y_hat"] == [pytest.approx(s1)]
    assert out["loss"] == pytest.approx(-math.log(s1))
    assert out["grads"]["W211"] == pytest.approx((s1 - 1) / 2)
    assert out["grads"]["b21"] == pytest.approx(s1 - 1)
    assert out["grads"]["W111"] == pytest.approx((s1 - 1) / 4)
    assert out["grads"]["W121"] == pytest.approx(-(s1 - 1) / 4)
    assert out["params_after"]["W211"] == pytest.approx(1 - 0.1 * (s1 - 1) / 2)  # default η = 0.1


def test_step_negative_inputs_set_and_zero_eta():
    out = ok("step", "--x=-1.5,2", "--y=0", "--set", "W111=2", "--set=b12=-0.5", "--eta=0")
    assert out["params_before"]["W111"] == 2.0 and out["params_before"]["b12"] == -0.5
    assert out["forward"]["Z11"] == pytest.approx(2 * -1.5 + 2)  # −1
    assert out["forward"]["Z12"] == pytest.approx(-1.5 + 2 - 0.5)  # 0
    assert out["params_after"] == out["params_before"]


def test_step_multi_output():
    out = ok("step", "--layers", "2,3,2", "--x=1,1", "--y=1,2")
    assert len(out["forward"]["y_hat"]) == 2
    assert "W232" in out["grads"] and out["forward"]["y_hat"] == [pytest.approx(6.0)] * 2


def test_step_const_init():
    out = ok("step", "--init", "const:0.5,0.25", "--x=1,1", "--y=0")
    assert out["params_before"]["W111"] == 0.5 and out["params_before"]["b21"] == 0.25


# ---- gradcheck --------------------------------------------------------------------------
def test_gradcheck_agrees_with_the_hand_derived_gradients():
    out = ok("gradcheck", "--x=6.3,100", "--y=7")
    assert list(out) == ["gradients", "worst_rel_error", "worst_param"]
    assert list(out["gradients"]) == NAMES
    for name, row in out["gradients"].items():
        assert set(row) == {"analytic", "numeric", "rel_error"}
        assert row["analytic"] == pytest.approx(STEP0_GRADS[name])
        assert row["numeric"] == pytest.approx(STEP0_GRADS[name], rel=1e-6)
    assert out["worst_rel_error"] < 1e-6 and out["worst_param"] in NAMES
    assert out["worst_rel_error"] == max(r["rel_error"] for r in out["gradients"].values())


def test_gradcheck_random_deep_net():
    out = ok("gradcheck", "--layers", "3,4,2,1", "--hidden-activation", "tanh", "--init", "random",
             "--seed", "7", "--x=0.3,-0.2,0.9", "--y=0.5")
    assert out["worst_rel_error"] < 1e-5


# ---- train ------------------------------------------------------------------------------
def test_train_regression_learns():
    out = ok("train", "--data", "builtin:students-regression", "--epochs", "25", "--eta", "0.1")
    assert list(out) == ["epoch_loss", "params", "diverged"]
    losses = out["epoch_loss"]
    assert len(losses) == 25 and out["diverged"] is None
    assert losses[1] < losses[0] and losses[2] < losses[1]
    assert losses[-1] < losses[0] / 10
    assert list(out["params"]) == NAMES


def test_train_is_reproducible():
    args = ("train", "--data", "builtin:students-large", "--epochs", "3", "--seed", "5")
    assert ok(*args) == ok(*args)


def test_train_diverges_cleanly_with_a_large_eta_on_raw_inputs():
    out = ok("train", "--data", "builtin:students-regression", "--eta=1", "--scale", "none")
    stop = out["diverged"]
    assert set(stop) == {"epoch", "row"}
    assert stop["epoch"] >= 1 and 0 <= stop["row"] < 4
    assert len(out["epoch_loss"]) == stop["epoch"] - 1  # only finished epochs have a loss
    assert all(math.isfinite(v) for v in out["params"].values())


def test_train_classification_and_csv_with_target(tmp_path):
    out = ok("train", "--task", "classification", "--data", "builtin:students-classification", "--epochs", "3")
    assert len(out["epoch_loss"]) == 3
    path = tmp_path / "t.csv"
    path.write_text("y,a,b,c\n1,1,2,3\n2,2,1,0\n3,0,0,1\n", encoding="utf-8")
    out = ok("train", "--data", str(path), "--target", "y", "--epochs", "2", "--layers", "3,2,1")
    assert "W131" in out["params"] and len(out["epoch_loss"]) == 2


def test_train_input_count_follows_the_data_without_layers(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,c,y\n1,2,3,4\n2,1,0,1\n", encoding="utf-8")
    out = ok("train", "--data", str(path), "--epochs", "1")
    assert "W131" in out["params"]


def test_main_in_process_has_no_numpy_warnings(capsys):
    # pytest turns warnings into errors: overflow while diverging must stay silent.
    assert main(["train", "--data", "builtin:students-regression", "--eta=1", "--scale", "none"]) == 0
    assert json.loads(capsys.readouterr().out)["diverged"] is not None


def test_help_exits_0():
    result = run("train", "--help")
    assert result.returncode == 0 and "0-based" in result.stdout and "epoch counts from 1" in result.stdout


# ---- errors: status 2, one 'error:' line, no traceback ----------------------------------------
@pytest.mark.parametrize("args, expected", [
    ((), "choose a command"),
    (("bogus",), "invalid choice"),
    (("step", "--y=1"), "required: --x"),
    (("step", "--x", "-1.5,2", "--y=1"), "--x=-1.5,2"),
    (("step", "--x=1,abc", "--y=1"), "'abc' is not a number"),
    (("step", "--x=1,nan", "--y=1"), "'nan' is not a finite number"),
    (("step", "--x=1,2", "--y=inf"), "'inf' is not a finite number"),
    (("step", "--x=1,2", "--y=1", "--set", "W111=nan"), "not a finite number"),
    (("step", "--x=1,2", "--y=1", "--set", "W111"), "NAME=VALUE"),
    (("step", "--x=1,2", "--y=1", "--set", "W311=1"), "valid names: W111, W121, b11"),
    (("step", "--x=1,2", "--y=1", "--eta=-0.1"), "0 or more"),
    (("step", "--x=1,2", "--y=1", "--eta=nan"), "not a finite number"),
    (("step", "--x=1,2,3", "--y=1"), "--x has 3 value(s)"),
    (("step", "--x=1,2", "--y=1,2"), "--y has 2 value(s)"),
    (("step", "--x=1,2", "--y=7", "--loss", "bce"), "0 or 1"),
    (("step", "--x=1,2", "--y=1", "--init", "bogus"), "unknown initialisation"),
    (("step", "--x=1,2", "--y=1", "--layers", "2,9,1"), "1–8 neurons"),
    (("step", "--x=1,2", "--y=1", "--layers", "2,two,1"), "whole numbers"),
    (("step", "--x=1,2", "--y=1", "--task", "vision"), "invalid choice"),
    (("step", "--x=1,2", "--y=1", "--set", "W111=1e200", "--set", "W121=1e200"), "overflowed"),
    (("step", "--x=1,2", "--y=1", "--bogus"), "unrecognized arguments"),
    (("train",), "required: --data"),
    (("train", "--data", "builtin:nope"), "no built-in table named 'nope'"),
    (("train", "--data", "no/such.csv"), "no such file"),
    (("train", "--data", "students-regression"), "builtin:students-regression"),
    (("train", "--data", "builtin:students-regression", "--layers", "3,2,1"), "data has 2 input column(s)"),
    (("train", "--data", "builtin:students-regression", "--layers", "2,2,2"), "data has 1 target column(s)"),
    (("train", "--data", "builtin:students-regression", "--loss", "bce"), "row 2, column 3 ('lpa')"),
    (("train", "--data", "builtin:students-regression", "--target", "salary"), "no column named 'salary'"),
    (("train", "--data", "builtin:students-regression", "--epochs", "0"), "1–100000"),
    (("train", "--data", "builtin:students-regression", "--epochs", "2.5"), "not a whole number"),
    (("train", "--data", "builtin:students-regression", "--order", "backwards"), "invalid choice"),
    (("train", "--data", "builtin:students-regression", "--scale", "minmax"), "invalid choice"),
    (("train", "--data", "builtin:students-regression", "--seed", "-3"), "0 or more"),
])
def test_bad_arguments(capsys, args, expected):
    assert expected in error_in_process(capsys, *args)


@pytest.mark.parametrize("args", [
    (),
    ("step", "--x", "-1.5,2", "--y=1"),
    ("step", "--x=1,2", "--y=1", "--set", "W111=1e200", "--set", "W121=1e200"),
])
def test_bad_arguments_through_python_m_engine(args):
    error(*args)


def test_bad_csv_file(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n3,x\n", encoding="utf-8")
    assert error("train", "--data", str(path)) == "error: bad.csv: row 3, column 2 ('b'): 'x' is not a number"
