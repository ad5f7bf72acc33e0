"""`vae-tutorial train-images` in a fresh process: the model directory it writes, that it checks --out before
training and refuses a finished directory without --force, and its one-line errors."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from vae_tutorial import cli
from vae_tutorial.theory import estimates
from vae_tutorial.images.data import load_image_folder, split_images
from vae_tutorial.images.vae import ImageVAE
from vae_tutorial.training import directory
from vae_tutorial.images.kinds import IMAGE_VAE

from tests.helpers import finish, write_scans

# isort: split
import keras  # after vae_tutorial's modules, which import TensorFlow quietly


def _start(*args, cwd):
    """Start the command in fast mode, with a TF/Keras environment the package must set up itself."""
    env = {k: v for k, v in os.environ.items() if k not in {"TF_CPP_MIN_LOG_LEVEL", "KERAS_BACKEND"}}
    env["VAE_TUTORIAL_FAST"] = "1"
    argv = [sys.executable, "-m", "vae_tutorial.cli", "train-images", *map(str, args)]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The three runs that train or fail late, started together: the machine has two cores."""
    digits, folder, missing = (tmp_path_factory.mktemp(name) for name in ("digits", "folder", "missing"))
    scans = write_scans(folder / "my scans")
    started = {
        "digits": (digits / "runs" / "digits", _start("--out", digits / "runs" / "digits", "--epochs", 1, cwd=digits)),
        "folder": (
            folder / "model",
            _start("--folder", scans, "--out", folder / "model", "--epochs", 1, "--latent-dim", 3, cwd=folder),
        ),
        "missing": (
            missing / "out",
            _start("--folder", missing / "no-such-folder", "--out", missing / "out", cwd=missing),
        ),
    }
    return {name: (out, finish(process)) for name, (out, process) in started.items()}


def _check_outputs(out, result):
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted([*directory.files(IMAGE_VAE), "logs"])
    assert not [p for p in out.parent.iterdir() if ".tmp-" in p.name], "the temporary folder is left behind"

    config = json.loads((out / "config.json").read_text())
    assert (config["format"], config["kind"]) == (directory.FORMAT, "images")
    metrics = json.loads((out / "metrics.json").read_text())
    for key in ("neg_elbo", "kl", "reconstruction", "iwae_nll"):
        assert isinstance(metrics[key], float) and np.isfinite(metrics[key]), key
    assert metrics["kl"] > 0 and metrics["reconstruction"] > 0
    assert metrics["neg_elbo"] == pytest.approx(metrics["reconstruction"] + metrics["kl"], rel=1e-12)

    with Image.open(out / "samples.png") as png:
        assert png.format == "PNG"
        pixels = np.asarray(png.convert("L"), dtype=float)
    assert min(pixels.shape) > 100 and pixels.std() > 1, "an 8 x 8 grid of samples, not a blank image"

    model = keras.saving.load_model(out / "model.keras")
    assert isinstance(model, ImageVAE)
    return metrics, model, config


def _settings(config):
    """(epochs, latent_dim, n_train, n_test) of a run, from its config.json."""
    data = config["data"]
    return config["training"]["epochs_run"], config["recipe"]["latent_dim"], data["n_train"], data["n_test"]


def test_train_images_on_the_digits(runs):
    out, result = runs["digits"]
    metrics, model, config = _check_outputs(out, result)
    assert _settings(config) == (1, 2, 4000, 1000) and config["recipe"]["epochs"] == 1
    assert metrics["iwae_nll"] < metrics["neg_elbo"], "IWAE is the tighter bound (1,000 images: little noise)"
    assert (model.latent_dim, model.architecture, model.loss_style) == (2, "default", "logits")
    assert result.stdout.startswith("Training on 4000 images, validating on 1000 (embedded digits")
    assert f"Held-out negative ELBO {metrics['neg_elbo']:.1f} nats" in result.stdout


def test_train_images_on_a_folder_of_pngs(runs):
    out, result = runs["folder"]
    metrics, model, config = _check_outputs(out, result)
    scans = out.parent / "my scans"
    _, latent_dim, n_train, n_test = _settings(config)
    assert (n_train, n_test, latent_dim) == (16, 4, 3)
    assert config["data"]["source"] == str(scans.resolve())
    assert model.latent_dim == 3

    # the saved model is the evaluated one: on the same held-out split it gives the same figures
    _, x_test = split_images(load_image_folder(scans), seed=0)
    again = estimates.negative_elbo(model, x_test, n_samples=10)
    for key in ("neg_elbo", "kl", "reconstruction"):
        assert again[key] == pytest.approx(metrics[key], rel=1e-5), key
    assert estimates.active_units(model, x_test) == metrics["active_units"]


