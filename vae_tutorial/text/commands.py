"""The text subject's commands: ``vae-tutorial train-text`` and ``pretrain`` (the command-line faces of
:data:`~vae_tutorial.text.kinds.BLOG_VAE` and :data:`~vae_tutorial.text.kinds.SENTENCE_VAE`) and
``variations``, which uses them. Each reads and checks its arguments before TensorFlow loads.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

from vae_tutorial.errors import DataError, DataWarning
from vae_tutorial.files import path_error, probe, read_json, refuse_special
from vae_tutorial.text.csv_posts import load_blog_csv
from vae_tutorial.text.decoding import CLOSENESS, MAX_N, MAX_SCALE, MAX_TEMPERATURE, STRATEGIES, Decoding
from vae_tutorial.text.kinds import BLOG_VAE, SENTENCE_VAE, models, posts_of
from vae_tutorial.text.posts import _decode, load_blog_folder
from vae_tutorial.text.recipes import BLOG_RECIPE, FINE_TUNE_RECIPE, PRETRAIN_RECIPE
from vae_tutorial.text.steering import MAX_TOPICS, STRENGTH, check_topics, topic_words
from vae_tutorial.text.tokens import MAX_WORDS, check_text, language_warning
from vae_tutorial.training import directory
from vae_tutorial.training.kinds import (
    TRAINING_FLAGS,
    Command,
    Flag,
    Group,
    check_out,
    number,
    seed_flag,
    verbose,
    whole,
)

# --- vae-tutorial train-text ------------------------------------------------------------------


def _read_topics(path) -> dict:
    """The topics of train-text --topics: a JSON object of names to keywords, checked before training."""
    topics = read_json("topics", path)
    try:
        return check_topics(topics)
    except DataError as exc:
        raise DataError(f"--topics {path}", exc.problem, exc.fix) from None


def _train_text(args, settings) -> int:
    check_out(args.out, args.folder)  # --out inside --folder: said first, whatever the folder holds
    directory.check(args.out, args.force)  # before reading the posts or loading TensorFlow
    if args.folder is not None and args.delimiter is not None:
        raise DataError("delimiter", "applies to --csv only", "Drop it, or pass the posts with --csv.")
    if args.csv is not None and args.pattern is not None:
        raise DataError("pattern", "applies to --folder only", "Drop it: --csv reads one file.")
    if args.folder is not None and args.text_column is not None:
        raise DataError("text_column", "applies to --csv only", "Drop it: each file of --folder is one post.")
    changes = {"latent_dim": args.latent_dim, "max_length": args.max_length, "vocab_size": args.vocab_size}
    changes = {name: value for name, value in changes.items() if value is not None}
    if args.init != "scratch" and changes:
        raise DataError(
            next(iter(changes)),
            "sets the architecture, which fine-tuning takes from the pretrained model",
            "Add --init scratch.",
        )
    BLOG_VAE.fine_tune_recipe(args.init, BLOG_RECIPE, {})  # an unknown init: an error before the posts are read
    topics = None if args.topics is None else _read_topics(Path(args.topics))
    recipe = BLOG_RECIPE if args.init == "scratch" else FINE_TUNE_RECIPE
    epochs = args.epochs or (settings.blog_epochs if settings.fast else recipe.epochs)
    with warnings.catch_warnings():  # the summary below says what was skipped, once
        warnings.simplefilter("ignore", DataWarning)
        if args.folder is not None:
            posts = load_blog_folder(
                args.folder, pattern="*.txt" if args.pattern is None else args.pattern, encoding=args.encoding
            )
        else:
            posts = load_blog_csv(
                args.csv, text_column=args.text_column or "content", encoding=args.encoding, delimiter=args.delimiter
            )
    posts_of(posts)  # at least 2, before TensorFlow loads
    print(posts.summary())
    for where, reason in posts.skipped:
        print(f"  skipped {where}: {reason}")
    blog = BLOG_VAE.train_into(
        args.out,
        posts,
        recipe,
        init=args.init,
        **changes,
        epochs=epochs,
        topics=topics,
        seed=args.seed,
        force=args.force,
        iwae_k=settings.text_iwae_k,
        verbose=verbose(args),
        strategy=args.strategy,
        announce=lambda resuming: print(
            f"{'Resuming' if resuming else 'Training'} a text VAE; Ctrl-C stops it, the same command resumes it."
        ),
    )
    data, metrics, training = blog.config["data"], blog.metrics, blog.config["training"]
    print(
        f"{data['train_chunks']} training chunks of {data['train_posts']} posts, "
        f"{data['val_chunks']} validation chunks of {data['val_posts']} posts; "
        f"{training['epochs_run']} epochs in {training['seconds']:.0f} s, best epoch {training['best_epoch']}"
    )
    print(
        f"Held-out negative ELBO {metrics['neg_elbo']:.1f} nats per chunk (KL {metrics['kl']:.1f}, "
        f"IWAE NLL {metrics['iwae_nll']:.1f}, perplexity {metrics['perplexity']:.0f}); wrote {args.out}"
    )
    return 0


TRAIN_TEXT = Command(
    "train-text",
    "train a text VAE on a folder or CSV of blog posts",
    "Fine-tune the shipped sentence VAE on blog posts (or, with --init scratch, train a word-level one) and "
    "write a model directory (model.keras, tokenizer/ or vectorizer.json, config.json, metrics.json, history.csv, "
    "logs/). Rerun the same command after an interruption to resume.",
    (
        Group(
            (
                Flag("--folder", "folder", "a folder of posts, one text file each"),
                Flag("--csv", "csv", "a CSV file with one post per row"),
            ),
            required=True,
        ),
        Flag("--text-column", "text_column", "the CSV column with the posts (default content)"),
        Flag(
            "--delimiter",
            "delimiter",
            "the CSV's field separator (default: , ; tab or |, whichever splits the header most)",
        ),
        Flag(
            "--pattern",
            "pattern",
            "which files of --folder to read (default *.txt; **/*.txt: sub-folders too)",
        ),
        Flag("--encoding", "encoding", "text encoding of the files (default utf-8)", {"default": "utf-8"}),
        Flag("--out", "out", "the model directory (created)", {"required": True}),
        Flag(
            "--init",
            "init",
            "pretrained (default: fine-tune the shipped sentence VAE), scratch (a word-level model trained from "
            "nothing, as before 0.3), or a folder written by vae-tutorial pretrain",
            {"default": "pretrained"},
        ),
        Flag(
            "--epochs",
            "epochs",
            f"at most this many epochs (default {FINE_TUNE_RECIPE.epochs} fine-tuning, {BLOG_RECIPE.epochs} "
            "scratch; 2 fast)",
            {"type": whole("epochs")},
        ),
        Flag(
            "--latent-dim",
            "latent_dim",
            f"--init scratch: size of z (default {BLOG_RECIPE.latent_dim})",
            {"type": whole("latent_dim")},
        ),
        Flag(
            "--max-length",
            "max_length",
            f"--init scratch: tokens per chunk, [EOS] included ({BLOG_RECIPE.max_length})",
            {"type": whole("max_length")},
        ),
        Flag(
            "--vocab-size",
            "vocab_size",
            f"--init scratch: words kept (default {BLOG_RECIPE.vocab_size})",
            {"type": whole("vocab_size")},
        ),
        Flag(
            "--topics",
            "topics",
            'a JSON file of topics the model should know, {"cricket": "cricket, wicket", ...}: '
            f"variations --topic-name NAME steers toward one (at most {MAX_TOPICS} topics)",
        ),
        seed_flag("seed of the split and weights (default 0)"),
        *TRAINING_FLAGS,
    ),
    _train_text,
    resumable=True,
)


# --- vae-tutorial pretrain --------------------------------------------------------------------


def _pretrain(args, settings) -> int:
    directory.check(args.out, args.force)  # before reading the corpus or loading TensorFlow
    changes = {} if args.epochs is None else {"epochs": args.epochs}
    run = SENTENCE_VAE.train_into(
        args.out,
        seed=args.seed,
        force=args.force,
        strategy=args.strategy,
        verbose=verbose(args),
        announce=lambda resuming: print(
            f"{'Resuming' if resuming else 'Pretraining'} the sentence VAE on the general corpus (Lee news + "
            "the Wikipedia sample); Ctrl-C stops it, the same command resumes it."
        ),
        **changes,
    )
    metrics = run.metrics
    print(
        f"Held-out negative ELBO {metrics['neg_elbo']:.1f} nats per sentence ({metrics['nll_per_piece']:.2f} per piece "
        f"from IWAE), KL {metrics['kl']:.1f}, mutual information {metrics['mutual_information']:.1f}; wrote {args.out}"
    )
    return 0


PRETRAIN = Command(
    "pretrain",
    "pretrain the sentence VAE on the general corpus (the model the package ships)",
    "Pretrain the subword sentence VAE on the Lee news corpus and the Wikipedia sample inside gensim's wheel "
    "and write a model directory (model.keras, tokenizer/, config.json, metrics.json, history.csv, logs/). "
    "About an hour on a 2-core CPU; rerun the same command after an interruption to resume.",
    (
        Flag("--out", "out", "the model directory (created)", {"required": True}),
        Flag(
            "--epochs",
            "epochs",
            f"at most this many epochs (default {PRETRAIN_RECIPE.epochs})",
            {"type": whole("epochs")},
        ),
        seed_flag("seed of the weights and batches (default 0)"),
        *TRAINING_FLAGS,
    ),
    _pretrain,
    resumable=True,
)


# --- vae-tutorial variations ------------------------------------------------------------------


def read_post(path: Path) -> str:
    """The text of a post file (UTF-8, or UTF-16 with its byte order mark); a DataError naming it if it
    is not a regular file, is larger than MAX_FILE_BYTES or cannot be read as text."""
    found = probe(str(path), path)
    if path.is_dir():
        raise DataError(str(path), "is a folder, not a file", "Pass file= (--file) a text file with the post to vary.")
    refuse_special(str(path), path, found, "Pass a text file.")
    if found is not None and found.st_size > MAX_FILE_BYTES:
        raise DataError(
            str(path),
            f"has {found.st_size / 1e6:.1f} MB; variations take at most {MAX_WORDS:,} words "
            f"({MAX_FILE_BYTES // 1000} KB)",
            "Pass one post, or a part of it, at a time.",
        )
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(str(path), "no such file", "Pass a text file with the post to vary.") from None
    except OSError as exc:
        raise path_error(str(path), path, exc, "read") from None
    try:
        text = _decode(raw, str(path), "utf-8", "strict")  # the loaders' decoding: a byte order mark is followed
    except DataError as exc:  # variations has no --encoding: the fix is to save it as UTF-8
        raise DataError(exc.where, exc.problem, "Save it as UTF-8.") from None
    if "\0" in text:
        raise DataError(
            str(path), "holds NUL bytes: a binary file, or UTF-16 without a byte order mark", "Save it as UTF-8."
        )
    return text


def _decoding(args) -> Decoding:
    """The Decoding that --closeness picks, with the flags given overriding it; --temperature 0 is greedy."""
    given = {
        "method": None if args.method is None else args.method.replace("-", "_"),
        "temperature": args.temperature,
        "k": args.k,
        "top_p": args.top_p,
        "beam_width": args.beam_width,
        "scale": args.scale,
    }
    if args.temperature == 0:  # the command line's meaning of temperature 0: greedy
        given.update(method="greedy", temperature=1.0)
    decoding = Decoding.at_closeness(args.closeness).replace(**{k: v for k, v in given.items() if v is not None})
    method = decoding.method.replace("_", "-")
    for keyword, flag, uses in _OPTION_USES:
        if (
            given[keyword] is not None
            and decoding.method not in uses
            and not (keyword == "temperature" and args.temperature == 0)
        ):
            picked = f"--method {method}" if args.method else f"--closeness {args.closeness:g} picks {method}"
            raise DataError(
                keyword, f"has no effect: {picked}", f"Add --method {uses[0].replace('_', '-')}, or drop {flag}."
            )
    return decoding


# which decoding methods use each option: any other ignores it
_OPTION_USES = (
    ("k", "--top-k", ("top_k",)),
    ("top_p", "--top-p", ("top_p",)),
    ("beam_width", "--beam-width", ("beam",)),
    ("temperature", "--temperature", ("sample", "top_k", "top_p")),
)


PROGRESS_SECONDS = 5.0
MAX_FILE_BYTES = 200_000  # a --file larger than this cannot hold MAX_WORDS words of prose


class _Progress:
    """A line on stderr about the sentence windows varied so far, every PROGRESS_SECONDS at most."""

    def __init__(self) -> None:
        self.start = self.said = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.said >= PROGRESS_SECONDS and done < total:
            print(
                f"vae-tutorial: {done} of {total} sentence windows varied ({now - self.start:.0f} s)", file=sys.stderr
            )
            self.said = now


def _variations(args, settings) -> int:
    text = args.text if args.file is None else read_post(Path(args.file))
    where = "text" if args.file is None else args.file
    check_text(where, text)  # before the model loads
    if args.strength is not None and args.topic is None and args.topic_name is None:
        raise DataError("strength", "says how far toward a topic, and no topic is given", "Add --topic KEYWORDS.")
    strength = STRENGTH if args.strength is None else args.strength
    if args.topic is not None:
        topic_words(args.topic)  # no keywords: an error before the model loads
    warning = language_warning(text, where)
    if warning:  # said once, before the model loads; the model's own DataWarning is then not repeated
        print(f"vae-tutorial: warning: {warning}", file=sys.stderr)
    decoding = _decoding(args)
    blog = models()[0].load_pretrained() if args.model is None else BLOG_VAE.load(args.model)
    steer = {} if args.topic is None else {"topic": args.topic, "strength": strength}
    if args.topic_name is not None:
        if not blog.topics:
            raise DataError(
                "topic_name",
                f"the model at {args.model or 'the package'} was trained without topics",
                "Train it with vae-tutorial train-text --topics topics.json, or pass --topic KEYWORDS.",
            )
        if args.topic_name not in blog.topics:
            names = ", ".join(map(repr, blog.topics))
            raise DataError("topic_name", f"{args.topic_name!r} is not one of the model's topics ({names})", "")
        steer = {"topic": blog.topics[args.topic_name], "strength": strength}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        lines = blog.variations(text, n=args.n, decoding=decoding, seed=args.seed, progress=_Progress(), **steer)
    for line in lines:
        print(line)
    return 0


VARIATIONS = Command(
    "variations",
    "print variations of a text with a trained text model",
    "Print n variations of a text, one per line, with a model directory from train-text "
    "(or, without --model, the pretrained sentence VAE shipped with the package).",
    (
        Flag(
            "--model",
            "model",
            "a model directory written by train-text (default: the pretrained model shipped with the package)",
        ),
        Group(
            (
                Flag("--text", "text", f"the text to vary (at most {MAX_WORDS:,} words)"),
                Flag("--file", "file", f"a UTF-8 text file with the post to vary (at most {MAX_WORDS:,} words)"),
            ),
            required=True,
        ),
        Flag("-n", "n", f"how many variations (default 5, at most {MAX_N})", {"type": number(1, MAX_N), "default": 5}),
        Flag(
            "--closeness",
            "closeness",
            f"1: nearly the same sentence; 0: same topic, new sentence (default {CLOSENESS})",
            {"type": number(0.0, 1.0, float), "default": CLOSENESS},
        ),
        Flag(
            "--method",
            "method",
            "override how --closeness picks the words: greedy, sample, top-k, top-p (nucleus) or beam",
            {"choices": [name.replace("_", "-") for name in STRATEGIES]},
        ),
        Flag(
            "--temperature",
            "temperature",
            f"override the sampling temperature that --closeness sets (0: greedy; at most {MAX_TEMPERATURE:g})",
            {"type": number(0.0, MAX_TEMPERATURE, float)},
        ),
        Flag(
            "--top-k",
            "k",
            f"--method top-k: sample among the k likeliest words (default {Decoding().k})",
            {"type": number(1, 100_000)},
        ),
        Flag(
            "--top-p",
            "top_p",
            "--method top-p: sample among the likeliest words holding this share of the probability "
            f"(default {Decoding.at_closeness().top_p}, what --closeness sets)",
            {"type": number(0.0, 1.0, float)},
        ),
        Flag(
            "--beam-width",
            "beam_width",
            f"--method beam: beams kept (default {Decoding().beam_width})",
            {"type": number(1, 1000)},
        ),
        Flag(
            "--scale",
            "scale",
            f"override how far from the text's code, in posterior standard deviations (at most {MAX_SCALE:g})",
            {"type": number(0.0, MAX_SCALE, float)},
        ),
        Group(
            (
                Flag(
                    "--topic",
                    "topic",
                    'steer the variations toward a topic given by keywords, e.g. "bushfire, fire, firefighters"',
                ),
                Flag(
                    "--topic-name",
                    "topic_name",
                    "steer toward a topic the model was trained with (train-text --topics)",
                ),
            )
        ),
        Flag(
            "--strength",
            "strength",
            "with --topic or --topic-name: how far toward the topic, 0 (not at all) to 1 (the topic's code "
            f"only); default {STRENGTH}",
            {"type": number(0.0, 1.0, float)},
        ),
        seed_flag("seed of the variations (default 0)"),
    ),
    _variations,
)


# The commands of the text subject, in the order --help lists them.
COMMANDS = (TRAIN_TEXT, PRETRAIN, VARIATIONS)
