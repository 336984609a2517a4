"""Where an output goes: stdout, or a file written atomically — to a temporary file renamed
when complete, so an interrupted run never leaves a half-written report that looks complete.

A target that exists and is not a regular file (``/dev/null``, a FIFO, a terminal) is written
directly and never replaced; a directory is refused. A report replacing an existing file keeps
that file's permission bits; a new report is created 0600 (reports hold data about children).
``check_output`` finds path problems before an audit runs."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from compliance.errors import ComplianceError

__all__ = ["atomic_binary", "check_output"]

NEW_REPORT_MODE = 0o600
# errors of the place written to (not bugs): reported as "error: cannot write ..." exit 2
_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS, errno.EACCES}


def _is_stdout(path: str | None) -> bool:
    return path is None or path == "-"


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def check_output(path: str | None, inputs: Iterable[str] = ()) -> None:
    """Refuse, before any work, an output that cannot be written or would overwrite an input."""
    if _is_stdout(path):
        return
    assert path is not None
    for source in inputs:
        if source != "-" and _same_file(path, source):
            raise ComplianceError(f"-o {path}: that is an input file; choose another output")
    target = Path(path)
    if target.is_dir():
        raise ComplianceError(f"-o {path}: is a directory")
    if target.exists():
        if not os.access(target, os.W_OK):
            raise ComplianceError(f"-o {path}: not writable")
        return
    parent = _existing_parent(target)
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise ComplianceError(f"-o {path}: cannot create a file in {parent}")


def _existing_parent(target: Path) -> Path:
    parent = target.absolute().parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    return parent


@contextlib.contextmanager
def atomic_binary(path: str | None) -> Iterator[IO[bytes]]:
    """Yield a binary handle; for a path, write to a temp file and rename when done."""
    if _is_stdout(path):
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    assert path is not None
    try:
        with _opened(path) as fh:
            yield fh
    except OSError as exc:
        if exc.errno in _WRITE_ERRNOS:
            raise ComplianceError(f"cannot write {path}: {exc.strerror}") from None
        raise


@contextlib.contextmanager
def _opened(path: str) -> Iterator[IO[bytes]]:
    try:
        existing: os.stat_result | None = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        existing = None
    if existing is not None and stat.S_ISDIR(existing.st_mode):
        raise ComplianceError(f"-o {path}: is a directory")
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        with open(path, "wb") as fh:  # /dev/null, a FIFO, a terminal: written, never replaced
            yield fh
        return
    target = Path(os.path.realpath(path))  # a symlinked report is updated, the link kept
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
        mode = stat.S_IMODE(existing.st_mode) if existing is not None else NEW_REPORT_MODE
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
