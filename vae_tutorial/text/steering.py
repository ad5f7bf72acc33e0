"""Steering a variation toward a topic: the topic's code, and variations drawn toward it.

A topic is a few keywords ("bushfire, fire, firefighters"). Its **code** is the mean posterior
mean of the sentences that mention one of them or an inflection of one (the same Porter stem,
:func:`~vae_tutorial.text.tokens.keyword_stems`), by default among the training sentences of the
general corpus (:func:`~vae_tutorial.text.corpus.load_general_sentences`), which every model can
read with its own tokenizer. A steered variation starts from the text's own code and moves a
share ``strength`` of the way to the topic's code (see
:func:`~vae_tutorial.text.generate.variation_codes`): 0 is a plain variation, 1 the topic's code
whatever the text.
"""

from __future__ import annotations

import difflib

import numpy as np

from vae_tutorial.errors import DataError, whole_number
from vae_tutorial.text.corpus import load_general_sentences
from vae_tutorial.text.tokens import keyword_stems, keyword_tokens, stem, tokenize

TOPICS_FILE = "topics.json"  # in a model directory: the topics it was trained to know (names, keywords, codes)
STRENGTH = 0.7  # how far a steered variation moves toward its topic's code, 0 to 1
MIN_SENTENCES = 5  # a topic's code is the mean of at least this many sentences
LIMIT = 400  # and of at most this many (the first ones, in corpus order)
MAX_TOPICS = 50  # topics a model is trained to know (train-text --topics)


def topic_words(keywords) -> list[str]:
    """The keywords (a list, or one string separated by commas or spaces) as distinct tokens, in
    order (:func:`~vae_tutorial.text.tokens.keyword_tokens`); a DataError if there are none."""

    try:
        tokens = keyword_tokens(keywords)
    except TypeError:
        raise DataError("topic", f"is of type {type(keywords).__name__}", 'Pass keywords: "fire, bushfire".') from None
    if not tokens:
        raise DataError("topic", "has no keywords", 'Pass keywords separated by commas: "fire, bushfire".')
    return tokens


def _stems_of(sentences: list[str]) -> list[set[str]]:
    """The set of the stems of each sentence's tokens."""

    return [{stem(token) for token in tokenize(s)} for s in sentences]


def topic_sentences(keywords, sentences) -> list[str]:
    """The sentences that mention a keyword or an inflection of one (the same Porter stem), in order."""

    stems = keyword_stems(topic_words(keywords))
    return [s for s, seen in zip(sentences, _stems_of(sentences), strict=True) if seen & stems]


def _mentions(words: list[str], sentences: list[str], limit: int, stemmed: list[set[str]] | None = None) -> list[str]:
    """The first ``limit`` sentences that mention the topic; a DataError if a keyword occurs in none
    of them (with close spellings that do occur) or fewer than MIN_SENTENCES mention the topic.
    stemmed: ``_stems_of(sentences)``, where the caller checks several topics against them."""

    stemmed = _stems_of(sentences) if stemmed is None else stemmed  # once for all the keywords
    unused = [word for word in words if not any(stem(word) in seen for seen in stemmed)]
    if unused:
        known = sorted({token for s in sentences for token in tokenize(s)})
        parts = []
        for word in unused:
            close = difflib.get_close_matches(word, known, n=3, cutoff=0.75)
            parts.append(f"{word!r} (did you mean {', '.join(map(repr, close))}?)" if close else repr(word))
        raise DataError(
            "topic",
            f"{', '.join(parts)} occurs in none of the {len(sentences):,} sentences that define topics",
            "Use words of the corpus, or leave those out.",
        )
    stems = {stem(word) for word in words}
    chosen = [s for s, seen in zip(sentences, stemmed, strict=True) if seen & stems][:limit]
    if len(chosen) < MIN_SENTENCES:
        raise DataError(
            "topic",
            f"is mentioned by only {len(chosen)} sentences (at least {MIN_SENTENCES} make a topic's code)",
            "Add keywords that the corpus uses more often.",
        )
    return chosen


def _general_sentences() -> list[str]:

    return load_general_sentences().train


def topic_code(model, vectorizer, keywords, sentences=None, limit: int = LIMIT) -> np.ndarray:
    """float32 (latent_dim,): the mean posterior mean, under ``model`` read through ``vectorizer``,
    of the first ``limit`` of ``sentences`` (default: the general corpus' training sentences) that
    mention the topic's keywords. A keyword no sentence mentions is a DataError naming it, with
    close spellings that do occur; so is a topic of fewer than MIN_SENTENCES sentences."""
    words = topic_words(keywords)
    limit = whole_number("limit", limit, LIMIT, low=MIN_SENTENCES)
    chosen = _mentions(words, list(_general_sentences() if sentences is None else sentences), limit)
    z_mean, _ = model.encode(vectorizer.encode(chosen))
    return np.asarray(z_mean, np.float64).mean(axis=0).astype(np.float32)


def check_topics(topics, sentences=None) -> dict[str, list[str]]:
    """``topics`` ({name: keywords}, e.g. read from a topics.json) as {name: [keywords]}, each topic
    checked as :func:`topic_code` would (every keyword mentioned, enough sentences) before any
    model is trained; a DataError naming the topic otherwise."""
    if not isinstance(topics, dict) or not topics:
        raise DataError(
            "topics", "must be a non-empty mapping of names to keywords", 'Pass {"cricket": "cricket, wicket"}.'
        )
    if len(topics) > MAX_TOPICS:
        raise DataError(
            "topics",
            f"has {len(topics):,} topics; a model learns at most {MAX_TOPICS} (each is a code computed at training)",
            f"Keep the {MAX_TOPICS} you will steer toward; --topic KEYWORDS steers toward any other at run time.",
        )
    sentences = list(_general_sentences() if sentences is None else sentences)
    stemmed = _stems_of(sentences)
    checked = {}
    for name, keywords in topics.items():
        if not isinstance(name, str) or not name.strip():
            raise DataError("topics", f"has a topic named {name!r}", "Name each topic with a word or two.")
        try:
            checked[name] = topic_words(keywords)
            _mentions(checked[name], sentences, LIMIT, stemmed)
        except DataError as exc:
            raise DataError("topics", f"{name!r}: {exc.problem}", exc.fix) from None
    return checked
