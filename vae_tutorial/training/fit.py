"""The one ``fit`` behind every trainer of the series: seed, build and compile under a
``tf.distribute`` strategy, anneal the KL weight, and call Keras' ``Model.fit``."""

from __future__ import annotations

from collections.abc import Callable

from vae_tutorial._backend import keras, tf
from vae_tutorial.config import seed_everything
from vae_tutorial.training.callbacks import KLAnnealing, warmup_steps
from vae_tutorial.training.recipes import Recipe


def n_examples(x) -> int:
    """Examples in ``x``: an array, or a tuple/list of arrays with one row per example."""
    return len(x[0] if isinstance(x, tuple | list) else x)


def batches(x, batch_size: int, seed: int | None = None) -> tf.data.Dataset:
    """``x`` (an array, or a tuple of arrays with one row per example) as a ``tf.data`` pipeline of
    batches of ``batch_size`` (the last one partial), each element ``(x_batch,)`` as ``Model.fit``
    hands its steps; reshuffled every epoch from ``seed`` (None: kept in order, for validation).

    Why not hand Keras the arrays: its array adapter shuffles with an unseeded
    ``tf.random.shuffle`` inside ``tf.data``, and once ``seed_everything`` has set the global seed
    that draws the same permutation every epoch, so every epoch saw the same batches in the same
    order (``tests/test_fit.py`` shows it). Reshuffled batches gave the image VAE a held-out
    negative ELBO 3.5 nats lower at the same cost (benchmarks/image_vae.py, README); a related
    upstream report is tensorflow/tensorflow#29558."""
    data = tf.data.Dataset.from_tensor_slices((x,)).cache()
    if seed is not None:
        data = data.shuffle(n_examples(x), seed=seed, reshuffle_each_iteration=True)
    return data.batch(batch_size).prefetch(tf.data.AUTOTUNE)


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
):
    """Train the model that ``build()`` returns; returns (model, history).

    train: what ``Model.fit`` takes as x (an array, or a tuple of arrays for models with two
    inputs); validation: its ``validation_data``, ``(x_val,)``, or None. Both are fed as
    :func:`batches` (training reshuffled every epoch from ``seed``). Seeds everything with ``seed`` first
    (same initial weights, batches and random draws on a rerun), builds and compiles the model
    inside ``strategy.scope()`` (a ``tf.distribute`` strategy, default: one device;
    ``recipe.batch_size`` is then the global batch), anneals the KL weight of models that have one
    over the first ``recipe.anneal_fraction`` of the steps (:class:`KLAnnealing`, which follows
    the optimizer's step count, so that a resumed run continues its schedule) and sets it to 1
    after training, so that the returned model reports the true ELBO.
    """
    n_train = n_examples(train)
    seed_everything(seed)
    with (strategy or tf.distribute.get_strategy()).scope():
        model = build()
        model.compile(keras.optimizers.Adam(recipe.learning_rate))
    warmup = warmup_steps(recipe.anneal_fraction, recipe.epochs, n_train, recipe.batch_size)
    annealing = [KLAnnealing(warmup)] if warmup and hasattr(model, "kl_weight") else []
    history = model.fit(
        batches(train, recipe.batch_size, seed),
        validation_data=None if validation is None else batches(validation[0], recipe.batch_size),
        epochs=recipe.epochs,
        shuffle=False,  # the pipeline reshuffles, see batches()
        verbose=verbose,
        callbacks=[*annealing, *callbacks],
    )
    if hasattr(model, "kl_weight"):
        model.kl_weight.assign(1.0)
    return model, history
