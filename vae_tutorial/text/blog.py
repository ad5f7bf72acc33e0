"""Train a text VAE on blog posts, resumably, and keep it in a model directory.

The directory (:mod:`vae_tutorial.training.directory`, kind "text") holds ``model.keras``,
``vectorizer.json`` (its vocabulary and maximum length), ``config.json``, ``metrics.json``
(held-out figures on the validation posts, nats per chunk), ``history.csv`` and TensorBoard
``logs/``; ``backup/`` only while training. Rerun the same call after an interruption to resume.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np

from vae_tutorial.text import measures
from vae_tutorial.text import generate, steering
from vae_tutorial.text.decoding import closeness_settings
from vae_tutorial.text.windows import chunk_post, chunk_posts, split_posts
from vae_tutorial.text.subwords import SubwordTokenizer
from vae_tutorial.text.tokens import Vectorizer, clean_text, tokenize
from vae_tutorial.errors import DataError, real_number
from vae_tutorial.errors import seed as check_seed
from vae_tutorial.training.loss_model import load_model
from vae_tutorial.text.vae import TextVAE
from vae_tutorial.training import directory
from vae_tutorial.training import history
from vae_tutorial.training import run
from vae_tutorial.training.callbacks import ResumableEarlyStopping
from vae_tutorial.training.fit import fit
from vae_tutorial.text.recipes import BLOG_RECIPE, FINE_TUNE_RECIPE, BlogRecipe
from vae_tutorial.training.recipes import get_recipe

KIND = "text"
CLOSENESS = 0.5  # the default of variations: see BlogVAE.variations
TOPICS_FILE = "topics.json"  # the topics a model was trained to know (train_blog_vae(topics=...))
STRENGTH = 0.7  # how far a steered variation moves toward its topic's code (see BlogVAE.variations)


@dataclasses.dataclass
class BlogVAE:
    """A trained blog-post VAE: the model, its tokenizer (a word-level ``Vectorizer`` for a model
    trained from scratch, a ``SubwordTokenizer`` otherwise) and the directory's records."""

    model: TextVAE
    vectorizer: Vectorizer | SubwordTokenizer
    config: dict
    metrics: dict
    history: dict[str, list[float]]
    topics: dict[str, list[str]] = dataclasses.field(default_factory=dict)  # saved with the model: name -> keywords
    topic_codes: dict = dataclasses.field(default_factory=dict, repr=False, compare=False)  # by keywords

    def windows(self, text: str) -> list[str]:
        """The sentence windows of ``text`` as the model reads them (subword or word windows)."""
        if hasattr(self.vectorizer, "windows"):
            return self.vectorizer.windows(text)
        return chunk_post(text, self.vectorizer.max_length - 1)

    def window_variations(
        self,
        text: str,
        n: int = 5,
        closeness: float = CLOSENESS,
        seed: int | None = None,
        topic=None,
        strength: float = STRENGTH,
        **decoding,
    ) -> list[tuple[str, list[str]]]:
        """(window, its n variations) for each sentence window of ``text``: see :meth:`variations`."""
        seed = check_seed("seed", seed)
        settings = closeness_settings(closeness)
        if not isinstance(text, str) or not tokenize(clean_text(text)):
            problem = "has no words" if isinstance(text, str) else f"must be a string, got {type(text).__name__}"
            raise DataError("text", problem, "Pass a sentence or a post with words in it.")
        if topic is not None:
            settings["strength"] = real_number("strength", strength, 0.0, 1.0, STRENGTH)
            words = tuple(steering.topic_words(topic))
            if words not in self.topic_codes:  # computed once per model and topic
                self.topic_codes[words] = steering.topic_code(self.model, self.vectorizer, words)
            settings["toward"] = self.topic_codes[words]
        if decoding.get("temperature") == 0:  # the old meaning of temperature 0: greedy
            decoding = {**decoding, "method": "greedy", "temperature": 1.0}
        settings.update(decoding)
        pairs, history = [], None
        for i, window in enumerate(self.windows(text)):
            window_seed = None if seed is None else seed + i
            texts = generate.variations(
                self.model, self.vectorizer, window, n, seed=window_seed, history=history, **settings
            )
            pairs.append((window, texts))
            history = generate.said(self.vectorizer, texts, history)
        return pairs

    def variations(
        self,
        text: str,
        n: int = 5,
        closeness: float = CLOSENESS,
        seed: int | None = None,
        topic=None,
        strength: float = STRENGTH,
        **decoding,
    ) -> list[str]:
        """n variations of ``text`` (a sentence or a whole post).

        A post is cut into the sentence windows the model trained on; each window gets n
        variations and variation i of the post joins the windows' variations i.
        closeness (0 to 1) is the one knob: 1.0 gives the model's nearest sentence (the posterior
        mean, decoded greedily), 0.5 (the default) codes one posterior standard deviation away
        decoded by beam search, 0.0 the same topic in a new sentence (codes two standard
        deviations away, words sampled from the top half of the probability); see
        :func:`~vae_tutorial.text.decoding.closeness_settings`. decoding: any of ``scale``,
        ``method``, ``temperature`` (0: greedy), ``top_p``, ``no_repeat_ngram`` overrides what
        closeness sets. [UNK] is never chosen; no 3-gram of tokens repeats within a variation of the
        whole post (each window's guard counts what the earlier windows' variation said).
        topic: None, or keywords ("bushfire, fire, firefighters"): every code moves a share
        ``strength`` (0 to 1, default 0.7) of the way to the topic's code, the mean code of the
        general corpus' sentences that mention the keywords (:mod:`vae_tutorial.text.steering`).
        """
        windows = self.window_variations(text, n, closeness, seed, topic, strength, **decoding)
        per_window = [variations for _, variations in windows]
        return [" ".join(parts).strip() for parts in zip(*per_window, strict=True)]


