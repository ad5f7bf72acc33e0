"""Figures for the notebooks. Each function draws on an Axes (made if not given) and returns it."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

from vae_tutorial.errors import DataError
from vae_tutorial.gaussian import mvn_logpdf


def _axes(ax):
    return ax if ax is not None else plt.subplots(figsize=(5, 4))[1]


def plot_gaussian_contours(mean, cov, samples=None, ax=None, title: str | None = None, n_sd: float = 3.5):
    """Density contours of a 2-D Gaussian N(mean, cov), optionally with samples (n, 2) on top.

    The grid spans mean +/- n_sd standard deviations on each axis; contours are drawn at
    the densities of the Mahalanobis distance 1, 2 and 3 ellipses (blue, orange, red). In 2-D
    they hold 39/86/99% of the mass (chi-square with 2 dof), not the 1-D 68/95/99.7%.
    """
    ax = _axes(ax)
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
    ax = _axes(ax)
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

    ``result`` is :func:`vae_tutorial.sampling.estimator_variances`' output. Both axes are
    logarithmic; a Monte Carlo average's variance falls as 1/n, so the lines are parallel
    and the gap between them is the ratio of the per-sample variances.
    """
    ax = _axes(ax)
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


# --- image VAE (notebook 03) ---------------------------------------------------------------


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


def plot_image_grid(images, ncols: int = 10, ax=None, title: str | None = None, row_labels=None):
    """Tile (n, h, w[, 1]) images in [0, 1] into one grayscale picture with ``ncols`` columns."""
    imgs = np.asarray(images)[..., 0] if np.ndim(images) == 4 else np.asarray(images)
    n, h, w = imgs.shape
    nrows = int(np.ceil(n / ncols))
    canvas = np.ones((nrows * (h + 1) - 1, ncols * (w + 1) - 1))
    for i, img in enumerate(imgs):
        r, c = divmod(i, ncols)
        canvas[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = img
    if ax is None:
        _, ax = plt.subplots(figsize=(0.6 * ncols, 0.6 * nrows + (0.4 if title else 0)))
    ax.imshow(canvas, cmap="gray_r", vmin=0, vmax=1)
    ax.set_xticks([])
    ax.set_yticks([] if row_labels is None else [r * (h + 1) + h / 2 for r in range(nrows)])
    if row_labels is not None:
        ax.set_yticklabels(row_labels)
    if title:
        ax.set_title(title)
    return ax


def plot_latent_scatter(z_mean, labels, ax=None, title: str | None = None):
    """First two latent coordinates of each example, coloured by its class label (0-9)."""
    ax = _axes(ax)
    z = np.asarray(z_mean)
    points = ax.scatter(z[:, 0], z[:, 1], c=labels, cmap="tab10", s=6, alpha=0.8, vmin=-0.5, vmax=9.5)
    ax.figure.colorbar(points, ax=ax, ticks=range(10), label="digit")
    ax.set_xlabel("$z_1$ (posterior mean)")
    ax.set_ylabel("$z_2$ (posterior mean)")
    if title:
        ax.set_title(title)
    return ax


def manifold_codes(n: int = 15, edge: float = 0.05) -> np.ndarray:
    """An n x n grid of 2-D codes spaced by Gaussian quantiles, from ``edge`` to ``1 - edge``:
    equal prior probability between neighbours, unlike a linear box. Shape (n*n, 2), rows top-down."""
    from scipy.stats import norm

    q = norm.ppf(np.linspace(edge, 1 - edge, n))
    gx, gy = np.meshgrid(q, q[::-1])
    return np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float32)


def traversal_codes(z, dims, values) -> np.ndarray:
    """Codes for a latent traversal: for each dimension j of ``dims`` (one row each) and each of
    ``values`` (one column each), ``z`` (latent_dim,) with z[j] replaced by the value. Shape
    (len(dims) * len(values), latent_dim), float32, row by row: decode them and tile with
    ``plot_image_grid(..., ncols=len(values))``."""
    z = np.asarray(z, np.float32)
    dims, values = np.asarray(dims, int), np.asarray(values, np.float32)
    if z.ndim != 1 or dims.ndim != 1 or values.ndim != 1 or not len(dims) or not len(values):
        raise DataError("z, dims, values", "must be one code and non-empty lists", "Pass z (d,), dims and values.")
    if dims.min() < 0 or dims.max() >= len(z):
        raise DataError("dims", f"must be dimensions 0 to {len(z) - 1}, got {dims.tolist()}", "Pick latent dimensions.")
    codes = np.repeat(z[None], len(dims) * len(values), axis=0)
    codes[np.arange(len(codes)), np.repeat(dims, len(values))] = np.tile(values, len(dims))
    return codes


