"""The set-up panel: the network builder, the data options and the η box, as controls that show
state.setup and ask for changes with setupRequested (issue 9, items 1–6)."""
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QScrollArea,
    QSpinBox,
)

from engine.data import load_builtin
from engine.playground import generate
from engine.spec import NetworkSpec, preset
from gui.panels.controls import SetupPanel
from gui.panels.network_builder import pairing_warning
from gui.state import AppState, Setup

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|raise|requestActivate)")
NETWORK_KEYS = {"hidden", "hidden_activations", "output_activation", "loss"}


def students(task="regression", spec=None, **fields) -> Setup:
    key = "students-regression" if task == "regression" else "students-classification"
    return Setup(task, key, load_builtin(key), spec or preset(task), **fields)


def network(sizes, activations, loss) -> NetworkSpec:
    return NetworkSpec(tuple(sizes), tuple(activations), loss)


@pytest.fixture
def make(qtbot):
    def make(setup=None, *, controller=False):
        """A shown set-up panel on a state holding `setup`. With `controller`, a stand-in for the
        window's controller takes every request (building the network the way the brief says)."""
        state = AppState(setup=setup or students())
        panel = SetupPanel(state)
        qtbot.addWidget(panel)
        panel.show()
        if controller:
            panel.setupRequested.connect(lambda changes: accept(state, changes))
        return panel

    return make


def accept(state: AppState, changes: dict) -> None:
    old = state.setup
    net = {k: changes.pop(k, getattr(old, k)) for k in NETWORK_KEYS}
    spec = NetworkSpec((old.spec.sizes[0], *net["hidden"], old.spec.sizes[-1]),
                       (*net["hidden_activations"], net["output_activation"]), net["loss"])
    state.setup = old.but(spec=spec, **changes)


def child(panel, cls, name):
    widget = panel.findChild(cls, name)
    assert widget is not None, f"no {cls.__name__} named {name}"
    return widget


def data_of(box: QComboBox) -> list:
    return [box.itemData(i) for i in range(box.count()) if box.itemData(i) is not None]


def choose(box: QComboBox, value) -> None:
    index = box.findData(value)
    assert index >= 0, value
    box.setCurrentIndex(index)


def requested(qtbot, panel, act) -> dict:
    with qtbot.waitSignal(panel.setupRequested, timeout=1000) as blocker:
        act()
    return blocker.args[0]


# ---- the controls exist, named, typed, explained ------------------------------------------------
def test_every_control_has_its_name_type_and_engine_names(make):
    panel = make()
    for name in ("hiddenLayersInput", "neuronsInput1", "neuronsInput2", "neuronsInput3", "neuronsInput4",
                 "pointsInput", "noiseInput", "dataSeedInput", "testFractionInput", "batchSizeInput", "seedInput",
                 "epochsInput"):
        child(panel, QSpinBox, name)
    assert (child(panel, QSpinBox, "hiddenLayersInput").minimum(), child(panel, QSpinBox, "hiddenLayersInput")
            .maximum()) == (0, 4)
    for i in range(1, 5):
        box = child(panel, QSpinBox, f"neuronsInput{i}")
        assert (box.minimum(), box.maximum()) == (1, 8)
        assert data_of(child(panel, QComboBox, f"activationInput{i}")) == ["linear", "sigmoid", "tanh", "relu"]
    assert data_of(child(panel, QComboBox, "outputActivationInput")) == ["linear", "sigmoid", "tanh", "relu"]
    assert data_of(child(panel, QComboBox, "lossInput")) == ["se", "half-se", "bce"]
    assert data_of(child(panel, QComboBox, "scalingInput")) == ["standard", "minmax", "none"]
    assert data_of(child(panel, QComboBox, "targetScalingInput")) == ["standard", "none"]
    assert {"random", "tutorial", "glorot", "he"} <= set(data_of(child(panel, QComboBox, "initInput")))
    assert (child(panel, QSpinBox, "pointsInput").minimum(), child(panel, QSpinBox, "pointsInput").maximum()) \
        == (20, 1000)
    assert child(panel, QSpinBox, "noiseInput").maximum() == 50
    assert child(panel, QSpinBox, "testFractionInput").maximum() == 50
    assert isinstance(child(panel, QDoubleSpinBox, "etaInput"), QDoubleSpinBox)
    # every control says, in words, what it does
    controls = panel.findChildren(QAbstractSpinBox) + panel.findChildren(QComboBox) \
        + panel.findChildren(QAbstractButton)
    for widget in controls:
        if widget.parent() is not None and isinstance(widget.parent(), QAbstractSpinBox):
            continue  # a spin box's own line edit
        assert widget.objectName(), type(widget).__name__
        assert len(widget.toolTip()) > 10, widget.objectName()


