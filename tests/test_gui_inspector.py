"""The parameter inspector and the gradient-check view: views of the application state that
show exactly fmt(engine value, state.precision), hand-checkable on the tutorial's w = 1, b = 0."""
import re

import numpy as np
import pytest
from conftest import Studio
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTableView, QTableWidget

from engine import moment
from engine.gradcheck import gradient_check
from engine.network import Network
from engine.notation import fmt, fmt_full, parse, shown_value
from engine.spec import NetworkSpec
from gui.panels.gradcheck import GradCheckView, network_at
from gui.panels.inspector import ParamInspector
from gui.state import AppState

OFFSCREEN_NOISE = "This plugin does not support propagateSizeHints"


@pytest.fixture
def tutorial():
    """students-regression, w = 1, b = 0, raw inputs: every number can be worked out by hand."""
    return Studio(init="tutorial", scaling="none")


def make_inspector(qtbot, state):
    w = ParamInspector(state)
    qtbot.addWidget(w)
    w.resize(520, 520)
    return w


def state_showing(record, precision=6):
    """A state showing one trained row of any network (no table needed)."""
    s = AppState(precision=precision)
    s.selected = record.spec.param_names[0]
    s.shown = moment.after_step(record, record.x)
    return s


def cell(table: QTableView, row: int, col: int) -> str:
    return table.model().index(row, col).data()


def test_hand_derived_first_row_at_w1_b0(qtbot, tutorial):
    s = tutorial.state
    m = s.shown
    # The shown row is table row 3: cgpa 6, profile_score 10, lpa 6.
    assert m.kind == "idle" and m.row == 2
    assert list(s.setup.dataset.X[m.row]) == [6, 10] and list(s.setup.dataset.Y[m.row]) == [6]
    # By hand: O11 = 1·6 + 1·10 + 0 = 16 = O12; ŷ = 1·16 + 1·16 + 0 = 32; L = (6 − 32)² = 676;
    # ∂L/∂ŷ = −2(6 − 32) = 52; ∂L/∂W111 = 52 · W211 · x1 = 52 · 1 · 6 = 312;
    # ∂L/∂W122 = 52 · W221 · x2 = 520; ∂L/∂W211 = 52 · O11 = 832; ∂L/∂b21 = 52.
    w = make_inspector(qtbot, s)
    assert w.header_text() == ["parameter", "value", "∂L/∂p"]  # no update column: nothing was trained
    assert w.row_text("W111") == ["W111", "1", "312"]
    assert w.row_text("W122") == ["W122", "1", "520"]
    assert w.row_text("b11") == ["b11", "0", "52"]
    assert w.row_text("W211") == ["W211", "1", "832"]
    assert w.row_text("b21") == ["b21", "0", "52"]
    names = [cell(w.table, r, 0) for r in range(w.model.rowCount())]
    assert names == ["W111", "W121", "b11", "W112", "W122", "b12", "W211", "W221", "b21"]  # tutorial order
    label = w.findChild(QLabel, "chainRuleLabel")
    assert "∂L/∂W<sub>111</sub> = ∂L/∂ŷ · ∂ŷ/∂O<sub>11</sub> · ∂O<sub>11</sub>/∂W<sub>111</sub>" in label.text()
    assert "−2(y − ŷ) · W<sub>211</sub> · x<sub>1</sub>" in label.text()
    assert "(52) · (1) · (6) = <b>312</b>" in label.text()
    tip = w.model.index(0, 2).data(Qt.ItemDataRole.ToolTipRole)
    assert tip == fmt_full(312.0)


def test_after_a_step_values_before_to_after_and_the_update_column(qtbot, tutorial):
    w = make_inspector(qtbot, tutorial.state)
    tutorial.step()  # η = 0.1: W111 ← 1 − 0.1·312 = −30.2, b21 ← 0 − 0.1·52 = −5.2
    assert w.header_text() == ["parameter", "value before → after", "∂L/∂p", "update −η·∂L/∂p"]
    assert w.row_text("W111") == ["W111", "1 → −30.2", "312", "−31.2"]
    assert w.row_text("W211") == ["W211", "1 → −82.2", "832", "−83.2"]
    assert w.row_text("b21") == ["b21", "0 → −5.2", "52", "−5.2"]


def test_an_edit_removes_the_update_column_and_shows_the_edited_values_at_once(qtbot, tutorial):
    w = make_inspector(qtbot, tutorial.state)
    tutorial.step()
    assert w.model.columnCount() == 4
    tutorial.edit("W211", 0.5)
    assert w.header_text() == ["parameter", "value", "∂L/∂p"]
    assert w.row_text("W211")[1] == "0.5"
    assert w.row_text("W111")[1] == "−30.2"  # the other parameters as the step left them
    # Row 3 again at the edited values, by hand: O11 = −30.2·6 − 51·10 − 5.2 = −696.4 = O12,
    # ŷ = 0.5·(−696.4) − 82.2·(−696.4) − 5.2 = 56890.68, ∂L/∂b21 = −2(6 − ŷ) = 113769.36.
    assert parse(w.row_text("b21")[2]) == pytest.approx(113769.36, rel=1e-5)
    assert w.row_text("b21")[2] == fmt(tutorial.state.shown.grads["b21"])


