"""“Check my homework”: a student types a gradient or an updated parameter for the
shown row; the engine (engine.homework) says right or wrong and which factor slipped.

A view of the application state: the row is `state.shown` (its record), the
numbers are printed and checked at `state.precision` significant digits, so an
answer worked out on a calculator from the printed numbers is accepted.

Widgets (objectNames): `homeworkQuantity` (QComboBox: ∂L/∂W111 …, W111 after the
update …), `homeworkInput` (QLineEdit; "−" and "-" both work), `homeworkCheckButton`,
`homeworkResult` (the verdict with its tolerance), `homeworkGivens` (the row's
numbers the student needs: x, y, η, parameters before the update).
"""
from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from engine.homework import TOLERANCE_TEXT, Verdict, check_answer, parse_quantity, quantities
from engine.notation import fmt, output_name
from gui import colors
from gui.panels.derivation import math_html
from gui.state import AppState
from gui.widgets.state_view import subscribe

_MINUSES = "−–‒—"


def parse_answer(text: str) -> float:
    """What a student types → float: '−24.9', '-24.9', ' 2 590.56 ', '0,5', '1e−3'."""
    t = text.strip().replace(" ", "").replace("\u202f", "").replace("_", "")
    for m in _MINUSES:
        t = t.replace(m, "-")
    if "," in t and "." not in t and t.count(",") == 1:
        t = t.replace(",", ".")  # a decimal comma
    else:
        t = t.replace(",", "")  # thousands separators
    return float(t)


def quantity_label(quantity: str) -> str:
    kind, name = parse_quantity(quantity)
    return f"∂L/∂{name}" if kind == "grad" else f"{name} after the update"