INITS = ("pretrained", "scratch")


def _start_from(init):
    """The model that fine-tuning starts from: None for "scratch", else a BlogVAE (model, subword
    tokenizer, card) of the shipped model ("pretrained") or of a folder written by
    ``vae-tutorial pretrain`` or packed by ``python -m vae_tutorial.text.pretrained``."""
    from vae_tutorial.text import pretrained

    if init == "scratch":
        return None
    if init == "pretrained":
        return pretrained.load_pretrained()
    if not isinstance(init, str | Path):
        raise DataError("init", f"expected one of {INITS} or a folder, got {init!r}", 'Use init="pretrained".')
    folder = Path(init)
    if (folder / "card.json").is_file():
        return pretrained.load_pretrained(folder)
    if (folder / "vectorizer.json").is_file():
        written = directory.written_by(folder)
        raise DataError(
            str(folder),
            f"is a word-level text model (vectorizer.json, written by vae_tutorial {written}); fine-tuning "
            "starts from a subword model",
            'Pass init="pretrained", or init="scratch" to train a word-level model as version 0.2 did.',
        )
    if not folder.exists():
        raise DataError("init", f"is neither one of {INITS} nor an existing folder: {init!r}", 'Use init="pretrained".')
    from vae_tutorial.text.subwords import SubwordTokenizer

    config, metrics, _ = directory.read(folder, "pretrained")
    model = load_model(folder / "model.keras", TextVAE)
    return BlogVAE(model, SubwordTokenizer.load(folder / "tokenizer"), config, metrics, {})


def _fine_tune_recipe(recipe: BlogRecipe, base: BlogVAE, changes: dict) -> BlogRecipe:
    """The recipe of a fine-tuning run: ``recipe``'s training fields with ``base``'s architecture;
    a DataError if ``changes`` try to change the architecture."""
    config = base.model.get_config()
    fixed = {field: config[field] for field in BlogRecipe.MODEL_FIELDS}
    fixed.update(max_length=base.model.max_length, vocab_size=base.model.vocab_size)
    for name, value in changes.items():
        if name in fixed and value != fixed[name]:
            raise DataError(
                name,
                f"is {value!r}, but the pretrained model has {fixed[name]!r} and fine-tuning keeps its architecture",
                f'Drop {name}=..., or pass init="scratch" to train a model of your own design.',
            )
    return recipe.replace(**fixed)


def _copy_of(base: TextVAE, seed: int) -> TextVAE:
    """A new TextVAE with ``base``'s architecture and weights (its own seeds)."""
    model = TextVAE.from_config({**base.get_config(), "seed": seed})
    model.set_weights(base.get_weights())
    return model


