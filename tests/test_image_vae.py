"""ImageVAE: its loss against NumPy, training, the loss bookkeeping, a .keras round trip, bad arguments."""

import json
import zipfile

import numpy as np
import pytest
from scipy.special import log_expit

from vae_tutorial.theory import estimates
from vae_tutorial.theory import gaussian
from vae_tutorial.errors import DataError
from vae_tutorial.training.loss_model import load_model
from vae_tutorial.images.vae import ImageVAE, _keras_io_nll, bernoulli_nll, binarized
from vae_tutorial.images.kinds import IMAGE_VAE

# isort: split
import keras  # after vae_tutorial's modules, which import TensorFlow quietly

EPOCHS = 3  # the shared fixture's (conftest.py)


@pytest.fixture(scope="module")
def trained(trained_image_vae):
    """The default recipe, 3 epochs on 300 digits, with a validation set (conftest.py's digits)."""
    return trained_image_vae


def _hand_nll(x, logits):
    """-(x log p + (1 - x) log(1 - p)) with p = sigmoid(logits), summed per image, in float64."""
    x, logits = np.asarray(x, np.float64), np.asarray(logits, np.float64)
    per_pixel = -(x * log_expit(logits) + (1 - x) * log_expit(-logits))
    return per_pixel.reshape(len(x), -1).sum(axis=1)


# --- the reconstruction loss ----------------------------------------------------------------


def test_bernoulli_nll_matches_a_numpy_computation():
    rng = np.random.default_rng(0)
    x = rng.random((4, 28, 28, 1)).astype(np.float32)
    x[0] = x[0] > 0.5  # a binary image too
    logits = rng.normal(scale=3.0, size=x.shape).astype(np.float32)
    nll = keras.ops.convert_to_numpy(bernoulli_nll(x, logits))
    assert nll.shape == (4,)
    np.testing.assert_allclose(nll, _hand_nll(x, logits), rtol=2e-6)


def test_bernoulli_nll_is_finite_and_exact_at_extreme_logits():
    # rows of one image: logit +50 / -50 (p = 1 - 2e-22 / 2e-22, where a naive log(1 - p) is -inf),
    # each with the pixel confidently wrong (50 nats) or right (~0 nats); logit 0 elsewhere (log 2)
    logits = np.zeros((1, 28, 28, 1), np.float32)
    x = np.zeros_like(logits)
    logits[0, 0:5], x[0, 3:5] = 50.0, 1.0  # rows 0-2 wrong, 3-4 right
    logits[0, 5:10], x[0, 5:8] = -50.0, 1.0  # rows 5-7 wrong, 8-9 right
    x[0, 10:] = np.random.default_rng(2).random((18, 28, 1))
    nll = float(keras.ops.convert_to_numpy(bernoulli_nll(x, logits))[0])
    assert np.isfinite(nll)
    assert nll == pytest.approx(6 * 28 * 50.0 + 18 * 28 * np.log(2.0), rel=1e-6)
    assert nll == pytest.approx(_hand_nll(x, logits)[0], rel=1e-6)


def test_keras_io_loss_agrees_with_the_exact_nll_away_from_its_clipping():
    rng = np.random.default_rng(1)
    x = rng.random((3, 28, 28, 1)).astype(np.float32)
    logits = rng.normal(scale=2.0, size=x.shape).astype(np.float32)  # |logit| < 10: p inside [1e-7, 1 - 1e-7]
    surrogate = keras.ops.convert_to_numpy(_keras_io_nll(x, logits))
    np.testing.assert_allclose(surrogate, _hand_nll(x, logits), rtol=1e-4)


# --- dynamic binarization ------------------------------------------------------------------


def test_binarized_pixels_are_black_or_white_with_the_grey_level_as_probability():
    rng = np.random.default_rng(3)
    x = rng.random((2, 28, 28, 1)).astype(np.float32)
    x[0, :3] = 0.0  # pure black and white stay as they are
    x[1, :3] = 1.0
    draws = keras.ops.convert_to_numpy(binarized(np.tile(x, (2000, 1, 1, 1)), seed=7)).reshape(2000, *x.shape)
    assert draws.dtype == np.float32 and set(np.unique(draws)) == {0.0, 1.0}
    assert (draws[:, 0, :3] == 0).all() and (draws[:, 1, :3] == 1).all()
    np.testing.assert_allclose(draws.mean(axis=0), x, atol=0.045)  # 5 standard errors at p = 1/2
    # the loss is linear in the pixels: its mean over the draws is the grey image's loss
    logits = rng.normal(size=x.shape).astype(np.float32)
    nll = keras.ops.convert_to_numpy(bernoulli_nll(draws.reshape(-1, 28, 28, 1), np.tile(logits, (2000, 1, 1, 1))))
    np.testing.assert_allclose(nll.reshape(2000, 2).mean(axis=0), _hand_nll(x, logits), rtol=3e-3)
    # an int seed repeats its draw; a SeedGenerator draws afresh at every call
    assert np.array_equal(binarized(x, seed=7), binarized(x, seed=7))
    generator = keras.random.SeedGenerator(7)
    assert not np.array_equal(binarized(x, seed=generator), binarized(x, seed=generator))


