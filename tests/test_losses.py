"""The VAE's KL term in Keras ops against the NumPy closed form, and its gradients."""

import numpy as np
import pytest

from vae_tutorial.theory import losses
from vae_tutorial._backend import tf
from vae_tutorial.theory.gaussian import kl_diag_to_standard

# isort: split
import keras  # after vae_tutorial, which imports TensorFlow quietly


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


# --- the text VAE's terms: masked token NLL, free bits, KL annealing schedules ----------------


def _log_softmax(logits):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _token_batch():
    """Targets with padding (id 0) at the end of two rows, and random logits over 7 words."""
    targets = np.array([[4, 5, 3, 0, 0], [6, 1, 2, 5, 3], [3, 0, 0, 0, 0]], np.int32)
    logits = np.random.default_rng(7).normal(scale=2.0, size=(3, 5, 7))
    return targets, logits


def test_masked_token_nll_equals_a_numpy_log_softmax_sum_over_the_real_positions():
    targets, logits = _token_batch()
    log_probs = _log_softmax(logits)
    by_hand = [
        -sum(log_probs[i, t, targets[i, t]] for t in range(targets.shape[1]) if targets[i, t] != 0)
        for i in range(len(targets))
    ]
    got = np.asarray(losses.masked_token_nll(tf.constant(targets), tf.constant(logits)))
    assert got.shape == (3,)
    np.testing.assert_allclose(got, by_hand, rtol=1e-12)
    # another padding id: now the 0s are real tokens and the 3s ([EOS] here) are skipped
    by_hand_pad3 = [
        -sum(log_probs[i, t, targets[i, t]] for t in range(targets.shape[1]) if targets[i, t] != 3)
        for i in range(len(targets))
    ]
    got3 = np.asarray(losses.masked_token_nll(tf.constant(targets), tf.constant(logits), pad_id=3))
    np.testing.assert_allclose(got3, by_hand_pad3, rtol=1e-12)


def test_masked_token_nll_ignores_logits_at_padded_positions_only():
    targets, logits = _token_batch()
    base = np.asarray(losses.masked_token_nll(targets, logits))
    at_padding = logits.copy()
    at_padding[targets == 0] = np.random.default_rng(8).normal(scale=10.0, size=at_padding[targets == 0].shape)
    np.testing.assert_array_equal(np.asarray(losses.masked_token_nll(targets, at_padding)), base)
    at_real = logits.copy()
    at_real[0, 1, targets[0, 1]] += 3.0  # the target's logit at a real position: that row's loss falls
    changed = np.asarray(losses.masked_token_nll(targets, at_real))
    assert changed[0] < base[0] - 0.1
    np.testing.assert_array_equal(changed[1:], base[1:])


def test_projected_token_nll_matches_the_full_projection_in_value_and_gradient():
    targets, _ = _token_batch()
    targets = np.vstack([targets, np.zeros((1, 5), np.int32)])  # and an all-padding row: 0 nats
    features = tf.constant(np.random.default_rng(9).normal(size=(4, 5, 6)), tf.float32)
    project = keras.layers.Dense(7)
    project.build((None, 6))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(features)
        full = losses.masked_token_nll(targets, project(features))
        projected = losses.projected_token_nll(targets, features, project)
    np.testing.assert_allclose(np.asarray(projected), np.asarray(full), rtol=1e-6)
    assert float(projected[3]) == 0.0
    for wrt in (features, project.kernel):
        np.testing.assert_allclose(
            np.asarray(tape.gradient(projected, wrt)), np.asarray(tape.gradient(full, wrt)), rtol=1e-5, atol=1e-6
        )
    # the gradient at padded positions is exactly zero: they were never projected
    assert not np.asarray(tape.gradient(projected, features))[targets == 0].any()


def _kl_by_dimension():
    """Posteriors whose batch-mean KL is ~0.01 nats in dimension 0, ~0.5 in 1 and ~3 in 2."""
    rng = np.random.default_rng(5)
    z_mean = rng.normal(size=(6, 3)) * np.array([0.1, 1.0, 2.4])
    z_log_var = rng.normal(scale=0.05, size=(6, 3))
    return z_mean, z_log_var