def plot_manifold(decode, n: int = 15, ax=None, title: str | None = None):
    """Decode the :func:`manifold_codes` grid with ``decode(z) -> (n*n, 28, 28, 1)`` and tile it."""
    ax = plot_image_grid(decode(manifold_codes(n)), ncols=n, ax=ax, title=title)
    return ax


def digit_png(image, scale: int = 6) -> bytes:
    """One (28, 28, 1) image in [0, 1] as PNG bytes, ink dark on white, each pixel a scale x scale block."""
    import io

    from PIL import Image

    pixels = np.asarray(image, np.float64).reshape(np.shape(image)[0], np.shape(image)[1])
    grey = np.round(255 * (1 - np.clip(pixels, 0, 1))).astype(np.uint8)
    picture = Image.fromarray(grey).resize((grey.shape[1] * scale, grey.shape[0] * scale), Image.NEAREST)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def latent_explorer(decode, limit: float = 3.0, step: float = 0.05, scale: int = 6):
    """Two sliders for a 2-D code (z1, z2 from -limit to limit) and the image ``decode`` makes of
    it, redrawn as the sliders move: an ipywidgets ``VBox`` for a live Jupyter front end (a static
    copy of the notebook shows nothing live; the manifold figure is its static counterpart).
    decode: codes (n, 2) -> images (n, 28, 28, 1) in [0, 1], e.g. ``ImageVAE.decode``."""
    import ipywidgets as widgets

    sliders = [
        widgets.FloatSlider(value=0.0, min=-limit, max=limit, step=step, description=f"z{j + 1}") for j in range(2)
    ]
    image = widgets.Image(format="png", width=28 * scale, height=28 * scale)
    caption = widgets.Label()

    def draw(_=None):
        z = np.array([[slider.value for slider in sliders]], np.float32)
        image.value = digit_png(decode(z)[0], scale)
        caption.value = f"decoded z = ({z[0, 0]:.2f}, {z[0, 1]:.2f})"

    for slider in sliders:
        slider.observe(draw, names="value")
    draw()
    return widgets.VBox([widgets.HBox(sliders), image, caption])


def plot_interpolation(images, ax=None, title: str | None = None):
    """A strip of images (k, h, w, 1) decoded along a path between two codes."""
    return plot_image_grid(images, ncols=len(images), ax=ax, title=title)


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
        ax.bar(np.arange(1, len(kl) + 1), kl)
        ax.set(title=f"{name}: KL per dimension", xlabel="latent dimension $j$", xticks=np.arange(1, len(kl) + 1))
    axes[0].set_ylabel("mean KL (nats per example)")
    if title:
        axes[0].figure.suptitle(title)
    return axes


def plot_score_histogram(
    scores: Mapping[str, np.ndarray],
    threshold: float | None = None,
    ax=None,
    title: str | None = None,
    log: bool = False,
    colors: Mapping[str, str] | None = None,
):
    """Overlaid histograms of anomaly scores (negative ELBO, nats) per group, e.g. digits vs noise.

    Each group's bars are shares of that group (groups of different sizes compare), in the colour
    ``colors[name]`` (pass the same mapping to every panel; default: tab10 in the order given).
    log=True uses logarithmic bins and axis, for scores that span orders of magnitude; otherwise
    the axis ends at the 99.5th percentile of all scores, and a group with scores beyond it says
    how many in its legend entry (nothing is clipped silently)."""
    ax = _axes(ax)
    colors = dict(colors or zip(scores, plt.cm.tab10.colors, strict=False))
    everything = np.concatenate([np.asarray(v) for v in scores.values()])
    if log:
        bins = np.geomspace(max(everything.min(), 1e-3), everything.max(), 60)
    else:
        bins = np.linspace(everything.min(), np.percentile(everything, 99.5), 60)
    for name, values in scores.items():
        values = np.asarray(values)
        beyond = int(np.sum(values > bins[-1]))
        label = name if not beyond else f"{name} ({beyond} of {len(values)} beyond the axis)"
        weights = np.full(len(values), 1.0 / len(values))
        ax.hist(values, bins=bins, weights=weights, alpha=0.55, label=label, color=colors[name])
    if threshold is not None:
        ax.axvline(threshold, color="k", ls="--", lw=1, label=f"threshold {threshold:.0f}")
    if log:
        ax.set_xscale("log")
    ax.set_xlabel("negative ELBO (nats per image)")
    ax.set_ylabel("share of the group's images")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax
