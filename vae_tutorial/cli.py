"""The ``vae-tutorial`` command (its subcommands arrive with notebooks 03 and 05)."""

from __future__ import annotations

import argparse
import sys

from vae_tutorial import __version__

COMING = """commands arriving with the notebooks that teach them:
  train-images   train the image VAE on the embedded digits or a folder (notebook 03)
  train-text     train a text VAE on a folder or CSV of blog posts     (notebook 05)
  variations     print variations of a text with a trained model       (notebook 05)
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vae-tutorial",
        description="Variational Autoencoders, from the Gaussian to topic-constrained text (companion CLI).",
        epilog=COMING,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    parser.parse_args(argv)
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
