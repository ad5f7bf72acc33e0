"""The model-directory format (vae_tutorial.training.directory): what a finished directory holds, and the
one-line DataError for a directory of an older format, of the other kind, or at an impossible place.
The directories here are written by hand (no training): ``read`` checks the files and config.json."""

import json
from pathlib import Path

import pytest

from vae_tutorial import __version__
from vae_tutorial.errors import DataError
from vae_tutorial.files import write_atomically
from vae_tutorial.images.kinds import IMAGE_VAE
from vae_tutorial.text.kinds import BLOG_VAE
from vae_tutorial.training import directory, run

KINDS = {"text": BLOG_VAE, "images": IMAGE_VAE}


def _directory(path, kind, config):
    """A directory with every file of a finished model directory of ``kind``, and ``config`` as config.json."""
    path.mkdir()
    for name in directory.files(KINDS[kind]):
        (path / name).write_text("{}")
    (path / "history.csv").write_text("epoch,loss\n0,1.5\n1,1.25\n")
    (path / "config.json").write_text(json.dumps(config))
    return path


def _config(kind, **changes):
    return {
        "format": directory.FORMAT,
        "kind": kind,
        "versions": run.versions(),
        "seed": 0,
        "recipe": {"epochs": 2},
        **changes,
    }


def test_the_files_of_each_kind_and_the_format():
    assert directory.FORMAT == 2
    assert directory.files(BLOG_VAE) == ("model.keras", "config.json", "metrics.json", "history.csv", "vectorizer.json")
    assert directory.files(IMAGE_VAE) == ("model.keras", "config.json", "metrics.json", "history.csv", "samples.png")
    assert set(run.versions()) == {"vae_tutorial", "tensorflow", "keras", "numpy", "python"}
    assert run.versions()["vae_tutorial"] == __version__


@pytest.mark.parametrize("kind", ["text", "images"])
def test_read_returns_the_config_metrics_and_history_of_a_finished_directory(kind, tmp_path):
    config = _config(kind)
    got = directory.read(_directory(tmp_path / "m", kind, config), KINDS[kind])
    assert got == (config, {}, {"epoch": [0.0, 1.0], "loss": [1.5, 1.25]})


@pytest.mark.parametrize(("kind", "command"), [("text", "train-text"), ("images", "train-images")])
def test_a_directory_of_format_1_names_the_format_the_version_that_wrote_it_and_what_to_do(kind, command, tmp_path):
    # what vae_tutorial 0.1 wrote: format 1, its hyperparameters, no kind
    old = {"format": 1, "versions": {"vae_tutorial": "0.1.0"}, "hyperparameters": {"epochs": 12}}
    path = _directory(tmp_path / "old", kind, old)
    with pytest.raises(DataError) as info:
        directory.read(path, KINDS[kind])
    assert str(info.value) == (
        f"{path / 'config.json'}: is model-directory format 1 (written by vae_tutorial 0.1.0); "
        f"this version ({__version__}) reads format 2. Train the model again with this version "
        f"(vae-tutorial {command} --force) or read it with the version that wrote it (pip install vae-tutorial==0.1.0)."
    )


def test_a_directory_of_an_unknown_format_and_version_still_says_what_to_do(tmp_path):
    path = _directory(tmp_path / "odd", "text", {"kind": "text"})
    with pytest.raises(DataError) as info:
        directory.read(path, BLOG_VAE)
    message = str(info.value)
    assert "is model-directory format None (written by vae_tutorial an unknown version)" in message
    assert message.endswith("Train the model again with this version (vae-tutorial train-text --force).")


@pytest.mark.parametrize(
    ("kind", "other", "command"), [("images", "text", "train-text"), ("text", "images", "train-images")]
)
def test_a_finished_directory_of_the_other_kind_names_its_kind(kind, other, command, tmp_path):
    # e.g. `vae-tutorial variations --model runs/digits`: a complete image model directory read as text
    path = _directory(tmp_path / kind, kind, _config(kind))
    with pytest.raises(DataError) as info:
        directory.read(path, KINDS[other])
    message = str(info.value)
    assert f"kind '{kind}'" in message, message
    assert message.endswith(f"Pass a folder written by vae-tutorial {command}."), message


def test_a_directory_whose_config_says_the_other_kind_is_refused(tmp_path):
    path = _directory(tmp_path / "both", "text", _config("images"))
    (path / "samples.png").write_text("{}")  # the files of both kinds
    with pytest.raises(DataError, match=r"holds a model of kind 'images', not 'text'\. Pass a folder written by"):
        directory.read(path, BLOG_VAE)


