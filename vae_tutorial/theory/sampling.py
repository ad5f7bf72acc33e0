"""The reparameterization trick: z = mean + exp(log_var / 2) * eps, as a function and a layer.

Also the two gradient estimators of notebook 02 for d/dmu E_{z ~ N(mu, sigma^2)}[f(z)]:
the pathwise (reparameterization) estimator and the score-function (REINFORCE) one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from vae_tutorial._backend import keras, tf
from keras import ops


def reparameterize(mean, log_var, seed=None):
    """A sample z ~ N(mean, diag(exp(log_var))) that gradients flow through.

    mean, log_var: tensors of the same shape, e.g. (batch, latent_dim).
    seed: None, an int, or a ``keras.random.SeedGenerator`` (for a fresh draw per call).
    Returns a tensor of that shape: mean + exp(0.5 * log_var) * eps, eps ~ N(0, I).
    """
    eps = keras.random.normal(ops.shape(mean), dtype=mean.dtype, seed=seed)
    return mean + ops.exp(0.5 * log_var) * eps


@keras.saving.register_keras_serializable(package="vae_tutorial")
class Sampling(keras.layers.Layer):
    """Draw z from N(mean, diag(exp(log_var))) with the reparameterization trick.

    Call it on ``[z_mean, z_log_var]`` (each (batch, latent_dim)). Unlike the original guide's
    ``Lambda(sampling)`` it saves to and loads from ``.keras`` in safe mode, and its own
    ``SeedGenerator`` makes draws reproducible: two layers built with the same ``seed``
    give the same sequence of samples. The generator's position is not saved in a ``.keras``
    file: a loaded model restarts its noise sequence from ``seed``.
    """

    def __init__(self, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        return reparameterize(z_mean, z_log_var, seed=self.seed_generator)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


def _eps(shape: tuple[int, ...], seed: int | None) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def pathwise_gradients(
    f: Callable, mu: float, sigma: float, n: int, repeats: int = 1, seed: int | None = None
) -> np.ndarray:
    """``repeats`` independent pathwise estimates of d/dmu E[f(z)], each from n samples.

    z = mu + sigma * eps, and each estimate is mean_i f'(z_i), computed by automatic
    differentiation (``tf.GradientTape``) through the sample. f takes and returns tensors
    elementwise (e.g. ``lambda z: z**2``). Returns shape (repeats,).
    """
    eps = tf.constant(_eps((repeats, n), seed))
    mus = tf.Variable(tf.fill((repeats, 1), float(mu)))
    with tf.GradientTape() as tape:
        z = mus + float(sigma) * eps
        total = tf.reduce_sum(tf.reduce_mean(f(z), axis=1))
    # An f that is flat almost everywhere (a step) has no path to mu: its pathwise gradient is 0.
    return tape.gradient(total, mus, unconnected_gradients=tf.UnconnectedGradients.ZERO).numpy()[:, 0]


def score_function_gradients(
    f: Callable, mu: float, sigma: float, n: int, repeats: int = 1, seed: int | None = None
) -> np.ndarray:
    """``repeats`` independent score-function (REINFORCE) estimates of d/dmu E[f(z)].

    Each is mean_i f(z_i) * d/dmu log N(z_i; mu, sigma^2) = mean_i f(z_i) (z_i - mu) / sigma^2.
    Needs only values of f, never its derivative. Returns shape (repeats,).
    """
    eps = _eps((repeats, n), seed)
    z = tf.constant(mu + sigma * eps)
    values = np.asarray(f(z), dtype=np.float64)
    return np.mean(values * (eps / sigma), axis=1)


def estimator_variances(
    f: Callable, mu: float, sigma: float, sample_sizes: Sequence[int], repeats: int, seed: int = 0
) -> dict[str, np.ndarray]:
    """Variance across ``repeats`` of both estimators, for each number of samples n.

    Returns {"n": (k,), "pathwise": (k,), "score_function": (k,)}; the same eps are
    used by both estimators for a given n, so the comparison is paired.
    """
    path = [np.var(pathwise_gradients(f, mu, sigma, n, repeats, seed + n), ddof=1) for n in sample_sizes]
    score = [np.var(score_function_gradients(f, mu, sigma, n, repeats, seed + n), ddof=1) for n in sample_sizes]
    return {"n": np.asarray(sample_sizes), "pathwise": np.asarray(path), "score_function": np.asarray(score)}
