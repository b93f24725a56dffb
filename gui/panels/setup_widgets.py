"""The small widgets the groups of the set-up panel are built from: a choice box whose item
data are the engine's names (labels and per-choice tooltips are for people), an integer box
that commits only when the typing is done, and a note line for an unusual choice."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QSpinBox

from gui import colors


def choice_box(name: str, labels: dict[str, str], tips: dict[str, str], tip: str, width: int = 8) -> QComboBox:
    """A combo box of labels.items() (engine name → label); each choice's tooltip from `tips`."""
    box = QComboBox(objectName=name)
    for i, (value, label) in enumerate(labels.items()):
        box.addItem(label, value)
        box.setItemData(i, tips.get(value, label), Qt.ItemDataRole.ToolTipRole)
    box.setToolTip(tip)
    box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(width)  # narrow: the panel is a column at 1280 × 720
    return box


def int_box(name: str, low: int, high: int, tip: str, suffix: str = "") -> QSpinBox:
    box = QSpinBox(objectName=name)
    box.setRange(low, high)
    box.setSuffix(suffix)
    box.setKeyboardTracking(False)  # typing 200 asks for one new run, not for 2, 20 and 200
    box.setToolTip(tip)
    return box


def note_line(name: str, tip: str) -> QLabel:
    """A hidden, word-wrapped line for a caution (not an error); `show_note` fills it."""
    label = QLabel(objectName=name)
    label.setWordWrap(True)
    label.setToolTip(tip)
    label.hide()
    return label


def show_note(label: QLabel, text: str) -> None:
    """Show `text` in the divergence banner's colours ('' hides the line). Styled at each showing,
    so the line follows a theme switched since the panel was built."""
    if text:
        label.setStyleSheet(f"QLabel#{label.objectName()} {{ background: {colors.WARN_FILL}; color: {colors.INK};"
                            f" border-left: 3px solid {colors.VERMILLION}; padding: 2px 6px; }}")
    label.setText(text)
    label.setVisible(bool(text))
