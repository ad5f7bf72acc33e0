"""Loss terms of the VAE objective, in nats per example (Keras ops, any backend)."""

from __future__ import annotations

from vae_tutorial._tensorflow import tf  # noqa: F401  (quiet TensorFlow import before Keras)
from keras import ops  # noqa: E402


def kl_diagonal(z_mean, z_log_var):
    """KL(N(z_mean, diag(exp(z_log_var))) || N(0, I)) per example, in nats.

    z_mean, z_log_var: (batch, latent_dim). Returns (batch,):
    0.5 * sum_j (exp(log_var_j) + mean_j^2 - 1 - log_var_j).
    """
    return 0.5 * ops.sum(ops.exp(z_log_var) + ops.square(z_mean) - 1.0 - z_log_var, axis=-1)


def mean_kl(z_mean, z_log_var):
    """The batch mean of :func:`kl_diagonal`: a scalar in nats per example."""
    return ops.mean(kl_diagonal(z_mean, z_log_var))
