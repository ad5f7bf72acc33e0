"""Word embeddings: deterministic Word2Vec on the Lee corpus, topic and text vectors, neighbours, files."""

import os
import pickle
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest
from gensim.models import Word2Vec
from scipy.spatial.distance import cosine as scipy_cosine_distance

from vae_tutorial.text.corpus import lee_articles
from vae_tutorial.text.embeddings import (
    cosine,
    embedding_agreement,
    load_vectors,
    nearest_words,
    save_vectors,
    sentences_for_word2vec,
    text_vector,
    topic_vector,
    train_word2vec,
)
from vae_tutorial.errors import DataError

SMALL = {"vector_size": 32, "epochs": 20}  # about a second on the 300 background articles


@pytest.fixture(scope="module")
def kv():
    """Word2Vec on the Lee background articles, small and seeded."""
    return train_word2vec(lee_articles("background"), **SMALL)


@pytest.fixture(scope="module")
def kv_seed1():
    """The same training with another seed."""
    return train_word2vec(lee_articles("background"), **SMALL, seed=1)


def _unit(v):
    v = np.asarray(v, dtype=np.float64)
    return v / np.linalg.norm(v)


# --- sentences and training -------------------------------------------------------------------


def test_sentences_for_word2vec_splits_tokenizes_and_drops_empty_sentences():
    texts = ["The cat sat. It purred!", "... !!", "Bush-fires, SPREAD."]
    assert sentences_for_word2vec(texts) == [["the", "cat", "sat"], ["it", "purred"], ["bushfires", "spread"]]
    assert sentences_for_word2vec("One two. Three.") == [["one", "two"], ["three"]]  # one string: one text


def test_the_vocabulary_is_the_words_seen_at_least_min_count_times(kv):
    counts = Counter(t for s in sentences_for_word2vec(lee_articles("background")) for t in s)
    assert set(kv.index_to_key) == {w for w, c in counts.items() if c >= 2}
    assert kv.vector_size == 32 and kv.vectors.shape == (len(kv), 32)


def test_training_twice_with_one_seed_gives_identical_vectors_and_another_seed_does_not(kv, kv_seed1):
    again = train_word2vec(lee_articles("background"), **SMALL)
    assert again.index_to_key == kv.index_to_key
    assert np.array_equal(again.vectors, kv.vectors)
    assert kv_seed1.index_to_key == kv.index_to_key
    assert not np.allclose(kv_seed1.vectors, kv.vectors, atol=1e-3)


def test_training_gives_identical_vectors_in_fresh_processes_whatever_the_hash_seed(tmp_path):
    script = (
        "import sys, numpy as np\n"
        "from vae_tutorial.text.corpus import lee_articles\n"
        "from vae_tutorial.text.embeddings import train_word2vec\n"
        "kv = train_word2vec(lee_articles('test'), vector_size=16, epochs=5)\n"
        "np.save(sys.argv[1], kv.vectors)\n"
        "print('\\n'.join(kv.index_to_key))\n"
    )
    results = []
    for hash_seed in ["1", "2"]:
        out = tmp_path / f"vectors_{hash_seed}.npy"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", script, str(out)], env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr[-2000:]
        results.append((done.stdout.split(), np.load(out)))
    here = train_word2vec(lee_articles("test"), vector_size=16, epochs=5)
    for words, vectors in results:
        assert words == here.index_to_key
        assert np.array_equal(vectors, here.vectors)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"vector_size": 0}, r"^vector_size: must be a whole number >= 1, got 0\. Use e\.g\. 100\."),
        ({"window": 2.5}, r"^window: must be a whole number >= 1, got 2\.5\."),
        ({"min_count": 0}, r"^min_count: must be a whole number >= 1, got 0\."),
        ({"epochs": True}, r"^epochs: must be a whole number >= 1, got True\."),
        ({"seed": -1}, r"^seed: must be a whole number >= 0, got -1\."),
    ],
)
def test_train_word2vec_rejects_bad_arguments_by_name(kwargs, message):
    with pytest.raises(DataError, match=message):
        train_word2vec(["a b. a b."], **kwargs)


def test_train_word2vec_rejects_texts_without_a_frequent_enough_word():
    with pytest.raises(DataError, match=r"^texts: no word occurs 2 or more times \(3 distinct words in 1 sentences\)"):
        train_word2vec(["one two three."])
    with pytest.raises(DataError, match=r"^texts: no word occurs 2 or more times \(0 distinct words in 0 sentences\)"):
        train_word2vec([])
    with pytest.raises(DataError, match=r"^texts: no word occurs 5 or more times"):
        train_word2vec(["a a b. a b a."], min_count=5)


