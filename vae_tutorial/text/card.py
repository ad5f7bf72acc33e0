"""The card of the sentence VAE that ships with the package (``pretrained_model/``): what it was trained
on and how, its held-out figures, and the sha256 of each of its files, checked before anything is
loaded (:func:`read_card`). Light: the command line reads the shipped model's recipe from here."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from vae_tutorial.errors import DataError
from vae_tutorial.files import sha256
from vae_tutorial.text.blind_reading import score

MODEL = Path(__file__).parent / "pretrained_model"
READING = "reading"  # the blind reading of the shipped model, a folder beside its files
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


def read_blind_reading(folder: Path = MODEL) -> dict:
    """The blind reading of the packed model in ``folder`` (``reading/``: the items a reader rated, the
    key, the reader's ``ratings.json`` and ``reading.json``, made by
    ``benchmarks/pretrained_reading.py``), scored by :func:`~vae_tutorial.text.blind_reading.score`:
    {"generated", "real", "by_group": {"reconstructions", "variations", "real"}, each {"n",
    "mean_fluency" (1-5), "share_4_or_5", "share_taken_for_human"}}. A DataError if there is none, or
    if it was made with another model than the one the card lists (a reading does not carry over to
    a retrained model)."""
    folder = Path(folder) / READING
    redo = "Make the items with benchmarks/pretrained_reading.py and have them read blind (its docstring says how)."
    about = folder / "reading.json"
    if not about.is_file():
        raise DataError(str(about), "is missing: this model has no blind reading", redo)
    made_with = json.loads(about.read_text(encoding="utf-8")).get("model_sha256")
    if made_with != read_card(folder.parent)["files"]["model.keras"]["sha256"]:
        raise DataError(str(about), "is the reading of another model than model.keras", redo)
    return score(folder / "ratings.json", folder / "key.json")


def card_of(run: Path, files: dict) -> dict:
    """The model card of a model directory written by ``vae-tutorial pretrain``."""
    config = json.loads((run / "config.json").read_text(encoding="utf-8"))
    metrics = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
    return {
        "name": "vae-tutorial sentence VAE (byte-level BPE, GRU)",
        "what": "A sentence VAE pretrained on general English: encode a sentence to z (32 numbers), "
        "decode z to a sentence. Fine-tune it on your posts with vae-tutorial train-text.",
        "built_by": "make pretrained (vae-tutorial pretrain --out build/pretrained, then "
        "python -m vae_tutorial.text.pack build/pretrained)",
        "date": date.today().isoformat(),
        "data": config["data"],
        "recipe": config["recipe"],
        "seed": config["seed"],
        "training": config["training"],
        "versions": config["versions"],
        "held_out": metrics,
        "files": files,
    }
