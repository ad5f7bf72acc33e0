"""TextVAE: a sentence VAE with the seed's RepeatVector decoder or an autoregressive one.

Input: token ids (batch, max_length) from :class:`vae_tutorial.data.text.Vectorizer`
(``[PAD]=0``, sentence tokens, ``[EOS]``). Losses in nats per sentence: the categorical NLL of
the real tokens (padding masked) and the KL, weighted by ``kl_weight`` (annealed by the
:class:`KLAnnealing` callback), with optional free bits and word dropout, and the seed's
optional latent penalty that pulls each sentence's code towards a target code.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import numpy as np

from vae_tutorial._tensorflow import tf
import keras  # noqa: E402
from keras import layers, ops  # noqa: E402
from keras.src.backend.common import global_state  # noqa: E402  (private: see _without_object_sharing)

from vae_tutorial.data.text import BOS_ID, PAD_ID, UNK_ID  # noqa: E402
from vae_tutorial.errors import DataError  # noqa: E402
from vae_tutorial.models.base import VAEModel  # noqa: E402
from vae_tutorial.losses import free_bits_kl, kl_diagonal, masked_token_nll, projected_token_nll  # noqa: E402
from vae_tutorial.sampling import Sampling  # noqa: E402

ENCODERS = ("bigru", "lstm")
DECODERS = ("repeat", "autoregressive")
CELLS = ("gru", "lstm")


_SHARING_MAPS = ("shared_objects/id_to_obj_map", "shared_objects/id_to_config_map")


@contextlib.contextmanager
def _without_object_sharing():
    """Switch off Keras' load-time object sharing while a model builds its layers.

    While ``load_model`` rebuilds a model it matches the objects it serializes by ``id()``, and
    ``Bidirectional`` serializes the layer it wraps twice. Once a wrapped GRU has been freed, the
    next one can get its ``id()`` and be handed the earlier layer: about one load in a hundred
    failed with "Forward layer and backward layer should have different `go_backwards` value"
    (Keras 3.15), and a silently shared layer was possible too. A TextVAE shares no layers, so
    nothing is lost by switching the matching off while it is built.
    """
    saved = [global_state.get_global_attribute(key) for key in _SHARING_MAPS]
    for key in _SHARING_MAPS:
        global_state.set_global_attribute(key, None)
    try:
        yield
    finally:
        for key, value in zip(_SHARING_MAPS, saved, strict=True):
            global_state.set_global_attribute(key, value)


def _rnn(cell: str, units: int, **kwargs):
    return (layers.GRU if cell == "gru" else layers.LSTM)(units, **kwargs)


def build_text_encoder(vocab_size, max_length, latent_dim, embed_dim, units, kind, extra_dim=0) -> keras.Model:
    """ids (n, max_length) [+ a condition (n, extra_dim)] -> (z_mean, z_log_var).

    "bigru" is the seed's: Embedding, BiGRU(units, sequences), BiGRU(units // 2), Dense(units // 2);
    "lstm" the blog section's, with the Embedding it lacked: Embedding, LSTM(units). Padding is
    masked (``mask_zero``). A condition vector, if any, joins the summary before the heads.
    """
    ids = keras.Input((max_length,), dtype="int32", name="ids")
    x = layers.Embedding(vocab_size, embed_dim, mask_zero=True, name="encoder_embedding")(ids)
    if kind == "bigru":
        x = layers.Bidirectional(layers.GRU(units, return_sequences=True))(x)
        x = layers.Bidirectional(layers.GRU(max(1, units // 2)))(x)
        x = layers.Dense(max(1, units // 2), activation="relu")(x)
    else:
        x = layers.LSTM(units)(x)
    inputs = [ids]
    if extra_dim:
        condition = keras.Input((extra_dim,), name="condition")
        inputs.append(condition)
        x = layers.Concatenate()([x, condition])
    heads = [layers.Dense(latent_dim, name="z_mean")(x), layers.Dense(latent_dim, name="z_log_var")(x)]
    return keras.Model(inputs if extra_dim else ids, heads, name="encoder")


def build_text_decoder(vocab_size, max_length, latent_dim, embed_dim, units, kind, cell, extra_dim=0) -> keras.Model:
    """(z [+ condition], decoder input ids) -> logits (n, max_length, vocab_size).

    "repeat" (the seed's): Dense(units // 2), RepeatVector, BiGRU(units // 2), BiGRU(units),
    per-step Dense; it ignores the input ids, so every word is predicted from z alone.
    "autoregressive": teacher forcing; z sets the recurrent state and joins every input step,
    the input is the target shifted right after [BOS].
    """
    z_in = keras.Input((latent_dim,), name="z")
    prev = keras.Input((max_length,), dtype="int32", name="decoder_ids")
    inputs = [z_in, prev]
    z = z_in
    if extra_dim:
        condition = keras.Input((extra_dim,), name="condition")
        inputs.append(condition)
        z = layers.Concatenate()([z_in, condition])
    if kind == "repeat":
        x = layers.Dense(max(1, units // 2))(z)
        x = layers.RepeatVector(max_length)(x)
        x = layers.Bidirectional(layers.GRU(max(1, units // 2), return_sequences=True))(x)
        x = layers.Bidirectional(layers.GRU(units, return_sequences=True))(x)
    else:
        emb = layers.Embedding(vocab_size, embed_dim, name="decoder_embedding")(prev)
        x = layers.Concatenate()([emb, layers.RepeatVector(max_length)(z)])
        state = layers.Dense(units, activation="tanh", name="initial_state")(z)
        states = [state] if cell == "gru" else [state, layers.Dense(units, name="initial_cell")(z)]
        x = _rnn(cell, units, return_sequences=True)(x, initial_state=states)
    logits = layers.Dense(vocab_size, name="logits")(x)
    return keras.Model(inputs, logits, name="decoder")


def shift_right(ids):
    """Decoder inputs for teacher forcing: [BOS] followed by ids[:, :-1]."""
    bos = ops.full((ops.shape(ids)[0], 1), BOS_ID, dtype=ids.dtype)
    return ops.concatenate([bos, ids[:, :-1]], axis=1)


def _check_choice(name, value, choices):
    if value not in choices:
        raise DataError(name, f"unknown name {value!r}", f"Use one of {choices}.")


@keras.saving.register_keras_serializable(package="vae_tutorial")
class TextVAE(VAEModel):
    """A sentence VAE over token ids (batch, max_length).

    encoder: "bigru" (seed) or "lstm". decoder: "repeat" (seed) or "autoregressive".
    cell: the autoregressive decoder's recurrent cell, "gru" or "lstm".
    encoder_units / decoder_units: recurrent sizes (the seed's are 32 and 32).
    word_dropout: probability of replacing a decoder input token by [UNK] while training.
    free_bits: nats per latent dimension below which the KL costs nothing extra (0 = off).
    latent_penalty: weight of the seed's latent penalty (0 = off). When it is on, the model
    trains on ``(ids, target_codes)``, target_codes float (n, latent_dim), and the loss adds
    ``latent_penalty * mean(max(0, ||z_mean - target||^2 - penalty_margin))`` over the batch.
    penalty_margin: squared distance from its target within which a code costs nothing.
    ``kl_weight`` is a variable (1.0 unless a :class:`KLAnnealing` callback changes it).
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
        """Logits (n, max_length, vocab) of the reconstruction through one z ~ q(z|x)."""
        ids, condition = self._unpack(inputs)
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
        z = np.asarray(z, np.float32)
        inputs = [z, np.asarray(decoder_ids, np.int32)] + (
            [] if condition is None else [self._condition(condition, len(z))]
        )
        return self.decoder.predict(inputs, batch_size=batch_size, verbose=0)

    def reconstruction_nll(self, ids, z, condition=None, batch_size: int = 256) -> np.ndarray:
        """-log p(x | z) per sentence (n,), nats: masked token NLL with teacher forcing.

        Works in chunks of ``batch_size`` so that the (n, max_length, vocab) logits of a large
        n (e.g. an IWAE estimate's k copies of every sentence) never sit in memory at once."""
        ids = np.asarray(ids, np.int32)
        z = np.asarray(z, np.float32)
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
        ids = np.asarray(ids, np.int32)
        if ids.ndim != 2 or ids.shape[1] != self.max_length:
            raise DataError(
                "ids",
                f"expected shape (n, {self.max_length}), got {ids.shape}",
                "Encode the texts with the model's vectorizer.",
            )
        return ids if self.condition_dim == 0 else [ids, self._condition(condition, len(ids))]

    @classmethod
    def from_config(cls, config, custom_objects=None):
        with _without_object_sharing():  # its Bidirectional layers, see there
            return super().from_config(config, custom_objects)

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


class KLAnnealing(keras.callbacks.Callback):
    """Set the model's ``kl_weight`` before every training batch from ``schedule(step)``.

    schedule: a function of the global step (0, 1, ...) returning a float, e.g.
    ``functools.partial(losses.linear_schedule, warmup_steps=2000)``. Validation uses the
    weight of the last training step. The step counts from 0 at each ``fit``, or, with
    ``follow_optimizer=True``, continues from the optimizer's iteration count, so that a run
    resumed by ``BackupAndRestore`` picks the schedule up where it was interrupted.
    """

    def __init__(self, schedule: Callable[[int], float], follow_optimizer: bool = False):
        super().__init__()
        self.schedule = schedule
        self.follow_optimizer = follow_optimizer
        self.step = 0

    def on_train_begin(self, logs=None):
        self.step = None if self.follow_optimizer else 0

    def on_train_batch_begin(self, batch, logs=None):
        if self.step is None:  # read at the first batch: after any callback restored the optimizer
            self.step = int(self.model.optimizer.iterations)
        self.model.kl_weight.assign(float(self.schedule(self.step)))
        self.step += 1


@keras.saving.register_keras_serializable(package="vae_tutorial")
class LanguageModel(keras.Model):
    """A plain recurrent language model with no latent variable: the baseline that shows what
    z buys. Same decoder shape as the autoregressive TextVAE (embedding, GRU/LSTM, logits),
    trained on ids (batch, max_length) with teacher forcing; ``loss`` is the masked token NLL in
    nats per sentence, an exact -log p(x), comparable with a VAE's IWAE estimate."""

    def __init__(
        self, vocab_size: int, max_length: int, embed_dim: int = 64, units: int = 256, cell: str = "gru", **kwargs
    ):
        super().__init__(**kwargs)
        _check_choice("cell", cell, CELLS)
        self.vocab_size, self.max_length, self.embed_dim, self.units, self.cell = (
            int(vocab_size),
            int(max_length),
            int(embed_dim),
            int(units),
            cell,
        )
        self.embedding = layers.Embedding(self.vocab_size, self.embed_dim)
        self.rnn = _rnn(cell, self.units, return_sequences=True)
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

    def _step(self, data, training):
        ids = ops.cast(data[0] if isinstance(data, (tuple, list)) else data, "int32")
        return ops.mean(projected_token_nll(ids, self._features(ids, training), self.logits, PAD_ID))

    def train_step(self, data):
        replicas = tf.distribute.get_strategy().num_replicas_in_sync  # see VAEModel.train_step
        with tf.GradientTape() as tape:
            loss = self._step(data, training=True)
            replica_share = loss / replicas
        self.optimizer.apply(tape.gradient(replica_share, self.trainable_weights), self.trainable_weights)
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}

    def test_step(self, data):
        self.loss_tracker.update_state(self._step(data, training=False))
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


# Named configurations of notebook 04 and benchmarks/text_vae.py. "seed_repeat" is the seed
# document's model; "collapse" the autoregressive decoder without any cure; "cured" adds KL
# annealing, word dropout and free bits. Sizes are chosen to train in minutes on a 2-core CPU.
TEXT_RECIPES = {
    "seed_repeat": {
        "model": {"encoder": "bigru", "decoder": "repeat", "encoder_units": 32, "decoder_units": 32},
        "anneal_fraction": 0.0,
    },
    "collapse": {
        "model": {"encoder": "bigru", "decoder": "autoregressive", "encoder_units": 128, "decoder_units": 256},
        "anneal_fraction": 0.0,
    },
    "cured": {
        "model": {
            "encoder": "bigru",
            "decoder": "autoregressive",
            "encoder_units": 128,
            "decoder_units": 256,
            "word_dropout": 0.4,
            "free_bits": 0.3,
        },
        "anneal_fraction": 0.5,
    },
}


def train_text_vae(
    train_ids,
    val_ids=None,
    vocab_size: int | None = None,
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
    """Build, compile and ``fit`` a TextVAE from a named recipe; returns (model, history).

    train_ids, val_ids: int (n, max_length) from a Vectorizer. The "cured" recipe anneals the
    KL weight linearly from 0 to 1 over the first half of training. Seeds everything first.
    """
    spec = recipe_spec(recipe)
    train_ids = np.asarray(train_ids, np.int32)
    if train_ids.ndim != 2 or len(train_ids) == 0:
        raise DataError(
            "train_ids",
            f"expected a non-empty (n, max_length) array, got shape {train_ids.shape}",
            "Encode the sentences with a Vectorizer.",
        )
    vocab_size = int(vocab_size or train_ids.max() + 1)
    validation = None if val_ids is None else (np.asarray(val_ids, np.int32),)
    return fit_recipe(
        lambda: TextVAE(vocab_size, train_ids.shape[1], latent_dim, seed=seed, **{**spec["model"], **model_overrides}),
        train_ids,
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


def recipe_spec(recipe: str) -> dict:
    """The :data:`TEXT_RECIPES` entry named ``recipe``; an unknown name is a DataError."""
    if recipe not in TEXT_RECIPES:
        raise DataError("recipe", f"unknown name {recipe!r}", f"Use one of {sorted(TEXT_RECIPES)}.")
    return TEXT_RECIPES[recipe]


def fit_recipe(build, x, validation, n, anneal_fraction, epochs, batch_size, learning_rate, seed, verbose, callbacks):
    """What every text VAE's training entry point does once its data are checked: seed
    everything, ``build()`` the model and compile it with Adam, anneal the KL weight linearly
    over the first ``anneal_fraction`` of the steps of ``n`` examples, and ``fit``. Returns
    (model, history)."""
    from vae_tutorial.config import seed_everything
    from vae_tutorial.losses import linear_schedule

    seed_everything(seed)  # same initial weights, batches and word dropout on a rerun
    model = build()
    model.compile(keras.optimizers.Adam(learning_rate))
    warmup = int(anneal_fraction * epochs * int(np.ceil(n / batch_size)))
    schedule = [KLAnnealing(lambda step: linear_schedule(step, warmup))] if warmup else []
    history = model.fit(
        x,
        validation_data=validation,
        epochs=epochs,
        batch_size=batch_size,
        verbose=verbose,
        callbacks=[*schedule, *callbacks],
    )
    return model, history


def train_language_model(
    train_ids,
    val_ids=None,
    vocab_size: int | None = None,
    epochs: int = 10,
    units: int = 256,
    batch_size: int = 64,
    learning_rate: float = 1e-3,
    seed: int = 0,
    verbose="auto",
):
    """Build, compile and ``fit`` the LanguageModel baseline; returns (model, history)."""
    from vae_tutorial.config import seed_everything

    train_ids = np.asarray(train_ids, np.int32)
    seed_everything(seed)
    model = LanguageModel(int(vocab_size or train_ids.max() + 1), train_ids.shape[1], units=units)
    model.compile(keras.optimizers.Adam(learning_rate))
    validation = None if val_ids is None else (np.asarray(val_ids, np.int32),)
    history = model.fit(train_ids, validation_data=validation, epochs=epochs, batch_size=batch_size, verbose=verbose)
    return model, history
