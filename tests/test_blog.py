"""Training on blog posts: the model directory, resuming after an interruption, early stopping
that survives it, and the errors of loading something that is not a finished model."""

import json
import shutil
import warnings

import keras
import numpy as np
import pytest

from vae_tutorial import __version__
from vae_tutorial.text.windows import chunk_posts, split_posts
from vae_tutorial.text.posts import load_blog_folder, write_sample_blog_folder
from vae_tutorial.errors import DataError, DataWarning
from vae_tutorial.text.vae import TextVAE
from vae_tutorial.training import directory
from vae_tutorial.training.callbacks import InterruptAfterEpoch, ResumableEarlyStopping
from vae_tutorial.text.decoding import Decoding
from vae_tutorial.text.kinds import BLOG_VAE

from tests.helpers import EpochRecorder

MODEL_FILES = directory.files(BLOG_VAE)

EPOCHS = 3
SMALL = {"max_length": 20, "vocab_size": 400, "encoder_units": 16, "decoder_units": 32, "latent_dim": 8}


@pytest.fixture(scope="module")
def posts(tmp_path_factory):
    folder = write_sample_blog_folder(tmp_path_factory.mktemp("sample") / "posts")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # the Lee corpus repeats a few articles
        return load_blog_folder(folder)[:24]


def _train(posts, out, **kwargs):
    return BLOG_VAE.train_into(
        out, posts, **{"init": "scratch", "epochs": EPOCHS, "seed": 3, "verbose": 0, **SMALL, **kwargs}
    )


@pytest.fixture(scope="module")
def runs(posts, tmp_path_factory):
    """An uninterrupted run, and one interrupted after epoch 1 then rerun (recording its epochs)."""
    root = tmp_path_factory.mktemp("runs")
    whole = _train(posts, root / "whole")
    with pytest.raises(KeyboardInterrupt, match="after epoch 1"):
        _train(posts, root / "resumed", callbacks=[InterruptAfterEpoch(1)])
    left = {
        "files": sorted(p.name for p in (root / "resumed").iterdir()),
        "load_error": pytest.raises(DataError, BLOG_VAE.load, root / "resumed").value,
    }
    recorder = EpochRecorder()
    resumed = _train(posts, root / "resumed", callbacks=[recorder])
    return root, whole, resumed, recorder.epochs, left


def test_a_finished_run_writes_the_model_directory_and_nothing_else(runs):
    root, whole, *_ = runs
    assert sorted(p.name for p in (root / "whole").iterdir()) == sorted([*MODEL_FILES, "logs"])
    assert any((root / "whole" / "logs").rglob("events.out.tfevents.*")), "no TensorBoard events"
    config = json.loads((root / "whole" / "config.json").read_text())
    assert config["seed"] == 3 and config["recipe"]["epochs"] == EPOCHS
    assert config["versions"]["keras"] == keras.__version__
    assert config["data"]["train_posts"] + config["data"]["val_posts"] == 24
    assert config["training"]["epochs_run"] == EPOCHS == len(whole.history["epoch"])
    metrics = json.loads((root / "whole" / "metrics.json").read_text())
    assert metrics["neg_elbo"] == pytest.approx(metrics["reconstruction"] + metrics["kl"])
    assert all(np.isfinite(metrics[k]) for k in ("neg_elbo", "iwae_nll", "perplexity"))


def test_the_best_epoch_weights_are_the_ones_saved(runs, posts):
    root, whole, *_ = runs
    best = int(np.argmin(whole.history["val_neg_elbo"]))
    assert whole.config["training"]["best_epoch"] == best + 1
    # the saved encoder gives the best epoch's validation KL (deterministic: no z is drawn for it)
    loaded = BLOG_VAE.load(root / "whole")
    _, val_posts = split_posts(posts, 0.1, seed=3)
    val_ids = loaded.vectorizer.encode([c for _, c in chunk_posts(val_posts, SMALL["max_length"] - 1)])
    again = loaded.model.evaluate(val_ids, batch_size=32, verbose=0, return_dict=True)
    assert again["kl"] == pytest.approx(whole.history["val_kl"][best], rel=1e-4)


def test_variations_are_the_same_after_loading_the_directory(runs, posts):
    root, whole, *_ = runs
    loaded = BLOG_VAE.load(root / "whole")
    text = posts[0].text
    sampled = Decoding.at_closeness(0.0).replace(temperature=0.8)
    before = whole.variations(text, n=3, decoding=sampled, seed=5)
    after = loaded.variations(text, n=3, decoding=sampled, seed=5)
    assert before == after and len(after) == 3
    assert loaded.vectorizer.vocabulary == whole.vectorizer.vocabulary
    # a whole post is varied window by window: a variation is much longer than one window
    assert all(len(v.split()) > SMALL["max_length"] for v in after)


