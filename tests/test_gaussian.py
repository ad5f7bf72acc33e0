"""vae_tutorial.theory.gaussian against scipy, Monte Carlo, numerical integration and its own error messages."""

import numpy as np
import pytest
from scipy import integrate, stats

from vae_tutorial.theory import gaussian
from vae_tutorial.errors import DataError


def _spd(rng, d):
    """A random symmetric positive definite d x d matrix, well away from singular."""
    a = rng.normal(size=(d, d))
    return a @ a.T + 0.3 * np.eye(d)


def _mvn(seed, d):
    rng = np.random.default_rng(seed)
    return rng.normal(size=d), _spd(rng, d)


# --- log-densities --------------------------------------------------------------------------


@pytest.mark.parametrize("d", [1, 2, 5])
def test_mvn_logpdf_matches_scipy_on_a_batch_and_a_single_point(d):
    rng = np.random.default_rng(100 + d)
    for _ in range(3):
        mean, cov = rng.normal(size=d), _spd(rng, d)
        x = mean + 2.0 * rng.normal(size=(7, d))
        reference = stats.multivariate_normal(mean, cov)

        batch = gaussian.mvn_logpdf(x, mean, cov)
        assert batch.shape == (7,)
        np.testing.assert_allclose(batch, reference.logpdf(x), rtol=1e-10, atol=1e-10)

        single = gaussian.mvn_logpdf(x[3], mean, cov)
        assert isinstance(single, float)
        assert single == pytest.approx(float(reference.logpdf(x[3])), rel=1e-10, abs=1e-10)


def test_normal_logpdf_matches_scipy_for_any_shape():
    x = np.random.default_rng(1).normal(scale=3.0, size=(4, 5))
    np.testing.assert_allclose(gaussian.normal_logpdf(x, 0.7, 2.5), stats.norm.logpdf(x, 0.7, 2.5), rtol=1e-12)
    np.testing.assert_allclose(gaussian.normal_logpdf(x), stats.norm.logpdf(x), rtol=1e-12)
    std = np.linspace(0.5, 3.0, x.size).reshape(x.shape)  # an array of standard deviations broadcasts
    np.testing.assert_allclose(gaussian.normal_logpdf(x, 0.7, std), stats.norm.logpdf(x, 0.7, std), rtol=1e-12)


# --- KL divergences -------------------------------------------------------------------------


@pytest.mark.parametrize("d", [1, 2, 5])
def test_kl_mvn_agrees_with_monte_carlo_within_four_standard_errors(d):
    (m0, s0), (m1, s1) = _mvn(10 + d, d), _mvn(20 + d, d)
    closed = gaussian.kl_mvn(m0, s0, m1, s1)
    estimate, se = gaussian.kl_monte_carlo(m0, s0, m1, s1, n=100_000, seed=d)
    assert 0 < se < 0.05 * closed, "the Monte Carlo estimate should be informative"
    assert abs(closed - estimate) < 4 * se, (closed, estimate, se)


def test_kl_mvn_in_one_dimension_matches_numerical_integration():
    m0, v0, m1, v1 = 0.4, 0.6, -1.1, 2.3
    p, q = stats.norm(m0, np.sqrt(v0)), stats.norm(m1, np.sqrt(v1))
    integral, _ = integrate.quad(lambda x: p.pdf(x) * (p.logpdf(x) - q.logpdf(x)), -np.inf, np.inf, epsabs=1e-12)
    assert gaussian.kl_mvn([m0], [[v0]], [m1], [[v1]]) == pytest.approx(integral, rel=1e-8)


def test_kl_of_a_gaussian_to_itself_is_zero():
    mean, cov = _mvn(3, 5)
    assert gaussian.kl_mvn(mean, cov, mean, cov) == pytest.approx(0.0, abs=1e-10)


def test_kl_mvn_is_not_symmetric():
    m0, s0 = np.zeros(2), np.eye(2)
    m1, s1 = np.array([1.0, 0.0]), np.diag([4.0, 0.5])
    forward, backward = gaussian.kl_mvn(m0, s0, m1, s1), gaussian.kl_mvn(m1, s1, m0, s0)
    assert forward > 0 and backward > 0
    assert abs(forward - backward) > 0.1, (forward, backward)
    # both directions are right, not merely different: each against its own Monte Carlo estimate
    for value, args in ((forward, (m0, s0, m1, s1)), (backward, (m1, s1, m0, s0))):
        estimate, se = gaussian.kl_monte_carlo(*args, n=100_000, seed=5)
        assert abs(value - estimate) < 4 * se


