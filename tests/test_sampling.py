"""The reparameterization trick: gradients against finite differences, the two gradient
estimators against exact moments, and the Sampling layer through a .keras round trip."""

import numpy as np
import pytest

from vae_tutorial.theory import sampling
from vae_tutorial._backend import tf
from vae_tutorial.theory.sampling import Sampling

# isort: split
import keras  # after vae_tutorial._backend, which imports TensorFlow quietly

SEED = 7


def _inputs():
    rng = np.random.default_rng(0)
    return rng.normal(size=(2, 3)), rng.normal(scale=0.7, size=(2, 3))


def _z(mean, log_var, seed=SEED):
    return sampling.reparameterize(tf.constant(mean), tf.constant(log_var), seed=seed).numpy()


# --- reparameterize -------------------------------------------------------------------------


def test_reparameterize_with_an_int_seed_repeats_its_draws_in_float64():
    mean, log_var = _inputs()
    first, again, other = _z(mean, log_var), _z(mean, log_var), _z(mean, log_var, seed=SEED + 1)
    assert first.dtype == np.float64 and first.shape == (2, 3)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)
    # the noise does not depend on the mean or the variance, only on the seed and the shape
    eps = (first - mean) * np.exp(-0.5 * log_var)
    np.testing.assert_allclose((_z(mean + 1.0, 2 * log_var) - mean - 1.0) * np.exp(-log_var), eps, rtol=1e-12)


@pytest.mark.parametrize("wrt", ["mean", "log_var"])
def test_reparameterize_jacobian_matches_central_finite_differences(wrt):
    mean, log_var = _inputs()
    args = {"mean": tf.Variable(mean), "log_var": tf.Variable(log_var)}
    with tf.GradientTape() as tape:
        z = sampling.reparameterize(args["mean"], args["log_var"], seed=SEED)
    jacobian = tape.jacobian(z, args[wrt]).numpy()  # (2, 3, 2, 3): dz[i, j] / dx[k, l]
    assert jacobian.shape == (2, 3, 2, 3)

    h = 1e-6
    for row, col in np.ndindex(2, 3):
        plus, minus = {"mean": mean.copy(), "log_var": log_var.copy()}, {"mean": mean.copy(), "log_var": log_var.copy()}
        plus[wrt][row, col] += h
        minus[wrt][row, col] -= h
        numeric = (_z(**plus) - _z(**minus)) / (2 * h)
        np.testing.assert_allclose(
            jacobian[:, :, row, col], numeric, rtol=1e-6, atol=1e-8, err_msg=f"dz / d{wrt}[{row},{col}]"
        )


def test_reparameterize_gradients_match_the_analytic_form():
    mean, log_var = _inputs()
    m, lv = tf.Variable(mean), tf.Variable(log_var)
    with tf.GradientTape() as tape:
        z = sampling.reparameterize(m, lv, seed=SEED)
        total = tf.reduce_sum(z)
    d_mean, d_log_var = tape.gradient(total, [m, lv])
    eps = (z.numpy() - mean) * np.exp(-0.5 * log_var)
    np.testing.assert_allclose(d_mean.numpy(), np.ones_like(mean), rtol=0, atol=0)
    np.testing.assert_allclose(d_log_var.numpy(), 0.5 * np.exp(0.5 * log_var) * eps, rtol=1e-12)


# --- gradient estimators --------------------------------------------------------------------


def square(z):
    return z**2


def test_pathwise_variance_is_the_exact_4_sigma2_over_n_and_lower_than_the_score_functions():
    mu, sigma, repeats, sizes = 0.8, 1.3, 400, [10, 100]
    out = sampling.estimator_variances(square, mu, sigma, sizes, repeats=repeats, seed=0)
    np.testing.assert_array_equal(out["n"], sizes)
    assert np.all(out["score_function"] > 2 * out["pathwise"]), out
    # for f = z^2 the pathwise estimate is 2 mu + 2 sigma mean(eps): exactly normal, so the
    # sample variance over the repeats has standard error sqrt(2 / (repeats - 1)) * true value
    exact = 4 * sigma**2 / np.asarray(sizes)
    assert np.all(np.abs(out["pathwise"] - exact) < 5 * np.sqrt(2 / (repeats - 1)) * exact), (out["pathwise"], exact)


def _mean_and_se(estimates):
    return float(np.mean(estimates)), float(np.std(estimates, ddof=1) / np.sqrt(len(estimates)))


@pytest.mark.parametrize("estimator", [sampling.pathwise_gradients, sampling.score_function_gradients])
def test_both_estimators_are_unbiased_for_z_squared(estimator):
    mu, sigma = 0.8, 1.3
    estimates = estimator(square, mu, sigma, n=50, repeats=2_000, seed=3)
    assert estimates.shape == (2_000,)
    mean, se = _mean_and_se(estimates)
    assert abs(mean - 2 * mu) < 4 * se, (mean, se)


