"""Checkers for the notebooks' exercises.

Each ``check_*`` runs a learner's answer on a few cases, prints either a pass or one
specific hint, and returns True/False. It never raises on a wrong answer: a learner sees a
sentence, not a stack trace.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from vae_tutorial.theory import estimates
from vae_tutorial.theory.gaussian import kl_diag_to_standard

PASS = "✅ Correct"


def _report(ok: bool, message: str) -> bool:
    print(f"{PASS}: {message}" if ok else f"❌ Not yet: {message}")
    return ok


def _is_number(value) -> bool:
    """A real number as a learner would give one (int, float, NumPy float), not a bool; may be nan."""
    return not isinstance(value, bool) and isinstance(value, int | float | np.floating)


def _call(fn: Callable, *args):
    try:
        return np.asarray(fn(*args), dtype=np.float64), None
    except Exception as exc:  # a learner's bug: report it as a hint, not a traceback
        return None, f"your function raised {type(exc).__name__}: {exc}"


def _kl_reference(mean, log_var):

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


def check_reparameterize(fn: Callable) -> bool:
    """fn(mean, log_var) on TensorFlow tensors must return mean + exp(log_var / 2) * eps,
    with gradients flowing to both arguments."""
    from vae_tutorial._backend import tf  # TensorFlow (~5 s): the notebooks' checks load it only for this one

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
    if not _is_number(mse_without_noise):
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


def check_negative_elbo(fn: Callable) -> bool:
    """fn(x, logits, z_mean, z_log_var) must return the negative ELBO per image, shape (n,):
    Bernoulli NLL summed over pixels (from logits) plus the KL to N(0, I), in nats."""

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


def check_beta_measurement(answer, rows, model, x) -> bool:
    """answer: {"kl": held-out KL in nats, "active_units": count} of ``model``, a 16-D ImageVAE trained
    with beta = 2, measured on the held-out digits ``x``; rows: the notebook's table of the beta = 1
    and beta = 4 models ({"β = 1": {"KL": ...}, "β = 4": {...}}).

    The checker measures the learner's own model again (:func:`~vae_tutorial.theory.estimates.negative_elbo`
    with 10 samples, :func:`~vae_tutorial.theory.estimates.active_units`) and accepts the answer if it
    is that measurement (KL within 0.05 nats, the count exact) and if the KL lies strictly between
    the two rows' (a larger beta buys a smaller KL). The count is not required to lie between the
    rows' counts: the active-unit threshold is lenient, and a beta = 4 model can count more units
    than a beta = 2 one while its KL sits in fewer dimensions; it has to be the model's own."""
    if not isinstance(answer, dict) or not {"kl", "active_units"} <= answer.keys():
        return _report(False, 'answer must be a dict {"kl": ..., "active_units": ...}.')
    try:
        low, high = rows["β = 4"], rows["β = 1"]
        kl_range = (float(low["KL"]), float(high["KL"]))
    except (KeyError, TypeError, ValueError):
        return _report(False, "pass the notebook's table of the beta models (beta_rows) as rows.")
    beta, latent_dim = getattr(model, "beta", None), getattr(model, "latent_dim", None)
    if beta != 2.0 or latent_dim != BETA_LATENT_DIM:
        return _report(
            False,
            f"pass the model you trained: a {BETA_LATENT_DIM}-D ImageVAE with beta=2.0 "
            f"(got {type(model).__name__} with beta={beta!r}, latent_dim={latent_dim!r}).",
        )
    kl, units = answer["kl"], answer["active_units"]
    if not _is_number(kl) or not np.isfinite(kl):
        return _report(False, f"kl is {kl!r}: give the held-out KL in nats, a number.")
    if isinstance(units, bool) or not isinstance(units, int | np.integer):
        return _report(False, f"active_units is {units!r}: give a whole number (estimates.active_units).")
    measured_kl = estimates.negative_elbo(model, x, n_samples=10)["kl"]
    measured_units = estimates.active_units(model, x)
    if abs(kl - measured_kl) > 0.05:
        return _report(
            False,
            f"your model's held-out KL is {measured_kl:.2f} nats, not {kl:.2f}: measure it on x_test with "
            "estimates.negative_elbo(model, x_test, n_samples=10), which weighs the KL at 1.",
        )
    if units != measured_units:
        return _report(
            False,
            f"your model has {measured_units} active units on these digits, not {units}: count them with "
            "estimates.active_units(model, x_test).",
        )
    if not kl_range[0] < kl < kl_range[1]:
        return _report(
            False,
            f"a KL of {kl:.1f} nats is not between the beta = 4 model's {kl_range[0]:.1f} and the beta = 1 model's "
            f"{kl_range[1]:.1f}: did the model train with the same recipe, epochs and seed on the fit digits?",
        )
    return _report(True, f"KL {kl:.1f} nats, between the beta = 1 and beta = 4 models', and {units} active units.")
