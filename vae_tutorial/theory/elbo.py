"""The ELBO on a model where everything is exact: a linear-Gaussian latent-variable model.

    z ~ N(0, I_k),    x | z ~ N(W z + b, noise_std**2 I_d)      (W: (d, k), b: (d,))

Its evidence, posterior and ELBO have closed forms, so the identity a VAE rests on,

    log p(x) = ELBO(q) + KL(q(z) || p(z | x)),

can be checked to round-off for any Gaussian q (notebook 01, section 6):

- ``log p(x)``: x ~ N(b, W W^T + noise_std**2 I) once z is integrated out;
- the posterior: p(z | x) = N(S W^T (x - b) / noise_std**2, S), S = (I + W^T W / noise_std**2)^-1;
- ``ELBO(q)`` for q = N(m, C): E_q[log p(x | z)] - KL(q || N(0, I)), with
  E_q[log p(x | z)] = -d/2 log(2 pi noise_std**2) - (||x - W m - b||^2 + tr(W C W^T)) / (2 noise_std**2).

All figures are in nats; a point x is (d,), a mean (k,), a covariance (k, k). Wrong shapes are a
:class:`~vae_tutorial.errors.DataError` naming the argument.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from vae_tutorial.errors import DataError, whole_number
from vae_tutorial.theory import gaussian


@dataclasses.dataclass(frozen=True)
class LinearGaussian:
    """p(z) = N(0, I_k), p(x | z) = N(W z + b, noise_std**2 I_d). weights: (d, k); bias: (d,)."""

    weights: np.ndarray
    bias: np.ndarray
    noise_std: float

    def __post_init__(self):
        w = np.asarray(self.weights, dtype=np.float64)
        if w.ndim != 2 or 0 in w.shape or not np.all(np.isfinite(w)):
            raise DataError(
                "weights", f"expected a finite (d, k) matrix, got shape {w.shape}", "Pass W of shape (d, k)."
            )
        bias = gaussian._vector("bias", self.bias, w.shape[0])
        if not (np.isfinite(self.noise_std) and self.noise_std > 0):
            raise DataError("noise_std", f"must be > 0, got {self.noise_std!r}", "Pass the noise's standard deviation.")
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "bias", bias)
        object.__setattr__(self, "noise_std", float(self.noise_std))

    @classmethod
    def random(cls, d: int, k: int, noise_std: float = 0.5, seed: int | None = None) -> LinearGaussian:
        """A model with W and b drawn from N(0, 1): d observed, k latent dimensions."""
        rng = np.random.default_rng(seed)
        return cls(rng.standard_normal((d, k)), rng.standard_normal(d), noise_std)

    @property
    def d(self) -> int:
        return self.weights.shape[0]

    @property
    def k(self) -> int:
        return self.weights.shape[1]

    def _x(self, x) -> np.ndarray:
        return gaussian._vector("x", x, self.d)

    def sample(self, n: int, seed: int | None = None) -> np.ndarray:
        """n points x of the model, (n, d): z ~ N(0, I), then x ~ p(x | z)."""
        n = whole_number("n", n, 1, low=1)
        rng = np.random.default_rng(seed)
        z = rng.standard_normal((n, self.k))
        return z @ self.weights.T + self.bias + self.noise_std * rng.standard_normal((n, self.d))

    def log_evidence(self, x) -> float:
        """log p(x), nats: x ~ N(b, W W^T + noise_std**2 I) with z integrated out."""
        cov = self.weights @ self.weights.T + self.noise_std**2 * np.eye(self.d)
        return gaussian.mvn_logpdf(self._x(x), self.bias, cov)

    def posterior(self, x) -> tuple[np.ndarray, np.ndarray]:
        """The exact posterior p(z | x) = N(mean (k,), cov (k, k))."""
        w, s2 = self.weights, self.noise_std**2
        cov = np.linalg.inv(np.eye(self.k) + w.T @ w / s2)
        cov = (cov + cov.T) / 2  # symmetric to round-off, as the Cholesky checks want
        return cov @ w.T @ (self._x(x) - self.bias) / s2, cov

    def _q(self, q_mean, q_cov) -> tuple[np.ndarray, np.ndarray]:
        """q's mean (k,) and covariance (k, k), checked (a DataError names q_mean or q_cov)."""
        mean = gaussian._vector("q_mean", q_mean, self.k)
        gaussian._cholesky("q_cov", q_cov, self.k)
        return mean, np.asarray(q_cov, np.float64)

    def expected_log_likelihood(self, x, q_mean, q_cov) -> float:
        """E_q[log p(x | z)] for q = N(q_mean, q_cov), nats (the reconstruction term, negated)."""
        x, (m, cov) = self._x(x), self._q(q_mean, q_cov)
        s2 = self.noise_std**2
        residual = x - self.weights @ m - self.bias
        spread = np.trace(self.weights @ cov @ self.weights.T)
        return float(-0.5 * self.d * (gaussian.LOG_2PI + np.log(s2)) - (residual @ residual + spread) / (2 * s2))

    def elbo(self, x, q_mean, q_cov) -> float:
        """ELBO(q) = E_q[log p(x | z)] - KL(q || p(z)), nats, for q = N(q_mean, q_cov)."""
        expected = self.expected_log_likelihood(x, q_mean, q_cov)
        return expected - gaussian.kl_mvn(q_mean, q_cov, np.zeros(self.k), np.eye(self.k))

    def elbo_monte_carlo(self, x, q_mean, q_cov, n: int = 10_000, seed: int | None = None) -> tuple[float, float]:
        """The ELBO estimated as a VAE does, by sampling: the mean over z ~ q of
        log p(x | z) + log p(z) - log q(z), and its standard error (nats)."""
        x, (q_mean, q_cov) = self._x(x), self._q(q_mean, q_cov)
        z = gaussian.sample_mvn(q_mean, q_cov, whole_number("n", n, 10_000, low=2), seed)
        log_lik = gaussian.normal_logpdf(x, z @ self.weights.T + self.bias, self.noise_std).sum(axis=1)
        terms = log_lik + gaussian.normal_logpdf(z).sum(axis=1) - gaussian.mvn_logpdf(z, q_mean, q_cov)
        return float(terms.mean()), float(terms.std(ddof=1) / np.sqrt(len(terms)))
