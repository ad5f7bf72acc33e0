"""vae_tutorial.theory.estimates against hand computations, an exact log p(x) by quadrature, and a trained model.

Most checks use a small stand-in for the model interface that the functions rely on,
``encode(x, batch_size) -> (z_mean, z_log_var)`` and ``reconstruction_nll(x, z) -> -log p(x|z)``:
its encoder and decoder are NumPy formulas, so every figure can be recomputed by hand.
"""

import numpy as np
import pytest
from scipy import stats
from scipy.special import log_expit, logsumexp

from vae_tutorial.images import anomaly
from vae_tutorial.theory import estimates
from vae_tutorial.theory import gaussian

IMAGE = (2, 3, 1)  # six Bernoulli pixels: small enough to integrate p(x) over z exactly
PIXELS = int(np.prod(IMAGE))


class AffineVAE:
    """Stand-in model: affine encoder x -> (z_mean, z_log_var), affine decoder z -> Bernoulli logits."""

    def __init__(self, latent_dim, seed=0, mean_scale=None):
        rng = np.random.default_rng(seed)
        self.latent_dim = latent_dim
        scale = np.ones(latent_dim) if mean_scale is None else np.asarray(mean_scale, float)
        self.a_mean = rng.normal(size=(PIXELS, latent_dim)) * scale
        self.b_mean = rng.normal(size=latent_dim)
        self.a_log_var = rng.normal(scale=0.3, size=(PIXELS, latent_dim))
        self.b_log_var = rng.normal(scale=0.3, size=latent_dim) - 0.5
        self.weight = rng.normal(scale=1.5, size=(latent_dim, PIXELS))
        self.bias = rng.normal(scale=0.5, size=PIXELS)
        self.decoded = 0  # codes decoded, to check the batching

    def encode(self, x, batch_size=500):
        flat = np.asarray(x, np.float64).reshape(len(x), -1)
        return flat @ self.a_mean + self.b_mean, flat @ self.a_log_var + self.b_log_var

    def decode_logits(self, z):
        return (np.asarray(z, np.float64) @ self.weight + self.bias).reshape(len(z), *IMAGE)

    def reconstruction_nll(self, x, z, batch_size=500):
        assert len(x) == len(z), "one code per image"
        self.decoded += len(z)
        return -_log_px_given_z(np.asarray(x), self.decode_logits(z))


def _log_px_given_z(x, logits):
    """log p(x | z) for Bernoulli pixels, summed per row, from scipy's log-sigmoid."""
    x = x.reshape(len(x), -1).astype(np.float64)
    logits = logits.reshape(len(logits), -1)
    return np.sum(x * log_expit(logits) + (1 - x) * log_expit(-logits), axis=1)


def _images(n, seed=1):
    return (np.random.default_rng(seed).random((n, *IMAGE)) < 0.4).astype(np.float32)


# --- negative ELBO --------------------------------------------------------------------------


@pytest.mark.parametrize("n_samples", [1, 3])
def test_negative_elbo_matches_a_hand_computation(n_samples):
    model, x = AffineVAE(latent_dim=3), _images(40)
    z_mean, z_log_var = model.encode(x)
    rng = np.random.default_rng(9)
    recon = np.zeros(len(x))
    for _ in range(n_samples):
        z = z_mean + np.sqrt(np.exp(z_log_var)) * rng.standard_normal(z_mean.shape)
        recon -= _log_px_given_z(x, model.decode_logits(z)) / n_samples
    kl = gaussian.kl_diag_to_standard(z_mean, z_log_var)

    got = estimates.negative_elbo(model, x, n_samples=n_samples, seed=9)
    assert got["reconstruction"] == pytest.approx(recon.mean(), rel=1e-6)
    assert got["kl"] == pytest.approx(kl.mean(), rel=1e-10)
    assert got["neg_elbo"] == pytest.approx(recon.mean() + kl.mean(), rel=1e-6)

    terms = estimates.elbo_terms(model, x, n_samples=n_samples, seed=9)
    np.testing.assert_allclose(terms["reconstruction"], recon, rtol=1e-6)
    np.testing.assert_allclose(terms["kl"], kl, rtol=1e-10)


