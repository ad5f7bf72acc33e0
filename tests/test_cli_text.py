"""`vae-tutorial train-text` and `variations` in fresh processes: files, output lines, resuming
after a real Ctrl-C (SIGINT), and one-line errors."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import warnings

import pytest

from vae_tutorial import cli
from vae_tutorial.text.posts import write_sample_blog_csv, write_sample_blog_folder
from vae_tutorial.errors import DataWarning
from vae_tutorial.training import directory
from vae_tutorial.text.kinds import BLOG_VAE

from tests.helpers import finish

MODEL_FILES = directory.files(BLOG_VAE)


def _start(*args, cwd):
    """The command in fast mode, with a TF/Keras environment the package must set up itself."""
    env = {k: v for k, v in os.environ.items() if k not in {"TF_CPP_MIN_LOG_LEVEL", "KERAS_BACKEND"}}
    env["VAE_TUTORIAL_FAST"] = "1"
    argv = [sys.executable, "-m", "vae_tutorial.cli", *map(str, args)]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)


def _small_blog(folder, n=12):
    """n sample posts, plus an empty file and a PNG saved as .txt: both skipped, and reported."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        sample = write_sample_blog_folder(folder.parent / f"{folder.name}-all")
    folder.mkdir()
    for path in sorted(sample.glob("post_*.txt"))[:n]:
        shutil.copy(path, folder / path.name)
    (folder / "draft.txt").write_text("  \n")
    (folder / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    return folder


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    blog = _small_blog(root / "blog")
    args = ("train-text", "--folder", blog, "--out", root / "model", "--init", "scratch", "--quiet")
    result = finish(_start(*args, cwd=root))
    return root, blog, result


def test_train_text_reports_what_it_read_and_writes_the_model_directory(trained):
    root, _, result = trained
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.startswith(f"Read 12 posts from {root / 'blog'}; skipped 2: 1 empty (draft.txt), 1 binary")
    assert "  skipped " in result.stdout and "photo.txt" in result.stdout
    assert sorted(p.name for p in (root / "model").iterdir()) == sorted([*MODEL_FILES, "logs"])
    config = json.loads((root / "model" / "config.json").read_text())
    assert config["training"]["epochs_run"] == 2  # the fast-mode default
    assert config["data"]["posts"] == 12
    metrics = json.loads((root / "model" / "metrics.json").read_text())
    assert f"Held-out negative ELBO {metrics['neg_elbo']:.1f} nats per chunk" in result.stdout


def test_variations_prints_n_lines(trained):
    root = trained[0]
    result = finish(_start("variations", "--model", root / "model", "--text", "The fire spread.", "-n", 4, cwd=root))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 4 and all(line.strip() for line in lines)
    assert result.stderr == ""


FRENCH = (
    "Bonjour à tous, je suis très content de vous voir aujourd'hui. Nous allons parler de la cuisine française "
    "et des recettes de ma grand-mère."
)


def test_variations_of_a_text_in_another_language_warn_once_then_go_on(trained, capsys):
    root = trained[0]
    assert cli.main(["variations", "--model", str(root / "model"), "--text", FRENCH, "-n", "2"]) == 0
    out, err = capsys.readouterr()
    assert err == (
        "vae-tutorial: warning: text: only 0% of its 24 words are common English words (English prose has "
        "20-50%); the model learnt English, so its variations of this text will be poor\n"
    )
    assert len(out.splitlines()) == 2
    blog = BLOG_VAE.load(root / "model")
    with pytest.warns(DataWarning, match="only 0% of its 24 words are common English words"):
        assert len(blog.variations(FRENCH, n=2, seed=0)) == 2


def test_variations_of_a_file_are_reproducible_with_a_seed(trained, capsys):
    root, blog, _ = trained
    post = sorted(blog.glob("post_*.txt"))[0]
    args = [
        "variations",
        "--model",
        str(root / "model"),
        "--file",
        str(post),
        "-n",
        "2",
        "--method",
        "sample",
        "--temperature",
        "0.9",
    ]
    assert cli.main([*args, "--seed", "7"]) == 0
    first = capsys.readouterr().out
    assert cli.main([*args, "--seed", "7"]) == 0
    assert capsys.readouterr().out == first and len(first.splitlines()) == 2


def test_train_text_refuses_to_overwrite_a_finished_model(trained, capsys):
    root, blog, _ = trained
    before = (root / "model" / "model.keras").stat().st_mtime_ns
    assert cli.main(["train-text", "--folder", str(blog), "--out", str(root / "model")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already holds a finished model (model.keras)" in err and "--force" in err
    assert (root / "model" / "model.keras").stat().st_mtime_ns == before


def test_ctrl_c_stops_train_text_and_the_same_command_resumes(tmp_path, capsys):
    blog = _small_blog(tmp_path / "blog", n=6)
    args = ("train-text", "--folder", blog, "--out", tmp_path / "m", "--epochs", 6, "--quiet", "--init", "scratch")
    args += ("--latent-dim", 4)
    process = _start(*args, cwd=tmp_path)
    deadline = time.monotonic() + 240
    while not (tmp_path / "m" / "backup" / "epoch-0001").exists() and process.poll() is None:
        assert time.monotonic() < deadline, "no epoch finished in time"
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    stopped = finish(process)
    if stopped.returncode == 0:
        pytest.skip("training finished before the interrupt arrived (a very fast machine)")
    assert stopped.returncode == 130, stopped.stderr
    assert stopped.stderr.strip().splitlines()[-1] == "vae-tutorial: interrupted; rerun the same command to resume."
    done = max(int(p.name.removeprefix("epoch-")) for p in (tmp_path / "m" / "backup").glob("epoch-*"))
    assert not (tmp_path / "m" / "model.keras").exists()
    # other settings are refused before anything is announced (it once said "Resuming" first)
    assert cli.main([*map(str, args[:-1]), "3"]) == 2  # --latent-dim 3
    out, err = capsys.readouterr()
    assert out.startswith("Read 6 posts") and "Resuming" not in out and "Training" not in out
    assert "interrupted run with other settings (latent_dim 4 -> 3)" in err

    resumed = finish(_start(*args, cwd=tmp_path))
    assert resumed.returncode == 0, resumed.stderr
    assert "Resuming a text VAE" in resumed.stdout
    lines = resumed.stdout.splitlines()  # --quiet: EpochLine's lines
    assert f"resuming at epoch {done + 1}/6 " in resumed.stdout and not any(x.startswith("epoch 1/6") for x in lines)
    assert any(line.startswith(f"epoch {done + 1}/6  loss ") for line in lines)
    assert "kl_weight" not in resumed.stdout  # the history keeps it; the screen does not
    history = (tmp_path / "m" / "history.csv").read_text().splitlines()
    assert [row.split(",")[0] for row in history[1:]] == [str(i) for i in range(len(history) - 1)]


# --- one-line errors ------------------------------------------------------------------------


def test_train_text_on_a_missing_folder_prints_one_line_and_writes_nothing(tmp_path):
    result = finish(_start("train-text", "--folder", tmp_path / "nope", "--out", tmp_path / "m", cwd=tmp_path))
    assert result.returncode == 2
    assert result.stderr.startswith(f"vae-tutorial: error: {tmp_path / 'nope'}: no such folder. ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_train_text_on_a_csv_without_the_column_lists_the_columns(tmp_path, capsys):
    csv_file = write_sample_blog_csv(tmp_path / "posts.csv")
    code = cli.main(["train-text", "--csv", str(csv_file), "--text-column", "body", "--out", str(tmp_path / "m")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "no column 'body'" in err and "['post_id', 'title', 'author', 'content']" in err
    assert not (tmp_path / "m").exists()


def test_train_text_needs_exactly_one_source(tmp_path, capsys):
    for extra in ([], ["--folder", "a", "--csv", "b.csv"]):
        with pytest.raises(SystemExit) as info:
            cli.main(["train-text", "--out", str(tmp_path / "m"), *extra])
        assert info.value.code == 2
        assert "--folder" in capsys.readouterr().err


def test_variations_with_a_missing_model_or_file_is_a_one_line_error(tmp_path, capsys):
    assert cli.main(["variations", "--model", str(tmp_path / "none"), "--text", "hello"]) == 2
    assert capsys.readouterr().err == (
        f"vae-tutorial: error: {tmp_path / 'none'}: no such model directory. "
        "Pass the --out folder of vae-tutorial train-text.\n"
    )
    assert cli.main(["variations", "--model", str(tmp_path), "--file", str(tmp_path / "post.txt")]) == 2
    assert f"{tmp_path / 'post.txt'}: no such file" in capsys.readouterr().err


def test_variations_rejects_a_negative_temperature(tmp_path, capsys):
    with pytest.raises(SystemExit):
        cli.main(["variations", "--model", str(tmp_path), "--text", "x", "--temperature", "-1"])
    assert capsys.readouterr().err == (
        "vae-tutorial: error: argument --temperature: must be a number from 0.0 to 5.0, got -1. "
        "See vae-tutorial variations --help.\n"
    )
