"""Topic-constrained generation on the Lee sample blog: does a constraint make samples keep to a topic?

Data: the Lee sample blog (gensim's Lee corpus as a folder of posts), split by post, cut into
windows of at most 39 tokens; Word2Vec trained on the training windows (the posts' own word
space) for 100 epochs with a window of 10: with gensim's 30 epochs and window 5, on a corpus this
small every word stays near one common direction and "cricket" is the nearest topic of 73% of the
windows; K = 4 topics given by keywords that occur in the corpus. Four models, each sampled
``--samples`` times per topic at the same temperature:

(a) unconditioned: a TextVAE with ``BLOG_RECIPE``'s model (LSTM encoder and decoder, cures),
    trained as ``TEXT_RECIPES["cured"]`` (KL annealed over the first half), samples from the
    prior, the requested topics assigned round-robin (so its hit rate is chance, 1 / K);
(b) conditional: a ConditionalTextVAE trained on (window, its mean word vector), sampled from
    the prior with the condition = the requested topic's vector;
(c) the original guide's latent penalty: (a) fine-tuned so that each window's code is pulled
    to the code of its nearest topic's keyword string, sampled around the requested topic's code;
(d) the latent penalty made to work: a new TextVAE trained with the penalty from its first
    step, towards one latent axis per topic (``separated_codes``), sampled around that code.

Then steering a given post, with the shipped subword model fine-tuned on the 48 training posts
of the 60-post sample blog that pretraining never saw (``--steer-posts``, 12 held out):

(e) variations: one variation of each held-out post per topic (each with its own seed), not
    steered (a baseline: how often a post's variation is about a topic anyway);
(f) steered: the same seeds, each variation steered toward its topic (``--strength``;
    :mod:`vae_tutorial.text.steering`). Their distinct-2 pools whole posts: not comparable with (a)-(d)'s
    one-window samples.

For each: the in-space hit rate (nearest topic vector in the blog's own Word2Vec = the requested
one: the space that built (b)'s conditions, so it flatters), the **independent** hit rate
(:func:`vae_tutorial.text.topics.independent_topic_judge`: the topic's keywords and their
inflections removed, judged in a Word2Vec of the general corpus, which holds no sentence of the
blog), mean cosine, keyword share (tokens that are the requested topic's keywords or their
inflections: parroting) and distinct-2 (variety); for (e) and (f) also source retrieval (each
variation traced back to its post among the 12 by TF-IDF, chance 1/12).

    .venv/bin/python benchmarks/constraints.py [--epochs 8] [--samples 50] [--json build/bench_constraints.json]
        [--out build/constraints]  # the steered variations and blind-reading files of (f)

A smoke run (seconds, figures meaningless): ``--posts 40 --epochs 1 --penalty-epochs 1 --samples 2
--w2v-epochs 1 --vector-size 16 --units 8 8 --steer-posts 10 --steer-epochs 1``. Fewer than 50
samples per topic print a warning.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from vae_tutorial.text import measures
from vae_tutorial.text import topics
from vae_tutorial.text import decoder
from vae_tutorial.text.decoding import Decoding
from vae_tutorial.text import generate
from vae_tutorial.text.blind_reading import draw_lines, write_items
from vae_tutorial.config import seed_everything
from vae_tutorial.text.constraints import chunk_conditions, codes_around, nearest_topics, separated_codes, topic_targets
from vae_tutorial.text.windows import chunk_posts, split_posts
from vae_tutorial.text.posts import load_blog_folder, write_sample_blog_folder
from vae_tutorial.text.tokens import Vectorizer
from vae_tutorial.text.embeddings import judge_vectors, topic_vector, train_word2vec
from vae_tutorial.errors import DataWarning
from vae_tutorial.text.vae import TextVAE
from vae_tutorial.text.recipes import BLOG_RECIPE, TEXT_RECIPES
from vae_tutorial.text.train import train_conditional_vae, train_text_vae, train_with_latent_penalty
from vae_tutorial.text.kinds import BLOG_VAE

# First choice of keywords per topic, then replacements if a word is not in the embedding's vocabulary.
TOPICS = {
    "bushfires": (["fire", "firefighters", "blaze"], ["fires", "blazes"]),
    "cricket": (["cricket", "wicket", "innings"], ["wickets", "test"]),
    "middle east": (["palestinian", "israeli", "gaza"], ["arafat", "israel"]),
    "afghanistan": (["afghanistan", "taliban", "qaeda"], ["laden", "kabul"]),
}


def choose_keywords(kv) -> dict[str, list[str]]:
    """Each topic's first-choice keywords that the embedding knows, topped up from its replacements to 3."""
    chosen = {}
    for name, (first, spare) in TOPICS.items():
        words = [w for w in first if w in kv.key_to_index]
        words += [w for w in spare if w in kv.key_to_index][: 3 - len(words)]
        if not words:
            raise SystemExit(f"topic {name!r}: none of {first + spare} is in the embedding's vocabulary")
        chosen[name] = words
    return chosen


