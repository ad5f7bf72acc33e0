"""Side-by-side: the keras.io VAE example's configuration vs the project's default recipe.

Same split (load_digits, seed 0; a tenth of the training digits, stratified, held back for
validation), same latent size 2, one process, run one after the other:
``IMAGE_RECIPES["reference"]`` (the keras.io example's conv layers, sigmoid + clipped BCE, which
the original guide copies) then ``IMAGE_RECIPES["default"]``, each for its recipe's epochs
(times ``--epochs-scale``), ``--repeats`` times in alternation. Repeat r trains both recipes
with seed r: a seed fixes the initial weights and the batch order, and changing it moves the
test figures by a few nats (as much as tuning a recipe does), so one seed's figures are not a
measurement. The recipe is **chosen** by the median negative ELBO on the validation digits; the
test digits are scored once per run, for the figures that are reported: the median training
seconds; the test negative ELBO (= reconstruction + KL) and IWAE NLL (nats per image) of the
median run by test negative ELBO; each run's figures (``<figure>_runs``); and the ratios
default / reference of these.

    .venv/bin/python benchmarks/image_vae.py [--repeats 3] [--epochs-scale 0.1] [--json build/bench_image.json]

A smoke run (seconds, figures meaningless):
``--repeats 1 --epochs-scale 0.01 --n-train 256 --n-test 64 --iwae-k 2``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from vae_tutorial.theory import estimates
from vae_tutorial.images.data import load_digits, stratified_split
from vae_tutorial.images.recipes import IMAGE_RECIPES
from vae_tutorial.images.kinds import IMAGE_VAE

NAMES = ("reference", "default")
# Reported as the median over the repeats: the training time and the validation figure chosen by.
MEDIANS = ("train_seconds", "val_neg_elbo")
# The test figures are those of the median run by test -ELBO (the lower middle one for an even count),
# so that reconstruction + KL still add up to the -ELBO reported. Every run's are kept as "<figure>_runs".
TEST_FIGURES = ("neg_elbo", "reconstruction", "kl", "iwae_nll")


def median_run(runs: list[dict]) -> dict:
    """The run whose test negative ELBO is the median (the lower of the two middle ones)."""
    middle = statistics.median_low(r["neg_elbo"] for r in runs)
    return next(r for r in runs if r["neg_elbo"] == middle)


def summarise(runs: list[dict]) -> dict:
    """One recipe's figures over its runs: MEDIANS as medians, TEST_FIGURES from the median run."""
    middle = median_run(runs)
    return {
        "epochs": runs[0]["epochs"],
        **{key: statistics.median(r[key] for r in runs) for key in MEDIANS},
        **{key: middle[key] for key in TEST_FIGURES},
        "median_seed": middle["seed"],
        **{f"{key}_runs": [r[key] for r in runs] for key in (*MEDIANS, *TEST_FIGURES)},
        "seeds": [r["seed"] for r in runs],
        "recipe": runs[0]["recipe"],
    }


VAL_FRACTION = 0.1  # of the training digits, to choose the recipe on


def measure(name: str, x_train, x_val, x_test, epochs_scale: float, iwae_k: int, seed: int) -> dict:
    """Train IMAGE_RECIPES[name] (its epochs times epochs_scale, at least 1) on x_train with ``seed``;
    its negative ELBO on x_val (to choose by) and its figures on x_test (to report)."""
    epochs = max(1, round(IMAGE_RECIPES[name].epochs * epochs_scale))
    start = time.perf_counter()
    model, _ = IMAGE_VAE.train(x_train, recipe=name, epochs=epochs, seed=seed, verbose=0)
    seconds = time.perf_counter() - start
    elbo = estimates.negative_elbo(model, x_test, n_samples=10)
    return {
        "seed": seed,
        "epochs": epochs,
        "val_neg_elbo": estimates.negative_elbo(model, x_val, n_samples=10)["neg_elbo"],
        "train_seconds": seconds,
        "neg_elbo": elbo["neg_elbo"],
        "reconstruction": elbo["reconstruction"],
        "kl": elbo["kl"],
        "iwae_nll": estimates.importance_weighted_nll(model, x_test, k=iwae_k),
        "recipe": IMAGE_RECIPES[name].replace(epochs=epochs).to_dict(),  # as trained
    }


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=positive, default=3, help="paired runs; times are medians (default 3)")
    parser.add_argument("--epochs-scale", type=float, default=1.0, help="scale BOTH recipes' epochs (quick check)")
    parser.add_argument("--iwae-k", type=positive, default=100, help="importance samples per test image (default 100)")
    parser.add_argument("--n-train", type=positive, help="the first N training images only (default: all 4,000)")
    parser.add_argument("--n-test", type=positive, help="the first N test images only (default: all 1,000)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if not args.epochs_scale > 0:
        parser.error(f"--epochs-scale must be positive, got {args.epochs_scale}")
    (x_train, y_train), (x_test, _) = load_digits(test_fraction=0.2, seed=0)
    x_train, y_train, x_test = x_train[: args.n_train], y_train[: args.n_train], x_test[: args.n_test]
    (x_train, _), (x_val, _) = stratified_split(x_train, y_train, VAL_FRACTION, seed=0)
    runs = {name: [] for name in NAMES}
    for seed in range(args.repeats):  # alternating, so that a slow spell of the machine hits both
        for name in NAMES:
            runs[name].append(measure(name, x_train, x_val, x_test, args.epochs_scale, args.iwae_k, seed))
    results = {name: summarise(runs[name]) for name in NAMES}
    ref, new = results["reference"], results["default"]
    results["ratios"] = {k: new[k] / ref[k] for k in ("train_seconds", "neg_elbo")}
    results["chosen"] = min(NAMES, key=lambda name: results[name]["val_neg_elbo"])
    print(
        f"{len(x_train)} training / {len(x_val)} validation / {len(x_test)} test images, {args.iwae_k} importance "
        f"samples per test image, median of {args.repeats} paired runs (seeds 0-{args.repeats - 1})"
    )
    print(
        f"{'recipe':<10} {'epochs':>6} {'train s':>8} {'val -ELBO':>9} | {'test -ELBO':>10} {'IWAE NLL':>9} {'KL':>6}"
        "   (nats per image)"
    )
    for name in NAMES:
        r = results[name]
        print(
            f"{name:<10} {r['epochs']:>6} {r['train_seconds']:>8.1f} {r['val_neg_elbo']:>9.2f} | "
            f"{r['neg_elbo']:>10.2f} {r['iwae_nll']:>9.2f} {r['kl']:>6.2f}"
        )
    for name in NAMES:
        print(f"{name} test -ELBO by seed: " + ", ".join(f"{value:.2f}" for value in results[name]["neg_elbo_runs"]))
    print("(test columns: the median run by test -ELBO; train s and val -ELBO: medians)")
    print(f"chosen by the validation -ELBO: {results['chosen']} (the test columns are reported, never chosen by)")
    print(
        f"ratios default/reference: train time {results['ratios']['train_seconds']:.3f}, "
        f"-ELBO {results['ratios']['neg_elbo']:.3f}"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
