"""The VAE class that notebook 03 shows whole (the code cell tagged ``vae-class``) computes what the
package's ImageVAE computes: the same loss terms on the same weights, batch and noise seed, and the
same weights after a training step."""

import numpy as np
import pytest

from vae_tutorial.images.vae import ImageVAE

# isort: split
import keras

from tests.helpers import run_tagged_cell


@pytest.fixture(scope="module")
def notebook_vae():
    namespace = run_tagged_cell("03_image_vae.ipynb", "vae-class")
    return namespace["VAE"]


def _twins(notebook_vae, latent_dim=3, beta=2.0, seed=5):
    package = ImageVAE(latent_dim=latent_dim, beta=beta, seed=seed)
    shown = notebook_vae(latent_dim=latent_dim, beta=beta, seed=seed)
    shown.encoder.set_weights(package.encoder.get_weights())
    shown.decoder.set_weights(package.decoder.get_weights())
    for model in (package, shown):
        model.compile(keras.optimizers.Adam(1e-3))
    return package, shown


def test_the_notebooks_vae_gives_the_packages_loss_terms(notebook_vae, digits):
    package, shown = _twins(notebook_vae)
    x = digits[0][:32]
    expected, got = package.evaluate(x, verbose=0, return_dict=True), shown.evaluate(x, verbose=0, return_dict=True)
    assert set(got) == {"loss", "reconstruction", "kl"}
    for name in got:
        assert got[name] == pytest.approx(expected[name], rel=1e-6)
    assert got["loss"] == pytest.approx(got["reconstruction"] + 2.0 * got["kl"], rel=1e-6)


def test_a_training_step_moves_both_to_the_same_weights(notebook_vae, digits):
    package, shown = _twins(notebook_vae, beta=1.0)
    x = digits[0][:32]
    before = package.encoder.get_weights()[0].copy()
    for model in (package, shown):
        model.fit(x, batch_size=32, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(
        package.encoder.get_weights() + package.decoder.get_weights(),
        shown.encoder.get_weights() + shown.decoder.get_weights(),
        strict=True,
    ):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert not np.allclose(package.encoder.get_weights()[0], before)  # the step did move them
