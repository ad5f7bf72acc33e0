"""Keras callbacks of the series: KL annealing, early stopping that survives an interruption,
the figures every epoch adds to the logs, and a simulated Ctrl-C."""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable

from vae_tutorial._backend import keras
from vae_tutorial.errors import DataError
from vae_tutorial.theory.losses import linear_schedule
from vae_tutorial.training.checkpoint import Checkpoints, random_state


def warmup_steps(anneal_fraction: float, epochs: int, n_examples: int, batch_size: int) -> int:
    """Training steps over which the KL weight rises from 0 to 1: ``anneal_fraction`` of all the
    steps of ``epochs`` passes over ``n_examples`` in batches of ``batch_size``."""
    return int(anneal_fraction * epochs * math.ceil(n_examples / batch_size))


class KLAnnealing(keras.callbacks.Callback):
    """Set the model's ``kl_weight`` before every training batch from ``schedule(step)``.

    schedule: a function of the global step (0, 1, ...) returning a float, e.g.
    ``functools.partial(losses.linear_schedule, warmup_steps=2000)``; or an int, the warm-up
    steps of a linear schedule. The step is the optimizer's iteration count, read at the first
    batch, so a run resumed from its checkpoint picks the schedule up where it was
    interrupted (a new model starts at 0). Validation uses the weight of the last training step.
    """

    def __init__(self, schedule: Callable[[int], float] | int):
        super().__init__()
        self.schedule = (
            functools.partial(linear_schedule, warmup_steps=schedule) if isinstance(schedule, int) else schedule
        )
        self.step = None

    def on_train_begin(self, logs=None):
        self.step = None

    def on_train_batch_begin(self, batch, logs=None):
        if self.step is None:  # read at the first batch: after any callback restored the optimizer
            self.step = int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))
        self.model.kl_weight.assign(float(self.schedule(self.step)))
        self.step += 1


class EpochFigures(keras.callbacks.Callback):
    """Add ``val_neg_elbo`` (reconstruction + KL at weight 1: the true held-out figure, which
    the annealed ``val_loss`` is not) and ``seconds`` (wall time of the epoch) to the logs."""

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            if "val_reconstruction" in logs:
                logs["val_neg_elbo"] = float(logs["val_reconstruction"]) + float(logs["val_kl"])
            logs["seconds"] = time.perf_counter() - self._start


class EpochLine(keras.callbacks.Callback):
    """Progress in a notebook: one short line every ``every`` epochs (and after the last), e.g.
    ``epoch 12/36  loss 160.2 (reconstruction 154.1, KL 6.1) | validation 158.0  (0.6 s/epoch)``:
    the terms that matter, not every figure of the logs (those stay in the history). The loss is
    what the model minimises: reconstruction + KL only at KL weight 1 with no other term (a beta,
    annealing, free bits or a penalty change it); "validation" is the validation loss, or the
    validation negative ELBO where the logs have it (``val_neg_elbo``); the seconds are the
    epoch's own, :class:`EpochFigures`' where it runs too. Use it with ``verbose=0``; ``epochs``
    is the number the run trains. A run that resumes from a checkpoint first says where it starts:
    ``resuming at epoch 2/10 (epoch 1 came from the checkpoint)``."""

    def __init__(self, epochs: int, every: int | None = None):
        super().__init__()
        self.epochs = epochs
        self.every = every or max(1, math.ceil(epochs / 6))  # about six lines per run

    def on_train_begin(self, logs=None):
        self._first = True

    def on_epoch_begin(self, epoch, logs=None):
        if self._first and epoch > 0:
            before = "epoch 1" if epoch == 1 else f"epochs 1-{epoch}"
            print(f"resuming at epoch {epoch + 1}/{self.epochs} ({before} came from the checkpoint)")
        self._first = False
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        done = epoch + 1
        if logs is None or (done % self.every and done != self.epochs):
            return
        terms = f"loss {float(logs['loss']):.1f}"
        if "reconstruction" in logs and "kl" in logs:
            terms += f" (reconstruction {float(logs['reconstruction']):.1f}, KL {float(logs['kl']):.1f})"
        if "val_neg_elbo" in logs:  # a model directory's run (EpochFigures): what early stopping watches
            terms += f" | validation -ELBO {float(logs['val_neg_elbo']):.1f}"
        elif "val_loss" in logs:
            terms += f" | validation {float(logs['val_loss']):.1f}"
        width = len(str(self.epochs))
        seconds = float(logs.get("seconds", time.perf_counter() - self._start))
        print(f"epoch {done:>{width}}/{self.epochs}  {terms}  ({seconds:.1f} s/epoch)")


