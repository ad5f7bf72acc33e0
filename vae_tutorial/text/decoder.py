"""The decoder of a trained text VAE, stepped one position at a time, and :func:`decode`: latent codes to
token ids by a :class:`~vae_tutorial.text.decoding.Decoding`.

All functions take a trained :class:`~vae_tutorial.text.vae.TextVAE` (or the conditional one, with
``condition=``). The autoregressive decoder runs one position at a time through its own layers
(embedding, recurrent cell, logits), carrying the recurrent state from step to step: decoding costs
grow linearly with the length. The "repeat" decoder predicts every position in one pass.
"""

from __future__ import annotations

import weakref

import numpy as np

from vae_tutorial._backend import keras, tf
from vae_tutorial.errors import DataError, codes
from vae_tutorial.errors import seed as check_seed
from vae_tutorial.text.decoding import Decoding

_COMPILED = weakref.WeakKeyDictionary()


def _compiled(model, name: str, make):
    """``make(ref)`` (a function of tensors, reaching the model through the weak reference ``ref``)
    as one compiled TensorFlow function, traced once per batch size and cached per model and name.

    Cached without keeping the model alive: once the user drops the model, its entry goes too."""
    functions = _COMPILED.setdefault(model, {})
    if name not in functions:
        functions[name] = tf.function(make(weakref.ref(model)), reduce_retracing=True)
    return functions[name]


def _whole_decoder(ref):
    """inputs [z, ids(, condition)] -> logits (n, max_length, vocab): the decoder in one pass."""
    return lambda inputs: ref().decoder(inputs, training=False)


def _initial_states(ref):
    """zc (n, latent [+ condition]) -> the recurrent states (n, units): (h,) for a GRU, (h, c) for an LSTM."""
    names = ("initial_state",) if ref().cell == "gru" else ("initial_state", "initial_cell")
    return lambda zc: tuple(ref().decoder.get_layer(name)(zc) for name in names)


def _one_step(ref):
    """(tokens (n,), zc (n, d), states) -> (logits (n, vocab), new states): one position of the
    autoregressive decoder through its own layers, the recurrent layer's cell sharing its weights."""

    def step(tokens, zc, states):
        decoder = ref().decoder
        rnn = next(layer for layer in decoder.layers if isinstance(layer, keras.layers.RNN))
        x = keras.ops.concatenate([decoder.get_layer("decoder_embedding")(tokens), zc], axis=-1)
        output, states = rnn.cell(x, list(states), training=False)
        return decoder.get_layer("logits")(output), tuple(states)

    return step


class _Recurrent:
    """The autoregressive decoder for codes zc (n, d), one position per call: it keeps the recurrent
    state between calls, so every step costs the same."""

    def __init__(self, model, zc: np.ndarray):
        self._step, self._zc = _compiled(model, "step", _one_step), zc
        self._states = _compiled(model, "initial_states", _initial_states)(zc)

    def __call__(self, tokens: np.ndarray, t: int) -> np.ndarray:
        """Logits (n, vocab) float64 of position t, given the tokens (n,) chosen at t - 1 ([BOS] at 0)."""
        logits, self._states = self._step(tokens, self._zc, self._states)
        return np.asarray(logits, np.float64)

    def reorder(self, parents: np.ndarray) -> None:
        """Row i continues from row parents[i] (a beam search keeping its best beams)."""
        self._states = tuple(np.asarray(state)[parents] for state in self._states)


class _OnePass:
    """The repeat decoder, which ignores the chosen tokens: every position's logits from one pass."""

    def __init__(self, model, z: np.ndarray, condition):
        ids = np.zeros((len(z), model.max_length), np.int32)
        inputs = [z, ids] if condition is None else [z, ids, condition]
        self._logits = np.asarray(_compiled(model, "whole", _whole_decoder)(inputs))

    def __call__(self, tokens: np.ndarray, t: int) -> np.ndarray:
        return self._logits[:, t].astype(np.float64)


class _Start:
    """start(zc) -> a decoder of the codes zc (n, latent [+ condition]) for ``model``: what a strategy decodes with."""

    def __init__(self, model, condition):
        self.model, self.condition, self.vocab_size = model, condition, model.vocab_size

    def __call__(self, zc: np.ndarray):
        if self.model.decoder_kind == "repeat":
            z = zc[:, : self.model.latent_dim]
            return _OnePass(self.model, z, None if self.condition is None else zc[:, self.model.latent_dim :])
        return _Recurrent(self.model, zc)


def decode(
    model, z, decoding: Decoding | None = None, *, seed: int | None = None, condition=None, history=None
) -> np.ndarray:
    """Token ids (n, max_length) int32 for latent codes z (n, latent_dim), chosen as ``decoding`` says
    (default: greedy). Rows end with [EOS] then padding.

    seed: the random draws of the sampling methods. condition: for a conditional model, one vector
    (used for every row) or one per row. history: None, or ids (n, H) of what each row's text already
    said before (e.g. the earlier sentences of a post): the repetition guard also bans their n-grams;
    -1 separates texts."""
    decoding = Decoding() if decoding is None else decoding
    if not isinstance(decoding, Decoding):
        raise DataError("decoding", f"must be a Decoding, got {type(decoding).__name__}", "Pass Decoding(method=...).")
    z = codes("z", z, model.latent_dim)
    if history is not None:
        history = np.asarray(history, np.int64)
        if history.ndim != 2 or len(history) != len(z):
            raise DataError("history", f"has shape {history.shape}, not ({len(z)}, H)", "Pass one row of ids per code.")
    cond = None if not getattr(model, "condition_dim", 0) else model._condition(condition, len(z))
    rng = np.random.default_rng(check_seed("seed", seed))
    zc = z if cond is None else np.concatenate([z, cond], axis=1)
    recurrent = model.decoder_kind != "repeat"
    return decoding.strategy.decode(_Start(model, cond), zc, model.max_length, rng, history, recurrent)


def sequence_log_prob(model, z, ids, condition=None) -> np.ndarray:
    """log p(ids | z) under the decoder, per row (n,), in nats (teacher forcing)."""
    return -model.reconstruction_nll(np.asarray(ids, np.int32), np.asarray(z, np.float32), condition)
