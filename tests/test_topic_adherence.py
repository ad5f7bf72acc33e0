"""text.topics.topic_adherence on hand-made texts and hand-made word vectors, figures worked out by hand."""

import numpy as np
import pytest
from gensim.models import KeyedVectors

from vae_tutorial.text.embeddings import topic_vector
from vae_tutorial.errors import DataError
from vae_tutorial.text.topics import topic_adherence


@pytest.fixture(scope="module")
def kv():
    """3-d vectors: fire along x, wicket along y (length 3), smoke between them nearer x, 'the' along z."""
    kv = KeyedVectors(3)
    words = ["fire", "cricket", "wicket", "smoke", "the"]
    kv.add_vectors(words, np.array([[1, 0, 0], [0, 1, 0], [0, 3, 0], [2, 1, 0], [0, 0, 1]], np.float32))
    return kv


TOPICS = {"bushfires": np.array([1.0, 0.0, 0.0]), "cricket": np.array([0.0, 2.0, 0.0])}  # need not be unit length
KEYWORDS = {"bushfires": ["fire", "blaze"], "cricket": "cricket, wicket"}  # a list, or one string of words
TEXTS = ["Fire the.", "wicket wicket unknownword", "smoke", "zzz qqq"]
REQUESTED = ["bushfires", "cricket", "cricket", "bushfires"]


def test_hit_rate_mean_cosine_and_keyword_share_by_hand(kv):
    # "fire the": (x + z) / sqrt 2, nearest bushfires (1/sqrt 2 vs 0): a hit, 1 keyword of 2 tokens
    # "wicket wicket unknownword": y, cricket: a hit with cosine 1, 2 keywords of 3 tokens
    # "smoke": (2, 1, 0) / sqrt 5 is nearer bushfires (2/sqrt 5) than the requested cricket (1/sqrt 5): a miss
    # "zzz qqq": no known word: a miss with cosine 0, 0 keywords of 2 tokens
    result = topic_adherence(TEXTS, REQUESTED, TOPICS, kv, KEYWORDS)
    assert result["n"] == 4
    assert result["hit_rate"] == pytest.approx(2 / 4)
    assert result["mean_cosine"] == pytest.approx((1 / np.sqrt(2) + 1 + 1 / np.sqrt(5) + 0) / 4, rel=1e-6)
    assert result["keyword_share"] == pytest.approx(3 / 8)
    assert set(result) == {"hit_rate", "mean_cosine", "keyword_share", "n"}


def test_the_requested_topic_decides_a_hit_and_no_keywords_give_no_share(kv):
    swapped = ["cricket", "bushfires", "bushfires", "cricket"]
    result = topic_adherence(TEXTS, swapped, TOPICS, kv)
    assert result["hit_rate"] == pytest.approx(1 / 4)  # only "smoke", now asked for as bushfires
    assert result["mean_cosine"] == pytest.approx((0 + 0 + 2 / np.sqrt(5) + 0) / 4, rel=1e-6)
    assert result["keyword_share"] is None
    # the package's own topic vectors are accepted as they are
    vectors = {name: topic_vector(kv, words) for name, words in {"bushfires": ["fire"], "cricket": ["wicket"]}.items()}
    assert topic_adherence(["fire fire", "cricket"], ["bushfires", "cricket"], vectors, kv)["hit_rate"] == 1.0


def test_bad_arguments_are_data_errors_that_say_what_to_pass(kv):
    with pytest.raises(DataError, match=r"^generated_texts, requested_topics: have different lengths \(4 texts, 3 "):
        topic_adherence(TEXTS, REQUESTED[:3], TOPICS, kv)
    with pytest.raises(DataError, match=r"^requested_topics: 'golf' not in topic_vectors \(it has 'bushfires', 'cric"):
        topic_adherence(["fire"], ["golf"], TOPICS, kv)
    with pytest.raises(DataError, match=r"^requested_topics: 'cricket' not in topic_keywords"):
        topic_adherence(TEXTS, REQUESTED, TOPICS, kv, {"bushfires": ["fire"]})
    with pytest.raises(DataError, match=r"^generated_texts: is empty\."):
        topic_adherence([], [], TOPICS, kv)