def test_a_binarizing_model_trains_on_draws_and_evaluates_the_grey_images(digits):
    x = digits[1][:16]
    grey, binary = ImageVAE(seed=0), ImageVAE(binarize=True, seed=0)
    # the same layers; one variable more: the binarizer's state (models saved without it load unchanged)
    extra = [v.path for v in binary.variables if v.path.startswith("binarizer")]
    assert extra == ["binarizer/seed_generator_state"] and len(binary.variables) == len(grey.variables) + 1
    for part in ("encoder", "decoder"):
        getattr(binary, part).set_weights(getattr(grey, part).get_weights())
    kl = {
        (name, training): float(keras.ops.convert_to_numpy(model._loss_terms(x, training=training)[2]))
        for name, model in {"grey": grey, "binary": binary}.items()
        for training in (False, True)
    }
    # the KL depends on what the encoder saw: the grey images except when a binarizing model trains
    assert kl["binary", False] == pytest.approx(kl["grey", False], rel=1e-6)
    assert kl["grey", True] == pytest.approx(kl["grey", False], rel=1e-6)
    assert abs(kl["binary", True] - kl["grey", False]) > 1e-3 * kl["grey", False]
    grey.compile(keras.optimizers.Adam()), binary.compile(keras.optimizers.Adam())
    evaluated = [m.evaluate(x, batch_size=16, return_dict=True, verbose=0)["kl"] for m in (grey, binary)]
    assert evaluated[1] == pytest.approx(evaluated[0], rel=1e-6)


# --- training -------------------------------------------------------------------------------


@pytest.mark.parametrize("architecture", ["keras_io", "default"])
def test_the_loss_falls_within_a_few_epochs(digits, architecture, trained):
    if architecture == "default":
        history = trained[1].history
    else:
        # keras.io's architecture with its own recipe ("reference", lr 1e-3), in batches of 32 so that
        # 3 epochs of 300 digits are 30 steps; the default recipe's 5e-3 over 6 steps of 192 is too
        # coarse for it to fall reliably
        model, fitted = IMAGE_VAE.train(digits[0], recipe="reference", epochs=EPOCHS, batch_size=32, seed=0, verbose=0)
        assert model.architecture == "keras_io"
        history = fitted.history
    first, last = history["loss"][0], history["loss"][-1]
    assert last < 0.8 * first, history["loss"]
    assert history["reconstruction"][-1] < history["reconstruction"][0]


def test_fit_reports_training_and_validation_terms_and_loss_is_their_sum(trained):
    model, history = trained
    logs = history.history
    assert set(logs) == {"loss", "reconstruction", "kl", "val_loss", "val_reconstruction", "val_kl"}
    for prefix in ("", "val_"):
        assert len(logs[f"{prefix}loss"]) == EPOCHS
        total, recon, kl = (np.array(logs[f"{prefix}{key}"]) for key in ("loss", "reconstruction", "kl"))
        assert np.all(kl > 0) and np.all(recon > 0)
        np.testing.assert_allclose(total, recon + model.beta * kl, rtol=1e-5)


def _copy_with_beta(model, beta):
    twin = ImageVAE(model.latent_dim, model.architecture, beta=beta, seed=0)
    twin.encoder.set_weights(model.encoder.get_weights())
    twin.decoder.set_weights(model.decoder.get_weights())
    twin.compile(keras.optimizers.Adam())
    return twin


