"""Where the files that ship with the app live: the built-in tables, the lesson, the icon.

They are package data of the top-level `resources` package (resources/data/*.csv,
resources/lesson/lesson.json, resources/icon.svg), found with `importlib.resources`, so a
source checkout, an installed wheel (pip, pipx) and a PyInstaller bundle all find them.
Defined once here, so the engine, the window and the launcher agree.

    read_bytes("data", "students-regression.csv")   the bytes of a shipped file (zip-safe)
    path("icon.svg")                                 a real file-system path, for APIs that need one
    DATA_DIR, LESSON_FILE, ICON_FILE                 the same as paths, computed once
    version()                                        the installed version of Backprop Studio
"""
from __future__ import annotations

import atexit
import functools
import importlib.metadata
import importlib.resources
import shutil
import tempfile
import tomllib
from importlib.resources.abc import Traversable
from pathlib import Path

PACKAGE = "resources"  # the importable package that holds the files
DISTRIBUTION = "backprop-studio"  # the name pip knows the app by
_CHECKOUT = Path(__file__).resolve().parent.parent  # the source tree, when run from one


def files() -> Traversable:
    """The root of the shipped files (a Path for a checkout, a wheel or a bundle; a zip entry if zipped)."""
    try:
        return importlib.resources.files(PACKAGE)
    except ModuleNotFoundError:  # an editable install made before resources/ became a package
        if (_CHECKOUT / PACKAGE / "__init__.py").is_file():
            return _CHECKOUT / PACKAGE
        raise


def resource(*parts: str) -> Traversable:
    """One shipped file or folder, e.g. resource("data", "students-regression.csv")."""
    return functools.reduce(lambda node, part: node.joinpath(part), parts, files())


def read_bytes(*parts: str) -> bytes:
    return resource(*parts).read_bytes()


def read_text(*parts: str) -> str:
    return resource(*parts).read_text(encoding="utf-8")


def path(*parts: str) -> Path:
    """A real file-system path to a shipped file or folder.

    Always the file itself for a checkout, an installed wheel and a PyInstaller bundle; only if
    the package was imported from a zip archive are the files copied out once, into a temporary
    folder removed when the process exits.
    """
    node = resource(*parts)
    if isinstance(node, Path):
        return node
    return functools.reduce(Path.joinpath, parts, _extracted())


@functools.cache
def _extracted() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="backprop-studio-resources-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    _copy(files(), folder)
    return folder


def _copy(node: Traversable, target: Path) -> None:
    for child in node.iterdir():
        if child.is_dir():
            (target / child.name).mkdir()
            _copy(child, target / child.name)
        elif child.name.endswith((".csv", ".json", ".svg", ".png")):
            (target / child.name).write_bytes(child.read_bytes())


@functools.cache
def version() -> str:
    """The version of Backprop Studio: the installed distribution's, else the checkout's pyproject.toml."""
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        pass
    try:
        with open(_CHECKOUT / "pyproject.toml", "rb") as f:
            return str(tomllib.load(f)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


DATA_DIR = path("data")
LESSON_FILE = path("lesson", "lesson.json")
ICON_FILE = path("icon.svg")
