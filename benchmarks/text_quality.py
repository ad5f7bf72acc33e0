"""What a reader of the text models gets, measured: today's scratch-trained blog model, the shipped
pretrained sentence VAE, and that model fine-tuned on the sample blog, side by side.

The sample blog is the 60 Lee articles that pretraining never saw; 12 posts (val_fraction 0.2,
seed 0) are held out from fine-tuning and scratch training, and every figure is on them (they are
also the validation posts that choose the early-stopping epoch: validation figures, not test figures):

- held-out negative ELBO, KL and IWAE NLL per window (nats), and per token (``token_unit``: a
  word for the word-level scratch model, a BPE piece for the subword ones: per-token figures of
  different units are not comparable, per-window ones are);
- mutual information I(x; z) and active units;
- reconstruction: greedy decoding from the posterior mean, BLEU-4 and exact-token match;
- variations of each held-out post at ``--closeness``: source retrieval top-1 among the 12 posts
  (TF-IDF, chance 1/12), share equal to the input or one of its sentences, share of new words,
  copies of a training sentence, repeated-trigram share (beside real text's), [UNK] share;
- training seconds. ``--out`` gets the variations as text (30 per model) and blind-reading files.

``--lm-epochs N`` adds ``language_model``: a GRU language model of the pretrained decoder's size
(no latent), trained N epochs on the same pieces of the general corpus, its exact NLL on the corpus'
test split beside the pretrained VAE's IWAE NLL there (both nats per sentence).

    .venv/bin/python benchmarks/text_quality.py --json build/bench_quality.json --out build/quality

``--pretrained FOLDER`` measures a candidate (a ``vae-tutorial pretrain`` run packed with
``python -m vae_tutorial.text.pretrained``) in place of the shipped model.

A smoke run (seconds, figures meaningless): ``--epochs 1 --iwae-k 2 --variations 1 --posts 10``.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np

from vae_tutorial.text import measures
from vae_tutorial.theory import estimates
from vae_tutorial.text.blind_reading import draw_lines, write_items
from vae_tutorial.text.corpus import load_general_sentences
from vae_tutorial.text.tokens import clean_text
from vae_tutorial.text.windows import chunk_posts, split_posts
from vae_tutorial.text.posts import load_blog_folder, write_sample_blog_folder
from vae_tutorial.text.tokens import split_sentences
from vae_tutorial.errors import DataWarning
from vae_tutorial.text.decoder import decode
from vae_tutorial.text.blog import BlogVAE
from vae_tutorial.text.kinds import BLOG_VAE
from vae_tutorial.text.decoding import Decoding
from vae_tutorial.text.blog import load_pretrained
from vae_tutorial.text import card

MODELS = ("scratch", "pretrained", "fine_tuned")


def windows(blog: BlogVAE, posts) -> list[str]:
    """The held-out windows of posts as the model cuts them (subword or word windows)."""
    if hasattr(blog.vectorizer, "windows"):
        return [w for post in posts for w in blog.vectorizer.windows(post.text)]
    return [c for _, c in chunk_posts(posts, blog.vectorizer.max_length - 1)]


def likelihood(blog: BlogVAE, texts: list[str], k: int) -> dict:
    ids = blog.vectorizer.encode(texts)
    report = measures.text_report(blog.model, ids, k=k, seed=0)
    subword = hasattr(blog.vectorizer, "windows")
    return {
        "neg_elbo": report["neg_elbo"],
        "iwae_nll": report["iwae_nll"],
        "nll_per_token": report["nll_per_token"],
        "token_unit": "BPE piece (incl. [EOS])" if subword else "word (incl. [EOS])",
        "kl": report["kl"],
        "mutual_information": report["mutual_information"],
        "active_units": report["active_units"],
    }


def reconstruction(blog: BlogVAE, texts: list[str]) -> dict:
    ids = blog.vectorizer.encode(texts)
    z_mean, _ = blog.model.encode(ids)
    decoded = decode(blog.model, z_mean, Decoding(method="greedy"))
    return {
        "bleu4": measures.bleu4(texts, blog.vectorizer.decode(decoded)),
        "token_accuracy": measures.token_match(ids, decoded),
    }


def variation_figures(blog: BlogVAE, held_out, train_sentences, n: int, closeness: float) -> tuple[dict, list]:
    """Figures of n variations of every held-out post, and (source, variations) pairs.

    A post's variation i joins the variations i of its windows. Retrieval compares whole posts;
    "equal_to_input" and "new_word_share" compare each window's variations with that window."""
    per_window = [blog.window_variations(post.text, n, closeness, seed=i) for i, post in enumerate(held_out)]
    per_post = [[" ".join(parts) for parts in zip(*(vs for _, vs in windows), strict=True)] for windows in per_window]
    novelty = [measures.variation_novelty(vs, window) for windows in per_window for window, vs in windows]
    flat = [v for vs in per_post for v in vs]
    real = [clean_text(post.text) for post in held_out]
    figures = {
        "source_retrieval": measures.source_retrieval(per_post, real),
        "equal_to_input": float(np.mean([x["equal_to_input"] for x in novelty])),
        "new_word_share": float(np.mean([x["new_word_share"] for x in novelty])),
        "copies": measures.copies(
            [s for windows in per_window for _, vs in windows for v in vs for s in split_sentences(v)], train_sentences
        ),
        "repeated_trigram_share": measures.repeated_ngram_share(flat, 3),
        "repeated_trigram_share_real": measures.repeated_ngram_share(real, 3),
        "unk_share": measures.unk_share(flat),
    }
    return figures, list(zip([post.text for post in held_out], per_post, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, help="at most this many epochs (default: each recipe's own)")
    parser.add_argument("--iwae-k", type=int, default=50, help="importance samples per held-out window (50)")
    parser.add_argument("--variations", type=int, default=3, help="variations per held-out post (3)")
    parser.add_argument(
        "--closeness", type=float, default=None, help="closeness of the variations (default: BlogVAE's)"
    )
    parser.add_argument("--posts", type=int, default=60, help="the first N posts of the sample blog (60)")
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--lm-epochs", type=int, help="also train the language-model baseline this many epochs")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--out", type=Path, default=Path("build/quality"), help="folder for models and texts")
    parser.add_argument(
        "--pretrained",
        type=Path,
        help="a model packed by python -m vae_tutorial.text.pretrained (default: the shipped one)",
    )
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        posts = load_blog_folder(write_sample_blog_folder(args.out / "blog", "blog"))[: args.posts]
    train_posts, held_out = split_posts(posts, 0.2, seed=0)
    train_sentences = [s for post in train_posts for s in split_sentences(clean_text(post.text))]
    train_sentences += load_general_sentences().train  # what the pretrained models trained on
    epochs = {} if args.epochs is None else {"epochs": args.epochs}
    results, texts = {}, {}
    for name in args.models:
        start = time.perf_counter()
        if name == "pretrained":
            blog = load_pretrained(args.pretrained or card.MODEL)
            seconds = float(blog.config["training"]["seconds"])  # pretraining, from the card
        else:
            init = "scratch" if name == "scratch" else (args.pretrained or "pretrained")
            out = args.out / name
            blog = BLOG_VAE.train_into(
                out, posts, init=init, force=True, val_fraction=0.2, verbose=0, iwae_k=2, **epochs
            )
            seconds = time.perf_counter() - start
        held = windows(blog, held_out)
        figures, pairs = variation_figures(blog, held_out, train_sentences, args.variations, args.closeness)
        results[name] = {
            **likelihood(blog, held, args.iwae_k),
            **reconstruction(blog, held),
            **figures,
            "train_seconds": seconds,
            "held_out_windows": len(held),
        }
        texts[name] = pairs
        print(name, json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in results[name].items()}))
    if args.lm_epochs:
        results["language_model"] = language_model(args.lm_epochs, args.iwae_k)
    write_texts(args.out, texts, held_out)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")


