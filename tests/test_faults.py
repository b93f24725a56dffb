"""Saving a session when things go wrong: a full disk, a read-only folder or disk, a failure of
any one system call, an interrupt at every byte, a kill at any moment. Afterwards the previous
file is exactly as it was or the new one is whole, no temporary file is left (a killed save's
leftover is ignored by Open and removed by the next save), and modes and links are kept.

With BACKPROP_TALLY set, each test counts there the faults it injected, by kind, and the files it
compared afterwards (tests/tally.py); a test that found a file lost fails instead."""
from __future__ import annotations

import errno
import os
import select
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from engine import session as sess
from engine.data import Dataset
from engine.spec import NetworkSpec
from engine.timeline import Timeline

ROOT = Path(__file__).resolve().parent.parent
NAME = "work.bpsession"
SETTINGS = {"eta": 0.1, "epochs": 1, "speed": None, "precision": 6, "selected": None, "lesson_step": None}


def tiny_session(rows: int) -> sess.Session:
    """A one-weight network on a two-row table after `rows` rows: a session of about 1 kB."""
    X, Y = np.array([[1.0], [2.0]]), np.array([[0.5], [1.5]])
    timeline = Timeline(NetworkSpec((1, 1), ("linear",), "se"), X, Y)
    for _ in range(rows):
        timeline.row(0.1)
    return sess.capture(timeline, task="regression", dataset_key="csv:tiny", dataset=Dataset("tiny", ("x",), ("y",),
                        X, Y), settings=SETTINGS)


OLD, NEW = tiny_session(1), tiny_session(2)
OLD_BYTES, NEW_BYTES = sess.dumps(OLD).encode(), sess.dumps(NEW).encode()


@pytest.fixture(params=["O_TMPFILE", "named temporary file"])
def variant(request, monkeypatch):
    """Both ways of writing the temporary file: Linux's unnamed file, and the portable named one."""
    if request.param != "O_TMPFILE":
        monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    return request.param


@pytest.fixture
def old_file(tmp_path) -> Path:
    path = tmp_path / NAME
    sess.save(OLD, path)
    assert path.read_bytes() == OLD_BYTES
    return path


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def failing_writes(limit: int, error: BaseException):
    """os.write that writes `limit` bytes in all, then raises `error`."""
    real_write, written = os.write, 0

    def write(fd, data):
        nonlocal written
        room = limit - written
        if room <= 0:
            raise error
        n = real_write(fd, bytes(data[:room]))
        written += n
        return n

    return write


# ---- interrupted at every byte, a full disk -------------------------------------------------------------------
ERRORS = {"full disk": OSError(errno.ENOSPC, "No space left on device"), "Ctrl+C": KeyboardInterrupt(),
          "I/O error": OSError(errno.EIO, "Input/output error")}


@pytest.mark.parametrize("kind, error", ERRORS.items(), ids=ERRORS.keys())
def test_a_save_cut_at_every_byte_keeps_the_old_file(old_file, monkeypatch, variant, tally, kind, error):
    n = len(NEW_BYTES)  # every cut for a full disk; for the others the first and last bytes and every 7th
    full_disk = isinstance(error, OSError) and error.errno == errno.ENOSPC
    cuts = range(n) if full_disk else sorted({*range(32), *range(32, n, 7), *range(n - 32, n)})
    for cut in cuts:  # `cut` bytes of the new file written, then the failure
        with monkeypatch.context() as m:
            m.setattr(os, "write", failing_writes(cut, error))
            with pytest.raises((sess.SessionError, KeyboardInterrupt)) as caught:
                sess.save(NEW, old_file)
        if isinstance(error, OSError):  # one message naming the user's file (not the temporary one)
            assert str(caught.value) == f"cannot save {old_file}: {error.strerror}", cut
        else:
            assert caught.type is KeyboardInterrupt
        assert old_file.read_bytes() == OLD_BYTES, f"cut after {cut} bytes changed the old file"
        assert names(old_file.parent) == [NAME], f"cut after {cut} bytes left {names(old_file.parent)}"
    sess.save(NEW, old_file)  # the same save, not interrupted, writes the new file whole
    assert old_file.read_bytes() == NEW_BYTES and names(old_file.parent) == [NAME]
    tally(faults={f"save cut mid-write ({kind})": len(cuts)}, files_checked=len(cuts) + 1, files_lost=0)


