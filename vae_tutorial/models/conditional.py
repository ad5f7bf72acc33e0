"""Topic constraints for the text VAE: a conditional VAE, and the seed's latent-penalty recipe.

The seed document's "sentence-level constraints" fed a flat embedding vector to an LSTM (which
wants a sequence) and asked the decoder to reproduce the constraint itself. Here the constraint
is a word-embedding vector c (n, condition_dim), e.g. the mean unit embedding of a chunk's
words (:func:`chunk_conditions`); :class:`ConditionalTextVAE` joins c to the encoder's summary
before the latent heads, q(z | x, c), and to z before the decoder, p(x | z, c). Train each chunk
with its own vector; generate with a topic's vector (:func:`vae_tutorial.embeddings.topic_vector`)
and codes from the prior::

    conditions = chunk_conditions(kv, train_chunks)
    model, history = train_conditional_vae(train_ids, conditions, epochs=10)
    texts = generation.sample(model, vectorizer, n=5, condition=topic_vector(kv, ["cricket"]))

The seed's other idea, a latent penalty, is an option of the plain
:class:`~vae_tutorial.models.text_vae.TextVAE`: :func:`topic_targets` gives every chunk the
latent code of its topic's keywords, :func:`train_with_latent_penalty` fine-tunes a trained
model towards them, and :func:`codes_around` draws codes near a topic's code to decode.
Losses are in nats per chunk, as for the TextVAE.
"""

from __future__ import annotations

import math

import numpy as np

from vae_tutorial._tensorflow import tf  # noqa: F401  (TensorFlow's start-up lines silenced)
import keras  # noqa: E402

from vae_tutorial.embeddings import text_vector, topic_vector  # noqa: E402
from vae_tutorial.errors import DataError  # noqa: E402
from vae_tutorial.models.text_vae import TextVAE, fit_recipe, recipe_spec  # noqa: E402


def _whole(name: str, value, example: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer | float) or int(value) != value or value < 1:
        raise DataError(name, f"must be a positive whole number, got {value!r}", f"Use e.g. {example}.")
    return int(value)


@keras.saving.register_keras_serializable(package="vae_tutorial")
class ConditionalTextVAE(TextVAE):
    """A TextVAE whose encoder and decoder also see a constraint vector (n, condition_dim).

    condition_dim: the size of the constraint vectors (the word-embedding size).
    condition_scale: the model multiplies every constraint vector by this before use (default
    sqrt(condition_dim)): the entries of a unit vector are about 1 / sqrt(condition_dim), 0.1 for
    100 dimensions, too faint next to the word embeddings and z for the model to heed; scaled,
    they are about 1. Pass unit vectors in and out; the scale is saved with the model.
    The other arguments, the decoders, the cures (word dropout, free bits, KL annealing) and the
    losses (nats per chunk) are the TextVAE's; it has no latent penalty (the constraint is an input).
    ``fit(x=(ids, conditions), validation_data=((val_ids, val_conditions),))``;
    ``encode(ids, condition)``, ``decoder_logits(z, decoder_ids, condition)`` and the
    ``condition=`` of :mod:`vae_tutorial.generation` take one vector per row, or one vector
    (condition_dim,) for every row.
    """

    def __init__(
        self,
        vocab_size: int,
        max_length: int,
        condition_dim: int,
        latent_dim: int = 32,
        condition_scale: float | None = None,
        **kwargs,
    ):
        self.condition_dim = _whole("condition_dim", condition_dim, 100)  # read by TextVAE's builders
        if condition_scale is None:
            condition_scale = math.sqrt(self.condition_dim)
        if not (isinstance(condition_scale, int | float | np.floating) and 0 < condition_scale < math.inf):
            raise DataError(
                "condition_scale", f"must be a positive number, got {condition_scale!r}", "Use e.g. 10.0, or None."
            )
        self.condition_scale = float(condition_scale)
        super().__init__(vocab_size, max_length, latent_dim, **kwargs)

    def _unpack(self, data):
        """(ids, condition); a DataError if the condition is missing or, when its width is known while the
        step is traced (the first fit of a model), of the wrong width (train_conditional_vae always checks)."""
        ids, condition = super()._unpack(data)
        if condition is None:
            raise DataError(
                "x",
                "a ConditionalTextVAE trains on (ids, conditions), got ids alone",
                f"Pass fit(x=(ids, conditions)) with conditions of shape (n, {self.condition_dim}).",
            )
        if condition.shape[-1] not in (None, self.condition_dim):
            raise DataError("condition", *self._wrong_shape("n", tuple(condition.shape)))
        return ids, self.condition_scale * keras.ops.cast(condition, "float32")

    def _wrong_shape(self, n, shape) -> tuple[str, str]:
        """(problem, fix) of a condition of the wrong shape."""
        return (
            f"expected shape ({n}, {self.condition_dim}), got {shape}",
            f"Pass one vector of size {self.condition_dim} per example (the embedding size).",
        )

    def _missing(self):
        return DataError(
            "condition", "is missing", f"Pass one vector of size {self.condition_dim} (the embedding size)."
        )

    def _condition(self, condition, n):
        """The model's input float32 (n, condition_dim): the constraint (one vector per row, or one for
        all rows) times condition_scale; DataError for another shape. Every NumPy entry point (encode,
        decoder_logits, reconstruction_nll, generation) passes its condition through here once."""
        if condition is None:
            raise self._missing()
        cond = np.asarray(condition, np.float32)
        if cond.ndim == 1 and cond.shape[0] == self.condition_dim:
            cond = np.broadcast_to(cond, (n, self.condition_dim))
        if cond.shape != (n, self.condition_dim):
            raise DataError("condition", *self._wrong_shape(n, cond.shape))
        return self.condition_scale * cond

    def decoder_logits(self, z, decoder_ids, condition=None, batch_size: int = 256) -> np.ndarray:
        if condition is None:
            raise self._missing()
        return super().decoder_logits(z, decoder_ids, condition, batch_size)

    def reconstruction_nll(self, ids, z, condition=None, batch_size: int = 256) -> np.ndarray:
        if condition is None:
            raise self._missing()
        return super().reconstruction_nll(ids, z, condition, batch_size)

    def get_config(self):
        return {**super().get_config(), "condition_dim": self.condition_dim, "condition_scale": self.condition_scale}