def test_evaluate_reports_loss_equal_to_reconstruction_plus_beta_kl_and_the_kl_in_closed_form(trained, digits):
    x = digits[1]
    z_mean, z_log_var = trained[0].encode(x)
    closed_kl = gaussian.kl_diag_to_standard(z_mean, z_log_var).mean()
    assert closed_kl > 0.5, "the trained encoder should carry information, else beta is not tested"
    # the reconstruction term is one draw of z per image: compare with NumPy's, within its noise
    draws = [estimates.negative_elbo(trained[0], x, seed=s)["reconstruction"] for s in range(6)]
    for beta in (1.0, 4.0):
        model = _copy_with_beta(trained[0], beta)
        logs = model.evaluate(x, batch_size=len(x), return_dict=True, verbose=0)  # one batch: one test_step
        assert set(logs) == {"loss", "reconstruction", "kl"}
        assert logs["loss"] == pytest.approx(logs["reconstruction"] + beta * logs["kl"], rel=1e-6), beta
        assert logs["kl"] == pytest.approx(closed_kl, rel=1e-5)
        assert abs(logs["reconstruction"] - np.mean(draws)) < 4 * np.std(draws, ddof=1) + 1e-3, (logs, draws)


def test_train_image_vae_is_reproducible_and_the_seed_matters(digits, trained):
    x_train, x_val = digits
    # the fixture's first epoch, rerun: same initial weights, batches and draws of z
    _, again = IMAGE_VAE.train((x_train, x_val), epochs=1, seed=0, verbose=0)
    for key, values in trained[1].history.items():
        assert again.history[key][0] == pytest.approx(values[0], rel=1e-5), key
    _, other = IMAGE_VAE.train((x_train, x_val), epochs=1, seed=1, verbose=0)
    assert abs(other.history["loss"][0] - trained[1].history["loss"][0]) > 1e-3


# --- convenience methods, saving --------------------------------------------------------------


def test_sample_decodes_standard_normal_codes_from_the_seed(trained):
    model = trained[0]
    images = model.sample(6, seed=11)
    assert images.shape == (6, 28, 28, 1)
    assert images.min() >= 0.0 and images.max() <= 1.0
    np.testing.assert_array_equal(images, model.sample(6, seed=11))
    assert not np.allclose(images, model.sample(6, seed=12))
    z = np.random.default_rng(11).standard_normal((6, model.latent_dim))
    np.testing.assert_allclose(images, 1.0 / (1.0 + np.exp(-model.decode_logits(z))), rtol=1e-6)


def test_reconstruction_nll_is_the_bernoulli_nll_under_the_decoder_at_z(trained, digits):
    model, x = trained[0], digits[1][:16]
    z = np.random.default_rng(3).standard_normal((16, model.latent_dim)).astype(np.float32)
    logits = model.decode_logits(z)
    nll = model.reconstruction_nll(x, z)
    assert nll.shape == (16,)
    np.testing.assert_allclose(nll, _hand_nll(x, logits), rtol=1e-5)
    # the same figure as the training loss's Keras version
    np.testing.assert_allclose(nll, keras.ops.convert_to_numpy(bernoulli_nll(x, logits)), rtol=1e-5)


def test_reconstruct_decodes_the_posterior_mean(trained, digits):
    model, x = trained[0], digits[1][:5]
    np.testing.assert_allclose(model.reconstruct(x), model.decode(model.encode(x)[0]), rtol=1e-6)


def _assert_same_model(original, loaded, x):
    assert isinstance(loaded, ImageVAE)
    for key in ("latent_dim", "architecture", "beta", "loss_style", "binarize", "seed"):
        assert getattr(loaded, key) == getattr(original, key), key
        assert loaded.get_config()[key] == original.get_config()[key], key
    for a, b in zip(original.encode(x), loaded.encode(x), strict=True):
        np.testing.assert_array_equal(a, b)
    z = np.random.default_rng(0).standard_normal((len(x), original.latent_dim))
    np.testing.assert_array_equal(original.decode(z), loaded.decode(z))


def test_keras_round_trip_of_a_trained_model_in_safe_mode(trained, digits, tmp_path):
    model, x = trained[0], digits[1][:20]
    path = tmp_path / "vae.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)  # safe_mode=True: no Lambda layers, no pickled code
    _assert_same_model(model, loaded, x)
    # the loaded model is compiled and evaluates to the same KL (the deterministic part)
    logs = loaded.evaluate(x, batch_size=len(x), return_dict=True, verbose=0)
    z_mean, z_log_var = model.encode(x)
    assert logs["kl"] == pytest.approx(gaussian.kl_diag_to_standard(z_mean, z_log_var).mean(), rel=1e-5)