def test_the_data_list_groups_the_students_the_playground_and_the_truth_tables(make):
    panel = make(students("classification"))
    box = child(panel, QComboBox, "datasetInput")
    assert data_of(box) == ["students-classification", "students-large-classification",
                            "circles", "xor", "gauss", "spiral", "and", "or", "xor-table"]
    headings = [box.itemText(i) for i in range(box.count())
                if box.itemData(i) is None and box.itemText(i)]
    assert headings == ["Students (tutorial)", "Playground", "Truth tables"]
    for i in range(box.count()):  # headings and separators cannot be picked
        if box.itemData(i) is None:
            assert not box.model().item(i).isEnabled()
    xor = box.findData("xor-table")
    assert "XOR" in box.itemData(xor, Qt.ItemDataRole.ToolTipRole)
    regression = make(students("regression"))
    assert data_of(child(regression, QComboBox, "datasetInput")) == [
        "students-regression", "students-large", "plane", "gauss-mix"]


def test_the_panel_fits_the_left_column_with_nothing_cut(qtbot, make):
    panel = make(Setup("classification", "students-large-classification", load_builtin(
        "students-large-classification"), network((2, 8, 8, 8, 8, 1), ("relu",) * 4 + ("linear",), "bce")))
    panel.state.eta = 1e-9  # the η note shows too
    scroll = QScrollArea()
    qtbot.addWidget(scroll)
    scroll.setWidgetResizable(True)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
    scroll.setWidget(panel)
    scroll.resize(300, 600)  # the left column's least width (gui.room)
    scroll.show()
    qtbot.waitExposed(scroll)
    assert panel.width() <= scroll.viewport().width()
    for box in panel.findChildren(QComboBox):
        if box.isVisible():
            longest = max(box.fontMetrics().horizontalAdvance(box.itemText(i)) for i in range(box.count()))
            assert box.width() >= longest, box.objectName()


