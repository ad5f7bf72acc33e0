"""The ELBO identity on the exact linear-Gaussian model (vae_tutorial.theory.elbo), each figure against an
independent computation: SciPy's densities, Bayes' rule evaluated pointwise, Monte Carlo."""

import numpy as np
import pytest
from scipy import stats

from vae_tutorial.theory import gaussian
from vae_tutorial.theory.elbo import LinearGaussian
from vae_tutorial.errors import DataError


@pytest.fixture
def model():
    return LinearGaussian.random(d=5, k=2, noise_std=0.7, seed=1)


@pytest.fixture
def x(model):
    return model.sample(1, seed=2)[0]


def test_log_evidence_is_the_integral_of_the_joint(model, x):
    # p(x) = integral of p(x | z) p(z) dz, by quadrature over a fine 2-D grid of z
    grid = np.linspace(-8, 8, 801)
    z1, z2 = np.meshgrid(grid, grid, indexing="ij")
    z = np.stack([z1.ravel(), z2.ravel()], axis=1)
    log_joint = stats.norm.logpdf(x, z @ model.weights.T + model.bias, model.noise_std).sum(1)
    log_joint += stats.norm.logpdf(z).sum(1)
    cell = (grid[1] - grid[0]) ** 2
    quadrature = np.log(np.sum(np.exp(log_joint - log_joint.max())) * cell) + log_joint.max()
    assert model.log_evidence(x) == pytest.approx(quadrature, abs=1e-6)


def test_posterior_is_bayes_rule(model, x):
    mean, cov = model.posterior(x)
    z = np.random.default_rng(3).standard_normal((7, 2))
    # log p(z | x) = log p(x | z) + log p(z) - log p(x) at any z
    bayes = stats.norm.logpdf(x, z @ model.weights.T + model.bias, model.noise_std).sum(1)
    bayes += stats.norm.logpdf(z).sum(1) - model.log_evidence(x)
    np.testing.assert_allclose(stats.multivariate_normal(mean, cov).logpdf(z), bayes, atol=1e-9)


def test_the_gap_between_evidence_and_elbo_is_the_kl_to_the_posterior(model, x):
    post_mean, post_cov = model.posterior(x)
    rng = np.random.default_rng(4)
    for _ in range(5):
        a = rng.standard_normal((2, 2))
        q_mean, q_cov = rng.standard_normal(2), a @ a.T + 0.1 * np.eye(2)
        gap = model.log_evidence(x) - model.elbo(x, q_mean, q_cov)
        assert gap == pytest.approx(gaussian.kl_mvn(q_mean, q_cov, post_mean, post_cov), abs=1e-6)
        assert gap > 0
    # q = the exact posterior: the ELBO is the evidence
    assert model.elbo(x, post_mean, post_cov) == pytest.approx(model.log_evidence(x), abs=1e-9)


def test_the_sampled_elbo_agrees_with_the_closed_form(model, x):
    q_mean, q_cov = np.array([0.3, -0.2]), np.diag([0.5, 0.2])
    estimate, se = model.elbo_monte_carlo(x, q_mean, q_cov, n=100_000, seed=5)
    assert abs(estimate - model.elbo(x, q_mean, q_cov)) < 4 * se
    # at the exact posterior every sample gives log p(x): the estimator has no variance
    estimate, se = model.elbo_monte_carlo(x, *model.posterior(x), n=100, seed=5)
    assert estimate == pytest.approx(model.log_evidence(x), abs=1e-9) and se < 1e-9


def test_bad_shapes_name_the_argument(model, x):
    with pytest.raises(DataError, match="x: has length 3"):
        model.log_evidence(np.zeros(3))
    with pytest.raises(DataError, match="q_cov: expected shape"):
        model.elbo(x, np.zeros(2), np.eye(3))
    with pytest.raises(DataError, match="noise_std: must be > 0"):
        LinearGaussian(np.ones((3, 2)), np.zeros(3), 0.0)
    with pytest.raises(DataError, match="bias: has length 2"):
        LinearGaussian(np.ones((3, 2)), np.zeros(2), 1.0)
    with pytest.raises(DataError, match="n: "):
        model.elbo_monte_carlo(x, np.zeros(2), np.eye(2), n=1)
