"""File → Export: pictures of the views, the training trace, the worksheet (gui.exports).

Pictures open (QImage, an XML parser); the trace re-reads to the run's numbers bit for bit;
the worksheet prints every gradient as the screen does, agrees with a hand calculation, and
its blank version hides every result until the answer key; a failed export leaves nothing.
"""
from __future__ import annotations

import csv
import errno
import os
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6.QtGui import QImage

from engine.notation import fmt
from gui import exports
from gui.exports import ExportError

NUMBER = re.compile(r"−?\d+(?:\.\d+)?(?:e[+−]\d+)?")


def svg_text(path) -> str:
    root = ET.parse(path).getroot()  # raises if the SVG is not well-formed XML
    assert root.tag.endswith("svg")
    return " ".join("".join(e.itertext()) for e in root.iter() if e.tag.endswith("text"))


def plain(html: str) -> str:
    """The text of an HTML page: subscripts joined to their names (W111), other tags a space."""
    html = re.sub(r"<(style|title)>.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"</?sub>", "", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def files_in(folder) -> list[str]:
    return sorted(os.listdir(folder))


# ---- pictures ----------------------------------------------------------------------------------
def test_canvas_as_png_opens_at_the_canvas_proportions(window, tmp_path):
    window.controller.step()
    canvas = window.view("networkCanvas")
    path = exports.export_view(window, "networkCanvas", tmp_path / "canvas.png")
    image = QImage(str(path))
    assert not image.isNull()
    assert image.width() >= max(canvas.width(), exports.MIN_WIDTH - 1)
    assert image.width() / image.height() == pytest.approx(canvas.width() / canvas.height(), rel=0.02)
    assert files_in(tmp_path) == ["canvas.png"]


def test_canvas_as_svg_is_xml_with_the_shown_numbers_as_text(window, tmp_path):
    window.controller.step()
    moment, digits = window.state.shown, window.state.precision
    path = exports.export_view(window, "networkCanvas", tmp_path / "canvas.svg")
    text = svg_text(path)
    assert fmt(moment.loss, digits) in text
    canvas = window.view("networkCanvas")
    drawn = [name for name in moment.spec.param_names if name not in canvas.hover_only()]
    assert drawn, "the canvas labels at least one parameter"
    for name in drawn:
        assert fmt(moment.params[name], digits) in text
        assert fmt(moment.params_after[name], digits) in text


def test_loss_plot_as_png_and_svg(window, tmp_path):
    window.controller.train_rows(20)
    plot = window.view("lossPlot")
    image = QImage(str(exports.export_view(window, "lossPlot", tmp_path / "loss.png")))
    assert not image.isNull() and image.width() >= exports.MIN_WIDTH - 1
    assert image.width() / image.height() == pytest.approx(plot.width() / plot.height(), rel=0.02)
    text = svg_text(exports.export_view(window, "lossPlot", tmp_path / "loss.svg"))
    assert "rows trained" in text  # the axis label, as text


def test_every_listed_view_exports_even_behind_a_hidden_tab(window, tmp_path):
    window.controller.train_rows(8)
    assert not window.view("landscapeView").isVisible()
    for name in exports.VIEWS:
        png = QImage(str(exports.export_view(window, name, tmp_path / f"{name}.png")))
        assert not png.isNull() and png.width() >= 300 and png.height() >= 150, name
        svg_text(exports.export_view(window, name, tmp_path / f"{name}.svg"))
    assert files_in(tmp_path) == sorted(f"{name}.{kind}" for name in exports.VIEWS for kind in ("png", "svg"))


def test_a_hidden_landscape_is_drawn_up_to_date(window, tmp_path):
    window.controller.train_rows(8)
    view = window.view("landscapeView")
    assert not view.isVisible()
    image = QImage(str(exports.export_view(window, "landscapeView", tmp_path / "landscape.png")))
    small = image.scaled(100, 75)
    colours = {small.pixel(x, y) for x in range(small.width()) for y in range(small.height())}
    assert len(colours) > 100  # the coloured loss grid, not an empty frame
    assert view.grid() is not None


# ---- the trace -----------------------------------------------------------------------------------
def read_trace(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def test_trace_rereads_to_the_runs_numbers_bit_for_bit(window, tmp_path):
    c = window.controller
    c.train_rows(7)
    c.edit("W111", 0.25)
    window.state.eta = 0.05
    c.train_rows(9)
    tl = window.trainer.timeline
    spec = tl.spec
    header, rows = read_trace(exports.export_trace(window, tmp_path / "trace.csv"))
    assert header[:3] == ["epoch", "row", "step"]
    for name in spec.param_names:
        assert name in header and f"dL/d{name}" in header
    col = {name: i for i, name in enumerate(header)}
    assert len(rows) == tl.steps == 16
    assert [float(r[col["loss"]]) for r in rows] == tl.losses.view().tolist()
    first = rows[0]
    assert [float(first[col[n]]) for n in spec.param_names] == [tl.initial_theta[spec.param_index[n]]
                                                              for n in spec.param_names]
    assert float(rows[7][col["W111"]]) == 0.25  # the hand edit, made before the 8th row
    assert [float(r[col["eta"]]) for r in rows] == [0.1] * 7 + [0.05] * 9
    assert [int(r[col["step"]]) for r in rows] == list(range(1, 17))
    last = tl.last_record
    assert int(rows[-1][col["row"]]) == last.row + 1 and int(rows[-1][col["epoch"]]) == last.epoch
    assert [float(rows[-1][col[f"dL/d{n}"]]) for n in spec.param_names] == [last.grads[n] for n in spec.param_names]
    assert float(rows[-1][col["y_hat"]]) == float(last.y_hat[0])
    names = window.state.setup.dataset.input_names
    np.testing.assert_array_equal([float(rows[-1][col[n]]) for n in names], tl.X_raw[last.row])
    np.testing.assert_array_equal([float(rows[-1][col[f"x{i + 1}"]]) for i in range(len(names))], last.x)
    assert files_in(tmp_path) == ["trace.csv"]


def test_trace_while_training_runs_is_the_rows_done_when_it_began(window, qtbot, tmp_path):
    window.state.speed = None  # as fast as the machine goes
    window.state.epochs = 100_000
    window.controller.play()
    qtbot.waitUntil(lambda: window.trainer.timeline.steps > 500, timeout=10_000)
    header, rows = read_trace(exports.export_trace(window, tmp_path / "trace.csv"))
    window.controller.pause()
    losses = window.trainer.timeline.losses.view().tolist()
    assert 500 < len(rows) <= len(losses)
    assert [float(r[header.index("loss")]) for r in rows] == losses[:len(rows)]


def test_trace_of_a_fresh_run_is_the_header_alone(window, tmp_path):
    header, rows = read_trace(exports.export_trace(window, tmp_path / "trace.csv"))
    assert rows == [] and header[-1] == "eta"


# ---- the worksheet -------------------------------------------------------------------------------
def test_worksheet_prints_every_gradient_at_the_shown_precision(window, tmp_path):
    window.controller.step()
    for digits in (6, 4):
        window.state.precision = digits
        html = (exports.export_worksheet(window, tmp_path / f"sheet{digits}.html")).read_text(encoding="utf-8")
        record = window.state.shown.record
        for name in record.spec.param_names:
            assert fmt(record.grads[name], digits) in html, name
            assert fmt(window.state.shown.params_after[name], digits) in html, name
        assert fmt(record.loss, digits) in html


def test_worksheet_agrees_with_a_hand_calculation(window, tmp_path):
    # every w = 1, every b = 0, on the table's own numbers
    assert window.request_setup({"init": "tutorial", "scaling": "none", "target_scaling": "none"})
    moment, d = window.state.shown, window.state.precision
    x1, x2 = window.state.setup.dataset.X[moment.row]
    y = window.state.setup.dataset.Y[moment.row][0]
    y_hat = 2 * (x1 + x2)  # O11 = O12 = x1 + x2, and ŷ = O11 + O12
    html = exports.export_worksheet(window, tmp_path / "sheet.html").read_text(encoding="utf-8")
    text = plain(html)
    assert f"= {fmt(x1 + x2, d)}" in text
    assert f"= {fmt(y_hat, d)}" in text
    assert fmt((y - y_hat) ** 2, d) in text  # L = (y − ŷ)²
    assert fmt(-2 * (y - y_hat), d) in text  # ∂L/∂b21 = −2(y − ŷ)
    assert fmt(-2 * (y - y_hat) * x1, d) in text  # ∂L/∂W111 = −2(y − ŷ) · W211 · x1, W211 = 1
    assert "would make" in text  # no row trained: the update is what η would do, not applied


def result_numbers(moment, d) -> set[str]:
    record = moment.record
    values = [*record.forward.values(), record.loss, *record.grads.values(), *moment.params_after.values()]
    return {fmt(v, d) for v in values}


def given_numbers(moment, d) -> set[str]:
    record = moment.record
    values = [*record.x, *moment.x_raw, *record.y, *moment.params.values(), record.eta]
    return {fmt(v, d) for v in values}


def test_blank_worksheet_hides_every_result_until_the_answer_key(window, tmp_path):
    window.controller.train_rows(5)
    moment, d = window.state.shown, window.state.precision
    html = exports.export_worksheet(window, tmp_path / "blank.html", blanks=True).read_text(encoding="utf-8")
    before, key = plain(html).split("Answer key", 1)
    results = result_numbers(moment, d) - given_numbers(moment, d)
    assert len(results) > 20
    assert not results & set(NUMBER.findall(before))
    assert before.count(worksheet_blank()) >= len(moment.spec.param_names) * 2
    assert results <= set(NUMBER.findall(key))
    full = plain(exports.worksheet_html(window))
    assert "Answer key" not in full and worksheet_blank() not in full


def worksheet_blank() -> str:
    from engine.worksheet import BLANK

    return BLANK


def test_worksheet_as_pdf(window, tmp_path):
    window.controller.step()
    for blanks in (False, True):
        path = exports.export_worksheet(window, tmp_path / f"sheet{blanks}.pdf", blanks=blanks)
        data = path.read_bytes()
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
        assert len(re.findall(rb"/Type\s*/Page\b", data)) >= 2
    assert files_in(tmp_path) == ["sheetFalse.pdf", "sheetTrue.pdf"]


def test_a_prediction_has_no_worksheet(window, tmp_path):
    window.state.predict_inputs = (7.0, 12.0)
    assert window.state.shown.kind == "prediction"
    with pytest.raises(ExportError, match="a prediction has no target: there is nothing to differentiate"):
        exports.export_worksheet(window, tmp_path / "sheet.html")
    assert files_in(tmp_path) == []


# ---- failures leave nothing ------------------------------------------------------------------------
EXPORTS = {
    "canvas": lambda w, p: exports.export_view(w, "networkCanvas", p),
    "loss plot": lambda w, p: exports.export_view(w, "lossPlot", p),
    "trace": exports.export_trace,
    "worksheet": exports.export_worksheet,
    "blank worksheet": lambda w, p: exports.export_worksheet(w, p, blanks=True),
}


def test_a_bad_suffix_says_so_and_writes_nothing(window, tmp_path):
    window.controller.step()
    for what, name in (("canvas", "canvas.jpg"), ("loss plot", "loss"), ("trace", "trace.txt"),
                       ("worksheet", "sheet.docx"), ("blank worksheet", "sheet.csv"), ("canvas", "canvas.pdf")):
        with pytest.raises(ExportError) as info:
            EXPORTS[what](window, tmp_path / name)
        message = str(info.value)
        assert "\n" not in message and name in message, what
    assert files_in(tmp_path) == []


def test_an_unwritable_place_raises_and_leaves_nothing(window, tmp_path):
    window.controller.step()
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("a file, not a folder")
    for what, suffix in (("canvas", ".png"), ("loss plot", ".svg"), ("trace", ".csv"), ("worksheet", ".html"),
                         ("blank worksheet", ".pdf")):
        for target in (tmp_path / "missing" / f"out{suffix}", not_a_folder / f"out{suffix}"):
            with pytest.raises(ExportError) as info:
                EXPORTS[what](window, target)
            message = str(info.value)
            assert "\n" not in message and target.name in message and ".tmp" not in message, what
    assert files_in(tmp_path) == ["notes.txt"]
    assert not_a_folder.read_text() == "a file, not a folder"


def test_an_unknown_view_is_an_export_error(window, tmp_path):
    with pytest.raises(ExportError, match="noSuchView"):
        exports.export_view(window, "noSuchView", tmp_path / "x.png")
    assert files_in(tmp_path) == []


# ---- writing atomically ------------------------------------------------------------------------------
def test_a_write_that_fails_midway_keeps_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "trace.csv"
    target.write_bytes(b"old contents\n")

    def broken(f):
        f.write(b"half of the new")
        raise RuntimeError("the disk went away")

    with pytest.raises(RuntimeError):
        exports.write_atomically(target, broken)
    assert target.read_bytes() == b"old contents\n"
    assert files_in(tmp_path) == ["trace.csv"]


def test_a_full_disk_is_one_export_error_naming_the_file_and_keeps_the_old_one(tmp_path):
    target = tmp_path / "trace.csv"
    target.write_bytes(b"old contents\n")

    def full(f):
        f.write(b"the first lines")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(ExportError) as caught:
        exports.write_atomically(target, full)
    assert str(caught.value) == f"cannot write {target}: No space left on device"
    assert target.read_bytes() == b"old contents\n"
    assert files_in(tmp_path) == ["trace.csv"]


def test_rewriting_keeps_the_permissions_and_follows_a_link(tmp_path):
    real = tmp_path / "real.csv"
    real.write_bytes(b"old")
    real.chmod(0o644)
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    exports.write_atomically(link, lambda f: f.write(b"new"))
    assert link.is_symlink() and real.read_bytes() == b"new"
    assert real.stat().st_mode & 0o777 == 0o644
    assert files_in(tmp_path) == ["link.csv", "real.csv"]


# ---- the engine parts alone (no window) ----------------------------------------------------------------
def test_trace_replays_edits_at_step_0_eta_changes_and_a_divergence_exactly():
    import io

    from engine import trace
    from engine.data import load_builtin
    from engine.spec import NetworkSpec
    from engine.timeline import Timeline

    ds = load_builtin("students-regression")
    tl = Timeline(NetworkSpec((2, 2, 1), ("linear", "linear")), ds.X, ds.Y, init="random", seed=3)
    tl.set_parameter("b21", 1.5)  # before the first row
    for eta, rows in ((0.1, 5), (0.02, 1030), (0.05, 3)):
        for _ in range(rows):
            tl.row(eta)
    tl.set_parameter("b21", 1e7)  # ∂L/∂b21 ≈ 2e7, so η = 1e305 sends b21 to infinity: a run-away
    assert tl.row(1e305).diverged  # a failed attempt is not part of the run
    tl.set_parameter("b21", 2.0)
    tl.set_parameter("W211", -0.5)
    for _ in range(6):
        tl.row(0.01)
    out = io.StringIO()
    assert trace.write_csv(tl, out, ds.input_names) == tl.steps == 1044
    header, *rows = list(csv.reader(io.StringIO(out.getvalue())))
    col = {name: i for i, name in enumerate(header)}
    assert [float(r[col["loss"]]) for r in rows] == tl.losses.view().tolist()
    assert float(rows[0][col["b21"]]) == 1.5
    assert float(rows[1038][col["W211"]]) == -0.5 and float(rows[1038][col["b21"]]) == 2.0
    assert {float(r[col["eta"]]) for r in rows[1035:1038]} == {0.05}
    assert [float(v) for v in rows[-1][col["W111"]:col["eta"]]] == [
        *(tl.last_record.params_before[n] for n in tl.spec.param_names),
        *(tl.last_record.grads[n] for n in tl.spec.param_names)]


def test_worksheet_of_a_deeper_network_with_several_outputs():
    from engine import moment
    from engine.init import initialise
    from engine.network import Network
    from engine.spec import NetworkSpec
    from engine.worksheet import BLANK, worksheet_html

    spec = NetworkSpec((3, 2, 2, 2), ("tanh", "sigmoid", "sigmoid"), "bce")
    rng = np.random.default_rng(7)
    X = rng.normal(size=(4, 3))
    Y = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    shown = moment.idle(initialise(Network(spec), "random", 5), X, Y, X, 1, 0.5)
    text = plain(worksheet_html(shown, digits=5))
    for name in spec.param_names:
        assert fmt(shown.record.grads[name], 5) in text
        assert fmt(shown.record.params_after[name], 5) in text  # what η = 0.5 would make
    assert "ŷ1" in text and "ŷ2" in text and "Σ" in text
    before, key = plain(worksheet_html(shown, digits=5, blanks=True)).split("Answer key", 1)
    record = shown.record
    results = {fmt(v, 5) for v in (*record.forward.values(), record.loss, *record.grads.values(),
                                   *record.params_after.values())}
    givens = {fmt(v, 5) for v in (*record.x, *record.y, *record.params_before.values(), record.eta)}
    assert not (results - givens) & set(NUMBER.findall(before))
    assert (results - givens) <= set(NUMBER.findall(key))
    assert before.count(BLANK) == 2 * 6 + 1 + 2 * spec.n_params + 1  # every Z and O, L, ∂L/∂p and p new
