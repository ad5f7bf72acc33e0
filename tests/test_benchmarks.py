"""Smoke tests of benchmarks/*.py: each script runs in a fresh process with tiny settings (its
own command-line arguments, fast mode) and writes its figures with ``--json``; the JSON has the
keys that the script promises, finite numbers, and figures that agree with each other (a ratio is
the quotient of the two figures it compares, a negative ELBO is reconstruction + KL). The
figures themselves mean nothing at these sizes: the benchmarks are run by hand at full size."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_benchmark(script: str, tmp_path: Path, *args: str) -> tuple[dict, str]:
    """Run ``benchmarks/<script>.py *args --json FILE`` from the repository root in fast mode;
    return (the JSON it wrote, its stdout)."""
    out = tmp_path / f"{script}.json"
    env = {k: v for k, v in os.environ.items() if k not in {"KERAS_BACKEND", "TF_CPP_MIN_LOG_LEVEL"}}
    env |= {"VAE_TUTORIAL_FAST": "1", "PYTHONDONTWRITEBYTECODE": "1"}  # no benchmarks/__pycache__ in the tree
    result = subprocess.run(
        [sys.executable, f"benchmarks/{script}.py", *args, "--json", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"stdout:\n{result.stdout[-2000:]}\nstderr:\n{result.stderr[-4000:]}"
    return json.loads(out.read_text()), result.stdout


def finite(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def assert_finite(figures: dict, keys) -> None:
    for key in keys:
        assert finite(figures[key]), f"{key}: {figures[key]!r}"


def assert_elbo_terms(figures: dict) -> None:
    """Finite figures of a VAE, KL >= 0 and negative ELBO = reconstruction + KL."""
    assert_finite(figures, ("neg_elbo", "reconstruction", "kl", "iwae_nll", "train_seconds"))
    assert figures["kl"] >= 0 and figures["train_seconds"] > 0
    assert figures["neg_elbo"] == pytest.approx(figures["reconstruction"] + figures["kl"], rel=1e-9)


def test_image_vae_benchmark_compares_the_reference_and_default_recipes(tmp_path):
    tiny = "--repeats 2 --epochs-scale 0.01 --n-train 256 --n-test 64 --iwae-k 2"
    figures, stdout = run_benchmark("image_vae", tmp_path, *tiny.split())
    assert set(figures) == {"reference", "default", "ratios", "chosen"}
    # chosen on the validation digits (a tenth of each class of the first 256 training images), not the test ones
    assert figures["chosen"] == min(("reference", "default"), key=lambda name: figures[name]["val_neg_elbo"])
    assert all(finite(figures[name]["val_neg_elbo"]) for name in ("reference", "default"))
    for name, architecture in (("reference", "keras_io"), ("default", "default")):
        r = figures[name]
        assert r["epochs"] == 1  # 30 or 36 epochs x 0.01, at least 1
        assert r["seeds"] == [0, 1]  # repeat r trains with seed r
        for key in ("train_seconds", "val_neg_elbo"):
            assert len(r[f"{key}_runs"]) == 2 and r[key] == pytest.approx(sum(r[f"{key}_runs"]) / 2)  # median of two
        # the test figures are the lower-middle run's by test -ELBO, its terms together
        lower = r["neg_elbo_runs"].index(min(r["neg_elbo_runs"]))
        assert r["median_seed"] == r["seeds"][lower]
        for key in ("neg_elbo", "reconstruction", "kl", "iwae_nll"):
            assert r[key] == r[f"{key}_runs"][lower]
        assert_elbo_terms(r)
        assert (r["recipe"]["architecture"], r["recipe"]["epochs"]) == (architecture, 1)
    ref, new = figures["reference"], figures["default"]
    assert set(figures["ratios"]) == {"train_seconds", "neg_elbo"}
    for key, ratio in figures["ratios"].items():
        assert ratio == pytest.approx(new[key] / ref[key], rel=1e-12)
    assert "231 training / 25 validation / 64 test images" in stdout and "median of 2 paired runs (seeds 0-1)" in stdout
    assert f"chosen by the validation -ELBO: {figures['chosen']}" in stdout


def test_text_vae_benchmark_reports_the_repeat_vae_and_the_language_model(tmp_path):
    tiny = "--epochs 1 --n-train 64 --n-test 16 --iwae-k 2 --models repeat lm"
    figures, stdout = run_benchmark("text_vae", tmp_path, *tiny.split())
    assert list(figures) == ["repeat", "lm"]
    assert_elbo_terms(figures["repeat"])
    assert figures["repeat"]["active_units"] in range(33)  # of the recipe's 32 latent dimensions
    lm = figures["lm"]
    assert_finite(lm, ("iwae_nll", "train_seconds"))
    assert lm["iwae_nll"] > 0 and (lm["kl"], lm["active_units"]) == (0, 0)
    assert "repeat (original guide)" in stdout and "seed" not in stdout.lower()


def test_xla_benchmark_times_a_model_with_and_without_xla(tmp_path):
    figures, _ = run_benchmark("xla", tmp_path, *"--epochs 2 --n-train 64 --n-val 16 --cases lm".split())
    assert list(figures) == ["04 language model"]
    r = figures["04 language model"]
    for run in ("off", "on"):
        assert_finite(r[run], ("first_epoch_s", "median_epoch_s", "val_loss"))
        assert r[run]["median_epoch_s"] > 0
    assert r["ratio"] == pytest.approx(r["on"]["median_epoch_s"] / r["off"]["median_epoch_s"], rel=1e-12)
    # the language model draws no noise: same seed and data, so XLA changes the loss by float rounding only
    assert r["on"]["val_loss"] == pytest.approx(r["off"]["val_loss"], rel=1e-3)


def test_projected_logits_benchmark_gives_the_same_loss_both_ways(tmp_path):
    figures, _ = run_benchmark("projected_logits", tmp_path, *"--epochs 2 --n-train 64 --n-val 16 --cases lm".split())
    assert list(figures) == ["04 language model"]
    r = figures["04 language model"]
    assert 0 < r["padding"] < 1
    for run in ("full", "real_only"):
        assert_finite(r[run], ("first_epoch_s", "median_epoch_s", "val_loss"))
    assert r["ratio"] == pytest.approx(r["real_only"]["median_epoch_s"] / r["full"]["median_epoch_s"], rel=1e-12)
    # the same model and seed through the full logits and the projected loss: the same held-out loss
    assert r["real_only"]["val_loss"] == pytest.approx(r["full"]["val_loss"], rel=1e-4)


def test_constraints_benchmark_measures_topic_adherence_of_all_four_models(tmp_path):
    samples = 2
    tiny = f"--posts 40 --epochs 1 --penalty-epochs 1 --samples {samples} --w2v-epochs 1 --vector-size 16 --units 8 8"
    tiny += f" --steer-posts 10 --steer-epochs 1 --out {tmp_path / 'out'}"
    figures, stdout = run_benchmark("constraints", tmp_path, *tiny.split())
    models = ("unconditioned", "conditional", "latent_penalty", "latent_penalty_joint")
    steering = ("variations", "steered")
    other = {"topics", "timings", "settings", "recipe", "examples", "steered_examples", "diagnostics"}
    assert set(figures) == {*models, *steering, *other}
    recipe = figures["recipe"]  # the blog model (LSTM) with --units and --epochs
    assert (recipe["cell"], recipe["encoder_units"], recipe["decoder_units"], recipe["epochs"]) == ("lstm", 8, 8, 1)
    topics = figures["topics"]
    assert len(topics) == 4 and all(1 <= len(words) <= 3 for words in topics.values())
    for name in (*models, *steering):
        r = figures[name]
        assert_finite(r, ("in_space_hit_rate", "independent_hit_rate", "mean_cosine", "keyword_share", "distinct_2"))
        assert 0 <= r["in_space_hit_rate"] <= 1 and 0 <= r["independent_hit_rate"] <= 1 and -1 <= r["mean_cosine"] <= 1
        assert 0 <= r["keyword_share"] <= 1 and 0 <= r["distinct_2"] <= 1
        assert r["n"] == (samples if name in models else r.get("held_out_posts", 0)) * len(topics)
    for name in steering:  # one variation of each held-out post (2 of 10) per topic
        assert figures[name]["held_out_posts"] == 2 and 0 <= figures[name]["source_retrieval"] <= 1
    assert set(figures["steered_examples"]) == {"variations", "steered", "source"}
    timings = figures["timings"]
    assert_finite(timings, timings)
    assert timings["total_seconds"] >= sum(v for k, v in timings.items() if k != "total_seconds")
    diagnostics = figures["diagnostics"]
    low, high = diagnostics["keyword_codes_squared_distance"]
    assert finite(low) and finite(high) and 0 <= low <= high
    assert set(diagnostics["topic_code_gain_nats"]) == {"latent_penalty", "latent_penalty_joint"}
    assert_finite(diagnostics["topic_code_gain_nats"], diagnostics["topic_code_gain_nats"])
    assert set(figures["examples"]) == set(topics)
    # --out: the steered variations beside their sources, and blind-reading files of them
    written = (tmp_path / "out" / "steered-variations.txt").read_text(encoding="utf-8")
    assert written.count("SOURCE: ") == 2 and all(written.count(f"  {name}: ") == 2 for name in topics)
    key = json.loads((tmp_path / "out" / "blind-steered-key.json").read_text(encoding="utf-8"))["lines"]
    items = (tmp_path / "out" / "blind-steered-items.txt").read_text(encoding="utf-8").splitlines()
    assert len(items) == len(key) and {e["kind"] for e in key.values()} == {"generated", "real"}
    kinds = [e["kind"] for e in key.values()]
    assert kinds.count("generated") >= kinds.count("real") >= 1  # as many real lines as there are, up to generated
    assert (figures["settings"]["samples"], figures["settings"]["posts"]) == (samples, 40)
    assert "40 posts" in stdout


def test_text_quality_benchmark_measures_the_three_models_alike(tmp_path):
    tiny = f"--epochs 1 --iwae-k 2 --variations 1 --posts 10 --out {tmp_path / 'quality'}"
    figures, stdout = run_benchmark("text_quality", tmp_path, *tiny.split())
    assert set(figures) == {"scratch", "pretrained", "fine_tuned"}
    keys = ("neg_elbo", "iwae_nll", "nll_per_token", "kl", "mutual_information", "bleu4", "token_accuracy")
    keys += ("source_retrieval", "copies", "repeated_trigram_share", "unk_share", "equal_to_input", "new_word_share")
    for name, r in figures.items():
        assert_finite(r, (*keys, "active_units", "train_seconds"))
        assert 0 <= r["bleu4"] <= 1 and 0 <= r["source_retrieval"] <= 1, name
    assert figures["scratch"]["token_unit"].startswith("word") and figures["fine_tuned"]["token_unit"].startswith("BPE")
    assert figures["pretrained"]["unk_share"] == figures["fine_tuned"]["unk_share"] == 0
    for name in figures:
        assert (tmp_path / "quality" / f"variations-{name}.txt").read_text().startswith("SOURCE: ")
        assert (tmp_path / "quality" / f"blind-{name}-items.txt").is_file()