class ResumableEarlyStopping(keras.callbacks.Callback):
    """Early stopping on ``monitor`` (lower is better) whose state survives an interruption.

    Keras' ``EarlyStopping`` keeps its patience counter in memory only, so a resumed run would
    forget it. This one hands its state to the run's checkpoints (:meth:`get_state`, saved with
    every epoch's backup by :func:`~vae_tutorial.training.fit.fit`) and takes it back on resume
    (:meth:`set_state`), the best weights included. The best weights are restored when training
    ends, stopped early or not. ``patience=None`` never stops early (best weights are still
    restored). The best epoch is chosen among all epochs, but patience counts only from
    ``start_epoch`` (0-based): while the KL weight is still being annealed, the held-out negative
    ELBO can rise as z starts to carry information, and that must not stop the run.
    """

    def __init__(self, monitor: str = "val_neg_elbo", patience: int | None = 3, start_epoch: int = 0):
        super().__init__()
        self.monitor, self.patience, self.start_epoch = monitor, patience, start_epoch
        self._fresh()

    def _fresh(self) -> None:
        self.state = {"best": None, "best_epoch": None, "wait": 0, "stopped_epoch": None}
        self.best_weights, self.best_path, self.resumed = None, None, False

    def get_state(self) -> dict:
        """JSON-ready: best value, its epoch (0-based), epochs waited, the epoch it stopped at."""
        return dict(self.state)

    def set_state(self, state: dict, best_path=None) -> None:
        """Resume from ``state``; ``best_path``: the weights file of the best epoch's checkpoint."""
        self._fresh()
        self.state.update(state)
        self.best_path, self.resumed = best_path, True

    def keep_epochs(self) -> set[int]:
        """The checkpoint (in finished epochs) that holds the best weights: keep it."""
        return set() if self.state["best_epoch"] is None else {self.state["best_epoch"] + 1}

    def on_train_begin(self, logs=None):
        if not self.resumed:  # a new run: nothing carried over from an earlier fit
            self._fresh()
        self.resumed = False

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None:
            raise DataError("monitor", f"{self.monitor!r} is not in the logs", "Pass validation data to fit().")
        state = self.state
        if state["best"] is None or value < state["best"]:
            state.update(best=float(value), best_epoch=epoch, wait=0)
            self.best_weights = self.model.get_weights()
        elif epoch >= self.start_epoch:
            state["wait"] += 1
            if self.patience is not None and state["wait"] >= self.patience:
                state["stopped_epoch"] = epoch
                self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)
        elif self.best_path is not None:
            self.model.load_weights(self.best_path)


class InterruptAfterEpoch(keras.callbacks.Callback):
    """Raise ``KeyboardInterrupt`` at the end of epoch ``epoch`` (1-based), as Ctrl-C would:
    to demonstrate and test resuming. Pass it to a workflow's ``callbacks``, which run after
    the epoch's backup."""

    def __init__(self, epoch: int):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.epoch:
            raise KeyboardInterrupt(f"simulated Ctrl-C after epoch {self.epoch}")


class Backup(keras.callbacks.Callback):
    """Commit a checkpoint at the end of every epoch (put it after the callbacks whose figures
    and state it records). history: the rows of the epochs before this run (a resumed run's);
    stateful: callbacks with ``get_state()`` (and optionally ``keep_epochs()``), saved by class name."""

    def __init__(self, checkpoints: Checkpoints, history: list[dict], stateful=()):
        super().__init__()
        self.checkpoints, self.history, self.stateful = checkpoints, list(history), list(stateful)

    def on_epoch_end(self, epoch, logs=None):
        self.history.append({"epoch": epoch, **{key: float(value) for key, value in (logs or {}).items()}})
        keep = set().union(*(c.keep_epochs() for c in self.stateful if hasattr(c, "keep_epochs")))
        state = {
            "history": self.history,
            "callbacks": {type(c).__name__: c.get_state() for c in self.stateful},
            "stopped": bool(self.model.stop_training),
            "random": random_state(self.model),
        }
        self.checkpoints.save(self.model, epoch + 1, state, keep)
