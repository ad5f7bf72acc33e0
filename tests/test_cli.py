"""Fresh-process behaviour: the vae-tutorial command, and what importing the package costs."""

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import vae_tutorial
from vae_tutorial import cli
from vae_tutorial.errors import DataError

ROOT = Path(__file__).resolve().parents[1]


def _run(*args, code=None):
    """Run python with a clean TF/Keras environment (the package must set its own defaults)."""
    env = {k: v for k, v in os.environ.items() if k not in {"TF_CPP_MIN_LOG_LEVEL", "KERAS_BACKEND"}}
    argv = [sys.executable, "-c", code] if code is not None else [sys.executable, *args]
    return subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


# --- the command ----------------------------------------------------------------------------


def test_help_exits_0_and_lists_every_subcommand():
    result = _run("-m", "vae_tutorial.cli", "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: vae-tutorial")
    for command in ("train-images", "train-text", "variations"):
        assert re.search(rf"\n +{command} +\w", result.stdout), command
    assert result.stderr == ""


def test_version_prints_the_package_version_which_matches_pyproject():
    result = _run("-m", "vae_tutorial.cli", "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"vae-tutorial {vae_tutorial.__version__}"
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert vae_tutorial.__version__ == declared


def test_main_without_arguments_prints_help_and_returns_0(capsys):
    assert cli.main([]) == 0
    assert "train-images" in capsys.readouterr().out


def test_unknown_option_exits_2_with_a_usage_message(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--no-such-option"])
    assert info.value.code == 2
    assert "unrecognized arguments: --no-such-option" in capsys.readouterr().err


# --- import hygiene -------------------------------------------------------------------------

_LIGHT = (
    "vae_tutorial, vae_tutorial.theory.gaussian, vae_tutorial.config, vae_tutorial.errors, "
    "vae_tutorial.course.exercises, vae_tutorial.images.data, vae_tutorial.text.posts, vae_tutorial.cli"
)

_PROBE = f"""
import sys
import {_LIGHT}
print("light:", "tensorflow" in sys.modules, "keras" in sys.modules)
import vae_tutorial.theory.sampling
print("sampling:", "tensorflow" in sys.modules, "keras" in sys.modules)
"""


@pytest.fixture(scope="module")
def fresh_import():
    """One fresh interpreter: the light modules first, then the TensorFlow-backed sampling module."""
    result = _run(code=_PROBE)
    assert result.returncode == 0, result.stderr
    return result


def test_light_modules_do_not_import_tensorflow(fresh_import):
    lines = fresh_import.stdout.splitlines()
    assert lines[0] == "light: False False"
    assert lines[1] == "sampling: True True", "the probe must see TensorFlow once it is really imported"


def test_importing_sampling_writes_nothing_to_stderr(fresh_import):
    noisy = [line for line in fresh_import.stderr.splitlines() if any(w in line.lower() for w in ("onednn", "cuda"))]
    assert noisy == [], noisy
    assert fresh_import.stderr == ""


# --- hints in flags -------------------------------------------------------------------------


def test_a_data_error_speaks_flags_on_the_command_line():
    flags = cli.build_parser().parse_args(["train-text", "--folder", "blog", "--out", "m"]).command.keywords()
    assert flags["text_column"] == "--text-column" and flags["force"] == "--force" and "errors" not in flags
    error = DataError(
        "pattern",
        "no file matches '*.txt'",
        'Pass pattern="*.md" or text_column="my body", or force=True (--force). Or pass errors="replace".',
    )
    assert error.for_command_line(flags, "See --help.") == (
        "--pattern: no file matches '*.txt'. Pass --pattern '*.md' or --text-column 'my body', or --force."
    )
    assert str(error).startswith("pattern: no file matches '*.txt'. Pass pattern=\"*.md\"")  # the API's own words
    python_only = DataError("/blog", "is a file", "Use load_blog_csv(path). Or pass recursive=True.")
    assert python_only.for_command_line(flags, "See --help.") == "/blog: is a file. See --help."


def test_main_prints_a_data_error_with_the_flags_of_its_command(tmp_path, capsys):
    (tmp_path / "blog").mkdir()
    (tmp_path / "blog" / "a.md").write_text("A post.")
    assert cli.main(["train-text", "--folder", str(tmp_path / "blog"), "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"vae-tutorial: error: {tmp_path / 'blog'}: no file matches '*.txt' (it holds 1 file: a.md). "
        "Pass --pattern '*.md' if those are the posts.\n"
    )
