"""Turning latent codes into text: greedy, temperature, top-k, top-p (nucleus) and beam decoding,
with an optional ban on repeated n-grams,.

All functions take a trained :class:`~vae_tutorial.text.vae.TextVAE` (or the conditional one,
with ``condition=``) and return token ids (n, max_length).

The autoregressive decoder runs one position at a time through its own layers (embedding,
recurrent cell, logits), carrying the recurrent state from step to step: decoding costs
grow linearly with the length. The "repeat" decoder predicts every position in one pass.
[PAD] and [BOS] are never chosen, [UNK] only with ``unknown=True``.
"""

from __future__ import annotations

import dataclasses
import weakref

import numpy as np

from vae_tutorial._backend import keras, tf
from vae_tutorial.errors import DataError, codes, real_number, seed as check_seed, whole_number
from vae_tutorial.text.tokens import BOS_ID, EOS_ID, PAD_ID, UNK_ID


METHODS = ("greedy", "sample", "top_k", "top_p", "beam")

MAX_TEMPERATURE = 5.0  # above it the words are close to uniform noise

BEAM_BATCH = 2**22  # beam candidates (codes x beams x vocabulary) scored at once: 32 MiB of float64


@dataclasses.dataclass(frozen=True)
class _Settings:
    """How to choose each token (the checked arguments of :func:`decode`)."""

    method: str
    temperature: float
    k: int
    top_p: float
    beam_width: int
    no_repeat_ngram: int
    unknown: bool


def _settings(
    method="greedy", temperature=1.0, k=10, top_p=0.9, beam_width=5, no_repeat_ngram=0, unknown=False
) -> _Settings:
    """The decoding arguments checked, in order; a DataError naming the first bad one."""
    if method not in METHODS:
        raise DataError("method", f"unknown decoding method {method!r}", f"Use one of {METHODS}.")
    return _Settings(
        method=method,
        temperature=real_number("temperature", temperature, 0.0, MAX_TEMPERATURE, 0.7, low_open=True),
        k=whole_number("k", k, 10),
        top_p=real_number("top_p", top_p, 0.0, 1.0, 0.9, low_open=True),
        beam_width=whole_number("beam_width", beam_width, 5),
        no_repeat_ngram=whole_number("no_repeat_ngram", no_repeat_ngram, 3, low=0),
        unknown=bool(unknown),
    )


def closeness_settings(closeness: float) -> dict:
    """How variations at ``closeness`` in [0, 1] are drawn: {"scale", "method", "temperature", "top_p"}.

    The code is the posterior mean plus ``scale`` = 2 (1 - closeness) posterior standard
    deviations of noise; the words are then chosen by:

    - 1.0, "nearly the same sentence": the posterior mean, decoded greedily (the model's
      reconstruction; how near it is depends on how much the code holds);
    - 0.25 to below 1: beam search (width 5), the most fluent of the methods measured on the
      pretrained model (fewest repeated trigrams and invented words beside greedy and top-p);
    - below 0.25, "same topic, new sentence": codes up to 2 standard deviations away, words
      sampled from the nucleus of 0.5 of the probability (wider nuclei invent words).

    The numbers were chosen by comparing these methods on held-out sentences of the pretrained
    model (repeated-trigram share, distinct-2, retrieval of the source; see the README).
    """
    closeness = real_number("closeness", closeness, 0.0, 1.0, 0.5)
    far = 1.0 - closeness
    method = "greedy" if closeness == 1.0 else "beam" if closeness >= 0.25 else "top_p"
    return {"scale": 2.0 * far, "method": method, "temperature": 1.0, "top_p": 0.5}


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


def _ban_repeats(logits: np.ndarray, outputs: np.ndarray, t: int, size: int, live: np.ndarray, history=None) -> None:
    """Set to -inf, in the live rows of logits (n, vocab), every token that would complete an n-gram
    (n = size) of token ids already in the row's outputs[:, :t] (as Hugging Face's no_repeat_ngram_size)
    or in its ``history`` (n, H) of earlier ids (-1 separates texts: no n-gram spans it)."""
    if size == 0 or t < size - 1:
        return
    seen = outputs[:, :t]
    if history is not None:  # history, a separator, then the row's own tokens
        seen = np.concatenate([history, np.full((len(seen), 1), -1), seen], axis=1)
    starts = seen.shape[1] - size + 1  # the earlier n-grams start at 0 .. starts - 1
    if starts < 1:
        return
    tail = outputs[:, t - size + 1 : t]  # the row's last size - 1 tokens
    matches = np.repeat(live[:, None], starts, axis=1)
    for j in range(size - 1):  # n-gram i's first size - 1 tokens equal the tail
        matches &= seen[:, j : j + starts] == tail[:, j, None]
    rows, first = np.nonzero(matches)
    banned = seen[rows, first + size - 1]
    logits[rows[banned >= 0], banned[banned >= 0]] = -np.inf  # a separator completes nothing


