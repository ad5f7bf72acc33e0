"""A blind reading of generated text: generated and real lines, normalised alike and shuffled, rated
by a reader who does not know which is which.

1. :func:`write_items` writes the numbered lines (the items file, for the reader) and which line is
   which (the key, kept from the reader);
2. the reader gets the items file and :data:`RUBRIC`, and answers with a JSON list of ratings;
3. :func:`score` gives, for generated and real lines apart, the mean fluency, the share rated 4 or 5
   and the share taken for human. The real lines are the yardstick: if they score low, the reader
   or the normalisation is at fault.
"""

from __future__ import annotations

import json
import string
import unicodedata
from pathlib import Path

import numpy as np

from vae_tutorial.errors import MAX_SEED, DataError, whole_number
from vae_tutorial.files import read_json
from vae_tutorial.text.tokens import split_sentences

RUBRIC = """\
Rate each numbered line of English text. All lines were lower-cased and had punctuation removed,
so ignore case and missing punctuation. Some lines were written by people, some by a small program.
For each line give: fluency 1-5 (5 = a grammatical, natural English sentence whose meaning is
clear; 4 = grammatical with a small slip or slightly odd; 3 = partly grammatical, runs of sensible
phrases but the whole does not hold together; 2 = mostly broken, only fragments make sense; 1 =
word salad) and human: yes/no, your guess whether a person wrote it. Output a JSON list, one object
per line: {"n": <line number>, "fluency": <1-5>, "human": "yes"|"no"}."""

REAL = "real"  # the group and kind of the real lines


def _strip(char: str) -> str:
    if char in string.punctuation:  # dropped in place, as the word-level tokenizer does: "don't" -> "dont"
        return ""
    category = unicodedata.category(char)
    if category == "Pd":  # a dash ("—", "–") stands between two words
        return " "
    return "" if category.startswith("P") else char


def normalise(text: str) -> str:
    """``text`` lower-cased, punctuation removed and whitespace collapsed to single spaces, the same
    for generated and real lines so that form gives nothing away: "Don't stop—now!" -> "dont stop now".

    ASCII punctuation goes as :func:`~vae_tutorial.text.tokens.tokenize` drops it ("U.S." -> "us",
    "south-west" -> "southwest"), and so do other Unicode quotes and marks; Unicode dashes become
    spaces. An "[UNK]" token would read "unk": leave such lines out, or report
    :func:`~vae_tutorial.text.measures.unk_share` beside the reading."""
    return " ".join("".join(map(_strip, str(text).lower())).split())


def _lines(name: str, texts) -> list[str]:
    """``texts`` (a list of strings) normalised; a DataError for a non-string or a line left empty."""
    if isinstance(texts, str) or not isinstance(texts, list | tuple):
        raise DataError(name, f"is of type {type(texts).__name__}, not a list of strings", "Pass a list of lines.")
    if not texts:
        raise DataError(name, "is empty", "Pass at least one line.")
    lines = []
    for i, text in enumerate(texts):
        line = normalise(text) if isinstance(text, str) else ""
        if not line:
            raise DataError(f"{name}[{i}]", f"{text!r} has no words", "Leave out empty and non-text lines.")
        lines.append(line)
    return lines


def draw_lines(generated, real, n: int = 30, seed: int = 0) -> tuple[list[str], list[str]]:
    """(generated lines, real lines) for :func:`write_items`: up to ``n`` sentences drawn without
    replacement from the sentences of ``generated`` (texts, each split into sentences by
    :func:`~vae_tutorial.text.tokens.split_sentences`: a variation of a post is several) and as many
    from those of ``real``, with a NumPy generator seeded with ``seed`` (generated first)."""

    n = whole_number("n", n, 30, low=1)
    seed = whole_number("seed", seed, 0, low=0, high=MAX_SEED)
    pools = []
    for name, texts in (("generated", generated), (REAL, real)):
        if isinstance(texts, str) or not isinstance(texts, list | tuple):
            raise DataError(name, f"is of type {type(texts).__name__}, not a list of strings", "Pass a list of texts.")
        pools.append([s for text in texts if isinstance(text, str) for s in split_sentences(text) if normalise(s)])
        if not pools[-1]:
            raise DataError(name, "has no sentence with words in it", "Pass texts with words in them.")
    rng = np.random.default_rng(seed)
    chosen = [pools[0][i] for i in rng.choice(len(pools[0]), size=min(n, len(pools[0])), replace=False)]
    real_lines = [pools[1][i] for i in rng.choice(len(pools[1]), size=min(len(chosen), len(pools[1])), replace=False)]
    return chosen, real_lines


