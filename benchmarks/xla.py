"""Side-by-side: training the recurrent models with and without XLA (``jit_compile``) on CPU.

Keras turns XLA off on machines without a GPU (``jit_compile="auto"``), and for the small
convolutional image VAE that is right: XLA made it slower on this project's 2-core CPU. The
recurrent models are different: each training step runs a GRU or LSTM over 40 positions and a
5,000-word output layer, and XLA fuses the loop body. This benchmark trains each model with the
same seed and data twice in one process, ``jit_compile=False`` then ``True``, and prints the
first epoch's seconds (it includes tracing and compiling), the median of the other epochs, their
ratio, and the last held-out loss of each run (the two runs draw different word-dropout and
sampling noise, so the losses agree only statistically).

Models (``--cases``): "cured", the ``TEXT_RECIPES["cured"]`` sentence VAE, and "lm", the language
model of notebook 04 on the Lee sentences (batch 64), and "blog", the ``BLOG_RECIPE`` VAE of
notebook 05 (LSTM, batch 32) on the Lee sample blog's windows.

    .venv/bin/python benchmarks/xla.py [--epochs 4] [--cases cured lm blog] [--json build/bench_xla.json]

A smoke run (seconds, figures meaningless): ``--epochs 2 --n-train 64 --n-val 16 --cases lm``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import warnings
from pathlib import Path

import numpy as np

from vae_tutorial._backend import keras
from vae_tutorial.config import seed_everything
from vae_tutorial.text.windows import chunk_posts, split_posts
from vae_tutorial.text.posts import load_blog_folder, write_sample_blog_folder
from vae_tutorial.text.tokens import Vectorizer
from vae_tutorial.text.corpus import load_sample_sentences
from vae_tutorial.text.language_model import LanguageModel
from vae_tutorial.text.vae import TextVAE
from vae_tutorial.training.callbacks import EpochFigures
from vae_tutorial.text.recipes import BLOG_RECIPE, TEXT_RECIPES

# --cases name: the row label (and JSON key) of each model
CASES = {"cured": "04 cured VAE", "lm": "04 language model", "blog": "05 blog VAE (LSTM)"}


def sentences(n_train: int | None = None, n_val: int | None = None):
    """(vectorizer, train ids, validation ids) of notebook 04's sentences, the first n_train / n_val of each."""
    train, test = load_sample_sentences(max_tokens=39, n_test=300, seed=0)
    train, test = train[:n_train], test[:n_val]
    vectorizer = Vectorizer.build(train, max_vocab=5000, max_length=40)
    return vectorizer, vectorizer.encode(train), vectorizer.encode(test)


def blog_windows(folder: Path, n_train: int | None = None, n_val: int | None = None):
    """(vectorizer, train ids, validation ids) of notebook 05's windows, the first n_train / n_val of each."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the sample blog's 7 duplicate articles
        posts = load_blog_folder(write_sample_blog_folder(folder))
    train_posts, val_posts = split_posts(posts, BLOG_RECIPE.val_fraction, seed=42)
    size = BLOG_RECIPE.max_length - 1  # tokens per window, [EOS] excluded
    train = [c for _, c in chunk_posts(train_posts, size)][:n_train]
    val = [c for _, c in chunk_posts(val_posts, size)][:n_val]
    vectorizer = Vectorizer.build(train, max_vocab=BLOG_RECIPE.vocab_size, max_length=BLOG_RECIPE.max_length)
    return vectorizer, vectorizer.encode(train), vectorizer.encode(val)


def measure(build, x, x_val, batch_size: int, epochs: int, jit: bool) -> dict[str, float]:
    """Seed, build, compile with ``jit_compile=jit`` and fit (no KL annealing): epoch seconds and last val_loss."""
    seed_everything(0)
    model = build()
    model.compile(keras.optimizers.Adam(1e-3), jit_compile=jit)
    history = model.fit(
        x, validation_data=(x_val,), epochs=epochs, batch_size=batch_size, verbose=0, callbacks=[EpochFigures()]
    )
    seconds = history.history["seconds"]  # wall time per epoch, added by EpochFigures
    return {
        "first_epoch_s": seconds[0],
        "median_epoch_s": float(np.median(seconds[1:])),
        "val_loss": history.history["val_loss"][-1],
    }


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def arguments(doc: str) -> argparse.Namespace:
    """--epochs (at least 2: the first epoch includes tracing and compiling), --cases, --n-train, --n-val, --json."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=4, help="epochs per run, at least 2 (default 4)")
    parser.add_argument(
        "--cases", nargs="+", choices=list(CASES), default=list(CASES), help="models to run (default: all three)"
    )
    parser.add_argument("--n-train", type=positive, help="the first N training sequences of each data set")
    parser.add_argument("--n-val", type=positive, help="the first N validation sequences of each data set")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.epochs < 2:
        parser.error("--epochs must be at least 2: the first epoch includes tracing and compiling")
    args.cases = list(dict.fromkeys(args.cases))  # each once, in the order given
    return args


def both_datasets(n_train: int | None = None, n_val: int | None = None):
    """(vectorizer, train ids, validation ids) of notebook 04's sentences, then of 05's windows."""
    with tempfile.TemporaryDirectory() as tmp:
        return (*sentences(n_train, n_val), *blog_windows(Path(tmp), n_train, n_val))


def main() -> None:
    args = arguments(__doc__)
    v, x, x_val, bv, bx, bx_val = both_datasets(args.n_train, args.n_val)
    cured = TEXT_RECIPES["cured"]
    cases = {
        "cured": (
            lambda: TextVAE(v.vocab_size, v.max_length, **cured.model_kwargs(), seed=0),
            x,
            x_val,
            cured.batch_size,
        ),
        "lm": (
            lambda: LanguageModel(v.vocab_size, v.max_length, cured.embed_dim, cured.decoder_units, cured.cell),
            x,
            x_val,
            cured.batch_size,
        ),
        "blog": (
            lambda: TextVAE(bv.vocab_size, bv.max_length, **BLOG_RECIPE.model_kwargs(), seed=0),
            bx,
            bx_val,
            BLOG_RECIPE.batch_size,
        ),
    }
    results = {}
    print(f"{args.epochs} epochs per run; seconds; 'other' = median of epochs 2..{args.epochs}")
    print(f"{'model':<20} {'XLA':>4} {'1st epoch':>9} {'other':>7} {'val loss':>9}")
    for case in args.cases:
        name, (build, xs, xs_val, batch) = CASES[case], cases[case]
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