def test_kl_diag_to_standard_equals_kl_mvn_with_diagonal_covariances_row_by_row():
    rng = np.random.default_rng(7)
    mean, log_var = rng.normal(size=(6, 4)), rng.normal(scale=0.8, size=(6, 4))
    got = gaussian.kl_diag_to_standard(mean, log_var)
    assert got.shape == (6,)
    want = [
        gaussian.kl_mvn(m, np.diag(np.exp(lv)), np.zeros(4), np.eye(4)) for m, lv in zip(mean, log_var, strict=True)
    ]
    np.testing.assert_allclose(got, want, rtol=1e-10)
    # one row given as a vector gives that row's KL
    assert float(gaussian.kl_diag_to_standard(mean[2], log_var[2])) == pytest.approx(want[2], rel=1e-12)


# --- sampling -------------------------------------------------------------------------------


def test_sample_mvn_empirical_mean_and_covariance_within_five_standard_errors():
    mean, cov = _mvn(11, 3)
    n = 200_000
    x = gaussian.sample_mvn(mean, cov, n, seed=0)
    assert x.shape == (n, 3)
    mean_se = np.sqrt(np.diag(cov) / n)
    assert np.all(np.abs(x.mean(axis=0) - mean) < 5 * mean_se), (x.mean(axis=0), mean)
    # for Gaussian data, Var(sample cov_ij) ~ (cov_ii cov_jj + cov_ij^2) / n
    cov_se = np.sqrt((np.outer(np.diag(cov), np.diag(cov)) + cov**2) / n)
    assert np.all(np.abs(np.cov(x, rowvar=False) - cov) < 5 * cov_se)


def test_sample_mvn_same_seed_same_samples_different_seed_different_samples():
    mean, cov = _mvn(12, 2)
    first, again = gaussian.sample_mvn(mean, cov, 50, seed=9), gaussian.sample_mvn(mean, cov, 50, seed=9)
    other = gaussian.sample_mvn(mean, cov, 50, seed=10)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)


# --- errors name the argument ---------------------------------------------------------------

_M, _S = np.zeros(2), np.eye(2)

BAD_INPUTS = {
    "non-symmetric cov": (lambda: gaussian.mvn_logpdf(_M, _M, [[1.0, 0.5], [0.0, 1.0]]), r"^cov: is not symmetric"),
    "non-PD cov": (lambda: gaussian.sample_mvn(_M, [[1.0, 2.0], [2.0, 1.0]], 3), r"^cov: is not positive definite"),
    "cov shape": (lambda: gaussian.mvn_logpdf(_M, _M, np.eye(3)), r"^cov: expected shape \(2, 2\)"),
    "mean not 1-D": (lambda: gaussian.sample_mvn([[0.0, 0.0]], _S, 3), r"^mean: expected a 1-D vector"),
    "NaN in mean": (lambda: gaussian.mvn_logpdf(_M, [0.0, np.nan], _S), r"^mean: contains NaN"),
    "n = 0": (lambda: gaussian.sample_mvn(_M, _S, 0), r"^n: must be a positive whole number"),
    "n < 0": (lambda: gaussian.sample_mvn(_M, _S, -3), r"^n: must be a positive whole number"),
    "mean1 length": (lambda: gaussian.kl_mvn(_M, _S, np.zeros(3), _S), r"^mean1: has length 3 .* dimension 2"),
    "cov1 shape": (lambda: gaussian.kl_mvn(_M, _S, _M, np.eye(3)), r"^cov1: expected shape \(2, 2\)"),
    "log_var shape": (lambda: gaussian.kl_diag_to_standard(np.zeros((2, 3)), np.zeros((2, 2))), r"^log_var: has shape"),
    "std = 0": (lambda: gaussian.normal_logpdf(0.0, 0.0, 0.0), r"^std: must be > 0"),
    "std < 0": (lambda: gaussian.normal_logpdf(0.0, 0.0, -1.0), r"^std: must be > 0"),
    "one std <= 0": (lambda: gaussian.normal_logpdf(0.0, 0.0, np.array([1.0, 0.0])), r"^std: must be > 0"),
    "MC n = 1": (lambda: gaussian.kl_monte_carlo(_M, _S, _M, _S, n=1), r"^n: must be a whole number >= 2"),
}


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_bad_input_raises_data_error_naming_the_argument(name):
    call, pattern = BAD_INPUTS[name]
    with pytest.raises(DataError, match=pattern) as info:
        call()
    assert isinstance(info.value, ValueError), "DataError must stay catchable as ValueError"
    assert info.value.fix and str(info.value).endswith(info.value.fix), "the message ends with what to do"


def test_non_symmetric_message_reports_the_asymmetry_and_a_fix():
    with pytest.raises(DataError) as info:
        gaussian.kl_mvn(_M, [[1.0, 0.5], [0.0, 1.0]], _M, _S)
    assert info.value.where == "cov0"
    assert "0.5" in str(info.value) and "(A + A.T) / 2" in str(info.value)


def test_non_positive_definite_message_reports_the_smallest_eigenvalue():
    cov = [[1.0, 2.0], [2.0, 1.0]]  # eigenvalues 3 and -1
    with pytest.raises(DataError, match=r"smallest eigenvalue -1\b"):
        gaussian.mvn_logpdf(_M, _M, cov)
