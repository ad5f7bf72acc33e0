"""Crash-consistent training state: what an interrupted run resumes from.

After every epoch, :class:`Checkpoints` writes the whole training state into a new folder
``backup/epoch-NNNN/``: ``model.weights.h5`` (the model's weights and the optimizer's variables) and
``state.json`` (the epoch, the history rows so far, the callbacks' own state such as early
stopping's, the random state of Python, NumPy and every Keras ``SeedGenerator``, and the
sha256 of ``model.weights.h5``). It is written as ``backup/.tmp-epoch-NNNN`` and renamed into place:
the rename is the commit point, so a Ctrl-C, a kill or a full disk at any moment leaves either
the new checkpoint or none, never half of one. The previous checkpoint stays until a newer one
is complete (and the best epoch's, which early stopping restores at the end).

On resume, :meth:`Checkpoints.latest` takes the newest checkpoint whose ``model.weights.h5`` matches
its checksum, says in one line if it had to skip a damaged one, and :func:`restore` puts the
model, the optimizer and the random state back exactly: a resumed run computes what an
uninterrupted one would have (``tests/test_faults.py`` compares them).
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import shutil
import sys
from pathlib import Path

import numpy as np

from vae_tutorial.errors import DataError
from vae_tutorial.files import make_room, reason, release, sha256

PREFIX, TMP_PREFIX = "epoch-", ".tmp-epoch-"


@dataclasses.dataclass
class Saved:
    """A committed checkpoint: ``epochs`` finished epochs, its ``state`` and its folder."""

    epochs: int
    state: dict
    folder: Path

    @property
    def weights(self) -> Path:
        return self.folder / "model.weights.h5"


def _fsync(path: Path) -> None:
    """Flush a file or a folder entry to disk, so that a power cut cannot reorder the commit."""
    if os.name == "nt" and path.is_dir():  # Windows cannot open a folder to flush it
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _seed_states(model) -> list:
    """The variables of ``model`` that are not weights: the states of its Keras SeedGenerators
    (dropout, sampling), which ``save_weights`` leaves out. In the model's own order."""
    weights = {id(w) for w in model.weights}
    return [v for v in model.variables if id(v) not in weights]


def random_state(model) -> dict:
    """Python's, NumPy's and the model's SeedGenerators' random state, JSON-ready."""
    version, internal, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    return {
        "python": [version, list(internal), gauss],
        "numpy": [name, keys.tolist(), int(pos), int(has_gauss), float(cached)],
        "seed_generators": [np.asarray(v.numpy()).tolist() for v in _seed_states(model)],
    }


def set_random_state(model, state: dict) -> None:
    """Put back what :func:`random_state` saved."""
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    name, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((name, np.array(keys, np.uint32), pos, has_gauss, cached))
    for variable, value in zip(_seed_states(model), state["seed_generators"], strict=True):
        variable.assign(np.asarray(value, dtype=variable.dtype))


def _epochs_of(folder: Path) -> int:
    return int(folder.name[len(PREFIX) :])


