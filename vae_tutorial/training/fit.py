"""The one ``fit`` behind every trainer of the series: seed, build and compile under a
``tf.distribute`` strategy, anneal the KL weight, and call Keras' ``Model.fit``."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable

from vae_tutorial._backend import keras, tf
from vae_tutorial.seeding import seed_everything
from vae_tutorial.training.callbacks import Backup, KLAnnealing, warmup_steps
from vae_tutorial.training.checkpoint import Checkpoints, restore
from vae_tutorial.training.recipes import Recipe


def n_examples(x) -> int:
    """Examples in ``x``: an array, or a tuple/list of arrays with one row per example."""
    return len(x[0] if isinstance(x, tuple | list) else x)


def batches(x, batch_size: int) -> tf.data.Dataset:
    """``x`` (an array, or a tuple of arrays with one row per example) in order, as a ``tf.data``
    pipeline of batches of ``batch_size`` (the last one partial), each element ``(x_batch,)`` as
    ``Model.fit`` hands its steps: for validation."""
    return tf.data.Dataset.from_tensor_slices((x,)).batch(batch_size).prefetch(tf.data.AUTOTUNE)


def shuffled_batches(x, batch_size: int, seed: int, epochs: range) -> tf.data.Dataset:
    """The training batches of ``epochs`` (e.g. ``range(3, 10)``: epochs 3 to 9, 0-based) one epoch
    after another, each epoch a permutation of ``x`` that depends only on ``seed`` and the epoch
    (``tf.random.experimental.stateless_shuffle``), cut into ``steps_per_epoch(len(x),
    batch_size)`` batches; elements ``(x_batch,)`` as in :func:`batches`.

    Why not hand Keras the arrays: its array adapter shuffles with an unseeded
    ``tf.random.shuffle``, and once ``seed_everything`` has set the global seed that draws the
    same permutation every epoch, so every epoch saw the same batches in the same order
    (``tests/test_fit.py`` shows it; a related upstream report is tensorflow/tensorflow#29558).
    Why not ``Dataset.shuffle(reshuffle_each_iteration=True)``: its permutations follow an
    internal counter, so a run resumed at epoch 3 would see epoch 0's order again. Here epoch 3
    is epoch 3's order whether the run was interrupted or not."""
    n = n_examples(x)
    arrays = tuple(tf.constant(a) for a in (x if isinstance(x, tuple | list) else (x,)))

    def epoch_batches(epoch):
        key = tf.stack([tf.constant(seed, tf.int64), epoch])
        order = tf.random.experimental.stateless_shuffle(tf.range(n), seed=key)
        return tf.data.Dataset.from_tensor_slices(order).batch(batch_size)

    def gather(indices):
        taken = tuple(tf.gather(a, indices) for a in arrays)
        return (taken if isinstance(x, tuple | list) else taken[0],)

    epochs = tf.data.Dataset.range(epochs.start, epochs.stop)
    return epochs.flat_map(epoch_batches).map(gather, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


def steps_per_epoch(n: int, batch_size: int) -> int:
    return math.ceil(n / batch_size)


def optimizer(recipe: Recipe) -> keras.optimizers.Optimizer:
    """Adam at ``recipe.learning_rate``; AdamW when ``recipe.weight_decay`` is above 0."""
    if recipe.weight_decay:
        return keras.optimizers.AdamW(recipe.learning_rate, weight_decay=recipe.weight_decay)
    return keras.optimizers.Adam(recipe.learning_rate)


def fit(
    build: Callable[[], keras.Model],
    train,
    validation,
    recipe: Recipe,
    *,
    seed: int,
    strategy=None,
    callbacks=(),
    verbose="auto",
    backup=None,
    after_backup=(),
):
    """Train the model that ``build()`` returns; returns (model, history).

    train: what ``Model.fit`` takes as x (an array, or a tuple of arrays for models with two
    inputs); validation: its ``validation_data``, ``(x_val,)``, or None. Training batches come
    from :func:`shuffled_batches` (epoch e's order depends only on ``seed`` and e). Seeds
    everything with ``seed`` first (same initial weights, batches and random draws on a rerun),
    builds and compiles the model inside ``strategy.scope()`` (a ``tf.distribute`` strategy,
    default: one device; ``recipe.batch_size`` is then the global batch), anneals the KL weight
    of models that have one over the first ``recipe.anneal_fraction`` of the steps
    (:class:`KLAnnealing`, which follows the optimizer's step count) and sets it to 1 after
    training, so that the returned model reports the true ELBO.

    backup: a folder (a model directory's ``backup/``) for :class:`Checkpoints`: every epoch is
    committed there after ``callbacks`` ran (their figures go into the history, the state of
    those with ``get_state()`` into the checkpoint) and before ``after_backup``; if it holds a
    checkpoint, training resumes from it exactly (weights, optimizer, callbacks, random state,
    the epoch's batch order), and a run that had already stopped early trains no more.
    """
    n_train = n_examples(train)
    seed_everything(seed)
    scope = (strategy or tf.distribute.get_strategy()).scope
    with scope():
        model = build()
        model.compile(optimizer(recipe))
    first, epochs, extra = 0, recipe.epochs, []
    if backup is not None:
        checkpoints = Checkpoints(backup)
        checkpoints.sweep()
        stateful = [c for c in callbacks if hasattr(c, "get_state")]
        saved = checkpoints.latest()
        rows = []
        if saved is not None:
            with scope():  # the optimizer's variables are built under the strategy that trains them
                restore(model, saved)
            for callback in stateful:
                state = saved.state["callbacks"].get(type(callback).__name__, {})
                best = state.get("best_epoch")
                best_path = None if best is None else checkpoints.weights_of(best + 1)
                if best is not None and best_path is None:
                    print(
                        f"vae-tutorial: the checkpoint of the best epoch ({best + 1}) is gone or damaged; "
                        "the best weights from here on are restored instead",
                        file=sys.stderr,
                    )
                callback.set_state(state, best_path)
            first, rows = saved.epochs, saved.state["history"]
            epochs = first if saved.state["stopped"] else recipe.epochs
            if verbose:
                done = "it had stopped early" if saved.state["stopped"] else f"{epochs - first} to go"
                print(f"Resuming after epoch {first} of {recipe.epochs} ({done}) from {saved.folder.name}")
        extra = [Backup(checkpoints, rows, stateful)]
    warmup = warmup_steps(recipe.anneal_fraction, recipe.epochs, n_train, recipe.batch_size)
    annealing = [KLAnnealing(warmup)] if warmup and hasattr(model, "kl_weight") else []
    history = model.fit(
        shuffled_batches(train, recipe.batch_size, seed, range(first, epochs)),
        steps_per_epoch=steps_per_epoch(n_train, recipe.batch_size),
        validation_data=None if validation is None else batches(validation[0], recipe.batch_size),
        initial_epoch=first,
        shuffle=False,  # each epoch is already a permutation, see shuffled_batches()
        epochs=epochs,
        verbose=verbose,
        callbacks=[*annealing, *callbacks, *extra, *after_backup],
    )
    if hasattr(model, "kl_weight"):
        model.kl_weight.assign(1.0)
    return model, history
