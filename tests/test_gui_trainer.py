"""The background trainer: every row signalled and recorded, exact rewind, clean stops.

These drive `gui.trainer.Trainer` without a window. Rows are compared with a
headless `engine.training.Training` run on the same setup, bit for bit.
"""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine import timeline as timeline_mod
from engine.data import load_builtin
from engine.init import DEFAULT_SCHEME, initialise
from engine.network import Network
from engine.scaling import Standardizer
from engine.spec import preset
from engine.timeline import GrowingBuffer, Timeline
from engine.training import Training
from gui.trainer import Trainer


@pytest.fixture
def students():
    return load_builtin("students-regression")


@pytest.fixture
def trainer(qtbot, students):
    t = Trainer()
    t.configure(preset("regression"), students.X, students.Y, eta=0.1)
    t.set_speed(None)
    yield t
    t.shutdown()
    assert not t.worker_alive


def headless(students, eta=0.1, epochs=10, scaling=True, order="shuffle", seed=0):
    net = initialise(Network(preset("regression")), DEFAULT_SCHEME, seed)
    X = Standardizer.fit(students.X).transform(students.X) if scaling else students.X
    tr = Training(net, X, students.Y, eta=eta, order=order, seed=seed)
    records = [tr.step() for _ in range(epochs * tr.n_rows)]
    return tr, records


def test_growing_buffer_keeps_every_value():
    buf = GrowingBuffer(16)
    for i in range(1000):
        buf.append(float(i))
    assert len(buf) == 1000
    assert np.array_equal(buf.view(), np.arange(1000.0))
    assert not buf.view().flags.writeable
    buf.truncate(10)
    assert np.array_equal(buf.view(), np.arange(10.0))


def test_play_emits_every_row_and_matches_the_engine(qtbot, trainer, students):
    seen = []
    trainer.rowUpdated.connect(lambda r: seen.append(r.step), Qt.DirectConnection)
    with qtbot.waitSignal(trainer.trainingFinished, timeout=20_000):
        trainer.play(250)
    assert seen == list(range(1000))
    tr, records = headless(students, epochs=250)
    assert np.array_equal(trainer.history(), [r.loss for r in records])
    assert np.array_equal(trainer.epoch_means(), tr.epoch_losses)
    assert np.array_equal(trainer.network.theta, tr.network.theta)
    snap = trainer.snapshot()
    assert snap.steps == 1000 and snap.epoch == 251 and snap.position == 0 and not snap.running
    assert snap.record.step == 999
    assert dict(snap.params) == dict(tr.network.parameters())


def test_step_is_one_row_and_pause_resume_continue_the_same_run(qtbot, trainer, students):
    record = trainer.step()
    assert record.step == 0 and trainer.timeline.steps == 1
    trainer.set_speed(100)
    trainer.play(250)  # 1000 rows: at 100 rows/s, far from done when paused
    qtbot.waitUntil(lambda: trainer.timeline.steps >= 5, timeout=10_000)
    with qtbot.waitSignal(trainer.trainingFinished, timeout=1000):
        trainer.pause()
    paused_at = trainer.timeline.steps
    assert not trainer.running and 5 <= paused_at < 1000
    trainer.set_speed(None)
    with qtbot.waitSignal(trainer.trainingFinished, timeout=20_000):
        trainer.play(250)  # resumes the same run: 250 epochs counted from where it began
    assert trainer.timeline.steps == 1000
    tr, records = headless(students, epochs=250)
    assert np.array_equal(trainer.history(), [r.loss for r in records])


def test_step_epoch_stops_at_the_epoch_boundary(qtbot, trainer):
    trainer.step()
    with qtbot.waitSignal(trainer.trainingFinished, timeout=10_000):
        trainer.step_epoch()
    assert trainer.timeline.steps == 4 and trainer.snapshot().position == 0
    with qtbot.waitSignal(trainer.trainingFinished, timeout=10_000):
        trainer.step_epoch()
    assert trainer.timeline.steps == 8


def test_reset_restores_the_same_initial_parameters(qtbot, trainer):
    initial = trainer.network.theta.copy()
    expected = initialise(Network(preset("regression")), DEFAULT_SCHEME, 0).theta
    assert np.array_equal(initial, expected)
    with qtbot.waitSignal(trainer.trainingFinished, timeout=10_000):
        trainer.play(20)
    assert not np.array_equal(trainer.network.theta, initial)
    trainer.reset()
    assert np.array_equal(trainer.network.theta, initial)
    assert trainer.history().shape == (0,) and trainer.epoch_means().shape == (0,)
    assert trainer.snapshot().record is None and trainer.snapshot().epoch == 1