# --- importance-weighted bound: exact against scipy, and against the true log p(x) ----------


@pytest.mark.parametrize("k", [1, 5])
def test_importance_weighted_nll_matches_a_hand_computation(k):
    model, x = AffineVAE(latent_dim=2), _images(30)  # one batch
    mu, log_var = model.encode(x)
    sd = np.exp(0.5 * log_var)
    z = mu + sd * np.random.default_rng(4).standard_normal((k, *mu.shape))  # (k, n, d)
    log_w = np.stack(
        [
            _log_px_given_z(x, model.decode_logits(z[i]))
            + stats.norm.logpdf(z[i]).sum(axis=1)
            - stats.norm.logpdf(z[i], mu, sd).sum(axis=1)
            for i in range(k)
        ]
    )
    expected = -(logsumexp(log_w, axis=0) - np.log(k)).mean()
    assert estimates.importance_weighted_nll(model, x, k=k, seed=4) == pytest.approx(expected, rel=1e-6)


class QuadratureVAE:
    """A one-dimensional latent, so log p(x) = log of an integral over z, computed on a fine grid.

    Its encoder returns the true posterior's mean and (inflated) variance, found on the grid:
    a good but not exact q, so the ELBO is loose by a measurable gap.
    """

    grid = np.linspace(-12.0, 12.0, 4_001)  # a smooth integrand: the sum on this grid is exact to ~1e-10

    def __init__(self):
        self._posteriors = {}
        rng = np.random.default_rng(3)
        self.weight = rng.normal(scale=2.5, size=(1, PIXELS))
        self.bias = rng.normal(scale=0.5, size=PIXELS)

    def decode_logits(self, z):
        return (np.asarray(z, np.float64) @ self.weight + self.bias).reshape(len(z), *IMAGE)

    def reconstruction_nll(self, x, z, batch_size=500):
        return -_log_px_given_z(np.asarray(x), self.decode_logits(z))

    def _joint_on_grid(self, x):  # log p(x, z) for each x and grid point z: (n, grid)
        logits = self.decode_logits(self.grid[:, None]).reshape(len(self.grid), -1)
        flat = np.asarray(x, np.float64).reshape(len(x), -1)
        return flat @ log_expit(logits).T + (1 - flat) @ log_expit(-logits).T + stats.norm.logpdf(self.grid)

    def log_px(self, x):
        return logsumexp(self._joint_on_grid(x), axis=1) + np.log(self.grid[1] - self.grid[0])

    def encode(self, x, batch_size=500):
        key = np.asarray(x, np.float32).tobytes()
        if key not in self._posteriors:  # the same images are encoded again and again
            joint = self._joint_on_grid(x)
            posterior = np.exp(joint - logsumexp(joint, axis=1, keepdims=True))
            mean = posterior @ self.grid
            var = posterior @ self.grid**2 - mean**2
            self._posteriors[key] = mean[:, None], np.log(1.7 * var)[:, None]
        return self._posteriors[key]


@pytest.fixture(scope="module")
def quadrature():
    model = QuadratureVAE()
    rng = np.random.default_rng(5)
    z = rng.standard_normal((250, 1))
    probs = 1.0 / (1.0 + np.exp(-model.decode_logits(z)))
    x = (rng.random(probs.shape) < probs).astype(np.float32)  # drawn from the model itself
    return model, x, float(-model.log_px(x).mean())


def test_iwae_converges_to_the_exact_negative_log_likelihood_and_the_elbo_does_not(quadrature):
    model, x, exact = quadrature  # 250 images: three batches of the default batch_size 100
    neg_elbo = estimates.negative_elbo(model, x, n_samples=50)["neg_elbo"]
    assert neg_elbo > exact + 0.1, (neg_elbo, exact)  # a lower bound on log p(x), and a loose one here
    by_k = {k: estimates.importance_weighted_nll(model, x, k=k, seed=1) for k in (1, 10, 1000)}
    assert by_k[1000] == pytest.approx(exact, abs=0.01), by_k
    assert by_k[1] > by_k[10] > by_k[1000] - 0.005, by_k