def chunk_conditions(kv, chunks) -> np.ndarray:
    """float32 (n, kv.vector_size): each chunk's constraint vector, the normalised mean of the unit
    embeddings of its known words (:func:`~vae_tutorial.embeddings.text_vector`; zeros if none)."""
    chunks = [chunks] if isinstance(chunks, str) else list(chunks)
    if not chunks:
        return np.zeros((0, kv.vector_size), np.float32)
    return np.stack([text_vector(kv, chunk) for chunk in chunks]).astype(np.float32)


def _rows(name: str, array, width: int, width_name: str, n: int) -> np.ndarray:
    """``array`` as float32 (n, width); otherwise a DataError naming the expected size."""
    array = np.asarray(array, np.float32)
    if array.shape != (n, width):
        raise DataError(
            name,
            f"expected shape ({n}, {width}), got {array.shape}",
            f"Pass one vector of size {width} per example ({width_name}).",
        )
    return array


def _ids(name: str, ids, max_length: int | None = None) -> np.ndarray:
    ids = np.asarray(ids, np.int32)
    if ids.ndim != 2 or len(ids) == 0 or (max_length is not None and ids.shape[1] != max_length):
        expected = "(n, max_length)" if max_length is None else f"(n, {max_length})"
        raise DataError(
            name,
            f"expected a non-empty {expected} array, got shape {ids.shape}",
            "Encode the chunks with a Vectorizer.",
        )
    return ids


