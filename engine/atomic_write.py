"""Replacing a file all or nothing: the one way the app writes a file the user named.

Sessions, pictures, worksheets, traces and the data editor's CSV all go through `write_atomic`:
the new contents go to a temporary file in the same folder (on Linux an unnamed one, so a crash
while writing leaves nothing behind), are flushed to the disk and renamed over the target. An
existing file keeps its mode and owner; a symbolic link is kept and its target replaced (a hard
link is not: the name gets the new file); any failure (a full disk, a read-only folder, an
interrupt, an exception in the caller's writer) leaves the old file as it was and removes the
temporary file. Only a killed process (SIGKILL, a power cut) can leave a temporary file behind:
it is hidden (".<name>.<pid>-<random>.tmp") and the next save of that file removes it once its
process is gone (or it is over STALE_TEMP_SECONDS old).

Problems raise WriteError whose message is the reason alone ("the file is read-only"); each
caller puts its own words in front ("cannot save <path>: …", "cannot write <path>: …").
"""
from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

STALE_TEMP_SECONDS = 3600  # a temporary file of ours this old is left over from a killed save
TEMP_STEM_BYTES = 120  # of the file's name kept in its temporary file's name, so a name near the 255-byte limit saves

Contents = bytes | Callable[[BinaryIO], None]  # the bytes, or a function that writes them to a file


class WriteError(OSError):
    """A file that could not be replaced; the message is the reason, in one line."""


def write_atomic(path: str | os.PathLike, contents: Contents) -> Path:
    """Replace the file at `path` (through a symbolic link) by `contents`; returns the file written."""
    target = Path(os.path.realpath(Path(path).expanduser()))
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise WriteError(reason(exc)) from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise WriteError(f"it is {kind(info.st_mode)}")
    if info is not None and not os.access(target, os.W_OK):
        raise WriteError("the file is read-only")
    if not target.parent.is_dir():
        raise WriteError(f"the folder {target.parent} does not exist")
    _remove_stale_temps(target)
    # The name is chosen before anything is written, so whatever fails (a write, the flush, the
    # close, the rename, or an interrupt between two of them) the temporary file is removed here.
    temp, renamed = _temp_name(target), False
    try:
        _write_temp(target, temp, contents, info)
        os.replace(temp, target)
        renamed = True
    except OSError as exc:
        raise WriteError(_write_problem(exc, target)) from None
    finally:
        if not renamed:
            with contextlib.suppress(OSError):
                os.unlink(temp)
    _sync_folder(target.parent)
    return target


def reason(exc: OSError) -> str:
    """The system's own words for what went wrong."""
    return (exc.strerror or str(exc)).rstrip(".")


def kind(mode: int) -> str:
    return "a folder" if stat.S_ISDIR(mode) else "not a regular file (a pipe, device or socket)"


def _write_problem(exc: OSError, target: Path) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"the folder {target.parent} is read-only for you ({reason(exc)})"
    if exc.errno == errno.EROFS:
        return f"the folder {target.parent} is on a read-only disk"
    return reason(exc)


def _temp_stem(target: Path) -> str:
    stem = target.name
    while len(os.fsencode(stem)) > TEMP_STEM_BYTES:
        stem = stem[:-1]
    return stem


def _temp_name(target: Path) -> str:
    return str(target.with_name(f".{_temp_stem(target)}.{os.getpid()}-{secrets.token_hex(4)}.tmp"))


def _write_temp(target: Path, temp: str, contents: Contents, info: os.stat_result | None) -> None:
    """A complete, flushed copy of `contents` beside `target`, named `temp`."""
    if hasattr(os, "O_TMPFILE") and _write_unnamed(target, temp, contents, info):
        return
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
                 | getattr(os, "O_CLOEXEC", 0), 0o666)  # 0o666 less the umask, as any new file
    try:
        _fill(fd, contents, info)
    finally:
        os.close(fd)


def _write_unnamed(target: Path, temp: str, contents: Contents, info: os.stat_result | None) -> bool:
    """Linux: the bytes go into a file with no name (O_TMPFILE), which is named `temp` only once
    whole, so a crash while writing leaves nothing behind. False where the file system cannot."""
    try:
        proc = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        try:
            fd = os.open(target.parent, os.O_TMPFILE | os.O_WRONLY | os.O_CLOEXEC, 0o666)
        except OSError:
            return False  # then a named temporary file (which says why, if that fails too)
        try:
            _fill(fd, contents, info)
            # linkat(proc, "<fd>", …, AT_SYMLINK_FOLLOW) names the open file (a folder descriptor
            # makes os.link use linkat, which follows the /proc link to the file itself).
            os.link(str(fd), temp, src_dir_fd=proc, follow_symlinks=True)
        finally:
            os.close(fd)
    finally:
        os.close(proc)
    return True


def _fill(fd: int, contents: Contents, info: os.stat_result | None) -> None:
    if info is not None and hasattr(os, "fchmod"):  # the file being replaced keeps its owner and mode
        if hasattr(os, "fchown") and (info.st_uid, info.st_gid) != (os.getuid(), os.getgid()):
            with contextlib.suppress(OSError):
                os.fchown(fd, info.st_uid, info.st_gid)
        os.fchmod(fd, stat.S_IMODE(info.st_mode) & 0o777)
    if callable(contents):  # a writer streams into a buffered file on our descriptor (which we close)
        with open(fd, "wb", closefd=False) as f:
            contents(f)
    else:
        view = memoryview(contents)
        while view:
            view = view[os.write(fd, view):]
    os.fsync(fd)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); harmless to skip where folders cannot be opened."""
    if os.name == "posix":
        with contextlib.suppress(OSError):
            fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _remove_stale_temps(target: Path) -> None:
    """Remove temporary files of ours left beside `target` by a save that was killed: those of a
    process that no longer runs, or older than STALE_TEMP_SECONDS."""
    pattern = re.compile(re.escape(f".{_temp_stem(target)}.") + r"(\d+)-[0-9a-f]{8}\.tmp")
    with contextlib.suppress(OSError), os.scandir(target.parent) as entries:
        for entry in entries:
            match = pattern.fullmatch(entry.name)
            if match and entry.is_file(follow_symlinks=False) and _stale(int(match[1]), entry):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _stale(pid: int, entry: os.DirEntry) -> bool:
    if time.time() - entry.stat(follow_symlinks=False).st_mtime > STALE_TEMP_SECONDS:
        return True
    if pid == os.getpid() or os.name != "posix":
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False