def train_blog_vae(
    posts,
    out,
    recipe: BlogRecipe | None = None,
    *,
    init="pretrained",
    seed: int = 0,
    force: bool = False,
    iwae_k: int = 50,
    source: str | None = None,
    topics: dict | None = None,
    strategy=None,
    callbacks=(),
    verbose="auto",
    **changes,
) -> BlogVAE:
    """Fine-tune the pretrained sentence VAE on posts (or train one from scratch) and write the
    model directory ``out``; returns the BlogVAE.

    posts: a list of :class:`~vae_tutorial.text.posts.Post` (from load_blog_folder/csv).
    init: "pretrained" (default: the model shipped in :mod:`vae_tutorial.text.pretrained`, its subword
    tokenizer and architecture, trained further with :data:`FINE_TUNE_RECIPE`), a folder written
    by ``vae-tutorial pretrain``, or "scratch" (a word-level model of :data:`BLOG_RECIPE`, the
    notebooks' earlier design, for comparison).
    recipe: a :class:`~vae_tutorial.text.recipes.BlogRecipe` (default: the one of ``init``),
    any field of which can be changed by keyword (``epochs=3``; with a pretrained init, not the
    architecture). The posts are split by post (``recipe.val_fraction`` for validation, seeded),
    cut into sentence windows that fit ``max_length`` - 1 tokens, and trained by
    :func:`~vae_tutorial.training.fit.fit` with: KL annealing over the first ``anneal_fraction``
    of the steps, early stopping on the validation negative ELBO with the best weights restored,
    a checkpoint per epoch in ``out/backup`` (rerun after an interruption and it resumes from the
    last finished epoch, exactly), TensorBoard logs in ``out/logs`` and history.csv. One run at a
    time trains into ``out`` (``training.lock``). callbacks: Keras callbacks run after each
    epoch's checkpoint. iwae_k: importance samples per validation chunk for metrics.json.
    strategy: a ``tf.distribute`` strategy (``batch_size`` is the global batch).
    topics: {name: keywords} the model should know (checked before training): each topic's code
    (:func:`~vae_tutorial.text.steering.topic_code`) is saved in ``topics.json``, and
    ``variations(text, topic=blog.topics[name])`` steers toward it.
    """
    from vae_tutorial.text import steering

    out = Path(out)
    topics = {} if topics is None else steering.check_topics(topics)
    origin = getattr(posts, "origin", None)  # a Posts list says where it was read from
    posts = list(posts)
    default = BLOG_RECIPE if init == "scratch" else FINE_TUNE_RECIPE
    recipe = get_recipe(recipe or default, {"blog": BLOG_RECIPE}, BlogRecipe).replace(**changes)
    train_posts, val_posts = split_posts(posts, recipe.val_fraction, seed)  # bad input first, then the model
    base = _start_from(init)
    if base is not None:
        recipe = _fine_tune_recipe(recipe, base, changes)
    if base is None:
        train_chunks = [c for _, c in chunk_posts(train_posts, recipe.max_length - 1)]
        val_chunks = [c for _, c in chunk_posts(val_posts, recipe.max_length - 1)]
    else:
        train_chunks = [w for post in train_posts for w in base.vectorizer.windows(post.text)]
        val_chunks = [w for post in val_posts for w in base.vectorizer.windows(post.text)]
    if not train_chunks or not val_chunks:
        raise DataError("posts", "give no words to train or validate on", "Pass posts with text in them.")
    if base is None:
        vectorizer = Vectorizer.build(train_chunks, max_vocab=recipe.vocab_size, max_length=recipe.max_length)
        build = lambda: TextVAE(vectorizer.vocab_size, recipe.max_length, **recipe.model_kwargs(), seed=seed)  # noqa: E731
        start = {"init": "scratch"}
    else:
        vectorizer = base.vectorizer
        build = lambda: _copy_of(base.model, seed)  # noqa: E731
        start = {"init": "pretrained" if init == "pretrained" else str(init), "pretrained_sha256": _sha256_of(base)}
    train_ids, val_ids = vectorizer.encode(train_chunks), vectorizer.encode(val_chunks)
    plan = {
        "format": directory.FORMAT,
        "seed": seed,
        "recipe": recipe.to_dict(),
        "vocabulary": vectorizer.vocab_size,
        "train_posts": sorted(p.id for p in train_posts),
        "data": directory.data_checksum(train_ids, val_ids),
        **start,
    }
    # After the KL warm-up (the held-out negative ELBO can rise while z starts to carry
    # information), and never an empty watch.
    watch_from = min(math.ceil(recipe.anneal_fraction * recipe.epochs), recipe.epochs - 1)
    early = ResumableEarlyStopping(patience=recipe.patience, start_epoch=watch_from)
    with directory.training(out, KIND, force, plan) as backup:
        model, _ = fit(
            build,
            train_ids,
            (val_ids,),
            recipe,
            seed=seed,
            strategy=strategy,
            verbose=verbose,
            **run.fit_options(out, backup, watch=[early], after=callbacks),
        )
        rows = history.history_of(backup)
        metrics = {
            **measures.text_report(model, val_ids, k=iwae_k, seed=seed),
            "units": "nats per chunk (validation posts); nll_per_token: per "
            + ("word" if base is None else "subword piece"),
            "iwae_k": iwae_k,
        }
        data = {
            "source": source or origin or "a list of posts",
            "posts": len(posts),
            "train_posts": len(train_posts),
            "val_posts": len(val_posts),
            "train_chunks": len(train_chunks),
            "val_chunks": len(val_chunks),
            "vocabulary": vectorizer.vocab_size,
        }
        training = {
            **start,
            "epochs_run": len(rows),
            "best_epoch": None if early.state["best_epoch"] is None else early.state["best_epoch"] + 1,
            "stopped_early": early.state["stopped_epoch"] is not None,
            "seconds": round(sum(row["seconds"] for row in rows), 1),
        }
        config = directory.config(KIND, seed, recipe, data, training)
        codes = {tuple(words): steering.topic_code(model, vectorizer, words) for words in topics.values()}

        def write(folder: Path) -> None:
            if topics:
                saved = {name: {"keywords": w, "code": codes[tuple(w)].tolist()} for name, w in topics.items()}
                (folder / TOPICS_FILE).write_text(json.dumps(saved, indent=2))
            if base is None:
                vectorizer.save(folder / "vectorizer.json")
            else:
                vectorizer.save(folder / "tokenizer")
            (folder / "config.json").write_text(json.dumps(config, indent=2))
            (folder / "metrics.json").write_text(json.dumps(metrics, indent=2))
            model.save(folder / "model.keras")

        directory.finish(out, write, rows)
    return BlogVAE(model, vectorizer, config, metrics, history.by_column(rows), topics, codes)


