"""Train a text VAE on blog posts, resumably, and keep it in a model directory.

The directory (:mod:`vae_tutorial.training.model_dir`, kind "text") holds ``model.keras``,
``vectorizer.json`` (its vocabulary and maximum length), ``config.json``, ``metrics.json``
(held-out figures on the validation posts, nats per chunk), ``history.csv`` and TensorBoard
``logs/``; ``backup/`` only while training. Rerun the same call after an interruption to resume.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

from vae_tutorial import evaluation
from vae_tutorial.data.posts import chunk_post, chunk_posts, split_posts
from vae_tutorial.data.text import Vectorizer
from vae_tutorial.errors import DataError
from vae_tutorial.errors import seed as check_seed
from vae_tutorial.models.base import load_model
from vae_tutorial.models.text_vae import TextVAE
from vae_tutorial.training import model_dir
from vae_tutorial.training.callbacks import ResumableEarlyStopping
from vae_tutorial.training.fit import fit
from vae_tutorial.training.recipes import BLOG_RECIPE, BlogRecipe, get_recipe

KIND = "text"


@dataclasses.dataclass
class BlogVAE:
    """A trained blog-post VAE: the model, its vectorizer and the directory's records."""

    model: TextVAE
    vectorizer: Vectorizer
    config: dict
    metrics: dict
    history: dict[str, list[float]]

    def variations(
        self, text: str, n: int = 5, temperature: float = 0.7, scale: float = 1.0, seed: int | None = None
    ) -> list[str]:
        """n variations of ``text`` (a sentence or a whole post), as cleaned lower-case strings.

        A post is cut into the same sentence windows as in training; each window gets n
        variations (codes drawn around its posterior, ``scale`` times its spread) and variation
        i of the post joins the windows' variations i. Words are sampled at ``temperature``
        (0.7: a little sharper than the model's own distribution); 0 decodes greedily, which
        on a small corpus tends to loop ("of the of the").
        [UNK] is never chosen: a variation holds only words of the vocabulary.
        """
        from vae_tutorial import generation

        if not temperature >= 0:
            raise DataError("temperature", f"must be >= 0, got {temperature!r}", "Use 0 (greedy) or e.g. 0.8.")
        seed = check_seed("seed", seed)
        windows = chunk_post(text, self.vectorizer.max_length - 1)
        if not windows:
            raise DataError("text", "has no words", "Pass a sentence or a post with words in it.")
        method = "sample" if temperature > 0 else "greedy"
        per_window = [
            generation.variations(
                self.model,
                self.vectorizer,
                window,
                n,
                scale,
                seed=None if seed is None else seed + i,
                method=method,
                temperature=temperature or 1.0,
                unknown=False,
            )
            for i, window in enumerate(windows)
        ]
        return [" ".join(parts).strip() for parts in zip(*per_window, strict=True)]