class Checkpoints:
    """The committed training state of a run in ``folder`` (a model directory's ``backup/``)."""

    def __init__(self, folder):
        self.folder = Path(folder)

    def _committed(self) -> list[Path]:
        """Checkpoint folders, newest first."""
        if not self.folder.is_dir():
            return []
        found = [p for p in self.folder.iterdir() if p.is_dir() and p.name[len(PREFIX) :].isdigit()]
        return sorted(found, key=_epochs_of, reverse=True)

    def sweep(self) -> None:
        """Remove half-written checkpoints that an interrupted write left behind."""
        if self.folder.is_dir():
            for path in self.folder.glob(f"{TMP_PREFIX}*"):
                shutil.rmtree(path, ignore_errors=True)

    @staticmethod
    def _read(folder: Path) -> Saved | None:
        """The checkpoint in ``folder`` if its state.json reads and model.weights.h5 matches its
        sha256; None if it is damaged (a file missing, cut short, not JSON). A file that cannot
        be read now (permissions, an I/O error) is a DataError: the checkpoint may be sound."""
        try:
            state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
            if sha256(folder / "model.weights.h5") != state["sha256"]:
                return None
            return Saved(int(state["epochs"]), state, folder)
        except (FileNotFoundError, IsADirectoryError, ValueError, KeyError, TypeError):
            return None
        except OSError as exc:
            raise DataError(
                str(folder), f"cannot be read ({exc.strerror or exc})", "Check the folder's permissions and disk."
            ) from None

    def latest(self) -> Saved | None:
        """The newest sound checkpoint (None: start from scratch). A damaged newer one is
        set aside with one line on stderr saying which epoch the run resumes from instead."""
        damaged = []
        for folder in self._committed():
            saved = self._read(folder)
            if saved is not None:
                if damaged:
                    print(
                        f"vae-tutorial: the backup of {', '.join(p.name for p in damaged)} is damaged; "
                        f"resuming from {folder.name} instead",
                        file=sys.stderr,
                    )
                    for path in damaged:
                        shutil.rmtree(path, ignore_errors=True)
                return saved
            damaged.append(folder)
        if damaged:
            print(f"vae-tutorial: every backup in {self.folder} is damaged; starting from epoch 0", file=sys.stderr)
            for path in damaged:
                shutil.rmtree(path, ignore_errors=True)
        return None

    def weights_of(self, epochs: int) -> Path | None:
        """model.weights.h5 of the checkpoint after ``epochs`` epochs, if it is there and sound."""
        saved = self._read(self.folder / f"{PREFIX}{epochs:04d}")
        return None if saved is None else saved.weights

    def save(self, model, epochs: int, state: dict, keep: set[int] = frozenset()) -> None:
        """Commit the state after ``epochs`` finished epochs; then drop all older checkpoints but
        the previous one and those in ``keep`` (epoch counts, e.g. early stopping's best).

        A write that fails (a full disk) leaves the committed checkpoints as they were and
        raises a DataError saying so."""
        final = self.folder / f"{PREFIX}{epochs:04d}"
        tmp = self.folder / f"{TMP_PREFIX}{epochs:04d}"
        try:
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            make_room(tmp, weights_bytes(model))
            write_weights(model, tmp / "model.weights.h5")
            state = {**state, "epochs": epochs, "sha256": sha256(tmp / "model.weights.h5")}
            (tmp / "state.json").write_text(json.dumps(state), encoding="utf-8")
            for path in (tmp / "model.weights.h5", tmp / "state.json", tmp):
                _fsync(path)
            if final.exists():  # a damaged checkpoint of this epoch, set aside by latest()
                shutil.rmtree(final)
            commit(tmp, final)
            _fsync(self.folder)
        except OSError as exc:
            release(exc)
            shutil.rmtree(tmp, ignore_errors=True)
            previous = self.latest()
            resume = f"epoch {previous.epochs}" if previous else "the start"
            raise DataError(
                str(self.folder),
                f"could not write the backup of epoch {epochs} ({reason(exc)})",
                f"Free some disk space, then rerun the same command: it resumes from {resume}.",
            ) from None
        except BaseException:  # Ctrl-C: the committed checkpoints are untouched
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        for folder in self._committed()[2:]:
            if _epochs_of(folder) not in keep:
                shutil.rmtree(folder, ignore_errors=True)


def weights_bytes(model) -> int:
    """Bytes of the model's variables and its optimizer's: about the size of its weights file."""
    variables = list(model.variables) + (list(model.optimizer.variables) if model.optimizer is not None else [])
    return sum(int(np.prod(v.shape)) * np.dtype(v.dtype).itemsize for v in variables)


def write_weights(model, path: Path) -> None:
    """The model's weights and its optimizer's variables, in Keras' ``.weights.h5`` format."""
    model.save_weights(path)


def commit(tmp: Path, final: Path) -> None:
    """The commit point of a checkpoint: one rename."""
    tmp.rename(final)


def restore(model, saved: Saved) -> None:
    """Load a checkpoint into a built, compiled ``model``: weights, optimizer, random state."""
    if model.optimizer is not None and not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    model.load_weights(saved.weights)
    set_random_state(model, saved.state["random"])
