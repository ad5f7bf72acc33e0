"""Training a model kind in memory or into a model directory, and loading a finished directory.

:func:`train_into` owns what every kind shares: the plan of the run and its comparison with an
interrupted one, the directory's lock, a checkpoint per epoch and resuming from it, early stopping
(for a recipe with ``patience``), the training summary, and the final files written atomically
(``model.keras`` last). The kind (a :class:`~vae_tutorial.training.kinds.Kind`, which calls these
through its methods) supplies its data, its model, its report and its own files.
"""

from __future__ import annotations

import json
import math
import os
import platform
from pathlib import Path

import numpy as np

from vae_tutorial import __version__
from vae_tutorial._backend import keras, tf
from vae_tutorial.errors import DataError
from vae_tutorial.files import make_room
from vae_tutorial.training import directory, history
from vae_tutorial.training.checkpoint import weights_bytes
from vae_tutorial.training.callbacks import EpochFigures, EpochLine, ResumableEarlyStopping
from vae_tutorial.training.fit import fit
from vae_tutorial.training.loss_model import load_model

VERBOSE = ("auto", 0, 1, 2, "lines")


def versions() -> dict[str, str]:
    """The versions that trained a model, for config.json."""
    return {
        "vae_tutorial": __version__,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def machine() -> str:
    """One line naming the machine that trained: OS, processor, CPU count, GPUs seen by TensorFlow."""
    gpus = len(tf.config.list_physical_devices("GPU"))
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, {gpus} GPU(s)"


def strategy_of(strategy):
    """A ``tf.distribute`` strategy: ``strategy`` itself, None for "none" (one device), or a
    MirroredStrategy over all local devices for "mirrored" (the command line's names)."""
    if strategy is None or strategy == "none":
        return None
    if strategy == "mirrored":
        strategy = tf.distribute.MirroredStrategy()
        print(f"Training on {strategy.num_replicas_in_sync} replica(s) with MirroredStrategy")
        return strategy
    if isinstance(strategy, str):
        raise DataError("strategy", f"unknown name {strategy!r}", 'Pass a tf.distribute strategy, or "mirrored".')
    return strategy


def _progress(verbose, epochs: int, callbacks) -> tuple:
    """(Keras' verbose, callbacks): "lines" is one :class:`EpochLine` a epoch instead of a progress bar."""
    if verbose not in VERBOSE:
        raise DataError("verbose", f"must be one of {VERBOSE}, got {verbose!r}", 'Use verbose="lines" or 0.')
    if verbose == "lines":
        return 0, [*callbacks, EpochLine(epochs, every=1)]
    return verbose, list(callbacks)


def _arrays(part) -> list:
    """The arrays of a training or validation part (an array, or nested tuples of arrays)."""
    if part is None:
        return []
    if isinstance(part, tuple | list):
        return [a for item in part for a in _arrays(item)]
    return [part]


def _prepare(kind, data, recipe, seed: int, keywords: dict) -> tuple:
    """(the kind's job, its options): keywords split into recipe changes and the kind's options, the
    data checked (:meth:`Kind.check` first) and made ready."""
    changes, options = kind.split(keywords)
    kind.recipe(recipe, **changes)  # the settings first: a bad value is named before the data is read
    kind.check(data, options)
    return kind.prepare(data, recipe, changes, seed, options), options


def train(kind, data, recipe=None, *, seed: int = 0, strategy=None, callbacks=(), verbose="auto", **changes):
    """Train ``kind`` on ``data`` in memory: (model, Keras history). No model directory, no early stopping."""
    job, _ = _prepare(kind, data, recipe, seed, changes)
    verbose, callbacks = _progress(verbose, job.recipe.epochs, callbacks)
    return _fit(job, strategy, verbose, callbacks=callbacks)


def _fit(job, strategy, verbose, **options):
    """The one :func:`~vae_tutorial.training.fit.fit` of a kind's job: ``options`` are fit's own
    (callbacks, or a model directory's backup and the callbacks after it)."""
    return fit(
        job.build,
        job.train,
        job.validation,
        job.recipe,
        seed=job.seed,
        strategy=strategy_of(strategy),
        verbose=verbose,
        **options,
    )


def _fit_options(out: Path, backup: Path, watch=(), after=()) -> dict:
    """The keyword arguments of :func:`~vae_tutorial.training.fit.fit` for a run that writes the
    model directory ``out``: the figures of every epoch (``val_neg_elbo``, ``seconds``), the
    callbacks in ``watch`` (e.g. early stopping, whose state the checkpoints keep), TensorBoard
    logs in ``out/logs``, a checkpoint per epoch in ``backup``, then the callbacks in ``after``."""
    logs = keras.callbacks.TensorBoard(str(out / "logs"), write_graph=False, profile_batch=0)
    return {"callbacks": [EpochFigures(), *watch, logs], "backup": backup, "after_backup": list(after)}


def _early_stopping(recipe) -> ResumableEarlyStopping | None:
    """Early stopping on the validation negative ELBO for a recipe with ``patience``: the best of all
    epochs is restored, and patience counts after the KL warm-up (the held-out negative ELBO can
    rise while z starts to carry information), never an empty watch."""
    if not hasattr(recipe, "patience"):
        return None
    watch_from = min(math.ceil(recipe.anneal_fraction * recipe.epochs), recipe.epochs - 1)
    return ResumableEarlyStopping(patience=recipe.patience, start_epoch=watch_from)


def train_into(
    out,
    kind,
    data=None,
    recipe=None,
    *,
    seed: int = 0,
    force: bool = False,
    strategy=None,
    callbacks=(),
    verbose="auto",
    announce=None,
    **keywords,
):
    """Train ``kind`` on ``data`` and write the model directory ``out``; returns what the kind returns
    (:meth:`Kind.result`), the same as loading the directory gives.

    data: what the kind trains on (an image VAE: (x_train, x_test); a blog VAE: posts; ...).
    recipe: one of the kind's recipes or its name (None: the default); ``keywords``: recipe fields to
    change (``epochs=3``) and the kind's options (``iwae_k=20``), a DataError for anything else.
    Every check of the data and of ``out`` comes before anything is written. One run at a time
    trains into ``out`` (``training.lock``); a finished directory is refused unless ``force``; an
    interrupted run resumes from its last checkpoint, exactly (the same call, ``force`` or not).
    callbacks: Keras callbacks run after each epoch's checkpoint. verbose: Keras' ("auto", 0, 1, 2)
    or "lines" (one short line per epoch). strategy: a ``tf.distribute`` strategy or "mirrored".
    announce: called as ``announce(resuming)`` (a bool) once ``out`` is owned and the run's settings
    are accepted, just before training (the commands print their first line there).
    """
    out = Path(out)
    directory.check(out, force)
    job, options = _prepare(kind, data, recipe, seed, keywords)
    if job.validation is None:
        raise DataError("data", "has no held-out part", f"Pass held-out data too: {kind.title} reports on it.")
    plan = {
        "format": directory.FORMAT,
        "seed": seed,
        "recipe": job.recipe.to_dict(),
        **job.plan,
        "data": directory.data_checksum(*_arrays(job.train), *_arrays(job.validation)),
    }
    early = _early_stopping(job.recipe)
    verbose, after = _progress(verbose, job.recipe.epochs, callbacks)
    with directory.training(out, kind, force, plan, announce) as backup:
        model, _ = _fit(
            job, strategy, verbose, **_fit_options(out, backup, watch=[early] if early else [], after=after)
        )
        rows = history.rows_of(backup)
        metrics = kind.report(model, job, options)
        stopping = {}
        if early is not None:
            best = early.state["best_epoch"]
            stopping = {
                "best_epoch": None if best is None else best + 1,
                "stopped_early": early.state["stopped_epoch"] is not None,
            }
        training = {
            **job.start,
            "epochs_run": len(rows),
            **stopping,
            "seconds": round(sum(row["seconds"] for row in rows), 1),
            **({"machine": machine()} if kind.records_machine else {}),
        }
        config = directory.config(kind, seed, job.recipe, job.data, training, versions())

        def write(folder: Path) -> None:
            kind.write(folder, model, job)
            (folder / "config.json").write_text(json.dumps(config, indent=2))
            (folder / "metrics.json").write_text(json.dumps(metrics, indent=2, default=float))
            make_room(folder, weights_bytes(model))
            model.save(folder / "model.keras")

        directory.finish(out, kind, write, rows)
    return kind.result(model, config, metrics, history.by_column(rows), job=job)


def load(path, kind):
    """A finished model directory of ``kind``, as :func:`train_into` returned it; a DataError says
    what is wrong (missing, interrupted, another kind or format, damaged files)."""
    if not isinstance(path, str | Path):
        raise DataError("path", f"must be a folder path, got {type(path).__name__}", "Pass the out= folder of a run.")
    path = Path(path)
    config, metrics, rows = directory.read(path, kind)
    model = load_model(path / "model.keras", kind.model_class())
    return kind.result(model, config, metrics, rows, path=path)
