"""Side-by-side: the text models' training loss with the output layer at every position vs at
the real (non-padding) positions only (``losses.projected_token_nll``, what the package uses).

The masked token NLL ignores padded positions, yet projecting them onto the 5,000-word
vocabulary is most of what they cost: the output layer is a large share of a training step (most
of a language model's), and padding is ~45% of notebook 04's positions and ~30% of notebook
05's. This benchmark trains each model with the same seed and data twice in one process, first
through the full (n, 40, 5000) logits and ``masked_token_nll`` (the package before the change),
then through the projected loss, and prints the median epoch seconds (epochs 2.., the first
includes tracing), their ratio and the last held-out loss of each run (equal up to float
rounding, which grows over epochs).

Same arguments, data and models as benchmarks/xla.py (``--cases cured lm blog``).

    .venv/bin/python benchmarks/projected_logits.py [--epochs 4] [--json build/bench_projected.json]

A smoke run (seconds, figures meaningless): ``--epochs 2 --n-train 64 --n-val 16 --cases lm``.
"""

from __future__ import annotations

import functools
import json

import numpy as np

from xla import CASES, arguments, both_datasets, measure  # the same data and timing as benchmarks/xla.py

from vae_tutorial._backend import keras
from vae_tutorial.text.tokens import PAD_ID
from vae_tutorial.theory.losses import masked_token_nll
from vae_tutorial.text.language_model import LanguageModel
from vae_tutorial.text.vae import TextVAE
from vae_tutorial.text.recipes import BLOG_RECIPE, TEXT_RECIPES


class FullTextVAE(TextVAE):
    """The loss through the full logits, as before."""

    def _decoded_nll(self, ids, z, decoder_ids, condition, training):
        return masked_token_nll(ids, self._decode(z, decoder_ids, condition, training), PAD_ID)


class FullLanguageModel(LanguageModel):
    """The loss through the full logits, as before."""

    def _loss_terms(self, data, training):
        ids = keras.ops.cast(data[0] if isinstance(data, (tuple, list)) else data, "int32")
        return (keras.ops.mean(masked_token_nll(ids, self(ids, training=training), PAD_ID)),)


def check_overrides() -> None:
    """The "full" classes replace a private method of the package's: if it is renamed, they would
    silently train through the projected loss too, and the benchmark would compare a model with itself."""
    for full, base in ((FullTextVAE, TextVAE), (FullLanguageModel, LanguageModel)):
        for name in vars(full):
            if callable(vars(full)[name]) and not name.startswith("__") and not callable(getattr(base, name, None)):
                raise SystemExit(f"{base.__name__} has no method {name!r} any more: update {full.__name__}")


def main() -> None:
    check_overrides()
    args = arguments(__doc__)
    v, x, x_val, bv, bx, bx_val = both_datasets(args.n_train, args.n_val)
    cured = TEXT_RECIPES["cured"]
    vae, blog = {"seed": 0, **cured.model_kwargs()}, {"seed": 0, **BLOG_RECIPE.model_kwargs()}
    lm = {"embed_dim": cured.embed_dim, "units": cured.decoder_units, "cell": cured.cell}
    cases = {
        "cured": (FullTextVAE, TextVAE, (v.vocab_size, v.max_length), vae, x, x_val, cured.batch_size),
        "lm": (FullLanguageModel, LanguageModel, (v.vocab_size, v.max_length), lm, x, x_val, cured.batch_size),
        "blog": (FullTextVAE, TextVAE, (bv.vocab_size, bv.max_length), blog, bx, bx_val, BLOG_RECIPE.batch_size),
    }
    results = {}
    print(f"{args.epochs} epochs per run; median of epochs 2..{args.epochs}, seconds")
    print(f"{'model':<20} {'padding':>7} {'full':>6} {'real only':>9} {'ratio':>6} {'val loss full / real':>21}")
    for case in args.cases:
        name, (full_cls, cls, a, kw, xs, xs_val, batch) = CASES[case], cases[case]
        full = measure(functools.partial(full_cls, *a, **kw), xs, xs_val, batch, args.epochs, jit=False)
        real = measure(functools.partial(cls, *a, **kw), xs, xs_val, batch, args.epochs, jit=False)
        padding = float(np.mean(xs == PAD_ID))
        ratio = real["median_epoch_s"] / full["median_epoch_s"]
        seconds = f"{full['median_epoch_s']:6.1f} {real['median_epoch_s']:9.1f} {ratio:6.2f}"
        losses = f"{full['val_loss']:.3f} / {real['val_loss']:.3f}"
        print(f"{name:<20} {padding:7.2f} {seconds} {losses:>21}")
        results[name] = {"padding": padding, "full": full, "real_only": real, "ratio": ratio}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
