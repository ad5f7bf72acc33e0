"""ConditionalTextVAE: a text VAE whose encoder and decoder also see a constraint vector.

The original guide's "sentence-level constraints" fed a flat embedding vector to an LSTM (which
wants a sequence) and asked the decoder to reproduce the constraint itself. Here the constraint
is a word-embedding vector c (n, condition_dim), e.g. the mean unit embedding of a chunk's
words (:func:`vae_tutorial.text.constraints.chunk_conditions`); the model joins c to the encoder's
summary before the latent heads, q(z | x, c), and to z before the decoder, p(x | z, c). Train
each chunk with its own vector; generate with a topic's vector
(:func:`vae_tutorial.text.embeddings.topic_vector`) and codes from the prior::

    conditions = chunk_conditions(kv, train_chunks)
    model, history = train_conditional_vae(train_ids, conditions, recipe.replace(epochs=10))
    texts = generate.sample(model, vectorizer, n=5, condition=topic_vector(kv, ["cricket"]))

Losses are in nats per chunk, as for the TextVAE.
"""

from __future__ import annotations

import math

import numpy as np

from vae_tutorial._backend import keras
from vae_tutorial.errors import DataError, whole_number
from vae_tutorial.text.vae import TextVAE


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
    ``condition=`` of :mod:`vae_tutorial.text.decoding` take one vector per row, or one vector
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
        self.condition_dim = whole_number("condition_dim", condition_dim, 100)  # read by TextVAE's builders
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