def test_an_interrupted_run_leaves_a_backup_and_no_model(runs):
    *_, left = runs
    assert "model.keras" not in left["files"] and "backup" in left["files"]
    assert "lacks model.keras" in str(left["load_error"]) and "interrupted" in str(left["load_error"])


def test_a_rerun_resumes_after_the_last_finished_epoch_and_ends_like_an_uninterrupted_run(runs):
    root, whole, resumed, epochs, _ = runs
    assert epochs == [1, 2]  # 0-based: the rerun starts with the second epoch
    assert resumed.history["epoch"] == whole.history["epoch"] == [0.0, 1.0, 2.0]
    assert resumed.config["training"]["epochs_run"] == whole.config["training"]["epochs_run"]
    # the KL annealing schedule continued from the optimizer's step instead of restarting at 0
    np.testing.assert_allclose(resumed.history["kl_weight"], whole.history["kl_weight"], rtol=1e-6)
    assert not (root / "resumed" / "backup").exists()
    # the same figures: weights, optimizer, early stopping, random state and batch order all resumed
    for key in ("loss", "val_neg_elbo", "val_kl"):
        np.testing.assert_allclose(resumed.history[key], whole.history[key], rtol=1e-5, err_msg=key)
    assert resumed.metrics["neg_elbo"] == pytest.approx(whole.metrics["neg_elbo"], rel=1e-5)
    assert resumed.config["training"]["best_epoch"] == whole.config["training"]["best_epoch"]


def test_resuming_with_other_settings_is_refused(posts, tmp_path):
    with pytest.raises(KeyboardInterrupt):
        _train(posts, tmp_path / "m", callbacks=[InterruptAfterEpoch(1)])
    with pytest.raises(DataError, match=r"interrupted run with other settings \(latent_dim 8 -> 4\)"):
        _train(posts, tmp_path / "m", latent_dim=4)
    assert (tmp_path / "m" / "backup").is_dir()  # refused, not destroyed


def test_a_finished_model_is_not_overwritten_without_force(runs, posts):
    root = runs[0]
    before = (root / "whole" / "model.keras").stat().st_mtime_ns
    with pytest.raises(DataError, match="already holds a finished model.*force=True"):
        _train(posts, root / "whole")
    assert (root / "whole" / "model.keras").stat().st_mtime_ns == before


def test_force_trains_a_new_model_over_an_old_one(posts, tmp_path):
    _train(posts, tmp_path / "m", epochs=1)
    again = _train(posts, tmp_path / "m", epochs=2, force=True)
    assert again.config["training"]["epochs_run"] == 2
    assert len(BLOG_VAE.load(tmp_path / "m").history["epoch"]) == 2


def test_a_folder_with_other_files_is_refused(posts, tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "notes.txt").write_text("mine")
    with pytest.raises(DataError, match=r"m: is not empty and holds no model \(it has notes.txt\)"):
        _train(posts, tmp_path / "m")


# --- loading errors -------------------------------------------------------------------------


@pytest.fixture
def copy_of_model(runs, tmp_path):
    return shutil.copytree(runs[0] / "whole", tmp_path / "copy")


def test_loading_a_missing_directory_names_it(tmp_path):
    with pytest.raises(DataError, match=r"nowhere: no such model directory"):
        BLOG_VAE.load(tmp_path / "nowhere")


def test_loading_a_directory_that_lacks_files_names_them(copy_of_model):
    (copy_of_model / "vectorizer.json").unlink()
    (copy_of_model / "history.csv").unlink()
    with pytest.raises(DataError, match=r"lacks history.csv, vectorizer.json\. Pass a folder written by"):
        BLOG_VAE.load(copy_of_model)


def test_loading_a_directory_of_another_format_says_which_version_wrote_it(copy_of_model):
    config = json.loads((copy_of_model / "config.json").read_text())
    config["format"], config["versions"]["vae_tutorial"] = 7, "9.9.9"
    (copy_of_model / "config.json").write_text(json.dumps(config))
    with pytest.raises(DataError, match=r"format 7 \(written by vae_tutorial 9.9.9\); this version .* reads format 2"):
        BLOG_VAE.load(copy_of_model)


def test_loading_a_directory_of_format_1_says_to_train_again_or_use_the_version_that_wrote_it(copy_of_model):
    config = json.loads((copy_of_model / "config.json").read_text())
    config["format"], config["versions"]["vae_tutorial"] = 1, "0.1.0"  # what vae_tutorial 0.1 wrote
    (copy_of_model / "config.json").write_text(json.dumps(config))
    with pytest.raises(DataError) as info:
        BLOG_VAE.load(copy_of_model)
    message = str(info.value)
    assert message.startswith(f"{copy_of_model / 'config.json'}: is model-directory format 1 ")
    assert f"(written by vae_tutorial 0.1.0); this version ({__version__}) reads format 2." in message
    assert "vae-tutorial train-text --force" in message and "pip install vae-tutorial==0.1.0" in message