def write_items(generated, real, items_path, key_path, seed: int = 0) -> None:
    """Write the blind-reading files.

    generated: the generated lines, a list of strings or {group: list of strings} (e.g.
    {"variations": [...], "samples": [...]}); real: real sentences of the same kind of text that
    the model did not train on. All lines are normalised (:func:`normalise`) and shuffled with a
    NumPy generator seeded with ``seed``. ``items_path`` gets the numbered lines only, "1. ...",
    one a line; ``key_path`` gets the key as JSON: {"seed": ..., "lines": {"1": {"kind":
    "generated" | "real", "group": ..., "index": position in its group, "text": the line}, ...}}.
    Keep the key from the reader, who gets the items file and :data:`RUBRIC`.
    """
    seed = whole_number("seed", seed, 0, low=0, high=MAX_SEED)
    if isinstance(generated, dict):
        if not generated or REAL in generated:
            raise DataError("generated", f"has groups {list(generated)}", f"Name one group or more, none {REAL!r}.")
        parts = [(f"generated[{group!r}]", "generated", group, texts) for group, texts in generated.items()]
    else:
        parts = [("generated", "generated", "generated", generated)]
    parts.append((REAL, REAL, REAL, real))
    entries = [
        {"kind": kind, "group": group, "index": i, "text": line}
        for name, kind, group, texts in parts
        for i, line in enumerate(_lines(name, texts))
    ]
    items_path, key_path = Path(items_path), Path(key_path)
    if items_path.resolve() == key_path.resolve():
        raise DataError("key_path", "is the items file", "Write the key to another file, kept from the reader.")
    order = np.random.default_rng(seed).permutation(len(entries))
    shuffled = [entries[i] for i in order]
    for path in (items_path, key_path):
        path.parent.mkdir(parents=True, exist_ok=True)
    items_path.write_text("".join(f"{n}. {e['text']}\n" for n, e in enumerate(shuffled, 1)), encoding="utf-8")
    key = {"seed": seed, "lines": {str(n): e for n, e in enumerate(shuffled, 1)}}
    key_path.write_text(json.dumps(key, indent=1) + "\n", encoding="utf-8")


def _rating(i: int, rating, lines: dict) -> tuple[int, int, bool]:
    """(line number, fluency, taken for human) of ``ratings[i]``, checked against the key's lines."""
    where = f"ratings[{i}]"
    if not isinstance(rating, dict) or not {"n", "fluency", "human"} <= rating.keys():
        raise DataError(where, f"is {rating!r}", 'Give {"n": <line number>, "fluency": <1-5>, "human": "yes"|"no"}.')
    n, fluency, human = rating["n"], rating["fluency"], rating["human"]
    if isinstance(n, bool) or not isinstance(n, int) or n not in lines:
        raise DataError(where, f"rates line {n!r}, not a line of the items", f"Rate lines 1 to {len(lines)} only.")
    if isinstance(fluency, bool) or fluency not in range(1, 6):
        raise DataError(where, f"fluency of line {n} is {fluency!r}", "Give a whole number from 1 to 5.")
    if not isinstance(human, str) or human.lower() not in ("yes", "no"):
        raise DataError(where, f"human of line {n} is {human!r}", 'Give "yes" or "no".')
    return n, int(fluency), human.lower() == "yes"


def _figures(rated: list[tuple[int, bool]]) -> dict:
    fluency = np.array([f for f, _ in rated], float)
    return {
        "n": len(rated),
        "mean_fluency": float(fluency.mean()),
        "share_4_or_5": float(np.mean(fluency >= 4)),
        "share_taken_for_human": float(np.mean([human for _, human in rated])),
    }


def score(ratings, key_path) -> dict:
    """Score a reader's ratings against the key that :func:`write_items` wrote.

    ratings: the reader's JSON list, one {"n": line, "fluency": 1-5, "human": "yes"|"no"} per line
    of the items file, as a list or the path of a JSON file. Returns {"generated": figures, "real":
    figures, "by_group": {group: figures}} where figures are {"n", "mean_fluency" (1-5),
    "share_4_or_5", "share_taken_for_human"}. A rating of a line not in the key, a line rated twice
    or not at all, or a fluency outside 1-5 is a DataError.
    """
    key = read_json("key_path", key_path)
    if not isinstance(key, dict) or not isinstance(key.get("lines"), dict):
        raise DataError("key_path", f"{str(key_path)!r} is not a key", "Pass the key_path that write_items wrote.")
    lines = {int(n): entry for n, entry in key["lines"].items()}
    if isinstance(ratings, str | Path):
        ratings = read_json("ratings", ratings)
    if not isinstance(ratings, list):
        raise DataError("ratings", f"is of type {type(ratings).__name__}", "Pass the reader's JSON list of ratings.")
    rated = {}
    for i, rating in enumerate(ratings):
        n, fluency, human = _rating(i, rating, lines)
        if n in rated:
            raise DataError(f"ratings[{i}]", f"rates line {n} a second time", "Give one rating per line.")
        rated[n] = (fluency, human)
    missing = sorted(lines.keys() - rated.keys())
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (", ..." if len(missing) > 10 else "")
        raise DataError(
            "ratings", f"has no rating of {len(missing)} lines ({shown})", "Rate every line of the items file."
        )

    def figures(field: str, name) -> dict:
        return _figures([rated[n] for n, entry in lines.items() if entry[field] == name])

    groups = sorted({entry["group"] for entry in lines.values()}, key=str)
    return {
        "generated": figures("kind", "generated"),
        "real": figures("kind", REAL),
        "by_group": {group: figures("group", group) for group in groups},
    }