# --- topic and text vectors ---------------------------------------------------------------------


def test_topic_vector_is_the_normalised_mean_of_unit_keyword_vectors(kv):
    keywords = ["palestinian", "israeli", "gaza", "hamas"]
    vector = topic_vector(kv, keywords)
    assert vector.dtype == np.float32 and vector.shape == (32,)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-6)
    by_hand = _unit(np.mean([_unit(kv[w]) for w in keywords], axis=0))
    np.testing.assert_allclose(vector, by_hand, atol=1e-6)
    assert cosine(vector, kv["palestinian"]) < 0.9999  # a mix, not one of the words


def test_topic_vector_ignores_order_repeats_case_and_punctuation(kv):
    vector = topic_vector(kv, ["fire", "firefighters", "police"])
    for same in (
        ["police", "fire", "firefighters"],
        ["firefighters", "police", "fire", "fire"],
        "Police,  FIRE, Fire-fighters",  # one string, commas and spaces; "Fire-fighters" -> "firefighters"
    ):
        np.testing.assert_allclose(topic_vector(kv, same), vector, atol=1e-6)


def test_topic_vector_of_one_keyword_is_that_words_unit_vector(kv):
    np.testing.assert_allclose(topic_vector(kv, ["cricket"]), _unit(kv["cricket"]), atol=1e-6)
    np.testing.assert_allclose(topic_vector(kv, "Cricket"), _unit(kv["cricket"]), atol=1e-6)


def test_topic_vector_names_every_unknown_keyword_with_suggestions(kv):
    assert {"cricket", "government"} <= set(kv.index_to_key)
    assert not {"crickett", "goverment", "xyzzy"} & set(kv.index_to_key)
    with pytest.raises(DataError) as info:
        topic_vector(kv, ["fire", "Crickett", "xyzzy", "goverment"])
    message = str(info.value)
    assert message.startswith(
        "keywords: not in the embedding's vocabulary: 'crickett' (did you mean 'cricket'?), "
        "'goverment' (did you mean 'government', "
    )
    assert ", 'xyzzy'. Use words of the training texts; nearest_words(kv, ...) lists neighbours." in message
    assert "'fire'" not in message


@pytest.mark.parametrize("keywords", [[], "", " , ,", ["!!!", "..."]])
def test_topic_vector_rejects_no_keywords(kv, keywords):
    with pytest.raises(DataError, match=r"^keywords: no words given\."):
        topic_vector(kv, keywords)


def test_text_vector_is_the_normalised_mean_over_known_tokens_and_zero_without_any(kv):
    vector = text_vector(kv, "Fire! The xyzzy fire, police.")
    assert vector.dtype == np.float32 and np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-6)
    known = ["fire", "the", "fire", "police"]  # repeats count, unknown words are skipped
    np.testing.assert_allclose(vector, _unit(np.mean([_unit(kv[w]) for w in known], axis=0)), atol=1e-6)
    for empty in ["xyzzy plugh", "", "..."]:
        zero = text_vector(kv, empty)
        assert zero.dtype == np.float32 and zero.shape == (32,) and not zero.any()


# --- cosine and neighbours ----------------------------------------------------------------------


def test_cosine_against_a_hand_computation_and_scipy():
    assert cosine([1, 2, 3], [4, 5, 6]) == pytest.approx(32 / np.sqrt(14 * 77), abs=1e-12)
    assert cosine([1, 0], [-2, 0]) == pytest.approx(-1.0)
    rng = np.random.default_rng(0)
    for _ in range(5):
        a, b = rng.normal(size=(2, 50))
        assert cosine(a, b) == pytest.approx(1 - scipy_cosine_distance(a, b), abs=1e-12)


def test_cosine_rejects_zero_vectors_and_mismatched_shapes():
    with pytest.raises(DataError, match=r"^b: is a zero vector"):
        cosine([1, 2], [0, 0])
    with pytest.raises(DataError, match=r"^a, b: must be 1-D of the same length, got shapes \(3,\) and \(2,\)"):
        cosine([1, 2, 3], [1, 2])
    with pytest.raises(DataError, match=r"^a, b: must be 1-D"):
        cosine([[1, 2]], [[1, 2]])