def test_free_bits_kl_is_the_sum_over_dimensions_of_max_lambda_and_the_batch_mean_kl():
    z_mean, z_log_var = _kl_by_dimension()
    per_dim = 0.5 * (np.exp(z_log_var) + z_mean**2 - 1.0 - z_log_var)  # (batch, dim), by hand
    mean_per_dim = per_dim.mean(axis=0)
    assert mean_per_dim[0] < 0.25 < mean_per_dim[1] < 1.0 < mean_per_dim[2]
    for free_bits in (0.25, 1.0, 10.0):
        got = float(losses.free_bits_kl(tf.constant(z_mean), tf.constant(z_log_var), free_bits))
        assert got == pytest.approx(np.maximum(mean_per_dim, free_bits).sum(), rel=1e-12), free_bits
    assert float(losses.free_bits_kl(z_mean, z_log_var, 10.0)) == pytest.approx(30.0)  # every dimension floored


def test_free_bits_kl_with_zero_lambda_is_the_plain_mean_kl():
    z_mean, z_log_var = _kl_by_dimension()
    got = float(losses.free_bits_kl(tf.constant(z_mean), tf.constant(z_log_var), 0.0))
    assert got == pytest.approx(float(np.mean(kl_diag_to_standard(z_mean, z_log_var))), rel=1e-12)


def test_free_bits_kl_gives_no_gradient_to_dimensions_below_lambda():
    z_mean, z_log_var = _kl_by_dimension()
    m, lv = tf.Variable(z_mean), tf.Variable(z_log_var)
    with tf.GradientTape() as tape:
        total = losses.free_bits_kl(m, lv, 0.25)
    d_mean, d_log_var = tape.gradient(total, [m, lv])
    # dimension 0 sits below the floor: no pull towards the prior; the others: d mean_KL / d mean = mean / n
    np.testing.assert_array_equal(d_mean.numpy()[:, 0], 0.0)
    np.testing.assert_array_equal(d_log_var.numpy()[:, 0], 0.0)
    np.testing.assert_allclose(d_mean.numpy()[:, 1:], z_mean[:, 1:] / len(z_mean), rtol=1e-12)
    np.testing.assert_allclose(d_log_var.numpy()[:, 1:], 0.5 * (np.exp(z_log_var[:, 1:]) - 1) / len(z_mean))


def test_linear_schedule_rises_from_zero_to_one_over_the_warmup():
    warmup = 200
    assert losses.linear_schedule(0, warmup) == 0.0
    assert losses.linear_schedule(50, warmup) == pytest.approx(0.25)
    assert losses.linear_schedule(100, warmup) == pytest.approx(0.5)
    assert losses.linear_schedule(200, warmup) == 1.0
    assert losses.linear_schedule(5000, warmup) == 1.0
    assert losses.linear_schedule(0, 0) == 1.0  # no warm-up: full weight from the start
    values = [losses.linear_schedule(s, warmup) for s in range(0, 300, 7)]
    assert np.all(np.diff(values) >= 0)


def test_sigmoid_schedule_is_one_half_at_the_midpoint_symmetric_and_increasing():
    mid, steepness = 1000, 0.01
    assert losses.sigmoid_schedule(mid, mid, steepness) == 0.5
    for offset in (10, 100, 400):
        below = losses.sigmoid_schedule(mid - offset, mid, steepness)
        above = losses.sigmoid_schedule(mid + offset, mid, steepness)
        assert below + above == pytest.approx(1.0, abs=1e-12)
        assert above == pytest.approx(1.0 / (1.0 + np.exp(-steepness * offset)), rel=1e-12)
    values = np.array([losses.sigmoid_schedule(s, mid, steepness) for s in range(0, 2001, 50)])
    assert np.all(np.diff(values) > 0)
    assert values[0] < 1e-4 and values[-1] > 1 - 1e-4


def test_cyclical_schedule_restarts_at_zero_each_period_and_holds_one_after_the_ramp():
    period, ramp = 100, 0.25
    for start in (0, 100, 200, 700):
        assert losses.cyclical_schedule(start, period, ramp) == 0.0
        assert losses.cyclical_schedule(start + 10, period, ramp) == pytest.approx(0.4)  # 10 / 25
        assert losses.cyclical_schedule(start + 25, period, ramp) == 1.0
        assert losses.cyclical_schedule(start + 60, period, ramp) == 1.0
        assert losses.cyclical_schedule(start + 99, period, ramp) == 1.0
    assert losses.cyclical_schedule(150, 100) == 1.0  # default ramp fraction 0.5
    assert losses.cyclical_schedule(125, 100) == pytest.approx(0.5)
