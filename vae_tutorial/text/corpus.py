"""The general English corpus for pretraining: all the real prose the installed wheels carry.

Two sources, both inside gensim's wheel, so nothing is downloaded:

- the Lee news corpus (``lee_background.cor``), minus the articles of the sample blog
  (:data:`BLOG_ARTICLES`), whose posts are fine-tuned on and held out in notebooks, benchmarks
  and tests; ``lee.cor`` (the 50 "test" articles) is never used;
- the English Wikipedia sample (``enwiki-latest-pages-articles1...shortened.bz2``): its
  articles of more than 200 words, read with gensim's own ``extract_pages`` and ``filter_wiki``.

:func:`load_general_sentences` cleans what ``filter_wiki`` leaves behind (bold/italic quotes,
headings, lists, half-removed templates), splits the prose into sentences of 4 to 38 words and
splits them, by a fixed seeded shuffle of *articles*, into train / validation / test.
"""

from __future__ import annotations

import bz2
import importlib.util
import dataclasses
import re
import unicodedata
from functools import cache
from pathlib import Path

import numpy as np

from vae_tutorial.errors import DataError
from vae_tutorial.text.tokens import split_sentences, tokenize

WIKI_SAMPLE = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
BLOG_ARTICLES = tuple(range(4, 300, 5))  # 60 Lee background articles: the sample blog (every fifth)
MIN_WORDS, MAX_WORDS = 4, 38
MIN_ARTICLE_WORDS = 200
# A character outside these, or any of these patterns, marks a sentence that markup or a removed
# template has damaged ("from the Greek , i.e.", "( )", "[[", "{{", "|", "=").
_ALLOWED = re.compile(r"[A-Za-z0-9 .,;:!?'\"()%$&/-]+")
_DAMAGED = re.compile(r"\s[,.;:)]|\(\s|\(\)|\[\[|\{\{|\||=|''|--|/\s|\s/|^\W")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})


def datapath(name: str) -> Path:
    """The path of a file of gensim's test data (its Lee corpus, its Wikipedia sample), found without
    importing gensim (about a second): the command line reads this module."""
    return Path(importlib.util.find_spec("gensim").submodule_search_locations[0]) / "test" / "test_data" / name


def lee_articles(which: str = "background") -> list[str]:
    """gensim's Lee news corpus (ships inside gensim's wheel): 300 "background" articles or the
    50 "test" articles of lee.cor, one string each."""
    files = {"background": "lee_background.cor", "test": "lee.cor"}
    if which not in files:
        raise DataError("which", f"unknown Lee corpus file {which!r}", f"Use one of {sorted(files)}.")
    raw = Path(datapath(files[which])).read_text(encoding="latin-1")
    return [line.strip() for line in raw.splitlines() if line.strip()]


def load_sample_sentences(max_tokens: int = 39, n_test: int = 300, seed: int = 0):
    """Sentences of the 300 Lee background articles, shuffled with ``seed`` and split.

    Keeps sentences of 3 to ``max_tokens`` tokens (longer ones would be cut by the model's
    maximum length), each distinct sentence once. Returns (train_sentences, test_sentences);
    the same seed gives the same split everywhere.
    """
    kept = (s for article in lee_articles() for s in split_sentences(article) if 3 <= len(tokenize(s)) <= max_tokens)
    sentences = list(dict.fromkeys(kept))  # each sentence once: a repeated one must not land in train and test
    if not 0 < n_test < len(sentences):
        raise DataError("n_test", f"must be between 1 and {len(sentences) - 1}, got {n_test}", "Use e.g. 300.")
    order = np.random.default_rng(seed).permutation(len(sentences))
    shuffled = [sentences[i] for i in order]
    return shuffled[n_test:], shuffled[:n_test]


@dataclasses.dataclass(frozen=True)
class Corpus:
    """Sentences in three fixed parts (lists of str), and where each part's articles came from."""

    train: list[str]
    validation: list[str]
    test: list[str]
    sources: dict[str, int]  # articles per source

    def words(self) -> int:
        """Words (whitespace-separated) over the three parts."""
        return sum(len(s.split()) for part in (self.train, self.validation, self.test) for s in part)


