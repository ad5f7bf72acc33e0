"""Promises no single module can keep alone: the same losses in two fresh processes, no
network use, finite numbers on degenerate inputs, and models that round-trip in safe mode."""

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from vae_tutorial.errors import DataError
from vae_tutorial.text.kinds import BLOG_VAE

ROOT = Path(__file__).resolve().parents[1]

TRAIN = textwrap.dedent("""
    import json, sys
    from vae_tutorial import config
    config.seed_everything(7, deterministic=sys.argv[1] == "1")
    from vae_tutorial.images.data import load_digits
    from vae_tutorial.images.kinds import IMAGE_VAE
    (x, _), _ = load_digits(seed=0)
    _, history = IMAGE_VAE.train(x[:512], epochs=2, latent_dim=2, seed=7, verbose=0)
    print(json.dumps(history.history["loss"]))
""")


def _losses(deterministic: bool) -> list[float]:
    env = {**os.environ, "VAE_TUTORIAL_FAST": "1"}
    result = subprocess.run(
        [sys.executable, "-c", TRAIN, "1" if deterministic else "0"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_deterministic_seeding_gives_bit_identical_losses_in_two_fresh_processes():
    first, second = _losses(True), _losses(True)
    assert first == second  # exact, not approximately


def test_plain_seeding_gives_the_same_losses_within_float_noise():
    first, second = _losses(False), _losses(False)
    np.testing.assert_allclose(first, second, rtol=1e-6)


def test_deterministic_seeding_after_tensorflow_started_says_what_to_do():
    code = (
        "from vae_tutorial import config\n"
        "from vae_tutorial._backend import tf\n"
        "tf.constant(1.0) + 1.0\n"
        "try:\n"
        "    config.seed_everything(1, deterministic=True)\n"
        "except ValueError as exc:\n"
        "    print(type(exc).__name__, exc)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.stdout.startswith("DataError deterministic: TensorFlow has already started"), result.stdout
    assert "before any TensorFlow work" in result.stdout


# --- offline ----------------------------------------------------------------------------------


class _NoNetwork(OSError):
    pass


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a network connection fails loudly (local Unix sockets still work)."""

    def refuse(self, address, *args, **kwargs):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            raise _NoNetwork(f"network access attempted: {address}")
        return real_connect(self, address, *args, **kwargs)

    real_connect = socket.socket.connect
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(socket.socket(), a[0] if a else None))


def test_the_guard_really_blocks_the_network(no_network):
    with pytest.raises(_NoNetwork):
        socket.create_connection(("pypi.org", 443), timeout=1)


def test_the_embedded_data_loads_without_the_network(no_network, tmp_path):
    from vae_tutorial.images.data import load_digits
    from vae_tutorial.text.posts import load_blog_folder, write_sample_blog_folder
    from vae_tutorial.text.corpus import lee_articles, load_sample_sentences
    from vae_tutorial.text.embeddings import train_word2vec

    (x_train, _), (x_test, _) = load_digits(seed=0)
    assert len(x_train) + len(x_test) == 5000
    assert len(lee_articles("background")) == 300 and len(lee_articles("test")) == 50
    assert len(load_sample_sentences()[0]) > 2000
    assert len(load_blog_folder(write_sample_blog_folder(tmp_path / "blog"), drop_duplicates=False)) == 300
    assert len(train_word2vec(lee_articles("test"), vector_size=8, epochs=1)) > 100


# --- numerics on degenerate inputs ------------------------------------------------------------


def test_all_zero_and_all_one_images_give_finite_losses_and_outputs():
    from vae_tutorial.theory import estimates
    from vae_tutorial.images.vae import ImageVAE

    model = ImageVAE(latent_dim=2, seed=0)
    for value in (0.0, 1.0):
        x = np.full((4, 28, 28, 1), value, np.float32)
        terms = estimates.elbo_terms(model, x, n_samples=2)
        assert all(np.isfinite(v).all() for v in terms.values()), value
        assert np.isfinite(estimates.importance_weighted_nll(model, x, k=5))
        assert np.isfinite(model.reconstruct(x)).all()


def test_a_one_token_sentence_and_a_sentence_of_unknown_words_give_finite_numbers():
    from vae_tutorial.text import generate, measures
    from vae_tutorial.text.tokens import Vectorizer
    from vae_tutorial.text.vae import TextVAE

    vectorizer = Vectorizer.build(["the cat sat on the mat", "a dog ran"], max_length=8)
    model = TextVAE(vectorizer.vocab_size, 8, latent_dim=3, encoder_units=4, decoder_units=8, seed=0)
    ids = vectorizer.encode(["cat", "zebra quokka wombat", "the"])
    assert ids[1, :3].tolist() == [1, 1, 1]  # all [UNK]
    report = measures.text_report(model, ids, k=3)
    assert all(np.isfinite(v) for v in report.values()), report
    assert all(isinstance(t, str) for t in generate.variations(model, vectorizer, "zebra", n=2, seed=0))


# --- loading ----------------------------------------------------------------------------------


def _round_trip(model, path):
    import keras

    model.save(path)
    return keras.saving.load_model(path, safe_mode=True)


def test_every_model_type_round_trips_in_safe_mode(tmp_path):
    from vae_tutorial.images.vae import ImageVAE
    from vae_tutorial.text.language_model import LanguageModel
    from vae_tutorial.text.vae import TextVAE

    x = np.random.default_rng(0).random((3, 28, 28, 1)).astype(np.float32)
    image = ImageVAE(latent_dim=2, seed=0)
    np.testing.assert_array_equal(_round_trip(image, tmp_path / "i.keras").encode(x)[0], image.encode(x)[0])
    ids = np.array([[5, 6, 3, 0]], np.int32)
    text = TextVAE(10, 4, latent_dim=2, encoder_units=4, decoder_units=4, seed=0)
    np.testing.assert_array_equal(_round_trip(text, tmp_path / "t.keras").encode(ids)[0], text.encode(ids)[0])
    lm = LanguageModel(10, 4, units=4)
    np.testing.assert_array_equal(_round_trip(lm, tmp_path / "l.keras").nll(ids), lm.nll(ids))


def test_loading_something_that_is_not_a_blog_model_raises_a_data_error(tmp_path):

    (tmp_path / "m").mkdir()
    for name in ("model.keras", "vectorizer.json", "config.json", "metrics.json", "history.csv"):
        (tmp_path / "m" / name).write_text("{}")
    with pytest.raises(DataError, match=r"config.json: is model-directory format None"):
        BLOG_VAE.load(tmp_path / "m")


def test_load_model_names_the_file_for_a_missing_file_a_non_model_and_a_model_of_another_type(tmp_path):
    from vae_tutorial.training.loss_model import load_model
    from vae_tutorial.text.conditional import ConditionalTextVAE
    from vae_tutorial.images.vae import ImageVAE
    from vae_tutorial.text.vae import TextVAE

    with pytest.raises(DataError, match=r"nothing.keras: no such file"):
        load_model(tmp_path / "nothing.keras", ImageVAE)
    (tmp_path / "notes.keras").write_text("not a model")
    with pytest.raises(DataError, match=r"notes.keras: cannot be loaded as a Keras model \(\w+\)"):
        load_model(tmp_path / "notes.keras", ImageVAE)
    conditional = ConditionalTextVAE(10, 4, condition_dim=3, latent_dim=2, encoder_units=4, decoder_units=4, seed=0)
    conditional.save(tmp_path / "c.keras")
    assert isinstance(load_model(tmp_path / "c.keras", ConditionalTextVAE), ConditionalTextVAE)
    assert isinstance(load_model(tmp_path / "c.keras", TextVAE), TextVAE)  # a conditional model is a TextVAE
    with pytest.raises(DataError, match=r"c.keras: holds a ConditionalTextVAE, not the expected ImageVAE"):
        load_model(tmp_path / "c.keras", ImageVAE)
    ids = np.array([[5, 6, 3, 0]], np.int32)
    np.testing.assert_array_equal(
        load_model(tmp_path / "c.keras").encode(ids, np.ones(3))[0], conditional.encode(ids, np.ones(3))[0]
    )
