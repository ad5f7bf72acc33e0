"""Side-by-side: training the recurrent models with and without XLA (``jit_compile``) on CPU.

Keras turns XLA off on machines without a GPU (``jit_compile="auto"``), and for the small
convolutional image VAE that is right: XLA made it slower on this project's 2-core CPU. The
recurrent models are different: each training step runs a GRU or LSTM over 40 positions and a
5,000-word output layer, and XLA fuses the loop body. This benchmark trains each model with the
same seed and data twice in one process, ``jit_compile=False`` then ``True``, and prints the
first epoch's seconds (it includes tracing and compiling), the median of the other epochs, their
ratio, and the last held-out loss of each run (the two runs draw different word-dropout and
sampling noise, so the losses agree only statistically).

Models: the "cured" sentence VAE and the language model of notebook 04 on the Lee sentences
(batch 64), and the blog VAE of notebook 05 (LSTM, batch 32) on the Lee sample blog's windows.

    .venv/bin/python benchmarks/xla.py [--epochs 4] [--json build/bench_xla.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import warnings
from pathlib import Path

import numpy as np

from vae_tutorial.models.text_vae import TEXT_RECIPES, LanguageModel, TextVAE
from vae_tutorial.blog import BLOG_MODEL, EpochFigures
from vae_tutorial.config import seed_everything
from vae_tutorial.data.posts import chunk_posts, load_blog_folder, split_posts, write_sample_blog_folder
from vae_tutorial.data.text import Vectorizer, load_sample_sentences
import keras


def sentences():
    train, test = load_sample_sentences(max_tokens=39, n_test=300, seed=0)
    vectorizer = Vectorizer.build(train, max_vocab=5000, max_length=40)
    return vectorizer, vectorizer.encode(train), vectorizer.encode(test)


def blog_windows(folder: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the sample blog's 7 duplicate articles
        posts = load_blog_folder(write_sample_blog_folder(folder))
    train_posts, val_posts = split_posts(posts, 0.1, seed=42)
    train = [c for _, c in chunk_posts(train_posts, 39)]
    vectorizer = Vectorizer.build(train, max_vocab=5000, max_length=40)
    return vectorizer, vectorizer.encode(train), vectorizer.encode([c for _, c in chunk_posts(val_posts, 39)])


def measure(build, x, x_val, batch_size: int, epochs: int, jit: bool) -> dict[str, float]:
    seed_everything(0)
    model = build()
    model.compile(keras.optimizers.Adam(1e-3), jit_compile=jit)
    history = model.fit(
        x, validation_data=(x_val,), epochs=epochs, batch_size=batch_size, verbose=0, callbacks=[EpochFigures()]
    )
    seconds = history.history["seconds"]  # wall time per epoch, added by the blog trainer's callback
    return {
        "first_epoch_s": seconds[0],
        "median_epoch_s": float(np.median(seconds[1:])),
        "val_loss": history.history["val_loss"][-1],
    }


def arguments(doc: str) -> argparse.Namespace:
    """--epochs (at least 2: the first epoch includes tracing and compiling) and --json."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=4, help="epochs per run, at least 2 (default 4)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.epochs < 2:
        parser.error("--epochs must be at least 2: the first epoch includes tracing and compiling")
    return args


def both_datasets():
    """(vectorizer, train ids, validation ids) of notebook 04's sentences, then of 05's windows."""
    with tempfile.TemporaryDirectory() as tmp:
        return (*sentences(), *blog_windows(Path(tmp)))


def main() -> None:
    args = arguments(__doc__)
    v, x, x_val, bv, bx, bx_val = both_datasets()
    cases = {
        "04 cured VAE": (lambda: TextVAE(v.vocab_size, 40, 32, seed=0, **TEXT_RECIPES["cured"]["model"]), x, x_val, 64),
        "04 language model": (lambda: LanguageModel(v.vocab_size, 40), x, x_val, 64),
        "05 blog VAE (LSTM)": (lambda: TextVAE(bv.vocab_size, 40, 32, seed=0, **BLOG_MODEL), bx, bx_val, 32),
    }
    results = {}
    print(f"{args.epochs} epochs per run; seconds; 'other' = median of epochs 2..{args.epochs}")
    print(f"{'model':<20} {'XLA':>4} {'1st epoch':>9} {'other':>7} {'val loss':>9}")
    for name, (build, xs, xs_val, batch) in cases.items():
        runs = {jit: measure(build, xs, xs_val, batch, args.epochs, jit) for jit in (False, True)}
        for jit, r in runs.items():
            seconds = f"{r['first_epoch_s']:9.1f} {r['median_epoch_s']:7.1f}"
            print(f"{name:<20} {'on' if jit else 'off':>4} {seconds} {r['val_loss']:9.2f}")
        ratio = runs[True]["median_epoch_s"] / runs[False]["median_epoch_s"]
        print(f"{'':<20} XLA / no XLA, median epoch: {ratio:.2f}")
        results[name] = {"off": runs[False], "on": runs[True], "ratio": ratio}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
