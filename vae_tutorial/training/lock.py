"""One owner per model directory: a lock file held while a run trains into it.

``training.lock`` holds the owner's PID, host and start time; it is created with ``O_EXCL``
(atomically: of two runs that start together, exactly one gets it). A second run on the same
folder is refused with a DataError naming the owner. A lock whose process is gone (same host,
PID not running, e.g. after a kill -9) is stale: the next run takes it over and says so.
"""

from __future__ import annotations

import datetime
import json
import os
import socket
import sys
import time
from pathlib import Path

from vae_tutorial.errors import DataError

NAME = "training.lock"
# A lock file still empty after this many seconds was left by a process killed while creating it.
EMPTY_GRACE_S = 10.0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def holder(out) -> dict | None:
    """Who holds the lock of ``out`` (pid, host, started), if a live process does; None if the
    folder is free or its lock is stale."""
    path = Path(out) / NAME
    try:
        text = path.read_text(encoding="utf-8")
        age = time.time() - path.stat().st_mtime
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError:
        return {"pid": "?", "host": "?", "started": "?"}
    try:
        owner = json.loads(text)
        pid, host = int(owner["pid"]), str(owner["host"])
    except (ValueError, KeyError, TypeError):
        return None if age > EMPTY_GRACE_S else {"pid": "?", "host": "?", "started": "just now"}
    if host == socket.gethostname() and not _alive(pid):
        return None
    return owner


def _busy(out: Path, owner: dict) -> DataError:
    return DataError(
        str(out),
        f"is being trained by another run (PID {owner.get('pid')} on {owner.get('host')}, "
        f"started {owner.get('started')})",
        "Wait for it to finish, or pass another folder as out=.",
    )


def check(out) -> None:
    """A DataError if a live run holds ``out``."""
    owner = holder(out)
    if owner is not None:
        raise _busy(Path(out), owner)


class DirectoryLock:
    """``with DirectoryLock(out):`` hold ``out/training.lock`` (``out`` is created)."""

    def __init__(self, out):
        self.out = Path(out)
        self.path = self.out / NAME

    def __enter__(self) -> DirectoryLock:
        self.out.mkdir(parents=True, exist_ok=True)
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                owner = holder(self.out)
                if owner is not None:
                    raise _busy(self.out, owner) from None
                print(f"vae-tutorial: taking over the stale lock of {self.out} (its run is gone)", file=sys.stderr)
                self.path.unlink(missing_ok=True)
                continue
            started = datetime.datetime.now().isoformat(timespec="seconds")
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                json.dump({"pid": os.getpid(), "host": socket.gethostname(), "started": started}, file)
            return self
        raise _busy(self.out, {"pid": "?", "host": "?", "started": "just now"})

    def __exit__(self, *exc) -> None:
        try:
            owner = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if owner.get("pid") == os.getpid():
            self.path.unlink(missing_ok=True)
