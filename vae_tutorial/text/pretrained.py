"""The pretrained sentence VAE that ships with the package, and how it is packed.

``load()`` returns it ready to use (model, subword tokenizer, model card); every file is checked
against the sha256 that ``pretrained_model/card.json`` records before anything is loaded, and the model is
read in Keras' safe mode. ``python -m vae_tutorial.text.pretrained DIR`` packs a directory written by
``vae-tutorial pretrain`` into ``pretrained_model/`` (``make pretrained`` does both).
"""

from __future__ import annotations

import json
import sys
import shutil
from datetime import date
from pathlib import Path

from vae_tutorial.errors import DataError
from vae_tutorial.files import sha256
from vae_tutorial.training import directory

MODEL = Path(__file__).parent / "pretrained_model"
FILES = ("model.keras", "tokenizer/tokenizer.json", "tokenizer/subwords.json")
MAX_BYTES = 25 * 2**20
REINSTALL = "Reinstall vae-tutorial (pip install --force-reinstall vae-tutorial), or rebuild it with make pretrained."


def read_card(folder: Path = MODEL) -> dict:
    """The model card (``card.json``) of a packed model, checked: every file it lists exists and
    has the recorded sha256; a DataError naming the file otherwise."""
    folder = Path(folder)
    try:
        card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(str(folder / "card.json"), f"cannot be read ({exc})", REINSTALL) from None
    for name, recorded in card.get("files", {}).items():
        path = folder / name
        if not path.is_file():
            raise DataError(str(path), "is missing", REINSTALL)
        if sha256(path) != recorded["sha256"]:
            raise DataError(str(path), "does not match the sha256 in card.json (damaged or replaced)", REINSTALL)
    if sorted(card.get("files", {})) != sorted(FILES):
        raise DataError(str(folder / "card.json"), f"must list exactly {list(FILES)}", REINSTALL)
    return card


def load_pretrained(folder: Path = MODEL):
    """The pretrained sentence VAE as a :class:`~vae_tutorial.text.blog.BlogVAE` (model,
    tokenizer, card as ``config``, held-out figures as ``metrics``); files checked first."""
    from vae_tutorial.text.subwords import SubwordTokenizer
    from vae_tutorial.training.loss_model import load_model
    from vae_tutorial.text.vae import TextVAE
    from vae_tutorial.text.blog import BlogVAE

    card = read_card(folder)
    model = load_model(Path(folder) / "model.keras", TextVAE)
    tokenizer = SubwordTokenizer.load(Path(folder) / "tokenizer")
    return BlogVAE(model, tokenizer, card, card["held_out"], {})


def card_of(run: Path, files: dict) -> dict:
    """The model card of a model directory written by ``vae-tutorial pretrain``."""
    config = json.loads((run / "config.json").read_text(encoding="utf-8"))
    metrics = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
    return {
        "name": "vae-tutorial sentence VAE (byte-level BPE, GRU)",
        "what": "A sentence VAE pretrained on general English: encode a sentence to z (32 numbers), "
        "decode z to a sentence. Fine-tune it on your posts with vae-tutorial train-text.",
        "built_by": "make pretrained (vae-tutorial pretrain --out build/pretrained, then "
        "python -m vae_tutorial.text.pretrained build/pretrained)",
        "date": date.today().isoformat(),
        "data": config["data"],
        "recipe": config["recipe"],
        "seed": config["seed"],
        "training": config["training"],
        "versions": config["versions"],
        "held_out": metrics,
        "files": files,
    }


def _without_optimizer(source: Path, dest: Path) -> None:
    """Save the model of ``source`` to ``dest`` without its optimizer's state (Adam's two moments
    would triple the file): a user fine-tunes with a new optimizer anyway."""
    from vae_tutorial.training.loss_model import load_model
    from vae_tutorial.text.vae import TextVAE

    trained = load_model(source, TextVAE)
    model = TextVAE.from_config(trained.get_config())
    model.set_weights(trained.get_weights())
    model.save(dest)


def pack(run, dest: Path = MODEL) -> dict:
    """Copy the model (its weights, without the optimizer's state) and the tokenizer of a finished
    ``vae-tutorial pretrain`` directory into ``dest`` with a model card (sha256 and size of each
    file); returns the card."""

    run, dest = Path(run), Path(dest)
    directory.read(run, "pretrained")  # a DataError if it is not a finished pretrain run
    shutil.rmtree(dest, ignore_errors=True)
    for name in FILES[1:]:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(run / name, dest / name)
    _without_optimizer(run / "model.keras", dest / "model.keras")
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
    """python -m vae_tutorial.text.pretrained DIR: pack a finished ``vae-tutorial pretrain`` directory."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m vae_tutorial.text.pretrained DIR  (a directory written by vae-tutorial pretrain)")
        return 2
    try:
        written = pack(argv[0])
    except DataError as exc:
        print(f"vae_tutorial.text.pretrained: error: {exc}", file=sys.stderr)
        return 2
    size = sum(entry["bytes"] for entry in written["files"].values()) / 2**20
    print(f"Packed {argv[0]} into {MODEL} ({size:.1f} MB, card.json with the sha256 of each file)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
