"""Scaling out: one training step on two replicas (MirroredStrategy over two logical CPUs) must
give the same weights as one device on the same global batch, so the loss scaling is right; and every
trainer, both workflows and the CLI take a tf.distribute strategy."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]

# A fresh process: logical devices can only be configured before TensorFlow's first op.
STEP = textwrap.dedent("""
    import json, sys
    from vae_tutorial._backend import tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras
    import numpy as np
    from vae_tutorial.config import seed_everything
    from vae_tutorial.images.data import load_digits
    from vae_tutorial.images.vae import ImageVAE

    (x, _), _ = load_digits(seed=0)
    x = x[:32]
    strategies = {"one": tf.distribute.get_strategy(), "two": tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])}
    out = {}
    for name, strategy in strategies.items():
        seed_everything(3)
        with strategy.scope():
            model = ImageVAE(latent_dim=2, seed=3)
            model.compile(keras.optimizers.SGD(0.05))  # plain SGD: a wrongly scaled gradient shows in full
        model.sampler.call = lambda inputs: inputs[0]  # z = z_mean: the same z on any number of replicas
        before = [w.copy() for w in model.get_weights()]
        history = model.fit(x, epochs=1, batch_size=32, shuffle=False, verbose=0)
        out[name] = {
            "replicas": strategy.num_replicas_in_sync,
            "loss": history.history["loss"][0],
            "delta": [(w - b).ravel().tolist() for w, b in zip(model.get_weights(), before)],
        }
    print(json.dumps(out))
""")


def test_one_step_on_two_replicas_equals_one_step_on_one_device_with_the_same_global_batch():
    result = subprocess.run([sys.executable, "-c", STEP], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    runs = json.loads(result.stdout.strip().splitlines()[-1])
    assert (runs["one"]["replicas"], runs["two"]["replicas"]) == (1, 2)
    one = np.concatenate([np.asarray(d) for d in runs["one"]["delta"]])
    two = np.concatenate([np.asarray(d) for d in runs["two"]["delta"]])
    assert np.abs(one).max() > 1e-4, "the step changed nothing: the comparison would be empty"
    np.testing.assert_allclose(two, one, rtol=1e-3, atol=1e-6)  # a missing 1/N would double every update
    assert np.isclose(runs["two"]["loss"], runs["one"]["loss"], rtol=1e-5)  # the mean over both replicas


# --- every trainer, the two workflows and the CLI take a strategy -----------------------------

# Fresh processes with two logical CPUs. The trainers: a MirroredStrategy over both, passed to each, one
# epoch of tiny data; each must return a model built in its scope (model.distribute_strategy) that
# trained to finite losses on two replicas. The CLI, one command per process (as from a shell; two
# MirroredStrategy objects in one process mix up their collective ops): --distribute mirrored is
# MirroredStrategy() over all local devices (here the two CPUs) and must reach the kind's train_into,
# whose strategy_of is wrapped to record the strategy it made and its replicas.
PREAMBLE = """
import json, sys, tempfile, warnings
from pathlib import Path
from vae_tutorial._backend import tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import numpy as np
from vae_tutorial.text.posts import load_blog_folder, write_sample_blog_folder
from vae_tutorial.errors import DataWarning
from vae_tutorial.images.kinds import IMAGE_VAE
from vae_tutorial.text.kinds import BLOG_VAE

root = Path(tempfile.mkdtemp())
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DataWarning)
    posts_dir = write_sample_blog_folder(root / "posts")
