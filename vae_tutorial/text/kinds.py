"""The text kinds, each everything the series knows about one model: the blog VAE (:data:`BLOG_VAE`,
``vae-tutorial train-text``: the shipped sentence VAE fine-tuned on your posts, or a word-level one from
scratch) and the sentence VAE pretrained on the general corpus (:data:`SENTENCE_VAE`, ``vae-tutorial
pretrain``); and the command that uses them, ``vae-tutorial variations``.

``BLOG_VAE.train_into("runs/blog", posts)`` returns a :class:`~vae_tutorial.text.blog.BlogVAE`, as
``BLOG_VAE.load("runs/blog")`` does. Light to import: the models load with TensorFlow when a kind
builds or loads one.
"""

from __future__ import annotations

import json
from pathlib import Path

from vae_tutorial.errors import DataError
from vae_tutorial.text.card import read_card
from vae_tutorial.text.corpus import load_general_sentences
from vae_tutorial.text.measures import text_report
from vae_tutorial.text.recipes import BLOG_RECIPE, FINE_TUNE_RECIPE, PRETRAIN_RECIPE, BlogRecipe
from vae_tutorial.text.steering import TOPICS_FILE, check_topics, topic_code
from vae_tutorial.text.subwords import FILES as SUBWORD_FILES
from vae_tutorial.text.subwords import SubwordTokenizer, corpus_ids
from vae_tutorial.text.tokens import Vectorizer
from vae_tutorial.text.windows import chunk_posts, split_posts
from vae_tutorial.training import directory
from vae_tutorial.training.kinds import (
    Job,
    Kind,
)

INITS = ("pretrained", "scratch")
TOKENIZER_FILES = tuple(f"tokenizer/{name}" for name in SUBWORD_FILES)


def models():
    """The text models and their loaders; they import TensorFlow, which the command line loads only
    after checking its arguments."""
    from vae_tutorial.text import blog, vae  # TensorFlow (~5 s): after the checks

    return blog, vae


def posts_of(posts) -> list:
    """``posts`` as a list; a DataError naming where they came from unless they are at least 2."""
    origin = getattr(posts, "origin", None) or "posts"  # a Posts list says where it was read from
    if isinstance(posts, str) or not hasattr(posts, "__len__"):
        raise DataError(
            "posts", f"is a {type(posts).__name__}, not a list of posts", "Load them with load_blog_folder."
        )
    if len(posts) < 2:
        raise DataError(
            origin,
            f"holds {len(posts)} post; a train/validation split needs at least 2",
            "Add posts (a VAE wants hundreds).",
        )
    return list(posts)


def _base_recipe(init) -> dict | None:
    """The recipe of the model that fine-tuning starts from, read without loading it (None: scratch);
    a DataError for an init that is neither a known name nor a folder of a subword model."""
    if init == "scratch":
        return None
    if init == "pretrained":
        return read_card()["recipe"]
    if not isinstance(init, str | Path):
        raise DataError("init", f"expected one of {INITS} or a folder, got {init!r}", 'Use init="pretrained".')
    folder = Path(init)
    if (folder / "card.json").is_file():
        return read_card(folder)["recipe"]
    if (folder / "vectorizer.json").is_file():
        raise DataError(
            str(folder),
            f"is a word-level text model (vectorizer.json, written by vae_tutorial {directory.written_by(folder)}); "
            "fine-tuning starts from a subword model",
            'Pass init="pretrained", or init="scratch" to train a word-level model as version 0.2 did.',
        )
    if not folder.exists():
        raise DataError("init", f"is neither one of {INITS} nor an existing folder: {init!r}", 'Use init="pretrained".')
    return directory.read(folder, SENTENCE_VAE)[0]["recipe"]


