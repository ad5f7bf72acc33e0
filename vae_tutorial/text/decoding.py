"""How latent codes become words: one frozen :class:`Decoding` of settings, checked once and passed whole
from the command line or a notebook down to the decoder, and one small strategy per method.

The methods: greedy (argmax), sample (from softmax(logits / temperature)), top-k (among the k
likeliest), top-p (nucleus: among the smallest set of likeliest words holding top_p of the
probability) and beam search; every method can ban repeated n-grams. A new method is one
:class:`Strategy` subclass in :data:`STRATEGIES`. [PAD] and [BOS] are never chosen, [UNK] only with
``unknown=True``. The decoder itself, which steps a trained model, is :mod:`vae_tutorial.text.decoder`;
this module is NumPy only (the command line reads its limits before TensorFlow loads).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from vae_tutorial.errors import DataError, flag, real_number, whole_number
from vae_tutorial.text.tokens import BOS_ID, EOS_ID, PAD_ID, UNK_ID

MAX_N = 1000  # texts per call: each decoding step holds (n, vocabulary) logits
MAX_TEMPERATURE = 5.0  # above it the words are close to uniform noise
MAX_SCALE = 10.0  # posterior standard deviations from the input's code; far beyond it the decoder sees no code it knows
BEAM_BATCH = 2**22  # beam candidates (codes x beams x vocabulary) scored at once: 32 MiB of float64
CLOSENESS = 0.5  # the default closeness of variations (see Decoding.at_closeness)


@dataclasses.dataclass(frozen=True)
class Decoding:
    """How to decode: method ("greedy", "sample", "top_k", "top_p", "beam"), temperature (0 to
    MAX_TEMPERATURE, exclusive of 0; beam search runs at 1), k (top-k), top_p (0 to 1, exclusive of
    0), beam_width, no_repeat_ngram (n > 0: never complete an n-gram already in the text; 0: off),
    unknown (True lets [UNK] be chosen) and, for variations, scale: how far from the input's code, in
    posterior standard deviations (0 to MAX_SCALE). Every field is checked when it is made (by
    :meth:`replace` too); a DataError names the first bad one."""

    method: str = "greedy"
    temperature: float = 1.0
    k: int = 10
    top_p: float = 0.9
    beam_width: int = 5
    no_repeat_ngram: int = 0
    unknown: bool = False
    scale: float = 1.0

    def __post_init__(self):
        if self.method not in STRATEGIES:
            raise DataError("method", f"unknown decoding method {self.method!r}", f"Use one of {tuple(STRATEGIES)}.")
        checked = {
            "temperature": real_number("temperature", self.temperature, 0.0, MAX_TEMPERATURE, 0.7, low_open=True),
            "k": whole_number("k", self.k, 10),
            "top_p": real_number("top_p", self.top_p, 0.0, 1.0, 0.9, low_open=True),
            "beam_width": whole_number("beam_width", self.beam_width, 5),
            "no_repeat_ngram": whole_number("no_repeat_ngram", self.no_repeat_ngram, 3, low=0),
            "unknown": flag("unknown", self.unknown),
            "scale": real_number("scale", self.scale, 0.0, MAX_SCALE, 1.0),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    def replace(self, **changes) -> Decoding:
        """A copy with ``changes``; an unknown field is a DataError listing the known ones."""
        known = [field.name for field in dataclasses.fields(self)]
        unknown = sorted(set(changes) - set(known))
        if unknown:
            raise DataError(", ".join(unknown), "not a setting of a Decoding", f"Use any of {', '.join(known)}.")
        return dataclasses.replace(self, **changes)

    @classmethod
    def at_closeness(cls, closeness: float = CLOSENESS) -> Decoding:
        """How variations at ``closeness`` in [0, 1] are drawn (no 3-gram repeated in any of them).

        The code is the posterior mean plus ``scale`` = 2 (1 - closeness) posterior standard
        deviations of noise; the words are then chosen by:

        - 1.0, "nearly the same sentence": the posterior mean, decoded greedily (the model's
          reconstruction; how near it is depends on how much the code holds);
        - 0.25 to below 1: beam search (width 5), the most fluent of the methods measured on the
          pretrained model (fewest repeated trigrams and invented words beside greedy and top-p);
        - below 0.25, "same topic, new sentence": codes up to 2 standard deviations away, words
          sampled from the nucleus of 0.5 of the probability (wider nuclei invent words).

        The numbers were chosen by comparing these methods on held-out sentences of the pretrained
        model (repeated-trigram share, distinct-2, retrieval of the source; see the README)."""
        closeness = real_number("closeness", closeness, 0.0, 1.0, CLOSENESS)
        method = "greedy" if closeness == 1.0 else "beam" if closeness >= 0.25 else "top_p"
        return cls(method=method, top_p=0.5, no_repeat_ngram=3, scale=2.0 * (1.0 - closeness))

    @property
    def strategy(self) -> Strategy:
        return STRATEGIES[self.method](self)


# --- choosing tokens --------------------------------------------------------------------------


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


def _log_probs(logits, outputs, t: int, decoding: Decoding, live, history=None, temperature=None) -> np.ndarray:
    """log softmax(logits / temperature) (n, vocab) over the allowed tokens: never [PAD] or [BOS],
    no [EOS] at t = 0, [UNK] only if decoding.unknown, no repeated n-gram (in the live rows, counting
    the row's history) if decoding.no_repeat_ngram."""
    scaled = logits / (decoding.temperature if temperature is None else temperature)
    scaled[:, [PAD_ID, BOS_ID]] = -np.inf  # never words: a row ends with [EOS], then padding
    if t == 0:  # an empty text is never an answer (beam search, unnormalised, would often choose it)
        scaled[:, EOS_ID] = -np.inf
    if not decoding.unknown:
        scaled[:, UNK_ID] = -np.inf
    _ban_repeats(scaled, outputs, t, decoding.no_repeat_ngram, live, history)
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


# --- the strategies ---------------------------------------------------------------------------
# A decoder (vae_tutorial.text.decoder) is called as decoder(tokens (n,), t) -> logits (n, vocab) of
# position t given the tokens chosen at t - 1; a recurrent one also has reorder(parents). A strategy's
# decode(start, zc, length, rng, history) gets start(zc) -> a decoder of the codes zc (n, d), and
# returns token ids (n, length): each row ends at its first [EOS], padding after it.


class Strategy:
    """Chooses the tokens of every row one position at a time, by :meth:`choose`."""

    def __init__(self, decoding: Decoding):
        self.decoding = decoding

    def choose(self, log_probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The token of each row (n,) from log-probabilities (n, vocab)."""
        raise NotImplementedError

    def decode(self, start: Callable, zc: np.ndarray, length: int, rng, history=None, recurrent=True) -> np.ndarray:
        """Token ids (n, length). history: (n, H) ids the repetition guard also counts (see _ban_repeats)."""
        decoder, n = start(zc), len(zc)
        outputs = np.zeros((n, length), np.int32)
        tokens = np.full(n, BOS_ID, np.int32)
        done = np.zeros(n, bool)
        for t in range(length):
            log_probs = _log_probs(decoder(tokens, t), outputs, t, self.decoding, ~done, history)
            tokens = np.where(done, PAD_ID, self.choose(log_probs, rng)).astype(np.int32)
            outputs[:, t] = tokens
            done |= tokens == EOS_ID
            if done.all():
                break
        return outputs


class Greedy(Strategy):
    """The likeliest token."""

    def choose(self, log_probs, rng):
        return log_probs.argmax(axis=-1)


class Sample(Strategy):
    """A token drawn from softmax(logits / temperature)."""

    def choose(self, log_probs, rng):
        return _draw(log_probs, rng)


class TopK(Sample):
    """A token drawn from the k likeliest."""

    def choose(self, log_probs, rng):
        cutoff = np.sort(log_probs, axis=-1)[:, -min(self.decoding.k, log_probs.shape[1])][:, None]
        return _draw(np.where(log_probs >= cutoff, log_probs, -np.inf), rng)


class TopP(Sample):
    """A token drawn from the nucleus: the smallest set of likeliest tokens holding top_p of the probability."""

    def choose(self, log_probs, rng):
        return _draw(np.where(_nucleus(log_probs, self.decoding.top_p), log_probs, -np.inf), rng)


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


class Beam(Strategy):
    """Beam search (temperature 1): per code the sequence of the highest total log-probability among
    beam_width beams, codes scored BEAM_BATCH candidates at a time. A decoder that predicts every
    position in one pass (the "repeat" decoder) cannot follow beams: it is decoded greedily."""

    def decode(self, start, zc, length, rng, history=None, recurrent=True):
        if not recurrent:
            return Greedy(self.decoding).decode(start, zc, length, rng, history, recurrent)
        vocab = start.vocab_size
        rows = max(1, BEAM_BATCH // (self.decoding.beam_width * vocab))
        parts = []
        for i in range(0, len(zc), rows):
            earlier = None if history is None else history[i : i + rows]
            parts.append(self._search(start, zc[i : i + rows], length, earlier))
        return np.concatenate(parts)

    def _search(self, start, zc, length, history):
        width = self.decoding.beam_width
        if history is not None:
            history = np.repeat(history, width, axis=0)  # the same for every beam of a code
        decoder = start(np.repeat(zc, width, axis=0))
        rows = len(zc) * width
        outputs = np.zeros((rows, length), np.int32)
        tokens = np.full(rows, BOS_ID, np.int32)
        scores = np.tile([0.0] + [-np.inf] * (width - 1), len(zc))  # one live beam per code to start
        done = np.zeros(rows, bool)
        for t in range(length):
            log_probs = _log_probs(decoder(tokens, t), outputs, t, self.decoding, ~done, history, temperature=1.0)
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


STRATEGIES: dict[str, type[Strategy]] = {"greedy": Greedy, "sample": Sample, "top_k": TopK, "top_p": TopP, "beam": Beam}
