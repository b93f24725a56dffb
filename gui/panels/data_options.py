"""What to learn: the task, the table (the students', a generated playground set or the user's
own CSV), a generated set's size, noise and seed, the share of rows held out for testing, and
how inputs and targets are scaled before the network sees them.

Like the rest of the set-up panel it only shows state.setup and asks for changes
(`requested`); the controller builds the table. Percentages are shown as whole percents
and sent as fractions (noise 10 % → 0.1), the unit engine.playground and the Setup use.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QPushButton

from engine.data import BUILTINS
from engine.playground import GENERATED, TASK_OF, TRUTH_TABLES
from engine.settings import MAX_NOISE, MAX_POINTS, MIN_POINTS, SCALINGS, TARGET_SCALINGS, TASKS
from gui.panels.setup_widgets import choice_box, int_box
from gui.state import AppState, Setup

MAX_NOISE_PERCENT = round(MAX_NOISE * 100)
MAX_TEST_PERCENT = 50
SCALING_LABELS = {"standard": "standardised", "minmax": "min–max (0…1)", "none": "none (raw)"}
SCALING_TIPS = {
    "standard": "each input becomes (x − mean) / deviation of its column",
    "minmax": "each input becomes (x − min) / (max − min) of its column: between 0 and 1",
    "none": "the table's numbers as they are (large numbers can make training diverge)",
}
TARGET_SCALING_LABELS = {"standard": "standardised", "none": "none (raw)"}
TARGET_SCALING_TIPS = {
    "standard": "the network learns (y − mean) / deviation; ŷ and the loss are shown back in the table's units",
    "none": "the network learns the table's targets as they are",
}
TASK_TIPS = {"regression": "predict a number: the preset is 2-2-1 linear with squared error",
             "classification": "predict 0 or 1: the preset is 2-2-1 sigmoid with cross-entropy"}


def task_of(dataset_key: str) -> str:
    """The task a built-in or generated table is made for (a CSV table fits either)."""
    if dataset_key in TASK_OF:
        return TASK_OF[dataset_key]
    return "classification" if "classification" in dataset_key else "regression"


class DataOptions(QGroupBox):
    """The 'What to learn' group of the set-up panel."""

    requested = Signal(dict)  # set-up fields to change
    openCsvRequested = Signal()

    def __init__(self, state: AppState, parent=None):
        super().__init__("What to learn", parent)
        self.setObjectName("dataOptions")
        self.state = state
        self._showing = False
        form = QFormLayout(self)
        self.task = choice_box("taskInput", {t: t for t in TASKS}, TASK_TIPS,
                               "what the network predicts; changing it puts the task's preset network back", 10)
        form.addRow("Task", self.task)
        self.dataset = choice_box("datasetInput", {}, {}, "the table to train on: the tutorial's students, a "
                                  "generated playground set, or a table you opened (hover a choice to read what it is)",
                                  10)
        form.addRow(QLabel("Data", buddy=self.dataset))
        form.addRow(self.dataset)  # a row of its own: 'students-large-classification' is long
        self.open_csv = QPushButton("Open CSV…", objectName="openCsvButton")
        self.open_csv.setToolTip("train on your own table: a header row of names, then numbers; "
                                 "the last column is the target (Ctrl+O)")
        form.addRow("", self.open_csv)
        self.points = int_box("pointsInput", MIN_POINTS, MAX_POINTS,
                              "how many points a generated set has (the truth tables always have their 4 rows)")
        form.addRow("Points", self.points)
        self.noise = int_box("noiseInput", 0, MAX_NOISE_PERCENT,
                             "how much a generated set's points are blurred: 0 % clean, 50 % very noisy", " %")
        form.addRow("Noise", self.noise)
        self.data_seed = int_box("dataSeedInput", 0, 2**31 - 1,
                                 "which random draw of a generated set: same data seed, same points")
        form.addRow("Data seed", self.data_seed)
        self.test_fraction = int_box("testFractionInput", 0, MAX_TEST_PERCENT,
                                     "rows kept aside (chosen by the seed) to test the network on data it never "
                                     "trained on; the loss plot shows their loss beside the training loss", " %")
        form.addRow("Held out for test", self.test_fraction)
        self.scaling = choice_box("scalingInput", {k: SCALING_LABELS.get(k, k) for k in SCALINGS}, SCALING_TIPS,
                                  "how the inputs are rescaled before the network sees them (fitted on the table)")
        form.addRow("Input scaling", self.scaling)
        self.target_scaling = choice_box(
            "targetScalingInput", {k: TARGET_SCALING_LABELS.get(k, k) for k in TARGET_SCALINGS}, TARGET_SCALING_TIPS,
            "how a regression target is rescaled for training; ŷ and the loss are always shown in the table's "
            "units (classification targets stay 0/1)")
        form.addRow("Target scaling", self.target_scaling)

        self.task.currentIndexChanged.connect(lambda _i: self._ask("task", self.task.currentData()))
        self.dataset.currentIndexChanged.connect(lambda _i: self._ask("dataset_key", self.dataset.currentData()))
        self.points.valueChanged.connect(lambda v: self._ask("points", int(v)))
        self.noise.valueChanged.connect(lambda v: self._ask("noise", v / 100))
        self.data_seed.valueChanged.connect(lambda v: self._ask("data_seed", int(v)))
        self.test_fraction.valueChanged.connect(lambda v: self._ask("test_fraction", v / 100))
        for key, box in (("scaling", self.scaling), ("target_scaling", self.target_scaling)):
            box.currentIndexChanged.connect(lambda _i, k=key, b=box: self._ask(k, b.currentData()))
        self.open_csv.clicked.connect(self.openCsvRequested)

    def _ask(self, key: str, value) -> None:
        if not self._showing and value is not None:
            self.requested.emit({key: value})

    def show_setup(self, setup: Setup) -> None:
        self._showing = True
        try:
            self.task.setCurrentIndex(max(0, self.task.findData(setup.task)))
            self._fill_datasets(setup)
            # Size, noise and seed shape a generated set; the truth tables are exact, whatever they say.
            generated = setup.dataset_key in GENERATED and setup.dataset_key not in TRUTH_TABLES
            self.points.setValue(setup.points)
            self.noise.setValue(round(setup.noise * 100))
            self.data_seed.setValue(setup.data_seed)
            self.test_fraction.setValue(round(setup.test_fraction * 100))
            for box in (self.points, self.noise, self.data_seed):
                box.setEnabled(generated)
            for box, value in ((self.scaling, setup.scaling), (self.target_scaling, setup.target_scaling)):
                box.setCurrentIndex(max(0, box.findData(value)))
            self.target_scaling.setEnabled(setup.task != "classification")  # 0/1 targets stay 0/1
        finally:
            self._showing = False

    def _fill_datasets(self, setup: Setup) -> None:
        """The task's tables, in groups under headings: the tutorial's students, the playground's sets,
        the truth tables, the user's own."""
        box = self.dataset
        box.clear()
        self._group("Students (tutorial)", [(k, k, tip) for k, tip in BUILTINS.items() if task_of(k) == setup.task])
        generated = [(k, k, tip) for k, tip in GENERATED.items() if TASK_OF.get(k) == setup.task]
        self._group("Playground", [item for item in generated if item[0] not in TRUTH_TABLES])
        self._group("Truth tables", [item for item in generated if item[0] in TRUTH_TABLES])
        self._group("Your tables", [(key, key.rsplit("/", 1)[-1], key[len("csv:"):])
                                    for key in self.state.csv_tables])
        if box.findData(setup.dataset_key) < 0:  # e.g. a session's table not opened this time
            box.addItem(setup.dataset.name, setup.dataset_key)
        box.setCurrentIndex(box.findData(setup.dataset_key))

    def _group(self, title: str, items) -> None:
        if not items:
            return
        box = self.dataset
        if box.count():
            box.insertSeparator(box.count())
        box.addItem(title)  # a heading, not a choice: no data, cannot be picked
        heading = box.model().item(box.count() - 1)
        heading.setFlags(Qt.ItemFlag.NoItemFlags)
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        for key, label, tip in items:
            box.addItem(label, key)
            box.setItemData(box.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
