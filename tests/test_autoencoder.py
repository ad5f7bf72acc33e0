"""The plain autoencoder and the digit classifier that judges samples (notebook 03): the autoencoder
reconstructs as well as a VAE of the same size but its "samples" from N(0, I) look less like digits;
the classifier's verdicts against a hand count; a .keras round trip; bad labels."""

import numpy as np
import pytest

from vae_tutorial.images.data import load_digits
from vae_tutorial.errors import DataError
from vae_tutorial.images.autoencoder import Autoencoder
from vae_tutorial.training.loss_model import load_model
from vae_tutorial.images.classifier import sample_verdicts
from vae_tutorial.training.fit import fit
from vae_tutorial.images.recipes import IMAGE_RECIPES
from vae_tutorial.images.kinds import AUTOENCODER, CLASSIFIER, IMAGE_VAE
from vae_tutorial.training import directory


@pytest.fixture(scope="module")
def labelled():
    (x, y), (x_test, y_test) = load_digits(seed=0)
    return x[:2000], y[:2000], x_test[:300]


@pytest.fixture(scope="module")
def classifier(labelled):
    x, y, _ = labelled
    return CLASSIFIER.train((x, y), epochs=5, seed=0, verbose=0)[0]


def test_autoencoder_samples_look_less_like_digits_than_the_vaes(labelled, classifier):
    """16-D, 2,000 digits, 10 epochs in batches of 64: both reconstruct alike, but decoded N(0, I)
    codes are confidently a digit less often for the autoencoder, whose codes were never pulled
    toward N(0, I)."""
    x, _, x_test = labelled
    recipe = IMAGE_RECIPES["default"].replace(epochs=10, batch_size=64, latent_dim=16)
    autoencoder, _ = fit(lambda: Autoencoder(16, seed=0), x, None, recipe, seed=0, verbose=0)
    vae, _ = IMAGE_VAE.train(x, recipe=recipe, seed=0, verbose=0)
    confident = {
        name: sample_verdicts(classifier, images)["confident_share"]
        for name, images in {
            "ae samples": autoencoder.sample(300, seed=0),
            "vae samples": vae.sample(300, seed=0),
            "ae reconstructions": autoencoder.reconstruct(x_test),
            "vae reconstructions": vae.reconstruct(x_test),
        }.items()
    }
    assert confident["ae samples"] < confident["vae samples"], confident
    assert confident["ae reconstructions"] > confident["vae reconstructions"] - 0.1, confident
    assert np.std(autoencoder.encode(x_test)) > 2 * np.std(vae.encode(x_test)[0]), "AE codes are not on N(0, I)'s scale"


def test_sample_verdicts_count_confident_images_and_their_classes(labelled, classifier):
    _, _, x_test = labelled
    verdicts = sample_verdicts(classifier, x_test, threshold=0.9)
    probabilities = classifier.predict(x_test, verbose=0)
    confident = probabilities.max(axis=1) >= 0.9
    assert verdicts["n"] == 300 and verdicts["confident_share"] == pytest.approx(confident.mean())
    by_hand = [np.sum(probabilities[confident].argmax(axis=1) == k) / confident.sum() for k in range(10)]
    np.testing.assert_allclose(verdicts["class_shares"], by_hand)
    assert sample_verdicts(classifier, x_test, threshold=1.0)["confident_share"] <= verdicts["confident_share"]


def test_autoencoder_round_trip_in_safe_mode(labelled, tmp_path):
    x, _, x_test = labelled
    recipe = IMAGE_RECIPES["default"].replace(epochs=1, latent_dim=3)
    model, history = fit(lambda: Autoencoder(3, seed=0), x[:200], (x_test[:50],), recipe, seed=0, verbose=0)
    assert set(history.history) == {"loss", "val_loss"}
    model.save(tmp_path / "ae.keras")
    again = load_model(tmp_path / "ae.keras", Autoencoder)
    np.testing.assert_allclose(again.reconstruct(x_test[:5]), model.reconstruct(x_test[:5]), atol=1e-6)
    assert again.latent_dim == 3


def test_classifier_rejects_labels_that_do_not_fit(labelled):
    x, y, _ = labelled
    with pytest.raises(DataError, match=r"^y: must be 10 labels from 0 to 9"):
        CLASSIFIER.train((x[:10], y[:9]), verbose=0)[0]
    with pytest.raises(DataError, match=r"^y: must be 10 labels"):
        CLASSIFIER.train((x[:10], y[:10] + 10), verbose=0)[0]


# --- the autoencoder and the classifier are kinds: a model directory each, loaded back -----------


def test_the_autoencoder_kind_trains_into_a_directory_that_loads_with_the_same_reconstructions(labelled, tmp_path):
    x, _, x_test = labelled
    run = AUTOENCODER.train_into(tmp_path / "ae", (x[:200], x_test[:50]), epochs=1, latent_dim=3, seed=0, verbose=0)
    # metrics.json: the held-out reconstruction NLL, which the model recomputes
    assert run.metrics["reconstruction"] == pytest.approx(float(run.model.reconstruction_nll(x_test[:50]).mean()))
    assert run.config["kind"] == "autoencoder" and run.config["recipe"]["latent_dim"] == 3
    assert sorted(p.name for p in (tmp_path / "ae").iterdir()) == sorted(["logs", *directory.files(AUTOENCODER)])
    again = AUTOENCODER.load(tmp_path / "ae")
    np.testing.assert_allclose(again.model.reconstruct(x_test[:5]), run.model.reconstruct(x_test[:5]), atol=1e-6)
    assert again.metrics == run.metrics and again.history["loss"] == pytest.approx(run.history["loss"])


def test_the_classifier_kind_reports_the_held_out_accuracy_its_model_gives(labelled, tmp_path):
    x, y, _ = labelled
    data = (x[:600], y[:600], x[1500:1800], y[1500:1800])
    run = CLASSIFIER.train_into(tmp_path / "judge", data, epochs=2, seed=0, verbose=0)
    predicted = run.model.predict(x[1500:1800], verbose=0).argmax(axis=1)
    assert run.metrics["accuracy"] == pytest.approx(np.mean(predicted == y[1500:1800]), abs=1e-6)
    assert run.metrics["accuracy"] > 0.6  # 10 classes: chance is 0.1
    again = CLASSIFIER.load(tmp_path / "judge")
    np.testing.assert_allclose(again.model.predict(x[:5], verbose=0), run.model.predict(x[:5], verbose=0), atol=1e-6)
    with pytest.raises(DataError, match=r"^data: has no held-out part\. Pass held-out data too: a digit classifier"):
        CLASSIFIER.train_into(tmp_path / "no_val", (x[:20], y[:20]), epochs=1, verbose=0)
    assert not (tmp_path / "no_val").exists()
