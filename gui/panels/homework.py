"""“Check my homework”: a student types a gradient or an updated parameter for the
last row; the engine (engine.homework) says right or wrong and which factor slipped.

Widgets (objectNames): `homeworkQuantity` (QComboBox: ∂L/∂W111 …, W111 after the
update …), `homeworkInput` (QLineEdit; "−" and "-" both work), `homeworkCheckButton`,
`homeworkResult` (the verdict with its tolerance), `homeworkGivens` (the row's
numbers the student needs: x, y, η, parameters before the update).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSizePolicy, QVBoxLayout, QWidget,
)

from engine.homework import TOLERANCE_TEXT, Verdict, check_answer, parse_quantity, quantities
from engine.spec import NetworkSpec
from gui import colors
from gui.panels.derivation import math_html
from engine.notation import fmt

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
    """Contract: set_network, show_record, select_parameter, parameterSelected(str);
    check() runs the check (also the button and Enter) and emits checked(Verdict)."""

    parameterSelected = Signal(str)
    checked = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("homeworkPanel")
        self._spec: NetworkSpec | None = None
        self._input_names: tuple[str, ...] = ()
        self._record = None
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
        self.check_button.setToolTip(f"Right when {TOLERANCE_TEXT} of the engine's value")
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
        title = QLabel("<b>Check my homework</b>: compute one number for the last row by hand, type it, press Check.", self)
        title.setWordWrap(True)
        layout.addWidget(title)
        layout.addWidget(self.givens)
        layout.addLayout(row)
        layout.addWidget(self.result, 1)
        self.set_font_scale(1.0)
        self._render_givens()

    # ---- the view contract ----------------------------------------------------------
    def set_network(self, spec: NetworkSpec, input_names: Sequence[str] = ()) -> None:
        current = self.current_quantity()
        self._spec = spec
        self._input_names = tuple(input_names)
        self._record = None
        self._programmatic = True
        try:
            self.quantity.clear()
            for q in quantities(spec):
                self.quantity.addItem(quantity_label(q), q)
            if current is not None:
                idx = self.quantity.findData(current)
                if idx >= 0:
                    self.quantity.setCurrentIndex(idx)
        finally:
            self._programmatic = False
        self.result.clear()
        self._render_givens()

    def show_record(self, record, params: Mapping[str, float] | None = None) -> None:
        if record is self._record:
            return
        if record is not None and (self._spec is None or record.spec != self._spec):
            self.set_network(record.spec, self._input_names)
        if self._record is not None and self.result.text():
            self.result.setText(f"<span style='color:{colors.MUTED}'>A new row was trained: check again.</span>")
        self._record = record
        self._render_givens()

    def select_parameter(self, name: str) -> None:
        current = self.current_quantity()
        kind = "new" if current and current.startswith("new:") else "grad"
        q = f"new:{name}" if kind == "new" else f"∂L/∂{name}"
        idx = self.quantity.findData(q)
        if idx >= 0 and idx != self.quantity.currentIndex():
            self._programmatic = True
            try:
                self.quantity.setCurrentIndex(idx)
            finally:
                self._programmatic = False

    def current_quantity(self) -> str | None:
        return self.quantity.currentData()

    def set_quantity(self, quantity: str) -> None:
        idx = self.quantity.findData(quantity)
        if idx < 0:
            raise ValueError(f"no quantity {quantity!r}")
        self.quantity.setCurrentIndex(idx)

    def set_font_scale(self, factor: float) -> None:
        f = QFont(self.font())
        f.setPixelSize(max(8, round(16 * factor)))
        for w in (self.givens, self.quantity, self.input, self.check_button, self.result):
            w.setFont(f)

    # ---- checking -----------------------------------------------------------------------
    def check(self) -> Verdict | None:
        q = self.current_quantity()
        if self._record is None or q is None:
            self._show("Train one row first (Step): the check is about the last trained row.", None)
            return None
        text = self.input.text()
        try:
            value = parse_answer(text)
        except ValueError:
            self._show(f"“{text}” isn't a number: type e.g. −24.9056 or 2590.56 (− or - both work).", None)
            return None
        verdict = check_answer(self._record, q, value)
        self._show(verdict.message, verdict.correct)
        self.checked.emit(verdict)
        return verdict

    def _show(self, message: str, correct: bool | None) -> None:
        import html

        body = math_html(message) if correct is not None else html.escape(message, quote=False)
        if correct is True:
            text = f"<span style='color:{colors.POSITIVE_TEXT}'><b>✔ Right.</b></span> {body}"
        elif correct is False:
            text = f"<span style='color:{colors.NEGATIVE_TEXT}'><b>✘ Not quite.</b></span> {body}"
        else:
            text = f"<span style='color:{colors.MUTED}'>{body}</span>"
        self.result.setText(text)

    def _on_quantity(self, _index: int) -> None:
        q = self.current_quantity()
        if q is None or self._programmatic:
            return
        self.parameterSelected.emit(parse_quantity(q)[1])

    def _render_givens(self) -> None:
        rec = self._record
        if rec is None:
            self.givens.setText(f"<span style='color:{colors.MUTED}'>No row trained yet.</span>")
            return
        spec = rec.spec
        xs = []
        for i, v in enumerate(rec.x, start=1):
            label = self._input_names[i - 1] if i - 1 < len(self._input_names) else ""
            extra = f" ({label})" if label and label != f"x{i}" else ""
            xs.append(f"{math_html(f'x{i}')} = {fmt(v)}{extra}")
        n_out = spec.n_outputs
        ys = [f"{math_html('y' + ('' if n_out == 1 else str(k + 1)))} = {fmt(rec.y[k])}" for k in range(n_out)]
        before = rec.params_before
        ps = ", ".join(f"{math_html(n)} = {fmt(before[n])}" for n in spec.param_names)
        self.givens.setText(
            f"Table row {rec.row + 1} (epoch {rec.epoch}): {', '.join(xs)}, {', '.join(ys)}, η = {fmt(rec.eta)}<br>"
            f"<span style='color:{colors.MUTED}'>before the update:</span> {ps}"
        )


HomeworkWidget = HomeworkPanel  # the name used in the tests and the brief
