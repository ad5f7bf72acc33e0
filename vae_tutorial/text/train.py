"""Training the text models of notebooks 04 and 06 in memory: each trainer checks its data, picks its
recipe and calls the one :func:`~vae_tutorial.training.fit.fit`. Every trainer takes ``recipe`` (a
recipe or its name), recipe fields as keywords to change (``epochs=3``, ``word_dropout=0.2``; an
unknown one is a DataError), ``seed``, a ``tf.distribute`` ``strategy``, ``callbacks`` and
``verbose``, and returns (model, history). Losses are in nats per example."""

from __future__ import annotations

import numpy as np

from vae_tutorial.errors import DataError, float_rows, token_ids, whole_number
from vae_tutorial.text.conditional import ConditionalTextVAE
from vae_tutorial.text.language_model import LanguageModel
from vae_tutorial.text.recipes import TEXT_RECIPES, TextRecipe
from vae_tutorial.text.vae import TextVAE
from vae_tutorial.training.fit import fit
from vae_tutorial.training.recipes import Recipe, get_recipe


def _vocab_size(vocab_size, ids) -> int:
    return whole_number("vocab_size", vocab_size, 5000) if vocab_size is not None else int(ids.max()) + 1


def train_text_vae(
    train_ids,
    val_ids=None,
    vocab_size: int | None = None,
    recipe="cured",
    *,
    seed: int = 0,
    strategy=None,
    callbacks=(),
    verbose="auto",
    **changes,
):
    """A :class:`TextVAE` from a :class:`TextRecipe` ("repeat", "collapse" or "cured" in
    :data:`TEXT_RECIPES`, or your own). train_ids, val_ids: int (n, max_length) from a Vectorizer;
    vocab_size: the vectorizer's (default: the largest id + 1)."""
    recipe = get_recipe(recipe, TEXT_RECIPES, TextRecipe).replace(**changes)
    train_ids = token_ids("train_ids", train_ids)
    validation = None if val_ids is None else (token_ids("val_ids", val_ids, train_ids.shape[1]),)
    vocab_size = _vocab_size(vocab_size, train_ids)
    return fit(
        lambda: TextVAE(vocab_size, train_ids.shape[1], **recipe.model_kwargs(), seed=seed),
        train_ids,
        validation,
        recipe,
        seed=seed,
        strategy=strategy,
        callbacks=callbacks,
        verbose=verbose,
    )


def train_language_model(
    train_ids,
    val_ids=None,
    vocab_size: int | None = None,
    recipe="cured",
    *,
    seed: int = 0,
    strategy=None,
    callbacks=(),
    verbose="auto",
    **changes,
):
    """The :class:`LanguageModel` baseline with the decoder of a :class:`TextRecipe` (its
    embed_dim, decoder_units and cell; default: the "cured" VAE's), trained as that recipe says."""
    recipe = get_recipe(recipe, TEXT_RECIPES, TextRecipe).replace(**changes)
    train_ids = token_ids("train_ids", train_ids)
    validation = None if val_ids is None else (token_ids("val_ids", val_ids, train_ids.shape[1]),)
    vocab_size = _vocab_size(vocab_size, train_ids)
    return fit(
        lambda: LanguageModel(vocab_size, train_ids.shape[1], recipe.embed_dim, recipe.decoder_units, recipe.cell),
        train_ids,
        validation,
        recipe,
        seed=seed,
        strategy=strategy,
        callbacks=callbacks,
        verbose=verbose,
    )


