"""Checkers for the notebooks' exercises.

Each ``check_*`` runs a learner's answer on a few cases, prints either a pass or one
specific hint, and returns True/False. It never raises on a wrong answer: a learner sees a
sentence, not a stack trace.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

PASS = "✅ Correct"


def _report(ok: bool, message: str) -> bool:
    print(f"{PASS}: {message}" if ok else f"❌ Not yet: {message}")
    return ok


def _call(fn: Callable, *args):
    try:
        return np.asarray(fn(*args), dtype=np.float64), None
    except Exception as exc:  # a learner's bug: report it as a hint, not a traceback
        return None, f"your function raised {type(exc).__name__}: {exc}"


# --- notebook 01 ---------------------------------------------------------------------------


def _kl_reference(mean, log_var):
    from vae_tutorial.gaussian import kl_diag_to_standard

    return kl_diag_to_standard(mean, log_var)


def check_kl_diag(fn: Callable) -> bool:
    """fn(mean, log_var) with (n, d) arrays must return the KL to N(0, I) per row, shape (n,)."""
    rng = np.random.default_rng(0)
    mean, log_var = rng.normal(size=(5, 3)), rng.normal(scale=0.7, size=(5, 3))
    got, err = _call(fn, mean, log_var)
    if err:
        return _report(False, err)
    want = _kl_reference(mean, log_var)
    if got.shape != want.shape:
        return _report(
            False,
            f"expected one KL per row, shape {want.shape}, got shape {got.shape}. "
            "Sum over the latent dimensions only (axis=-1), not over the batch.",
        )
    if np.allclose(got, want, rtol=1e-6, atol=1e-9):
        return _report(True, "the KL matches the closed form on 5 random diagonal Gaussians.")
    if np.allclose(got, 2 * want, rtol=1e-6):
        return _report(False, "your values are twice the right ones: the formula has a factor 1/2 in front.")
    if np.allclose(got, -want, rtol=1e-6):
        return _report(False, "your values have the wrong sign: a KL divergence is never negative.")
    wrong_var = 0.5 * np.sum(log_var + mean**2 - 1 - log_var, axis=-1)
    if np.allclose(got, wrong_var, rtol=1e-6) or np.allclose(got, 0.5 * np.sum(log_var + mean**2 - 1, axis=-1)):
        return _report(False, "the variance is exp(log_var), not log_var itself.")
    zero = np.zeros_like(mean)
    at_prior, _ = _call(fn, zero, zero)
    if at_prior is not None and not np.allclose(at_prior, 0.0, atol=1e-9):
        return _report(False, f"KL(N(0, I) || N(0, I)) must be 0, your function gives {at_prior.ravel()[0]:.4g}.")
    return _report(
        False,
        f"for the first row expected {want[0]:.4f} nats, got {got.ravel()[0]:.4f}. "
        "Check each term of 0.5 * sum(exp(log_var) + mean**2 - 1 - log_var).",
    )


CLOSER_CHOICES = {
    "A": {"mean": [1.0, 0.0], "var": [1.0, 1.0]},
    "B": {"mean": [0.0, 0.0], "var": [4.0, 0.25]},
}


def check_closer_to_standard(answer: str) -> bool:
    """answer: "A" or "B", the Gaussian of ``CLOSER_CHOICES`` with the smaller KL to N(0, I)."""
    kls = {k: float(_kl_reference(np.array(v["mean"]), np.log(v["var"]))) for k, v in CLOSER_CHOICES.items()}
    best = min(kls, key=kls.get)
    choice = str(answer).strip().upper()
    if choice not in kls:
        return _report(False, f"answer with 'A' or 'B', got {answer!r}.")
    detail = f"KL(A || N(0,I)) = {kls['A']:.3f} nats, KL(B || N(0,I)) = {kls['B']:.3f} nats."
    if choice == best:
        return _report(True, detail)
    return _report(
        False,
        "B is centred at 0, but its variances are far from 1 in both directions: "
        "0.5*(v - 1 - log v) grows on both sides of v = 1. Compute both KLs and compare.",
    )


# --- notebook 02 ---------------------------------------------------------------------------


def check_reparameterize(fn: Callable) -> bool:
    """fn(mean, log_var) on TensorFlow tensors must return mean + exp(log_var / 2) * eps,
    with gradients flowing to both arguments."""
    from vae_tutorial._backend import tf

    mean = tf.Variable(tf.fill((20_000, 2), 1.5))
    log_var = tf.Variable(tf.fill((20_000, 2), np.log(4.0).astype("float32")))
    try:
        with tf.GradientTape() as tape:
            z = fn(mean, log_var)
            total = tf.reduce_sum(z)
    except Exception as exc:  # a learner's bug
        return _report(False, f"your function raised {type(exc).__name__}: {exc}")
    if tuple(z.shape) != (20_000, 2):
        return _report(False, f"z must have the shape of mean, (20000, 2); got {tuple(z.shape)}.")
    d_mean, d_log_var = tape.gradient(total, [mean, log_var])
    if d_mean is None or d_log_var is None:
        return _report(
            False,
            "no gradient reaches mean or log_var. Draw eps ~ N(0, 1) on its own "
            "(e.g. keras.random.normal(shape)) and build z from mean, log_var and eps.",
        )
    z = z.numpy()
    sd = float(z.std())
    if abs(float(z.mean()) - 1.5) > 0.05:
        return _report(False, f"the samples' mean is {z.mean():.3f}, expected 1.5 (the mean argument).")
    if abs(sd - 4.0) < 0.1:
        return _report(
            False,
            "the samples' standard deviation is 4 = exp(log_var): that is the variance. "
            "The standard deviation is exp(0.5 * log_var).",
        )
    if abs(sd - 2.0) > 0.05:
        return _report(False, f"the samples' standard deviation is {sd:.3f}, expected 2 = exp(0.5 * log(4)).")
    if not np.allclose(d_mean.numpy(), 1.0):
        return _report(False, "dz/dmean should be exactly 1: z = mean + sigma * eps.")
    return _report(True, "samples have mean 1.5 and std 2, and gradients reach mean and log_var.")


def check_noise_measurement(mse_without_noise, mse_with_noise) -> bool:
    """mse_without_noise: the final training MSE of notebook 02's tiny model with z = z_mean (no
    Sampling layer), trained as the notebook trains it; mse_with_noise: the notebook's own final
    MSE. Any honest result passes: a positive number below the noisy model's (the decoder of a
    noiseless code is never handed a code that is off)."""
    if isinstance(mse_without_noise, bool) or not isinstance(mse_without_noise, int | float | np.floating):
        return _report(
            False, f"give the final MSE as a number, got {mse_without_noise!r} (history.history['loss'][-1])."
        )
    if not np.isfinite(mse_without_noise) or mse_without_noise <= 0:
        return _report(False, f"an MSE of {mse_without_noise!r} is not a training loss: it is a positive number.")
    if mse_without_noise >= mse_with_noise:
        return _report(
            False,
            f"{mse_without_noise:.3g} is not below the noisy model's {mse_with_noise:.3g}: did the decoder read "
            "z_mean itself (no Sampling layer), and did it train as many epochs with the same optimizer?",
        )
    return _report(True, f"without noise the MSE ends at {mse_without_noise:.3g}, below {mse_with_noise:.3g} with it.")


def check_score_function(fn: Callable) -> bool:
    """fn(f, mu, sigma, z) must return the score-function estimate mean(f(z) * (z - mu) / sigma**2)."""
    rng = np.random.default_rng(1)
    mu, sigma = 0.7, 1.3
    z = mu + sigma * rng.standard_normal(50)

    def f(v):
        return v**3

    got, err = _call(fn, f, mu, sigma, z)
    if err:
        return _report(False, err)
    want = float(np.mean(f(z) * (z - mu) / sigma**2))
    if got.shape not in ((), (1,)):
        return _report(False, f"return one number (the average over samples), got shape {got.shape}.")
    got = float(got.ravel()[0])
    if np.isclose(got, want, rtol=1e-6):
        return _report(True, "your estimate matches mean(f(z) * (z - mu) / sigma**2).")
    if np.isclose(got, float(np.mean(f(z) * (z - mu) / sigma)), rtol=1e-6):
        return _report(False, "the score of N(mu, sigma^2) is (z - mu) / sigma**2: divide by the variance, not sigma.")
    if np.isclose(got, float(np.mean(f(z) * (z - mu))), rtol=1e-6):
        return _report(False, "you left out the 1 / sigma**2 of the score d/dmu log N(z; mu, sigma^2).")
    return _report(
        False,
        f"expected {want:.5f}, got {got:.5f}. The estimate is the average of f(z) times the score (z - mu) / sigma**2.",
    )


# --- notebook 03 ---------------------------------------------------------------------------


def check_negative_elbo(fn: Callable) -> bool:
    """fn(x, logits, z_mean, z_log_var) must return the negative ELBO per image, shape (n,):
    Bernoulli NLL summed over pixels (from logits) plus the KL to N(0, I), in nats."""
    from vae_tutorial.gaussian import kl_diag_to_standard

    rng = np.random.default_rng(3)
    x = (rng.random((4, 28, 28, 1)) > 0.7).astype(np.float32)
    logits = rng.normal(scale=3.0, size=x.shape)
    z_mean, z_log_var = rng.normal(size=(4, 2)), rng.normal(scale=0.5, size=(4, 2))
    got, err = _call(fn, x, logits, z_mean, z_log_var)
    if err:
        return _report(False, err)
    nll = (np.logaddexp(0, logits) - x * logits).reshape(4, -1).sum(axis=1)
    kl = kl_diag_to_standard(z_mean, z_log_var)
    if got.shape != (4,):
        return _report(
            False,
            f"return one value per image, shape (4,); got shape {got.shape}. "
            "Sum over the pixels (axes 1, 2, 3) and the latent dimensions, not over images.",
        )
    if np.allclose(got, nll + kl, rtol=1e-5):
        return _report(True, "reconstruction NLL + KL per image, in nats.")
    if np.allclose(got, nll - kl, rtol=1e-5):
        return _report(False, "the KL is added to the reconstruction NLL in the negative ELBO, not subtracted.")
    if np.allclose(got, nll, rtol=1e-5):
        return _report(False, "that is the reconstruction NLL alone: add the KL term.")
    if np.allclose(got, nll / 784 + kl, rtol=1e-5):
        return _report(False, "you averaged over the pixels: the likelihood of an image is the sum over its pixels.")
    return _report(
        False,
        f"for the first image expected {nll[0] + kl[0]:.2f} nats, got {got[0]:.2f}. The pixel NLL "
        "from a logit l is softplus(l) - x * l (np.logaddexp(0, l) - x * l).",
    )


def check_threshold(fn: Callable) -> bool:
    """fn(normal_scores, fpr) must return the smallest threshold t such that at most a fraction
    ``fpr`` of the normal scores lie above t (flagged as anomalies by mistake)."""
    scores = np.random.default_rng(4).normal(100.0, 15.0, size=1000)
    for fpr in (0.01, 0.05, 0.2):
        got, err = _call(fn, scores, fpr)
        if err:
            return _report(False, err)
        t = float(np.asarray(got).ravel()[0])
        flagged = float(np.mean(scores > t))
        if flagged > fpr + 1e-9:
            return _report(
                False,
                f"at fpr={fpr}, {flagged:.3f} of the normal scores lie above your threshold {t:.1f}: "
                "that is more false positives than allowed. Use the (1 - fpr) quantile.",
            )
        if flagged < fpr - 0.005:
            return _report(
                False,
                f"at fpr={fpr} only {flagged:.3f} of the normal scores are flagged: the threshold "
                f"{t:.1f} is higher than needed, so you will miss anomalies. Use the (1 - fpr) quantile.",
            )
    return _report(True, "the thresholds flag the requested share of normal examples.")


BETA_LATENT_DIM = 16  # the latent size of notebook 03's beta models


def check_beta_measurement(answer, rows) -> bool:
    """answer: {"kl": held-out KL in nats, "active_units": count} of a 16-D model trained with
    beta = 2; rows: the notebook's table of the beta = 1 and beta = 4 models ({"β = 1": {"KL": ...,
    "active units": ...}, "β = 4": {...}}). Any honest measurement passes: the KL strictly between
    the two rows' (a larger beta buys a smaller KL), and the active units a whole number from 0 to
    the model's 16 dimensions. (Not between the two rows' counts: the active-unit threshold is
    lenient, and a beta = 4 model can count more units than a beta = 2 one while its KL sits in
    fewer dimensions.)"""
    if not isinstance(answer, dict) or not {"kl", "active_units"} <= answer.keys():
        return _report(False, 'answer must be a dict {"kl": ..., "active_units": ...}.')
    try:
        low, high = rows["β = 4"], rows["β = 1"]
        kl_range = (float(low["KL"]), float(high["KL"]))
    except (KeyError, TypeError, ValueError):
        return _report(False, "pass the notebook's table of the beta models (beta_rows) as rows.")
    kl, units = answer["kl"], answer["active_units"]
    if isinstance(kl, bool) or not isinstance(kl, int | float | np.floating) or not np.isfinite(kl):
        return _report(False, f"kl is {kl!r}: give the held-out KL in nats, a number.")
    if isinstance(units, bool) or not isinstance(units, int | np.integer):
        return _report(False, f"active_units is {units!r}: give a whole number (evaluation.active_units).")
    if not kl_range[0] < kl < kl_range[1]:
        return _report(
            False,
            f"a KL of {kl:.1f} nats is not between the beta = 4 model's {kl_range[0]:.1f} and the beta = 1 model's "
            f"{kl_range[1]:.1f}: did the model train with beta=2.0 on the fit digits, and is the KL measured on "
            "x_test with evaluation.negative_elbo (at weight 1)?",
        )
    if not 0 <= units <= BETA_LATENT_DIM:
        return _report(
            False,
            f"{units} active units is outside 0 to {BETA_LATENT_DIM}, the model's dimensions: "
            "measure them on x_test with evaluation.active_units.",
        )
    return _report(True, f"KL {kl:.1f} nats, between the beta = 1 and beta = 4 models', and {units} active units.")


# --- notebook 04 ---------------------------------------------------------------------------


def check_word_dropout(fn: Callable) -> bool:
    """fn(decoder_ids (n, T) int, p, rng) must replace each real token (not [PAD]=0, not [BOS]=2)
    by [UNK]=1 with probability p, and leave everything else as it was."""
    rng = np.random.default_rng(5)
    ids = rng.integers(4, 50, size=(400, 20))
    ids[:, 0] = 2  # [BOS]
    ids[:, 15:] = 0  # padding
    original = ids.copy()
    got, err = _call(fn, ids, 0.3, np.random.default_rng(0))
    if err:
        return _report(False, err)
    if not np.array_equal(ids, original):
        return _report(False, "your function changed its input array in place: work on a copy (ids.copy()).")
    if got.shape != ids.shape:
        return _report(False, f"return an array of the input's shape {ids.shape}, got {got.shape}.")
    changed = got != ids
    if np.any(changed & ((ids == 0) | (ids == 2))):
        return _report(False, "[PAD] (0) and [BOS] (2) must never be replaced: only real words are dropped.")
    if np.any(got[changed] != 1):
        return _report(False, "a dropped word becomes [UNK] (id 1), not another id.")
    share = changed[:, 1:15].mean()
    if abs(share - 0.3) > 0.03:
        return _report(
            False,
            f"{share:.2f} of the real tokens were replaced, expected about p = 0.3. "
            "Draw one uniform number per token and drop where it is < p.",
        )
    none, _ = _call(fn, ids, 0.0, np.random.default_rng(0))
    if none is None or not np.array_equal(none, ids):
        return _report(False, "with p = 0 nothing may change (inference never drops words).")
    return _report(True, f"{share:.2f} of the real tokens became [UNK]; [PAD] and [BOS] untouched.")


def check_masked_nll(fn: Callable) -> bool:
    """fn(targets (T,) int, log_probs (T, V)) must return -sum_t log_probs[t, targets[t]] over the
    real positions (targets != 0, [EOS] included): one sentence's NLL in nats."""
    rng = np.random.default_rng(6)
    logits = rng.normal(size=(8, 12))
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    targets = np.array([5, 9, 4, 7, 3, 0, 0, 0])  # four words, [EOS] (3), padding
    got, err = _call(fn, targets, log_probs)
    if err:
        return _report(False, err)
    picked = log_probs[np.arange(8), targets]
    want = -picked[:5].sum()
    value = float(np.ravel(got)[0]) if got.size else np.nan
    if np.isclose(value, want):
        return _report(True, f"{want:.3f} nats for this sentence of 5 real tokens (4 words + [EOS]).")
    if np.isclose(value, -picked.sum()):
        return _report(False, "padding positions (target 0) must not count: mask them out.")
    if np.isclose(value, want / 5) or np.isclose(value, -picked.mean()):
        return _report(False, "that is a mean per token: the NLL of a sentence is the sum over its tokens.")
    if np.isclose(value, -want):
        return _report(False, "a negative log-likelihood is positive: flip the sign.")
    if np.isclose(value, -picked[:4].sum()):
        return _report(False, "[EOS] (id 3) is a real token the decoder must predict: include it.")
    return _report(
        False,
        f"expected {want:.3f} nats, got {value:.3f}. Pick log_probs[t, targets[t]] at each "
        "real position and sum their negatives.",
    )


