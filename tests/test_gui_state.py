"""One source of truth: every view shows one coherent moment of the application state.

Each test here guards one of the defects the application-state issue listed; the last
one drives random sequences of what a lesson does and checks, after every action, that
every neuron value on the canvas can be recomputed from the inputs and weights it shows.
"""
from __future__ import annotations

import math
import random

import numpy as np
import pytest
from PySide6.QtWidgets import QWidget

from engine.notation import fmt


def sigmoid(z):
    """1 / (1 + e^−z), written so that neither branch overflows for a large |z|."""
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


ACT = {"linear": lambda z: z, "sigmoid": sigmoid, "tanh": math.tanh,
       "relu": lambda z: max(z, 0.0)}


def recompute_forward(spec, params, inputs):
    """Every neuron by hand: Z = Σ W·input + b, O = activation(Z), from the numbers shown."""
    values, layer_in = {}, list(inputs)
    for layer in range(1, spec.n_layers + 1):
        act = ACT[spec.activations[layer - 1]]
        outs = []
        for j in range(1, spec.sizes[layer] + 1):
            z = sum(params[f"W{layer}{i}{j}"] * v for i, v in enumerate(layer_in, start=1)) + params[f"b{layer}{j}"]
            values[f"Z{layer}{j}"], values[f"O{layer}{j}"] = z, act(z)
            outs.append(act(z))
        layer_in = outs
    return values


def assert_coherent(window):
    """What the canvas draws is one moment, the state's, and adds up by hand."""
    state = window.state
    m = state.shown
    shown = window.canvas.shown_values()
    assert shown["params"] == pytest.approx(dict(m.params), rel=0, abs=0)
    assert shown["inputs"] == pytest.approx(list(m.x), rel=0, abs=0)
    by_hand = recompute_forward(state.spec, shown["params"], shown["inputs"])
    for name, value in shown["forward"].items():
        assert value == pytest.approx(by_hand[name], rel=1e-9, abs=1e-12), name
    if m.record is not None:
        assert shown["loss"] == m.record.loss
        assert shown["y"] == pytest.approx(list(m.record.y), abs=0)
    if "params_after" in shown:
        record = m.record
        # The gradient the update used: the row's own, or in a mini-batch the batch's mean (on its
        # last row; the batch's other rows change nothing).
        grads = record.grads if record.batch_size == 1 else record.batch_gradient
        for name, after in shown["params_after"].items():
            moved = 0.0 if grads is None else record.eta * grads[name]
            assert after == pytest.approx(shown["params"][name] - moved, rel=1e-12, abs=1e-15)
    else:
        assert m.params_after is None
    # The status bar and the Timeline name the same row as the canvas.
    if m.record is not None:
        assert f"row {m.row + 1} of" in window.findChild(QWidget, "statusRow").text()
    assert window.timeline.slider.value() == state.cursor


def trained_rows(window):
    return window.trainer.timeline.steps


# ---- 1. a set-up change shows the new model at once ------------------------------------------
def test_a_setup_change_shows_the_new_start_everywhere_at_once(window):
    window.controller.step()
    assert window.state.shown.kind == "after_step"
    assert window.request_setup({"init": "tutorial"})
    m = window.state.shown
    assert m.kind == "idle" and m.params_after is None
    assert set(m.params.values()) <= {0.0, 1.0}  # w = 1, b = 0: the tutorial's Step 0
    assert window.canvas.shown_values()["params"]["W111"] == 1.0
    assert_coherent(window)


def test_step_through_preview_is_exactly_the_update_then_made(window):
    c, s = window.controller, window.state
    s.phase = ("update", 2)
    s.eta = 0.05  # a setting changed during step-through: the preview follows at once
    preview = s.shown
    assert preview.kind == "preview" and preview.record.eta == 0.05
    promised = dict(preview.params_after)
    c.commit_phase()
    applied = window.trainer.timeline.network.parameters()
    assert dict(applied) == promised


def test_a_table_with_more_inputs_during_step_through_redraws_the_network(window, tmp_path):
    path = tmp_path / "three.csv"
    path.write_text("a,b,c,y\n1,2,3,4\n2,3,4,5\n3,1,2,0\n")
    window.state.phase = ("forward", 1)
    assert window.open_csv(str(path))
    assert window.state.phase is None
    assert len(window.canvas.shown_values()["inputs"]) == 3
    assert "W131" in window.canvas.shown_values()["params"]
    assert_coherent(window)


# ---- 2. after a row update: values from before it, weights before → after -------------------------
def test_after_a_step_every_neuron_adds_up_from_the_weights_shown(window):
    window.controller.step()
    shown = window.canvas.shown_values()
    assert "params_after" in shown
    assert_coherent(window)


# ---- 3. an edit flows through every value at once --------------------------------------------
def test_an_edit_updates_every_neuron_and_undo_brings_the_old_value_back(window):
    c = window.controller
    c.step()
    before = dict(window.canvas.shown_values()["forward"])
    c.edit("W111", 2.5)
    shown = window.canvas.shown_values()
    assert shown["params"]["W111"] == 2.5 and "params_after" not in shown
    assert shown["forward"]["O11"] != before["O11"]
    assert_coherent(window)
    c.undo_stack.undo()
    assert window.trainer.timeline.network["W111"] != 2.5
    assert_coherent(window)


