"""Faults at the worst moments of a training run, and the rerun after each: Ctrl-C and kill -9 while a
checkpoint is written, just before it is committed and while the finished files are moved; a full disk;
two runs on one folder; a stale lock. Every rerun must finish with the right number of epochs, the figures
of an uninterrupted run and no debris. The faults are injected by tests/faults_runner.py in a real
``vae-tutorial train-images`` process."""

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from vae_tutorial import cli
from vae_tutorial._backend import keras
from vae_tutorial.errors import DataError
from vae_tutorial.files import sha256
from vae_tutorial.images.kinds import IMAGE_VAE
from vae_tutorial.training import lock
from vae_tutorial.training import checkpoint
from vae_tutorial.training import directory

from tests.helpers import finish, EpochRecorder, write_scans

EPOCHS = 3
RUNNER = Path(__file__).with_name("faults_runner.py")
FAULTS = [(point, sig) for point in ("backup-write", "before-commit", "final-move") for sig in ("SIGINT", "SIGKILL")]


def _args(scans: Path, out: Path) -> list[str]:
    return ["train-images", "--folder", str(scans), "--out", str(out), "--epochs", str(EPOCHS), "--quiet"]


def _start(args, fault=None) -> subprocess.Popen:
    env = {**os.environ, "VAE_TUTORIAL_FAST": "1"}
    if fault is None:
        argv = [sys.executable, "-m", "vae_tutorial.cli", *args]
    else:
        argv = [sys.executable, str(RUNNER), *map(str, fault), "--", *args]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _history(out: Path) -> dict[str, np.ndarray]:
    with (out / "history.csv").open(newline="") as file:
        rows = list(csv.DictReader(file))
    return {key: np.array([float(row[key]) for row in rows]) for key in rows[0] if key != "seconds"}


def _debris(out: Path) -> list[str]:
    """What an interrupted or failed run may leave and a finished one must not."""
    found = [p.name for p in out.parent.iterdir() if ".tmp-" in p.name]
    found += [name for name in ("backup", lock.NAME) if (out / name).exists()]
    return found


@pytest.fixture(scope="module")
def faulted(tmp_path_factory):
    """An uninterrupted run and, per fault, the faulted run and its plain rerun. Started together
    (a few at a time: the machine has two cores)."""
    root = tmp_path_factory.mktemp("faults")
    scans = write_scans(root / "scans")
    cases = {"reference": None, **{f"{point}-{sig}": (point, sig, 2) for point, sig in FAULTS}}
    first = {name: _start(_args(scans, root / name / "model"), fault) for name, fault in cases.items()}
    firsts = {name: finish(process) for name, process in first.items()}
    left = {name: sorted(p.name for p in (root / name / "model").iterdir()) for name in cases if name != "reference"}
    again = {name: _start(_args(scans, root / name / "model")) for name in cases if name != "reference"}
    return root, firsts, left, {name: finish(process) for name, process in again.items()}


@pytest.mark.parametrize(("point", "sig"), FAULTS, ids=[f"{p}-{s}" for p, s in FAULTS])
def test_a_run_killed_at_the_worst_moment_is_finished_by_a_rerun_with_the_same_figures(faulted, point, sig):
    root, firsts, left, again = faulted
    name, out = f"{point}-{sig}", root / f"{point}-{sig}" / "model"
    first = firsts[name]
    if sig == "SIGINT":  # Ctrl-C: one line, the run can be resumed
        assert first.returncode == 130, first.stderr
        assert "Traceback" not in first.stderr and "rerun the same command to resume" in first.stderr
    else:
        assert first.returncode == -signal.SIGKILL
    assert "model.keras" not in left[name] or point == "final-move"
    rerun = again[name]
    assert rerun.returncode == 0, rerun.stderr
    assert "Traceback" not in rerun.stderr
    assert _debris(out) == []
    reference, resumed = _history(root / "reference" / "model"), _history(out)
    assert list(resumed["epoch"]) == [0, 1, 2]  # no epoch repeated, none missing
    for key in reference:
        np.testing.assert_allclose(resumed[key], reference[key], rtol=1e-5, err_msg=key)


