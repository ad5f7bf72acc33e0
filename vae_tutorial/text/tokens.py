"""Text to sentences to tokens: blog text cleaned, split into sentences, tokenized, and the word-level
vectorizer.

The vectorizer is Keras' ``TextVectorization`` (the Keras 3 replacement of the original guide's
``Tokenizer`` + ``pad_sequences``) with fixed special tokens ``[PAD]=0, [UNK]=1, [BOS]=2,
[EOS]=3``, saved as JSON (no pickle).
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections import Counter
from pathlib import Path

import numpy as np

from vae_tutorial.errors import DataError, whole_number

PAD, UNK, BOS, EOS = "[PAD]", "[UNK]", "[BOS]", "[EOS]"

SPECIALS = (PAD, UNK, BOS, EOS)

PAD_ID, UNK_ID, BOS_ID, EOS_ID = range(4)

VECTORIZER_FORMAT = 1

_SENTENCE_END = re.compile(r"([.!?][\"')\]]*)\s+(?=[\"'(\[]?[A-Z0-9])")

# TextVectorization's "lower_and_strip_punctuation": the same regex, so Python and Keras agree.
_STRIP = re.compile(r"[!\"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']")

_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)

_TAG = re.compile(r"<!--.*?-->|</?[A-Za-z][^<>]*>", re.DOTALL)

_URL = re.compile(r"(?:https?://|www\.)\S*?(?=[.,;:!?)\]'\"]*(?:\s|$))", re.IGNORECASE)

_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]+(.*?)[^\S\n]*$", re.MULTILINE)


def split_sentences(text: str) -> list[str]:
    """Split running text into sentences at ., ! or ? followed by a capital letter or digit.

    A simple rule that suits news and blog prose (no abbreviation list: "Mr. Smith" splits).
    Whitespace is collapsed; empty pieces are dropped.
    """
    text = re.sub(r"\s+", " ", str(text)).strip()
    return [s.strip() for s in _SENTENCE_END.sub("\\1\n", text).split("\n") if s.strip()]


def tokenize(text: str) -> list[str]:
    """Tokens as ``TextVectorization`` makes them: lower-cased, ASCII punctuation removed
    ("don't" -> "dont", "south-west" -> "southwest"), split on whitespace."""
    return _STRIP.sub("", str(text).lower()).split()


# The commonest English function words, none of them a word of French, Spanish, Portuguese or Italian
# prose: their share of a text's tokens tells English (0.2-0.5 in the corpus and the sample blog)
# from a language the models never saw (0-0.11 in samples of six others).
COMMON_ENGLISH = frozenset(
    "the of and to in is it that for was on are as with be by this at from have or not an but they he his i we "
    "you their which were has had will would can there been one all its our if so more who what when do about "
    "also than them these your my she her him us into some may only other could should".split()
)
ENGLISH_SHARE = 0.12  # below this share of COMMON_ENGLISH tokens, a text is taken for another language
ENGLISH_MIN_TOKENS = 12  # shorter texts (a headline, a list) are too short to judge


def language_warning(text: str, where: str = "text") -> str | None:
    """A one-line warning if ``text`` looks like another language than English (at least 12 tokens,
    under 12% of them among :data:`COMMON_ENGLISH`), else None. The models here learnt English: a
    text in another language gets variations, but poor ones."""
    tokens = tokenize(clean_text(text))
    if len(tokens) < ENGLISH_MIN_TOKENS:
        return None
    share = sum(token in COMMON_ENGLISH for token in tokens) / len(tokens)
    if share >= ENGLISH_SHARE:
        return None
    return (
        f"{where}: only {share:.0%} of its {len(tokens)} words are common English words (English prose has "
        f"20-50%); the model learnt English, so its variations of this text will be poor"
    )


MAX_WORDS = 5_000  # words of a text to vary (a long post; about a minute on a laptop CPU)
MAX_CHARACTERS = 60_000  # and characters: a few long "words" make as many windows as many short ones


def check_text(where: str, text) -> str:
    """``text`` if it is a string with at least one word (letters or digits: not only punctuation or
    emoji) and at most MAX_WORDS words; else a DataError naming ``where``."""
    if not isinstance(text, str):
        raise DataError(where, f"must be a string, got {type(text).__name__}", "Pass a sentence or a post.")
    if not any(any(ch.isalnum() for ch in token) for token in tokenize(clean_text(text))):
        raise DataError(where, "has no words (no letters or digits)", "Pass a sentence or a post with words in it.")
    words = len(text.split())
    if len(text) > MAX_CHARACTERS:
        raise DataError(
            where,
            f"has {len(text):,} characters; variations take at most {MAX_CHARACTERS:,} (about {MAX_WORDS:,} words)",
            "Pass one post, or a part of it, at a time.",
        )
    if words > MAX_WORDS:
        raise DataError(
            where,
            f"has {words:,} words; variations take at most {MAX_WORDS:,} (about a minute of work)",
            "Pass one post, or a part of it, at a time.",
        )
    return text


def keyword_tokens(keywords) -> list[str]:
    """The distinct tokens (:func:`tokenize`) of keywords given as a list of words or as one string
    separated by commas or spaces, in order: "Fire, blaze fire" -> ["fire", "blaze"]."""
    if isinstance(keywords, str):
        keywords = re.split(r"[,\s]+", keywords)
    return list(dict.fromkeys(token for keyword in keywords for token in tokenize(keyword)))


@functools.cache
def _porter():
    from nltk.stem import PorterStemmer  # nltk (~1.5 s): the command line checks topics without loading it

    return PorterStemmer()


@functools.cache
def stem(token: str) -> str:
    """The Porter stem (nltk) of one token, cached: a corpus repeats its words, and nltk's
    stemmer is slow enough that stemming every occurrence of 15,000 sentences takes seconds."""
    return _porter().stem(token)


def keyword_stems(keywords) -> set[str]:
    """The :func:`stem` of each of the :func:`keyword_tokens` of
    ``keywords``: {"fire"} for "fires, fire"; every inflection of a keyword has the same stem
    ("blazes", "blazing" -> "blaze"), a compound does not ("firefighters")."""

    return {stem(token) for token in keyword_tokens(keywords)}


def clean_text(text: str) -> str:
    """Blog-export text as plain prose: HTML entities decoded, scripts, tags and comments
    removed, URLs removed, Markdown heading marks dropped (a heading becomes a sentence),
    whitespace collapsed to single spaces. The words are kept."""
    text = _SCRIPT.sub(" ", html.unescape(str(text)))
    text = _URL.sub(" ", _TAG.sub(" ", text))
    text = _HEADING.sub(lambda m: m.group(1) + ("" if m.group(1)[-1:] in ".!?:" else "."), text)
    return " ".join(text.split())


class Vectorizer:
    """Strings <-> token ids with a fixed vocabulary and maximum length.

    ``encode`` returns int32 (n, max_length): the sentence's tokens, then ``[EOS]``, then
    ``[PAD]`` (0) up to max_length; longer sentences are cut to max_length - 1 tokens + [EOS].
    Unknown words become ``[UNK]``. ``decode`` drops padding and stops at ``[EOS]``.
    The ids come from a ``keras.layers.TextVectorization`` layer (``.layer``) holding the
    same vocabulary; :func:`tokenize` splits text the same way in plain Python.
    """

    def __init__(self, vocabulary: list[str], max_length: int):
        if not isinstance(vocabulary, list | tuple) or not all(isinstance(word, str) for word in vocabulary):
            raise DataError("vocabulary", "must be a list of words", "Build it with Vectorizer.build(texts).")
        if list(vocabulary[:4]) != list(SPECIALS):
            raise DataError(
                "vocabulary",
                f"must start with {list(SPECIALS)}, got {list(vocabulary[:4])}",
                "Build it with Vectorizer.build(texts).",
            )
        self.max_length = whole_number("max_length", max_length, 40, low=2)
        self.vocabulary = list(vocabulary)
        self.index = {word: i for i, word in enumerate(self.vocabulary)}
        if len(self.index) != len(self.vocabulary):
            raise DataError("vocabulary", "has duplicate words", "Give each word once.")
        self._layer = None

    @property
    def layer(self):
        """The ``TextVectorization`` layer: strings -> ids (n, max_length), without [EOS].

        It adds "" (padding, id 0) and "[UNK]" (id 1) itself, so it is given the rest."""
        if self._layer is None:
            from vae_tutorial._backend import keras  # TensorFlow (~5 s): the command line tokenizes before it loads

            self._layer = keras.layers.TextVectorization(
                standardize="lower_and_strip_punctuation",
                split="whitespace",
                output_mode="int",
                output_sequence_length=self.max_length,
                vocabulary=self.vocabulary[2:],
            )
        return self._layer

    @classmethod
    def build(cls, texts, max_vocab: int = 5000, max_length: int = 40, min_count: int = 1) -> Vectorizer:
        """Vocabulary of the ``max_vocab`` - 4 most frequent words (count >= min_count; ties
        broken alphabetically) plus the four special tokens."""
        texts = list(texts) if not isinstance(texts, str) else [texts]
        if not texts:
            raise DataError("texts", "is empty", "Pass a list of sentences or posts.")
        whole_number("max_length", max_length, 40)
        min_count = whole_number("min_count", min_count, 1)
        if not isinstance(max_vocab, int) or isinstance(max_vocab, bool) or max_vocab <= len(SPECIALS):
            raise DataError(
                "max_vocab", f"must be > {len(SPECIALS)} (the special tokens), got {max_vocab}", "Use e.g. 5000."
            )
        counts = Counter(token for text in texts for token in tokenize(text))
        if not counts:
            raise DataError(
                "texts",
                f"all {len(texts)} texts are empty after cleaning (no letters or digits)",
                "Check the input: it needs words.",
            )
        ranked = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
        return cls([*SPECIALS, *ranked[: max_vocab - len(SPECIALS)]], max_length)

    @property
    def vocab_size(self) -> int:
        return len(self.vocabulary)

    def encode(self, texts) -> np.ndarray:
        """int32 ids (n, max_length) for a list of strings (or one string -> (1, max_length))."""
        texts = [texts] if isinstance(texts, str) else list(texts)
        if not texts:
            raise DataError("texts", "is empty", "Pass at least one string.")
        # tokenize() first: the layer lower-cases ASCII letters only and splits on ASCII whitespace only
        cleaned = np.array([" ".join(tokenize(t)) for t in texts], dtype=object)
        ids = np.asarray(self.layer(cleaned), dtype=np.int32)
        lengths = np.minimum((ids != PAD_ID).sum(axis=1), self.max_length - 1)
        ids[np.arange(len(ids)), lengths] = EOS_ID  # after the last token, or over the cut one
        ids[np.arange(self.max_length)[None, :] > lengths[:, None]] = PAD_ID
        return ids

    def decode(self, ids) -> list[str]:
        """Strings from ids (n, length): stop at [EOS], drop [PAD] and [BOS]."""
        texts = []
        for row in np.atleast_2d(np.asarray(ids)):
            words = []
            for i in row:
                if i == EOS_ID:
                    break
                if i not in (PAD_ID, BOS_ID):
                    words.append(self.vocabulary[i] if 0 <= i < self.vocab_size else UNK)
            texts.append(" ".join(words))
        return texts

    def save(self, path) -> None:
        """Write the vectorizer as JSON (vocabulary, max_length, format version)."""
        data = {"format": VECTORIZER_FORMAT, "max_length": self.max_length, "vocabulary": self.vocabulary}
        Path(path).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path) -> Vectorizer:
        """Read a vectorizer written by :meth:`save`; DataError names the file if it is not one."""
        path = Path(path)
        fix = "Pass the vectorizer.json written beside the model, or train the model again."
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DataError(str(path), "no such file", "Pass the vectorizer.json written beside the model.") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise DataError(
                str(path), f"is not a JSON file ({exc})", "Pass the vectorizer.json written by save()."
            ) from None
        except OSError as exc:  # a folder, no permission
            raise DataError(str(path), f"cannot be read ({exc.strerror or exc})", fix) from None
        if not isinstance(data, dict) or data.get("format") != VECTORIZER_FORMAT:
            raise DataError(
                str(path),
                f"is not a vectorizer of format {VECTORIZER_FORMAT}",
                "Rebuild it with this version of vae_tutorial.",
            )
        vocabulary, max_length = data.get("vocabulary"), data.get("max_length")
        if not isinstance(vocabulary, list) or not all(isinstance(word, str) for word in vocabulary):
            raise DataError(str(path), 'has no "vocabulary" list of words', fix)
        if isinstance(max_length, bool) or not isinstance(max_length, int):
            raise DataError(str(path), f'has no whole-number "max_length" (got {max_length!r})', fix)
        try:
            return cls(vocabulary, max_length)
        except DataError as exc:  # the file's vocabulary or max_length: name the file
            raise DataError(str(path), f"its {exc.where} {exc.problem}", fix) from None