def test_short_writes_still_write_the_whole_file(old_file, monkeypatch, variant, tally):
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, bytes(data[:7])))  # 7 bytes a call at most
    sess.save(NEW, old_file)
    assert old_file.read_bytes() == NEW_BYTES and names(old_file.parent) == [NAME]
    tally(faults={"short writes": 1}, files_checked=1, files_lost=0)


# ---- a failure of any one system call -----------------------------------------------------------------------
CALLS = ("open", "fchmod", "write", "fsync", "link", "close", "replace", "unlink")


class Faults:
    """Wraps the os calls a save makes: counts them, and makes call number `fail_at` raise `error`
    (close and unlink fail after doing their work, as the kernel's do: the descriptor is gone)."""

    def __init__(self, monkeypatch, fail_at: int | None = None, error: BaseException | None = None):
        self.calls: list[str] = []
        self.fail_at, self.error = fail_at, error
        for name in CALLS:
            monkeypatch.setattr(os, name, self.wrap(name, getattr(os, name)))

    def wrap(self, name, real):
        def call(*args, **kwargs):
            self.calls.append(name)
            failing = len(self.calls) - 1 == self.fail_at
            if failing and name not in ("close", "unlink"):
                raise self.error
            result = real(*args, **kwargs)
            if failing:
                raise self.error
            return result

        return call


@pytest.mark.parametrize("error", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()],
                         ids=["OSError", "KeyboardInterrupt"])
def test_a_failure_of_any_system_call_leaves_old_or_new_and_no_temporary(old_file, monkeypatch, variant, tally,
                                                                          error):
    with monkeypatch.context() as m:
        clean = Faults(m)
        sess.save(NEW, old_file)
    sess.save(OLD, old_file)
    assert set(clean.calls) >= {"open", "write", "fsync", "replace", "close"}
    for at, call in enumerate(clean.calls):
        raised = None
        with monkeypatch.context() as m:
            Faults(m, at, error)
            try:
                sess.save(NEW, old_file)
            except (sess.SessionError, KeyboardInterrupt) as exc:
                raised = exc
        content = old_file.read_bytes()
        where = f"{call} (call {at} of {clean.calls})"
        assert names(old_file.parent) == [NAME], f"a failing {where} left {names(old_file.parent)}"
        assert content in (OLD_BYTES, NEW_BYTES), f"a failing {where} left a mixed file"
        if isinstance(raised, sess.SessionError):  # said it failed: then it did not save
            assert content == OLD_BYTES and "\n" not in str(raised), where
            assert str(raised).startswith(f"cannot save {old_file}: "), where
        elif raised is None:  # a failure it could work round (the unnamed file, the folder's flush)
            assert content == NEW_BYTES, where
        sess.save(OLD, old_file)
    tally(faults={f"system call fails ({type(error).__name__})": len(clean.calls)}, files_checked=len(clean.calls),
          files_lost=0)


# ---- read-only folders and disks ----------------------------------------------------------------------------
def refuse_writes_in(monkeypatch, folder: Path, error_number: int) -> None:
    """What the kernel answers for a folder nobody may write in (root ignores the mode bits, so for
    root, and for a read-only disk, which needs a mount, the answer is simulated)."""
    real_open, real_link, real_replace = os.open, os.link, os.replace
    creating = os.O_CREAT | getattr(os, "O_TMPFILE", 0)

    def inside(path) -> bool:
        return Path(os.fsdecode(path)).resolve().parent == folder.resolve()

    def refuse(path) -> None:
        raise OSError(error_number, os.strerror(error_number), os.fsdecode(path))

    def open_(path, flags, *args, **kwargs):
        if flags & creating and (inside(path) or Path(os.fsdecode(path)).resolve() == folder.resolve()):
            refuse(path)
        return real_open(path, flags, *args, **kwargs)

    def link(src, dst, *args, **kwargs):
        if inside(dst):
            refuse(dst)
        return real_link(src, dst, *args, **kwargs)

    def replace(src, dst, *args, **kwargs):
        if inside(dst):
            refuse(dst)
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_)
    monkeypatch.setattr(os, "link", link)
    monkeypatch.setattr(os, "replace", replace)