def _log_probs(logits, outputs, t: int, settings: _Settings, live, history=None) -> np.ndarray:
    """log softmax(logits / temperature) (n, vocab) over the allowed tokens: never [PAD] or [BOS],
    no [EOS] at t = 0, [UNK] only if settings.unknown, no repeated n-gram (in the live rows, counting
    the row's history) if settings.no_repeat_ngram."""
    scaled = logits / settings.temperature
    scaled[:, [PAD_ID, BOS_ID]] = -np.inf  # never words: a row ends with [EOS], then padding
    if t == 0:  # an empty text is never an answer (beam search, unnormalised, would often choose it)
        scaled[:, EOS_ID] = -np.inf
    if not settings.unknown:
        scaled[:, UNK_ID] = -np.inf
    _ban_repeats(scaled, outputs, t, settings.no_repeat_ngram, live, history)
    scaled -= scaled.max(axis=-1, keepdims=True)
    return scaled - np.log(np.exp(scaled).sum(axis=-1, keepdims=True))


def _nucleus(log_probs: np.ndarray, top_p: float) -> np.ndarray:
    """Mask (n, vocab): per row the smallest set of likeliest tokens whose probabilities sum to >= top_p
    (and any token tied with the least likely of them). A token ranked after others that hold
    top_p or more between them is out."""
    ranked = np.sort(log_probs, axis=-1)[:, ::-1]
    probs = np.exp(ranked)
    before = np.concatenate([np.zeros_like(probs[:, :1]), np.cumsum(probs, axis=-1)[:, :-1]], axis=-1)
    kept = (before < top_p).sum(axis=-1, keepdims=True)  # at least 1: nothing is before the likeliest
    return log_probs >= np.take_along_axis(ranked, kept - 1, axis=-1)


