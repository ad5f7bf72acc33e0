"""Subword tokens: byte-level BPE from Hugging Face ``tokenizers``, so that [UNK] never occurs.

Byte-level BPE (the scheme of GPT-2) starts from the 256 bytes and merges frequent pairs, so every
string, a name or a word the corpus never saw ("kubernetes", "sourdough") included, has an exact
encoding: it falls apart into known pieces, and decoding gives the same text back (spaces collapsed).
Casing and punctuation are kept.

:class:`SubwordTokenizer` has the interface of :class:`~vae_tutorial.text.tokens.Vectorizer`
(``encode``, ``decode``, ``vocab_size``, ``max_length``) and the same special ids
``[PAD]=0, [UNK]=1, [BOS]=2, [EOS]=3``; [UNK] is only the models' word-dropout mask. It is saved
as two plain JSON files in a folder: ``tokenizer.json`` (Hugging Face's own format) and
``subwords.json`` (format version and maximum length).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from vae_tutorial.errors import DataError, whole_number
from vae_tutorial.text.tokens import EOS_ID, PAD_ID, SPECIALS, clean_text, split_sentences

FORMAT = 1
FILES = ("tokenizer.json", "subwords.json")


def _clean(text) -> str:
    return " ".join(str(text).split())


class SubwordTokenizer:
    """Strings <-> subword ids (n, max_length): the pieces, ``[EOS]``, then ``[PAD]`` (0).

    A text longer than max_length - 1 pieces is cut there (the [EOS] follows the cut); use
    :meth:`length` to see how many pieces a text needs.
    """

    def __init__(self, tokenizer, max_length: int):
        self.max_length = whole_number("max_length", max_length, 48, low=2)
        self.hf = tokenizer
        vocab = tokenizer.get_vocab()
        if [vocab.get(token) for token in SPECIALS] != list(range(len(SPECIALS))):
            raise DataError(
                "tokenizer", f"must give {list(SPECIALS)} the ids 0-3", "Build it with SubwordTokenizer.build."
            )

    @classmethod
    def build(cls, texts, vocab_size: int = 4000, max_length: int = 48, min_frequency: int = 2) -> SubwordTokenizer:
        """Learn a byte-level BPE vocabulary of ``vocab_size`` pieces (specials included) from texts."""

        texts = [texts] if isinstance(texts, str) else [_clean(t) for t in texts]
        if not any(texts):
            raise DataError("texts", "is empty", "Pass a list of sentences or posts.")
        vocab_size = whole_number("vocab_size", vocab_size, 4000, low=len(SPECIALS) + 256 + 1)
        tokenizer = Tokenizer(models.BPE())
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
        tokenizer.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size,
            min_frequency=whole_number("min_frequency", min_frequency, 2),
            special_tokens=list(SPECIALS),
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
        )
        tokenizer.train_from_iterator(texts, trainer=trainer)
        return cls(tokenizer, max_length)

    @property
    def vocab_size(self) -> int:
        return self.hf.get_vocab_size()

    def pieces(self, text: str) -> list[str]:
        """The subword pieces of one text, as strings (a leading "Ġ" marks a space)."""
        return self.hf.encode(_clean(text)).tokens

    def length(self, texts) -> np.ndarray:
        """Pieces per text (n,), before any cut to max_length."""
        texts = [texts] if isinstance(texts, str) else list(texts)
        return np.array([len(e.ids) for e in self.hf.encode_batch([_clean(t) for t in texts])], np.int64)

    def windows(self, text: str) -> list[str]:
        """Sentence windows of a post for this tokenizer: consecutive sentences of the post's
        :func:`~vae_tutorial.text.windows.clean_text`, packed greedily while a window fits in
        max_length - 1 pieces, with their case and punctuation. A longer sentence is cut at word
        boundaries into parts that fit (a single word longer than that is cut by :meth:`encode`).
        [] for a post without words; a DataError if ``text`` is not a string."""
        if not isinstance(text, str):
            raise DataError("text", f"must be a string, got {type(text).__name__}", "Pass a sentence or a post.")
        room, windows, window = self.max_length - 1, [], ""
        for sentence in split_sentences(clean_text(text)):
            joined = f"{window} {sentence}".strip()
            if self.length(joined)[0] <= room:
                window = joined
                continue
            if window:
                windows.append(window)
            window = ""
            for word in sentence.split():
                longer = f"{window} {word}".strip()
                if window and self.length(longer)[0] > room:
                    windows.append(window)
                    longer = word
                window = longer
        return [*windows, window] if window else windows

    def encode(self, texts) -> np.ndarray:
        """int32 ids (n, max_length) for a list of strings (or one string -> (1, max_length))."""
        texts = [texts] if isinstance(texts, str) else list(texts)
        if not texts:
            raise DataError("texts", "is empty", "Pass at least one string.")
        ids = np.full((len(texts), self.max_length), PAD_ID, np.int32)
        for row, encoding in zip(ids, self.hf.encode_batch([_clean(t) for t in texts]), strict=True):
            pieces = encoding.ids[: self.max_length - 1]
            row[: len(pieces)] = pieces
            row[len(pieces)] = EOS_ID
        return ids

    def decode(self, ids) -> list[str]:
        """Strings from ids (n, length): stop at [EOS], drop the special tokens."""
        rows = []
        for row in np.atleast_2d(np.asarray(ids)):
            row = [int(i) for i in row]
            end = row.index(EOS_ID) if EOS_ID in row else len(row)
            kept = [i for i in row[:end] if i >= len(SPECIALS) and i < self.vocab_size]
            rows.append(self.hf.decode(kept).strip())
        return rows

    def save(self, folder) -> Path:
        """Write ``tokenizer.json`` and ``subwords.json`` into ``folder`` (created if needed)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.hf.save(str(folder / FILES[0]))
        (folder / FILES[1]).write_text(json.dumps({"format": FORMAT, "max_length": self.max_length}) + "\n")
        return folder

    @classmethod
    def load(cls, folder) -> SubwordTokenizer:
        """Read a tokenizer written by :meth:`save`; a DataError names the missing or damaged file."""

        folder = Path(folder)
        fix = "Pass the folder written by SubwordTokenizer.save (it holds tokenizer.json and subwords.json)."
        for name in FILES:
            if not (folder / name).is_file():
                raise DataError(str(folder), f"has no {name}", fix)
        try:
            meta = json.loads((folder / FILES[1]).read_text(encoding="utf-8"))
            tokenizer = Tokenizer.from_file(str(folder / FILES[0]))
        except (OSError, ValueError, Exception) as exc:  # tokenizers raises a plain Exception on a bad file
            raise DataError(str(folder), f"holds a damaged tokenizer ({str(exc).splitlines()[0][:120]})", fix) from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise DataError(str(folder / FILES[1]), f"is not a subword tokenizer of format {FORMAT}", fix)
        try:
            return cls(tokenizer, meta.get("max_length"))
        except DataError as exc:
            raise DataError(str(folder), f"its {exc.where} {exc.problem}", fix) from None


def corpus_ids(tokenizer: SubwordTokenizer, sentences: list[str]):
    """(ids, kept sentences): the sentences that fit in max_length - 1 pieces, encoded (the longer
    ones are left out rather than cut)."""
    lengths = tokenizer.length(sentences)
    kept = [s for s, n in zip(sentences, lengths, strict=True) if n < tokenizer.max_length]
    return tokenizer.encode(kept), kept
