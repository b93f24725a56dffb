"""File → Export: any view as a picture, the training trace as CSV, a worksheet as HTML or PDF.

The window delegates to these functions (`window.export_view(name, path)` calls
`export_view(window, name, path)`, and so on); the format is chosen by the path's suffix.

- `export_view`: a view by its objectName as PNG or SVG. A plot is pictured alone (a pyqtgraph
  view, or the one plot a view holds, like the learning-rate race without its controls); any
  other view is drawn whole: the network canvas, the panels, and the views that hold several
  plots with their colour scales (loss landscape, decision boundary). PNG: `QWidget.render()`
  into an image at a higher pixel density when the view is small on screen, like a screenshot
  on a high-DPI display (at least MIN_WIDTH pixels wide). SVG: `QSvgGenerator` +
  `QWidget.render()` (vector shapes and real text). pyqtgraph's own exporters are not used:
  with PySide6 6.11 its SVGExporter fails on the closed paths Qt writes ("… Z", pyqtgraph
  issue #3485), and its ImageExporter enlarges the plot but not the app's pinned legend.
  A view behind a hidden tab is built, brought up to date and drawn at HIDDEN_SIZE without
  being shown.
- `export_trace`: every row trained so far, replayed exactly (engine.trace).
- `export_worksheet`: the shown row written out (engine.worksheet); PDF through
  QTextDocument printed on a QPdfWriter (QtGui: no QtPrintSupport needed).

Every export replaces its file all or nothing (engine.atomic_write), so a failure never leaves
a half-written file (nor a temporary one). What goes wrong raises ExportError with a one-line
message naming the target.
"""
from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pyqtgraph as pg
from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QCoreApplication,
    QEvent,
    QIODevice,
    QMarginsF,
    QPoint,
    QRect,
    QSize,
    QSizeF,
)
from PySide6.QtGui import (
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QRegion,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextTable,
)
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QWidget

from engine import atomic_write, trace, worksheet
from gui.widgets.state_view import RenderWhenShown

VIEW_SUFFIXES = (".png", ".svg")
TRACE_SUFFIXES = (".csv",)
WORKSHEET_SUFFIXES = (".html", ".htm", ".pdf")
# File-dialog filters, for the File → Export menu.
VIEW_FILTER = "PNG image (*.png);;SVG drawing (*.svg)"
TRACE_FILTER = "CSV table (*.csv)"
WORKSHEET_FILTER = "Web page (*.html *.htm);;PDF document (*.pdf)"
# The views worth a picture, by objectName, with a name for a menu.
VIEWS = {
    "networkCanvas": "Network diagram",
    "lossPlot": "Loss plot",
    "raceView": "Learning-rate race",
    "landscapeView": "Loss landscape",
    "boundaryView": "Decision boundary",
    "fitView": "Fitted curve or surface",
    "derivationPanel": "Why this number?",
    "paramInspector": "Parameters table",
    "dataTable": "Training rows",
}
HIDDEN_SIZE = QSize(1100, 700)  # a view that is not on screen is drawn at least this size
MIN_WIDTH = 1000  # pixels: a PNG is at least this wide (a small view is drawn denser)
MAX_SCALE = 4.0
PDF_DPI = 300
PDF_MARGIN_MM = 15
HEADING_KEEP = 0.12  # a heading needs this share of a page below it, or it starts the next one
MAX_PAGE_PASSES = 4


class ExportError(Exception):
    """An export that could not be made; the message is one line and names the target."""