def _draw(log_probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One token per row (n,) drawn from softmax(log_probs): one uniform number per row against
    the row's cumulative probabilities (as Generator.choice draws)."""
    cdf = np.cumsum(np.exp(log_probs - log_probs.max(axis=-1, keepdims=True)), axis=-1)
    cdf /= cdf[:, -1:]
    return (cdf <= rng.random((len(cdf), 1))).sum(axis=-1)


def _choose(log_probs: np.ndarray, settings: _Settings, rng: np.random.Generator) -> np.ndarray:
    """The token of each row (n,) from log-probabilities (n, vocab) by settings.method (not "beam")."""
    if settings.method == "greedy":
        return log_probs.argmax(axis=-1)
    if settings.method == "top_k":
        cutoff = np.sort(log_probs, axis=-1)[:, -min(settings.k, log_probs.shape[1])][:, None]
        log_probs = np.where(log_probs >= cutoff, log_probs, -np.inf)
    elif settings.method == "top_p":
        log_probs = np.where(_nucleus(log_probs, settings.top_p), log_probs, -np.inf)
    return _draw(log_probs, rng)


def _decode_steps(decoder, n: int, length: int, settings: _Settings, rng, history=None) -> np.ndarray:
    """Token ids (n, length), one position per step, each chosen by settings.method from the
    decoder's logits (see _Recurrent, _OnePass). A row ends at its first [EOS], padding after it.
    history: (n, H) ids the repetition guard also counts (see _ban_repeats)."""
    outputs = np.zeros((n, length), np.int32)
    tokens = np.full(n, BOS_ID, np.int32)
    done = np.zeros(n, bool)
    for t in range(length):
        log_probs = _log_probs(decoder(tokens, t), outputs, t, settings, ~done, history)
        tokens = np.where(done, PAD_ID, _choose(log_probs, settings, rng)).astype(np.int32)
        outputs[:, t] = tokens
        done |= tokens == EOS_ID
        if done.all():
            break
    return outputs


def _best_beams(scores: np.ndarray, log_probs: np.ndarray, width: int):
    """The next beams of each code: (parents, tokens, scores), each (n * width,).

    scores (n * width,): the beams' total log-probabilities, rows code by code; log_probs
    (n * width, vocab): their next token's. Equal totals: the lower beam, then the lower token first
    (a tie for a beam's width-th best token is broken by np.argpartition)."""
    vocab = log_probs.shape[1]
    n = len(scores) // width
    if width < vocab:  # a code's best continuations are among each beam's `width` best tokens
        tokens = np.argpartition(-log_probs, width - 1, axis=-1)[:, :width]
    else:
        tokens = np.broadcast_to(np.arange(vocab), log_probs.shape)
    totals = (scores[:, None] + np.take_along_axis(log_probs, tokens, axis=-1)).reshape(n, -1)
    flat = ((np.arange(n * width) % width)[:, None] * vocab + tokens).reshape(n, -1)  # beam * vocab + token
    best = np.lexsort((flat, -totals), axis=-1)[:, :width]
    beam, token = np.divmod(np.take_along_axis(flat, best, axis=-1), vocab)
    parents = (np.arange(n)[:, None] * width + beam).ravel()
    return parents, token.ravel().astype(np.int32), np.take_along_axis(totals, best, axis=-1).ravel()


def _beam(model, zc: np.ndarray, settings: _Settings, history=None) -> np.ndarray:
    """Beam search (temperature 1) for codes zc (n, d): per code the sequence (max_length,) of the
    highest total log-probability among settings.beam_width beams; (n, max_length). history: (n, H)
    ids the repetition guard also counts, per code."""
    width, length = settings.beam_width, model.max_length
    if history is not None:
        history = np.repeat(history, width, axis=0)  # the same for every beam of a code
    settings = dataclasses.replace(settings, temperature=1.0)
    decoder = _Recurrent(model, np.repeat(zc, width, axis=0))
    rows = len(zc) * width
    outputs = np.zeros((rows, length), np.int32)
    tokens = np.full(rows, BOS_ID, np.int32)
    scores = np.tile([0.0] + [-np.inf] * (width - 1), len(zc))  # one live beam per code to start
    done = np.zeros(rows, bool)
    for t in range(length):
        log_probs = _log_probs(decoder(tokens, t), outputs, t, settings, ~done, history)
        log_probs[done] = -np.inf
        log_probs[done, PAD_ID] = 0.0  # a finished beam keeps its score, padding on
        parents, tokens, scores = _best_beams(scores, log_probs, width)
        decoder.reorder(parents)
        outputs, done = outputs[parents], done[parents] | (tokens == EOS_ID)
        outputs[:, t] = tokens
        if done.all():
            break
    best = scores.reshape(-1, width).argmax(axis=-1)
    return outputs.reshape(-1, width, length)[np.arange(len(zc)), best]


def decode(
    model,
    z,
    method: str = "greedy",
    temperature: float = 1.0,
    k: int = 10,
    beam_width: int = 5,
    seed: int | None = None,
    condition=None,
    unknown: bool = False,
    *,
    top_p: float = 0.9,
    no_repeat_ngram: int = 0,
    history=None,
) -> np.ndarray:
    """Token ids (n, max_length) int32 for latent codes z (n, latent_dim).

    method: "greedy" (argmax), "sample" (from softmax(logits / temperature)), "top_k" (sample
    among the k likeliest words), "top_p" (sample among the smallest set of likeliest words
    whose probabilities, after temperature, sum to at least top_p, 0 < top_p <= 1) or "beam"
    (beam search of ``beam_width``, at temperature 1; greedy for the repeat decoder, which
    predicts all positions at once). Rows end with [EOS] then padding.
    condition: for a conditional model, one vector (used for every row) or one per row.
    unknown: True lets the decoder choose [UNK]; by default the text holds only words of the vocabulary.
    no_repeat_ngram: if n > 0, a token that would complete an n-gram already in its row is
    never chosen (by every method); 0 is off.
    history: None, or ids (n, H) of what each row's text already said before (e.g. the earlier
    sentences of a post): the repetition guard also bans their n-grams; -1 separates texts.
    """
    settings = _settings(method, temperature, k, top_p, beam_width, no_repeat_ngram, unknown)
    z = codes("z", z, model.latent_dim)
    if history is not None:
        history = np.asarray(history, np.int64)
        if history.ndim != 2 or len(history) != len(z):
            raise DataError("history", f"has shape {history.shape}, not ({len(z)}, H)", "Pass one row of ids per code.")
    cond = None if not getattr(model, "condition_dim", 0) else model._condition(condition, len(z))
    rng = np.random.default_rng(check_seed("seed", seed))
    if model.decoder_kind == "repeat":
        greedy_like = dataclasses.replace(settings, method="greedy") if method == "beam" else settings
        return _decode_steps(_OnePass(model, z, cond), len(z), model.max_length, greedy_like, rng, history)
    zc = z if cond is None else np.concatenate([z, cond], axis=1)
    if method == "beam":
        rows = max(1, BEAM_BATCH // (settings.beam_width * model.vocab_size))
        starts = range(0, len(zc), rows)
        earlier = [None if history is None else history[i : i + rows] for i in starts]
        beams = [_beam(model, zc[i : i + rows], settings, h) for i, h in zip(starts, earlier, strict=True)]
        return np.concatenate(beams)
    return _decode_steps(_Recurrent(model, zc), len(z), model.max_length, settings, rng, history)


def sequence_log_prob(model, z, ids, condition=None) -> np.ndarray:
    """log p(ids | z) under the decoder, per row (n,), in nats (teacher forcing)."""
    return -model.reconstruction_nll(np.asarray(ids, np.int32), np.asarray(z, np.float32), condition)