def test_preview_shows_the_update_only_in_its_update_phase(qtbot, tutorial):
    w = make_inspector(qtbot, tutorial.state)
    tutorial.preview(with_update=False)
    assert w.model.columnCount() == 3 and " → " not in w.row_text("W111")[1]
    tutorial.preview(with_update=True)
    assert w.row_text("W111") == ["W111", "1 → −30.2", "312", "−31.2"]
    tutorial.idle(0)
    assert w.model.columnCount() == 3


def test_a_prediction_shows_values_only(qtbot, tutorial):
    w = make_inspector(qtbot, tutorial.state)
    tutorial.step()
    tutorial.predict([7, 8])
    assert w.header_text() == ["parameter", "value", "∂L/∂p"]
    assert w.row_text("W111") == ["W111", "−30.2", "—"]
    assert "no target" in w.chain_text()


def all_numbers(w, m):
    """(cell text, the model's number) for every number cell of the inspector."""
    out = []
    for name in m.spec.param_names:
        cells = w.row_text(name)
        values = cells[1].split(" → ")
        expected = [m.params[name]] + ([m.params_after[name]] if m.params_after is not None else [])
        out += list(zip(values, expected, strict=True))
        if m.record is not None:
            out.append((cells[2], m.record.grads[name]))
        if m.params_after is not None:
            out.append((cells[3], m.record.updates[name]))
    return out


@pytest.mark.parametrize("precision", [4, 6, 8])
def test_every_number_reparses_to_the_models_value_at_the_shown_precision(qtbot, precision):
    studio = Studio(init="random")  # standardised inputs, small random weights: long decimals
    studio.state.precision = precision
    w = make_inspector(qtbot, studio.state)
    for move in (lambda: None, studio.step, studio.step, lambda: studio.preview(True),
                 lambda: studio.edit("W121", 0.123456789), lambda: studio.predict([7.7, 8.8])):
        move()
        m = studio.state.shown
        pairs = all_numbers(w, m)
        assert len(pairs) >= m.spec.n_params
        for text, value in pairs:
            assert parse(text) == shown_value(value, precision), (text, value)
            assert len(re.sub(r"[^0-9]", "", text.split("e")[0]).lstrip("0")) <= precision
        texts = [c for n in m.spec.param_names for c in w.row_text(n)] + w.header_text() + [w.chain_text()]
        assert not any("…" in t for t in texts)


@pytest.mark.qt_log_ignore(OFFSCREEN_NOISE)
def test_columns_fit_their_contents_and_never_elide(qtbot):
    studio = Studio(init="random")
    studio.state.precision = 8
    w = make_inspector(qtbot, studio.state)
    w.resize(220, 400)  # far too narrow: a horizontal scroll bar, not a cut number
    w.show()
    qtbot.waitExposed(w)
    studio.step()
    table = w.table
    assert table.textElideMode() == Qt.TextElideMode.ElideNone
    assert table.horizontalHeader().textElideMode() == Qt.TextElideMode.ElideNone
    assert not table.wordWrap()
    metrics = table.fontMetrics()
    model = table.model()
    qtbot.waitUntil(lambda: table.columnWidth(3) >= table.sizeHintForColumn(3))
    for c in range(model.columnCount()):
        width = table.columnWidth(c)
        assert width >= table.sizeHintForColumn(c)
        for r in range(model.rowCount()):
            assert metrics.horizontalAdvance(model.index(r, c).data()) < width
    assert table.horizontalScrollBar().maximum() > 0


