"""A built corpus read back: its manifest checked (format, the sha256 of each split file), its
sentences, and the table of its sources for a model card.

A corpus folder holds ``train.txt``, ``validation.txt``, ``test.txt`` (one sentence a line, ASCII)
and ``manifest.json``, written last: a folder without it, or whose files do not match it, is no
corpus (a build that was interrupted) and :func:`load` refuses it with one line.
"""

from __future__ import annotations

from pathlib import Path

from vae_tutorial.errors import DataError
from vae_tutorial.files import read_json, sha256
from vae_tutorial.text.corpus import Corpus

FORMAT = 1
SPLITS = ("train", "validation", "test")
MANIFEST = "manifest.json"
FILES = (*(f"{split}.txt" for split in SPLITS), MANIFEST)  # everything a corpus folder holds
OUT = Path("build/corpus")  # make corpus's corpus folder


def rebuild(folder) -> str:
    """The fix of every error about a corpus folder: the command that builds it."""
    return f"Build it: make corpus, or python -m vae_tutorial.text.english build --out {folder}."


def read_manifest(folder=OUT) -> dict:
    """The manifest of the corpus in ``folder``, checked: a DataError naming the folder if there is
    none (never built, or its build was interrupted), or it is unreadable or of another format."""
    folder = Path(folder)
    if not (folder / MANIFEST).is_file():
        problem = "holds no corpus (no manifest.json: never built, or its build was interrupted)"
        raise DataError(str(folder), problem, rebuild(folder))
    try:
        manifest = read_json(MANIFEST, folder / MANIFEST)
    except DataError as error:
        raise DataError(str(folder), f"has a damaged manifest.json ({error.problem})", rebuild(folder)) from None
    found = manifest.get("format") if isinstance(manifest, dict) else None
    if found != FORMAT or not isinstance(manifest.get("splits"), dict) or set(manifest["splits"]) != set(SPLITS):
        problem = f"holds a corpus manifest of format {found!r}, not {FORMAT} (another version of vae-tutorial)"
        raise DataError(str(folder), problem, rebuild(folder))
    return manifest


def load(folder=OUT) -> Corpus:
    """The sentences of the corpus in ``folder`` (default build/corpus, where make corpus writes it)
    in its three splits, each file checked against the sha256 in the manifest; ``sources`` holds
    the documents each source has in the corpus. A one-line DataError naming the folder if it
    holds no complete corpus."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    parts = {}
    for split in SPLITS:
        path = folder / f"{split}.txt"
        if not path.is_file():
            raise DataError(str(folder), f"has no {path.name} (an incomplete corpus)", rebuild(folder))
        if sha256(path) != manifest["splits"][split]["sha256"]:
            problem = f"{path.name} does not match the sha256 in manifest.json (damaged, edited or half-written)"
            raise DataError(str(folder), problem, rebuild(folder))
        parts[split] = path.read_text(encoding="ascii").splitlines()
    sources = {name: sum(entry["documents"].values()) for name, entry in manifest["sources"].items()}
    return Corpus(**parts, sources=sources)


def source_table(manifest: dict) -> str:
    """The sources of a corpus as a markdown table for a model card: source, version (of each
    package), words used, licence; a total row last. ``manifest``: :func:`read_manifest`'s, or
    what :func:`~vae_tutorial.text.english.builder.build` returns."""
    rows = ["| source | version | words used | licence |", "|---|---|---:|---|"]
    for name, entry in manifest["sources"].items():
        version = ", ".join(f"{p['name']} {p['version']}" for p in entry["packages"])
        rows.append(f"| {name} | {version} | {entry['words']:,} | {entry['licence']} |")
    rows.append(f"| total | | {manifest['total_words']:,} | |")
    return "\n".join(rows) + "\n"
