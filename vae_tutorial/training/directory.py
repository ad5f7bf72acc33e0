"""The model directory: what every model kind trains into, resumes and reads back.

A model directory holds::

    model.keras       the trained model (loads in Keras' safe mode)
    config.json       format, kind ("images", "text", ...), the recipe, package versions, seed, data, training summary
    metrics.json      held-out figures (nats per image, or per chunk of a post)
    history.csv       one row per epoch (losses, val_neg_elbo, seconds)
    logs/             TensorBoard event files: ``tensorboard --logdir MODEL_DIR/logs``
    backup/           only while training: the checkpoints an interrupted run resumes from
    training.lock     only while a run trains into it: its PID and host (one run per folder)
    + per kind:       its own files (Kind.files): samples.png (images), tokenizer/ or vectorizer.json and
                      topics.json (text), ...

``model.keras`` is written last: a directory with it is finished, one with ``backup/`` was
interrupted (train again with the same arguments to resume), and :func:`read` refuses anything
else with a :class:`~vae_tutorial.errors.DataError` saying what is missing. :func:`training`
is how :func:`~vae_tutorial.training.run.train_into` owns a directory while it trains into it.
Light: the command line checks ``--out`` with :func:`check` before TensorFlow loads.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from vae_tutorial import __version__
from vae_tutorial.errors import DataError
from vae_tutorial.files import errno_of, probe, reason, release, write_atomically
from vae_tutorial.training import lock
from vae_tutorial.training.checkpoint import Checkpoints
from vae_tutorial.training.history import read_history, write_history

# 2: one format for image and text models (config.json says which), recipes recorded whole.
FORMAT = 2

COMMON_FILES = ("model.keras", "config.json", "metrics.json", "history.csv")


def files(kind, path=None) -> tuple[str, ...]:
    """The files of a finished model directory of ``kind`` (a Kind): the common ones and its own
    (read from the directory at ``path`` where they depend on how it was trained)."""
    return COMMON_FILES + (kind.files if path is None else kind.directory_files(Path(path)))


def _contents(out: Path) -> list[str]:
    """What ``out`` holds, but the lock file."""
    return sorted(p.name for p in out.iterdir() if p.name != lock.NAME)


def check(out, force: bool) -> None:
    """A DataError unless ``out`` can take a model directory: new, empty, interrupted (resumed), or
    finished and ``force``; and no live run trains into it. Changes nothing and imports no
    TensorFlow: the CLI calls it first."""
    out = Path(out)
    probe("out", out)
    for parent in out.parents:
        if probe("out", parent) is not None:
            if not parent.is_dir():
                raise DataError(str(out), f"cannot be created: {parent} is a file", "Pass a folder path.")
            break
    if out.exists() and not out.is_dir():
        raise DataError(str(out), "is a file, not a folder", "Pass a folder for the model directory.")
    lock.check(out)
    if (out / "model.keras").exists() and not force:
        if (out / "backup").is_dir():
            raise DataError(
                str(out),
                "holds a finished model and an interrupted run that was to replace it (--force)",
                "Rerun with force=True (--force) to resume that run; the model stays until it finishes.",
            )
        raise DataError(
            str(out),
            "already holds a finished model (model.keras)",
            "Pass another folder, or force=True (--force) to train a new model that replaces it when done.",
        )
    if out.is_dir() and _contents(out) and not (out / "model.keras").exists() and not (out / "backup").is_dir():
        raise DataError(  # force too: it replaces a model, never a folder of someone's files
            str(out),
            f"is not empty and holds no model (it has {', '.join(_contents(out)[:5])})",
            "Pass a new or empty folder.",
        )


def _remove(out: Path, names) -> None:
    for name in names:
        path = out / name
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink(missing_ok=True)


def _sweep(out: Path) -> None:
    """Remove the temporary folders that a run killed while writing left beside ``out``."""
    for tmp in out.parent.glob(f".{out.name}.tmp-*"):
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def training(out, kind, force: bool, plan: dict, announce: Callable[[bool], None] | None = None) -> Iterator[Path]:
    """Own ``out`` while training a model of ``kind`` into it; yields its ``backup/`` folder.

    :func:`check` it, take its lock (a second run is refused, naming this one's PID), sweep what
    a killed run left, and compare ``plan`` (JSON-ready settings, the data's checksum included)
    with that of an interrupted run: the same plan resumes it, another is refused. ``force``
    sets aside an interrupted run with another plan and starts over; a finished model stays
    where it is, readable, until :func:`finish` replaces it with the new one, so an interrupted
    ``force`` run loses nothing and the same command, ``force`` or not, always resumes its own
    run. ``announce(resuming)`` is called once all that is settled, before training starts. A
    full disk is a DataError. The lock goes when the block ends, however it ends."""
    out = Path(out)
    check(out, force)
    written = _other_kind(out, kind) if (out / "model.keras").exists() else None
    if written is not None:
        raise DataError(
            str(out),
            f"holds a model of kind {written!r}; force replaces a model of the same kind ({kind.name!r}) only",
            "Pass another folder.",
        )
    with lock.DirectoryLock(out), _disk_full_is_one_line(out):
        _sweep(out)
        changed = _changes(out / "backup", plan)
        if force and changed:
            changed = None
            _remove(out, ("backup", "logs"))
        elif force and changed is None and (out / "model.keras").exists():
            _remove(out, ("logs",))  # the replaced model's TensorBoard events
        check_resume(out / "backup", plan)
        if announce is not None:
            announce(changed is not None)
        yield out / "backup"


@contextlib.contextmanager
def _disk_full_is_one_line(out: Path) -> Iterator[None]:
    """A full disk (ENOSPC, EDQUOT) while writing ``out`` becomes a DataError saying what to do."""
    try:
        yield
    except OSError as exc:
        if errno_of(exc) not in (errno.ENOSPC, errno.EDQUOT):
            raise
        release(exc)
        raise DataError(
            str(out),
            f"could not be written ({reason(exc)})",
            "Free some disk space, then rerun the same command: it resumes from its last checkpoint.",
        ) from None


def _flat(plan: dict) -> dict:
    """A plan with its nested dicts (the recipe) spread out, so that a refusal names the setting."""
    flat = {}
    for key, value in plan.items():
        flat.update(value if isinstance(value, dict) else {key: value})
    return flat


def _changes(backup: Path, plan: dict) -> list[str] | None:
    """How ``plan`` differs from the plan of the interrupted run in ``backup`` ("key old -> new");
    None if there is no interrupted run to resume (no plan, or no checkpoint yet)."""

    try:
        saved = json.loads((backup / "plan.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(saved, dict) or Checkpoints(backup).latest() is None:
        return None
    saved, plan = _flat(saved), _flat(plan)
    return [f"{key} {_brief(saved.get(key))} -> {_brief(plan[key])}" for key in plan if saved.get(key) != plan[key]]


def _brief(value) -> str:
    """A plan's value for a one-line message: a long list (the training posts' ids) by its length."""
    return f"({len(value)} items)" if isinstance(value, list) and len(value) > 4 else repr(value)


def check_resume(backup: Path, plan: dict) -> None:
    """An interrupted run resumes only with the settings it started with (``plan``, JSON-ready).
    A run that stopped before its first checkpoint holds nothing to resume: its plan is replaced."""
    changed = _changes(backup, plan)
    if changed is None:
        backup.mkdir(parents=True, exist_ok=True)
        tmp = backup / ".plan.json.tmp"
        tmp.write_text(json.dumps(plan, indent=2), encoding="utf-8")
        tmp.replace(backup / "plan.json")
    elif changed:
        raise DataError(
            str(backup.parent),
            f"holds an interrupted run with other settings ({'; '.join(changed)})",
            "Rerun with the same data and settings to resume, or force=True (--force) to start over.",
        )


def data_checksum(*arrays) -> str:
    """The first 16 hex digits of the sha256 of ``arrays``' bytes: a plan's record of its data,
    so that an interrupted run never resumes on other data of the same size."""

    digest = hashlib.sha256()
    for array in arrays:
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:16]


def config(kind, seed: int, recipe, data: dict, training: dict, versions: dict) -> dict:
    """config.json of a model directory: format, kind, versions, seed, the recipe whole, data, training."""
    return {
        "format": FORMAT,
        "kind": kind.name,
        "versions": versions,
        "seed": seed,
        "recipe": recipe.to_dict(),
        "data": data,
        "training": training,
    }


def finish(out: Path, kind, write: Callable[[Path], None], history: list[dict]) -> None:
    """Write the finished directory: ``write(folder)`` fills a temporary folder with everything but
    history.csv, written from ``history`` (the last checkpoint's rows); model.keras arrives last.
    A model that was there (``force``) is replaced: its model.keras goes first, so that the
    folder is never taken for a finished mix of two models, and its files that the new one does
    not have go at the end. Then the backup goes."""

    def write_all(folder: Path) -> None:
        write_history(history, folder / "history.csv")
        write(folder)

    old = {*files(kind, out), *kind.all_files} if (out / "model.keras").exists() else set()
    new = write_atomically(out, write_all)
    _remove(out, sorted({name.split("/")[0] for name in old} - new))
    shutil.rmtree(out / "backup", ignore_errors=True)


def written_by(path: Path) -> str:
    """The vae_tutorial version that config.json of a model directory names, or "an unknown version"."""
    try:
        return json.loads((path / "config.json").read_text(encoding="utf-8"))["versions"]["vae_tutorial"]
    except (OSError, ValueError, KeyError, TypeError):
        return "an unknown version"


def _other_kind(path: Path, kind) -> str | None:
    """The kind that the folder's config.json names, if it is there, readable and not ``kind``'s."""
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):  # missing, a folder, unreadable, not JSON
        return None
    written = config.get("kind") if isinstance(config, dict) else None
    return written if written is not None and written != kind.name else None


def read(path, kind) -> tuple[dict, dict, dict[str, list[float]]]:
    """(config, metrics, history) of a finished model directory of ``kind`` (a Kind); a DataError
    saying what is wrong with it (missing, interrupted, unreadable, another format or kind) otherwise."""
    path = Path(path)
    command = kind.how
    probe(str(path), path)
    if not path.is_dir():
        raise DataError(str(path), "no such model directory", f"Pass the --out folder of {command}.")
    written = _other_kind(path, kind)
    if written is not None:
        raise DataError(
            str(path), f"holds a model of kind {written!r}, not {kind.name!r}", f"Pass a folder written by {command}."
        )
    missing = [name for name in files(kind, path) if not (path / name).is_file()]
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
    except (OSError, ValueError) as exc:
        raise DataError(
            str(path), f"has an unreadable config.json or metrics.json ({exc})", "Train it again."
        ) from None
    if not isinstance(metrics, dict):
        raise DataError(str(path / "metrics.json"), "is not a JSON object", "Train it again.")
    config = config if isinstance(config, dict) else {}
    if config.get("format") != FORMAT:
        versions_ = config.get("versions")
        written_by = versions_.get("vae_tutorial") if isinstance(versions_, dict) else None
        older = (
            f" or read it with the version that wrote it (pip install vae-tutorial=={written_by})" if written_by else ""
        )
        raise DataError(
            str(path / "config.json"),
            f"is model-directory format {config.get('format')!r} (written by vae_tutorial "
            f"{written_by or 'an unknown version'}); this version ({__version__}) reads format {FORMAT}",
            f"Train the model again with this version ({command} --force){older}.",
        )
    if config.get("kind") != kind.name:
        raise DataError(
            str(path),
            f"holds a model of kind {config.get('kind')!r}, not {kind.name!r}",
            f"Pass a folder written by {command}.",
        )
    return config, metrics, read_history(path / "history.csv")