def train_conditional_vae(
    train_ids,
    train_conditions,
    val_ids=None,
    val_conditions=None,
    vocab_size: int | None = None,
    condition_dim: int | None = None,
    recipe: str = "cured",
    epochs: int = 10,
    latent_dim: int = 32,
    batch_size: int = 64,
    learning_rate: float = 1e-3,
    seed: int = 0,
    verbose="auto",
    callbacks=(),
    **model_overrides,
):
    """Build, compile and ``fit`` a ConditionalTextVAE from a named TextVAE recipe; returns (model, history).

    train_ids, val_ids: int (n, max_length) from a Vectorizer; train_conditions, val_conditions:
    float (n, condition_dim), one constraint vector per chunk (e.g. :func:`chunk_conditions`).
    condition_dim defaults to the width of train_conditions; conditions of another width are a
    DataError naming the expected size. Like ``train_text_vae``: the "cured" recipe anneals the
    KL weight from 0 to 1 over the first half of training; seeds everything first.
    """
    spec = recipe_spec(recipe)
    train_ids = _ids("train_ids", train_ids)
    if condition_dim is None:
        if np.ndim(train_conditions) != 2:
            raise DataError(
                "train_conditions",
                f"expected shape (n, embedding size), got {np.shape(train_conditions)}",
                "Pass one vector per chunk, e.g. chunk_conditions(kv, chunks).",
            )
        condition_dim = np.shape(train_conditions)[1]
    condition_dim = _whole("condition_dim", condition_dim, 100)
    train_conditions = _rows("train_conditions", train_conditions, condition_dim, "the embedding size", len(train_ids))
    validation = None
    if (val_ids is None) != (val_conditions is None):
        raise DataError(
            "val_ids, val_conditions", "only one of them is given", "Pass both (one condition per chunk) or neither."
        )
    if val_ids is not None:
        val_ids = _ids("val_ids", val_ids, train_ids.shape[1])
        val_conditions = _rows("val_conditions", val_conditions, condition_dim, "the embedding size", len(val_ids))
        validation = ((val_ids, val_conditions),)
    vocab_size = int(vocab_size or train_ids.max() + 1)
    return fit_recipe(
        lambda: ConditionalTextVAE(
            vocab_size, train_ids.shape[1], condition_dim, latent_dim, seed=seed, **{**spec["model"], **model_overrides}
        ),
        (train_ids, train_conditions),
        validation,
        len(train_ids),
        spec["anneal_fraction"],
        epochs,
        batch_size,
        learning_rate,
        seed,
        verbose,
        callbacks,
    )


# --- the seed's latent penalty -----------------------------------------------------------------


def nearest_topics(kv, texts, topic_vectors: dict) -> list[str | None]:
    """The name of the topic whose vector is closest (cosine) to each text's
    :func:`~vae_tutorial.embeddings.text_vector`; None for a text with no known word."""
    names = list(topic_vectors)
    if not names:
        raise DataError("topic_vectors", "is empty", "Pass {name: topic_vector(kv, keywords)} for each topic.")
    matrix = np.stack([np.asarray(topic_vectors[name], np.float64) for name in names])
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    vectors = chunk_conditions(kv, texts).astype(np.float64)
    best = np.argmax(vectors @ matrix.T, axis=1)
    return [names[b] if v.any() else None for b, v in zip(best, vectors, strict=True)]


