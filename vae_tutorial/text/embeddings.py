"""Word embeddings with gensim for the constraint notebook: train, save, load, compare.

The vectors live in the token space of :func:`vae_tutorial.text.tokens.tokenize` (lower-case,
ASCII punctuation stripped: "Bush-fires" -> "bushfires"), so a word the text VAE sees and a
word looked up here are spelled the same. The corpus is gensim's Lee news corpus
(:func:`~vae_tutorial.text.corpus.lee_articles`); nothing is downloaded.
"""

from __future__ import annotations

import difflib
import zlib
from collections import Counter
from itertools import islice
from pathlib import Path

import numpy as np
from gensim.models import KeyedVectors, Word2Vec

from vae_tutorial.errors import DataError, finite
from vae_tutorial.text.corpus import load_general_sentences
from vae_tutorial.text.tokens import keyword_tokens, split_sentences, tokenize


def sentences_for_word2vec(texts) -> list[list[str]]:
    """Token lists, one per sentence of ``texts`` (a list of strings, or one string); empty ones dropped."""
    texts = [texts] if isinstance(texts, str) else list(texts)
    return [tokens for text in texts for s in split_sentences(text) if (tokens := tokenize(s))]


def _stable_hash(word: str) -> int:
    """crc32 of the word: unlike hash(), the same in every process whatever PYTHONHASHSEED is."""
    return zlib.crc32(word.encode("utf-8"))


def train_word2vec(
    texts, vector_size: int = 100, window: int = 5, min_count: int = 2, epochs: int = 30, seed: int = 0
) -> KeyedVectors:
    """Word2Vec (CBOW, gensim defaults otherwise) on the sentences of ``texts``; returns ``model.wv``.

    Deterministic: one worker thread (several race) and a fixed ``seed``, so the same call gives
    identical vectors in any process; ``hashfxn`` ignores PYTHONHASHSEED in case gensim seeds
    word vectors by hash (4.4 does not). Words seen fewer than ``min_count`` times get no vector.
    About 2 s for the 300 Lee background articles (one core).
    """
    arguments = {"vector_size": (vector_size, 1, 100), "window": (window, 1, 5), "min_count": (min_count, 1, 2)}
    arguments |= {"epochs": (epochs, 1, 30), "seed": (seed, 0, 0)}
    for name, (value, low, example) in arguments.items():
        if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < low:
            raise DataError(name, f"must be a whole number >= {low}, got {value!r}", f"Use e.g. {example}.")
    sentences = sentences_for_word2vec(texts)
    counts = Counter(token for tokens in sentences for token in tokens)
    if not any(count >= min_count for count in counts.values()):
        raise DataError(
            "texts",
            f"no word occurs {min_count} or more times ({len(counts)} distinct words in {len(sentences)} sentences)",
            "Pass more text (e.g. lee_articles('background')) or lower min_count.",
        )

    model = Word2Vec(
        sentences,
        vector_size=int(vector_size),
        window=int(window),
        min_count=int(min_count),
        epochs=int(epochs),
        seed=int(seed),
        workers=1,
        hashfxn=_stable_hash,
    )
    return model.wv


def judge_vectors(seed: int = 0) -> KeyedVectors:
    """Word2Vec of the general corpus' training sentences (:func:`~vae_tutorial.text.corpus.load_general_sentences`:
    the Lee background minus the sample blog, and the Wikipedia sample), window 10, 20 epochs, words
    seen at least 3 times: about 10 s. The space of :func:`~vae_tutorial.text.topics.independent_topic_judge`
    for the blog's topics: the blog models' constraint vectors come from a Word2Vec of the blog's
    own windows, and no sentence of the sample blog is in this corpus."""

    return train_word2vec(load_general_sentences().train, window=10, min_count=3, epochs=20, seed=seed)


def save_vectors(kv: KeyedVectors, path) -> None:
    """Write ``kv`` in gensim's own KeyedVectors format (``kv.save``), creating the parent folder."""

    if not isinstance(kv, KeyedVectors):
        raise DataError(
            "kv", f"is a {type(kv).__name__}, not gensim KeyedVectors", "Pass train_word2vec(...) or model.wv."
        )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    kv.save(str(path))


def load_vectors(path) -> KeyedVectors:
    """Read vectors written by :func:`save_vectors`; DataError names the file if it is not one.

    Like any gensim model file this is a pickle: load only files you trust."""

    path = Path(path)
    if not path.is_file():
        raise DataError(str(path), "no such file", "Pass a file written by save_vectors().")
    try:
        kv = KeyedVectors.load(str(path))
    except Exception as exc:  # an unpickler fails in many ways on a foreign file
        raise DataError(
            str(path),
            f"is not a gensim KeyedVectors file ({type(exc).__name__}: {exc})",
            "Pass a file of save_vectors().",
        ) from None
    if not isinstance(kv, KeyedVectors):
        raise DataError(str(path), f"holds a {type(kv).__name__}, not KeyedVectors", "Pass a file of save_vectors().")
    return kv


