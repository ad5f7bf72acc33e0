"""One owner per model directory: a lock held while a run trains into it.

``training.lock`` is locked by the operating system (``flock``; ``msvcrt.locking`` on Windows)
for as long as the training process lives, and holds the owner's PID, host and start time for
the message a second run gets. The kernel releases the lock when its process ends, however it
ends (a kill -9, a crash), so a lock is never stale for long: the next run takes it over and
says so. Of two runs that start together exactly one gets it; a recycled PID cannot fool it.
"""

from __future__ import annotations

import datetime
import json
import os
import socket
import sys
from pathlib import Path

from vae_tutorial.errors import DataError

if os.name == "nt":  # the operating system's file lock: msvcrt on Windows, flock elsewhere
    import msvcrt
else:
    import fcntl

NAME = "training.lock"
_FAR = 1 << 20  # Windows locks a byte range: one byte past the JSON, so that others can still read it


def _try_lock(fd: int) -> bool:
    """Lock the open file ``fd`` for this process, without waiting; False if another holds it."""
    try:
        if os.name == "nt":
            os.lseek(fd, _FAR, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _owner(path: Path) -> dict:
    """What the lock file says about its owner (empty if it says nothing readable)."""
    try:
        owner = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return owner if isinstance(owner, dict) else {}


def holder(out) -> dict | None:
    """Who holds the lock of ``out`` (pid, host, started) if a live process does, else None."""
    path = Path(out) / NAME
    try:
        fd = os.open(path, os.O_RDWR)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError:  # unreadable: treat it as held rather than train over someone's run
        return {}
    try:
        if _try_lock(fd):
            return None  # nobody holds it (closing the file releases our probe)
        return _owner(path)
    finally:
        os.close(fd)


def _busy(out: Path, owner: dict) -> DataError:
    who = f"PID {owner.get('pid', '?')} on {owner.get('host', '?')}, started {owner.get('started', '?')}"
    return DataError(
        str(out),
        f"is being trained by another run ({who})",
        "Wait for it to finish, or pass another folder as out=.",
    )


def check(out) -> None:
    """A DataError if a live run holds ``out``."""
    owner = holder(out)
    if owner is not None:
        raise _busy(Path(out), owner)


class DirectoryLock:
    """``with DirectoryLock(out):`` hold ``out/training.lock`` (``out`` is created); a DataError
    naming the owner if another run holds it."""

    def __init__(self, out):
        self.out = Path(out)
        self.path = self.out / NAME
        self.fd = None

    def __enter__(self) -> DirectoryLock:
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            return self._take()
        except OSError as exc:
            raise DataError(
                str(self.out), f"cannot be written ({exc.strerror or exc})", "Pass a folder you can write to."
            ) from None

    def _take(self) -> DirectoryLock:
        while True:
            fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o644)
            if not _try_lock(fd):
                os.close(fd)
                raise _busy(self.out, _owner(self.path))
            try:  # the file we locked must still be the one at the path (not unlinked by its last owner)
                if os.fstat(fd).st_ino == os.stat(self.path).st_ino or os.name == "nt":
                    break
            except FileNotFoundError:
                pass
            os.close(fd)
        self.fd = fd
        previous = _owner(self.path)
        if previous:
            print(
                f"vae-tutorial: taking over the lock of {self.out} from a run that is gone "
                f"(PID {previous.get('pid', '?')}, started {previous.get('started', '?')})",
                file=sys.stderr,
            )
        started = datetime.datetime.now().isoformat(timespec="seconds")
        text = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": started})
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            os.ftruncate(fd, 0)
            os.write(fd, text.encode("utf-8"))
        except OSError:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is None:
            return
        if os.name == "nt":  # Windows cannot remove an open file
            os.close(self.fd)
            self.path.unlink(missing_ok=True)
        else:  # remove it while still holding it, so that nobody locks a file about to vanish
            self.path.unlink(missing_ok=True)
            os.close(self.fd)
        self.fd = None