def figures(texts, requested, vectors, kv, keywords, judge) -> dict:
    """In-space adherence (the blog's Word2Vec), the independent judge's, and distinct-2 of the texts."""
    in_space = topics.topic_adherence(texts, requested, vectors, kv, keywords)
    independent = topics.independent_topic_judge(texts, requested, keywords, judge)
    return {
        "in_space_hit_rate": in_space["hit_rate"],
        "independent_hit_rate": independent["independent_hit_rate"],
        "mean_cosine": in_space["mean_cosine"],
        "keyword_share": independent["keyword_share"],
        "judged": independent["judged"],
        "distinct_2": measures.distinct_n(texts, 2),
        "n": in_space["n"],
    }


def write_steered(out: Path, per_post: list, sources: list[str], names: list[str]) -> None:
    """steered-variations.txt (each held-out post, then its variation toward each topic) and the
    blind-reading files of the steered variations: 30 of their sentences (seeded) against as many
    sentences of the held-out posts (:mod:`vae_tutorial.text.blind_reading`)."""
    out.mkdir(parents=True, exist_ok=True)
    lines = []
    for source, variations in zip(sources, per_post, strict=True):
        lines += [f"SOURCE: {source}", *(f"  {name}: {v}" for name, v in zip(names, variations, strict=True)), ""]
    (out / "steered-variations.txt").write_text("\n".join(lines), encoding="utf-8")
    generated, real = draw_lines([v for variations in per_post for v in variations], sources, 30, seed=0)
    write_items(generated, real, out / "blind-steered-items.txt", out / "blind-steered-key.json", seed=0)


