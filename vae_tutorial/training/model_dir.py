"""The model directory: what ``train-images`` and ``train-text`` write, resume and read back.

A model directory holds::

    model.keras       the trained model (loads in Keras' safe mode)
    config.json       format, kind ("images" or "text"), the recipe, package versions, seed, data, training summary
    metrics.json      held-out figures (nats per image, or per chunk of a post)
    history.csv       one row per epoch (losses, val_neg_elbo, seconds)
    logs/             TensorBoard event files: ``tensorboard --logdir MODEL_DIR/logs``
    backup/           only while training: what an interrupted run resumes from
    + per kind:       vectorizer.json (text), samples.png (images)

``model.keras`` is written last: a directory with it is finished, one with ``backup/`` was
interrupted (train again with the same arguments to resume), and :func:`read` refuses anything
else with a :class:`~vae_tutorial.errors.DataError` saying what is missing.
"""

from __future__ import annotations

import csv
import json
import platform
import shutil
from collections.abc import Callable
from pathlib import Path

from vae_tutorial import __version__
from vae_tutorial.errors import DataError
from vae_tutorial.files import write_atomically

# 2: one format for image and text models (config.json says which), recipes recorded whole.
FORMAT = 2
COMMON_FILES = ("model.keras", "config.json", "metrics.json", "history.csv")
KIND_FILES = {"text": ("vectorizer.json",), "images": ("samples.png",)}
COMMANDS = {"text": "vae-tutorial train-text", "images": "vae-tutorial train-images"}


def files(kind: str) -> tuple[str, ...]:
    """The files of a finished model directory of ``kind``."""
    return COMMON_FILES + KIND_FILES[kind]


def versions() -> dict[str, str]:
    """The versions that trained a model, for config.json."""
    import numpy as np

    from vae_tutorial._backend import keras, tf

    return {
        "vae_tutorial": __version__,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def check(out, force: bool) -> None:
    """A DataError unless ``out`` can take a model directory: new, empty, interrupted (resumed), or
    finished and ``force``. Changes nothing and imports no TensorFlow: the CLI calls it first."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise DataError(str(out), "is a file, not a folder", "Pass a folder for the model directory.")
    if (out / "model.keras").exists() and not force:
        raise DataError(
            str(out),
            "already holds a finished model (model.keras)",
            "Pass another folder, or force=True (--force) to train a new model over it.",
        )
    if not force and out.is_dir() and any(out.iterdir()) and not (out / "backup").is_dir():
        raise DataError(
            str(out),
            f"is not empty and holds no model (it has {', '.join(sorted(p.name for p in out.iterdir())[:5])})",
            "Pass a new or empty folder.",
        )
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise DataError(str(out), f"cannot be created: {parent} is a file", "Pass a folder path.")
            break


def prepare(out: Path, kind: str, force: bool) -> None:
    """:func:`check` ``out`` before anything is trained; with ``force``, clear a finished or
    interrupted run of ``kind`` to start over."""
    check(out, force)
    if force:
        for name in (*files(kind), "logs", "backup"):
            path = out / name
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)


def _flat(plan: dict) -> dict:
    """A plan with its nested dicts (the recipe) spread out, so that a refusal names the setting."""
    flat = {}
    for key, value in plan.items():
        flat.update(value if isinstance(value, dict) else {key: value})
    return flat


def check_resume(backup: Path, plan: dict) -> None:
    """An interrupted run resumes only with the settings it started with (``plan``, JSON-ready)."""
    saved_path = backup / "plan.json"
    if not saved_path.exists():
        backup.mkdir(parents=True, exist_ok=True)
        saved_path.write_text(json.dumps(plan, indent=2))
        return
    saved, plan = _flat(json.loads(saved_path.read_text())), _flat(plan)
    changed = [f"{key} {saved.get(key)!r} -> {plan[key]!r}" for key in plan if saved.get(key) != plan[key]]
    if changed:
        raise DataError(
            str(backup.parent),
            f"holds an interrupted run with other settings ({'; '.join(changed)})",
            "Rerun with the same data and settings to resume, or force=True (--force) to start over.",
        )


def callbacks(out: Path) -> list:
    """What every run that writes a model directory logs and backs up (Keras callbacks): a CSV log
    and the backup in ``out/backup`` (rerun to resume), TensorBoard logs in ``out/logs``."""
    from vae_tutorial._backend import keras

    backup = out / "backup"
    return [
        keras.callbacks.CSVLogger(str(backup / "history.csv"), append=True),
        keras.callbacks.TensorBoard(str(out / "logs"), write_graph=False, profile_batch=0),
        keras.callbacks.BackupAndRestore(str(backup), delete_checkpoint=False),
    ]


def read_history(path: Path) -> dict[str, list[float]]:
    """history.csv as {column: values per epoch}."""
    with path.open(newline="") as file:
        rows = list(csv.DictReader(file))
    return {key: [float(row[key]) for row in rows] for key in (rows[0] if rows else {})}


def finish(out: Path, write: Callable[[Path], None]) -> None:
    """Write the finished directory: ``write(folder)`` fills a temporary folder with everything but
    history.csv, which comes from the backup; model.keras arrives last; then the backup goes."""
    backup = out / "backup"

    def write_all(folder: Path) -> None:
        shutil.copy(backup / "history.csv", folder / "history.csv")
        write(folder)

    write_atomically(out, write_all)
    shutil.rmtree(backup)


def _kind_of(path: Path) -> str | None:
    """The kind that config.json names, if it is there and readable."""
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return config.get("kind") if isinstance(config, dict) else None


def read(path, kind: str) -> tuple[dict, dict, dict[str, list[float]]]:
    """(config, metrics, history) of a finished model directory of ``kind``; a DataError saying what
    is wrong with it (missing, interrupted, unreadable, another format or kind) otherwise."""
    path = Path(path)
    command = COMMANDS[kind]
    if not path.is_dir():
        raise DataError(str(path), "no such model directory", f"Pass the --out folder of {command}.")
    written = _kind_of(path)
    if written is not None and written != kind:
        raise DataError(
            str(path), f"holds a model of kind {written!r}, not {kind!r}", f"Pass a folder written by {command}."
        )
    missing = [name for name in files(kind) if not (path / name).exists()]
    if missing:
        fix = (
            f"Its training was interrupted: rerun {command} with the same --out to finish it."
            if (path / "backup").is_dir()
            else f"Pass a folder written by {command}."
        )
        raise DataError(str(path), f"is not a complete model directory: it lacks {', '.join(missing)}", fix)
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        metrics = json.loads((path / "metrics.json").read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(
            str(path), f"has an unreadable config.json or metrics.json ({exc})", "Train it again."
        ) from None
    config = config if isinstance(config, dict) else {}
    if config.get("format") != FORMAT:
        written_by = config.get("versions", {}).get("vae_tutorial")
        older = (
            f" or read it with the version that wrote it (pip install vae-tutorial=={written_by})" if written_by else ""
        )
        raise DataError(
            str(path / "config.json"),
            f"is model-directory format {config.get('format')!r} (written by vae_tutorial "
            f"{written_by or 'an unknown version'}); this version ({__version__}) reads format {FORMAT}",
            f"Train the model again with this version ({command} --force){older}.",
        )
    if config.get("kind") != kind:
        raise DataError(
            str(path),
            f"holds a model of kind {config.get('kind')!r}, not {kind!r}",
            f"Pass a folder written by {command}.",
        )
    return config, metrics, read_history(path / "history.csv")