def _prose(text: str) -> str:
    """Paragraph lines of a ``filter_wiki`` output: no headings, lists, tables or bare links."""
    keep = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "=*#:;|{!<[" or line.startswith("Category:"):
            continue
        keep.append(line.replace("'''", "").replace("''", ""))
    return "\n".join(keep)


@cache
def wikipedia_articles() -> tuple[tuple[str, str], ...]:
    """(title, prose) of the Wikipedia sample's main-namespace articles with more than 200 words
    of prose, in file order; redirects and lists are left out."""
    from gensim.corpora.wikicorpus import (
        extract_pages,
        filter_wiki,
    )  # gensim (~1 s): the command line reads this module

    articles = []
    with bz2.BZ2File(datapath(WIKI_SAMPLE)) as raw:
        for title, text, _ in extract_pages(raw, filter_namespaces=("0",)):
            if not text or text.lstrip().lower().startswith("#redirect"):
                continue
            prose = _prose(filter_wiki(text))
            if len(prose.split()) > MIN_ARTICLE_WORDS:
                articles.append((title, prose))
    return tuple(articles)


def clean_sentence(sentence: str) -> str | None:
    """The sentence with typographic quotes and dashes made ASCII and spaces collapsed, or None if
    it is not one clean sentence of MIN_WORDS to MAX_WORDS words (markup residue, foreign script,
    no final punctuation). The shipped sentence VAE's corpus was cleaned with it, so it stays as it
    is; the general English corpus uses the stricter :func:`vae_tutorial.text.english.sentences.clean_sentence`."""
    text = " ".join(unicodedata.normalize("NFKC", sentence).translate(_QUOTES).split())
    if not MIN_WORDS <= len(text.split()) <= MAX_WORDS or text[-1] not in ".!?\"'":
        return None
    if not _ALLOWED.fullmatch(text) or _DAMAGED.search(text) or text.count("(") != text.count(")"):
        return None
    return text


def _sentences(article: str) -> list[str]:
    cleaned = (clean_sentence(s) for paragraph in article.splitlines() for s in split_sentences(paragraph))
    return [s for s in cleaned if s]


@cache
def load_general_sentences(seed: int = 0, validation: float = 0.05, test: float = 0.05) -> Corpus:
    """The pretraining corpus: Lee background articles outside the sample blog, plus the Wikipedia
    sample, as clean sentences split by article (so no article straddles two parts).

    Each distinct sentence is kept once, in the part of its first article; a sentence that also
    occurs in the sample blog or in ``lee.cor`` is left out (a few Lee articles appear twice, and
    stock sentences recur across articles). The same arguments
    give the same corpus on every machine (the shuffle is NumPy's seeded permutation).
    """
    blog = set(BLOG_ARTICLES)
    lee = [a for i, a in enumerate(lee_articles("background")) if i not in blog]
    wiki = [prose for _, prose in wikipedia_articles()]
    articles = lee + wiki
    order = np.random.default_rng(seed).permutation(len(articles))
    n_val, n_test = round(validation * len(articles)), round(test * len(articles))
    parts: dict[str, list[str]] = {"test": [], "validation": [], "train": []}
    held_out = sample_blog_articles() + lee_articles("test")
    seen = {clean_sentence(s) for article in held_out for s in split_sentences(article)}
    for rank, index in enumerate(order):
        part = "test" if rank < n_test else "validation" if rank < n_test + n_val else "train"
        for sentence in _sentences(articles[index]):
            if sentence not in seen:
                seen.add(sentence)
                parts[part].append(sentence)
    return Corpus(**parts, sources={"lee_background": len(lee), "wikipedia": len(wiki)})


def sample_blog_articles() -> list[str]:
    """The 60 Lee background articles of the sample blog (:data:`BLOG_ARTICLES`), in order."""
    articles = lee_articles("background")
    return [articles[i] for i in BLOG_ARTICLES]
