"""Building the corpus: every source's documents cleaned into sentences, each sentence kept once,
each source's documents split into train, validation and test by a fixed seed, each source capped
at its share of the words, and the corpus written so that an interrupted build leaves nothing that
loads.

The splits and the caps are drawn with NumPy's seeded generators: the same archives and seed give
the same corpus, byte for byte, on every machine.
"""

from __future__ import annotations

import json
import os
import shutil
import zlib
from collections.abc import Callable, Iterable, Mapping
from importlib import metadata
from pathlib import Path

import numpy as np

from vae_tutorial.errors import DataError, MAX_SEED, real_number, whole_number
from vae_tutorial.files import sha256, write_atomically
from vae_tutorial.text.corpus import MAX_WORDS, MIN_WORDS, datapath
from vae_tutorial.text.english.manifest import FILES, FORMAT, MANIFEST, OUT, SPLITS
from vae_tutorial.text.english.packages import CACHE, PACKAGES, archive
from vae_tutorial.text.english.sentences import ascii_text, clean_sentences, sentence_key, split_prose
from vae_tutorial.text.english.sources import SOURCES, held_out_texts

SPLIT_FRACTIONS = {"train": 0.90, "validation": 0.05, "test": 0.05}
# The largest share of the corpus's words that a source may have (absent: no cap). On the
# 2026-12-07 archives, before the caps the addresses are 39% of the clean words and the Bible 22%;
# with these caps no source has more than a quarter (sotu 25%, austen 20%, bible 15%).
DEFAULT_CAPS = {"sotu": 0.25, "bible": 0.15, "austen": 0.25}


def check_caps(caps: Mapping[str, float | None], sources: Iterable[str]) -> dict[str, float | None]:
    """{source: share or None} for every source of ``sources``, from ``caps`` ({source: the
    largest share of the corpus's words, in (0, 1]}); a DataError for an unknown source or a bad share."""
    if not isinstance(caps, Mapping):
        raise DataError("caps", f"must be a dict of source -> share, got {caps!r}", "Use e.g. caps={'bible': 0.15}.")
    checked = dict.fromkeys(sources)
    for name, share in caps.items():
        if name not in SOURCES:
            raise DataError("caps", f"unknown source {name!r}", f"Use names from {sorted(SOURCES)}.")
        if name in checked and share is not None:
            checked[name] = real_number(f"caps[{name!r}]", share, 0, 1, 0.15, low_open=True)
    return checked


def cap_targets(words: Mapping[str, int], caps: Mapping[str, float | None]) -> dict[str, int]:
    """Words to keep per source so that no capped source has more than its share of the final
    total: the sources over their cap are cut to share * total, the others keep every word
    (found by adding the sources over their cap one round at a time, as capping some lowers the total)."""
    capped: set[str] = set()
    while True:
        free = sum(w for name, w in words.items() if name not in capped)
        shares = sum(caps[name] for name in capped)
        if capped and (shares >= 1 or free == 0):
            raise DataError(
                "caps",
                f"every source would be cut to its cap ({', '.join(sorted(capped))}: {shares:.0%} in all)",
                "Leave some sources uncapped or raise the caps.",
            )
        total = free / (1 - shares)
        over = {n for n, w in words.items() if n not in capped and caps.get(n) is not None and w > caps[n] * total}
        if not over:
            return {n: (int(caps[n] * total) if n in capped else w) for n, w in words.items()}
        capped |= over


def assign_documents(sizes: list[int], rng: np.random.Generator) -> list[str]:
    """The split of each document (``sizes``: its words): documents in a seeded random order, each
    to the split furthest below its share of :data:`SPLIT_FRACTIONS` by words so far, so that a
    source's splits come close to 90/5/5 of its words."""
    parts = ["train"] * len(sizes)
    done = dict.fromkeys(SPLITS, 0)
    total = 0
    for index in rng.permutation(len(sizes)).tolist():
        total += sizes[index]
        part = max(SPLITS, key=lambda s: SPLIT_FRACTIONS[s] * total - done[s])
        parts[index] = part
        done[part] += sizes[index]
    return parts


def check_out(out) -> Path:
    """``out`` as an absolute path if it can take a corpus: a new or empty folder, or one that holds
    only a corpus's files (a corpus, or what an interrupted build left); else a DataError."""
    out = Path(out).absolute()
    others = sorted(p.name for p in out.iterdir() if p.name not in FILES) if out.is_dir() else []
    if out.exists() and (not out.is_dir() or others):
        problem = f"is not a corpus folder (it holds {', '.join(others[:3])})" if others else "is a file"
        raise DataError(str(out), problem, "Pass a new or empty folder, or a corpus folder to rebuild.")
    return out


