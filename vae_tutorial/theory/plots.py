"""Figures of the maths: Gaussians, KL estimates, gradient variance, a run's loss curves and the KL
per latent dimension. Each function draws on an Axes (made if not given) and returns it."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

from vae_tutorial.theory.gaussian import mvn_logpdf


def new_axes(ax):
    """``ax``, or the Axes of a new 5 x 4 inch figure."""
    return ax if ax is not None else plt.subplots(figsize=(5, 4))[1]


def plot_gaussian_contours(mean, cov, samples=None, ax=None, title: str | None = None, n_sd: float = 3.5):
    """Density contours of a 2-D Gaussian N(mean, cov), optionally with samples (n, 2) on top.

    The grid spans mean +/- n_sd standard deviations on each axis; contours are drawn at
    the densities of the Mahalanobis distance 1, 2 and 3 ellipses (blue, orange, red). In 2-D
    they hold 39/86/99% of the mass (chi-square with 2 dof), not the 1-D 68/95/99.7%.
    """
    ax = new_axes(ax)
    mean = np.asarray(mean, dtype=float)
    cov = np.asarray(cov, dtype=float)
    sd = np.sqrt(np.diag(cov))
    xs = np.linspace(mean[0] - n_sd * sd[0], mean[0] + n_sd * sd[0], 120)
    ys = np.linspace(mean[1] - n_sd * sd[1], mean[1] + n_sd * sd[1], 120)
    gx, gy = np.meshgrid(xs, ys)
    dens = np.exp(mvn_logpdf(np.column_stack([gx.ravel(), gy.ravel()]), mean, cov)).reshape(gx.shape)
    peak = np.exp(mvn_logpdf(mean, mean, cov))
    levels = sorted(peak * np.exp(-0.5 * np.array([1.0, 2.0, 3.0]) ** 2))
    if samples is not None:
        samples = np.asarray(samples)
        ax.scatter(samples[:, 0], samples[:, 1], s=4, alpha=0.25, color="tab:gray", label=f"{len(samples)} samples")
        ax.legend(loc="upper left", fontsize=8)
    ax.contour(gx, gy, dens, levels=levels, colors=["tab:red", "tab:orange", "tab:blue"])
    ax.plot(*mean, "k+", markersize=10)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return ax


def plot_kl_sweep(x, closed_form, mc=None, mc_se=None, ax=None, xlabel: str = "", title: str | None = None):
    """KL in nats against one parameter: the closed form as a line, Monte Carlo estimates
    (with +/- 2 standard-error bars) as dots. x, closed_form, mc, mc_se: shape (k,)."""
    ax = new_axes(ax)
    ax.plot(x, closed_form, color="tab:blue", label="closed form")
    if mc is not None:
        ax.errorbar(
            x,
            mc,
            yerr=None if mc_se is None else 2 * np.asarray(mc_se),
            fmt="o",
            ms=3,
            color="tab:orange",
            label="Monte Carlo (±2 s.e.)",
        )
    ax.set_xlabel(xlabel)
    ax.set_ylabel("KL (nats)")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def plot_gradient_variance(result: Mapping[str, np.ndarray], ax=None, title: str | None = None):
    """Variance of the pathwise and score-function estimators against the sample count n.

    ``result`` is :func:`vae_tutorial.theory.sampling.estimator_variances`' output. Both axes are
    logarithmic; a Monte Carlo average's variance falls as 1/n, so the lines are parallel
    and the gap between them is the ratio of the per-sample variances.
    """
    ax = new_axes(ax)
    n = np.asarray(result["n"])
    ax.loglog(n, result["score_function"], "o-", label="score function (REINFORCE)")
    ax.loglog(n, result["pathwise"], "s-", label="pathwise (reparameterization)")
    ax.loglog(n, result["pathwise"][0] / n, "k:", lw=1, label="$\\propto 1/n$")
    ax.set_xlabel("samples per estimate, n")
    ax.set_ylabel("variance of the gradient estimate")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def plot_history(history, ax=None, title: str | None = None):
    """Training and validation curves of a Keras ``History`` (or its ``.history`` dict):
    total loss, reconstruction and KL in nats per example, one panel each."""
    hist = getattr(history, "history", history)
    keys = [k for k in ("loss", "reconstruction", "kl") if k in hist]
    if ax is None:
        _, ax = plt.subplots(1, len(keys), figsize=(4 * len(keys), 3.2))
    axes = np.atleast_1d(ax)
    for key, a in zip(keys, axes, strict=False):
        epochs = np.arange(1, len(hist[key]) + 1)
        a.plot(epochs, hist[key], label="train")
        if f"val_{key}" in hist:
            a.plot(epochs, hist[f"val_{key}"], label="validation")
        a.set_title({"loss": "negative ELBO", "reconstruction": "reconstruction NLL", "kl": "KL"}[key])
        a.set_xlabel("epoch")
        a.set_ylabel("nats per example")
        a.legend(fontsize=8)
    if title:
        axes[0].figure.suptitle(title)
    return axes


def plot_kl_per_dimension(kl_by_model: Mapping[str, np.ndarray], axes=None, title: str | None = None):
    """Bars of the mean KL per latent dimension (nats per example), one panel per model; a
    dimension near 0 carries no information about x (it is inactive)."""
    names = list(kl_by_model)
    if axes is None:
        widths = [max(1, len(kl_by_model[n]) // 4) for n in names]
        size = (2.5 + 0.5 * sum(len(v) for v in kl_by_model.values()), 3.2)
        _, axes = plt.subplots(
            1, len(names), figsize=size, gridspec_kw={"width_ratios": widths}, sharey=True, squeeze=False
        )
        axes = axes[0]
    for ax, name in zip(axes, names, strict=True):
        kl = np.asarray(kl_by_model[name])
        ax.bar(np.arange(len(kl)), kl)  # numbered from 0, as z[:, j] and the traversals' z0, z1, ...
        ax.set(title=f"{name}: KL per dimension", xlabel="latent dimension $j$", xticks=np.arange(len(kl)))
    axes[0].set_ylabel("mean KL (nats per example)")
    if title:
        axes[0].figure.suptitle(title)
    return axes
