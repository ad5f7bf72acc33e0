"""Train a text VAE on blog posts, resumably, and keep it in a model directory.

A model directory holds::

    model.keras       the trained TextVAE (loads in Keras' safe mode)
    vectorizer.json   its vocabulary and maximum length
    config.json       hyperparameters, package versions, seed, data source, training summary
    metrics.json      held-out figures on the validation posts (nats per chunk)
    history.csv       one row per epoch (losses, val_neg_elbo, seconds)
    logs/             TensorBoard event files: ``tensorboard --logdir MODEL_DIR/logs``
    backup/           only while training: what an interrupted run resumes from

``model.keras`` is written last: a directory with it is finished, one with ``backup/`` was
interrupted (train again with the same arguments to resume), and :func:`load_blog_vae`
refuses anything else with a :class:`~vae_tutorial.errors.DataError` saying what is missing.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import platform
import shutil
import time
from pathlib import Path

import numpy as np

from vae_tutorial._tensorflow import tf
import keras  # noqa: E402

from vae_tutorial import __version__  # noqa: E402
from vae_tutorial.config import seed_everything, settings  # noqa: E402
from vae_tutorial.data.posts import chunk_post, chunk_posts, split_posts  # noqa: E402
from vae_tutorial.data.text import Vectorizer  # noqa: E402
from vae_tutorial.errors import DataError  # noqa: E402
from vae_tutorial.files import write_atomically  # noqa: E402
from vae_tutorial.losses import linear_schedule  # noqa: E402
from vae_tutorial.models.base import load_model  # noqa: E402
from vae_tutorial.models.text_vae import KLAnnealing, TextVAE  # noqa: E402

FORMAT = 1
MODEL_FILES = ("model.keras", "vectorizer.json", "config.json", "metrics.json", "history.csv")
# The blog section's LSTM encoder and decoder, with notebook 04's cures against posterior collapse.
BLOG_MODEL = {
    "encoder": "lstm",
    "decoder": "autoregressive",
    "cell": "lstm",
    "encoder_units": 128,
    "decoder_units": 256,
    "word_dropout": 0.4,
    "free_bits": 0.3,
}


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


class ResumableEarlyStopping(keras.callbacks.Callback):
    """Early stopping on ``monitor`` (lower is better) whose state survives an interruption.

    Keras' ``EarlyStopping`` keeps its patience counter and best weights in memory, so a run
    resumed by ``BackupAndRestore`` would forget them. This one stores them in ``folder``
    (``early_stopping.json``, ``best.weights.h5``) after every epoch and reads them back at
    the start of training. The best weights are restored when training ends, stopped early
    or not. ``patience=None`` never stops early (best weights are still restored).
    Epochs before ``start_epoch`` (0-based) are not watched: while the KL weight is still
    being annealed, the held-out negative ELBO can rise as z starts to carry information.
    """

    def __init__(self, folder, monitor: str = "val_neg_elbo", patience: int | None = 3, start_epoch: int = 0):
        super().__init__()
        self.folder, self.monitor, self.patience, self.start_epoch = Path(folder), monitor, patience, start_epoch
        self.state_path, self.weights_path = self.folder / "early_stopping.json", self.folder / "best.weights.h5"

    def on_train_begin(self, logs=None):
        self.state = {"best": None, "best_epoch": None, "wait": 0, "stopped_epoch": None}
        if self.state_path.exists():
            self.state.update(json.loads(self.state_path.read_text()))

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None:
            raise DataError("monitor", f"{self.monitor!r} is not in the logs", "Pass validation data to fit().")
        if epoch < self.start_epoch:
            return
        state = self.state
        if state["best"] is None or value < state["best"]:
            state.update(best=float(value), best_epoch=epoch, wait=0)
            self.folder.mkdir(parents=True, exist_ok=True)
            self.model.save_weights(self.weights_path, overwrite=True)
        else:
            state["wait"] += 1
            if self.patience is not None and state["wait"] >= self.patience:
                state["stopped_epoch"] = epoch
                self.model.stop_training = True
        self.state_path.write_text(json.dumps(state))

    def on_train_end(self, logs=None):
        if self.weights_path.exists():
            self.model.load_weights(self.weights_path)


class InterruptAfterEpoch(keras.callbacks.Callback):
    """Raise ``KeyboardInterrupt`` at the end of epoch ``epoch`` (1-based), as Ctrl-C would:
    to demonstrate and test resuming. Put it last in the callbacks, after the backup."""

    def __init__(self, epoch: int):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.epoch:
            raise KeyboardInterrupt(f"simulated Ctrl-C after epoch {self.epoch}")


@dataclasses.dataclass
class BlogVAE:
    """A trained blog-post VAE: the model, its vectorizer and the directory's records."""

    model: TextVAE
    vectorizer: Vectorizer
    config: dict
    metrics: dict
    history: dict[str, list[float]]

    def variations(
        self, text: str, n: int = 5, temperature: float = 0.7, scale: float = 1.0, seed: int | None = None
    ) -> list[str]:
        """n variations of ``text`` (a sentence or a whole post), as cleaned lower-case strings.

        A post is cut into the same sentence windows as in training; each window gets n
        variations (codes drawn around its posterior, ``scale`` times its spread) and variation
        i of the post joins the windows' variations i. Words are sampled at ``temperature``
        (0.7: a little sharper than the model's own distribution); 0 decodes greedily, which
        on a small corpus tends to loop ("of the of the").
        [UNK] is never chosen: a variation holds only words of the vocabulary.
        """
        from vae_tutorial import generation

        if not temperature >= 0:
            raise DataError("temperature", f"must be >= 0, got {temperature!r}", "Use 0 (greedy) or e.g. 0.8.")
        windows = chunk_post(text, self.vectorizer.max_length - 1)
        if not windows:
            raise DataError("text", "has no words", "Pass a sentence or a post with words in it.")
        method = "sample" if temperature > 0 else "greedy"
        per_window = [
            generation.variations(
                self.model,
                self.vectorizer,
                window,
                n,
                scale,
                seed=None if seed is None else seed + i,
                method=method,
                temperature=temperature or 1.0,
                unknown=False,
            )
            for i, window in enumerate(windows)
        ]
        return [" ".join(parts).strip() for parts in zip(*per_window, strict=True)]