class BlogKind(Kind):
    """The blog VAE: data, posts (:func:`~vae_tutorial.text.posts.load_blog_folder`, ``load_blog_csv``).

    init: "pretrained" (default: the model shipped in :mod:`vae_tutorial.text.card`, its subword
    tokenizer and architecture, trained further with :data:`FINE_TUNE_RECIPE`), a folder written by
    ``vae-tutorial pretrain``, or "scratch" (a word-level model of :data:`BLOG_RECIPE`, the notebooks'
    earlier design). The posts are split by post (``val_fraction`` of them for validation, seeded)
    and cut into sentence windows that fit ``max_length`` - 1 tokens; with a pretrained init no recipe
    change may alter the architecture. topics: {name: keywords} the model should know (checked before
    training): each topic's code is saved in ``topics.json``, and ``variations(text,
    topic=blog.topics[name])`` steers toward it. iwae_k: importance samples per validation window for
    metrics.json (nats per window); source: what the posts are, for config.json.
    """

    name = "text"
    title = "a blog-post VAE"
    recipes = {"fine_tune": FINE_TUNE_RECIPE, "scratch": BLOG_RECIPE}
    default_recipe = "fine_tune"
    options = {"init": "pretrained", "iwae_k": 50, "source": None, "topics": None}
    command = "train-text"
    files = ("vectorizer.json",)  # a word-level model's; a fine-tuned one has the tokenizer's (directory_files)
    all_files = ("vectorizer.json", "tokenizer", TOPICS_FILE)

    def directory_files(self, path: Path) -> tuple[str, ...]:
        return TOKENIZER_FILES if (path / "tokenizer").is_dir() else ("vectorizer.json",)

    def model_class(self):
        return models()[1].TextVAE

    def check(self, data, options) -> None:
        posts_of(data)
        if options["topics"] is not None:
            check_topics(options["topics"])
        _base_recipe(options["init"])

    def fine_tune_recipe(self, init, recipe: BlogRecipe, changes: dict) -> BlogRecipe:
        """``recipe`` with the architecture of the model that ``init`` names (unchanged for "scratch");
        a DataError if ``changes`` alter that architecture."""
        base = _base_recipe(init)
        if base is None:
            return recipe
        fixed = {field: base[field] for field in (*BlogRecipe.MODEL_FIELDS, "max_length", "vocab_size")}
        for name, value in changes.items():
            if name in fixed and value != fixed[name]:
                raise DataError(
                    name,
                    f"is {value!r}, but the pretrained model has {fixed[name]!r} and fine-tuning keeps its "
                    "architecture",
                    f'Drop {name}=..., or pass init="scratch" to train a model of your own design.',
                )
        return recipe.replace(**fixed)

    def prepare(self, data, recipe, changes, seed, options) -> Job:
        blog, vae = models()
        posts, init = posts_of(data), options["init"]
        topics = {} if options["topics"] is None else check_topics(options["topics"])
        chosen = recipe if recipe is not None else "scratch" if init == "scratch" else "fine_tune"
        recipe = self.fine_tune_recipe(init, self.recipe(chosen, **changes), changes)
        train_posts, val_posts = split_posts(posts, recipe.val_fraction, seed)
        if init == "scratch":
            train = [c for _, c in chunk_posts(train_posts, recipe.max_length - 1)]
            val = [c for _, c in chunk_posts(val_posts, recipe.max_length - 1)]
        else:
            base = blog.load_pretrained() if init == "pretrained" else self._pretrained_folder(init)
            train = [w for post in train_posts for w in base.vectorizer.windows(post.text)]
            val = [w for post in val_posts for w in base.vectorizer.windows(post.text)]
        if not train or not val:
            raise DataError("posts", "give no words to train or validate on", "Pass posts with text in them.")
        if init == "scratch":
            vectorizer = Vectorizer.build(train, max_vocab=recipe.vocab_size, max_length=recipe.max_length)
            build = lambda: vae.TextVAE(vectorizer.vocab_size, recipe.max_length, **recipe.model_kwargs(), seed=seed)  # noqa: E731
            start = {"init": "scratch"}
        else:
            vectorizer = base.vectorizer
            build = lambda: base.model.copy(seed=seed)  # noqa: E731
            files = base.config.get("files")
            sha = (
                files["model.keras"]["sha256"]
                if isinstance(files, dict)
                else "not recorded (a pretrain directory, not a packed model)"
            )
            start = {"init": str(init), "pretrained_sha256": sha}
        train_ids, val_ids = vectorizer.encode(train), vectorizer.encode(val)
        return Job(
            recipe,
            build,
            train_ids,
            (val_ids,),
            seed=seed,
            data={
                "source": options["source"] or getattr(data, "origin", None) or "a list of posts",
                "posts": len(posts),
                "train_posts": len(train_posts),
                "val_posts": len(val_posts),
                "train_chunks": len(train),
                "val_chunks": len(val),
                "vocabulary": vectorizer.vocab_size,
            },
            plan={"vocabulary": vectorizer.vocab_size, "train_posts": sorted(p.id for p in train_posts), **start},
            start=start,
            context={"vectorizer": vectorizer, "topics": topics, "codes": {}},
        )

    def _pretrained_folder(self, init):
        """The model of a packed folder (card.json) or of a ``vae-tutorial pretrain`` directory."""
        folder = Path(init)
        if (folder / "card.json").is_file():
            return models()[0].load_pretrained(folder)
        return SENTENCE_VAE.load(folder)

    def report(self, model, job, options) -> dict:
        per = "word" if isinstance(job.context["vectorizer"], Vectorizer) else "subword piece"
        return {
            **text_report(model, job.validation[0], k=options["iwae_k"], seed=job.seed),
            "units": f"nats per chunk (validation posts); nll_per_token: per {per}",
            "iwae_k": options["iwae_k"],
        }

    def write(self, folder: Path, model, job) -> None:
        vectorizer, topics, codes = job.context["vectorizer"], job.context["topics"], job.context["codes"]
        codes.update({tuple(words): topic_code(model, vectorizer, words) for words in topics.values()})
        if topics:
            saved = {name: {"keywords": w, "code": codes[tuple(w)].tolist()} for name, w in topics.items()}
            (folder / TOPICS_FILE).write_text(json.dumps(saved, indent=2))
        vectorizer.save(folder / ("vectorizer.json" if isinstance(vectorizer, Vectorizer) else "tokenizer"))

    def result(self, model, config, metrics, history, path=None, job=None):
        blog = models()[0]
        if path is not None:
            return blog.read_model(path, config, metrics, history, model)
        context = job.context
        return blog.BlogVAE(model, context["vectorizer"], config, metrics, history, context["topics"], context["codes"])