def test_the_reference_run_finished_cleanly(faulted):
    root, firsts, *_ = faulted
    assert firsts["reference"].returncode == 0, firsts["reference"].stderr
    assert _debris(root / "reference" / "model") == []


def test_a_full_disk_stops_the_run_in_one_line_and_the_rerun_resumes(tmp_path):
    scans, out = write_scans(tmp_path / "scans"), tmp_path / "model"
    full = finish(_start(_args(scans, out), ("enospc", "-", 2)))
    assert full.returncode == 2, full.stderr
    error = full.stderr.strip().splitlines()[-1]
    assert error.startswith(f"vae-tutorial: error: {out / 'backup'}: could not write the backup of epoch 2")
    assert "No space left on device" in error and "resumes from epoch 1" in error
    assert "Traceback" not in full.stderr
    kept = sorted(p.name for p in (out / "backup").iterdir())
    assert kept == ["epoch-0001", "plan.json"]  # the last good checkpoint, nothing half-written
    rerun = finish(_start(_args(scans, out)))
    assert rerun.returncode == 0, rerun.stderr
    assert list(_history(out)["epoch"]) == [0, 1, 2] and _debris(out) == []


@pytest.fixture
def small_disk(tmp_path):
    """A 200 KB disk (a tmpfs): room for the lock and the plan, not for a checkpoint. Needs root."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small disk here ({mounted.stderr.decode().strip() or 'mount failed'})")
    yield disk
    subprocess.run(["umount", str(disk)], check=True)


def test_a_really_full_disk_is_one_line_and_exit_2_never_a_crash(tmp_path, small_disk):
    scans, out = write_scans(tmp_path / "scans"), small_disk / "model"
    full = finish(_start(_args(scans, out)))
    assert full.returncode == 2, full.stderr  # before: h5py's finalizer tracebacks, then a segfault (139)
    error = full.stderr.strip().splitlines()[-1]
    assert error.startswith(f"vae-tutorial: error: {out / 'backup'}: could not write the backup of epoch 1 ")
    assert "(No space left on device: 0." in error and "MB needed). Free some disk space" in error
    assert "Traceback" not in full.stderr and "Exception ignored" not in full.stderr
    assert sorted(p.name for p in (out / "backup").iterdir()) == ["plan.json"]  # nothing half-written


def test_a_second_run_on_the_same_folder_is_refused_naming_the_first(tmp_path, capsys):
    scans, out = write_scans(tmp_path / "scans"), tmp_path / "model"
    first = _start(_args(scans, out), ("pause", "-", 1))
    deadline = time.monotonic() + 120
    while not (tmp_path / "paused").exists():
        assert first.poll() is None, finish(first).stderr
        assert time.monotonic() < deadline, "the first run never reached its first checkpoint"
        time.sleep(0.2)
    assert cli.main(_args(scans, out)) == 2
    error = capsys.readouterr().err
    assert f"{out}: is being trained by another run (PID {first.pid} on " in error
    assert "--out" in error and len(error.strip().splitlines()) == 1
    (tmp_path / "resume").touch()
    result = finish(first)
    assert result.returncode == 0, result.stderr  # the first run is undisturbed
    assert list(_history(out)["epoch"]) == [0, 1, 2] and _debris(out) == []


HOLD = """
import sys, time
from vae_tutorial.training.lock import DirectoryLock
DirectoryLock(sys.argv[1]).__enter__()
print("held", flush=True)
time.sleep(120)
"""


def test_a_live_lock_is_refused_and_a_dead_ones_is_taken_over(tmp_path, capsys):
    out = tmp_path / "model"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(out)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        text = (out / lock.NAME).read_text()
        with pytest.raises(DataError, match=rf"is being trained by another run \(PID {holder.pid} on "):
            directory.check(out, force=True)  # not even force takes a folder from a live run
        with pytest.raises(DataError, match=rf"PID {holder.pid}"):
            lock.DirectoryLock(out).__enter__()
        assert (out / lock.NAME).read_text() == text  # left alone
    finally:
        holder.kill()  # as kill -9: the process cannot remove its lock file
        holder.wait()
    assert (out / lock.NAME).exists() and lock.holder(out) is None  # the kernel released the lock
    with directory.training(out, "images", force=False, plan={"seed": 0}):
        assert lock.holder(out)["pid"] == os.getpid()
    assert f"taking over the lock of {out} from a run that is gone (PID {holder.pid}" in capsys.readouterr().err
    assert not (out / lock.NAME).exists()


def test_force_resumes_its_own_interrupted_run_and_restarts_one_with_other_settings(tmp_path):
    from vae_tutorial.images.data import load_digits
    from vae_tutorial.training.callbacks import InterruptAfterEpoch

    (x, _), (x_test, _) = load_digits(seed=0)
    x, x_test, out = x[:64], x_test[:32], tmp_path / "model"
    small = {"epochs": 2, "batch_size": 32, "iwae_k": 2, "verbose": 0, "force": True}
    with pytest.raises(KeyboardInterrupt):
        IMAGE_VAE.train_into(out, (x, x_test), callbacks=[InterruptAfterEpoch(1)], **small)
    recorder = EpochRecorder()
    IMAGE_VAE.train_into(out, (x, x_test), callbacks=[recorder], **small)  # the same command, --force included
    assert recorder.epochs == [1]  # resumed after epoch 1
    finished = sha256(out / "model.keras")
    with pytest.raises(KeyboardInterrupt):
        IMAGE_VAE.train_into(out, (x, x_test), callbacks=[InterruptAfterEpoch(1)], **small)  # over the finished model
    assert sha256(out / "model.keras") == finished  # the interrupted --force run took nothing away
    assert IMAGE_VAE.load(out).config["recipe"]["latent_dim"] == 2
    recorder = EpochRecorder()
    IMAGE_VAE.train_into(out, (x, x_test), callbacks=[recorder], **{**small, "latent_dim": 3})
    assert recorder.epochs == [0, 1]  # other settings: force starts over
    assert IMAGE_VAE.load(out).config["recipe"]["latent_dim"] == 3 and not (out / "backup").exists()


def test_a_damaged_newest_checkpoint_falls_back_to_the_previous_one(tmp_path, capsys):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    saved = checkpoint.Checkpoints(tmp_path / "backup")
    for epochs in (1, 2):
        state = {"history": [], "callbacks": {}, "stopped": False, "random": checkpoint.random_state(model)}
        saved.save(model, epochs, state)
    weights = tmp_path / "backup" / "epoch-0002" / "model.weights.h5"
    weights.write_bytes(weights.read_bytes()[:100])  # a disk error, a tampered file
    latest = saved.latest()
    assert latest.epochs == 1
    assert "the backup of epoch-0002 is damaged; resuming from epoch-0001 instead" in capsys.readouterr().err
    assert not (tmp_path / "backup" / "epoch-0002").exists()


def test_a_run_that_had_stopped_early_trains_no_more_when_resumed(tmp_path):
    from vae_tutorial.training.callbacks import ResumableEarlyStopping
    from vae_tutorial.training.fit import fit
    from vae_tutorial.images.recipes import ImageRecipe

    from vae_tutorial.images.data import load_digits
    from vae_tutorial.images.vae import ImageVAE

    (x, _), (x_val, _) = load_digits(seed=0)
    recipe = ImageRecipe(epochs=8, batch_size=64, learning_rate=0.5)  # diverges: early stopping ends it

    def run():
        early = ResumableEarlyStopping(monitor="val_loss", patience=1)
        model, history = fit(
            lambda: ImageVAE(2, seed=0),
            x[:128],
            (x_val[:64],),
            recipe,
            seed=0,
            callbacks=[early],
            verbose=0,
            backup=tmp_path / "backup",
        )
        return early, history

    early, first = run()
    assert early.state["stopped_epoch"] is not None and len(first.epoch) < 8
    _, again = run()  # as a rerun after a kill during the final save
    assert again.epoch == []  # nothing more trained