def _versions() -> dict[str, str]:
    return {
        "vae_tutorial": __version__,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def _prepare_out(out: Path, force: bool) -> None:
    """Check ``out`` before anything is trained: new, interrupted (resume) or finished."""
    if out.exists() and not out.is_dir():
        raise DataError(str(out), "is a file, not a folder", "Pass a folder for the model directory.")
    if (out / "model.keras").exists() and not force:
        raise DataError(
            str(out),
            "already holds a finished model (model.keras)",
            "Pass another folder, or force=True (--force) to train a new model over it.",
        )
    if force:  # a finished or an interrupted run: start over
        for name in (*MODEL_FILES, "logs", "backup"):
            path = out / name
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    elif out.is_dir() and any(out.iterdir()) and not (out / "backup").is_dir():
        raise DataError(
            str(out),
            f"is not empty and holds no model (it has {', '.join(sorted(p.name for p in out.iterdir())[:5])})",
            "Pass a new or empty folder.",
        )


def _check_resume(backup: Path, plan: dict) -> None:
    """An interrupted run resumes only with the settings it started with."""
    saved_path = backup / "plan.json"
    if not saved_path.exists():
        backup.mkdir(parents=True, exist_ok=True)
        saved_path.write_text(json.dumps(plan, indent=2))
        return
    saved = json.loads(saved_path.read_text())
    changed = [f"{key} {saved.get(key)!r} -> {plan[key]!r}" for key in plan if saved.get(key) != plan[key]]
    if changed:
        raise DataError(
            str(backup.parent),
            f"holds an interrupted run with other settings ({'; '.join(changed)})",
            "Rerun with the same data and settings to resume, or force=True (--force) to start over.",
        )


def _read_history(path: Path) -> dict[str, list[float]]:
    with path.open(newline="") as file:
        rows = list(csv.DictReader(file))
    return {key: [float(row[key]) for row in rows] for key in (rows[0] if rows else {})}


def train_blog_vae(
    posts,
    out,
    epochs: int | None = None,
    latent_dim: int = 32,
    max_length: int = 40,
    vocab_size: int = 5000,
    val_fraction: float = 0.1,
    batch_size: int = 32,
    learning_rate: float = 1e-3,
    patience: int | None = 3,
    anneal_fraction: float = 0.3,
    seed: int = 0,
    force: bool = False,
    source: str | None = None,
    verbose="auto",
    callbacks=(),
    strategy=None,
    **model_overrides,
) -> BlogVAE:
    """Train a TextVAE on posts and write the model directory ``out``; returns the BlogVAE.

    posts: a list of :class:`~vae_tutorial.data.posts.Post` (from load_blog_folder/csv).
    The posts are split by post (``val_fraction`` for validation, seeded), cut into sentence
    windows of up to ``max_length`` - 1 tokens, vectorized with the ``vocab_size`` most
    frequent training words, and fed to ``fit`` with: KL annealing over the first
    ``anneal_fraction`` of the steps, early stopping on the validation negative ELBO with the
    best weights restored, ``BackupAndRestore`` in ``out/backup`` (rerun after an interruption
    and it resumes from the last finished epoch), TensorBoard logs in ``out/logs`` and a CSV
    log. epochs: at most this many (default: ``settings().blog_epochs``). Model defaults:
    :data:`BLOG_MODEL`, overridable by keyword (e.g. ``cell="gru"``). strategy: a
    ``tf.distribute`` strategy to build and train under (``batch_size`` is the global batch).
    """
    from vae_tutorial import evaluation

    out = Path(out)
    epochs = int(epochs or settings().blog_epochs)
    posts = list(posts)
    train_posts, val_posts = split_posts(posts, val_fraction, seed)
    train_chunks = [c for _, c in chunk_posts(train_posts, max_length - 1)]
    val_chunks = [c for _, c in chunk_posts(val_posts, max_length - 1)]
    if not train_chunks or not val_chunks:
        raise DataError("posts", "give no words to train or validate on", "Pass posts with text in them.")
    _prepare_out(out, force)
    vectorizer = Vectorizer.build(train_chunks, max_vocab=vocab_size, max_length=max_length)
    train_ids, val_ids = vectorizer.encode(train_chunks), vectorizer.encode(val_chunks)
    model_spec = {**BLOG_MODEL, **model_overrides}
    plan = {
        "format": FORMAT,
        "seed": seed,
        "epochs": epochs,
        "latent_dim": latent_dim,
        "max_length": max_length,
        "vocab_size": vectorizer.vocab_size,
        "val_fraction": val_fraction,
        "batch_size": batch_size,
        "learning_rate": learning_rate,
        "patience": patience,
        "anneal_fraction": anneal_fraction,
        "model": model_spec,
        "train_posts": sorted(p.id for p in train_posts),
    }
    backup = out / "backup"
    _check_resume(backup, plan)

    seed_everything(seed)
    with (strategy or tf.distribute.get_strategy()).scope():
        model = TextVAE(vectorizer.vocab_size, max_length, latent_dim, seed=seed, **model_spec)
        model.compile(keras.optimizers.Adam(learning_rate))
    warmup = int(anneal_fraction * epochs * np.ceil(len(train_ids) / batch_size))
    watch_from = min(int(np.ceil(anneal_fraction * epochs)), epochs - 1)  # after the warm-up, and never empty
    early = ResumableEarlyStopping(backup, patience=patience, start_epoch=watch_from)
    model.fit(
        train_ids,
        validation_data=(val_ids,),
        epochs=epochs,
        batch_size=batch_size,
        verbose=verbose,
        callbacks=[
            KLAnnealing(lambda step: linear_schedule(step, warmup), follow_optimizer=True),
            EpochFigures(),
            early,
            keras.callbacks.CSVLogger(str(backup / "history.csv"), append=True),
            keras.callbacks.TensorBoard(str(out / "logs"), write_graph=False, profile_batch=0),
            keras.callbacks.BackupAndRestore(str(backup), delete_checkpoint=False),
            *callbacks,
        ],
    )
    model.kl_weight.assign(1.0)
    history = _read_history(backup / "history.csv")
    conf = settings()
    metrics = {
        **evaluation.text_report(model, val_ids, k=conf.text_iwae_k, seed=seed),
        "units": "nats per chunk (validation posts)",
        "iwae_k": conf.text_iwae_k,
    }
    config = {
        "format": FORMAT,
        "kind": "TextVAE on blog posts",
        "versions": _versions(),
        "seed": seed,
        "data": {
            "source": source or getattr(posts, "origin", "a list of posts"),
            "posts": len(posts),
            "train_posts": len(train_posts),
            "val_posts": len(val_posts),
            "train_chunks": len(train_chunks),
            "val_chunks": len(val_chunks),
        },
        "hyperparameters": {key: value for key, value in plan.items() if key not in ("format", "seed", "train_posts")},
        "training": {
            "epochs_run": len(history.get("epoch", [])),
            "best_epoch": None if early.state["best_epoch"] is None else early.state["best_epoch"] + 1,
            "stopped_early": early.state["stopped_epoch"] is not None,
            "seconds": round(sum(history.get("seconds", [])), 1),
        },
    }

    def write(folder: Path) -> None:
        vectorizer.save(folder / "vectorizer.json")
        (folder / "config.json").write_text(json.dumps(config, indent=2))
        (folder / "metrics.json").write_text(json.dumps(metrics, indent=2))
        shutil.copy(backup / "history.csv", folder / "history.csv")
        model.save(folder / "model.keras")

    write_atomically(out, write)
    shutil.rmtree(backup)
    return BlogVAE(model, vectorizer, config, metrics, history)


def load_blog_vae(path) -> BlogVAE:
    """Read a model directory written by :func:`train_blog_vae`; DataError says what is wrong."""
    path = Path(path)
    if not path.is_dir():
        raise DataError(str(path), "no such model directory", "Pass the --out folder of vae-tutorial train-text.")
    missing = [name for name in MODEL_FILES if not (path / name).exists()]
    if missing:
        fix = (
            "Its training was interrupted: rerun train-text with the same --out to finish it."
            if (path / "backup").is_dir()
            else "Pass a folder written by vae-tutorial train-text (or train_blog_vae)."
        )
        raise DataError(str(path), f"is not a complete model directory: it lacks {', '.join(missing)}", fix)
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        metrics = json.loads((path / "metrics.json").read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(
            str(path), f"has an unreadable config.json or metrics.json ({exc})", "Train it again."
        ) from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        config = config if isinstance(config, dict) else {}
        written_by = config.get("versions", {}).get("vae_tutorial", "an unknown version")
        raise DataError(
            str(path / "config.json"),
            f"is model-directory format {config.get('format')!r} (written by vae_tutorial {written_by}); "
            f"this version ({__version__}) reads format {FORMAT}",
            "Train the model again with this version.",
        )
    model = load_model(path / "model.keras", TextVAE)
    vectorizer = Vectorizer.load(path / "vectorizer.json")
    if (vectorizer.vocab_size, vectorizer.max_length) != (model.vocab_size, model.max_length):
        raise DataError(
            str(path / "vectorizer.json"),
            f"does not match model.keras (vocabulary {vectorizer.vocab_size} vs {model.vocab_size}, "
            f"length {vectorizer.max_length} vs {model.max_length})",
            "Keep the files of one training run together.",
        )
    return BlogVAE(model, vectorizer, config, metrics, _read_history(path / "history.csv"))
