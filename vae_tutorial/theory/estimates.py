"""Held-out estimates of a trained VAE, in nats per example (NumPy on the model's outputs).

The functions need two methods of the model: ``encode(x, batch_size) -> (z_mean, z_log_var)``
and ``reconstruction_nll(x, z) -> -log p(x | z)`` per example (Bernoulli pixels for the image
VAE, masked tokens for the text VAEs). The models check ``x`` (NaN images or bad token ids are a
DataError); the functions check their own numbers.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from vae_tutorial.errors import real_number, whole_number
from vae_tutorial.errors import seed as check_seed
from vae_tutorial.theory.gaussian import LOG_2PI


def _kl_per_dim(z_mean: np.ndarray, z_log_var: np.ndarray) -> np.ndarray:
    """KL(q(z|x) || N(0, I)) per example and latent dimension: (n, latent_dim)."""
    return 0.5 * (np.exp(z_log_var) + z_mean**2 - 1.0 - z_log_var)


def _batches(n: int, size: int):
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


def elbo_terms(model, x, n_samples: int = 1, seed: int = 0, batch_size: int = 500) -> dict[str, np.ndarray]:
    """Per-example reconstruction NLL (averaged over n_samples draws of z ~ q(z|x)) and KL.

    Returns {"reconstruction": (n,), "kl": (n,)} in nats; their sum is the negative ELBO.
    """
    n_samples, batch_size = whole_number("n_samples", n_samples, 10), whole_number("batch_size", batch_size, 500)
    x = np.asarray(x)
    rng = np.random.default_rng(check_seed("seed", seed))
    z_mean, z_log_var = model.encode(x, batch_size=batch_size)
    recon = np.zeros(len(x))
    for _ in range(n_samples):
        z = z_mean + np.exp(0.5 * z_log_var) * rng.standard_normal(z_mean.shape)
        recon += model.reconstruction_nll(x, z.astype(np.float32)) / n_samples
    return {"reconstruction": recon, "kl": _kl_per_dim(z_mean, z_log_var).sum(axis=1)}


def negative_elbo(model, x, n_samples: int = 1, seed: int = 0) -> dict[str, float]:
    """Mean reconstruction NLL, KL and negative ELBO (= their sum) in nats per example."""
    terms = elbo_terms(model, x, n_samples, seed)
    recon, kl = float(terms["reconstruction"].mean()), float(terms["kl"].mean())
    return {"reconstruction": recon, "kl": kl, "neg_elbo": recon + kl}


def importance_weighted_nll(model, x, k: int = 100, seed: int = 0, batch_size: int = 100) -> float:
    """IWAE estimate of -log p(x) in nats per example (Burda et al. 2016), from k samples.

    -log p(x) ~= -logsumexp_i [log p(x|z_i) + log p(z_i) - log q(z_i|x)] + log k, z_i ~ q(z|x).
    With k = 1 its expectation is the negative ELBO; it tightens (decreases) as k grows.
    """
    k, batch_size = whole_number("k", k, 100), whole_number("batch_size", batch_size, 100)
    x = np.asarray(x)
    rng = np.random.default_rng(check_seed("seed", seed))
    z_mean, z_log_var = model.encode(x)
    out = np.empty(len(x))
    for sl in _batches(len(x), batch_size):
        mu, lv = z_mean[sl], z_log_var[sl]
        eps = rng.standard_normal((k, *mu.shape))
        z = mu + np.exp(0.5 * lv) * eps  # (k, b, d)
        xb = np.broadcast_to(x[sl], (k, *x[sl].shape)).reshape(-1, *x.shape[1:])
        log_px_z = -model.reconstruction_nll(xb, z.reshape(-1, mu.shape[1]).astype(np.float32)).reshape(k, -1)
        log_pz = -0.5 * np.sum(z**2 + LOG_2PI, axis=-1)
        log_qz = -0.5 * np.sum(eps**2 + LOG_2PI + lv, axis=-1)
        out[sl] = -(logsumexp(log_px_z + log_pz - log_qz, axis=0) - np.log(k))
    return float(out.mean())


def kl_per_dimension(model, x) -> np.ndarray:
    """Mean KL(q(z_j|x) || N(0, 1)) of each latent dimension j over the data: (latent_dim,) nats."""
    z_mean, z_log_var = model.encode(np.asarray(x))
    return _kl_per_dim(z_mean, z_log_var).mean(axis=0)


def active_units(model, x, threshold: float = 0.01) -> int:
    """Number of latent dimensions whose posterior mean varies with x (Burda et al. 2016):
    dimension j is active when Cov_x(E_q[z_j | x]) > threshold."""
    threshold = real_number("threshold", threshold, 0.0, np.inf, 0.01, high_open=True)
    z_mean, _ = model.encode(np.asarray(x))
    return int(np.sum(np.var(z_mean, axis=0) > threshold))


def mutual_information(model, x, seed: int = 0) -> float:
    """Estimate of I(x; z) under q, in nats (Hoffman & Johnson 2016; He et al. 2019):
    E_x E_q(z|x)[log q(z|x)] - E[log q(z)], with the aggregate posterior q(z) approximated by
    the mixture of the posteriors of the examples in ``x``. Bounded above by log(len(x))."""
    z_mean, z_log_var = model.encode(np.asarray(x))
    n, d = z_mean.shape
    rng = np.random.default_rng(check_seed("seed", seed))
    z = z_mean + np.exp(0.5 * z_log_var) * rng.standard_normal(z_mean.shape)
    neg_entropy = np.mean(-0.5 * d * LOG_2PI - 0.5 * np.sum(1.0 + z_log_var, axis=1))
    diff = z[:, None, :] - z_mean[None, :, :]  # (n samples, n posteriors, d)
    log_dens = -0.5 * np.sum(diff**2 / np.exp(z_log_var)[None] + z_log_var[None] + LOG_2PI, axis=-1)
    log_qz = logsumexp(log_dens, axis=1) - np.log(n)
    return float(neg_entropy - np.mean(log_qz))