def test_an_interrupted_directory_says_to_rerun_and_a_missing_one_is_named(tmp_path):
    (tmp_path / "half" / "backup").mkdir(parents=True)
    with pytest.raises(
        DataError, match=r"half: is not a complete model directory: it lacks model.keras, .*interrupted"
    ):
        directory.read(tmp_path / "half", IMAGE_VAE)
    with pytest.raises(DataError, match=r"nowhere: no such model directory\. Pass the --out folder of vae-tutorial"):
        directory.read(tmp_path / "nowhere", BLOG_VAE)


# --- training(): --out is checked and owned before anything trains ---------------------------


def _enter(out, kind=IMAGE_VAE, force=False, plan=None):
    with directory.training(out, kind, force, plan or {"seed": 0}) as backup:
        return sorted(p.name for p in out.iterdir()), backup


def test_training_refuses_a_file_a_path_under_a_file_a_finished_model_and_a_foreign_folder(tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("keep me")
    with pytest.raises(DataError, match=r"taken: is a file, not a folder"):
        _enter(taken)
    with pytest.raises(DataError, match=r"taken[/\\]sub"):  # cannot be created: its parent is a file
        _enter(taken / "sub")
    finished = _directory(tmp_path / "finished", "images", _config("images"))
    with pytest.raises(DataError, match=r"already holds a finished model \(model.keras\)\. .*--force"):
        _enter(finished)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(DataError, match=r"is not empty and holds no model \(it has notes.txt\)"):
        _enter(foreign)
    assert taken.read_text() == "keep me" and (foreign / "notes.txt").exists()


def test_training_with_force_keeps_a_finished_model_readable_until_the_new_one_replaces_it(tmp_path):
    old = _directory(tmp_path / "m", "text", _config("text"))
    (old / "topics.json").write_text("{}")  # a file the new model will not have
    (old / "logs").mkdir()
    (old / "notes.txt").write_text("mine")
    inside, backup = _enter(old, BLOG_VAE, force=True)
    # while training: the old model whole (its TensorBoard logs go), the new run's backup and the lock
    kept = [*directory.files(BLOG_VAE), "notes.txt", "topics.json"]
    assert inside == sorted(["backup", *kept, "training.lock"])
    assert (backup / "plan.json").is_file()
    assert directory.read(old, BLOG_VAE)[0]["kind"] == "text"  # still loads: an interrupted run loses nothing
    with pytest.raises(
        DataError, match=r"holds a finished model and an interrupted run .*Rerun with force=True \(--force\)"
    ):
        directory.check(old, force=False)

    def write(folder):  # the new model: a tokenizer folder instead of vectorizer.json, no topics
        (folder / "tokenizer").mkdir()
        (folder / "tokenizer" / "tokenizer.json").write_text("new")
        for name in ("config.json", "metrics.json", "model.keras"):
            (folder / name).write_text(json.dumps(_config("text")) if name == "config.json" else "new")

    directory.finish(old, BLOG_VAE, write, [{"epoch": 0, "loss": 1.0}])
    assert sorted(p.name for p in old.iterdir()) == sorted(["tokenizer", *directory.COMMON_FILES, "notes.txt"])
    assert (old / "model.keras").read_text() == "new" and "vectorizer.json" not in directory.files(BLOG_VAE, old)


def test_finish_replaces_a_folder_of_the_old_model_and_never_shows_a_mix(tmp_path, monkeypatch):
    out = tmp_path / "m"
    out.mkdir()
    (out / "model.keras").write_text("old")
    (out / "tokenizer").mkdir()
    (out / "tokenizer" / "old.json").write_text("old")
    seen = []
    replace = Path.replace

    def watching(self, target):  # at each move: is the folder taken for a finished model?
        seen.append((Path(target).name, (out / "model.keras").exists()))
        return replace(self, target)

    monkeypatch.setattr(Path, "replace", watching)

    def write(folder):
        (folder / "tokenizer").mkdir()
        (folder / "tokenizer" / "new.json").write_text("new")
        (folder / "model.keras").write_text("new")

    assert write_atomically(out, write) == {"tokenizer", "model.keras"}
    assert seen == [("tokenizer", False), ("model.keras", False)]  # the old model.keras went first
    assert sorted(p.name for p in (out / "tokenizer").iterdir()) == ["new.json"]
    assert (out / "model.keras").read_text() == "new"
