"""Side-by-side on the Lee sentences' fixed split: the original guide's repeat-decoder VAE
(``TEXT_RECIPES["repeat"]``), the autoregressive VAE with cures (``TEXT_RECIPES["cured"]``),
and a GRU language model of the cured VAE's decoder size (no latent).

Prints held-out NLL per sentence (negative ELBO = reconstruction + KL and the IWAE estimate for
the VAEs, the exact NLL for the language model), KL, active units and training seconds.

    .venv/bin/python benchmarks/text_vae.py [--epochs 10] [--iwae-k 100] [--json build/bench_text.json]

A smoke run (seconds, figures meaningless): ``--epochs 1 --n-train 64 --n-test 16 --iwae-k 2 --models repeat lm``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from vae_tutorial.text import measures
from vae_tutorial.text.tokens import Vectorizer
from vae_tutorial.text.corpus import load_sample_sentences
from vae_tutorial.text.train import train_language_model, train_text_vae

# --models name (and JSON key): its printed label. "repeat" and "cured" are recipes of TEXT_RECIPES;
# "lm" is the language model with the cured recipe's decoder (embed_dim, decoder_units, cell).
MODELS = {"repeat": "repeat (original guide)", "cured": "cured autoregressive", "lm": "language model"}


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=positive, default=10, help="epochs for every model (default 10)")
    parser.add_argument("--iwae-k", type=positive, default=100, help="importance samples per held-out sentence")
    parser.add_argument("--n-train", type=positive, help="the first N training sentences only (default: all)")
    parser.add_argument("--n-test", type=positive, help="the first N held-out sentences only (default: all 300)")
    parser.add_argument(
        "--models", nargs="+", choices=list(MODELS), default=list(MODELS), help="models to train (default: all three)"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed of every model (default 0)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    train, test = load_sample_sentences()
    train, test = train[: args.n_train], test[: args.n_test]
    vectorizer = Vectorizer.build(train, max_vocab=5000, max_length=40)
    x_train, x_test = vectorizer.encode(train), vectorizer.encode(test)
    print(
        f"{len(train)} training / {len(test)} held-out sentences, vocabulary {vectorizer.vocab_size}, "
        f"max {vectorizer.max_length} tokens, {args.epochs} epochs each"
    )
    results = {}
    for name in dict.fromkeys(args.models):  # each once, in the order given
        settings = {"vocab_size": vectorizer.vocab_size, "epochs": args.epochs, "seed": args.seed, "verbose": 0}
        start = time.perf_counter()
        if name == "lm":
            lm, _ = train_language_model(x_train, recipe="cured", **settings)
            seconds = time.perf_counter() - start
            results[name] = {
                "iwae_nll": float(np.mean(lm.nll(x_test))),  # the exact -log p(x): no latent to integrate over
                "kl": 0.0,
                "active_units": 0,
                "train_seconds": seconds,
            }
            continue
        model, _ = train_text_vae(x_train, recipe=name, **settings)
        seconds = time.perf_counter() - start
        report = measures.text_report(model, x_test, k=args.iwae_k, seed=args.seed)
        results[name] = {
            **{k: report[k] for k in ("neg_elbo", "reconstruction", "kl", "iwae_nll", "active_units")},
            "train_seconds": seconds,
        }
    print(f"{'model':<24} {'-ELBO':>8} {'IWAE/NLL':>9} {'KL':>6} {'active':>6} {'train s':>8}   (nats per sentence)")
    for name, r in results.items():
        elbo = f"{r['neg_elbo']:8.2f}" if "neg_elbo" in r else f"{'-':>8}"
        print(
            f"{MODELS[name]:<24} {elbo} {r['iwae_nll']:9.2f} {r['kl']:6.2f} {r['active_units']:6d} "
            f"{r['train_seconds']:8.1f}"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
