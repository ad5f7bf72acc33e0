"""Pack a finished ``vae-tutorial pretrain`` directory into the package as the shipped sentence VAE.

``python -m vae_tutorial.text.pack DIR`` (``make pretrained`` runs it after pretraining) copies the model,
its weights without the optimizer's state, and its tokenizer into ``pretrained_model/`` with a model
card recording the sha256 of each file (:mod:`vae_tutorial.text.card`).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from vae_tutorial.errors import DataError
from vae_tutorial.files import sha256
from vae_tutorial.text.card import FILES, MAX_BYTES, MODEL, card_of
from vae_tutorial.text.kinds import SENTENCE_VAE


def pack(run, dest: Path = MODEL) -> dict:
    """Copy the model (its weights, without the optimizer's state: Adam's two moments would triple the
    file, and a user fine-tunes with a new optimizer anyway) and the tokenizer of a finished
    ``vae-tutorial pretrain`` directory into ``dest`` with a model card (sha256 and size of each
    file); returns the card. A DataError if ``run`` is not a finished pretrain directory or the files
    exceed the 25 MB shipped."""
    run, dest = Path(run), Path(dest)
    trained = SENTENCE_VAE.load(run)  # a DataError if it is not a finished pretrain run
    shutil.rmtree(dest, ignore_errors=True)
    for name in FILES[1:]:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(run / name, dest / name)
    trained.model.copy().save(dest / "model.keras")
    files = {name: {"sha256": sha256(dest / name), "bytes": (dest / name).stat().st_size} for name in FILES}
    total = sum(entry["bytes"] for entry in files.values())
    if total > MAX_BYTES:
        shutil.rmtree(dest)
        raise DataError(
            str(run), f"holds {total / 2**20:.1f} MB of files, over the 25 MB shipped", "Train a smaller model."
        )
    card = card_of(run, files)
    (dest / "card.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    return card


def main(argv: list[str] | None = None) -> int:
    """python -m vae_tutorial.text.pack DIR: pack a finished ``vae-tutorial pretrain`` directory."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m vae_tutorial.text.pack DIR  (a directory written by vae-tutorial pretrain)")
        return 2
    try:
        written = pack(argv[0])
    except DataError as exc:
        print(f"vae_tutorial.text.pack: error: {exc}", file=sys.stderr)
        return 2
    size = sum(entry["bytes"] for entry in written["files"].values()) / 2**20
    print(f"Packed {argv[0]} into {MODEL} ({size:.1f} MB, card.json with the sha256 of each file)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