def train_conditional_vae(
    train_ids,
    train_conditions,
    val_ids=None,
    val_conditions=None,
    vocab_size: int | None = None,
    recipe="cured",
    *,
    condition_dim: int | None = None,
    condition_scale: float | None = None,
    seed: int = 0,
    strategy=None,
    callbacks=(),
    verbose="auto",
    **changes,
):
    """A :class:`ConditionalTextVAE` from a :class:`TextRecipe`, trained on (ids, conditions).

    train_ids, val_ids: int (n, max_length) from a Vectorizer; train_conditions, val_conditions:
    float (n, condition_dim), one constraint vector per chunk (e.g.
    :func:`vae_tutorial.text.constraints.chunk_conditions`). condition_dim defaults to the width of
    train_conditions; conditions of another width are a DataError naming the expected size.
    condition_scale: the model's (default sqrt(condition_dim); see ConditionalTextVAE).
    """
    recipe = get_recipe(recipe, TEXT_RECIPES, TextRecipe).replace(**changes)
    train_ids = token_ids("train_ids", train_ids)
    if condition_dim is None:
        if np.ndim(train_conditions) != 2:
            raise DataError(
                "train_conditions",
                f"expected shape (n, embedding size), got {np.shape(train_conditions)}",
                "Pass one vector per chunk, e.g. chunk_conditions(kv, chunks).",
            )
        condition_dim = np.shape(train_conditions)[1]
    condition_dim = whole_number("condition_dim", condition_dim, 100)
    train_conditions = float_rows(
        "train_conditions", train_conditions, condition_dim, "the embedding size", len(train_ids)
    )
    validation = None
    if (val_ids is None) != (val_conditions is None):
        raise DataError(
            "val_ids, val_conditions", "only one of them is given", "Pass both (one condition per chunk) or neither."
        )
    if val_ids is not None:
        val_ids = token_ids("val_ids", val_ids, train_ids.shape[1])
        val_conditions = float_rows("val_conditions", val_conditions, condition_dim, "the embedding size", len(val_ids))
        validation = ((val_ids, val_conditions),)
    vocab_size = _vocab_size(vocab_size, train_ids)
    return fit(
        lambda: ConditionalTextVAE(
            vocab_size,
            train_ids.shape[1],
            condition_dim,
            condition_scale=condition_scale,
            **recipe.model_kwargs(),
            seed=seed,
        ),
        (train_ids, train_conditions),
        validation,
        recipe,
        seed=seed,
        strategy=strategy,
        callbacks=callbacks,
        verbose=verbose,
    )


def train_with_latent_penalty(
    model,
    train_ids,
    train_targets,
    val_ids=None,
    val_targets=None,
    *,
    latent_penalty: float = 1.0,
    penalty_margin: float = 0.0,
    recipe: Recipe | None = None,
    seed: int = 0,
    strategy=None,
    callbacks=(),
    verbose="auto",
    **changes,
):
    """Train a copy of a TextVAE with the original guide's latent penalty; returns (new model, history).

    The new model is a copy of ``model`` (same settings and weights, which stay untouched) with
    ``latent_penalty`` and ``penalty_margin`` set, trained at KL weight 1 on ``(train_ids,
    train_targets)``, targets float (n, latent_dim) e.g. from
    :func:`vae_tutorial.text.constraints.topic_targets`. recipe: how it trains (default: 5 epochs of
    batches of 64 at 1e-3); ``changes`` may also set any TextVAE setting (e.g. ``word_dropout=0.8``).

    ``model`` trained (train_text_vae) is the original guide's recipe, fine-tuning: the codes move
    to their targets but a decoder that learnt to lean on the previous words barely reads them. A
    new, untrained ``TextVAE(...)`` is trained with the penalty from its first step instead, and
    its decoder learns to read the topic from z (see benchmarks/constraints.py for both).
    """
    if not isinstance(model, TextVAE) or model.condition_dim:
        raise DataError(
            "model", f"is a {type(model).__name__}, not a plain TextVAE", "Pass a trained TextVAE (train_text_vae)."
        )
    recipe = recipe or Recipe(epochs=5)
    training = {key: changes.pop(key) for key in list(changes) if key in {f for f in recipe.to_dict()}}
    recipe = recipe.replace(**training, anneal_fraction=0.0)
    train_ids = token_ids("train_ids", train_ids, model.max_length)
    train_targets = float_rows("train_targets", train_targets, model.latent_dim, "the latent size", len(train_ids))
    validation = None
    if (val_ids is None) != (val_targets is None):
        raise DataError(
            "val_ids, val_targets", "only one of them is given", "Pass both (one target per chunk) or neither."
        )
    if val_ids is not None:
        val_ids = token_ids("val_ids", val_ids, model.max_length)
        val_targets = float_rows("val_targets", val_targets, model.latent_dim, "the latent size", len(val_ids))
        validation = ((val_ids, val_targets),)
    config = {key: value for key, value in model.get_config().items() if key not in ("name", "trainable", "dtype")}
    unknown = sorted(set(changes) - set(config))
    if unknown:
        raise DataError(
            ", ".join(unknown), "not a setting of the recipe or the TextVAE", f"Use any of {', '.join(sorted(config))}."
        )
    config.update(changes, latent_penalty=latent_penalty, penalty_margin=penalty_margin)

    def build():
        tuned = TextVAE(**config)
        tuned.encoder.set_weights(model.encoder.get_weights())
        tuned.decoder.set_weights(model.decoder.get_weights())
        return tuned

    return fit(
        build,
        (train_ids, train_targets),
        validation,
        recipe,
        seed=seed,
        strategy=strategy,
        callbacks=callbacks,
        verbose=verbose,
    )
