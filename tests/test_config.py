"""Fast/full settings from the environment, seeding, and the output folder."""

import dataclasses
import random
from pathlib import Path

import numpy as np
import pytest

from vae_tutorial import config


@pytest.mark.parametrize(("value", "fast"), [("1", True), ("true", True), (" TRUE ", True), ("", False), ("0", False)])
def test_settings_reads_the_fast_env_var(monkeypatch, value, fast):
    monkeypatch.setenv(config.FAST_ENV, value)
    assert config.settings().fast is fast
    full_samples = config.Settings(fast=False).mc_samples
    assert (config.settings().mc_samples < full_samples) is fast


def test_settings_without_the_env_var_is_full_mode(monkeypatch):
    monkeypatch.delenv(config.FAST_ENV, raising=False)
    assert config.settings().fast is False


def test_fast_mode_shrinks_every_costly_knob_and_keeps_the_seed(monkeypatch):
    monkeypatch.setenv(config.FAST_ENV, "1")
    fast = config.settings()
    monkeypatch.setenv(config.FAST_ENV, "0")
    full = config.settings()
    knobs = [f.name for f in dataclasses.fields(config.Settings) if f.type in ("int", int) and f.name != "seed"]
    assert {"mc_samples", "grad_repeats", "demo_epochs"} <= set(knobs)
    for name in knobs:
        assert 0 < getattr(fast, name) < getattr(full, name), name
    assert fast.seed == full.seed, "fast mode changes run time, not the random stream"


def test_settings_are_frozen():
    s = config.Settings(fast=False)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.mc_samples = 1
    assert s.mc_samples == config.Settings(fast=False).mc_samples


def _draws():
    import keras

    return (
        random.random(),
        np.random.rand(3),
        keras.random.normal((3,)).numpy(),
        keras.initializers.GlorotUniform()((2, 3)).numpy(),
        _dense_kernel(),
    )


def _dense_kernel():
    import keras

    layer = keras.layers.Dense(2)
    layer.build((None, 3))
    return layer.kernel.numpy()


def test_seed_everything_makes_python_numpy_and_keras_draws_repeat():
    config.seed_everything(123)
    first = _draws()
    config.seed_everything(123)
    again = _draws()
    config.seed_everything(124)
    other = _draws()
    for a, b, c in zip(first, again, other, strict=True):
        np.testing.assert_array_equal(a, b)
        assert not np.allclose(a, c)


def test_output_dir_respects_the_env_var_and_creates_the_folder(monkeypatch, tmp_path):
    root = tmp_path / "outputs"
    monkeypatch.setenv("VAE_TUTORIAL_OUTPUT", str(root))
    path = config.output_dir("figures", "01")
    assert path == root / "figures" / "01"
    assert path.is_dir()
    assert config.output_dir("figures", "01") == path, "a second call on an existing folder is fine"


def test_output_dir_defaults_to_the_project_build_folder_from_a_subfolder(monkeypatch, tmp_path):
    project = tmp_path / "project"
    (project / "vae_tutorial").mkdir(parents=True)
    (project / "notebooks").mkdir()
    monkeypatch.delenv("VAE_TUTORIAL_OUTPUT", raising=False)
    monkeypatch.chdir(project / "notebooks")
    path = config.output_dir("models")
    assert path == Path("../build/models") and path.is_dir()  # relative: printed paths are the same anywhere
    assert path.resolve() == (project / "build" / "models").resolve()

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert config.output_dir() == Path("build") and (elsewhere / "build").is_dir()


def test_a_pytest_session_runs_in_fast_mode_unless_the_caller_says_otherwise():
    # tests/conftest.py sets VAE_TUTORIAL_FAST=1 at import unless the variable is set already
    import os

    assert config.FAST_ENV in os.environ
    if os.environ[config.FAST_ENV] == "1":
        assert config.settings().fast is True