def test_a_read_only_folder_says_so_and_changes_nothing(old_file, monkeypatch, variant, tally):
    folder = old_file.parent
    folder.chmod(0o555)
    try:
        if os.geteuid() == 0:
            refuse_writes_in(monkeypatch, folder, errno.EACCES)
        with pytest.raises(sess.SessionError) as caught:
            sess.save(NEW, old_file)
        with pytest.raises(sess.SessionError):
            sess.save(NEW, folder / "new.bpsession")
    finally:
        folder.chmod(0o755)
    assert str(caught.value) == (f"cannot save {old_file}: the folder {folder} is read-only for you "
                                 "(Permission denied)")
    assert old_file.read_bytes() == OLD_BYTES and names(folder) == [NAME]
    assert sess.load(old_file) == OLD
    tally(faults={"read-only folder": 2}, files_checked=1, files_lost=0)


def test_a_read_only_disk_says_so_and_changes_nothing(old_file, monkeypatch, variant, tally):
    refuse_writes_in(monkeypatch, old_file.parent, errno.EROFS)
    with pytest.raises(sess.SessionError, match=f"^cannot save {old_file}: the folder .* is on a read-only disk$"):
        sess.save(NEW, old_file)
    assert old_file.read_bytes() == OLD_BYTES and names(old_file.parent) == [NAME]
    tally(faults={"read-only disk": 1}, files_checked=1, files_lost=0)


# ---- where a save cannot go --------------------------------------------------------------------------------------
def test_saving_where_it_cannot_says_so_and_changes_nothing(tmp_path, variant):
    with pytest.raises(sess.SessionError, match="it is a folder"):
        sess.save(NEW, tmp_path)
    with pytest.raises(sess.SessionError, match="does not exist"):
        sess.save(NEW, tmp_path / "no" / NAME)
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(sess.SessionError, match="not a regular file"):
        sess.save(NEW, tmp_path / "pipe")
    assert names(tmp_path) == ["pipe"]


# ---- modes, links, names --------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", [0o644, 0o600, 0o640, 0o664, 0o444])
def test_resaving_keeps_the_mode(old_file, variant, mode):
    old_file.chmod(mode)
    if mode & stat.S_IWUSR or os.geteuid() == 0:  # root may replace a read-only file; it stays read-only
        sess.save(NEW, old_file)
        assert old_file.read_bytes() == NEW_BYTES
    else:
        with pytest.raises(sess.SessionError, match="the file is read-only"):
            sess.save(NEW, old_file)
        assert old_file.read_bytes() == OLD_BYTES
    assert stat.S_IMODE(old_file.stat().st_mode) == mode and names(old_file.parent) == [NAME]


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_a_new_file_gets_the_umask_default(tmp_path, variant, umask):
    old = os.umask(umask)
    try:
        sess.save(NEW, tmp_path / NAME)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / NAME).stat().st_mode) == 0o666 & ~umask


def test_saving_through_links_writes_their_target(tmp_path, variant):
    real = tmp_path / "real" / NAME
    real.parent.mkdir()
    sess.save(OLD, real)
    real.chmod(0o640)
    (tmp_path / "absolute.bpsession").symlink_to(real)
    (tmp_path / "relative.bpsession").symlink_to(Path("real") / NAME)
    (tmp_path / "chain.bpsession").symlink_to("relative.bpsession")
    (tmp_path / "folder").symlink_to("real", target_is_directory=True)
    for link in ("absolute.bpsession", "relative.bpsession", "chain.bpsession", f"folder/{NAME}"):
        sess.save(NEW if real.read_bytes() == OLD_BYTES else OLD, tmp_path / link)
        assert real.read_bytes() in (OLD_BYTES, NEW_BYTES) and stat.S_IMODE(real.stat().st_mode) == 0o640, link
        assert sess.load(tmp_path / link) == sess.load(real), link
    assert [p.is_symlink() for p in sorted(tmp_path.iterdir())] == [True, True, True, False, True]
    assert names(real.parent) == [NAME]