def train_blog_vae(
    posts,
    out,
    recipe: BlogRecipe = BLOG_RECIPE,
    *,
    seed: int = 0,
    force: bool = False,
    iwae_k: int = 50,
    source: str | None = None,
    strategy=None,
    callbacks=(),
    verbose="auto",
    **changes,
) -> BlogVAE:
    """Train a TextVAE on posts and write the model directory ``out``; returns the BlogVAE.

    posts: a list of :class:`~vae_tutorial.data.posts.Post` (from load_blog_folder/csv).
    recipe: a :class:`~vae_tutorial.training.recipes.BlogRecipe` (default :data:`BLOG_RECIPE`),
    any field of which can be changed by keyword (``epochs=3``, ``cell="gru"``). The posts are
    split by post (``recipe.val_fraction`` for validation, seeded), cut into sentence windows of
    up to ``max_length`` - 1 tokens, vectorized with the ``vocab_size`` most frequent training
    words, and trained by :func:`~vae_tutorial.training.fit.fit` with: KL annealing over the
    first ``anneal_fraction`` of the steps, early stopping on the validation negative ELBO with
    the best weights restored, a checkpoint per epoch in ``out/backup`` (rerun after an
    interruption and it resumes from the last finished epoch, exactly), TensorBoard logs in
    ``out/logs`` and history.csv. One run at a time trains into ``out`` (``training.lock``).
    callbacks: Keras callbacks run after each epoch's checkpoint. iwae_k: importance samples per
    validation chunk for metrics.json.
    strategy: a ``tf.distribute`` strategy (``batch_size`` is the global batch).
    """
    recipe = get_recipe(recipe, {"blog": BLOG_RECIPE}, BlogRecipe).replace(**changes)
    out = Path(out)
    posts = list(posts)
    train_posts, val_posts = split_posts(posts, recipe.val_fraction, seed)
    train_chunks = [c for _, c in chunk_posts(train_posts, recipe.max_length - 1)]
    val_chunks = [c for _, c in chunk_posts(val_posts, recipe.max_length - 1)]
    if not train_chunks or not val_chunks:
        raise DataError("posts", "give no words to train or validate on", "Pass posts with text in them.")
    vectorizer = Vectorizer.build(train_chunks, max_vocab=recipe.vocab_size, max_length=recipe.max_length)
    train_ids, val_ids = vectorizer.encode(train_chunks), vectorizer.encode(val_chunks)
    plan = {
        "format": model_dir.FORMAT,
        "seed": seed,
        "recipe": recipe.to_dict(),
        "vocabulary": vectorizer.vocab_size,
        "train_posts": sorted(p.id for p in train_posts),
        "data": model_dir.data_checksum(train_ids, val_ids),
    }
    # After the KL warm-up (the held-out negative ELBO can rise while z starts to carry
    # information), and never an empty watch.
    watch_from = min(math.ceil(recipe.anneal_fraction * recipe.epochs), recipe.epochs - 1)
    early = ResumableEarlyStopping(patience=recipe.patience, start_epoch=watch_from)
    with model_dir.training(out, KIND, force, plan) as backup:
        model, _ = fit(
            lambda: TextVAE(vectorizer.vocab_size, recipe.max_length, **recipe.model_kwargs(), seed=seed),
            train_ids,
            (val_ids,),
            recipe,
            seed=seed,
            strategy=strategy,
            verbose=verbose,
            **model_dir.fit_options(out, backup, watch=[early], after=callbacks),
        )
        rows = model_dir.history_of(backup)
        metrics = {
            **evaluation.text_report(model, val_ids, k=iwae_k, seed=seed),
            "units": "nats per chunk (validation posts)",
            "iwae_k": iwae_k,
        }
        data = {
            "source": source or getattr(posts, "origin", "a list of posts"),
            "posts": len(posts),
            "train_posts": len(train_posts),
            "val_posts": len(val_posts),
            "train_chunks": len(train_chunks),
            "val_chunks": len(val_chunks),
            "vocabulary": vectorizer.vocab_size,
        }
        training = {
            "epochs_run": len(rows),
            "best_epoch": None if early.state["best_epoch"] is None else early.state["best_epoch"] + 1,
            "stopped_early": early.state["stopped_epoch"] is not None,
            "seconds": round(sum(row["seconds"] for row in rows), 1),
        }
        config = model_dir.config(KIND, seed, recipe, data, training)

        def write(folder: Path) -> None:
            vectorizer.save(folder / "vectorizer.json")
            (folder / "config.json").write_text(json.dumps(config, indent=2))
            (folder / "metrics.json").write_text(json.dumps(metrics, indent=2))
            model.save(folder / "model.keras")

        model_dir.finish(out, write, rows)
    return BlogVAE(model, vectorizer, config, metrics, model_dir.by_column(rows))


def load_blog_vae(path) -> BlogVAE:
    """Read a model directory written by :func:`train_blog_vae`; DataError says what is wrong."""
    path = Path(path)
    config, metrics, history = model_dir.read(path, KIND)
    model = load_model(path / "model.keras", TextVAE)
    vectorizer = Vectorizer.load(path / "vectorizer.json")
    if (vectorizer.vocab_size, vectorizer.max_length) != (model.vocab_size, model.max_length):
        raise DataError(
            str(path / "vectorizer.json"),
            f"does not match model.keras (vocabulary {vectorizer.vocab_size} vs {model.vocab_size}, "
            f"length {vectorizer.max_length} vs {model.max_length})",
            "Keep the files of one training run together.",
        )
    return BlogVAE(model, vectorizer, config, metrics, history)
