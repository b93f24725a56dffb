"""What can be undone: hand edits, Reset and cuts of the Timeline (Qt's QUndoStack).

Each command keeps the run as it stood before (a `Timeline.memento()`); `redo()` does
the change through the trainer, `undo()` puts the memento back. The controller then
republishes, so every view shows the restored moment.
"""
from __future__ import annotations

from PySide6.QtGui import QUndoCommand


class _RunCommand(QUndoCommand):
    def __init__(self, controller, text: str):
        super().__init__(text)
        self.controller = controller
        self.before = None

    def redo(self) -> None:
        trainer = self.controller.trainer
        trainer.pause()
        self.before = trainer.timeline.memento()
        with self.controller.batch():
            self.apply(trainer)
        self.controller.publish()

    def undo(self) -> None:
        with self.controller.batch():
            self.controller.trainer.restore(self.before)
        self.controller.publish()

    def apply(self, trainer) -> None:
        raise NotImplementedError


class EditCommand(_RunCommand):
    """One parameter typed or dragged by hand."""

    def __init__(self, controller, name: str, value: float):
        super().__init__(controller, f"edit {name} = {value:g}")
        self.name, self.value = name, float(value)

    def apply(self, trainer) -> None:
        trainer.set_parameter(self.name, self.value)


class ResetCommand(_RunCommand):
    def __init__(self, controller):
        super().__init__(controller, "reset")

    def apply(self, trainer) -> None:
        trainer.reset()


class CutCommand(_RunCommand):
    """Go back to an earlier row and forget the rows after it (Step back, or training on from
    a point the Timeline was moved back to)."""

    def __init__(self, controller, step: int, text: str = ""):
        super().__init__(controller, text or f"back to row {step}")
        self.step = step

    def apply(self, trainer) -> None:
        trainer.rewind_to(self.step)
