"""The blind-reading files of the shipped sentence VAE, made as notebook 04 makes its outputs.

    .venv/bin/python benchmarks/pretrained_reading.py --out build/reading

Writes ``items.txt`` and ``key.json`` (:func:`vae_tutorial.text.blind_reading.write_items`, seeded as notebook 04):
30 greedy reconstructions (the posterior mean of each of notebook 04's 40 held-out corpus test
sentences, the first 30), 30 variations at the default closeness (one each of 30 other test
sentences, ``BlogVAE.variations``) and 30 real test sentences that neither group used, all from the
corpus's test split, which the model never trained on. Give a blind reader the items file and
:data:`~vae_tutorial.text.blind_reading.RUBRIC` only; save the reader's JSON list as
``ratings.json`` beside the key, copy the three files and ``reading.json`` (which this writes: the
model's sha256, the seed, this command) into ``vae_tutorial/text/pretrained_model/reading/``:
:func:`vae_tutorial.text.card.read_blind_reading` scores them there (notebook 04 prints it).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from vae_tutorial.config import settings
from vae_tutorial.text import corpus_ids, decode, load_general_sentences, load_pretrained
from vae_tutorial.text.blind_reading import write_items
from vae_tutorial.text.card import MODEL, read_card

N = 30
SEED = settings().seed  # notebook 04's seed, from the same settings


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for items.txt, key.json, reading.json")
    args = parser.parse_args(argv)
    shipped = load_pretrained()
    tok = shipped.vectorizer
    test_ids, test_kept = corpus_ids(tok, load_general_sentences().test)
    rng = np.random.default_rng(SEED)
    pick = rng.choice(len(test_kept), 40, replace=False)  # notebook 04's reconstructions (section 7)
    z_mean, _ = shipped.model.encode(test_ids[pick[:N]])
    reconstructions = tok.decode(decode(shipped.model, z_mean))
    rest = np.setdiff1d(np.arange(len(test_kept)), pick)
    others = np.random.default_rng(SEED + 1).choice(rest, 2 * N, replace=False)
    variations = [shipped.variations(test_kept[i], n=1, seed=SEED)[0] for i in others[:N]]
    real = [test_kept[i] for i in others[N:]]
    args.out.mkdir(parents=True, exist_ok=True)
    write_items(
        {"reconstructions": reconstructions, "variations": variations},
        real,
        args.out / "items.txt",
        args.out / "key.json",
        seed=SEED,
    )
    about = {
        "model_sha256": read_card(MODEL)["files"]["model.keras"]["sha256"],
        "made_by": "benchmarks/pretrained_reading.py",
        "lines": {"reconstructions": N, "variations": N, "real": N},
        "seed": SEED,
    }
    (args.out / "reading.json").write_text(json.dumps(about, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}/items.txt ({3 * N} lines), key.json and reading.json")


if __name__ == "__main__":
    main()
