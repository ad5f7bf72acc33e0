"""Turning latent codes into text: greedy, temperature, top-k and beam decoding, and the
three things a user wants from a text VAE: variations of an input, interpolation, samples.

All functions take a trained :class:`~vae_tutorial.models.text_vae.TextVAE` (or the
conditional one, with ``condition=``) and return token ids (n, max_length) or strings.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable

import numpy as np

from vae_tutorial.data.text import BOS_ID, EOS_ID, PAD_ID, UNK_ID
from vae_tutorial.errors import DataError, codes, real_number, seed as check_seed, whole_number

METHODS = ("greedy", "sample", "top_k", "beam")
MAX_N = 1000  # texts per call: each decoding step holds (n, vocabulary) logits
MAX_TEMPERATURE = 5.0  # above it the words are close to uniform noise
MAX_SCALE = 10.0  # posterior standard deviations from the input's code; far beyond it the decoder sees no code it knows


def _temperature(temperature) -> float:
    """``temperature`` as a float in (0, MAX_TEMPERATURE]; a DataError naming it otherwise."""
    return real_number("temperature", temperature, 0.0, MAX_TEMPERATURE, 0.7, low_open=True)


def _log_softmax(logits: np.ndarray, temperature: float = 1.0, unknown: bool = True) -> np.ndarray:
    scaled = logits / temperature
    scaled[..., [PAD_ID, BOS_ID]] = -np.inf  # never words: a row ends with [EOS], then padding
    if not unknown:
        scaled[..., UNK_ID] = -np.inf
    scaled = scaled - scaled.max(axis=-1, keepdims=True)
    return scaled - np.log(np.exp(scaled).sum(axis=-1, keepdims=True))


_COMPILED = weakref.WeakKeyDictionary()


def _decoder_fn(model):
    """The model's decoder as one compiled TensorFlow function (traced once per batch size):
    a step of decoding is then a single call instead of an eager pass through every layer.

    Cached per model without keeping it alive: the function reaches its model through a weak
    reference, so once the user drops the model, its cache entry goes with it."""
    if model not in _COMPILED:
        from vae_tutorial._backend import tf

        ref = weakref.ref(model)
        _COMPILED[model] = tf.function(lambda inputs: ref().decoder(inputs, training=False), reduce_retracing=True)
    return _COMPILED[model]


def _step_logits(model, z, decoder_ids, condition, t: int) -> np.ndarray:
    """Logits of position t (n, vocab). The decoder is causal: inputs after t do not matter."""
    inputs = [z, decoder_ids] if condition is None else [z, decoder_ids, condition]
    return np.asarray(_decoder_fn(model)(inputs)[:, t], dtype=np.float64)


def _choose(log_probs: np.ndarray, method: str, k: int, rng: np.random.Generator) -> np.ndarray:
    if method == "greedy":
        return log_probs.argmax(axis=-1)
    if method == "top_k":
        cutoff = np.sort(log_probs, axis=-1)[:, -k][:, None]
        log_probs = np.where(log_probs >= cutoff, log_probs, -np.inf)
    probs = np.exp(log_probs - log_probs.max(axis=-1, keepdims=True))
    probs /= probs.sum(axis=-1, keepdims=True)
    return np.array([rng.choice(len(p), p=p) for p in probs])


def _finish(ids: np.ndarray) -> np.ndarray:
    """Padding after the first [EOS] of each row."""
    ids = ids.copy()
    for row in ids:
        ends = np.flatnonzero(row == EOS_ID)
        if len(ends):
            row[ends[0] + 1 :] = PAD_ID
    return ids


def _beam(model, z_row, condition_row, width: int, unknown: bool = True) -> np.ndarray:
    """Beam search for one code: the sequence with the highest total log-probability."""
    length = model.max_length
    z = np.repeat(z_row[None], width, axis=0).astype(np.float32)
    cond = None if condition_row is None else np.repeat(condition_row[None], width, axis=0).astype(np.float32)
    inputs = np.zeros((width, length), np.int32)
    inputs[:, 0] = BOS_ID
    outputs = np.zeros((width, length), np.int32)
    scores = np.array([0.0] + [-np.inf] * (width - 1))  # start from one live beam
    done = np.zeros(width, bool)
    for t in range(length):
        log_probs = _log_softmax(_step_logits(model, z, inputs, cond, t), unknown=unknown)
        log_probs[done] = -np.inf
        log_probs[done, PAD_ID] = 0.0  # a finished beam keeps its score, padding on
        total = (scores[:, None] + log_probs).ravel()
        best = np.argsort(-total, kind="stable")[:width]
        beam, token = np.divmod(best, log_probs.shape[1])
        scores, outputs, inputs, done = total[best], outputs[beam].copy(), inputs[beam].copy(), done[beam]
        outputs[:, t] = token
        if t + 1 < length:
            inputs[:, t + 1] = token
        done = done | (token == EOS_ID)
        if done.all():
            break
    return outputs[int(np.argmax(scores))]


def decode(
    model,
    z,
    method: str = "greedy",
    temperature: float = 1.0,
    k: int = 10,
    beam_width: int = 5,
    seed: int | None = None,
    condition=None,
    unknown: bool = True,
) -> np.ndarray:
    """Token ids (n, max_length) for latent codes z (n, latent_dim).

    method: "greedy" (argmax), "sample" (from softmax(logits / temperature)), "top_k"
    (sample among the k likeliest words) or "beam" (beam search of ``beam_width``; greedy for
    the repeat decoder, which predicts all positions at once). Rows end with [EOS] then padding.
    condition: for a conditional model, one vector (used for every row) or one per row.
    unknown: False never chooses [UNK], so the text holds only words of the vocabulary.
    """
    if method not in METHODS:
        raise DataError("method", f"unknown decoding method {method!r}", f"Use one of {METHODS}.")
    temperature = _temperature(temperature)
    k, beam_width = whole_number("k", k, 10), whole_number("beam_width", beam_width, 5)
    z = codes("z", z, model.latent_dim)
    cond = None if not getattr(model, "condition_dim", 0) else model._condition(condition, len(z))
    rng = np.random.default_rng(check_seed("seed", seed))
    n, length = len(z), model.max_length
    if model.decoder_kind == "repeat":  # no feedback: choose every position from one pass
        inputs = np.zeros((n, length), np.int32)
        full = _decoder_fn(model)([z, inputs] if cond is None else [z, inputs, cond])
        log_probs = _log_softmax(np.asarray(full, np.float64), temperature, unknown).reshape(n * length, -1)
        greedy_like = "greedy" if method == "beam" else method
        return _finish(_choose(log_probs, greedy_like, k, rng).reshape(n, length).astype(np.int32))
    if method == "beam":
        rows = [_beam(model, z[i], None if cond is None else cond[i], beam_width, unknown) for i in range(n)]
        return _finish(np.stack(rows).astype(np.int32))
    inputs = np.zeros((n, length), np.int32)
    inputs[:, 0] = BOS_ID
    outputs = np.zeros((n, length), np.int32)
    done = np.zeros(n, bool)
    for t in range(length):
        log_probs = _log_softmax(_step_logits(model, z, inputs, cond, t), temperature, unknown)
        token = _choose(log_probs, method, k, rng)
        outputs[:, t] = np.where(done, PAD_ID, token)
        if t + 1 < length:
            inputs[:, t + 1] = outputs[:, t]
        done |= token == EOS_ID
        if done.all():
            break
    return _finish(outputs)


def sequence_log_prob(model, z, ids, condition=None) -> np.ndarray:
    """log p(ids | z) under the decoder, per row (n,), in nats (teacher forcing)."""
    return -model.reconstruction_nll(np.asarray(ids, np.int32), np.asarray(z, np.float32), condition)


def _encode_texts(model, vectorizer, texts, condition=None):
    texts = list(texts) if isinstance(texts, Iterable) and not isinstance(texts, str) else [texts]
    wrong = [t for t in texts if not isinstance(t, str)]
    if wrong:  # None would become the text "None"
        raise DataError("text", f"must be a string, got {type(wrong[0]).__name__}", "Pass a sentence or a post.")
    if not texts or not all(t.strip() for t in texts):
        raise DataError("text", "is empty", "Pass a sentence or a post with words in it.")
    ids = vectorizer.encode(texts)
    return model.encode(ids) if condition is None else model.encode(ids, condition)


def variation_codes(
    model, vectorizer, text: str, n: int = 5, scale: float = 1.0, seed: int | None = None, condition=None
) -> np.ndarray:
    """n codes around the **input's** posterior: z = mean + scale * sigma * eps, (n, latent_dim).

    scale 0 gives the posterior mean n times; 1 samples the posterior itself; larger values
    wander further from the input. n: 1 to MAX_N; scale: 0 to MAX_SCALE.
    """
    n = whole_number("n", n, 5, high=MAX_N)
    scale = real_number("scale", scale, 0.0, MAX_SCALE, 1.0)
    seed = check_seed("seed", seed)
    z_mean, z_log_var = _encode_texts(model, vectorizer, text, condition)
    eps = np.random.default_rng(seed).standard_normal((n, model.latent_dim))
    return (z_mean[0] + scale * np.exp(0.5 * z_log_var[0]) * eps).astype(np.float32)


def variations(
    model,
    vectorizer,
    text: str,
    n: int = 5,
    scale: float = 1.0,
    seed: int | None = None,
    method: str = "greedy",
    temperature: float = 1.0,
    condition=None,
    unknown: bool = True,
) -> list[str]:
    """n variations of ``text``: decode codes drawn around its posterior (see variation_codes).

    Unlike the original guide's ``generate_variations``, which drew z from the prior and so ignored its
    input, every variation here starts from the input's own code. unknown=False: no [UNK].
    n: 1 to MAX_N; scale: 0 to MAX_SCALE; temperature: above 0, at most MAX_TEMPERATURE (all
    checked before any work).
    """
    _temperature(temperature)
    if method not in METHODS:
        raise DataError("method", f"unknown decoding method {method!r}", f"Use one of {METHODS}.")
    z = variation_codes(model, vectorizer, text, n, scale, seed, condition)
    return vectorizer.decode(decode(model, z, method, temperature, seed=seed, condition=condition, unknown=unknown))


def interpolate(
    model, vectorizer, text_a: str, text_b: str, steps: int = 5, method: str = "greedy", condition=None
) -> list[str]:
    """Decode ``steps`` codes on the straight line between the posterior means of two texts."""
    steps = whole_number("steps", steps, 5, low=2, high=MAX_N)
    z_mean, _ = _encode_texts(model, vectorizer, [text_a, text_b], condition)
    weights = np.linspace(0.0, 1.0, steps)[:, None]
    z = ((1 - weights) * z_mean[0] + weights * z_mean[1]).astype(np.float32)
    return vectorizer.decode(decode(model, z, method, condition=condition))


def sample(
    model,
    vectorizer,
    n: int = 5,
    seed: int | None = None,
    method: str = "greedy",
    temperature: float = 1.0,
    condition=None,
) -> list[str]:
    """n texts (1 to MAX_N) decoded from codes drawn from the prior N(0, I)."""
    n, seed = whole_number("n", n, 5, high=MAX_N), check_seed("seed", seed)
    z = np.random.default_rng(seed).standard_normal((n, model.latent_dim)).astype(np.float32)
    return vectorizer.decode(decode(model, z, method, temperature, seed=seed, condition=condition))
