"""TextVAE: a sentence VAE with the original guide's RepeatVector decoder or an autoregressive one.

Input: token ids (batch, max_length) from :class:`vae_tutorial.text.tokens.Vectorizer`
(``[PAD]=0``, sentence tokens, ``[EOS]``). Losses in nats per sentence: the categorical NLL of
the real tokens (padding masked) and the KL, weighted by ``kl_weight`` (annealed by the
:class:`~vae_tutorial.training.callbacks.KLAnnealing` callback), with optional free bits and
word dropout, and the original guide's optional latent penalty that pulls each sentence's code towards a target code.
"""

from __future__ import annotations

import numpy as np

from vae_tutorial._backend import keras, tf
from keras import ops

from vae_tutorial.errors import DataError, codes
from vae_tutorial.text.layers import build_text_decoder, build_text_encoder, shift_right
from vae_tutorial.text.recipes import CELLS, DECODERS, ENCODERS
from vae_tutorial.text.tokens import BOS_ID, PAD_ID, UNK_ID
from vae_tutorial.theory.losses import free_bits_kl, kl_diagonal, projected_token_nll
from vae_tutorial.theory.sampling import Sampling
from vae_tutorial.training.loss_model import LossModel


def _check_choice(name, value, choices):
    if value not in choices:
        raise DataError(name, f"unknown name {value!r}", f"Use one of {choices}.")