def _with_architecture_renamed(path, old, new, drop=()):
    """Rewrite the .keras file at ``path`` with ``architecture`` ``old`` replaced by ``new`` (and the
    settings in ``drop`` removed) in its config.json, every other member (the weights) kept byte for byte."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(members["config.json"])
    assert config["config"]["architecture"] == old, config["config"]
    config["config"]["architecture"] = new
    for key in drop:
        del config["config"][key]
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_a_model_saved_with_the_old_architecture_name_seed_loads_as_keras_io(tmp_path, digits):
    model = ImageVAE(latent_dim=3, architecture="keras_io", loss_style="keras_io", seed=5)
    path = tmp_path / "old.keras"
    model.save(path)
    _with_architecture_renamed(path, "keras_io", "seed", drop=["binarize"])  # what vae_tutorial 0.1 wrote
    for loaded in (keras.saving.load_model(path), load_model(path, ImageVAE)):
        assert loaded.architecture == "keras_io" and loaded.get_config()["architecture"] == "keras_io"
        assert loaded.binarize is False
        _assert_same_model(model, loaded, digits[1][:4])
    # the rename is the only one: an unknown architecture in a file is still refused
    _with_architecture_renamed(path, "seed", "foo")
    with pytest.raises(DataError, match=r"cannot be loaded as a Keras model"):
        load_model(path, ImageVAE)


def test_keras_round_trip_keeps_a_non_default_configuration(tmp_path, digits):
    model = ImageVAE(latent_dim=3, architecture="keras_io", beta=2.5, loss_style="keras_io", seed=5)
    path = tmp_path / "beta_vae.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert (loaded.latent_dim, loaded.architecture, loaded.beta, loaded.loss_style) == (3, "keras_io", 2.5, "keras_io")
    _assert_same_model(model, loaded, digits[1][:4])


# --- bad arguments --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"architecture": "foo"}, r"^architecture: unknown name 'foo'\. Use one of \('keras_io', 'default'\)\.$"),
        ({"loss_style": "bar"}, r"^loss_style: unknown name 'bar'\. Use one of \('logits', 'keras_io'\)\.$"),
        ({"latent_dim": 0}, r"^latent_dim: must be a positive whole number, got 0\."),
        ({"latent_dim": 2.5}, r"^latent_dim: must be a positive whole number, got 2\.5\."),
        ({"beta": -1}, r"^beta: must be a number in \[0, inf\), got -1\."),
        ({"beta": float("nan")}, r"^beta: must be a number in \[0, inf\), got nan\."),
        ({"beta": float("inf")}, r"^beta: must be a number in \[0, inf\), got inf\."),
        ({"binarize": 1}, r"^binarize: must be True or False, got 1\. Use binarize=True or binarize=False\.$"),
        ({"seed": -1}, r"^seed: must be a whole number >= 0, got -1\."),
    ],
)
def test_image_vae_rejects_bad_arguments_by_name(kwargs, message):
    with pytest.raises(DataError, match=message):
        ImageVAE(**kwargs)


def test_train_image_vae_rejects_an_unknown_recipe_or_setting_and_bad_images(digits):
    x_train = digits[0][:8]
    with pytest.raises(
        DataError, match=r"^recipe: expected an ImageRecipe or one of reference, default, got 'fancy'\."
    ):
        IMAGE_VAE.train(x_train, recipe="fancy")
    with pytest.raises(DataError, match=r"^lr, optimizer: not a setting of an image VAE\. Use any of epochs, "):
        IMAGE_VAE.train(x_train, lr=0.1, optimizer="sgd")
    with pytest.raises(DataError, match=r"^x_train: values must lie in \[0, 1\].*Divide by 255\."):
        IMAGE_VAE.train(x_train * 255.0)
    with pytest.raises(DataError, match=r"^x_val: images are 14x14 but the model expects 28x28"):
        IMAGE_VAE.train((x_train, np.zeros((2, 14, 14))))


def test_a_beta_recipe_trains_with_that_weight_and_epoch_line_prints_its_terms(digits, capsys):
    from vae_tutorial.training.callbacks import EpochLine

    model, history = IMAGE_VAE.train(
        (digits[0][:64], digits[1][:32]),
        epochs=3,
        batch_size=32,
        beta=2.0,
        seed=0,
        verbose=0,
        callbacks=[EpochLine(3, 2)],
    )
    logs = history.history
    assert model.beta == 2.0
    np.testing.assert_allclose(logs["loss"], np.array(logs["reconstruction"]) + 2.0 * np.array(logs["kl"]), rtol=1e-5)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines] == ["2/3", "3/3"]  # every 2nd epoch and the last
    expected = (
        f"loss {logs['loss'][-1]:.1f} (reconstruction {logs['reconstruction'][-1]:.1f}, KL {logs['kl'][-1]:.1f})"
        f" | validation {logs['val_loss'][-1]:.1f}"
    )
    assert lines[-1].startswith(f"epoch 3/3  {expected}  (") and lines[-1].endswith(" s/epoch)")