"""

TRAINERS = PREAMBLE + textwrap.dedent("""
    from vae_tutorial.images.data import load_digits
    from vae_tutorial.text.vae import TextVAE
    from vae_tutorial.text import train

    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    out = {}

    def record(name, model, history):
        losses = history["loss"] if isinstance(history, dict) else history.history["loss"]
        out[name] = {
            "same_strategy": model.distribute_strategy is strategy,
            "replicas": model.distribute_strategy.num_replicas_in_sync,
            "finite": bool(np.all(np.isfinite(losses))),
        }

    def attempt(name, train):
        try:
            record(name, *train())
        except Exception as exc:  # one failure must not hide the others
            out[name] = f"{type(exc).__name__}: {str(exc)[:300]}"

    (x, _), (x_test, _) = load_digits(seed=0)
    x, x_test = x[:64], x_test[:32]
    rng = np.random.default_rng(0)
    ids = rng.integers(4, 30, size=(64, 6)).astype(np.int32)
    ids[:, -1] = 3
    conditions = rng.standard_normal((64, 3)).astype(np.float32)
    small = {"epochs": 1, "batch_size": 16, "verbose": 0, "strategy": strategy}
    sizes = {"latent_dim": 2, "embed_dim": 4, "encoder_units": 4, "decoder_units": 8}
    attempt("IMAGE_VAE.train", lambda: IMAGE_VAE.train((x, x_test), **small))
    attempt("train_text_vae", lambda: train.train_text_vae(ids, ids[:16], vocab_size=30, **small, **sizes))
    attempt(
        "train_language_model",
        lambda: train.train_language_model(ids, vocab_size=30, embed_dim=4, decoder_units=8, **small),
    )
    attempt(
        "train_conditional_vae",
        lambda: train.train_conditional_vae(ids, conditions, vocab_size=30, **small, **sizes),
    )
    attempt(
        "train_with_latent_penalty",
        lambda: train.train_with_latent_penalty(
            TextVAE(30, 6, seed=0, **sizes), ids, np.zeros((64, 2), np.float32), **small
        ),
    )

    def image_dir():
        run = IMAGE_VAE.train_into(root / "images", (x, x_test), iwae_k=2, **small)
        return run.model, run.history

    def blog():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            posts = load_blog_folder(posts_dir)[:8]
        run = BLOG_VAE.train_into(
            root / "text", posts, init="scratch", iwae_k=2, max_length=12, vocab_size=60, patience=None,
            **small, **sizes,
        )
        return run.model, run.history

    def image_dir_resumed():  # a checkpoint restored under the strategy: the optimizer is built in its scope
        from vae_tutorial.training.callbacks import InterruptAfterEpoch

        two = {**small, "epochs": 2}
        try:
            IMAGE_VAE.train_into(root / "resumed", (x, x_test), iwae_k=2, callbacks=[InterruptAfterEpoch(1)], **two)
        except KeyboardInterrupt:
            pass
        run = IMAGE_VAE.train_into(root / "resumed", (x, x_test), iwae_k=2, **two)
        assert len(run.history["loss"]) == 2, run.history
        return run.model, run.history

    attempt("IMAGE_VAE.train_into", image_dir)
    attempt("IMAGE_VAE.train_into resumed", image_dir_resumed)
    attempt("BLOG_VAE.train_into", blog)
    print(json.dumps(out))
""")

CLI = PREAMBLE + textwrap.dedent("""
    from vae_tutorial import cli

    given = {}

    from vae_tutorial.training import run

    real = run.strategy_of

    def strategy_of(strategy):  # what the kind's train_into makes of --distribute
        made = real(strategy)
        given[sys.argv[1]] = [type(made).__name__, getattr(made, "num_replicas_in_sync", None)]
        return made

    run.strategy_of = strategy_of
    few = root / "few"
    few.mkdir()
    for post in sorted(posts_dir.glob("post_*.txt"))[:6]:
        (few / post.name).write_text(post.read_text())
    common = ["--quiet", "--distribute", "mirrored", "--latent-dim", "2"]
    commands = {
        "train-images": ["train-images", "--out", str(root / "cli-images"), "--epochs", "1", *common],
        # 2 epochs of 3 steps: the KL weight is annealed over the first (int(0.3 * 6) = 1)
        "train-text": ["train-text", "--folder", str(few), "--out", str(root / "cli-text"), "--epochs", "2",
                       "--init", "scratch", "--max-length", "12", "--vocab-size", "60", *common],
    }
    code = cli.main(commands[sys.argv[1]])
    print(json.dumps({"code": code, "given": given}))
""")


def _run_fresh(code, *args):
    env = {**os.environ, "VAE_TUTORIAL_FAST": "1"}
    argv = [sys.executable, "-c", code, *args]
    result = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=900, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return result, json.loads(result.stdout.strip().splitlines()[-1])


def test_every_trainer_and_both_workflows_train_under_a_strategy_on_two_replicas():
    _, runs = _run_fresh(TRAINERS)
    expected = {"same_strategy": True, "replicas": 2, "finite": True}
    names = ["IMAGE_VAE.train", "train_text_vae", "train_language_model", "train_conditional_vae"]
    names += ["train_with_latent_penalty", "IMAGE_VAE.train_into", "IMAGE_VAE.train_into resumed"]
    names += ["BLOG_VAE.train_into"]
    assert sorted(runs) == sorted(names)
    failed = [f"{name}: {run}" for name, run in runs.items() if run != expected]
    assert not failed, "\n".join(failed)


@pytest.mark.parametrize("command", ["train-images", "train-text"])
def test_the_cli_passes_distribute_mirrored_to_the_kind(command):
    result, run = _run_fresh(CLI, command)
    assert run["code"] == 0, result.stderr[-3000:]
    assert run["given"] == {command: ["MirroredStrategy", 2]}  # over the two logical CPUs
    assert "Training on 2 replica(s) with MirroredStrategy" in result.stdout  # the CLI says so