def _words(sentences: Iterable[str]) -> int:
    return sum(len(s.split()) for s in sentences)


def build(
    cache=CACHE,
    out=OUT,
    caps: Mapping[str, float | None] | None = None,
    seed: int = 0,
    sources: Iterable[str] | None = None,
    log: Callable[[str], object] = print,
) -> dict:
    """Build the corpus from the archives in ``cache`` (see :func:`~.packages.fetch`) into the
    folder ``out`` and return its manifest.

    Each source's documents (``sources``: names of SOURCES, default all) are cleaned into sentences
    (:func:`~.sentences.clean_sentences`); a sentence is kept once over all sources (the first
    occurrence wins, :func:`~.sentences.sentence_key`) and never when it occurs in the held-out
    Lee texts; each source's documents go to train, validation or test (:func:`assign_documents`);
    then a source over its cap (``caps``, default :data:`DEFAULT_CAPS`) keeps a seeded random
    subset of its sentences. Each split is shuffled and written one sentence a line.

    The files are written in a temporary folder beside ``out`` and moved in at the end,
    ``manifest.json`` last, so an interrupted build leaves no corpus that loads and the next one
    starts afresh. ``out`` must be new, empty or a corpus folder.
    """
    names = list(SOURCES) if sources is None else list(sources)
    unknown = [name for name in names if name not in SOURCES]
    if unknown or not names:
        problem = f"unknown source {unknown[0]!r}" if unknown else "names no source"
        raise DataError("sources", problem, f"Use names from {list(SOURCES)}.")
    caps = check_caps(DEFAULT_CAPS if caps is None else caps, names)
    seed = whole_number("seed", seed, 0, low=0, high=MAX_SEED)
    out = check_out(out)
    archives = {p: archive(cache, p) for name in names for p in SOURCES[name].packages}
    kept, stats = _distinct_sentences(names, archives, log)
    parts, documents_in = _split_and_cap(kept, stats, caps, seed)
    total_words = sum(s["words"] for s in stats.values())
    for s in stats.values():
        s["share"] = round(s["words"] / max(total_words, 1), 4)
    manifest = {
        "format": FORMAT,
        "seed": seed,
        "caps": {n: c for n, c in caps.items() if c is not None},
        "words_per_sentence": [MIN_WORDS, MAX_WORDS],
        "split_fractions": SPLIT_FRACTIONS,
        "total_words": total_words,
        "total_sentences": sum(s["sentences"] for s in stats.values()),
        "held_out": "no sentence of the sample blog's Lee articles or of lee.cor",
        "sources": {
            name: {
                "packages": _package_records(name, archives),
                "licence": SOURCES[name].licence,
                "document": SOURCES[name].document,
                **stats[name],
            }
            for name in names
        },
        "splits": {},
    }
    _write(out, parts, documents_in, manifest)
    return manifest


Kept = dict[str, list[tuple[str, list[str]]]]  # source -> [(document id, its sentences)]


def _distinct_sentences(names: list[str], archives: Mapping[str, Path], log) -> tuple[Kept, dict[str, dict]]:
    """The clean sentences of each source's documents, each kept once over all sources (its first
    occurrence) and none of the held-out texts; and each source's figures so far."""
    seen = {sentence_key(s) for text in held_out_texts() for s in split_prose(ascii_text(text))}
    kept: Kept = {}
    stats: dict[str, dict] = {}
    for name in names:
        documents = SOURCES[name].read(*(archives[p] for p in SOURCES[name].packages))
        entries = []
        for document in documents:
            sentences = []
            for sentence in clean_sentences(document.paragraphs):
                key = sentence_key(sentence)
                if key not in seen:
                    seen.add(key)
                    sentences.append(sentence)
            if sentences:
                entries.append((document.id, sentences))
        kept[name] = entries
        stats[name] = {
            "documents_read": len(documents),
            "words_read": sum(len(p.split()) for d in documents for p in d.paragraphs),
            "sentences_before_cap": sum(len(s) for _, s in entries),
            "words_before_cap": sum(_words(s) for _, s in entries),
        }
        log(
            f"{name}: {len(documents):,} documents, {stats[name]['words_read']:,} words read; "
            f"{stats[name]['sentences_before_cap']:,} sentences, {stats[name]['words_before_cap']:,} words kept"
        )
    return kept, stats


