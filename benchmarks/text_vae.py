"""Side-by-side on the Lee sentences' fixed split: the seed's repeat-decoder VAE, the
autoregressive VAE with cures, and a GRU language model of the same size (no latent).

Prints held-out NLL per sentence (negative ELBO and IWAE estimate for the VAEs, the exact NLL
for the language model), KL, active units and training seconds.

    .venv/bin/python benchmarks/text_vae.py [--epochs 10] [--json build/bench_text.json]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from vae_tutorial import evaluation
from vae_tutorial.data.text import Vectorizer, load_sample_sentences
from vae_tutorial.models.text_vae import train_language_model, train_text_vae


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=10, help="epochs for every model (default 10)")
    parser.add_argument("--iwae-k", type=int, default=100, help="importance samples per held-out sentence")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    train, test = load_sample_sentences()
    vectorizer = Vectorizer.build(train, max_vocab=5000, max_length=40)
    x_train, x_test = vectorizer.encode(train), vectorizer.encode(test)
    print(
        f"{len(train)} training / {len(test)} held-out sentences, vocabulary {vectorizer.vocab_size}, "
        f"max {vectorizer.max_length} tokens, {args.epochs} epochs each"
    )
    results = {}
    for name, recipe in (("seed_repeat", "seed_repeat"), ("autoregressive", "cured")):
        start = time.perf_counter()
        model, _ = train_text_vae(
            x_train, vocab_size=vectorizer.vocab_size, recipe=recipe, epochs=args.epochs, verbose=0
        )
        seconds = time.perf_counter() - start
        report = evaluation.text_report(model, x_test, k=args.iwae_k)
        results[name] = {
            **{k: report[k] for k in ("neg_elbo", "iwae_nll", "kl", "active_units")},
            "train_seconds": seconds,
        }
    start = time.perf_counter()
    lm, _ = train_language_model(x_train, vocab_size=vectorizer.vocab_size, epochs=args.epochs, verbose=0)
    seconds = time.perf_counter() - start
    results["lm"] = {"iwae_nll": float(np.mean(lm.nll(x_test))), "kl": 0.0, "active_units": 0, "train_seconds": seconds}
    print(f"{'model':<15} {'-ELBO':>8} {'IWAE/NLL':>9} {'KL':>6} {'active':>6} {'train s':>8}   (nats per sentence)")
    for name, r in results.items():
        elbo = f"{r['neg_elbo']:8.2f}" if "neg_elbo" in r else f"{'-':>8}"
        print(f"{name:<15} {elbo} {r['iwae_nll']:9.2f} {r['kl']:6.2f} {r['active_units']:6d} {r['train_seconds']:8.1f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
