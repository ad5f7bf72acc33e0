"""Loss terms of the VAE objective, in nats per example (Keras ops; projected_token_nll uses TensorFlow)."""

from __future__ import annotations

import numpy as np

from vae_tutorial._backend import tf  # quiet TensorFlow import before Keras
from keras import ops


def kl_diagonal(z_mean, z_log_var):
    """KL(N(z_mean, diag(exp(z_log_var))) || N(0, I)) per example, in nats.

    z_mean, z_log_var: (batch, latent_dim). Returns (batch,):
    0.5 * sum_j (exp(log_var_j) + mean_j^2 - 1 - log_var_j).
    """
    return 0.5 * ops.sum(ops.exp(z_log_var) + ops.square(z_mean) - 1.0 - z_log_var, axis=-1)


def mean_kl(z_mean, z_log_var):
    """The batch mean of :func:`kl_diagonal`: a scalar in nats per example."""
    return ops.mean(kl_diagonal(z_mean, z_log_var))


def masked_token_nll(targets, logits, pad_id: int = 0):
    """Categorical NLL of the target tokens, summed over the real (non-padding) positions.

    targets: int (batch, length); logits: (batch, length, vocab). Returns (batch,) nats per
    sentence; positions where ``targets == pad_id`` contribute nothing.
    """
    per_token = ops.sparse_categorical_crossentropy(targets, logits, from_logits=True)
    mask = ops.cast(ops.not_equal(targets, pad_id), per_token.dtype)
    return ops.sum(per_token * mask, axis=-1)


def projected_token_nll(targets, features, project, pad_id: int = 0):
    """:func:`masked_token_nll` of ``project(features)``, projecting only the real positions.

    targets: int (batch, length); features: (batch, length, units), what the decoder has before
    its output layer; project: that layer, (m, units) -> logits (m, vocab). Returns (batch,)
    nats per sentence. Over a 5,000-word vocabulary the output layer is a large share of a text
    model's training step (most of a language model's), and padding can be half of the
    positions: this skips the output layer there (benchmarks/projected_logits.py).
    """
    targets = tf.cast(targets, tf.int32)
    positions = tf.where(tf.not_equal(targets, pad_id))  # (m, 2): sentence, position
    logits = project(tf.gather_nd(features, positions))
    per_token = tf.nn.sparse_softmax_cross_entropy_with_logits(tf.gather_nd(targets, positions), logits)
    return tf.math.unsorted_segment_sum(per_token, positions[:, 0], tf.shape(targets)[0])


def free_bits_kl(z_mean, z_log_var, free_bits: float):
    """The KL term with "free bits" (Kingma et al. 2016): sum_j max(lambda, mean_batch KL_j).

    Each latent dimension's batch-mean KL below ``free_bits`` nats costs a constant, so the
    optimiser gains nothing by pushing it to zero (a cure for posterior collapse). Scalar.
    """
    per_dim = 0.5 * (ops.exp(z_log_var) + ops.square(z_mean) - 1.0 - z_log_var)
    return ops.sum(ops.maximum(ops.mean(per_dim, axis=0), free_bits))


# --- KL annealing schedules: the KL weight at a training step (plain Python floats) ---------


def linear_schedule(step: int, warmup_steps: int) -> float:
    """0 at step 0, rising linearly to 1 at ``warmup_steps``, then 1 (Bowman et al. 2016)."""
    return 1.0 if warmup_steps <= 0 else min(1.0, step / warmup_steps)


def sigmoid_schedule(step: int, midpoint: int, steepness: float = 0.0025) -> float:
    """1 / (1 + exp(-steepness * (step - midpoint))): 0.5 at ``midpoint``."""
    return float(1.0 / (1.0 + np.exp(-steepness * (step - midpoint))))


def cyclical_schedule(step: int, period: int, ramp_fraction: float = 0.5) -> float:
    """Fu et al. (2019): within each period of ``period`` steps, rise linearly from 0 to 1 over
    the first ``ramp_fraction`` of it, then hold 1."""
    position = (step % period) / period
    return min(1.0, position / ramp_fraction)