def test_loading_a_file_that_is_not_a_model_raises_a_data_error(copy_of_model):
    (copy_of_model / "model.keras").write_bytes(b"not a zip file at all")
    with pytest.raises(DataError, match=r"model.keras: cannot be loaded as a Keras model"):
        BLOG_VAE.load(copy_of_model)


def test_loading_a_model_of_another_type_raises_a_data_error(copy_of_model):
    other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    other.save(copy_of_model / "model.keras")
    with pytest.raises(DataError, match=r"holds a Sequential, not the expected TextVAE"):
        BLOG_VAE.load(copy_of_model)


def test_a_vectorizer_from_another_run_is_refused(copy_of_model, runs):
    from vae_tutorial.text.tokens import Vectorizer

    Vectorizer(runs[1].vectorizer.vocabulary[:50], 20).save(copy_of_model / "vectorizer.json")
    with pytest.raises(DataError, match=r"does not match model.keras \(vocabulary 50 vs"):
        BLOG_VAE.load(copy_of_model)


def test_variations_reject_bad_arguments(runs):
    whole = runs[1]
    with pytest.raises(DataError, match=r"temperature: must be a number in \(0, 5\], got -1"):
        whole.variations("some words", decoding=Decoding(temperature=-1))
    with pytest.raises(DataError, match="text: has no words"):
        whole.variations(" ... ")


# --- early stopping that survives an interruption -------------------------------------------


def test_resumable_early_stopping_keeps_its_patience_and_best_weights_across_runs(tmp_path):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    weights = [np.full(w.shape, i, np.float32) for i, w in enumerate(model.get_weights())]

    def epoch(callback, number, value, fill):
        model.set_weights([w + fill for w in weights])
        callback.on_epoch_end(number, {"val_neg_elbo": value})

    model.stop_training = False  # fit() sets it
    first = ResumableEarlyStopping(patience=2)
    first.set_model(model)
    epoch(first, 0, 5.0, 0.0)
    epoch(first, 1, 4.0, 1.0)  # best so far: its checkpoint holds these weights
    model.save_weights(tmp_path / "best.weights.h5")
    assert first.keep_epochs() == {2}  # the checkpoint after 2 epochs must be kept
    epoch(first, 2, 4.5, 2.0)  # wait 1 -- then the run is interrupted
    assert not model.stop_training
    saved = json.loads(json.dumps(first.get_state()))  # what a checkpoint's state.json holds

    second = ResumableEarlyStopping(patience=2)  # a fresh process resuming
    second.set_model(model)
    second.set_state(saved, tmp_path / "best.weights.h5")
    assert second.state == {"best": 4.0, "best_epoch": 1, "wait": 1, "stopped_epoch": None}
    epoch(second, 3, 4.2, 3.0)  # wait 2: patience used up
    assert model.stop_training and second.state["stopped_epoch"] == 3
    second.on_train_end()
    np.testing.assert_array_equal(model.get_weights()[0], weights[0] + 1.0)  # epoch 1's weights are back


def test_the_best_epoch_is_chosen_among_all_epochs_and_patience_counts_after_the_warm_up():
    """The rule of notebook 03 everywhere: validation picks the epoch. A warm-up epoch that scores
    best is restored; the rise that follows it while the KL weight grows stops nothing."""
    model = TextVAE(20, 6, 2)
    weights = model.get_weights()
    model.stop_training = False
    early = ResumableEarlyStopping(patience=2, start_epoch=3)
    early.set_model(model)
    for number, value in enumerate([9.0, 5.0, 7.0, 8.0, 6.0]):  # epoch 1 (0-based) is the best
        model.set_weights([w + number for w in weights])
        early.on_epoch_end(number, {"val_neg_elbo": value})
        assert model.stop_training == (number == 4), number  # waits at epochs 3 and 4 only: patience 2
    assert early.state == {"best": 5.0, "best_epoch": 1, "wait": 2, "stopped_epoch": 4}
    early.on_train_end()
    np.testing.assert_array_equal(model.get_weights()[0], weights[0] + 1)


def test_resumable_early_stopping_without_validation_says_so():
    callback = ResumableEarlyStopping()
    callback.set_model(TextVAE(20, 6, 2))
    with pytest.raises(DataError, match="'val_neg_elbo' is not in the logs"):
        callback.on_epoch_end(0, {"loss": 1.0})
