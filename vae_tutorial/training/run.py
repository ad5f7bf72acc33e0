"""Training a model kind into a model directory, in memory, and loading a finished directory."""

from __future__ import annotations

from pathlib import Path

from vae_tutorial._backend import keras
from vae_tutorial.training.callbacks import EpochFigures


def fit_options(out: Path, backup: Path, watch=(), after=()) -> dict:
    """The keyword arguments of :func:`~vae_tutorial.training.fit.fit` for a run that writes the
    model directory ``out``: the figures of every epoch (``val_neg_elbo``, ``seconds``), the
    callbacks in ``watch`` (e.g. early stopping, whose state the checkpoints keep), TensorBoard
    logs in ``out/logs``, a checkpoint per epoch in ``backup``, then the callbacks in ``after``."""
    logs = keras.callbacks.TensorBoard(str(out / "logs"), write_graph=False, profile_batch=0)
    return {"callbacks": [EpochFigures(), *watch, logs], "backup": backup, "after_backup": list(after)}