def steered_figures(args, keywords, vectors, kv, judge) -> tuple[dict, dict, float]:
    """(e) and (f): ({"variations": figures, "steered": figures}, examples, fine-tuning seconds);
    with ``--out``, the steered variations and their blind-reading files are written there."""
    from vae_tutorial.text.tokens import clean_text

    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        posts = load_blog_folder(write_sample_blog_folder(Path(folder) / "blog", "blog"))[: args.steer_posts]
        _, held_out = split_posts(posts, 0.2, args.seed)
        start = time.perf_counter()
        blog = BLOG_VAE.train_into(
            Path(folder) / "model", posts, val_fraction=0.2, epochs=args.steer_epochs, iwae_k=2, verbose=0
        )
        seconds = time.perf_counter() - start
    names = list(keywords)
    sources = [clean_text(post.text) for post in held_out]
    results, examples = {}, {}

    def steer(topic: str, strength: float) -> dict:
        return {"topic": keywords[topic], "strength": strength} if strength > 0 else {}

    for label, strength in (("variations", 0.0), ("steered", args.strength)):
        per_post = [
            [
                blog.variations(post.text, 1, seed=args.seed + i * len(names) + j, **steer(t, strength))[0]
                for j, t in enumerate(names)
            ]
            for i, post in enumerate(held_out)
        ]
        texts = [text for variations in per_post for text in variations]
        requested = names * len(held_out)
        results[label] = figures(texts, requested, vectors, kv, keywords, judge)
        results[label]["source_retrieval"] = measures.source_retrieval(per_post, sources)
        results[label]["held_out_posts"] = len(held_out)
        examples[label] = dict(zip(names, per_post[0], strict=True))
        if label == "steered" and args.out:
            write_steered(args.out, per_post, sources, names)
    examples["source"] = sources[0]
    return results, examples, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=8, help="epochs of (a), (b) and (d) (default 8)")
    parser.add_argument("--penalty-epochs", type=int, default=3, help="fine-tuning epochs of (c) (default 3)")
    parser.add_argument(
        "--samples", type=int, default=50, help="samples per topic (default 50; fewer: a warning, noisy figures)"
    )
    parser.add_argument("--posts", type=int, help="the first N posts of the sample blog only (default: all)")
    parser.add_argument("--temperature", type=float, default=0.8, help="sampling temperature of all four")
    parser.add_argument("--vector-size", type=int, default=100, help="Word2Vec size = the condition's size")
    parser.add_argument("--w2v-epochs", type=int, default=100, help="Word2Vec epochs (default 100)")
    parser.add_argument("--w2v-window", type=int, default=10, help="Word2Vec window (default 10)")
    parser.add_argument(
        "--condition-scale", type=float, help="(b): the model's condition_scale (default sqrt(vector size))"
    )
    parser.add_argument("--penalty", type=float, default=10.0, help="(c), (d): latent_penalty (default 10)")
    parser.add_argument("--margin", type=float, default=1.0, help="(c), (d): penalty_margin, squared distance")
    parser.add_argument("--radius", type=float, default=5.0, help="(d): distance of each topic's code from 0")
    parser.add_argument("--spread", type=float, default=0.5, help="(c), (d): std of the codes around a topic's code")
    parser.add_argument("--units", type=int, nargs=2, default=(128, 256), help="encoder and decoder units")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steer-posts", type=int, default=60, help="(e), (f): the first N posts of the sample blog")
    parser.add_argument("--steer-epochs", type=int, default=10, help="(e), (f): at most this many fine-tuning epochs")
    parser.add_argument("--strength", type=float, default=0.7, help="(f): how far toward the topic's code (0-1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--out", type=Path, help="write the steered variations and their blind-reading files (items, key) here"
    )
    args = parser.parse_args()
    if args.samples < 1:
        parser.error("--samples must be at least 1 per topic")
    if args.samples < 50:
        print(f"warning: {args.samples} samples per topic: the hit rates are too noisy to compare", file=sys.stderr)
    if args.posts is not None and args.posts < 2:
        parser.error("--posts must be at least 2 (one to train on, one to validate)")
    timings = {}
    start = first = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # the Lee corpus repeats 7 articles: the loader drops them
        posts = load_blog_folder(write_sample_blog_folder(folder))[: args.posts]
    train_posts, val_posts = split_posts(posts, 0.1, args.seed)
    train_chunks = [chunk for _, chunk in chunk_posts(train_posts, 39)]
    val_chunks = [chunk for _, chunk in chunk_posts(val_posts, 39)]
    vectorizer = Vectorizer.build(train_chunks, max_vocab=5000, max_length=40)
    train_ids, val_ids = vectorizer.encode(train_chunks), vectorizer.encode(val_chunks)
    kv = train_word2vec(
        train_chunks, vector_size=args.vector_size, window=args.w2v_window, epochs=args.w2v_epochs, seed=args.seed
    )
    keywords = choose_keywords(kv)
    vectors = {name: topic_vector(kv, words) for name, words in keywords.items()}
    names = list(keywords)
    judge = judge_vectors(args.seed)  # the independent judge's space: the general corpus, not the blog
    timings["data_and_word2vec_seconds"] = time.perf_counter() - start
    print(
        f"{len(posts)} posts: {len(train_chunks)} training / {len(val_chunks)} validation windows, vocabulary "
        f"{vectorizer.vocab_size}; Word2Vec {len(kv)} words x {kv.vector_size}; {args.epochs} epochs, "
        f"{args.samples} samples per topic at temperature {args.temperature}"
    )
    for name in names:
        print(f"  {name:<12} {', '.join(keywords[name])}")
    n = args.samples * len(names)
    requested = [names[i % len(names)] for i in range(n)]  # round-robin
    # the blog recipe's model (LSTM encoder and decoder, word dropout, free bits), trained as the "cured" recipe
    recipe = TEXT_RECIPES["cured"].replace(
        **{
            **BLOG_RECIPE.model_kwargs(),
            "encoder_units": args.units[0],
            "decoder_units": args.units[1],
            "epochs": args.epochs,
            "batch_size": args.batch_size,
        }
    )
    common = {"recipe": recipe, "seed": args.seed, "verbose": 0}
    sampling = Decoding(method="sample", temperature=args.temperature)
    results = {}

    # (a) unconditioned
    start = time.perf_counter()
    plain, _ = train_text_vae(train_ids, val_ids, vectorizer.vocab_size, **common)
    timings["unconditioned_train_seconds"] = time.perf_counter() - start
    texts = generate.sample(plain, vectorizer, n, sampling, seed=args.seed)
    results["unconditioned"] = figures(texts, requested, vectors, kv, keywords, judge)

    # (b) conditional: each window trained with its own mean word vector, sampled with the topic's
    start = time.perf_counter()
    train_conditions, val_conditions = chunk_conditions(kv, train_chunks), chunk_conditions(kv, val_chunks)
    conditional, _ = train_conditional_vae(
        train_ids,
        train_conditions,
        val_ids,
        val_conditions,
        vectorizer.vocab_size,
        condition_scale=args.condition_scale,
        **common,
    )
    timings["conditional_train_seconds"] = time.perf_counter() - start
    conditions = np.stack([vectors[name] for name in requested])
    texts = generate.sample(conditional, vectorizer, n, sampling, seed=args.seed, condition=conditions)
    results["conditional"] = figures(texts, requested, vectors, kv, keywords, judge)
    examples = {name: texts[i] for i, name in enumerate(requested[: len(names)])}

    # (c) the original guide's latent penalty: (a) fine-tuned towards the codes of the topics' keyword strings
    by_topic = [name for name in names for _ in range(args.samples)]
    penalty = {
        "latent_penalty": args.penalty,
        "penalty_margin": args.margin,
        "batch_size": args.batch_size,
        "seed": args.seed,
        "verbose": 0,
    }

    def around(model, codes: dict) -> list[str]:
        """args.samples texts per topic, decoded from codes around the topic's code."""
        z = np.concatenate(
            [codes_around(codes[name], args.samples, args.spread, args.seed + i) for i, name in enumerate(names)]
        )
        return vectorizer.decode(decoder.decode(model, z, sampling, seed=args.seed))

    start = time.perf_counter()
    targets, codes = topic_targets(plain, vectorizer, kv, train_chunks, keywords)
    tuned, _ = train_with_latent_penalty(plain, train_ids, targets, epochs=args.penalty_epochs, **penalty)
    timings["latent_penalty_train_seconds"] = time.perf_counter() - start
    results["latent_penalty"] = figures(around(tuned, codes), by_topic, vectors, kv, keywords, judge)
    apart = [float(np.sum((codes[a] - codes[b]) ** 2)) for i, a in enumerate(names) for b in names[i + 1 :]]
    diagnostics = {"keyword_codes_squared_distance": [min(apart), max(apart)], "topic_code_gain_nats": {}}

    val_topics = nearest_topics(kv, val_chunks, vectors)
    rows = [i for i, topic in enumerate(val_topics) if topic is not None]

    def topic_code_gain(model, codes: dict) -> float:
        """How much the decoder reads the topic from z: the mean over validation windows of -log p(window | z)
        at the other topics' codes minus at its own topic's code, nats per window (0: it does not)."""
        nll = {
            name: model.reconstruction_nll(val_ids[rows], np.repeat(codes[name][None], len(rows), 0)) for name in names
        }
        own = np.array([nll[val_topics[i]][j] for j, i in enumerate(rows)])
        others = np.array([np.mean([nll[o][j] for o in names if o != val_topics[i]]) for j, i in enumerate(rows)])
        return float(np.mean(others - own))

    diagnostics["topic_code_gain_nats"]["latent_penalty"] = topic_code_gain(tuned, codes)

    # (d) the latent penalty made to work: one latent axis per topic, penalised from the first step
    start = time.perf_counter()
    seed_everything(args.seed)
    fresh = TextVAE(vectorizer.vocab_size, vectorizer.max_length, **recipe.model_kwargs(), seed=args.seed)
    axes = separated_codes(names, fresh.latent_dim, args.radius)
    targets, _ = topic_targets(fresh, vectorizer, kv, train_chunks, keywords, axes)
    joint, _ = train_with_latent_penalty(fresh, train_ids, targets, epochs=args.epochs, **penalty)
    timings["latent_penalty_joint_train_seconds"] = time.perf_counter() - start
    results["latent_penalty_joint"] = figures(around(joint, axes), by_topic, vectors, kv, keywords, judge)
    diagnostics["topic_code_gain_nats"]["latent_penalty_joint"] = topic_code_gain(joint, axes)

    # (e), (f) steering held-out posts of the sample blog with the fine-tuned shipped model
    steered, steered_examples, seconds = steered_figures(args, keywords, vectors, kv, judge)
    timings["steering_fine_tune_seconds"] = seconds
    results |= steered
    print(f"{'model':<20} {'in-space':>8} {'judge':>6} {'cosine':>7} {'keywords':>8} {'distinct-2':>10} {'source':>6}")
    for name, r in results.items():
        source = f"{r['source_retrieval']:6.2f}" if "source_retrieval" in r else f"{'-':>6}"
        print(
            f"{name:<20} {r['in_space_hit_rate']:8.2f} {r['independent_hit_rate']:6.2f} {r['mean_cosine']:7.2f} "
            f"{r['keyword_share']:8.3f} {r['distinct_2']:10.2f} {source}"
        )
    chance = 1 / steered["steered"]["held_out_posts"]
    print(f"(hit rates: chance {1 / len(names):.2f}; source retrieval: chance {chance:.2f})")
    print(
        f"(c): the keyword strings' codes are {min(apart):.3g} to {max(apart):.3g} apart (squared distance); "
        f"(d)'s are {2 * args.radius**2:.3g}. The right topic's code makes a validation window likelier by "
        f"{diagnostics['topic_code_gain_nats']['latent_penalty']:.2f} nats in (c), "
        f"{diagnostics['topic_code_gain_nats']['latent_penalty_joint']:.2f} in (d)."
    )
    print("conditional samples:")
    for name, text in examples.items():
        print(f"  {name:<12} {text}")
    timings["total_seconds"] = time.perf_counter() - first
    print("seconds: " + ", ".join(f"{k.removesuffix('_seconds')} {v:.0f}" for k, v in timings.items()))
    if args.json:
        results |= {
            "topics": keywords,
            "timings": timings,
            "settings": {k: v if not isinstance(v, Path) else str(v) for k, v in vars(args).items()},
            "recipe": recipe.to_dict(),  # how (a), (b) and (d) trained
            "examples": examples,
            "steered_examples": steered_examples,
            "diagnostics": diagnostics,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
