"""Files on disk: an atomic write through an exclusive temporary file, and opening regular files only.

``write_atomically`` writes into a fresh, randomly named file in the target's folder, created
with ``O_EXCL`` (it fails rather than open anything already there, a planted symlink
included), flushes it to disk, then renames it over the target with ``os.replace``, which is
atomic: a reader sees the old file or the new one, never half of one, and saves of the same
path from several threads each finish with a complete file (the last rename wins).

``open_regular_file`` refuses directories, pipes and devices before opening them, so that
``load("/dev/zero")`` or a named pipe fails at once instead of reading forever or blocking.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Callable
from typing import IO

# O_EXCL: fail on any existing name, a symlink included (O_NOFOLLOW says so once more).
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
# O_NONBLOCK: if a FIFO appears between the check and the open, opening it must not wait for a writer.
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def write_atomically(path: str, write: Callable[[IO[bytes]], None]) -> None:
    """Call ``write(file)`` on a new temporary file next to ``path``, then move it onto ``path``.

    If anything fails (``write`` raising, a full disk, an interrupt), the temporary file is
    removed and ``path`` is left as it was. A symlink at ``path`` is replaced, not followed.
    """
    descriptor, temporary = _create_temporary(os.path.dirname(path) or ".", os.path.basename(path))
    try:
        with os.fdopen(descriptor, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())  # on disk before the rename, so a crash leaves the old or the new file
        os.replace(temporary, path)
    except BaseException:
        try:
            os.remove(temporary)
        except FileNotFoundError:
            pass
        raise


def _create_temporary(folder: str, name: str) -> tuple[int, str]:
    """Create ``.{name}.{random}.tmp`` in ``folder`` exclusively; return its descriptor and path.

    Like ``tempfile.mkstemp``, except that the file gets the usual permissions (0o666 minus
    the umask): mkstemp's 0o600 would make every checkpoint private to its owner.
    """
    for _ in range(100):
        temporary = os.path.join(folder, f".{name[:100]}.{secrets.token_hex(8)}.tmp")
        try:
            return os.open(temporary, _CREATE_FLAGS, 0o666), temporary
        except FileExistsError:  # someone else's file (or a planted link) under that name: draw another
            continue
    raise FileExistsError(f"save: could not create a temporary file in {folder!r} (100 names were taken)")


def open_regular_file(path: str) -> IO[bytes]:
    """Open ``path`` for reading if it is a regular file (symlinks to one are fine).

    A missing file raises ``FileNotFoundError``, a directory ``IsADirectoryError``, and a
    FIFO, socket or device ``ValueError``, all before anything is read.
    """
    try:
        _require_regular(os.stat(path).st_mode, path)
    except FileNotFoundError:
        raise FileNotFoundError(f"no such file: {path!r}") from None
    descriptor = os.open(path, _READ_FLAGS)
    try:
        _require_regular(os.fstat(descriptor).st_mode, path)  # the name may point elsewhere since the stat
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def _require_regular(mode: int, path: str) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(f"{path!r} is a directory, not an .npz file")
    kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a character device" if stat.S_ISCHR(mode)
            else "a block device" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "not a file")
    raise ValueError(f"{path!r} is {kind}, not a regular file: load reads only regular files, so that it can "
                     "never block on a pipe or read a device forever")
