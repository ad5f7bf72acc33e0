"""The figures of every epoch of a run: the rows its checkpoints keep, history.csv, and the columns a
loaded model directory returns."""

from __future__ import annotations

import csv
from pathlib import Path

from vae_tutorial.errors import DataError
from vae_tutorial.training.checkpoint import Checkpoints


def rows_of(backup: Path) -> list[dict]:
    """The history rows ({"epoch": 0, "loss": ..., ...}) of the last checkpoint in ``backup``."""

    saved = Checkpoints(backup).latest()
    return [] if saved is None else saved.state["history"]


def by_column(rows: list[dict]) -> dict[str, list]:
    """History rows as {column: values per epoch}, what :func:`read_history` returns."""
    return {key: [row.get(key) for row in rows] for key in (rows[0] if rows else {})}


def write_history(rows: list[dict], path: Path) -> None:
    """history.csv: one row per epoch; the columns epoch, then the logs' names, sorted."""
    columns = ["epoch", *sorted({key for row in rows for key in row} - {"epoch"})]
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, columns)
        writer.writeheader()
        writer.writerows(rows)


def read_history(path: Path) -> dict[str, list[float]]:
    """history.csv as {column: values per epoch}; a DataError naming the file if it is not one."""
    try:
        with path.open(newline="", encoding="utf-8") as file:
            rows = list(csv.DictReader(file))
        return {key: [float(row[key]) for row in rows] for key in (rows[0] if rows else {})}
    except (OSError, UnicodeDecodeError, ValueError, TypeError, csv.Error) as exc:
        raise DataError(str(path), f"is not a readable history ({exc})", "Train the model again.") from None
