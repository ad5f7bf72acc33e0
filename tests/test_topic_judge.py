"""text.topics.independent_topic_judge and its keyword stripping, on hand-made texts and vectors."""

import numpy as np
import pytest
from gensim.models import KeyedVectors

from vae_tutorial.errors import DataError
from vae_tutorial.text.tokens import keyword_stems
from vae_tutorial.text.topics import independent_topic_judge, topic_adherence, without_keywords


@pytest.fixture(scope="module")
def judge():
    """2-d vectors: fire and blaze along x, wicket along y, smoke near x, bat near y."""
    kv = KeyedVectors(2)
    words = ["fire", "blaze", "smoke", "wicket", "bat"]
    kv.add_vectors(words, np.array([[1, 0], [1, 0.1], [0.9, 0.2], [0, 1], [0.1, 1]], np.float32))
    return kv


KEYWORDS = {"bushfires": ["fire", "blaze"], "cricket": "wicket, innings"}  # "innings": unknown to the judge


def test_keywords_and_their_inflections_are_stripped_compounds_are_not():
    assert keyword_stems("fires, blazing") == {"fire", "blaze"}
    assert without_keywords("Fires and a blaze near firefighters, fired.", ["fire", "blaze"]) == [
        "and",
        "a",
        "near",
        "firefighters",
    ]
    assert without_keywords("Wickets fell.", KEYWORDS["cricket"]) == ["fell"]


def test_independent_hit_rate_keyword_share_and_judged_by_hand(judge):
    texts = ["Fires, fire and smoke.", "blaze blazes", "bat smoke bat", "A wicket and a bat!"]
    requested = ["bushfires", "bushfires", "bushfires", "cricket"]
    # 1: "and smoke": smoke is near x, the bushfires axis: a hit; 2 of 4 tokens are keywords
    # 2: nothing left: a miss, not judged; 2 of 2 tokens are keywords
    # 3: bat, bat, smoke: their mean is nearer the cricket axis than the bushfires one: a miss
    # 4: "a and a bat": bat is near y, cricket's wicket: a hit; 1 of 5 tokens is a keyword
    result = independent_topic_judge(texts, requested, KEYWORDS, judge)
    assert result == {"independent_hit_rate": 2 / 4, "keyword_share": pytest.approx(5 / 14), "judged": 3 / 4, "n": 4}


def test_keywords_alone_score_everything_in_the_topic_space_and_nothing_with_the_judge(judge):
    """The in-space hit rate rewards a "model" that only writes the topic's keywords; the judge does not."""
    parrot = ["fire blaze fire", "wicket wicket"]
    topics = {"bushfires": np.array([1.0, 0.0]), "cricket": np.array([0.0, 1.0])}
    assert topic_adherence(parrot, ["bushfires", "cricket"], topics, judge, KEYWORDS)["hit_rate"] == 1.0
    judged = independent_topic_judge(parrot, ["bushfires", "cricket"], KEYWORDS, judge)
    assert judged["independent_hit_rate"] == 0.0 and judged["keyword_share"] == 1.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((["a"], ["bushfires", "cricket"]), r"^generated_texts, requested_topics: have different lengths \(1 texts, 2"),
        (([], []), r"^generated_texts: is empty\."),
        ((["a"], ["golf"]), r"^requested_topics: 'golf' not in topic_keywords \(it has 'bushfires', 'cricket'\)\."),
    ],
)
def test_bad_arguments_are_data_errors(judge, args, message):
    with pytest.raises(DataError, match=message):
        independent_topic_judge(*args, KEYWORDS, judge)


def test_a_topic_the_judge_cannot_place_is_a_data_error(judge):
    with pytest.raises(DataError, match=r"^topic_keywords: none of the keywords of 'golf' is in the judge's vocab"):
        independent_topic_judge(["a"], ["golf"], {"golf": ["putter"]}, judge)


def test_the_judges_space_places_the_blog_topics_words():
    from vae_tutorial.text.embeddings import judge_vectors

    kv = judge_vectors()
    assert {"fire", "cricket", "wicket", "palestinian", "israeli", "afghanistan", "taliban"} <= set(kv.key_to_index)
    assert kv.similarity("wicket", "cricket") > kv.similarity("wicket", "fire")
    assert kv.similarity("taliban", "afghanistan") > kv.similarity("taliban", "cricket")