def language_model(epochs: int, k: int) -> dict:
    """The pretrained VAE's IWAE NLL on the corpus' test split beside a language model's exact NLL."""
    from vae_tutorial.text.recipes import PretrainRecipe
    from vae_tutorial.text.train import train_language_model
    from vae_tutorial.text.subwords import corpus_ids

    shipped = load_pretrained()
    corpus = load_general_sentences()
    (train_ids, _), (val_ids, _), (test_ids, _) = (
        corpus_ids(shipped.vectorizer, part) for part in (corpus.train, corpus.validation, corpus.test)
    )
    recipe = PretrainRecipe(**shipped.config["recipe"]).replace(epochs=epochs)
    start = time.perf_counter()
    lm, _ = train_language_model(train_ids, val_ids, shipped.model.vocab_size, recipe, verbose=0)
    seconds = time.perf_counter() - start
    lm_nll = float(np.mean(lm.nll(test_ids)))
    vae = estimates.importance_weighted_nll(shipped.model, test_ids, k=k, seed=0)
    return {
        "lm_nll": lm_nll,
        "vae_iwae_nll": vae,
        "epochs": epochs,
        "train_seconds": seconds,
        "units": "nats per sentence",
    }


def write_texts(out: Path, texts: dict, held_out) -> None:
    """variations-MODEL.txt (source, then its variations) and blind-reading files per model: 30
    sentences drawn from the variations (seeded) against as many real sentences of the held-out posts."""
    out.mkdir(parents=True, exist_ok=True)
    real = [clean_text(post.text) for post in held_out]
    for name, pairs in texts.items():
        lines = []
        for source, variations in pairs:
            lines += [f"SOURCE: {clean_text(source)}", *(f"  - {v}" for v in variations), ""]
        (out / f"variations-{name}.txt").write_text("\n".join(lines), encoding="utf-8")
        generated, chosen = draw_lines([v for _, vs in pairs for v in vs], real, 30, seed=0)
        write_items(generated, chosen, out / f"blind-{name}-items.txt", out / f"blind-{name}-key.json", seed=0)


if __name__ == "__main__":
    main()