class HomeworkPanel(QWidget):
    """A view of `state`. check() runs the check (also the button and Enter) and emits
    checked(Verdict). Choosing a quantity sets `state.selected` and emits
    parameterSelected(name); `state.selected` moves the chooser (silently)."""

    parameterSelected = Signal(str)
    checked = Signal(object)

    def __init__(self, state: AppState, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.setObjectName("homeworkPanel")
        self._spec = None
        self._checked_moment = None  # the moment the verdict on screen is about
        self._programmatic = False

        self.givens = QLabel(self)
        self.givens.setObjectName("homeworkGivens")
        self.givens.setTextFormat(Qt.TextFormat.RichText)
        self.givens.setWordWrap(True)
        self.givens.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.quantity = QComboBox(self)
        self.quantity.setObjectName("homeworkQuantity")
        self.quantity.setToolTip("Which number you computed by hand")
        self.quantity.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.quantity.currentIndexChanged.connect(self._on_quantity)
        self.input = QLineEdit(self)
        self.input.setObjectName("homeworkInput")
        self.input.setPlaceholderText("your value, e.g. −24.9056")
        self.input.setClearButtonEnabled(True)
        self.input.setMinimumWidth(170)
        self.input.returnPressed.connect(self.check)
        self.check_button = QPushButton("Check", self)
        self.check_button.setObjectName("homeworkCheckButton")
        self.check_button.setToolTip(f"Right when within {TOLERANCE_TEXT} (and never stricter than 0.1 %)")
        self.check_button.clicked.connect(self.check)
        self.result = QLabel(self)
        self.result.setObjectName("homeworkResult")
        self.result.setTextFormat(Qt.TextFormat.RichText)
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.MinimumExpanding)
        self.result.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

        row = QHBoxLayout()
        row.addWidget(self.quantity)
        row.addWidget(QLabel("=", self))
        row.addWidget(self.input, 1)
        row.addWidget(self.check_button)
        layout = QVBoxLayout(self)
        title = QLabel("<b>Check my homework</b>: compute one number for the shown row by hand, type it, "
                       "press Check.", self)
        title.setWordWrap(True)
        layout.addWidget(title)
        layout.addWidget(self.givens)
        layout.addLayout(row)
        layout.addWidget(self.result, 1)
        self.set_font_scale(1.0)

        for event in (state.events.setup, state.events.shown, state.events.precision):
            subscribe(self, event, self.render_state)
        subscribe(self, state.events.selected, self._on_selected)
        self.render_state()

    # ---- public --------------------------------------------------------------------------
    def current_quantity(self) -> str | None:
        return self.quantity.currentData()

    def set_quantity(self, quantity: str) -> None:
        idx = self.quantity.findData(quantity)
        if idx < 0:
            raise ValueError(f"no quantity {quantity!r}")
        self.quantity.setCurrentIndex(idx)

    def givens_text(self) -> str:
        return self.givens.text()

    def set_font_scale(self, factor: float) -> None:
        f = QFont(self.font())
        f.setPixelSize(max(8, round(16 * factor)))
        for w in (self.givens, self.quantity, self.input, self.check_button, self.result):
            w.setFont(f)

    def check(self) -> Verdict | None:
        """Check the typed answer against the shown row, at the precision shown."""
        moment, q = self.state.shown, self.quantity.currentData()
        if moment is None or q is None:
            self._show("Train one row first (Step): the check is about the shown row.", None)
            return None
        if moment.record is None:
            self._show("A prediction has no target, so it has no loss and no gradient to check. "
                       "Go back to training.", None)
            return None
        text = self.input.text()
        try:
            value = parse_answer(text)
        except ValueError:
            self._show(f"“{text}” isn't a number: type e.g. −24.9056 or 2590.56 (− or - both work).", None)
            return None
        verdict = check_answer(moment.record, q, value, self.state.precision)
        self._checked_moment = moment
        self._show(verdict.message, verdict.correct)
        self.checked.emit(verdict)
        return verdict

    # ---- rendering ---------------------------------------------------------------------------
    def render_state(self, *_args) -> None:
        moment = self.state.shown
        spec = moment.spec if moment is not None else self.state.spec
        if spec != self._spec:
            self._fill_quantities(spec)
        if self._checked_moment is not None and moment is not self._checked_moment:
            self._checked_moment = None
            self._show("The shown row changed: check again.", None)
        self._render_givens()

    def _fill_quantities(self, spec) -> None:
        current = self.quantity.currentData()
        self._spec = spec
        self._programmatic = True
        try:
            self.quantity.clear()
            if spec is not None:
                for q in quantities(spec):
                    self.quantity.addItem(quantity_label(q), q)
            idx = self.quantity.findData(current) if current is not None else -1
            if idx < 0 and self.state.selected is not None:
                idx = self.quantity.findData(f"∂L/∂{self.state.selected}")
            if idx >= 0:
                self.quantity.setCurrentIndex(idx)
        finally:
            self._programmatic = False
        self.result.clear()

    def _on_selected(self, *_args) -> None:
        name = self.state.selected
        current = self.quantity.currentData()
        kind = "new" if current and current.startswith("new:") else "grad"
        idx = self.quantity.findData(f"new:{name}" if kind == "new" else f"∂L/∂{name}")
        if idx >= 0 and idx != self.quantity.currentIndex():
            self._programmatic = True
            try:
                self.quantity.setCurrentIndex(idx)
            finally:
                self._programmatic = False

    def _on_quantity(self, _index: int) -> None:
        q = self.quantity.currentData()
        if q is None or self._programmatic:
            return
        name = parse_quantity(q)[1]
        if name != self.state.selected:
            self.state.selected = name
        self.parameterSelected.emit(name)

    def _show(self, message: str, correct: bool | None) -> None:
        body = math_html(message) if correct is not None else html.escape(message, quote=False)
        if correct is True:
            text = f"<span style='color:{colors.POSITIVE_TEXT}'><b>✔ Right.</b></span> {body}"
        elif correct is False:
            text = f"<span style='color:{colors.NEGATIVE_TEXT}'><b>✘ Not quite.</b></span> {body}"
        else:
            text = f"<span style='color:{colors.MUTED}'>{body}</span>"
        self.result.setText(text)

    def _render_givens(self) -> None:
        moment, d = self.state.shown, self.state.precision
        muted = f"<span style='color:{colors.MUTED}'>"
        if moment is None:
            self.givens.setText(f"{muted}No row shown yet.</span>")
            return
        if moment.record is None:
            self.givens.setText(f"{muted}A prediction (a new row without a target): nothing to check.</span>")
            return
        rec = moment.record
        spec = rec.spec
        setup = self.state.setup
        names = setup.dataset.input_names if setup is not None and setup.spec == spec else ()
        scaled = setup is not None and setup.scaling != "none"
        xs = []
        for i, v in enumerate(rec.x, start=1):
            label = names[i - 1] if i - 1 < len(names) else ""
            extra = ""
            if label and scaled:
                extra = f" ({html.escape(label)} = {fmt(moment.x_raw[i - 1], d)}, standardised)"
            elif label and label != f"x{i}":
                extra = f" ({html.escape(label)})"
            xs.append(f"{math_html(f'x{i}')} = {fmt(v, d)}{extra}")
        ys = [f"{math_html('y' + output_name(spec, k + 1)[1:])} = {fmt(rec.y[k], d)}" for k in range(spec.n_outputs)]
        ps = ", ".join(f"{math_html(n)} = {fmt(moment.params[n], d)}" for n in spec.param_names)
        self.givens.setText(
            f"Table row {rec.row + 1} (epoch {rec.epoch}): {', '.join(xs)}, {', '.join(ys)}, η = {fmt(rec.eta, d)}<br>"
            f"{muted}before the update ({d} significant digits, as checked):</span> {ps}"
        )


HomeworkWidget = HomeworkPanel  # the name used in the tests and the brief
