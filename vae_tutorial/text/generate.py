"""The three things a user wants from a text VAE: variations of an input, interpolation between two
inputs, samples from the prior. Codes are drawn here and decoded by :func:`~vae_tutorial.text.decoder.decode`
as a :class:`~vae_tutorial.text.decoding.Decoding` says."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from vae_tutorial.errors import DataError, codes, real_number, whole_number
from vae_tutorial.errors import seed as check_seed
from vae_tutorial.text.decoder import decode
from vae_tutorial.text.decoding import MAX_N, MAX_SCALE, Decoding
from vae_tutorial.text.tokens import EOS_ID

# What variations are drawn with when no Decoding is given: codes one posterior standard deviation
# out, decoded greedily, no 3-gram twice (Decoding.at_closeness gives the closeness presets).
VARIATIONS = Decoding(no_repeat_ngram=3)


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
    model,
    vectorizer,
    text: str,
    n: int = 5,
    scale: float = 1.0,
    seed: int | None = None,
    condition=None,
    *,
    toward=None,
    strength: float = 0.0,
) -> np.ndarray:
    """n codes around the **input's** posterior: z = mean + scale * sigma * eps, (n, latent_dim).

    scale 0 gives the posterior mean n times; 1 samples the posterior itself; larger values
    wander further from the input. n: 1 to MAX_N; scale: 0 to MAX_SCALE. toward: None, or a
    code (latent_dim,), e.g. a topic's (:func:`~vae_tutorial.text.steering.topic_code`): each z then
    moves a share ``strength`` (0 to 1) of the way to it, z + strength * (toward - z).
    """
    n = whole_number("n", n, 5, high=MAX_N)
    scale = real_number("scale", scale, 0.0, MAX_SCALE, 1.0)
    seed = check_seed("seed", seed)
    strength = real_number("strength", strength, 0.0, 1.0, 0.7)
    if toward is not None:
        toward = codes("toward", np.reshape(np.asarray(toward, np.float32), (1, -1)), model.latent_dim)[0]
    z_mean, z_log_var = _encode_texts(model, vectorizer, text, condition)
    eps = np.random.default_rng(seed).standard_normal((n, model.latent_dim))
    z = z_mean[0] + scale * np.exp(0.5 * z_log_var[0]) * eps
    if toward is not None:
        z = z + strength * (toward - z)
    return z.astype(np.float32)


def variations(
    model,
    vectorizer,
    text: str,
    n: int = 5,
    decoding: Decoding = VARIATIONS,
    *,
    seed: int | None = None,
    condition=None,
    history=None,
    toward=None,
    strength: float = 0.0,
) -> list[str]:
    """n variations of ``text``: codes drawn around its posterior, ``decoding.scale`` posterior standard
    deviations out (see :func:`variation_codes`), decoded as ``decoding`` says.

    Unlike the original guide's ``generate_variations``, which drew z from the prior and so ignored its
    input, every variation here starts from the input's own code. history: None, or ids (n, H) of what
    each variation already said (see :func:`said`): a post's windows pass their predecessors'
    variations, so that no n-gram repeats within a variation of a whole post. toward, strength: steer
    the codes (see variation_codes). n: 1 to MAX_N; everything is checked before any work.
    """
    z = variation_codes(model, vectorizer, text, n, decoding.scale, seed, condition, toward=toward, strength=strength)
    ids = decode(model, z, decoding, seed=seed, condition=condition, history=history)
    return vectorizer.decode(ids)


def said(vectorizer, texts, history=None) -> np.ndarray:
    """``history`` (n, H) with the token ids of ``texts`` (n strings) appended: the ids of what
    n texts have said so far, special tokens as -1 (a separator no n-gram spans); for
    ``history=`` of :func:`decode` and :func:`variations`."""
    ids = np.asarray(vectorizer.encode(list(texts)), np.int64)
    ids = np.where(ids > EOS_ID, ids, -1)
    return ids if history is None else np.concatenate([history, ids], axis=1)


def interpolate(
    model,
    vectorizer,
    text_a: str,
    text_b: str,
    steps: int = 5,
    decoding: Decoding | None = None,
    *,
    seed: int | None = None,
    condition=None,
) -> list[str]:
    """Decode ``steps`` codes (2 to MAX_N) on the straight line between the posterior means of two
    texts, as ``decoding`` says (default: greedy)."""
    steps = whole_number("steps", steps, 5, low=2, high=MAX_N)
    seed = check_seed("seed", seed)
    z_mean, _ = _encode_texts(model, vectorizer, [text_a, text_b], condition)
    weights = np.linspace(0.0, 1.0, steps)[:, None]
    z = ((1 - weights) * z_mean[0] + weights * z_mean[1]).astype(np.float32)
    return vectorizer.decode(decode(model, z, decoding, seed=seed, condition=condition))


def sample(
    model, vectorizer, n: int = 5, decoding: Decoding | None = None, *, seed: int | None = None, condition=None
) -> list[str]:
    """n texts (1 to MAX_N) decoded from codes drawn from the prior N(0, I), as ``decoding`` says
    (default: greedy)."""
    n, seed = whole_number("n", n, 5, high=MAX_N), check_seed("seed", seed)
    z = np.random.default_rng(seed).standard_normal((n, model.latent_dim)).astype(np.float32)
    return vectorizer.decode(decode(model, z, decoding, seed=seed, condition=condition))
