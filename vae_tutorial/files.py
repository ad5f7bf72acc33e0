"""Reading a user's JSON file, and writing results so that an interrupted run never leaves a
half-written folder behind."""

from __future__ import annotations

import errno
import gc
import hashlib
import io
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

from vae_tutorial.errors import DataError


SHOWN = 90  # characters: a longer path is shown with its middle cut out

# what to do when the OS refuses a path, by errno
_FIXES = {
    errno.ENAMETOOLONG: "Use shorter names (at most 255 characters for each folder or file name).",
    errno.ELOOP: "A symbolic link on it points back at itself; pass the real path.",
    errno.EACCES: "Check its permissions (ls -l), or pass a path you can use.",
    errno.EPERM: "Check its permissions (ls -l), or pass a path you can use.",
    errno.ENOSPC: "Free some disk space, then rerun the same command.",
    errno.EDQUOT: "Free some disk space, then rerun the same command.",
    errno.EROFS: "Pass a folder on a disk you can write to.",
}


REFUSALS = frozenset(_FIXES)  # the errnos that mean "the OS refused this path", not a bug
NAME_MAX = 255  # bytes in one folder or file name, on every common file system


def shown(path) -> str:
    """``path`` for a one-line message: as given, with its middle cut out ("…") past SHOWN characters."""
    text = str(path)
    if len(text) <= SHOWN:
        return text
    half = (SHOWN - 1) // 2
    return f"{text[:half]}…{text[-half:]}"


def reason(exc: BaseException) -> str:
    """Why the OS or a library refused, in one line: the OS's ``strerror`` where it gave one; for
    a library's own text (h5py's spans lines and embeds "errno = 28"), the errno's ``strerror``."""
    if isinstance(exc, OSError) and exc.strerror:
        return " ".join(exc.strerror.split())
    number = errno_of(exc)
    return os.strerror(number) if number else " ".join(str(exc).split()) or type(exc).__name__


def errno_of(exc: BaseException) -> int | None:
    """The errno of an OS error, also where a library only wrote it into its message (h5py)."""
    if isinstance(exc, OSError) and exc.errno is not None:
        return exc.errno
    number = re.search(r"errno = (\d+)", str(exc))
    return int(number.group(1)) if number else None


def path_error(where: str, path, exc: OSError, doing: str = "opened", fix: str | None = None) -> DataError:
    """The DataError for a path the OS refused: "<where>: <path> cannot be <doing> (<strerror>).
    <what to do>" (``where`` is the argument, e.g. "folder"; the path is shortened for display)."""
    name = f"{shown(path)!r} " if str(path) != where else ""
    what = fix or _FIXES.get(errno_of(exc), "Check the path, its permissions and the disk.")
    return DataError(shown(where), f"{name}cannot be {doing} ({reason(exc)})", what)


def as_path(name: str, value) -> Path:
    """``value`` as a Path if it is a non-empty str or an ``os.PathLike`` (not bytes); else a
    DataError naming the argument ``name``."""
    if not isinstance(value, str | os.PathLike) or isinstance(os.fspath(value), bytes):
        raise DataError(name, f"must be a path (a str or pathlib.Path), got {type(value).__name__}", "Pass a path.")
    if not os.fspath(value).strip():
        raise DataError(name, "is an empty path", "Pass a path.")
    return Path(value)


def probe(where: str, path) -> os.stat_result | None:
    """``os.stat(path)`` (following links), None if nothing is there; a DataError (:func:`path_error`)
    if the OS refuses the path itself: a name too long, a symbolic-link loop, no permission."""
    long = next((part for part in Path(path).parts if len(os.fsencode(part)) > NAME_MAX), None)
    if long is not None:  # refused before a parent folder is created on the way to it
        raise path_error(where, path, OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG)))
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise path_error(where, path, exc) from None
    except ValueError as exc:  # a NUL byte in the path
        raise DataError(where, f"{shown(path)!r} is not a usable path ({exc})", "Pass a path without NUL.") from None


def make_room(folder, need: int) -> None:
    """An OSError (ENOSPC) unless the disk of ``folder`` has ``need`` bytes free, plus a tenth and
    1 MiB: checked before HDF5 writes a file there, since h5py cannot close a file that filled
    the disk (it keeps it open to the end and may crash the interpreter on the way out)."""
    free = shutil.disk_usage(folder).free
    if free < need * 1.1 + (1 << 20):
        raise OSError(
            errno.ENOSPC, f"{os.strerror(errno.ENOSPC)}: {free / 1e6:.1f} MB free, about {need / 1e6:.1f} MB needed"
        )


def release(exc: BaseException) -> None:
    """Let go now of what a failed write left open (h5py's file objects, held by the frames of
    ``exc``'s traceback), so that it is closed while the interpreter can still report it quietly,
    not torn down at exit, where h5py's finalizers print tracebacks and may crash the process."""
    traceback.clear_frames(exc.__traceback__)
    hook, stderr = sys.unraisablehook, sys.stderr
    sys.unraisablehook = lambda unraisable: None  # the second write error of a file being closed
    sys.stderr = io.StringIO()  # where h5py's finalizer prints it
    try:
        gc.collect()
    finally:
        sys.unraisablehook, sys.stderr = hook, stderr


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object as a dict; _DuplicateKey for a key given twice (json keeps the last, silently)."""
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen[key] = value
    return seen


def refuse_special(where: str, path, found: os.stat_result | None, fix: str) -> None:
    """A DataError if ``found`` (what :func:`probe` returned for ``path``) is neither a regular file nor
    a folder: a device or a pipe, which reading would never finish. ``where`` names the argument; the
    path is quoted in the problem when ``where`` is not the path itself."""
    if found is None or stat.S_ISREG(found.st_mode) or stat.S_ISDIR(found.st_mode):
        return
    problem = "is not a regular file (a device or a pipe)"
    raise DataError(where, problem if where == str(path) else f"{shown(path)!r} {problem}", fix)


def read_json(name: str, path):
    """The JSON value in the file ``path``; a DataError naming ``name`` (the argument or flag) if the
    file is missing, unreadable, not a regular file or not JSON."""
    refuse_special(name, path, probe(name, path), "Pass a JSON file.")
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"), object_pairs_hook=_unique_keys)
    except _DuplicateKey as key:
        raise DataError(
            name, f"{shown(path)!r} gives the key {key.args[0]!r} twice", "Keep one of them: JSON keeps only the last."
        ) from None
    except FileNotFoundError:
        raise DataError(name, f"{str(path)!r} does not exist", "Pass the path of an existing JSON file.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DataError(name, f"{str(path)!r} is not JSON ({error})", "Pass a JSON file.") from None
    except OSError as error:
        raise path_error(name, path, error, "read") from None


def sha256(path) -> str:
    """Hex sha256 of a file's bytes, read in blocks of 1 MiB."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_atomically(out, write: Callable[[Path], None], last: str = "model.keras") -> set[str]:
    """Let ``write(folder)`` fill a temporary folder beside ``out``, then move its files into
    ``out`` (created if needed), the file named ``last`` at the very end, so that its presence
    means every other file is complete; a ``last`` already in ``out`` is removed before the
    first move, and a file or folder of the same name is replaced. If ``write`` raises, ``out``
    is left as it was. Returns the names moved."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}.tmp-") as tmp:
        write(Path(tmp))
        out.mkdir(exist_ok=True)
        (out / last).unlink(missing_ok=True)
        moved = sorted(Path(tmp).iterdir(), key=lambda p: p.name == last)
        for file in moved:
            target = out / file.name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            file.replace(target)
    return {file.name for file in moved}
