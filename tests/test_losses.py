"""The VAE's KL term in Keras ops against the NumPy closed form, and its gradients."""

import numpy as np
import pytest

from vae_tutorial import losses
from vae_tutorial._tensorflow import tf
from vae_tutorial.gaussian import kl_diag_to_standard


def _inputs(dtype=np.float64):
    rng = np.random.default_rng(42)
    return rng.normal(size=(8, 5)).astype(dtype), rng.normal(scale=0.8, size=(8, 5)).astype(dtype)


def test_kl_diagonal_equals_the_numpy_closed_form_per_example():
    z_mean, z_log_var = _inputs()
    got = np.asarray(losses.kl_diagonal(tf.constant(z_mean), tf.constant(z_log_var)))
    assert got.shape == (8,)
    np.testing.assert_allclose(got, kl_diag_to_standard(z_mean, z_log_var), rtol=1e-12)


def test_kl_diagonal_in_float32_is_close_to_the_float64_reference():
    z_mean, z_log_var = _inputs(np.float32)
    got = np.asarray(losses.kl_diagonal(z_mean, z_log_var))
    np.testing.assert_allclose(got, kl_diag_to_standard(z_mean, z_log_var), rtol=1e-5)


def test_kl_diagonal_is_zero_at_the_prior():
    zeros = tf.zeros((3, 4), tf.float64)
    np.testing.assert_array_equal(np.asarray(losses.kl_diagonal(zeros, zeros)), np.zeros(3))


def test_mean_kl_is_the_batch_mean_of_the_numpy_closed_form():
    z_mean, z_log_var = _inputs()
    got = losses.mean_kl(tf.constant(z_mean), tf.constant(z_log_var))
    assert tuple(got.shape) == ()
    assert float(got) == pytest.approx(float(np.mean(kl_diag_to_standard(z_mean, z_log_var))), rel=1e-12)


def test_kl_diagonal_gradients_are_the_analytic_ones():
    # d KL / d mean = mean and d KL / d log_var = (exp(log_var) - 1) / 2, element by element
    z_mean, z_log_var = _inputs()
    m, lv = tf.Variable(z_mean), tf.Variable(z_log_var)
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(losses.kl_diagonal(m, lv))
    d_mean, d_log_var = tape.gradient(total, [m, lv])
    np.testing.assert_allclose(d_mean.numpy(), z_mean, rtol=1e-12)
    np.testing.assert_allclose(d_log_var.numpy(), 0.5 * (np.exp(z_log_var) - 1.0), rtol=1e-12, atol=1e-15)