@keras.saving.register_keras_serializable(package="vae_tutorial")
class TextVAE(LossModel):
    """A sentence VAE over token ids (batch, max_length).

    encoder: "bigru" (the original guide's) or "lstm". decoder: "repeat" (the original guide's) or "autoregressive".
    cell: the autoregressive decoder's recurrent cell, "gru" or "lstm".
    encoder_units / decoder_units: recurrent sizes (the original guide's are 32 and 32).
    word_dropout: probability of replacing a decoder input token by [UNK] while training.
    free_bits: nats per latent dimension below which the KL costs nothing extra (0 = off).
    latent_penalty: weight of the original guide's latent penalty (0 = off). When it is on, the model
    trains on ``(ids, target_codes)``, target_codes float (n, latent_dim), and the loss adds
    ``latent_penalty * mean(max(0, ||z_mean - target||^2 - penalty_margin))`` over the batch.
    penalty_margin: squared distance from its target within which a code costs nothing.
    ``kl_weight`` is a variable (1.0 unless a ``training.callbacks.KLAnnealing`` callback changes it).
    ``fit(ids, validation_data=(val_ids,))`` reports loss, reconstruction, kl and kl_weight,
    in nats per sentence; with the penalty on, ``fit(x=(ids, targets), validation_data=((val_ids,
    val_targets),))`` also reports ``penalty``, the weighted term that the loss includes.
    """

    condition_dim = 0

    def __init__(
        self,
        vocab_size: int,
        max_length: int,
        latent_dim: int = 32,
        embed_dim: int = 64,
        encoder: str = "bigru",
        decoder: str = "autoregressive",
        cell: str = "gru",
        encoder_units: int = 32,
        decoder_units: int = 32,
        word_dropout: float = 0.0,
        free_bits: float = 0.0,
        seed: int | None = None,
        latent_penalty: float = 0.0,
        penalty_margin: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        _check_choice("encoder", encoder, ENCODERS)
        _check_choice("decoder", decoder, DECODERS)
        _check_choice("cell", cell, CELLS)
        for name, value in (
            ("vocab_size", vocab_size),
            ("max_length", max_length),
            ("latent_dim", latent_dim),
            ("embed_dim", embed_dim),
            ("encoder_units", encoder_units),
            ("decoder_units", decoder_units),
        ):
            if int(value) != value or value < 1:
                raise DataError(name, f"must be a positive whole number, got {value!r}", "Use e.g. 32.")
        if not 0 <= word_dropout < 1:
            raise DataError("word_dropout", f"must be in [0, 1), got {word_dropout!r}", "Use e.g. 0.3.")
        if not free_bits >= 0:
            raise DataError("free_bits", f"must be >= 0, got {free_bits!r}", "Use 0 (off) or e.g. 0.1.")
        if not latent_penalty >= 0:
            raise DataError("latent_penalty", f"must be >= 0, got {latent_penalty!r}", "Use 0 (off) or e.g. 1.0.")
        if not penalty_margin >= 0:
            raise DataError("penalty_margin", f"must be >= 0, got {penalty_margin!r}", "Use 0 or e.g. 4.0.")
        if latent_penalty > 0 and self.condition_dim:
            raise DataError(
                "latent_penalty",
                f"is {latent_penalty!r}, but a conditional model takes its constraint as an input, not as a penalty",
                "Use a ConditionalTextVAE without latent_penalty, or a TextVAE with it.",
            )
        self.vocab_size, self.max_length, self.latent_dim = int(vocab_size), int(max_length), int(latent_dim)
        self.embed_dim, self.encoder_kind, self.decoder_kind, self.cell = int(embed_dim), encoder, decoder, cell
        self.encoder_units, self.decoder_units = int(encoder_units), int(decoder_units)
        self.word_dropout, self.free_bits, self.seed = float(word_dropout), float(free_bits), seed
        self.latent_penalty, self.penalty_margin = float(latent_penalty), float(penalty_margin)
        self.encoder = build_text_encoder(
            self.vocab_size,
            self.max_length,
            self.latent_dim,
            self.embed_dim,
            self.encoder_units,
            encoder,
            self.condition_dim,
        )
        self.decoder = build_text_decoder(
            self.vocab_size,
            self.max_length,
            self.latent_dim,
            self.embed_dim,
            self.decoder_units,
            decoder,
            cell,
            self.condition_dim,
        )
        # The decoder up to its output layer, sharing its layers: the losses project only the
        # real positions (losses.projected_token_nll). Private, so saving visits it after the
        # decoder and stores no weights twice (files from before it still load).
        self._decoder_features = keras.Model(
            self.decoder.inputs, self.decoder.get_layer("logits").input, name="decoder_features"
        )
        self.sampler = Sampling(seed=seed, name="sampling")
        self.dropout_seed = keras.random.SeedGenerator(None if seed is None else seed + 1)
        self.kl_weight = keras.Variable(1.0, trainable=False, name="kl_weight")
        names = ("loss", "reconstruction", "kl", "kl_weight") + (("penalty",) if self.latent_penalty > 0 else ())
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}
        self.built = True  # encoder and decoder are built functional models already

    @property
    def metrics(self):
        return list(self.trackers.values())

    # --- pieces shared by training, evaluation and generation -----------------------------

    def _unpack(self, data):
        """(ids, condition or None) from what fit/evaluate pass to train_step/test_step.

        With a latent penalty, the second input is the target codes (see ``_targets``), not a condition."""
        x = data[0] if isinstance(data, (tuple, list)) else data
        if isinstance(x, (tuple, list)):
            return ops.cast(x[0], "int32"), None if self.latent_penalty > 0 else x[1]
        return ops.cast(x, "int32"), None

    def _targets(self, data):
        """The target codes (batch, latent_dim) of a model with a latent penalty."""
        x = data[0] if isinstance(data, (tuple, list)) else data
        if not isinstance(x, (tuple, list)) or len(x) != 2:
            raise DataError(
                "x",
                "a TextVAE with a latent penalty trains on (ids, target_codes), got ids alone",
                f"Pass fit(x=(ids, target_codes)) with target_codes of shape (n, {self.latent_dim}).",
            )
        if x[1].shape[-1] not in (None, self.latent_dim):
            raise DataError(
                "target_codes",
                f"expected shape (n, {self.latent_dim}), got {tuple(x[1].shape)}",
                f"Pass one code of size {self.latent_dim} (the latent size) per example.",
            )
        return ops.cast(x[1], "float32")

    def _penalty(self, z_mean, targets):
        """latent_penalty * mean over the batch of max(0, ||z_mean - target||^2 - penalty_margin): a scalar."""
        distance = ops.sum(ops.square(z_mean - targets), axis=-1)
        return self.latent_penalty * ops.mean(ops.maximum(distance - self.penalty_margin, 0.0))

    def _encode(self, ids, condition, training):
        return self.encoder(ids if condition is None else [ids, condition], training=training)

    def _decode(self, z, decoder_ids, condition, training):
        inputs = [z, decoder_ids] if condition is None else [z, decoder_ids, condition]
        return self.decoder(inputs, training=training)

    def _decoded_nll(self, ids, z, decoder_ids, condition, training):
        """-log p(ids | z) per sentence (n,), nats: the decoder's masked token NLL."""
        inputs = [z, decoder_ids] if condition is None else [z, decoder_ids, condition]
        features = self._decoder_features(inputs, training=training)
        return projected_token_nll(ids, features, self.decoder.get_layer("logits"), PAD_ID)

    def _drop_words(self, decoder_ids):
        """Replace each real input token (not [PAD]/[BOS]) by [UNK] with probability word_dropout."""
        noise = keras.random.uniform(ops.shape(decoder_ids), seed=self.dropout_seed)
        droppable = ops.logical_and(ops.not_equal(decoder_ids, PAD_ID), ops.not_equal(decoder_ids, BOS_ID))
        drop = ops.logical_and(droppable, noise < self.word_dropout)
        return ops.where(drop, ops.full_like(decoder_ids, UNK_ID), decoder_ids)

    def decoder_inputs(self, ids, training: bool = False):
        """Teacher-forcing inputs: ids shifted right after [BOS], with word dropout if training."""
        shifted = shift_right(ids)
        if training and self.word_dropout > 0 and self.decoder_kind == "autoregressive":
            shifted = self._drop_words(shifted)
        return shifted

    def call(self, inputs, training=False):
        """Logits (n, max_length, vocab) of the reconstruction through one z ~ q(z|x); inputs: ids,
        or (ids, conditions) for a conditional model."""
        ids, condition = self._unpack((inputs,))  # model inputs, as fit hands them: (x,)
        z_mean, z_log_var = self._encode(ids, condition, training)
        z = self.sampler([z_mean, z_log_var])
        return self._decode(z, self.decoder_inputs(ids, training), condition, training)

    def _loss_terms(self, data, training):
        """(total, reconstruction, kl, penalty or None): scalars, nats per sentence."""
        ids, condition = self._unpack(data)
        z_mean, z_log_var = self._encode(ids, condition, training)
        z = self.sampler([z_mean, z_log_var])
        recon = ops.mean(self._decoded_nll(ids, z, self.decoder_inputs(ids, training), condition, training))
        kl = ops.mean(kl_diagonal(z_mean, z_log_var))
        kl_term = free_bits_kl(z_mean, z_log_var, self.free_bits) if self.free_bits > 0 else kl
        total = recon + self.kl_weight * kl_term
        if self.latent_penalty <= 0:
            return total, recon, kl, None
        penalty = self._penalty(z_mean, self._targets(data))
        return total + penalty, recon, kl, penalty

    def _update(self, total, recon, kl, penalty=None):
        values = {"loss": total, "reconstruction": recon, "kl": kl, "kl_weight": self.kl_weight}
        if penalty is not None:
            values["penalty"] = penalty
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    # --- NumPy in and out -----------------------------------------------------------------

    def encode(self, ids, condition=None, batch_size: int = 256):
        """Posterior parameters (z_mean, z_log_var) for ids (n, max_length): NumPy (n, latent_dim)."""
        inputs = self._inputs(ids, condition)
        return self.encoder.predict(inputs, batch_size=batch_size, verbose=0)

    def decoder_logits(self, z, decoder_ids, condition=None, batch_size: int = 256) -> np.ndarray:
        """Logits (n, max_length, vocab) for codes z (n, latent_dim) and teacher-forcing inputs."""
        z = codes("z", z, self.latent_dim)
        inputs = [z, self._ids(decoder_ids, "decoder_ids")] + (
            [] if condition is None else [self._condition(condition, len(z))]
        )
        return self.decoder.predict(inputs, batch_size=batch_size, verbose=0)

    def reconstruction_nll(self, ids, z, condition=None, batch_size: int = 256) -> np.ndarray:
        """-log p(x | z) per sentence (n,), nats: masked token NLL with teacher forcing.

        Works in chunks of ``batch_size`` so that the (n, max_length, vocab) logits of a large
        n (e.g. an IWAE estimate's k copies of every sentence) never sit in memory at once."""
        ids = self._ids(ids)
        z = codes("z", z, self.latent_dim)
        cond = None if condition is None else self._condition(condition, len(ids))
        out = np.empty(len(ids), np.float32)
        for start in range(0, len(ids), batch_size):
            sl = slice(start, start + batch_size)
            chunk = ops.convert_to_tensor(ids[sl])
            cond_sl = None if cond is None else ops.convert_to_tensor(cond[sl])
            out[sl] = np.asarray(self._chunk_nll(chunk, ops.convert_to_tensor(z[sl]), cond_sl))
        return out

    @tf.function(reduce_retracing=True)
    def _chunk_nll(self, ids, z, condition):
        """-log p(ids | z) per sentence of one chunk, as one traced graph: run eagerly, the
        recurrent decoder takes about twice as long (IWAE evaluates it k times per sentence)."""
        return self._decoded_nll(ids, z, shift_right(ids), condition, False)

    def _condition(self, condition, n):
        cond = np.asarray(condition, np.float32)
        if cond.ndim == 1:
            cond = np.broadcast_to(cond, (n, cond.shape[0]))
        if cond.shape != (n, self.condition_dim):
            raise DataError(
                "condition",
                f"expected shape ({n}, {self.condition_dim}), got {cond.shape}",
                f"Pass one vector of size {self.condition_dim} per example.",
            )
        return cond

    def _inputs(self, ids, condition):
        ids = self._ids(ids)
        return ids if self.condition_dim == 0 else [ids, self._condition(condition, len(ids))]

    def _ids(self, ids, name: str = "ids") -> np.ndarray:
        """``ids`` as int32 (n, max_length), every id in the vocabulary; a DataError naming ``name``."""
        fix = "Encode the texts with the model's vectorizer."
        raw = np.asarray(ids)
        whole = raw.dtype.kind in "iub" or (
            raw.dtype.kind == "f" and np.isfinite(raw).all() and np.array_equal(raw, np.round(raw))
        )
        if not whole:
            raise DataError(name, f"must hold whole-number token ids, got dtype {raw.dtype}", fix)
        ids = raw.astype(np.int32)
        if ids.ndim != 2 or ids.shape[1] != self.max_length:
            raise DataError(name, f"expected shape (n, {self.max_length}), got {ids.shape}", fix)
        if ids.size and not (0 <= ids.min() and ids.max() < self.vocab_size):
            raise DataError(
                name, f"holds ids outside the vocabulary [0, {self.vocab_size}): {ids.min()} to {ids.max()}", fix
            )
        return ids

    def copy(self, **changes) -> TextVAE:
        """A new model of this class with this one's settings, ``changes`` applied (``seed=1``,
        ``latent_penalty=1.0``), and this one's weights (not its optimizer's state): what fine-tuning
        starts from, and what the shipped model is packed as."""
        model = type(self).from_config({**self.get_config(), **changes})
        model.set_weights(self.get_weights())
        return model

    def get_config(self):
        return {
            **super().get_config(),
            "vocab_size": self.vocab_size,
            "max_length": self.max_length,
            "latent_dim": self.latent_dim,
            "embed_dim": self.embed_dim,
            "encoder": self.encoder_kind,
            "decoder": self.decoder_kind,
            "cell": self.cell,
            "encoder_units": self.encoder_units,
            "decoder_units": self.decoder_units,
            "word_dropout": self.word_dropout,
            "free_bits": self.free_bits,
            "seed": self.seed,
            "latent_penalty": self.latent_penalty,
            "penalty_margin": self.penalty_margin,
        }