def test_train_images_with_a_missing_folder_prints_one_line_and_writes_nothing(runs):
    out, result = runs["missing"]
    missing = out.parent / "no-such-folder"
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("vae-tutorial: error: ")
    assert result.stderr.count("\n") == 1 and result.stderr.endswith("\n"), result.stderr
    assert f"{missing}: no such folder" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
    assert list(out.parent.iterdir()) == [], "nothing written beside --out either"


def test_train_images_rejects_zero_epochs_with_a_one_line_usage_error(tmp_path):
    out = tmp_path / "out"
    result = finish(_start("--out", out, "--epochs", "0", cwd=tmp_path))
    assert result.returncode == 2
    assert result.stderr == (
        "vae-tutorial: error: argument --epochs: must be a whole number from 1 to 10000, got 0. "
        "See vae-tutorial train-images --help.\n"
    )
    assert not out.exists()


@pytest.mark.parametrize("inside", [False, True], ids=["out is the folder", "out inside the folder"])
def test_train_images_refuses_an_out_in_the_image_folder_before_reading_it(tmp_path, capsys, inside):
    scans = write_scans(tmp_path / "scans")
    out = scans / "model" if inside else scans
    code = cli.main(["train-images", "--folder", str(scans), "--out", str(out), "--force", "--epochs", "1"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith(f"vae-tutorial: error: --out: {out} is {'inside' if inside else 'the same folder as'} ")
    assert "the model's files would become training data. Pass an --out outside the data folder." in err
    assert sorted(p.name for p in scans.iterdir()) == [f"scan_{i:02d}.png" for i in range(20)]


def test_train_images_rejects_a_negative_seed_with_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["train-images", "--out", str(tmp_path / "out"), "--seed", "-1", "--epochs", "1"])
    assert info.value.code == 2
    assert "argument --seed" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_train_images_with_out_naming_a_file_is_a_one_line_error(tmp_path, capsys):
    scans, taken = write_scans(tmp_path / "scans"), tmp_path / "taken"
    taken.write_text("keep me")
    code = cli.main(["train-images", "--folder", str(scans), "--out", str(taken), "--epochs", "1"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"vae-tutorial: error: {taken}") and err.count("\n") == 1, err
    assert taken.read_text() == "keep me"


def test_train_images_with_out_under_a_file_fails_at_once_and_trains_nothing(tmp_path, capsys):
    scans, taken = write_scans(tmp_path / "scans"), tmp_path / "taken"
    taken.write_text("keep me")
    code = cli.main(["train-images", "--folder", str(scans), "--out", str(taken / "model"), "--epochs", "1"])
    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert captured.err.startswith(f"vae-tutorial: error: {taken / 'model'}") and captured.err.count("\n") == 1
    assert "Epoch" not in captured.out and "Held-out" not in captured.out, "nothing is trained"
    assert taken.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scans", "taken"]


def test_train_images_refuses_a_finished_directory_without_force_and_retrains_with_it(runs, tmp_path, capsys):
    finished, result = runs["folder"]
    assert result.returncode == 0, result.stderr
    scans, out = finished.parent / "my scans", shutil.copytree(finished, tmp_path / "model")
    before = (out / "model.keras").stat().st_mtime_ns
    args = ["train-images", "--folder", str(scans), "--out", str(out), "--epochs", "1", "--latent-dim", "3"]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already holds a finished model (model.keras)" in err and "--force" in err, err
    assert (out / "model.keras").stat().st_mtime_ns == before
    assert cli.main([*args, "--force", "--quiet", "--seed", "1"]) == 0
    assert (out / "model.keras").stat().st_mtime_ns != before
    config = json.loads((out / "config.json").read_text())
    assert config["seed"] == 1 and sorted(p.name for p in out.iterdir()) == sorted(
        [*directory.files(IMAGE_VAE), "logs"]
    )


def test_out_is_checked_before_the_data_is_read_or_tensorflow_loads(runs, tmp_path):
    # a fresh process: a bad --out (under a file; a finished directory without --force) is a one-line
    # error while TensorFlow is not even imported
    taken = tmp_path / "taken"
    taken.write_text("keep me")
    probe = (
        "import sys\nfrom vae_tutorial import cli\n"
        "codes = [cli.main(['train-images', '--out', out, '--epochs', '1']) for out in sys.argv[1:]]\n"
        "print(codes, 'tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    argv = [sys.executable, "-c", probe, str(taken / "model"), str(runs["folder"][0])]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.stdout.strip() == "[2, 2] False False", result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and all(line.startswith("vae-tutorial: error: ") for line in lines), result.stderr
    assert "already holds a finished model" in lines[1]
