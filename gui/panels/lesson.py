"""The guided lesson's panel: shows the step `state.lesson_step` names, with Back / Next.

The lesson itself (file format, setup keys, checking, `Lesson.setup_at`) is engine.lesson,
Qt-free. This panel reads the lesson file, shows a step and writes `state.lesson_step`;
when the step changes it emits the step's whole setup for the window's lesson driver to
carry out. It never changes the rest of the app itself.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from engine.lesson import DEFAULT_LESSON, SETUP_KEYS, Lesson, LessonError, LessonStep, load_lesson, parse_lesson
from gui import colors
from gui.state import AppState
from gui.widgets.font_scale import FontScaled
from gui.widgets.state_view import subscribe

__all__ = ["DEFAULT_LESSON", "SETUP_KEYS", "Lesson", "LessonError", "LessonPanel", "LessonStep", "load_lesson",
           "parse_lesson"]

KEEPS_WORK = "Starting the lesson keeps your own work: leave the lesson at any time to go back to it."


class LessonPanel(FontScaled, QWidget):
    """objectName 'lessonPanel': the lesson's current step (state.lesson_step; None = not started).

    LessonPanel(state, parent=None, path=DEFAULT_LESSON)   reads the lesson file at once
    load(path=DEFAULT_LESSON) -> bool
        Read and check a lesson file. On a bad file: returns False, shows the reason (label
        'lessonError'), emits loadFailed(message) and keeps any lesson already loaded. A new
        lesson loaded during the lesson restarts it at step 0.
    start() / leave() / go_to(i) / next() / back()   write state.lesson_step (leave also emits
        leaveRequested)
    lesson, steps, current_index (−1 when not in the lesson), current_step, error
    set_font_scale(factor)
    Signals: stepChanged(dict)  lesson.setup_at(step): the whole setup to carry out, emitted
                                whenever state.lesson_step changes to a step;
             leaveRequested()   the user left the lesson (state.lesson_step is None already);
             loadFailed(str).
    Widgets: lessonTitle, lessonCounter, lessonText (rich text), lessonKeepsWork, lessonStartButton,
             lessonLeaveButton, lessonBackButton, lessonNextButton, lessonError.
    """

    stepChanged = Signal(dict)
    leaveRequested = Signal()
    loadFailed = Signal(str)

    BASE_PIXELS = 17

    def __init__(self, state: AppState, parent: QWidget | None = None, path: str | Path = DEFAULT_LESSON):
        super().__init__(parent)
        self.state = state
        self.setObjectName("lessonPanel")
        self.setAccessibleName("Guided lesson")
        self.lesson: Lesson | None = None
        self.error: str | None = None

        self.counter = QLabel(self)
        self.counter.setObjectName("lessonCounter")
        self.counter.setStyleSheet(f"color: {colors.MUTED};")
        self.title = QLabel(self)
        self.title.setObjectName("lessonTitle")
        self.title.setWordWrap(True)
        self.text = QTextBrowser(self)
        self.text.setObjectName("lessonText")
        self.text.setOpenExternalLinks(True)
        self.text.setFrameShape(QTextBrowser.NoFrame)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("lessonError")
        self.error_label.setWordWrap(True)
        self.error_label.setTextFormat(Qt.PlainText)
        self.error_label.setStyleSheet(
            f"background: {colors.WARN_FILL}; color: {colors.INK}; padding: 6px; border-radius: 4px;")
        self.error_label.hide()
        self.keeps_work = QLabel(KEEPS_WORK, self)
        self.keeps_work.setObjectName("lessonKeepsWork")
        self.keeps_work.setWordWrap(True)
        self.keeps_work.setStyleSheet(f"color: {colors.MUTED};")

        self.start_button = self._button("▶  Start the lesson", "lessonStartButton",
                                         "Begin the guided lesson at its first step", self.start)
        self.leave_button = self._button("Leave the lesson", "lessonLeaveButton",
                                         "Stop the lesson and go back to your own work", self.leave)
        self.back_button = self._button("◀  Back", "lessonBackButton",
                                        "The previous step of the lesson, as it was shown", self.back)
        self.next_button = self._button("Next  ▶", "lessonNextButton",
                                        "The next step of the lesson: sets the app up for it", self.next)

        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addWidget(self.counter)
        layout.addWidget(self.title)
        layout.addWidget(self.error_label)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.keeps_work)
        layout.addWidget(self.start_button)
        layout.addLayout(buttons)
        layout.addWidget(self.leave_button)

        subscribe(self, state.events.lesson_step, self._step_changed)
        self._apply_font()
        self._read(path)  # a step already in the state is shown as it is, not set up again
        self._render()

    def _button(self, text: str, name: str, tip: str, slot) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    # ---- loading --------------------------------------------------------------------------------
    def load(self, path: str | Path = DEFAULT_LESSON) -> bool:
        if not self._read(path):
            self._render()
            self.loadFailed.emit(self.error)
            return False
        if self.state.lesson_step is None:
            self._render()
        elif self.state.lesson_step == 0:
            self._step_changed(0)  # the same index, a new lesson: show and set up its first step
        else:
            self.state.lesson_step = 0
        return True

    def _read(self, path: str | Path) -> bool:
        path = Path(path)
        try:
            lesson = load_lesson(path)
        except LessonError as e:
            self.error = f"The lesson {path.name!r} could not be loaded: {e}."
            self.error_label.setText(self.error)
            self.error_label.show()
            return False
        self.error = None
        self.error_label.hide()
        self.lesson = lesson
        return True

    # ---- navigation: every move writes state.lesson_step ---------------------------------------
    @property
    def steps(self) -> tuple[LessonStep, ...]:
        return self.lesson.steps if self.lesson else ()

    @property
    def current_index(self) -> int:
        step = self.state.lesson_step
        return step if step is not None and 0 <= step < len(self.steps) else -1

    @property
    def current_step(self) -> LessonStep | None:
        i = self.current_index
        return self.steps[i] if i >= 0 else None

    def go_to(self, index: int) -> None:
        if not self.steps:
            return
        if not 0 <= index < len(self.steps):
            raise IndexError(f"the lesson has steps 0 to {len(self.steps) - 1}, not {index}")
        self.state.lesson_step = index

    def start(self) -> None:
        self.go_to(0)

    def leave(self) -> None:
        self.state.lesson_step = None
        self.leaveRequested.emit()

    def next(self) -> None:
        i = self.current_index
        if i >= 0 and i + 1 < len(self.steps):
            self.go_to(i + 1)

    def back(self) -> None:
        i = self.current_index
        if i > 0:
            self.go_to(i - 1)

    def _step_changed(self, _step) -> None:
        self._render()
        if self.current_index >= 0:
            self.stepChanged.emit(self.lesson.setup_at(self.current_index))

    # ---- drawing ----------------------------------------------------------------------------------
    def _render(self) -> None:
        step = self.current_step
        started = step is not None
        self.start_button.setVisible(not started)
        self.keeps_work.setVisible(not started)
        self.leave_button.setVisible(started)
        self.back_button.setVisible(started)
        self.next_button.setVisible(started)
        if self.lesson is None:
            self.counter.setText("")
            self.title.setText("No lesson loaded")
            self.text.setHtml("<p>The guided lesson could not be shown. The rest of the app works as usual.</p>"
                              if self.error else "")
            self.start_button.setEnabled(False)
            self.back_button.setEnabled(False)
            self.next_button.setEnabled(False)
            return
        n = len(self.steps)
        self.start_button.setEnabled(True)
        if not started:
            self.counter.setText(f"{n} steps")
            self.title.setText(self.lesson.title)
            self.text.setHtml(f"<p>{n} short steps, from a first guess to a trained network. "
                              "Each step sets the app up for what it explains; Back shows an earlier "
                              "step again exactly as it was.</p>")
            return
        i = self.current_index
        self.counter.setText(f"{self.lesson.title} · page {i + 1} of {n}")
        self.title.setText(step.title)
        self.text.setHtml(step.text)
        self.back_button.setEnabled(i > 0)
        self.next_button.setEnabled(i + 1 < n)

    def _apply_font(self) -> None:
        px = self.scaled_pixels()
        font = QFont(self.font())
        font.setPixelSize(px)
        for w in (self.counter, self.error_label, self.keeps_work, self.start_button, self.leave_button,
                  self.back_button, self.next_button):
            w.setFont(font)
        title = QFont(font)
        title.setPixelSize(round(px * 1.35))
        title.setBold(True)
        self.title.setFont(title)
        body = QFont(font)
        body.setPixelSize(round(px * 1.05))
        self.text.document().setDefaultFont(body)
        self.text.document().setDefaultStyleSheet(
            f"""
            p {{ margin-bottom: 8px; }}
            .formula {{ font-family: 'DejaVu Serif', serif; }}
            .note {{ color: {colors.MUTED}; }}
            b.do {{ color: {colors.POSITIVE_TEXT}; }}
            """
        )
        if self.current_step is not None:
            self.text.setHtml(self.current_step.text)