# --- notebook 05 ---------------------------------------------------------------------------


def check_truncated_share(fn: Callable) -> bool:
    """fn(lengths, max_length) -> the share of all tokens that cutting every post to its first
    ``max_length`` tokens (the original guide's ``pad_sequences(maxlen=300)``) throws away, a float."""
    cases = [([100, 400, 300, 0], 300, 100 / 800), ([50, 60], 40, 30 / 110), ([10, 20], 300, 0.0)]
    for lengths, max_length, want in cases:
        try:
            got = float(fn(np.array(lengths), max_length))
        except Exception as exc:  # a learner's bug: a hint, not a traceback
            return _report(False, f"your function raised {type(exc).__name__}: {exc}")
        if np.isclose(got, want):
            continue
        where = f"for lengths {lengths} and max_length {max_length}: expected {want:.4f}, got {got:.4f}"
        if np.isclose(got, 1 - want):
            return _report(False, f"{where} -- that is the share that is kept, not the share thrown away.")
        if np.isclose(got, np.mean(np.array(lengths) > max_length)):
            return _report(False, f"{where} -- you counted posts; count the tokens beyond max_length instead.")
        return _report(False, f"{where}. Sum max(length - max_length, 0) and divide by the sum of the lengths.")
    return _report(True, "the share of tokens lost to cutting matches on three corpora.")


