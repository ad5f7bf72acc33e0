"""Writing results so that an interrupted run never leaves a half-written folder behind."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path


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
