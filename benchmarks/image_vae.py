"""Side-by-side: the keras.io VAE example's configuration vs the project's default recipe.

Same split (load_digits, seed 0), same latent size 2, one process, run one after the other.
Prints training seconds, held-out negative ELBO and IWAE NLL (nats per image) and ratios.

    .venv/bin/python benchmarks/image_vae.py [--epochs-scale 0.1] [--json build/bench_image.json]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from vae_tutorial import evaluation
from vae_tutorial.data.images import load_digits
from vae_tutorial.models.image_vae import RECIPES, train_image_vae


def measure(recipe: str, x_train, x_test, epochs_scale: float, iwae_k: int) -> dict[str, float]:
    epochs = max(1, round(RECIPES[recipe]["epochs"] * epochs_scale))
    start = time.perf_counter()
    model, _ = train_image_vae(x_train, recipe=recipe, epochs=epochs, seed=0, verbose=0)
    seconds = time.perf_counter() - start
    elbo = evaluation.negative_elbo(model, x_test, n_samples=10)
    return {
        "epochs": epochs,
        "train_seconds": seconds,
        "neg_elbo": elbo["neg_elbo"],
        "kl": elbo["kl"],
        "iwae_nll": evaluation.importance_weighted_nll(model, x_test, k=iwae_k),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs-scale", type=float, default=1.0, help="scale BOTH recipes' epochs (quick check)")
    parser.add_argument("--iwae-k", type=int, default=100, help="importance samples per test image")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    (x_train, _), (x_test, _) = load_digits(test_fraction=0.2, seed=0)
    results = {
        name: measure(name, x_train, x_test, args.epochs_scale, args.iwae_k) for name in ("reference", "default")
    }
    ref, new = results["reference"], results["default"]
    results["ratios"] = {k: new[k] / ref[k] for k in ("train_seconds", "neg_elbo")}
    print(f"{'recipe':<10} {'epochs':>6} {'train s':>8} {'-ELBO':>8} {'IWAE NLL':>9} {'KL':>6}   (nats per image)")
    for name in ("reference", "default"):
        r = results[name]
        print(
            f"{name:<10} {r['epochs']:>6} {r['train_seconds']:>8.1f} {r['neg_elbo']:>8.2f} {r['iwae_nll']:>9.2f} "
            f"{r['kl']:>6.2f}"
        )
    print(
        f"ratios default/reference: train time {results['ratios']['train_seconds']:.3f}, "
        f"-ELBO {results['ratios']['neg_elbo']:.3f}"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