def test_iwae_with_one_sample_is_the_negative_elbo_in_expectation(quadrature):
    model, x, _ = quadrature
    iwae = [estimates.importance_weighted_nll(model, x, k=1, seed=s) for s in range(40)]
    neg_elbo = estimates.negative_elbo(model, x, n_samples=200, seed=99)["neg_elbo"]
    se = np.std(iwae, ddof=1) / np.sqrt(len(iwae))
    assert abs(np.mean(iwae) - neg_elbo) < 4 * se + 0.003, (np.mean(iwae), neg_elbo, se)


def test_iwae_decodes_k_codes_per_image():
    model, x = AffineVAE(latent_dim=2), _images(250)
    estimates.importance_weighted_nll(model, x, k=7, batch_size=100)
    assert model.decoded == 7 * 250


# --- per-dimension figures ------------------------------------------------------------------


def test_active_units_counts_the_dimensions_whose_mean_varies_with_x():
    # z_mean's columns vary with x with spreads ~2, 1, 0.5, 0.02 and 0: three above 0.01 in variance
    model, x = AffineVAE(latent_dim=5, mean_scale=[2.0, 1.0, 0.5, 0.02, 0.0]), _images(200)
    variances = np.var(model.encode(x)[0], axis=0)
    assert np.all(variances[:3] > 0.05) and np.all(variances[3:] < 0.002), variances
    assert estimates.active_units(model, x) == 3
    assert estimates.active_units(model, x, threshold=1e-12) == 4  # the 0.02-scaled one, not the constant
    assert estimates.active_units(model, x, threshold=np.sort(variances)[-1] + 1) == 0


def test_kl_per_dimension_is_the_closed_form_per_dimension_and_sums_to_the_kl():
    model, x = AffineVAE(latent_dim=4), _images(60)
    z_mean, z_log_var = model.encode(x)
    per_dim = estimates.kl_per_dimension(model, x)
    assert per_dim.shape == (4,)
    expected = [gaussian.kl_diag_to_standard(z_mean[:, [j]], z_log_var[:, [j]]).mean() for j in range(4)]
    np.testing.assert_allclose(per_dim, expected, rtol=1e-10)
    assert per_dim.sum() == pytest.approx(estimates.negative_elbo(model, x)["kl"], rel=1e-10)


# --- a trained ImageVAE ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained(trained_image_vae, digits):
    """conftest.py's image VAE (3 epochs on 300 digits) and the 100 held-out digits."""
    return trained_image_vae[0], digits[1]


def test_iwae_is_below_the_negative_elbo_on_a_trained_model(trained):
    model, x = trained
    bound = estimates.negative_elbo(model, x, n_samples=20)["neg_elbo"]
    iwae = estimates.importance_weighted_nll(model, x, k=50)
    assert iwae < bound, (iwae, bound)
    assert iwae > bound - 30, "a tighter bound, not a different quantity"


def test_iwae_with_one_sample_matches_the_negative_elbo_on_a_trained_model(trained):
    model, x = trained
    # paired by seed: both draw the same z, so only the KL estimate (sampled vs closed form) differs
    differences = [
        estimates.importance_weighted_nll(model, x, k=1, seed=s) - estimates.negative_elbo(model, x, seed=s)["neg_elbo"]
        for s in range(8)
    ]
    se = np.std(differences, ddof=1) / np.sqrt(len(differences))
    assert abs(np.mean(differences)) < 4 * se + 1e-3, (differences, se)


def test_anomaly_scores_are_per_image_negative_elbos_and_flag_inverted_digits(trained):
    model, x = trained
    scores = anomaly.anomaly_scores(model, x, n_samples=4, seed=3)
    assert scores.shape == (len(x),)
    terms = estimates.elbo_terms(model, x, n_samples=4, seed=3)
    np.testing.assert_allclose(scores, terms["reconstruction"] + terms["kl"], rtol=1e-6)
    assert scores.mean() == pytest.approx(estimates.negative_elbo(model, x, n_samples=4, seed=3)["neg_elbo"])

    inverted = anomaly.anomaly_scores(model, 1.0 - x, n_samples=4, seed=3)
    assert np.median(inverted) > 2 * np.median(scores), (np.median(inverted), np.median(scores))