def test_typed_prediction_inputs_survive_a_setup_change(window):
    s = window.state
    s.predict_inputs = (8.0, 120.0)
    assert s.shown.kind == "prediction"
    assert list(s.shown.x_raw) == [8.0, 120.0]
    box = window.findChild(QWidget, "predictInput1")
    box.setValue(8.5)
    window.request_setup({"init": "tutorial"})
    assert window.findChild(QWidget, "predictInput1").value() == 8.5


# ---- 4. lesson steps are states ------------------------------------------------------------
def test_lesson_back_restores_the_earlier_steps_setup_and_leaving_restores_the_users_work(qtbot, window):
    c, s = window.controller, window.state
    c.train_rows(5)
    users_losses = window.trainer.history().copy()
    panel = window.lesson_panel
    s.lesson_step = 0
    assert s.setup.task == "regression" and s.setup.init == "tutorial"
    classification = next(i for i, step in enumerate(panel.lesson.steps) if step.setup.get("task") == "classification")
    s.lesson_step = classification
    assert s.setup.task == "classification"
    s.lesson_step = classification - 1
    assert s.setup.task == "regression"
    for name in window.highlighted():
        assert window.findChild(QWidget, name).isVisible()
    panel.leave_button.click()
    assert s.lesson_step is None
    assert np.array_equal(window.trainer.history(), users_losses)


# ---- 5. the Timeline loses nothing -------------------------------------------------------------
def test_the_timeline_scrubs_back_and_forward_and_a_cut_can_be_undone(window):
    c, s = window.controller, window.state
    c.train_rows(12)
    latest = s.shown.record
    c.scrub(5)
    assert s.shown.record.step == 4 and trained_rows(window) == 12
    assert_coherent(window)
    c.scrub(12)
    assert s.shown.record.step == latest.step and np.array_equal(s.shown.record.theta_after, latest.theta_after)
    c.scrub(5)
    c.step()  # training on from row 5 forgets rows 6..12 ...
    assert trained_rows(window) == 6
    c.undo_stack.undo()  # ... and Ctrl+Z brings them back
    assert trained_rows(window) == 12


# ---- 7. numbers never cut ------------------------------------------------------------------
def test_the_status_bar_shows_a_tiny_loss_in_full(window):
    c, s = window.controller, window.state
    window.request_setup({"init": "tutorial", "scaling": "none", "target_scaling": "none"})
    s.row = 0
    x1, x2 = s.shown.x
    y = s.shown.record.y[0]
    # w = 1, b = 0: ŷ = 2(x1 + x2) + b21, so this b21 leaves ŷ − y = 4.66e−4 and L ≈ 2.17e−7.
    c.edit("b21", y - 2 * (x1 + x2) + 4.66e-4)
    loss = s.shown.record.loss
    assert loss == pytest.approx(4.66e-4 ** 2, rel=1e-6)
    text = window.findChild(QWidget, "statusLoss").text()
    assert fmt(loss, s.precision) in text and "e−07" in text and "…" not in text


# ---- 6. pacing keeps its word ---------------------------------------------------------------
def test_while_playing_the_canvas_status_and_timeline_name_the_same_row(qtbot, window):
    window.state.speed = 200.0
    window.state.epochs = 3
    with qtbot.waitSignal(window.trainer.trainingFinished, timeout=20_000):
        window.controller.play()
    assert_coherent(window)


# ---- a random lesson, checked after every action ----------------------------------------------------
ACTIONS = ("step", "step", "phase_next", "phase_next", "back", "scrub", "edit", "predict", "unpredict", "eta",
           "setup", "row", "undo", "lesson_next", "lesson_back", "tab")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_sequences_keep_every_view_coherent(qtbot, window, seed):
    rng = random.Random(seed)
    c, s = window.controller, window.state
    for _ in range(60):
        action = rng.choice(ACTIONS)
        if action == "step":
            c.step()
        elif action == "phase_next":
            window.stepper.next_button.click()
        elif action == "back":
            c.step_back()
        elif action == "scrub":
            c.scrub(rng.randint(0, s.steps))
        elif action == "edit":
            c.edit(rng.choice(s.spec.param_names), rng.uniform(-2, 2))
        elif action == "predict":
            s.predict_inputs = tuple(rng.uniform(1, 10) for _ in range(s.spec.n_inputs))
        elif action == "unpredict":
            s.predict_inputs = None
        elif action == "eta":
            s.eta = rng.choice([0.01, 0.1, 0.5])
        elif action == "setup":
            window.request_setup(rng.choice([{"init": "tutorial"}, {"init": "random"}, {"seed": rng.randint(0, 9)},
                                             {"task": rng.choice(["regression", "classification"])}]))
        elif action == "row":
            s.row = rng.randrange(s.setup.dataset.n_rows)
        elif action == "undo":
            c.undo_stack.undo()
        elif action == "lesson_next":
            s.lesson_step = min(len(window.lesson_panel.lesson.steps) - 1, (s.lesson_step or 0) + 1)
        elif action == "lesson_back":
            s.lesson_step = max(0, (s.lesson_step or 0) - 1)
        else:
            tabs = rng.choice([window.centre_tabs, window.side_tabs])
            tabs.setCurrentIndex(rng.randrange(tabs.count()))
        assert not window.trainer.running
        assert_coherent(window)