def test_a_dangling_link_gets_its_file_and_a_loop_is_refused(tmp_path, variant):
    (tmp_path / "later.bpsession").symlink_to("made-now.bpsession")
    sess.save(NEW, tmp_path / "later.bpsession")
    assert (tmp_path / "later.bpsession").is_symlink() and (tmp_path / "made-now.bpsession").read_bytes() == NEW_BYTES
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(sess.SessionError, match="Too many levels of symbolic links"):
        sess.save(NEW, tmp_path / "a")
    assert names(tmp_path) == ["a", "b", "later.bpsession", "made-now.bpsession"]


def finished_pid() -> int:
    """The process id of a process that has ended (as a killed saver's has)."""
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(proc.stdout)


def test_a_name_near_the_length_limit_saves_and_its_leftovers_go(tmp_path, variant):
    path = tmp_path / ("é" * 120 + ".bpsession")  # 250 bytes in UTF-8, under the 255-byte limit
    sess.save(OLD, path)
    assert path.read_bytes() == OLD_BYTES and names(tmp_path) == [path.name]
    # What a save killed mid-way leaves: a hidden name made of the start of the file's name
    stem = os.fsencode(path.name)[:sess.TEMP_STEM_BYTES].decode(errors="ignore")
    leftover = tmp_path / f".{stem}.{finished_pid()}-0123abcd.tmp"
    leftover.write_bytes(NEW_BYTES[:100])
    assert sess.load(path) == OLD  # Open ignores it
    sess.save(NEW, path)  # the next save removes it
    assert path.read_bytes() == NEW_BYTES and names(tmp_path) == [path.name]


# ---- killed mid-way ---------------------------------------------------------------------------------------------
KILLED = """
    import os, signal, sys
    sys.path.insert(0, {root!r})
    import numpy as np
    from engine import session as sess
    from engine.data import Dataset
    from engine.spec import NetworkSpec
    from engine.timeline import Timeline
    if {named}:
        del os.O_TMPFILE
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(10_000, 8)), rng.normal(size=(10_000, 3))  # a big session: a few MB
    ds = Dataset("big", tuple(f"x{{i}}" for i in range(8)), ("a", "b", "c"), X, Y)
    timeline = Timeline(NetworkSpec((8, 3), ("linear",), "se"), X, Y)
    settings = dict(eta=0.1, epochs=1, speed=None, precision=6, selected=None, lesson_step=None)
    session = sess.capture(timeline, task="regression", dataset_key="csv:big", dataset=ds, settings=settings)
    stage = {stage!r}

    def stop_here():  # tell the test where we are, then block until its SIGKILL arrives
        print(stage, flush=True)
        signal.pause()

    def pausing(name):
        real = getattr(os, name)

        def call(*args, **kwargs):
            if name == "write" and stage == "write":  # half the file written, then killed
                n = real(args[0], bytes(args[1][: len(args[1]) // 2]))
                stop_here()
                return n
            if name == stage:
                stop_here()
            result = real(*args, **kwargs)
            if name == "replace" and stage == "renamed":
                stop_here()
            return result
        return call

    for name in ("write", "link", "replace"):
        setattr(os, name, pausing(name))
    sess.save(session, {path!r})
"""
STAGES = {  # where the kill lands → which file is there afterwards
    "write": "old", "link": "old", "replace": "old", "renamed": "new"}


def test_a_save_killed_at_any_stage_leaves_old_or_new_and_the_next_save_cleans_up(tmp_path, tally):
    env = dict(os.environ, PYTHONFAULTHANDLER="1")
    runs = []
    for named in (False, True):
        for stage in STAGES:
            if stage == "link" and named:
                continue  # a named temporary file is not linked
            folder = tmp_path / f"{stage}-{'named' if named else 'unnamed'}"
            folder.mkdir()
            sess.save(OLD, folder / NAME)
            script = textwrap.dedent(KILLED.format(root=str(ROOT), named=named, stage=stage, path=str(folder / NAME)))
            proc = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, text=True)
            runs.append((stage, named, folder, proc))
    deadline = time.monotonic() + 60
    for stage, named, folder, proc in runs:
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
        assert ready and proc.stdout.readline().strip() == stage, f"{stage}: the saver never got there"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        path = folder / NAME
        if STAGES[stage] == "old":
            assert path.read_bytes() == OLD_BYTES, stage
        else:
            assert sess.load(path).table.name == "big", stage
        leftovers = [n for n in names(folder) if n != NAME]
        if stage == "replace" or (stage == "write" and named):  # a named temporary file, whole or not
            assert len(leftovers) == 1 and leftovers[0].startswith(f".{NAME}.") and leftovers[0].endswith(".tmp")
        else:  # the unnamed file vanished with its process, or the temporary file was already renamed
            assert leftovers == [], stage
        sess.load(path)  # Open reads the file and ignores the leftover
        sess.save(NEW, path)  # the next save removes it (its process is gone)
        assert names(folder) == [NAME] and path.read_bytes() == NEW_BYTES, stage
    tally(faults={"save killed (SIGKILL) at a chosen stage": len(runs)}, files_checked=len(runs), files_lost=0)


