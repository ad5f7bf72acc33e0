"""The sentence VAE that notebook 04 shows whole (the code cell tagged ``text-vae-class``) computes what
the package's TextVAE computes with the cured recipe's architecture: the same loss terms on the same
weights, batch and seeds, and the same weights after a training step with word dropout."""

import numpy as np
import pytest

from vae_tutorial.text.tokens import BOS_ID, EOS_ID, UNK_ID
from vae_tutorial.text.vae import TextVAE

# isort: split
import keras

from tests.helpers import run_tagged_cell

SIZES = {
    "latent_dim": 4,
    "embed_dim": 8,
    "encoder_units": 6,
    "decoder_units": 10,
    "word_dropout": 0.4,
    "free_bits": 0.3,
}
VOCAB, LENGTH = 300, 12


@pytest.fixture(scope="module")
def notebook_vae():
    namespace = run_tagged_cell("04_text_vae.ipynb", "text-vae-class")
    assert (namespace["BOS"], namespace["UNK"]) == (BOS_ID, UNK_ID)
    return namespace["SentenceVAE"]


@pytest.fixture(scope="module")
def ids():
    rng = np.random.default_rng(0)
    ids = rng.integers(4, VOCAB, (16, LENGTH))
    for row, n in zip(ids, rng.integers(3, LENGTH, len(ids)), strict=True):
        row[n - 1], row[n:] = EOS_ID, 0  # sentences of 3 to 11 tokens, then padding
    return ids


def _pairs(package, shown):
    """(the notebook's layer, the package's layer) for every layer with weights. The package's
    two-GRU bidirectional layers list their weights in an order of their own, so the encoder's
    layers are paired by role and name, not by position."""
    embedding, first, second, dense, z_mean, z_log_var = [layer for layer in shown.encoder.layers if layer.weights]
    pairs = [(embedding, package.encoder.get_layer("encoder_embedding"))]
    for wrapper, name in ((first, "encoder_bigru_1"), (second, "encoder_bigru_2")):
        pairs += [(wrapper.forward_layer, package.encoder.get_layer(f"{name}_forward"))]
        pairs += [(wrapper.backward_layer, package.encoder.get_layer(f"{name}_backward"))]
    hidden = [layer for layer in package.encoder.layers if isinstance(layer, keras.layers.Dense)][0]  # unnamed
    pairs += [(dense, hidden), (z_mean, package.encoder.get_layer("z_mean"))]
    pairs += [(z_log_var, package.encoder.get_layer("z_log_var"))]
    decoder = [layer for layer in shown.decoder.layers if layer.weights]
    return pairs + list(zip(decoder, [layer for layer in package.decoder.layers if layer.weights], strict=True))


def _twins(notebook_vae, seed=5, shown_seed=None):
    """The package's model and the notebook's with the package's weights; the notebook's draws its
    noise and word dropout with ``shown_seed`` (default: the same seed)."""
    package = TextVAE(VOCAB, LENGTH, encoder="bigru", decoder="autoregressive", cell="gru", seed=seed, **SIZES)
    shown = notebook_vae(VOCAB, LENGTH, seed=seed if shown_seed is None else shown_seed, **SIZES)
    for mine, theirs in _pairs(package, shown):
        mine.set_weights(theirs.get_weights())
    for model in (package, shown):
        model.compile(keras.optimizers.Adam(1e-3))
    return package, shown


def test_the_notebooks_sentence_vae_gives_the_packages_loss_terms(notebook_vae, ids):
    package, shown = _twins(notebook_vae)
    expected, got = package.evaluate(ids, verbose=0, return_dict=True), shown.evaluate(ids, verbose=0, return_dict=True)
    assert set(got) == {"loss", "reconstruction", "kl"}
    for name in got:
        assert got[name] == pytest.approx(expected[name], rel=1e-6, abs=1e-7)
    assert got["reconstruction"] > 10  # nats per sentence of up to 11 random tokens: not a trivial zero
    # every dimension's KL is under the free bits at initialisation: the loss charges the allowance
    assert got["loss"] == pytest.approx(got["reconstruction"] + SIZES["latent_dim"] * SIZES["free_bits"], rel=1e-5)


def test_a_training_step_with_word_dropout_moves_both_to_the_same_weights(notebook_vae, ids):
    package, shown = _twins(notebook_vae)
    before = package.decoder.get_weights()[0].copy()
    for model in (package, shown):
        model.fit(ids, batch_size=16, epochs=1, shuffle=False, verbose=0)
    for mine, theirs in _pairs(package, shown):
        for a, b in zip(mine.get_weights(), theirs.get_weights(), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert not np.allclose(package.decoder.get_weights()[0], before)  # the step did move them


def test_other_draws_of_noise_and_dropout_give_another_step(notebook_vae, ids):
    """The equality above is not vacuous: the same weights with another seed draw other noise and
    other [UNK]s, and the step ends elsewhere."""
    package, shown = _twins(notebook_vae, shown_seed=6)
    for model in (package, shown):
        model.fit(ids, batch_size=16, epochs=1, shuffle=False, verbose=0)
    moved = [
        np.abs(a - b).max()
        for mine, theirs in _pairs(package, shown)
        for a, b in zip(mine.get_weights(), theirs.get_weights(), strict=True)
    ]
    assert max(moved) > 1e-4