def topic_targets(
    model, vectorizer, kv, chunks, topics: dict, codes: dict | None = None
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Latent-penalty targets: (targets (n, latent_dim), codes {topic: (latent_dim,)}), float32.

    topics: {name: keywords}. Each chunk's target is the code of its nearest topic
    (:func:`nearest_topics`); a chunk with no known word keeps its own posterior mean under the
    trained ``model`` (a TextVAE), so it is not pulled. The codes are ``codes`` if given (e.g.
    :func:`separated_codes`), else the seed's choice: the posterior mean of each topic's keyword
    string ("fire firefighters blaze") under ``model``.
    """
    if not topics:
        raise DataError("topics", "is empty", "Pass {name: [keywords]} for each topic.")
    chunks = [chunks] if isinstance(chunks, str) else list(chunks)
    names = list(topics)
    if codes is None:
        strings = [" ".join(topics[name]) if not isinstance(topics[name], str) else topics[name] for name in names]
        keyword_codes, _ = model.encode(vectorizer.encode(strings))
        codes = {name: keyword_codes[i] for i, name in enumerate(names)}
    missing = [name for name in names if name not in codes]
    if missing:
        raise DataError("codes", f"has no code for {', '.join(map(repr, missing))}", "Give every topic a code.")
    codes = {name: _rows("codes", [codes[name]], model.latent_dim, "the latent size", 1)[0] for name in names}
    nearest = nearest_topics(kv, chunks, {name: topic_vector(kv, topics[name]) for name in names})
    own, _ = model.encode(vectorizer.encode(chunks))
    targets = np.stack([own[i] if name is None else codes[name] for i, name in enumerate(nearest)])
    return targets.astype(np.float32), codes


def train_with_latent_penalty(
    model,
    train_ids,
    train_targets,
    val_ids=None,
    val_targets=None,
    latent_penalty: float = 1.0,
    penalty_margin: float = 0.0,
    epochs: int = 5,
    batch_size: int = 64,
    learning_rate: float = 1e-3,
    seed: int = 0,
    verbose="auto",
    callbacks=(),
    **model_overrides,
):
    """Train a copy of a TextVAE with the latent penalty; returns (new model, history).

    The new model is a copy of ``model`` (same settings and weights, which stay untouched) with
    ``latent_penalty`` and ``penalty_margin`` set, and any other setting changed by keyword (e.g.
    ``word_dropout=0.8``), trained for ``epochs`` at KL weight 1 on ``(train_ids, train_targets)``,
    targets float (n, latent_dim) e.g. from :func:`topic_targets`.

    ``model`` trained (train_text_vae) is the seed's recipe, fine-tuning: the codes move to their
    targets but a decoder that learnt to lean on the previous words barely reads them. A new,
    untrained ``TextVAE(...)`` is trained with the penalty from its first step instead, and its
    decoder learns to read the topic from z (see benchmarks/constraints.py for both).
    """
    from vae_tutorial.config import seed_everything

    if not isinstance(model, TextVAE) or model.condition_dim:
        raise DataError(
            "model", f"is a {type(model).__name__}, not a plain TextVAE", "Pass a trained TextVAE (train_text_vae)."
        )
    train_ids = _ids("train_ids", train_ids, model.max_length)
    train_targets = _rows("train_targets", train_targets, model.latent_dim, "the latent size", len(train_ids))
    validation = None
    if (val_ids is None) != (val_targets is None):
        raise DataError(
            "val_ids, val_targets", "only one of them is given", "Pass both (one target per chunk) or neither."
        )
    if val_ids is not None:
        val_ids = _ids("val_ids", val_ids, model.max_length)
        val_targets = _rows("val_targets", val_targets, model.latent_dim, "the latent size", len(val_ids))
        validation = ((val_ids, val_targets),)
    config = {key: value for key, value in model.get_config().items() if key not in ("name", "trainable", "dtype")}
    config.update(model_overrides, latent_penalty=latent_penalty, penalty_margin=penalty_margin)
    seed_everything(seed)
    tuned = TextVAE(**config)
    tuned.encoder.set_weights(model.encoder.get_weights())
    tuned.decoder.set_weights(model.decoder.get_weights())
    tuned.compile(keras.optimizers.Adam(learning_rate))
    history = tuned.fit(
        (train_ids, train_targets),
        validation_data=validation,
        epochs=epochs,
        batch_size=batch_size,
        verbose=verbose,
        callbacks=list(callbacks),
    )
    return tuned, history


def separated_codes(names, latent_dim: int, radius: float = 3.0) -> dict[str, np.ndarray]:
    """{name: radius * e_i}: one code per topic on its own latent axis, float32 (latent_dim,); any two
    are radius * sqrt(2) apart. Targets that the latent penalty can keep apart, unlike the codes of
    short keyword strings, which a text VAE tends to put almost on top of each other."""
    names = list(names)
    if not 0 < len(names) <= latent_dim:
        raise DataError("names", f"has {len(names)} topics for {latent_dim} latent axes", "Pass 1 to latent_dim names.")
    return {name: (radius * np.eye(latent_dim, dtype=np.float32)[i]) for i, name in enumerate(names)}


def codes_around(code, n: int = 5, scale: float = 1.0, seed: int | None = None) -> np.ndarray:
    """float32 (n, latent_dim): ``code + scale * eps``, eps ~ N(0, I): codes to decode near a topic's code."""
    code = np.asarray(code, np.float32)
    if code.ndim != 1:
        raise DataError("code", f"expected one code of shape (latent_dim,), got {code.shape}", "Pass codes['cricket'].")
    n = _whole("n", n, 5)
    return (code + scale * np.random.default_rng(seed).standard_normal((n, len(code)))).astype(np.float32)