def test_only_leftovers_of_ended_or_old_saves_are_removed(old_file):
    folder = old_file.parent
    dead = folder / f".{NAME}.{finished_pid()}-0123abcd.tmp"
    old = folder / f".{NAME}.{os.getppid()}-89abcdef.tmp"
    busy = folder / f".{NAME}.{os.getppid()}-fedcba98.tmp"  # a live process's save in progress
    stranger = folder / f".{NAME}.notours.tmp"
    for p in (dead, old, busy, stranger):
        p.write_text("half")
    os.utime(old, (time.time() - 2 * sess.STALE_TEMP_SECONDS,) * 2)
    sess.save(NEW, old_file)
    assert names(folder) == sorted([NAME, busy.name, stranger.name])


KILLED_AT_RANDOM = """
    import sys
    sys.path.insert(0, {root!r})
    from engine import session as sess
    session = sess.load({big!r})
    print("ready", flush=True)
    while True:
        sess.save(session, {path!r})
        print("saved", flush=True)  # the test kills on one of these lines: mid-way into the next save
"""


KILLS = 3


def test_a_save_killed_at_random_moments_leaves_a_whole_file(tmp_path, tally):
    big = tmp_path / "big.bpsession"
    X = np.random.default_rng(2).normal(size=(10_000, 8))
    timeline = Timeline(NetworkSpec((8, 1), ("linear",), "se"), X, X[:, :1])
    sess.save(sess.capture(timeline, task="regression", dataset_key="csv:big", settings=SETTINGS, dataset=Dataset(
        "big", tuple(f"x{i}" for i in range(8)), ("y",), X, X[:, :1])), big)
    path = tmp_path / "saves" / NAME
    path.parent.mkdir()
    sess.save(OLD, path)
    rng = np.random.default_rng(1)
    for _ in range(KILLS):
        proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(KILLED_AT_RANDOM.format(
            root=str(ROOT), big=str(big), path=str(path)))], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        for _ in range(int(rng.integers(1, 6))):  # a random number of whole saves, no clock involved: the
            assert proc.stdout.readline().strip() == "saved"  # kill then lands somewhere in the next one
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        content = path.read_bytes()
        assert content == OLD_BYTES or sess.load(path).table.name == "big"  # never a mix
    sess.save(NEW, path)
    assert names(path.parent) == [NAME]
    tally(faults={"save killed (SIGKILL) at a random moment": KILLS}, files_checked=KILLS, files_lost=0)


# ---- the window's Save ------------------------------------------------------------------------------------------
def test_the_windows_save_into_a_read_only_folder_says_so_once_and_keeps_the_work(window, dialogs, monkeypatch,
                                                                                   tmp_path, tally):
    from PySide6.QtWidgets import QFileDialog

    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    if os.geteuid() == 0:
        refuse_writes_in(monkeypatch, folder, errno.EACCES)
    target = folder / NAME
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *_a, **_k: (str(target), "")))
    window.controller.step()
    document = window.files.document
    assert document.modified and document.path is None
    try:
        assert window.actions["save"].isEnabled()
        window.actions["save"].trigger()
    finally:
        folder.chmod(0o755)
    assert len(dialogs) == 1 and dialogs[0].startswith(f"cannot save {target}: the folder {folder} is read-only")
    assert document.modified and document.path is None  # still unsaved, still untitled
    assert names(folder) == []
    tally(faults={"window's Save into a read-only folder": 1}, states_checked=1, states_lost=0)
