"""Gaussians in NumPy: log-density, Cholesky sampling and KL divergences, all in nats.

Shapes: a mean is (d,), a covariance (d, d), points are (n, d) (or (d,) for one point).
Every function checks its inputs and raises :class:`~vae_tutorial.errors.DataError`
naming the argument when a shape, a value or a covariance is wrong.
"""

from __future__ import annotations

import numpy as np

from vae_tutorial.errors import DataError

LOG_2PI = float(np.log(2.0 * np.pi))


def _vector(name: str, value, dim: int | None = None) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim != 1:
        raise DataError(name, f"expected a 1-D vector, got shape {arr.shape}", "Pass a vector such as np.zeros(d).")
    if dim is not None and arr.shape[0] != dim:
        raise DataError(
            name, f"has length {arr.shape[0]} but the other arguments have dimension {dim}", "Make the shapes agree."
        )
    if not np.all(np.isfinite(arr)):
        raise DataError(name, "contains NaN or infinity", "Pass finite numbers.")
    return arr


def _cholesky(name: str, cov, dim: int) -> np.ndarray:
    """Validate a covariance and return its lower Cholesky factor L (cov = L @ L.T)."""
    arr = np.asarray(cov, dtype=np.float64)
    if arr.shape != (dim, dim):
        raise DataError(
            name, f"expected shape ({dim}, {dim}) to match the mean, got {arr.shape}", "Pass a d x d covariance."
        )
    if not np.all(np.isfinite(arr)):
        raise DataError(name, "contains NaN or infinity", "Pass finite numbers.")
    asym = float(np.max(np.abs(arr - arr.T))) if dim else 0.0
    if asym > 1e-8 * max(1.0, float(np.max(np.abs(arr)))):
        raise DataError(
            name, f"is not symmetric (max |cov - cov.T| = {asym:.3g})", "Pass a symmetric matrix, e.g. (A + A.T) / 2."
        )
    try:
        return np.linalg.cholesky(arr)
    except np.linalg.LinAlgError:
        smallest = float(np.min(np.linalg.eigvalsh(arr)))
        raise DataError(
            name,
            f"is not positive definite (smallest eigenvalue {smallest:.3g})",
            "A covariance needs every eigenvalue > 0, e.g. A @ A.T + 1e-3 * np.eye(d).",
        ) from None


def _points(name: str, x, dim: int) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    arr2 = arr.reshape(1, -1) if arr.ndim == 1 else arr
    if arr2.ndim != 2 or arr2.shape[1] != dim:
        raise DataError(name, f"expected shape (n, {dim}) or ({dim},), got {arr.shape}", "Pass one point per row.")
    return arr2


def normal_logpdf(x, mean=0.0, std=1.0) -> np.ndarray:
    """Log-density of the univariate N(mean, std**2) at x, in nats (NumPy broadcasting)."""
    std_arr = np.asarray(std, dtype=np.float64)
    if not np.all(std_arr > 0):
        raise DataError("std", f"must be > 0 everywhere, got {std}", "The standard deviation is a positive number.")
    z = (np.asarray(x, dtype=np.float64) - mean) / std_arr
    return -0.5 * (LOG_2PI + z**2) - np.log(std_arr)


def mvn_logpdf(x, mean, cov) -> np.ndarray:
    """log N(x; mean, cov) for each row of x: shape (n,) for x of shape (n, d); a float for x (d,).

    Computed with the Cholesky factor L: the Mahalanobis term is ||L^-1 (x - mean)||^2 and
    log|cov| = 2 * sum(log diag L), which is stabler than inverting cov.
    """
    mean = _vector("mean", mean)
    d = mean.shape[0]
    chol = _cholesky("cov", cov, d)
    pts = _points("x", x, d)
    sol = np.linalg.solve(chol, (pts - mean).T)  # (d, n)
    maha = np.sum(sol**2, axis=0)
    logdet = 2.0 * np.sum(np.log(np.diag(chol)))
    out = -0.5 * (d * LOG_2PI + logdet + maha)
    return float(out[0]) if np.ndim(x) == 1 else out


def sample_mvn(mean, cov, n: int, seed: int | None = None) -> np.ndarray:
    """n samples of N(mean, cov), shape (n, d): x = mean + L @ eps with eps ~ N(0, I)."""
    if int(n) != n or n < 1:
        raise DataError("n", f"must be a positive whole number, got {n!r}", "Ask for at least one sample.")
    mean = _vector("mean", mean)
    chol = _cholesky("cov", cov, mean.shape[0])
    eps = np.random.default_rng(seed).standard_normal((int(n), mean.shape[0]))
    return mean + eps @ chol.T


def kl_mvn(mean0, cov0, mean1, cov1) -> float:
    """KL(N0 || N1) in nats, closed form.

    0.5 * [ tr(S1^-1 S0) + (m1 - m0)^T S1^-1 (m1 - m0) - d + log|S1| - log|S0| ]
    """
    mean0 = _vector("mean0", mean0)
    d = mean0.shape[0]
    mean1 = _vector("mean1", mean1, d)
    l0 = _cholesky("cov0", cov0, d)
    l1 = _cholesky("cov1", cov1, d)
    a = np.linalg.solve(l1, l0)  # L1^-1 L0, so tr(S1^-1 S0) = ||a||_F^2
    b = np.linalg.solve(l1, mean1 - mean0)
    logdet0 = 2.0 * np.sum(np.log(np.diag(l0)))
    logdet1 = 2.0 * np.sum(np.log(np.diag(l1)))
    kl = 0.5 * (np.sum(a**2) + np.sum(b**2) - d + logdet1 - logdet0)
    return max(float(kl), 0.0)  # clip round-off below zero (KL >= 0 always)


def kl_diag_to_standard(mean, log_var) -> np.ndarray:
    """KL(N(mean, diag(exp(log_var))) || N(0, I)) per row, in nats: shape (n,) for (n, d) inputs.

    0.5 * sum_j ( exp(log_var_j) + mean_j^2 - 1 - log_var_j )
    """
    m = np.asarray(mean, dtype=np.float64)
    lv = np.asarray(log_var, dtype=np.float64)
    if m.shape != lv.shape:
        raise DataError(
            "log_var", f"has shape {lv.shape} but mean has shape {m.shape}", "Pass one log-variance per mean."
        )
    if m.ndim not in (1, 2):
        raise DataError("mean", f"expected shape (d,) or (n, d), got {m.shape}", "Pass one row per example.")
    if not (np.all(np.isfinite(m)) and np.all(np.isfinite(lv))):
        raise DataError("mean/log_var", "contain NaN or infinity", "Pass finite numbers.")
    return 0.5 * np.sum(np.exp(lv) + m**2 - 1.0 - lv, axis=-1)


def kl_monte_carlo(mean0, cov0, mean1, cov1, n: int = 100_000, seed: int | None = None) -> tuple[float, float]:
    """Monte Carlo estimate of KL(N0 || N1) and its standard error, in nats.

    Draws x ~ N0 and averages log N0(x) - log N1(x); the standard error is the sample
    standard deviation of that difference divided by sqrt(n).
    """
    if int(n) != n or n < 2:
        raise DataError(
            "n", f"must be a whole number >= 2 to estimate a standard error, got {n!r}", "Use n = 10_000 or more."
        )
    x = sample_mvn(mean0, cov0, n, seed)
    diff = mvn_logpdf(x, mean0, cov0) - mvn_logpdf(x, mean1, cov1)
    return float(np.mean(diff)), float(np.std(diff, ddof=1) / np.sqrt(len(diff)))
