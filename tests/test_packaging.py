"""The app as users get it: a wheel installed into a fresh virtual environment, the desktop entry,
and the PyInstaller bundle. Installed programs run from a folder outside the repository, so the
checkout cannot stand in for what was installed.

The wheel test installs the dependencies from a wheelhouse (BACKPROP_WHEELHOUSE, default
.pytest_cache/wheelhouse), filled from the package index the first time only: later runs are offline.
"""
from __future__ import annotations

import configparser
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What `pip install .` must not see from a working checkout: environments, caches, build leftovers.
NOT_SOURCES = (".git", ".venv", "__pycache__", "*.pyc", "*.egg-info", "build", "dist", ".pytest_cache", ".hypothesis",
               ".ruff_cache", ".import_linter_cache", "screenshots-tmp")
WHEELHOUSE = Path(os.environ.get("BACKPROP_WHEELHOUSE", ROOT / ".pytest_cache" / "wheelhouse"))
BIN = "Scripts" if os.name == "nt" else "bin"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SHIPPED = ("resources/__init__.py", "resources/icon.svg", "resources/lesson/lesson.json",
           *(f"resources/data/{name}.csv" for name in ("students-regression", "students-classification",
                                                       "students-large", "students-large-classification")))


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without anything that would let the checkout leak into an installed program."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "PYTHONSAFEPATH")}
    env.update(QT_QPA_PLATFORM="offscreen", PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONFAULTHANDLER="1", **extra)
    return env


def run(args: list, cwd: Path, timeout: float = 300, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=clean_env(**env), capture_output=True, text=True,
                          timeout=timeout)


def ok(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert proc.returncode == 0, f"{proc.args}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc


def pip_offline_first(args: list, requirements: list[str], cwd: Path) -> None:
    """`pip ARGS` from the wheelhouse alone; when something is missing there, fetch it once and retry."""
    offline = [sys.executable, "-m", "pip", *args, "--no-index", "--find-links", WHEELHOUSE]
    if run(offline, cwd).returncode == 0:
        return
    WHEELHOUSE.mkdir(parents=True, exist_ok=True)
    ok(run([sys.executable, "-m", "pip", "download", "--quiet", "--dest", WHEELHOUSE, *requirements], cwd))
    ok(run(offline, cwd))


def copy_sources(target: Path) -> Path:
    """What a release tarball holds: the project's files, without environments, build leftovers or caches."""
    shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns(*NOT_SOURCES), symlinks=True)
    return target