def cosine(a, b) -> float:
    """Cosine similarity of two 1-D vectors of the same length, in [-1, 1]."""
    a, b = finite("a", a, np.float64), finite("b", b, np.float64)
    if a.ndim != 1 or a.shape != b.shape:
        raise DataError(
            "a, b", f"must be 1-D of the same length, got shapes {a.shape} and {b.shape}", "Pass two vectors."
        )
    norm_a, norm_b = np.linalg.norm(a), np.linalg.norm(b)
    for name, norm in [("a", norm_a), ("b", norm_b)]:
        if norm == 0:
            raise DataError(name, "is a zero vector (no direction)", "Cosine needs two non-zero vectors.")
    return float(a @ b / (norm_a * norm_b))


def _check_known(kv: KeyedVectors, words: list[str], where: str) -> None:
    """DataError listing every word not in ``kv``, each with up to 3 close in-vocabulary spellings."""
    missing = [w for w in words if w not in kv.key_to_index]
    if not missing:
        return
    parts = []
    for word in missing:
        close = difflib.get_close_matches(word, kv.index_to_key, n=3, cutoff=0.75)
        parts.append(f"{word!r} (did you mean {', '.join(map(repr, close))}?)" if close else repr(word))
    raise DataError(
        where,
        f"not in the embedding's vocabulary: {', '.join(parts)}",
        "Use words of the training texts; nearest_words(kv, ...) lists neighbours.",
    )


def _unit_mean(kv: KeyedVectors, words: list[str]) -> np.ndarray:
    """float32 (vector_size,): mean of the words' unit vectors, scaled to unit length (zeros if none)."""
    if not words:
        return np.zeros(kv.vector_size, dtype=np.float32)
    mean = np.mean([kv.get_vector(w, norm=True) for w in words], axis=0, dtype=np.float64)
    norm = np.linalg.norm(mean)
    return (mean / norm if norm > 0 else mean).astype(np.float32)


def topic_vector(kv: KeyedVectors, keywords) -> np.ndarray:
    """float32 (vector_size,) unit vector of a topic: the mean of its keywords' unit vectors, normalised.

    ``keywords`` is a list of words or one string of words separated by spaces or commas; each is
    tokenized like the corpus and counted once, so order and repeats do not matter.
    """
    words = sorted(keyword_tokens(keywords))
    if not words:
        raise DataError("keywords", "no words given", "Pass e.g. ['cricket', 'wicket'] or 'cricket, wicket'.")
    _check_known(kv, words, "keywords")
    vector = _unit_mean(kv, words)
    if not vector.any():
        raise DataError("keywords", f"the vectors of {words} cancel out", "Add or change a keyword.")
    return vector


def text_vector(kv: KeyedVectors, text: str) -> np.ndarray:
    """float32 (vector_size,): mean of the unit vectors of the text's known tokens (repeats count), normalised.

    Unknown tokens are skipped; a text with no known word gives the zero vector (not unit length).
    """
    return _unit_mean(kv, [token for token in tokenize(text) if token in kv.key_to_index])


def nearest_words(kv: KeyedVectors, vector_or_word, n: int = 10, exclude=()) -> list[tuple[str, float]]:
    """The ``n`` words of highest cosine similarity to a vector or a word, as (word, cosine), best first.

    A word (tokenized like the corpus) is left out of its own list; so is every word in ``exclude``.
    """
    if not isinstance(n, int | np.integer) or n < 1:
        raise DataError("n", f"must be a whole number >= 1, got {n!r}", "Use e.g. 10.")
    excluded = set(exclude)
    if isinstance(vector_or_word, str):
        tokens = tokenize(vector_or_word)
        if len(tokens) != 1:
            raise DataError("vector_or_word", f"{vector_or_word!r} is not one word", "Use topic_vector for several.")
        _check_known(kv, tokens, "vector_or_word")
        excluded.add(tokens[0])
        vector = kv.get_vector(tokens[0], norm=True)
    else:
        vector = finite("vector_or_word", vector_or_word)
        if vector.shape != (kv.vector_size,) or not vector.any():
            raise DataError(
                "vector_or_word",
                f"must be a word or a non-zero vector of shape ({kv.vector_size},), got shape {vector.shape}",
                "Pass e.g. topic_vector(kv, words).",
            )
    similarities = kv.get_normed_vectors() @ (vector / np.linalg.norm(vector))
    order = np.argsort(-similarities, kind="stable")
    ranked = ((kv.index_to_key[i], float(similarities[i])) for i in order)
    return list(islice((pair for pair in ranked if pair[0] not in excluded), n))


def embedding_agreement(kv_a: KeyedVectors, kv_b: KeyedVectors, words, n: int = 10) -> float:
    """How much two embeddings agree on neighbourhoods, in [0, 1]: the mean over ``words`` known to both
    of |nearest n in a ∩ nearest n in b| / n (each space searched over its own whole vocabulary).

    ``words`` is a list of words, tokenized like the corpus; words missing from either space are skipped."""
    tokens = dict.fromkeys(token for word in words for token in tokenize(word))
    shared = [w for w in tokens if w in kv_a.key_to_index and w in kv_b.key_to_index]
    if not shared:
        raise DataError("words", "none is in both vocabularies", "Pass words of both training texts.")
    overlaps = [
        len({w for w, _ in nearest_words(kv_a, word, n)} & {w for w, _ in nearest_words(kv_b, word, n)}) / n
        for word in shared
    ]
    return float(np.mean(overlaps))