def _sha256_of(base: BlogVAE) -> str:
    """The sha256 of the model file that fine-tuning starts from (recorded in its card or config)."""
    files = base.config.get("files")
    if isinstance(files, dict) and "model.keras" in files:
        return files["model.keras"]["sha256"]
    return "not recorded (a pretrain directory, not a packed model)"


def load_blog_vae(path) -> BlogVAE:
    """Read a model directory written by :func:`train_blog_vae`; DataError says what is wrong."""
    path = Path(path)
    config, metrics, history = directory.read(path, KIND)
    model = load_model(path / "model.keras", TextVAE)
    if (path / "tokenizer").is_dir():
        from vae_tutorial.text.subwords import SubwordTokenizer

        vectorizer, name = SubwordTokenizer.load(path / "tokenizer"), "tokenizer"
    else:
        vectorizer, name = Vectorizer.load(path / "vectorizer.json"), "vectorizer.json"
    if (vectorizer.vocab_size, vectorizer.max_length) != (model.vocab_size, model.max_length):
        raise DataError(
            str(path / name),
            f"does not match model.keras (vocabulary {vectorizer.vocab_size} vs {model.vocab_size}, "
            f"length {vectorizer.max_length} vs {model.max_length})",
            "Keep the files of one training run together.",
        )
    topics, codes = _read_topics(path / TOPICS_FILE, model.latent_dim)
    return BlogVAE(model, vectorizer, config, metrics, history, topics, codes)


def _read_topics(path: Path, latent_dim: int) -> tuple[dict, dict]:
    """({name: keywords}, {keywords: code}) from a model directory's topics.json (none: empty)."""
    if not path.is_file():
        return {}, {}
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        topics = {name: [str(w) for w in entry["keywords"]] for name, entry in saved.items()}
        codes = {tuple(topics[name]): np.asarray(entry["code"], np.float32) for name, entry in saved.items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DataError(str(path), f"is not a topics file ({type(exc).__name__})", "Train the model again.") from None
    if any(code.shape != (latent_dim,) for code in codes.values()):
        raise DataError(str(path), f"holds codes that are not of size {latent_dim}", "Train the model again.")
    return topics, codes