def build_wheel(tmp: Path) -> Path:
    source = copy_sources(tmp / "source")
    pip_offline_first(["wheel", "--quiet", "--no-deps", "--wheel-dir", tmp / "dist", source],
                      PROJECT["build-system"]["requires"], tmp)
    wheels = list((tmp / "dist").glob("backprop_studio-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_the_wheel_ships_the_code_the_resources_and_both_commands(tmp_path):
    wheel = build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        entry_points = next(z.read(n).decode() for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert set(SHIPPED) <= names, sorted(set(SHIPPED) - names)
    assert {"app.py", "engine/resources.py", "gui/main_window.py"} <= names
    assert not [n for n in names if "__pycache__" in n or n.startswith(("tests/", "bench/", "docs/"))]
    assert "backprop-studio = app:main" in entry_points and "backprop-engine = engine.cli:main" in entry_points


@pytest.mark.slow
def test_pip_install_in_a_fresh_venv_gives_working_commands(tmp_path):
    """Build the wheel, install it (and only it) into a new venv, run both commands from elsewhere."""
    start = time.perf_counter()
    wheel = build_wheel(tmp_path)
    venv = tmp_path / "venv"
    ok(run([sys.executable, "-m", "venv", "--without-pip", venv], tmp_path))
    python = venv / BIN / "python"
    pip_offline_first(["--python", python, "install", "--quiet", wheel], PROJECT["project"]["dependencies"], tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    where = ok(run([python, "-c", "import app, engine, gui, resources; "
                                  "print(app.__file__, engine.__file__, gui.__file__, resources.__file__)"],
                   elsewhere)).stdout.split()
    site = str(venv.resolve())
    assert all(Path(f).resolve().is_relative_to(site) for f in where), where

    version = ok(run([venv / BIN / "backprop-studio", "--version"], elsewhere)).stdout.strip()
    assert version == f"backprop-studio {PROJECT['project']['version']}"

    smoke = ok(run([venv / BIN / "backprop-studio", "--smoke-test"], elsewhere, timeout=120))
    assert "smoke test passed" in smoke.stdout, smoke.stdout
    assert "Traceback" not in smoke.stderr, smoke.stderr

    train = ok(run([venv / BIN / "backprop-engine", "train", "--data", "builtin:students-regression",
                    "--epochs", "2"], elsewhere))
    result = json.loads(train.stdout)
    assert len(result["epoch_loss"]) == 2 and result["epoch_loss"][1] < result["epoch_loss"][0]
    assert result["diverged"] is None
    print(f"wheel built, installed and smoke-tested in {time.perf_counter() - start:.1f} s")


def test_shipped_files_are_found_when_the_resources_package_is_imported_from_a_zip(tmp_path):
    """engine.resources reads package data through importlib.resources: from a zip archive too,
    where the paths it hands out are copies in a temporary folder, removed at exit."""
    archive = tmp_path / "resources.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for file in sorted((ROOT / "resources").rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                z.write(file, file.relative_to(ROOT).as_posix())
    proc = ok(run([sys.executable, "-c", """if True:
        import zipfile
        from engine import resources
        from engine.data import BUILTINS, load_builtin
        from engine.lesson import load_lesson
        assert isinstance(resources.files(), zipfile.Path), resources.files()
        tables = [load_builtin(name).n_rows for name in BUILTINS]
        assert resources.read_bytes("icon.svg").startswith(b"<")
        assert resources.ICON_FILE.is_file() and resources.ICON_FILE.read_bytes() == resources.read_bytes("icon.svg")
        print(len(load_lesson(resources.LESSON_FILE).steps), tables, resources.DATA_DIR.parent)
    """], tmp_path, PYTHONPATH=str(archive)))
    steps, *tables, folder = proc.stdout.replace("[", " ").replace("]", " ").replace(",", " ").split()
    assert int(steps) > 0 and [int(n) for n in tables] == [4, 4, 40, 40]
    assert "backprop-studio-resources-" in folder and not Path(folder).exists()  # removed at exit


# ---- the desktop entry -------------------------------------------------------------------------------
DESKTOP_FILE = ROOT / "packaging" / "backprop-studio.desktop"
INSTALL_SCRIPT = ROOT / "packaging" / "install-desktop.sh"
SCRIPT_TOOLS = ("sh", "dirname", "mkdir", "cp", "chmod", "mktemp", "rm", "sed", "cat")


def desktop_entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser["Desktop Entry"]


def test_the_desktop_entry_starts_the_app_with_a_file_and_groups_its_windows():
    entry = desktop_entry(DESKTOP_FILE)
    assert entry["Type"] == "Application" and entry["Name"] == "Backprop Studio" and entry["Comment"]
    assert entry["Exec"] == "backprop-studio %f"
    assert entry["Icon"] == "backprop-studio"
    assert entry["StartupWMClass"] == "backprop-studio"  # = the WM_CLASS instance app.main gives Qt
    assert entry["Categories"] == "Education;Science;"
    assert {"text/csv", "application/x-backprop-studio-session"} <= set(entry["MimeType"].split(";"))
    import xml.etree.ElementTree as ET

    mime = ET.parse(ROOT / "packaging" / "backprop-studio-session.xml").getroot()
    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    assert mime.find("m:mime-type", ns).get("type") == "application/x-backprop-studio-session"
    from engine.session import SUFFIX

    assert mime.find("m:mime-type/m:glob", ns).get("pattern") == f"*{SUFFIX}"  # what File > Save writes
    assert entry["Terminal"] == "false"
    import app

    assert app.DESKTOP_NAME == DESKTOP_FILE.stem  # also the Wayland app id (QApplication.desktopFileName)


def bare_path(tmp_path: Path, *extra: Path) -> str:
    """A PATH holding only the tools the install script uses (so no xdg-utils, no installed app) and `extra`."""
    tools = tmp_path / "tools"
    tools.mkdir(exist_ok=True)
    for tool in SCRIPT_TOOLS:
        found = shutil.which(tool)
        assert found, f"{tool} is needed by packaging/install-desktop.sh"
        if not (tools / tool).exists():
            (tools / tool).symlink_to(found)
    return os.pathsep.join([str(tools), *map(str, extra)])


def executable(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


def test_install_desktop_copies_the_entry_and_icon_and_points_at_the_venv_without_a_command_on_path(tmp_path):
    home = tmp_path / "home"
    venv_command = executable(tmp_path / "my venv" / "bin" / "backprop-studio", "#!/bin/sh\n")
    env = dict(HOME=str(home), XDG_DATA_HOME="", PATH=bare_path(tmp_path))
    proc = ok(run(["sh", INSTALL_SCRIPT, "install", venv_command], tmp_path, **env))
    installed = home / ".local/share/applications/backprop-studio.desktop"
    icon = home / ".local/share/icons/hicolor/scalable/apps/backprop-studio.svg"
    mime = home / ".local/share/mime/packages/backprop-studio-session.xml"
    assert icon.read_bytes() == (ROOT / "resources" / "icon.svg").read_bytes()
    assert mime.read_bytes() == (ROOT / "packaging" / "backprop-studio-session.xml").read_bytes()
    entry = desktop_entry(installed)
    assert entry["Exec"] == f'"{venv_command}" %f'  # quoted: the path has a space
    assert entry["TryExec"] == str(venv_command)
    assert {k: v for k, v in entry.items() if k not in ("Exec", "TryExec")} == \
        {k: v for k, v in desktop_entry(DESKTOP_FILE).items() if k not in ("Exec", "TryExec")}
    assert str(installed) in proc.stdout

    ok(run(["sh", INSTALL_SCRIPT, "uninstall"], tmp_path, **env))
    assert not installed.exists() and not icon.exists() and not mime.exists()


def test_install_desktop_prefers_the_command_on_path_and_uses_xdg_desktop_menu_when_present(tmp_path):
    home = tmp_path / "home"
    bin_dir = tmp_path / "bin"
    executable(bin_dir / "backprop-studio", "#!/bin/sh\n")
    log = tmp_path / "xdg.log"
    for tool in ("xdg-desktop-menu", "xdg-mime"):
        executable(bin_dir / tool, f'#!/bin/sh\necho {tool} "$@" >> "{log}"\n'
                                   f'[ "$1" = install ] && cp "$5" "{tmp_path}/{tool}.installed"\nexit 0\n')
    env = dict(HOME=str(home), XDG_DATA_HOME=str(home / "data"), PATH=bare_path(tmp_path, bin_dir))
    ok(run(["sh", INSTALL_SCRIPT, "install", tmp_path / "unused"], tmp_path, **env))
    calls = log.read_text().splitlines()
    assert calls[0].startswith("xdg-desktop-menu install --mode user --novendor ")
    assert calls[0].endswith("/backprop-studio.desktop")
    mime_type = ROOT / "packaging" / "backprop-studio-session.xml"
    assert calls[1] == f"xdg-mime install --mode user --novendor {mime_type}"
    assert (tmp_path / "xdg-mime.installed").read_bytes() == mime_type.read_bytes()
    entry = desktop_entry(tmp_path / "xdg-desktop-menu.installed")
    assert entry["Exec"] == "backprop-studio %f" and entry["TryExec"] == "backprop-studio"
    assert (home / "data/icons/hicolor/scalable/apps/backprop-studio.svg").is_file()


def test_install_desktop_without_any_command_says_what_to_do(tmp_path):
    env = dict(HOME=str(tmp_path / "home"), XDG_DATA_HOME="", PATH=bare_path(tmp_path))
    proc = run(["sh", INSTALL_SCRIPT, "install", tmp_path / "no-such-venv/bin/backprop-studio"], tmp_path, **env)
    assert proc.returncode == 1
    assert "install the app first" in proc.stderr
    assert not (tmp_path / "home").exists()


# ---- the PyInstaller bundle ----------------------------------------------------------------------------
@pytest.mark.slow
def test_the_pyinstaller_bundle_passes_its_smoke_test(tmp_path):
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.skip("PyInstaller is not installed in this environment, so the bundle was not built "
                    "(`make bundle` installs it and builds dist/backprop-studio/)")
    start = time.perf_counter()
    ok(run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--distpath", tmp_path / "dist",
            "--workpath", tmp_path / "build", ROOT / "packaging" / "backprop-studio.spec"], tmp_path, timeout=1200))
    built = time.perf_counter() - start
    program = tmp_path / "dist" / "backprop-studio" / ("backprop-studio.exe" if os.name == "nt" else "backprop-studio")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    version = ok(run([program, "--version"], elsewhere)).stdout.strip()
    assert version == f"backprop-studio {PROJECT['project']['version']}"
    smoke = ok(run([program, "--smoke-test"], elsewhere, timeout=120))
    assert "smoke test passed" in smoke.stdout, smoke.stdout
    print(f"bundle built in {built:.0f} s, smoke-tested in {time.perf_counter() - start - built:.1f} s")