# ---- writing safely ---------------------------------------------------------------------------
def _suffix(path: Path, allowed: tuple[str, ...], what: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in allowed:
        shown = f"'{path.suffix}'" if path.suffix else "no suffix"
        raise ExportError(f"cannot export {what} as {shown}: name the file with "
                          f"{' or '.join(allowed)} ({path.name})")
    return suffix


def write_atomically(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> Path:
    """Call `write(file)` on a temporary file beside `path`, then move it over `path`
    (engine.atomic_write: the target is untouched or complete, no temporary file stays behind,
    a symbolic link and an existing file's permissions are kept). Raises ExportError."""
    try:
        return atomic_write.write_atomic(path, write)
    except atomic_write.WriteError as exc:
        raise ExportError(f"cannot write {Path(path).expanduser()}: {exc}") from exc


# ---- views ----------------------------------------------------------------------------------
def export_view(window, object_name: str, path: str | os.PathLike) -> Path:
    """The view `object_name` as a PNG or SVG picture at `path`."""
    target = Path(path)
    suffix = _suffix(target, VIEW_SUFFIXES, f"the view {object_name!r}")
    view = window.view(object_name) or window.findChild(QWidget, object_name)
    if view is None:
        raise ExportError(f"there is no view called {object_name!r} to export")
    _prepare(view)
    _bring_up_to_date(view)
    _settle(view)
    picture = _the_plot(view) or view
    data = _png(picture) if suffix == ".png" else _svg(picture, VIEWS.get(object_name, object_name))
    return write_atomically(target, lambda f: f.write(data))


def _prepare(view: QWidget) -> None:
    """A view not on screen: give it a size and lay it out, and draw the current state into it."""
    if view.isVisible():
        return
    view.resize(view.size().expandedTo(HIDDEN_SIZE))  # its tab's layout sizes it again when shown
    for widget in (view, *view.findChildren(QWidget)):
        layout = widget.layout()
        if layout is not None:
            layout.activate()
    if isinstance(view, RenderWhenShown):
        view.render_state()


def _settle(view: QWidget) -> None:
    """Lay the view out as it would be on screen before it is drawn. A hidden widget gets its
    resize events only when drawn (a first, one-pixel drawing sends them), and the layout
    requests those post (pyqtgraph lays out its axes in them) wait for the event loop: sent
    here. Nothing else waiting in the event loop runs."""
    for _ in range(2):
        QWidget.render(view, QImage(1, 1, QImage.Format.Format_ARGB32), QPoint(), QRegion(0, 0, 1, 1))
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)


def _bring_up_to_date(view: QWidget) -> None:
    """The plots that compute a grid on a throttle (only while shown): compute it now."""
    from gui.plots.boundary import BoundaryView  # built on first use: imported only then
    from gui.plots.landscape import LandscapeView

    if isinstance(view, LandscapeView | BoundaryView):
        view.refresh_now()


def _the_plot(view: QWidget):
    """The pyqtgraph view that is the picture: the view itself, or the one plot it holds
    (the race's controls stay out); None when the view holds several (it is drawn whole)."""
    if isinstance(view, pg.GraphicsView):
        return view
    plots = view.findChildren(pg.GraphicsView)
    return plots[0] if len(plots) == 1 else None


def _png(view: QWidget) -> bytes:
    """The widget as it looks, drawn at a higher pixel density when it is small on screen
    (sharp text in a slide or a print), like a screenshot on a high-DPI display."""
    scale = min(MAX_SCALE, max(view.devicePixelRatioF(), MIN_WIDTH / max(1, view.width())))
    image = QImage(QSize(round(view.width() * scale), round(view.height() * scale)), QImage.Format.Format_ARGB32)
    if image.isNull():
        raise ExportError("the view could not be drawn")
    image.setDevicePixelRatio(scale)
    image.fill(view.palette().window().color())
    QWidget.render(view, image)
    return _encode(image, "PNG")


def _svg(view: QWidget, title: str) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    size = view.size()
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(size)
    generator.setViewBox(QRect(0, 0, size.width(), size.height()))
    generator.setTitle(title)
    generator.setDescription("Exported from Backprop Studio")
    painter = QPainter(generator)
    try:
        QWidget.render(view, painter, QPoint())  # the widget as drawn (QGraphicsView.render draws its scene)
    finally:
        painter.end()
    return bytes(buffer.data())


def _encode(image, fmt: str) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, fmt):
        raise ExportError(f"the picture could not be encoded as {fmt}")
    buffer.close()
    return bytes(data)


