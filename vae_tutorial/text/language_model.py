"""LanguageModel: a recurrent language model with no latent variable, the baseline that shows what z buys."""

from __future__ import annotations

import numpy as np

from vae_tutorial._backend import keras
from keras import layers, ops

from vae_tutorial.errors import DataError
from vae_tutorial.text.layers import shift_right
from vae_tutorial.text.recipes import CELLS
from vae_tutorial.text.tokens import PAD_ID
from vae_tutorial.theory.losses import masked_token_nll, projected_token_nll
from vae_tutorial.training.loss_model import LossModel


@keras.saving.register_keras_serializable(package="vae_tutorial")
class LanguageModel(LossModel):
    """Same decoder shape as the autoregressive TextVAE (embedding, GRU/LSTM, logits), trained on
    ids (batch, max_length) with teacher forcing; ``loss`` is the masked token NLL in nats per
    sentence, an exact -log p(x), comparable with a VAE's IWAE estimate. It trains through the
    same ``train_step`` as the VAEs (:class:`~vae_tutorial.training.loss_model.LossModel`)."""

    def __init__(
        self, vocab_size: int, max_length: int, embed_dim: int = 64, units: int = 256, cell: str = "gru", **kwargs
    ):
        super().__init__(**kwargs)
        if cell not in CELLS:
            raise DataError("cell", f"unknown name {cell!r}", f"Use one of {CELLS}.")
        self.vocab_size, self.max_length, self.embed_dim, self.units, self.cell = (
            int(vocab_size),
            int(max_length),
            int(embed_dim),
            int(units),
            cell,
        )
        self.embedding = layers.Embedding(self.vocab_size, self.embed_dim)
        self.rnn = (layers.GRU if cell == "gru" else layers.LSTM)(self.units, return_sequences=True)
        self.logits = layers.Dense(self.vocab_size)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.build((None, self.max_length))

    def build(self, input_shape):
        self.embedding.build(input_shape)
        self.rnn.build((*input_shape, self.embed_dim))
        self.logits.build((*input_shape, self.units))
        self.built = True

    @property
    def metrics(self):
        return [self.loss_tracker]

    def call(self, ids, training=False):
        """Logits (n, max_length, vocab) of each next token given the previous ones."""
        return self.logits(self._features(ids, training))

    def _features(self, ids, training):
        """The recurrent states (n, max_length, units) that the output layer projects."""
        return self.rnn(self.embedding(shift_right(ops.cast(ids, "int32"))), training=training)

    def _loss_terms(self, data, training):
        """(loss,): the mean -log p(x) of the batch, nats per sentence."""
        ids = ops.cast(data[0] if isinstance(data, (tuple, list)) else data, "int32")
        return (ops.mean(projected_token_nll(ids, self._features(ids, training), self.logits, PAD_ID)),)

    def _update(self, loss):
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}

    def nll(self, ids, batch_size: int = 256) -> np.ndarray:
        """-log p(x) per sentence (n,), nats."""
        ids = np.asarray(ids, np.int32)
        logits = self.predict(ids, batch_size=batch_size, verbose=0)
        return np.asarray(masked_token_nll(ids, logits, PAD_ID))

    def get_config(self):
        return {
            **super().get_config(),
            "vocab_size": self.vocab_size,
            "max_length": self.max_length,
            "embed_dim": self.embed_dim,
            "units": self.units,
            "cell": self.cell,
        }