# ---- the state is what the panel shows ---------------------------------------------------------------
def test_a_setup_on_the_state_shows_in_every_widget(make):
    panel = make()
    xor = generate("xor", points=300, noise=0.1, seed=5)
    spec = network((2, 4, 3, 1), ("tanh", "relu", "sigmoid"), "bce")
    panel.state.setup = Setup("classification", "xor", xor, spec, scaling="minmax", init="he", seed=3,
                              order="sequential", batch=10, test_fraction=0.2, points=300, noise=0.1, data_seed=5)
    value = lambda name: child(panel, QSpinBox, name).value()  # noqa: E731
    current = lambda name: child(panel, QComboBox, name).currentData()  # noqa: E731
    assert value("hiddenLayersInput") == 2 and (value("neuronsInput1"), value("neuronsInput2")) == (4, 3)
    assert (current("activationInput1"), current("activationInput2")) == ("tanh", "relu")
    assert (current("outputActivationInput"), current("lossInput")) == ("sigmoid", "bce")
    for i in (3, 4):  # layers beyond the count: not shown, not usable
        assert not child(panel, QSpinBox, f"neuronsInput{i}").isVisible()
        assert not child(panel, QComboBox, f"activationInput{i}").isEnabled()
    assert child(panel, QSpinBox, "neuronsInput2").isVisible()
    assert current("taskInput") == "classification" and current("datasetInput") == "xor"
    assert (value("pointsInput"), value("noiseInput"), value("dataSeedInput")) == (300, 10, 5)
    assert value("testFractionInput") == 20 and value("batchSizeInput") == 10 and value("seedInput") == 3
    assert (current("scalingInput"), current("initInput"), current("orderInput")) == ("minmax", "he", "sequential")
    assert child(panel, QSpinBox, "batchSizeInput").maximum() == 300  # up to the whole table
    for name in ("pointsInput", "noiseInput", "dataSeedInput"):
        assert child(panel, QSpinBox, name).isEnabled()
    assert not child(panel, QComboBox, "targetScalingInput").isEnabled()  # 0/1 targets are not scaled

    panel.state.setup = students("regression", target_scaling="standard")
    assert value("hiddenLayersInput") == 1 and current("targetScalingInput") == "standard"
    assert child(panel, QComboBox, "targetScalingInput").isEnabled()
    assert child(panel, QSpinBox, "batchSizeInput").maximum() == 4
    for name in ("pointsInput", "noiseInput", "dataSeedInput"):  # only a generated set has these
        assert not child(panel, QSpinBox, name).isEnabled()
    assert not child(panel, QSpinBox, "neuronsInput2").isVisible()


def test_a_truth_table_has_no_size_noise_or_data_seed(make):
    table = generate("xor-table")
    panel = make(Setup("classification", "xor-table", table, preset("classification")))
    for name in ("pointsInput", "noiseInput", "dataSeedInput"):
        assert not child(panel, QSpinBox, name).isEnabled()


# ---- the panel asks ---------------------------------------------------------------------------------
def test_each_builder_widget_asks_for_the_whole_network(qtbot, make):
    panel = make()  # the regression preset: 2-2-1 linear, se
    asks = requested(qtbot, panel, lambda: child(panel, QSpinBox, "neuronsInput1").setValue(4))
    assert asks == {"hidden": (4,), "hidden_activations": ("linear",), "output_activation": "linear", "loss": "se"}
    asks = requested(qtbot, panel, lambda: choose(child(panel, QComboBox, "activationInput1"), "tanh"))
    assert asks == {"hidden": (2,), "hidden_activations": ("tanh",), "output_activation": "linear", "loss": "se"}
    asks = requested(qtbot, panel, lambda: choose(child(panel, QComboBox, "outputActivationInput"), "sigmoid"))
    assert asks == {"hidden": (2,), "hidden_activations": ("linear",), "output_activation": "sigmoid", "loss": "se"}
    asks = requested(qtbot, panel, lambda: choose(child(panel, QComboBox, "lossInput"), "half-se"))
    assert asks == {"hidden": (2,), "hidden_activations": ("linear",), "output_activation": "linear",
                    "loss": "half-se"}
    asks = requested(qtbot, panel, lambda: child(panel, QSpinBox, "hiddenLayersInput").setValue(0))
    assert asks == {"hidden": (), "hidden_activations": (), "output_activation": "linear", "loss": "se"}


def test_a_refused_change_puts_the_state_back(qtbot, make):
    panel = make()  # nobody takes the request: the state keeps its 2-2-1
    layers = child(panel, QSpinBox, "hiddenLayersInput")
    asks = requested(qtbot, panel, lambda: layers.setValue(3))
    assert asks["hidden"] == (2, 2, 2)  # a new layer copies the last one
    assert layers.value() == 1 and not child(panel, QSpinBox, "neuronsInput2").isVisible()
    noise = child(panel, QSpinBox, "noiseInput")
    requested(qtbot, panel, lambda: noise.setValue(30))
    assert noise.value() == 0