# ---- the training trace ------------------------------------------------------------------------
def export_trace(window, path: str | os.PathLike) -> Path:
    """Every row trained so far, one CSV line each (columns: engine.trace)."""
    target = Path(path)
    _suffix(target, TRACE_SUFFIXES, "the training trace")
    timeline = window.trainer.timeline
    if timeline is None:
        raise ExportError("there is no training run to export")
    setup = window.state.setup
    names = setup.dataset.input_names if setup is not None else ()

    def write(f: BinaryIO) -> None:
        text = io.TextIOWrapper(f, encoding="utf-8", newline="")
        try:
            trace.write_csv(timeline, text, names)
            text.flush()
        finally:
            text.detach()

    try:
        return write_atomically(target, write)
    except trace.ReplayError as exc:
        raise ExportError(f"cannot export the trace: {exc}") from exc


# ---- the worksheet ---------------------------------------------------------------------------------
def worksheet_html(window, blanks: bool = False) -> str:
    """The worksheet of the shown row as HTML (raises ExportError when there is none)."""
    state = window.state
    moment = state.shown
    if moment is None:
        raise ExportError("no row is shown: train a row or pick one in the table first")
    if moment.record is None:
        raise ExportError(worksheet.NO_TARGET)
    setup = state.setup
    same = setup is not None and setup.spec == moment.spec
    return worksheet.worksheet_html(
        moment, digits=state.precision, blanks=blanks,
        input_names=setup.dataset.input_names if same else (),
        target_names=setup.dataset.target_names if same else (),
        table=setup.dataset.name if same else "")


def export_worksheet(window, path: str | os.PathLike, blanks: bool = False) -> Path:
    """The shown row's worksheet as HTML or PDF (with `blanks`: to fill in, with an answer key)."""
    target = Path(path)
    suffix = _suffix(target, WORKSHEET_SUFFIXES, "the worksheet")
    text = worksheet_html(window, blanks)
    data = pdf_bytes(text, worksheet.TITLE) if suffix == ".pdf" else text.encode("utf-8")
    return write_atomically(target, lambda f: f.write(data))


def pdf_bytes(html: str, title: str = "") -> bytes:
    """An HTML page printed to PDF: A4 with PDF_MARGIN_MM margins, laid out by Qt's rich-text
    engine at the PDF's own resolution (so text sizes in pt are true sizes on paper)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(title)
    writer.setCreator("Backprop Studio")
    writer.setResolution(PDF_DPI)
    margin = QMarginsF(PDF_MARGIN_MM, PDF_MARGIN_MM, PDF_MARGIN_MM, PDF_MARGIN_MM)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     margin, QPageLayout.Unit.Millimeter))
    document = QTextDocument()
    document.documentLayout().setPaintDevice(writer)
    document.setDocumentMargin(0)
    document.setHtml(html)
    # With a page size of its own the document is printed as laid out (Qt adds 2 cm margins otherwise).
    document.setPageSize(QSizeF(writer.pageLayout().paintRectPixels(PDF_DPI).size()))
    keep_tables_whole(document)
    document.print_(writer)
    buffer.close()
    if bytes(data[:5]) != b"%PDF-":
        raise ExportError("the PDF could not be made")
    return bytes(data)


def keep_tables_whole(document: QTextDocument) -> None:
    """Page breaks that keep each table whole and each heading with what follows it (Qt's rich
    text has no 'page-break-inside: avoid'): each equation of a worksheet is one table."""
    page = document.pageSize().height()
    layout = document.documentLayout()
    for _ in range(MAX_PAGE_PASSES):  # every change only pushes the rest down: a few passes settle
        changed = False
        block = document.begin()
        while block.isValid():
            fmt = block.blockFormat()
            if fmt.headingLevel() > 0 and fmt.pageBreakPolicy() == QTextFormat.PageBreakFlag.PageBreak_Auto:
                rect = layout.blockBoundingRect(block)
                room = page - rect.top() % page
                if room < rect.height() + HEADING_KEEP * page:
                    fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
                    QTextCursor(block).setBlockFormat(fmt)
                    changed = True
            block = block.next()
        for frame in document.rootFrame().childFrames():
            rect = layout.frameBoundingRect(frame)
            fmt = frame.frameFormat()
            if (isinstance(frame, QTextTable) and rect.height() < page
                    and fmt.pageBreakPolicy() == QTextFormat.PageBreakFlag.PageBreak_Auto
                    and int(rect.top() // page) != int((rect.bottom() - 1) // page)):
                fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
                frame.setFrameFormat(fmt)
                changed = True
        if not changed:
            return
