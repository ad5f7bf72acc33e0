"""Reading a user's JSON file, and writing results so that an interrupted run never leaves a
half-written folder behind."""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable
from pathlib import Path

from vae_tutorial.errors import DataError


def read_json(name: str, path):
    """The JSON value in the file ``path``; a DataError naming ``name`` (the argument or flag) if the
    file is missing, unreadable or not JSON."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(name, f"{str(path)!r} does not exist", "Pass the path of an existing JSON file.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DataError(name, f"{str(path)!r} is not JSON ({error})", "Pass a JSON file.") from None
    except OSError as error:
        problem = f"{str(path)!r} cannot be read ({error.strerror or error})"
        raise DataError(name, problem, "Check its permissions.") from None


def sha256(path) -> str:
    """Hex sha256 of a file's bytes, read in blocks of 1 MiB."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_atomically(out, write: Callable[[Path], None], last: str = "model.keras") -> None:
    """Let ``write(folder)`` fill a temporary folder beside ``out``, then move its files into
    ``out`` (created if needed), the file named ``last`` at the very end, so that its presence
    means every other file is complete. If ``write`` raises, ``out`` is left as it was."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}.tmp-") as tmp:
        write(Path(tmp))
        out.mkdir(exist_ok=True)
        for file in sorted(Path(tmp).iterdir(), key=lambda p: p.name == last):
            file.replace(out / file.name)