def test_clicking_a_row_selects_the_parameter_everywhere(qtbot, tutorial):
    w = make_inspector(qtbot, tutorial.state)
    rect = w.table.visualRect(w.model.index(1, 0))
    with qtbot.waitSignal(w.parameterSelected) as sig:
        qtbot.mouseClick(w.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert sig.args == ["W121"]
    assert tutorial.state.selected == "W121"
    assert "W<sub>121</sub>" in w.chain_text()
    assert "(52) · (1) · (10) = <b>520</b>" in w.chain_text()


def test_the_states_selection_selects_the_row_silently(qtbot, tutorial):
    w = make_inspector(qtbot, tutorial.state)
    with qtbot.assertNotEmitted(w.parameterSelected):
        tutorial.state.selected = "b12"
    assert w.table.currentIndex().row() == tutorial.state.spec.param_names.index("b12")
    assert w.selected_parameter() == "b12"
    assert "∂L/∂b<sub>12</sub>" in w.chain_text()


def test_new_moments_change_cells_without_a_model_reset(qtbot, tutorial):
    w = make_inspector(qtbot, tutorial.state)
    tutorial.state.eta = 0.001  # raw inputs: at 0.1 the second row already runs away (not updated)
    tutorial.state.selected = "W122"
    w.row_text("W111")  # rendered
    model = w.model
    resets, changes = [], []
    model.modelReset.connect(lambda: resets.append(1))
    model.dataChanged.connect(lambda a, b, roles: changes.append((a.row(), a.column(), b.row(), b.column())))
    for _ in range(3):
        tutorial.step()
        w.row_text("W111")
    assert resets == []
    assert len(changes) == 3
    assert changes[0] == (0, 1, 8, 3)
    assert w.table.currentIndex().row() == tutorial.state.spec.param_names.index("W122")
    assert w.row_text("W122")[1].endswith(fmt(tutorial.timeline.network["W122"]))


def test_any_network_shape(qtbot):
    spec = NetworkSpec((3, 4, 3, 2), ("tanh", "relu", "sigmoid"), "bce")
    net = Network(spec, np.random.default_rng(0).normal(size=spec.n_params))
    record = net.step([0.1, 0.2, 0.3], [1, 0], 0.1)
    s = state_showing(record)
    w = make_inspector(qtbot, s)
    assert w.model.rowCount() == spec.n_params
    assert "Σ" in w.chain_text()
    for name in spec.param_names:
        assert parse(w.row_text(name)[2]) == shown_value(record.grads[name], 6)
    # a smaller network shown next: rows rebuilt, the selection kept where it exists
    s.selected = "b21"
    small = Network.from_preset("regression").step([1.0, 2.0], [3.0], 0.1)
    s.shown = moment.after_step(small, small.x)
    assert w.model.rowCount() == small.spec.n_params
    assert w.table.currentIndex().row() == small.spec.param_names.index("b21")


def test_precision_rerenders(qtbot):
    studio = Studio(init="random")
    w = make_inspector(qtbot, studio.state)
    studio.step()
    value = studio.state.shown.params["W111"]
    assert w.row_text("W111")[1].startswith(fmt(value, 6) + " → ")
    studio.state.precision = 4
    assert w.row_text("W111")[1].startswith(fmt(value, 4) + " → ")


# ---- gradient check view -------------------------------------------------------------------
def make_gradcheck(qtbot, state):
    w = GradCheckView(state)
    qtbot.addWidget(w)
    w.resize(700, 420)
    return w


def table_rows(table: QTableWidget):
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def test_gradcheck_checks_the_shown_moment(qtbot, tutorial):
    w = make_gradcheck(qtbot, tutorial.state)
    assert w.objectName() == "gradCheckView"
    m = tutorial.state.shown
    rows = w.rows()
    expected = gradient_check(network_at(m), m.x, m.record.y)
    assert [r.name for r in rows] == list(m.spec.param_names)
    for r, e in zip(rows, expected):
        assert r.analytic == e.analytic == m.grads[r.name]  # the very gradient the inspector shows
        assert r.rel_error < 1e-6
    assert [r.analytic for r in rows][:1] == [312.0]  # by hand: 52 · 1 · 6
    table = w.findChild(QTableWidget, "gradCheckTable")
    shown = table_rows(table)
    for cells, r in zip(shown, rows):
        assert cells[:3] == [r.name, fmt(r.analytic), fmt(r.numeric)]


def test_gradcheck_after_a_step_uses_the_parameters_before_the_update(qtbot, tutorial):
    w = make_gradcheck(qtbot, tutorial.state)
    record = tutorial.step()
    for r in w.rows():
        assert r.analytic == record.grads[r.name]
    worst_row = [r.name for r in w.rows()].index(w.worst().name)
    assert w.table.item(worst_row, 3).font().bold()


def test_gradcheck_has_nothing_to_check_for_a_prediction(qtbot, tutorial):
    w = make_gradcheck(qtbot, tutorial.state)
    tutorial.predict([7, 8])
    assert w.rows() == [] and w.worst() is None
    assert "no target" in w.findChild(QLabel, "gradCheckSummary").text()


@pytest.mark.qt_log_ignore(OFFSCREEN_NOISE)
def test_gradcheck_auto_refresh_and_selection(qtbot):
    studio = Studio(task="classification", dataset="students-classification")
    w = make_gradcheck(qtbot, studio.state)
    w.show()
    qtbot.waitExposed(w)
    record = studio.step()
    qtbot.waitUntil(lambda: "worst relative error" in w.summary.text() and w.table.rowCount() == 9)
    assert [w.table.item(i, 1).text() for i in range(9)] == [fmt(record.grads[n]) for n in record.spec.param_names]
    assert w.table.textElideMode() == Qt.TextElideMode.ElideNone and not w.table.wordWrap()
    for c in range(w.table.columnCount()):
        assert w.table.columnWidth(c) >= w.table.sizeHintForColumn(c)
    with qtbot.waitSignal(w.parameterSelected) as sig:
        w.table.setCurrentCell(2, 0)
    assert sig.args == ["b11"] and studio.state.selected == "b11"
    with qtbot.assertNotEmitted(w.parameterSelected):
        studio.state.selected = "W211"
    assert w.table.currentRow() == record.spec.param_names.index("W211")