def _split_and_cap(kept: Kept, stats: dict[str, dict], caps, seed: int) -> tuple[dict, dict]:
    """({split: sentences}, {split: document ids}): each source's documents split
    (:func:`assign_documents`), then the source cut to its cap (:func:`cap_targets`), with a
    generator seeded by ``seed`` and the source's name; each source's figures completed in ``stats``."""
    targets = cap_targets({n: s["words_before_cap"] for n, s in stats.items()}, caps)
    parts: dict[str, list[str]] = {split: [] for split in SPLITS}
    documents_in: dict[str, list[str]] = {split: [] for split in SPLITS}
    for name, entries in kept.items():
        rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
        assignment = assign_documents([_words(s) for _, s in entries], rng)
        flat = [(part, s) for (_, sentences), part in zip(entries, assignment, strict=True) for s in sentences]
        chosen = _cap(flat, targets[name], rng)
        for part, sentence in chosen:
            parts[part].append(sentence)
        for (document, _), part in zip(entries, assignment, strict=True):
            documents_in[part].append(document)
        stats[name].update(
            cap=caps[name],
            sentences=len(chosen),
            words=_words(s for _, s in chosen),
            sentences_per_split={split: sum(p == split for p, _ in chosen) for split in SPLITS},
            words_per_split={split: _words(s for p, s in chosen if p == split) for split in SPLITS},
            documents={split: assignment.count(split) for split in SPLITS},
        )
    return parts, documents_in


def _write(out: Path, parts: dict[str, list[str]], documents_in: dict[str, list[str]], manifest: dict) -> None:
    """Each split shuffled (seeded by the manifest's seed) into ``out``, then the manifest with the
    sha256 of each file: all written in a temporary folder beside ``out`` and moved in, the
    manifest last, after the old one is removed (from then on, neither the old corpus nor a half
    moved one loads)."""

    def write(folder: Path) -> None:
        for index, split in enumerate(SPLITS):
            sentences = parts[split]
            order = np.random.default_rng([manifest["seed"], 7, index]).permutation(len(sentences))
            path = _write_text(folder / f"{split}.txt", "".join(sentences[i] + "\n" for i in order.tolist()))
            manifest["splits"][split] = {
                "file": path.name,
                "sha256": sha256(path),
                "sentences": len(sentences),
                "words": _words(sentences),
                "documents": sorted(documents_in[split]),
            }
        _write_text(folder / MANIFEST, json.dumps(manifest, indent=1) + "\n")
        (out / MANIFEST).unlink(missing_ok=True)

    for stale in out.parent.glob(f".{out.name}.tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)  # left by a build that was killed
    write_atomically(out, write, last=MANIFEST)


def _cap(flat: list[tuple[str, str]], target: int, rng: np.random.Generator) -> list[tuple[str, str]]:
    """(split, sentence) pairs of a source, in order; if they hold more than ``target`` words, a
    seeded random subset of at most ``target`` words (a sentence that would overshoot is skipped)."""
    if _words(s for _, s in flat) <= target:
        return flat
    keep = np.zeros(len(flat), bool)
    words = 0
    for index in rng.permutation(len(flat)).tolist():
        n = len(flat[index][1].split())
        if words + n <= target:
            keep[index] = True
            words += n
    return [pair for pair, flag in zip(flat, keep, strict=True) if flag]


def _package_records(name: str, archives: Mapping[str, Path]) -> list[dict]:
    """What the manifest records of a source's packages: name, registry, version, file, sha256."""
    records = []
    for p in SOURCES[name].packages:
        package = PACKAGES[p]
        records.append(
            {"name": p, "registry": package.registry, "version": package.version}
            | {"file": archives[p].name, "sha256": package.sha256}
        )
    for file in SOURCES[name].data_files:
        records.append(
            {"name": "gensim", "registry": "pypi", "version": metadata.version("gensim")}
            | {"file": f"gensim/test/test_data/{file}", "sha256": sha256(datapath(file))}
        )
    return records


def _write_text(path: Path, text: str) -> Path:
    """Write ``text`` (ASCII) to ``path`` and flush it to the disk; returns ``path``."""
    with path.open("w", encoding="ascii", newline="\n") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    return path