class SentenceKind(Kind):
    """The sentence VAE pretrained on the general corpus (:func:`~vae_tutorial.text.corpus.load_general_sentences`):
    no data to pass. Its byte-level BPE tokenizer of ``vocab_size`` pieces is learnt on the training
    part only; sentences longer than ``max_length`` - 1 pieces are left out. metrics.json: held-out
    figures on the corpus' test split, nats per sentence and per piece. The shipped model is such a
    directory, packed (``python -m vae_tutorial.text.pack``)."""

    name = "pretrained"
    title = "the pretrained sentence VAE"
    recipes = {"pretrain": PRETRAIN_RECIPE}
    default_recipe = "pretrain"
    files = TOKENIZER_FILES
    all_files = ("tokenizer",)
    options = {"iwae_k": 20}
    command = "pretrain"
    records_machine = True

    def model_class(self):
        return models()[1].TextVAE

    def prepare(self, data, recipe, changes, seed, options) -> Job:
        if data is not None:
            raise DataError("data", "is not used: the sentence VAE pretrains on the general corpus", "Pass no data.")
        recipe = self.recipe(recipe, **changes)
        corpus = load_general_sentences()
        tokenizer = SubwordTokenizer.build(corpus.train, recipe.vocab_size, recipe.max_length)
        (train_ids, train), (val_ids, val), (test_ids, test) = (
            corpus_ids(tokenizer, part) for part in (corpus.train, corpus.validation, corpus.test)
        )
        return Job(
            recipe,
            lambda: models()[1].TextVAE(tokenizer.vocab_size, recipe.max_length, **recipe.model_kwargs(), seed=seed),
            train_ids,
            (val_ids,),
            seed=seed,
            data={
                "source": "gensim Lee background (minus the sample blog) + English Wikipedia sample",
                "articles": corpus.sources,
                "sentences": {"train": len(train), "validation": len(val), "test": len(test)},
                "left_out_longer_than_pieces": recipe.max_length - 1,
                "words": sum(len(s.split()) for part in (train, val, test) for s in part),
                "vocabulary": tokenizer.vocab_size,
            },
            context={"tokenizer": tokenizer, "test_ids": test_ids},
        )

    def report(self, model, job, options) -> dict:
        report = text_report(model, job.context["test_ids"], k=options["iwae_k"], seed=job.seed)
        return {
            **{key: value for key, value in report.items() if key != "nll_per_token"},
            "nll_per_piece": report["nll_per_token"],
            "units": "nats per sentence (corpus test split) unless named; per_piece: per BPE piece incl. [EOS]",
            "iwae_k": options["iwae_k"],
            "test_sentences": len(job.context["test_ids"]),
        }

    def write(self, folder: Path, model, job) -> None:
        job.context["tokenizer"].save(folder / "tokenizer")

    def result(self, model, config, metrics, history, path=None, job=None):
        blog = models()[0]
        if path is not None:
            return blog.read_model(path, config, metrics, history, model)
        return blog.BlogVAE(model, job.context["tokenizer"], config, metrics, history)


BLOG_VAE = BlogKind()
SENTENCE_VAE = SentenceKind()