def test_building_2_4_1_tanh_then_adding_a_layer(qtbot, make):
    panel = make(controller=True)
    child(panel, QSpinBox, "neuronsInput1").setValue(4)
    choose(child(panel, QComboBox, "activationInput1"), "tanh")
    assert panel.state.setup.spec == network((2, 4, 1), ("tanh", "linear"), "se")
    asks = requested(qtbot, panel, lambda: child(panel, QSpinBox, "hiddenLayersInput").setValue(2))
    assert asks["hidden"] == (4, 4) and asks["hidden_activations"] == ("tanh", "tanh")
    assert panel.state.setup.spec == network((2, 4, 4, 1), ("tanh", "tanh", "linear"), "se")
    assert child(panel, QSpinBox, "neuronsInput2").isVisible()


def test_data_and_training_options_ask_in_the_setups_units(qtbot, make):
    panel = make(Setup("classification", "xor", generate("xor"), preset("classification")))
    spin = lambda name: child(panel, QSpinBox, name)  # noqa: E731
    combo = lambda name: child(panel, QComboBox, name)  # noqa: E731
    cases = [
        (lambda: spin("noiseInput").setValue(10), {"noise": 0.1}),  # percent shown, fraction sent
        (lambda: spin("testFractionInput").setValue(25), {"test_fraction": 0.25}),
        (lambda: spin("pointsInput").setValue(300), {"points": 300}),
        (lambda: spin("dataSeedInput").setValue(7), {"data_seed": 7}),
        (lambda: spin("batchSizeInput").setValue(8), {"batch": 8}),
        (lambda: choose(combo("scalingInput"), "minmax"), {"scaling": "minmax"}),
        (lambda: choose(combo("initInput"), "glorot"), {"init": "glorot"}),
        (lambda: choose(combo("datasetInput"), "spiral"), {"dataset_key": "spiral"}),
        (lambda: choose(combo("taskInput"), "regression"), {"task": "regression"}),
    ]
    for act, expected in cases:
        assert requested(qtbot, panel, act) == expected
    regression = make(students("regression"))
    assert requested(qtbot, regression, lambda: choose(child(regression, QComboBox, "targetScalingInput"),
                                                        "standard")) == {"target_scaling": "standard"}


def test_showing_a_setup_asks_for_nothing(qtbot, make):
    panel = make()
    with qtbot.assertNotEmitted(panel.setupRequested):
        panel.state.setup = Setup("classification", "spiral", generate("spiral", points=500), network(
            (2, 8, 8, 1), ("tanh", "tanh", "sigmoid"), "bce"), points=500, batch=50)


# ---- pairing warnings ----------------------------------------------------------------------------------
def test_an_unusual_pairing_is_named_not_refused(make):
    panel = make(students("classification", spec=network((2, 2, 1), ("sigmoid", "linear"), "bce")))
    warning = child(panel, QLabel, "pairingWarning")
    assert warning.isVisible() and "sigmoid output" in warning.text()
    assert child(panel, QComboBox, "outputActivationInput").currentData() == "linear"  # shown as it is
    panel.state.setup = students("classification")
    assert not warning.isVisible()
    panel.state.setup = students("regression", spec=network((2, 2, 1), ("linear", "sigmoid"), "se"))
    assert warning.isVisible() and "between 0 and 1" in warning.text()


def test_pairing_rules():
    assert pairing_warning("classification", "sigmoid", "bce") == ""
    assert pairing_warning("regression", "linear", "se") == ""
    assert pairing_warning("regression", "linear", "half-se") == ""
    assert "Cross-entropy needs outputs" in pairing_warning("classification", "relu", "bce")
    assert "usually uses cross-entropy" in pairing_warning("classification", "sigmoid", "se")
    assert "regression table" in pairing_warning("regression", "sigmoid", "bce")
    assert "0 or more" in pairing_warning("regression", "relu", "se")


