"""The general corpus for pretraining: real prose only, no markup, a fixed split, and nothing of
the sample blog or of lee.cor in it."""

import re

import pytest

from vae_tutorial.text.corpus import (
    BLOG_ARTICLES,
    MAX_WORDS,
    MIN_WORDS,
    clean_sentence,
    load_general_sentences,
    sample_blog_articles,
    wikipedia_articles,
)
from vae_tutorial.text.corpus import lee_articles
from vae_tutorial.text.tokens import split_sentences


@pytest.fixture(scope="module")
def corpus():
    return load_general_sentences()


def test_the_corpus_holds_both_sources_in_three_disjoint_parts(corpus):
    assert corpus.sources == {"lee_background": 300 - len(BLOG_ARTICLES), "wikipedia": len(wikipedia_articles())}
    assert len(wikipedia_articles()) > 90
    parts = [set(corpus.train), set(corpus.validation), set(corpus.test)]
    assert not (parts[0] & parts[1]) and not (parts[0] & parts[2]) and not (parts[1] & parts[2])
    assert len(corpus.train) > 12_000 and len(corpus.validation) > 500 and len(corpus.test) > 500
    assert corpus.words() > 300_000


def test_no_markup_survives_and_every_sentence_is_one_clean_sentence(corpus):
    for sentence in corpus.train + corpus.validation + corpus.test:
        assert not re.search(r"\[\[|\{\{|\||=|''", sentence), sentence
        assert MIN_WORDS <= len(sentence.split()) <= MAX_WORDS, sentence
        assert sentence.isascii() and sentence[-1] in ".!?\"'", sentence


def test_the_sample_blog_and_lee_cor_stay_out_of_the_pretraining_data(corpus):
    everything = set(corpus.train + corpus.validation + corpus.test)
    held_out = sample_blog_articles() + lee_articles("test")
    overlap = [s for article in held_out for s in split_sentences(article) if clean_sentence(s) in everything]
    # Lee's background articles repeat a few stock sentences across articles; none may get through.
    assert overlap == []
    assert len(sample_blog_articles()) == 60


def test_the_split_is_the_same_on_every_call_and_changes_with_the_seed(corpus):
    load_general_sentences.cache_clear()
    again = load_general_sentences()
    assert again.train == corpus.train and again.test == corpus.test
    assert load_general_sentences(seed=1).test != corpus.test


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("The term \u201canarchism\u201d is old.", 'The term "anarchism" is old.'),
        ("It   was   founded in 1901.", "It was founded in 1901."),
        ("From the Greek , i.e. without rulers.", None),  # a removed template left " ,"
        ("See [[Anarchism|anarchism]] for more.", None),
        ("Too short.", None),
        ("No final stop here at all today", None),
        ("Greek \u1f00\u03bd- means without it.", None),
    ],
)
def test_clean_sentence_keeps_prose_and_drops_residue(raw, clean):
    assert clean_sentence(raw) == clean