@pytest.mark.parametrize("word", ["palestinian", "fire", "cricket", "qantas", "afghanistan"])
def test_nearest_words_agree_with_gensim_most_similar(kv, word):
    expected = kv.most_similar(word, topn=10)
    by_word = nearest_words(kv, word)
    assert [w for w, _ in by_word] == [w for w, _ in expected]
    np.testing.assert_allclose([s for _, s in by_word], [s for _, s in expected], atol=1e-5)
    by_vector = nearest_words(kv, kv[word], n=11)  # a vector is not excluded: the word comes first
    assert by_vector[0][0] == word and by_vector[0][1] == pytest.approx(1.0, abs=1e-5)
    assert [w for w, _ in by_vector[1:]] == [w for w, _ in expected]
    assert nearest_words(kv, word.upper(), n=3, exclude=[expected[0][0]]) == by_word[1:4]


def test_nearest_words_rejects_unknown_words_bad_vectors_and_bad_n(kv):
    with pytest.raises(DataError, match=r"^vector_or_word: not in the embedding's vocabulary: 'crickett' \(did you"):
        nearest_words(kv, "crickett")
    with pytest.raises(DataError, match=r"^vector_or_word: 'rural fire' is not one word\."):
        nearest_words(kv, "rural fire")
    with pytest.raises(DataError, match=r"^vector_or_word: must be a word or a non-zero vector of shape \(32,\)"):
        nearest_words(kv, np.ones(31))
    with pytest.raises(DataError, match=r"got shape \(32,\)"):
        nearest_words(kv, np.zeros(32))
    with pytest.raises(DataError, match=r"^n: must be a whole number >= 1, got 0\."):
        nearest_words(kv, "fire", n=0)


def test_embedding_agreement_is_one_with_itself_and_less_across_seeds(kv, kv_seed1):
    words = kv.index_to_key[:200]
    assert embedding_agreement(kv, kv, words) == 1.0
    across = embedding_agreement(kv, kv_seed1, words)
    assert 0.0 < across < 0.9
    # by hand for a single word
    a = {w for w, _ in kv.most_similar("fire", topn=5)}
    b = {w for w, _ in kv_seed1.most_similar("fire", topn=5)}
    assert embedding_agreement(kv, kv_seed1, ["Fire", "xyzzy"], n=5) == pytest.approx(len(a & b) / 5)
    with pytest.raises(DataError, match=r"^words: none is in both vocabularies\."):
        embedding_agreement(kv, kv_seed1, ["xyzzy"])


# --- files --------------------------------------------------------------------------------------


def test_save_and_load_round_trip_in_a_new_folder(kv, tmp_path):
    path = tmp_path / "new" / "folder" / "lee.kv"
    save_vectors(kv, path)
    loaded = load_vectors(path)
    assert loaded.index_to_key == kv.index_to_key
    assert np.array_equal(loaded.vectors, kv.vectors)
    assert nearest_words(loaded, "fire", 5) == nearest_words(kv, "fire", 5)


def test_load_vectors_rejects_missing_foreign_and_non_keyedvectors_files(tmp_path):
    missing = tmp_path / "nowhere.kv"
    with pytest.raises(DataError, match=r"nowhere\.kv: no such file\. Pass a file written by save_vectors\(\)\."):
        load_vectors(missing)
    text = tmp_path / "notes.txt"
    text.write_text("fire 0.1 0.2\npolice 0.3 0.4\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"notes\.txt: is not a gensim KeyedVectors file \("):
        load_vectors(text)
    other = tmp_path / "dict.pkl"
    other.write_bytes(pickle.dumps({"fire": [0.1, 0.2]}))
    with pytest.raises(DataError, match=r"dict\.pkl: is not a gensim KeyedVectors file \(AttributeError"):
        load_vectors(other)
    model_file = tmp_path / "model.w2v"
    Word2Vec([["a", "b"]] * 3, vector_size=4, min_count=1, workers=1, epochs=1).save(str(model_file))
    with pytest.raises(DataError, match=r"model\.w2v: holds a Word2Vec, not KeyedVectors\."):
        load_vectors(model_file)


def test_save_vectors_rejects_something_else_than_keyedvectors(tmp_path):
    with pytest.raises(DataError, match=r"^kv: is a dict, not gensim KeyedVectors\."):
        save_vectors({"fire": np.ones(3)}, tmp_path / "x.kv")
    assert not any(tmp_path.iterdir())  # nothing written