# ---- the η box ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("eta", [1e6, 1000.0, 1e-12, 2.5e-7, 0.0])
def test_eta_keeps_any_value_from_0_to_1e6(make, eta):
    panel = make()
    box = child(panel, QDoubleSpinBox, "etaInput")
    box.setValue(eta)
    assert box.value() == eta and panel.state.eta == eta
    note = child(panel, QLabel, "etaNote")
    assert note.isVisible()  # each of these is unusual (0: nothing is learned)
    box.setValue(0.1)
    assert not note.isVisible()


@pytest.mark.parametrize("typed, eta", [("1e6", 1e6), ("1000", 1000.0), ("1e-12", 1e-12), ("0.05", 0.05),
                                        ("3E-4", 3e-4)])
def test_eta_takes_what_is_typed(qtbot, make, typed, eta):
    panel = make()
    box = child(panel, QDoubleSpinBox, "etaInput")
    box.setFocus()
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), typed)
    qtbot.keyClick(box.lineEdit(), Qt.Key_Return)
    assert panel.state.eta == eta and box.value() == eta


def test_eta_above_1e6_is_not_taken(qtbot, make):
    panel = make()
    box = child(panel, QDoubleSpinBox, "etaInput")
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "2e6")
    qtbot.keyClick(box.lineEdit(), Qt.Key_Return)
    assert panel.state.eta == 0.1


def test_eta_from_the_state_shows_with_its_note(make):
    panel = make()
    panel.state.eta = 1e-12
    assert child(panel, QDoubleSpinBox, "etaInput").value() == 1e-12
    note = child(panel, QLabel, "etaNote")
    assert note.isVisible() and "small" in note.text()
    panel.state.eta = 50.0
    assert "large" in note.text()


# ---- in the window: the controller takes the builder's requests ------------------------------------------
def test_building_2_4_1_tanh_in_the_window_trains_that_network(qtbot, window):
    panel = window.setup
    child(panel, QSpinBox, "neuronsInput1").setValue(4)
    choose(child(panel, QComboBox, "activationInput1"), "tanh")
    spec = network((2, 4, 1), ("tanh", "linear"), "se")
    assert window.state.setup.spec == spec and window.trainer.spec == spec
    assert child(panel, QComboBox, "initInput").currentData() == window.state.setup.init
    # an unusual output is trained, and named
    choose(child(panel, QComboBox, "outputActivationInput"), "sigmoid")
    assert window.state.setup.spec == network((2, 4, 1), ("tanh", "sigmoid"), "se")
    assert child(panel, QLabel, "pairingWarning").isVisibleTo(panel)
    # a new task brings its preset network back, and the builder shows it
    choose(child(panel, QComboBox, "taskInput"), "classification")
    assert window.state.setup.spec == preset("classification")
    assert child(panel, QSpinBox, "neuronsInput1").value() == 2
    assert child(panel, QComboBox, "activationInput1").currentData() == "sigmoid"
    assert not child(panel, QLabel, "pairingWarning").isVisibleTo(panel)


def test_xor_with_no_hidden_layer_in_the_window(qtbot, window):
    panel = window.setup
    choose(child(panel, QComboBox, "taskInput"), "classification")
    choose(child(panel, QComboBox, "datasetInput"), "xor-table")
    child(panel, QSpinBox, "hiddenLayersInput").setValue(0)
    setup = window.state.setup
    assert setup.dataset_key == "xor-table" and setup.dataset.n_rows == 4
    assert setup.spec == network((2, 1), ("sigmoid",), "bce")
    assert not child(panel, QSpinBox, "neuronsInput1").isVisibleTo(panel)
    assert child(panel, QSpinBox, "batchSizeInput").maximum() == 4


def test_eta_arrows_step_within_the_values_decade(make):
    box = child(make(), QDoubleSpinBox, "etaInput")
    box.setValue(0.0)
    box.stepBy(1)
    assert box.value() == 0.001  # not the 1e-323 a step of "one unit in the last of 323 decimals" gives
    box.setValue(1e-12)
    box.stepBy(1)
    assert box.value() == pytest.approx(1.1e-12, rel=1e-12)