@pytest.mark.parametrize("estimator", [sampling.pathwise_gradients, sampling.score_function_gradients])
def test_both_estimators_are_unbiased_for_sin(estimator):
    # d/dmu E[sin z] = cos(mu) exp(-sigma^2 / 2) for z ~ N(mu, sigma^2)
    mu, sigma = 0.4, 0.9
    mean, se = _mean_and_se(estimator(keras.ops.sin, mu, sigma, n=50, repeats=2_000, seed=4))
    assert abs(mean - np.cos(mu) * np.exp(-(sigma**2) / 2)) < 4 * se, (mean, se)


def test_score_function_variance_matches_its_exact_value():
    # per sample, g = z^2 (z - mu) / sigma^2 has E[g^2] = (mu^4 + 18 mu^2 sigma^2 + 15 sigma^4) / sigma^2
    mu, sigma, n, repeats = 0.8, 1.3, 100, 2_000
    per_sample = (mu**4 + 18 * mu**2 * sigma**2 + 15 * sigma**4) / sigma**2 - (2 * mu) ** 2
    estimates = sampling.score_function_gradients(square, mu, sigma, n, repeats, seed=5)
    var = np.var(estimates, ddof=1)
    m4 = np.mean((estimates - estimates.mean()) ** 4)
    se = np.sqrt((m4 - var**2 * (repeats - 3) / (repeats - 1)) / repeats)
    assert abs(var - per_sample / n) < 5 * se, (var, per_sample / n, se)


# --- the Sampling layer ---------------------------------------------------------------------


def _encoder(seed=5):
    inputs = keras.Input((3,), name="x")
    z_mean = keras.layers.Dense(2, name="z_mean")(inputs)
    z_log_var = keras.layers.Dense(2, name="z_log_var")(inputs)
    z = Sampling(seed=seed, name="sampling")([z_mean, z_log_var])
    return keras.Model(inputs, [z_mean, z_log_var, z], name="encoder")


def test_sampling_layer_survives_a_keras_round_trip_in_safe_mode(tmp_path):
    keras.utils.set_random_seed(0)
    model = _encoder(seed=5)
    x = np.random.default_rng(1).normal(size=(4, 3)).astype("float32")
    before = [t.numpy() for t in model(x)]

    path = tmp_path / "encoder.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)

    layer = loaded.get_layer("sampling")
    assert isinstance(layer, Sampling)
    assert layer.get_config()["seed"] == 5 and layer.seed == 5
    for name in ("z_mean", "z_log_var"):
        for w_before, w_after in zip(
            model.get_layer(name).get_weights(), loaded.get_layer(name).get_weights(), strict=True
        ):
            np.testing.assert_array_equal(w_before, w_after)
    after = [t.numpy() for t in loaded(x)]
    np.testing.assert_array_equal(after[0], before[0])
    np.testing.assert_array_equal(after[1], before[1])
    assert after[2].shape == before[2].shape == (4, 2)
    # the loaded model still samples: z differs from z_mean
    assert not np.allclose(after[2], after[0])


def test_two_layers_with_the_same_seed_draw_the_same_and_each_call_draws_anew():
    zeros = np.zeros((3, 4), "float32")
    first, twin = Sampling(seed=3), Sampling(seed=3)
    a1, b1 = first([zeros, zeros]).numpy(), twin([zeros, zeros]).numpy()
    a2, b2 = first([zeros, zeros]).numpy(), twin([zeros, zeros]).numpy()
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)
    assert not np.allclose(a1, a2), "a second call of the same layer must give a new draw"
    assert not np.allclose(a1, Sampling(seed=4)([zeros, zeros]).numpy())


def test_sampling_layer_draws_have_the_requested_mean_and_standard_deviation():
    n = 100_000
    want_mean, want_var = np.array([1.0, -2.0]), np.array([0.25, 9.0])
    z_mean = np.tile(want_mean, (n, 1)).astype("float32")
    z_log_var = np.tile(np.log(want_var), (n, 1)).astype("float32")
    z = Sampling(seed=11)([z_mean, z_log_var]).numpy().astype(np.float64)
    assert z.shape == (n, 2)
    want_std = np.sqrt(want_var)
    assert np.all(np.abs(z.mean(axis=0) - want_mean) < 5 * want_std / np.sqrt(n)), z.mean(axis=0)
    assert np.all(np.abs(z.std(axis=0, ddof=1) - want_std) < 5 * want_std / np.sqrt(2 * n)), z.std(axis=0)
