"""Figures of images and their codes: grids, latent maps, traversals, interpolations, and the slider
explorer. Each function draws on an Axes (made if not given) and returns it."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image
from scipy.stats import norm

from vae_tutorial.errors import DataError
from vae_tutorial.theory.plots import new_axes


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
    ax = new_axes(ax)
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
    import ipywidgets as widgets  # the notebooks extra: the command line draws samples.png without it

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


def save_image_grid(images, path, ncols: int = 8, dpi: int = 100) -> None:
    """Write :func:`plot_image_grid` of ``images`` to the PNG file ``path`` and close its figure (a long
    session, a notebook, would otherwise keep every figure)."""
    figure = plot_image_grid(images, ncols=ncols).figure
    figure.savefig(path, dpi=dpi, bbox_inches="tight")
    plt.close(figure)