def test_eta_change_takes_effect_at_the_next_row(qtbot, trainer):
    records = []

    def on_row(record):  # runs in the worker thread, between two rows
        records.append(record)
        if record.step == 10:
            trainer.set_eta(0.05)

    trainer.rowUpdated.connect(on_row, Qt.DirectConnection)
    with qtbot.waitSignal(trainer.trainingFinished, timeout=10_000):
        trainer.play(5)
    assert [r.eta for r in records[:11]] == [0.1] * 11
    assert [r.eta for r in records[11:]] == [0.05] * 9
    assert trainer.timeline.eta_log == [(0, 0.1), (11, 0.05)]


def test_divergence_stops_and_keeps_the_last_finite_parameters(qtbot, students):
    t = Trainer()
    try:
        t.configure(preset("regression"), students.X, students.Y, eta=1.0, scaling="none")
        t.set_speed(None)
        with qtbot.waitSignal(t.trainingFinished, timeout=10_000):
            t.play(1000)
        snap = t.snapshot()
        assert snap.diverged is not None and snap.diverged.diverged
        assert snap.record is snap.diverged
        assert np.all(np.isfinite(t.network.theta))
        assert np.array_equal(t.network.theta, snap.diverged.theta_before)
        assert np.all(np.isfinite(snap.losses)) and snap.steps == snap.diverged.step
        assert dict(snap.params) == dict(snap.diverged.params_before)
    finally:
        t.shutdown()


def test_rewind_is_bit_exact_with_eta_changes_and_edits(qtbot, trainer, monkeypatch):
    monkeypatch.setattr(trainer.timeline, "checkpoint_every", 64)
    after = {}

    def on_row(record):
        after[record.step] = record.theta_after.copy()
        if record.step == 150:
            trainer.set_eta(0.03)

    trainer.rowUpdated.connect(on_row, Qt.DirectConnection)
    with qtbot.waitSignal(trainer.trainingFinished, timeout=10_000):
        trainer.play(50)  # 200 rows
    trainer.set_parameter("W111", 0.25)  # a hand edit at step 200
    edited = trainer.network.theta.copy()
    with qtbot.waitSignal(trainer.trainingFinished, timeout=10_000):
        trainer.play(50)  # 200 more
    losses = trainer.history().copy()
    for step in (399, 250, 201, 199, 151, 150, 64, 63, 1):
        record = trainer.rewind_to(step + 1)
        assert record.step == step
        assert np.array_equal(record.theta_after, after[step])
        # After row 199 comes the hand edit: going back there gives the edited parameters.
        assert np.array_equal(trainer.network.theta, edited if step == 199 else after[step]), step
        assert np.array_equal(trainer.history(), losses[: step + 1])
    trainer.rewind_to(0)
    assert np.array_equal(trainer.network.theta, trainer.timeline.initial_theta)
    assert trainer.snapshot().record is None


def test_rewind_then_replay_reproduces_the_run(qtbot, trainer):
    with qtbot.waitSignal(trainer.trainingFinished, timeout=10_000):
        trainer.play(30)
    final = trainer.network.theta.copy()
    losses = trainer.history().copy()
    trainer.rewind_to(37)
    assert trainer.step_back().step == 35
    with qtbot.waitSignal(trainer.trainingFinished, timeout=10_000):
        trainer.play(30)  # a new run of 30 epochs from epoch 9's middle: ends at epoch 38
    assert np.array_equal(trainer.history()[:120], losses)
    trainer.rewind_to(120)
    assert np.array_equal(trainer.network.theta, final)


def test_edit_at_step_zero_survives_rewind(trainer):
    trainer.set_parameter("b21", 3.0)
    theta = trainer.network.theta.copy()
    for _ in range(5):
        trainer.step()
    trainer.rewind_to(0)
    assert np.array_equal(trainer.network.theta, theta)
    trainer.step()
    assert trainer.snapshot().record.params_before["b21"] == 3.0


def test_checkpoints_stay_bounded(monkeypatch, students):
    monkeypatch.setattr(timeline_mod, "CHECKPOINT_EVERY", 4)
    monkeypatch.setattr(timeline_mod, "MAX_CHECKPOINTS", 8)
    tl = Timeline(preset("regression"), students.X, students.Y)
    thetas = {}
    for _ in range(400):
        r = tl.row(0.1)
        thetas[r.step] = r.theta_after.copy()
    assert len(tl.checkpoints) <= 8 and tl.checkpoint_every > 4
    for step in (399, 123, 7):
        tl.rewind_to(step + 1)
        assert np.array_equal(tl.network.theta, thetas[step])


def test_shutdown_stops_a_running_thread_quickly(students):
    t = Trainer()
    t.configure(preset("regression"), students.X, students.Y)
    t.set_speed(None)
    t.play(100_000)
    assert t.running
    t.shutdown(timeout=1.0)
    assert not t.worker_alive
    t.shutdown()  # idempotent


def test_configure_rejects_a_mismatch_and_keeps_the_old_run(trainer, students):
    old = trainer.timeline
    with pytest.raises(ValueError):
        trainer.configure(preset("regression"), students.X[:, :1], students.Y)
    assert trainer.timeline is old
