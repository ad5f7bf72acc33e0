"""python -m vae_tutorial.pretrained DIR: pack a finished ``vae-tutorial pretrain`` directory into the package."""

import sys

from vae_tutorial.errors import DataError
from vae_tutorial.pretrained import MODEL, pack

if len(sys.argv) != 2:
    sys.exit("usage: python -m vae_tutorial.pretrained DIR  (a directory written by vae-tutorial pretrain)")
try:
    written = pack(sys.argv[1])
except DataError as exc:
    sys.exit(f"vae_tutorial.pretrained: error: {exc}")
size = sum(entry["bytes"] for entry in written["files"].values()) / 2**20
print(f"Packed {sys.argv[1]} into {MODEL} ({size:.1f} MB, card.json with the sha256 of each file)")