def _window_sizes(lengths, max_tokens):
    sizes, current = [], 0
    for length in lengths:
        if length > max_tokens:
            sizes += [current] if current else []
            sizes += [max_tokens] * (length // max_tokens) + ([length % max_tokens] if length % max_tokens else [])
            current = 0
        elif current + length <= max_tokens:
            current += length
        else:
            sizes, current = [*sizes, current], length
    return [*sizes, current] if current else sizes


def check_window_sizes(fn: Callable) -> bool:
    """fn(sentence_lengths, max_tokens) -> the token counts of the windows that greedy packing
    makes: consecutive sentences share a window while it holds <= max_tokens tokens; a sentence
    longer than max_tokens is cut into pieces of max_tokens (the rest in a window of its own)."""
    cases = [([5, 3, 4, 8], 10), ([12, 2, 2], 10), ([3, 25, 1], 10), ([10, 10], 10), ([], 5)]
    for lengths, max_tokens in cases:
        want = _window_sizes(lengths, max_tokens)
        try:
            got = [int(n) for n in fn(list(lengths), max_tokens)]
        except Exception as exc:  # a learner's bug: a hint, not a traceback
            return _report(False, f"your function raised {type(exc).__name__}: {exc}")
        if got == want:
            continue
        where = f"for sentences of {lengths} tokens and max_tokens {max_tokens}: expected {want}, got {got}"
        if any(n > max_tokens for n in got):
            return _report(False, f"{where} -- a window holds more than max_tokens tokens.")
        if sum(got) != sum(lengths):
            return _report(
                False, f"{where} -- the windows hold {sum(got)} tokens, the sentences {sum(lengths)}: cut, never drop."
            )
        return _report(False, f"{where}. Start a new window only when the next sentence does not fit.")
    return _report(True, "your windows match greedy packing on five posts, long sentences included.")


# --- notebook 06 ---------------------------------------------------------------------------


def _toy_vectors():
    """A 4-word gensim KeyedVectors in 3 dimensions, the same for every check."""
    from gensim.models import KeyedVectors

    kv = KeyedVectors(3)
    kv.add_vectors(
        ["fire", "blaze", "cricket", "wicket"], np.array([[3, 1, 0], [1, 2, 0], [0, 1, 4], [0, 0, 1]], float)
    )
    return kv


def check_topic_vector(fn: Callable) -> bool:
    """fn(kv, keywords) -> the topic vector: the mean of the keywords' *unit* vectors, scaled to
    unit length (a NumPy vector of kv.vector_size)."""
    from vae_tutorial.embeddings import topic_vector

    kv = _toy_vectors()
    for words in (["fire", "blaze"], ["cricket", "wicket", "fire"], ["wicket"]):
        try:
            got = np.asarray(fn(kv, words), np.float64)
        except Exception as exc:  # a learner's bug: a hint, not a traceback
            return _report(False, f"your function raised {type(exc).__name__}: {exc}")
        want = topic_vector(kv, words)
        if got.shape != want.shape:
            return _report(False, f"for {words}: expected a vector of shape {want.shape}, got shape {got.shape}.")
        if np.allclose(got, want, atol=1e-6):
            continue
        raw = np.mean([kv[w] for w in words], axis=0)
        if np.allclose(got, raw / np.linalg.norm(raw), atol=1e-6):
            return _report(
                False,
                f"for {words}: normalise each keyword's vector *before* averaging, so that "
                "a word with a long vector does not outweigh the others.",
            )
        if np.allclose(got / np.linalg.norm(got), want, atol=1e-6):
            return _report(False, f"for {words}: the direction is right; scale the mean to unit length.")
        return _report(False, f"for {words}: expected {np.round(want, 4)}, got {np.round(got, 4)}.")
    return _report(True, "your topic vectors match embeddings.topic_vector on three keyword sets.")


def check_hit_rate(fn: Callable) -> bool:
    """fn(text_vectors, requested, topic_vectors) -> the share of texts whose nearest topic (by
    cosine) is the requested one. text_vectors (n, d); requested: n names; topic_vectors {name: (d,)}."""
    topics = {"a": np.array([1.0, 0.0]), "b": np.array([0.0, 3.0]), "c": np.array([-1.0, -1.0])}  # not unit length
    texts = np.array([[2.0, 0.1], [0.1, 0.3], [-1.0, -0.8], [0.4, 0.5], [5.0, 4.0]])
    requested = ["a", "b", "a", "b", "a"]
    # nearest by cosine: a, b, c, b, a -> hits 1, 1, 0, 1, 1; by raw dot product the last is "b"
    try:
        got = float(fn(texts, requested, topics))
    except Exception as exc:  # a learner's bug: a hint, not a traceback
        return _report(False, f"your function raised {type(exc).__name__}: {exc}")
    if np.isclose(got, 0.8):
        return _report(True, "4 of the 5 texts are nearest to the topic they were asked for: 0.8.")
    if np.isclose(got, 4):
        return _report(False, "you returned the number of hits (4); the hit rate divides by the number of texts.")
    if np.isclose(got, 0.2):
        return _report(False, "0.2 is the share of misses; count the texts whose nearest topic IS the requested one.")
    return _report(
        False,
        f"expected 0.8, got {got:.3f}. For each text, take the topic of largest cosine "
        "(dot product of unit vectors) and compare its name with the requested one.",
    )
