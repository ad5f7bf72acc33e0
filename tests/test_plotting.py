"""Code grids of vae_tutorial.theory.plots, against hand-built arrays."""

import numpy as np
import pytest
from scipy.stats import norm

from vae_tutorial.images import anomaly
from vae_tutorial.images import plots
from vae_tutorial.errors import DataError


def test_traversal_codes_sweep_one_dimension_per_row():
    z = np.array([0.5, -1.0, 2.0], np.float32)
    codes = plots.traversal_codes(z, dims=[2, 0], values=[-3.0, 0.0, 3.0])
    expected = np.array(
        [[0.5, -1.0, -3.0], [0.5, -1.0, 0.0], [0.5, -1.0, 3.0], [-3.0, -1.0, 2.0], [0.0, -1.0, 2.0], [3.0, -1.0, 2.0]],
        np.float32,
    )
    np.testing.assert_array_equal(codes, expected)
    assert codes.dtype == np.float32


def test_traversal_codes_reject_a_dimension_the_code_does_not_have():
    with pytest.raises(DataError, match=r"^dims: must be dimensions 0 to 2, got \[3\]"):
        plots.traversal_codes(np.zeros(3), [3], [0.0])
    with pytest.raises(DataError, match=r"^z, dims, values: must be one code"):
        plots.traversal_codes(np.zeros((2, 3)), [0], [0.0])


def test_manifold_codes_are_gaussian_quantiles_top_row_first():
    codes = plots.manifold_codes(n=3, edge=0.1)
    q = norm.ppf([0.1, 0.5, 0.9])
    np.testing.assert_allclose(codes[:3], np.column_stack([q, np.full(3, q[2])]), rtol=1e-6)
    np.testing.assert_allclose(codes[-3:], np.column_stack([q, np.full(3, q[0])]), rtol=1e-6)


def test_score_histogram_draws_shares_in_fixed_colours_and_says_what_is_beyond_the_axis():
    import matplotlib

    matplotlib.use("Agg")
    scores = {"digits": np.r_[np.linspace(100, 140, 399), 1e6], "blank": np.full(50, 30.0)}
    colors = {"digits": "#123456", "blank": "#abcdef"}
    ax = anomaly.plot_score_histogram(scores, colors=colors)
    edge = np.percentile(np.r_[scores["digits"], scores["blank"]], 99.5)  # where the axis ends
    beyond = int(np.sum(scores["digits"] > edge))
    assert beyond >= 1  # the 1e6 at least
    digits = f"digits ({beyond} of 400 beyond the axis)"
    labels = ax.get_legend_handles_labels()[1]
    bars = {label: list(container) for label, container in zip(labels, ax.containers, strict=True)}
    assert set(bars) == {digits, "blank"}
    heights = {label: sum(p.get_height() for p in patches) for label, patches in bars.items()}
    assert heights["blank"] == pytest.approx(1.0) and heights[digits] == pytest.approx(1 - beyond / 400)
    faces = {label: matplotlib.colors.to_hex(patches[0].get_facecolor()[:3]) for label, patches in bars.items()}
    assert faces == {digits: "#123456", "blank": "#abcdef"}


def test_digit_png_draws_ink_dark_and_enlarged():
    import io

    from PIL import Image

    image = np.zeros((28, 28, 1))
    image[3, 5] = 1.0  # one full-ink pixel
    picture = np.asarray(Image.open(io.BytesIO(plots.digit_png(image, scale=2))))
    assert picture.shape == (56, 56)
    assert (picture[6:8, 10:12] == 0).all() and picture.sum() == 255 * (56 * 56 - 4)


def test_latent_explorer_decodes_the_sliders_code_whenever_one_moves():
    seen = []

    def decode(z):  # an image whose top-left pixels hold the code, so the picture shows which z it was
        seen.append(z.copy())
        image = np.zeros((len(z), 28, 28, 1))
        image[:, 0, 0, 0], image[:, 0, 1, 0] = (z[:, 0] + 3) / 6, (z[:, 1] + 3) / 6
        return image

    explorer = plots.latent_explorer(decode, limit=3.0, step=0.5, scale=1)
    (z1, z2), image, caption = explorer.children[0].children, explorer.children[1], explorer.children[2]
    assert caption.value == "decoded z = (0.00, 0.00)" and image.value == plots.digit_png(
        decode(np.zeros((1, 2)))[0], 1
    )
    z1.value, z2.value = 1.5, -2.0
    np.testing.assert_array_equal(seen[-1], [[1.5, -2.0]])
    assert caption.value == "decoded z = (1.50, -2.00)"
    assert image.value == plots.digit_png(decode(np.array([[1.5, -2.0]], np.float32))[0], 1)
    assert (z1.min, z1.max, z2.step) == (-3.0, 3.0, 0.5)


def test_kl_bars_are_numbered_from_zero_like_the_traversals():
    import matplotlib

    matplotlib.use("Agg")
    from vae_tutorial.theory.plots import plot_kl_per_dimension

    kl = {"a": np.array([0.5, 0.0, 2.0]), "b": np.array([1.0, 3.0])}
    axes = plot_kl_per_dimension(kl)
    for ax, name in zip(axes, kl, strict=True):
        bars = ax.patches
        assert [bar.get_x() + bar.get_width() / 2 for bar in bars] == pytest.approx(list(range(len(kl[name]))))
        assert [bar.get_height() for bar in bars] == pytest.approx(kl[name].tolist())
        assert [int(t) for t in ax.get_xticks()] == list(range(len(kl[name])))
