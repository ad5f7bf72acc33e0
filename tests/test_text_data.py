"""Text data: sentence splitting, the Lee sample sentences, and the Vectorizer against plain Python."""

import json
from collections import Counter

import numpy as np
import pytest

from vae_tutorial.text.tokens import (
    BOS_ID,
    COMMON_ENGLISH,
    EOS_ID,
    PAD_ID,
    SPECIALS,
    UNK_ID,
    Vectorizer,
    language_warning,
    split_sentences,
    tokenize,
)
from vae_tutorial.text.corpus import lee_articles, load_sample_sentences
from vae_tutorial.errors import DataError


@pytest.fixture(scope="module")
def sentences():
    """The default split (seed 0) of the Lee background sentences."""
    return load_sample_sentences()


def _python_ids(vectorizer, text):
    """Ids by hand: tokenize(), look each word up in vectorizer.index ([UNK] if absent), cut to
    max_length - 1 words, then [EOS] and [PAD]s."""
    words = tokenize(text)[: vectorizer.max_length - 1]
    ids = [vectorizer.index.get(word, UNK_ID) for word in words] + [EOS_ID]
    return ids + [PAD_ID] * (vectorizer.max_length - len(ids))


# --- splitting and tokenizing ---------------------------------------------------------------


def test_split_sentences_on_a_crafted_paragraph():
    text = (
        "  The cat sat.  It purred!\nDid it sleep? yes, it did. Mr. Smith left at 3 p.m. on Monday.  "
        '2001 was odd... "Quite odd," he said. (Later) it rained!Then 3.5 mm fell.'
    )
    assert split_sentences(text) == [
        "The cat sat.",
        "It purred!",
        "Did it sleep? yes, it did.",  # no split before a lower-case word
        "Mr.",  # no abbreviation list: "Mr. Smith" splits
        "Smith left at 3 p.m. on Monday.",
        "2001 was odd...",  # a digit starts a sentence
        '"Quite odd," he said.',  # so does an opening quote before a capital
        "(Later) it rained!Then 3.5 mm fell.",  # no whitespace after "!" or inside "3.5": no split
    ]
    assert split_sentences(" \n\t ") == []


def test_split_sentences_keeps_closing_quotes_and_brackets():
    text = 'He said "Stop." She stopped. (See below.) Then [it] ended.'
    assert split_sentences(text) == ['He said "Stop."', "She stopped.", "(See below.)", "Then [it] ended."]


def test_tokenize_lowercases_strips_ascii_punctuation_and_splits_on_whitespace():
    assert tokenize("Don't  STOP: south-west, 3.5%!\t(OK)") == ["dont", "stop", "southwest", "35", "ok"]
    assert tokenize("... !! ") == []


# --- the Lee sample sentences ---------------------------------------------------------------


def test_load_sample_sentences_is_a_seeded_split_of_the_filtered_lee_sentences(sentences):
    train, test = sentences
    assert len(test) == 300
    again = load_sample_sentences()
    assert again == (train, test)
    other_train, other_test = load_sample_sentences(seed=1)
    assert other_test != test and other_train != train
    assert set(other_train) | set(other_test) == set(train) | set(test)  # the same sentences, reshuffled
    # every sentence of the 300 articles with 3 to 39 tokens, and only those
    by_hand = [s for article in lee_articles() for s in split_sentences(article) if 3 <= len(tokenize(s)) <= 39]
    assert set(train) | set(test) == set(by_hand)
    assert all(3 <= len(tokenize(s)) <= 39 for s in train + test)
    assert len(train) + len(test) <= len(by_hand)


def test_load_sample_sentences_respects_n_test_and_max_tokens():
    train, test = load_sample_sentences(max_tokens=10, n_test=25, seed=3)
    assert len(test) == 25 and len(train) > 25
    lengths = [len(tokenize(s)) for s in train + test]
    assert min(lengths) == 3 and max(lengths) == 10


def test_load_sample_sentences_train_and_test_are_disjoint(sentences):
    train, test = sentences
    assert not set(train) & set(test)
    assert len(set(train)) == len(train) and len(set(test)) == len(test)


@pytest.mark.parametrize("n_test", [0, 10**6])
def test_load_sample_sentences_rejects_a_bad_n_test(n_test):
    with pytest.raises(DataError, match=rf"^n_test: must be between 1 and \d+, got {n_test}\."):
        load_sample_sentences(n_test=n_test)


def test_lee_articles_reads_both_files_and_rejects_an_unknown_one():
    assert len(lee_articles("background")) == 300
    assert len(lee_articles("test")) == 50
    with pytest.raises(DataError, match=r"^which: unknown Lee corpus file 'train'\. Use one of \['background'"):
        lee_articles("train")


# --- the vectorizer -------------------------------------------------------------------------


def test_vocabulary_starts_with_the_special_tokens_then_ranks_words_by_count_then_alphabetically():
    assert (PAD_ID, UNK_ID, BOS_ID, EOS_ID) == (0, 1, 2, 3)
    texts = ["pear apple fig", "Fig, apple... PEAR zebra", "kiwi zebra"]  # 2 x apple fig pear zebra, 1 x kiwi
    vectorizer = Vectorizer.build(texts, max_length=6)
    assert vectorizer.vocabulary[:4] == ["[PAD]", "[UNK]", "[BOS]", "[EOS]"] == list(SPECIALS)
    assert vectorizer.vocabulary[4:] == ["apple", "fig", "pear", "zebra", "kiwi"]
    assert vectorizer.vocab_size == 9
    # max_vocab counts the special tokens, and the cut falls inside a tie: alphabetical order decides
    capped = Vectorizer.build(texts, max_vocab=6, max_length=6)
    assert capped.vocabulary == [*SPECIALS, "apple", "fig"]
    assert Vectorizer.build(texts, min_count=2, max_length=6).vocabulary[4:] == ["apple", "fig", "pear", "zebra"]


def test_encode_appends_eos_pads_with_zero_and_maps_unseen_words_to_unk():
    vectorizer = Vectorizer.build(["b a c a", "c a"], max_length=6)  # a: 3, c: 2, b: 1
    assert vectorizer.vocabulary[4:] == ["a", "c", "b"]
    ids = vectorizer.encode(["A b zzz", "c", "!!!"])
    assert ids.dtype == np.int32
    np.testing.assert_array_equal(
        ids,
        [
            [4, 6, UNK_ID, EOS_ID, PAD_ID, PAD_ID],
            [5, EOS_ID, PAD_ID, PAD_ID, PAD_ID, PAD_ID],
            [EOS_ID, PAD_ID, PAD_ID, PAD_ID, PAD_ID, PAD_ID],  # no words: [EOS] alone
        ],
    )
    np.testing.assert_array_equal(vectorizer.encode("c a"), [[5, 4, EOS_ID, 0, 0, 0]])  # one string: one row


def test_long_sentences_are_cut_to_max_length_minus_one_tokens_then_eos():
    vectorizer = Vectorizer.build(["w1 w2 w3 w4 w5 w6 w7"], max_length=5)
    w = {f"w{i}": vectorizer.index[f"w{i}"] for i in range(1, 8)}
    texts = ["w1 w2 w3", "w1 w2 w3 w4", "w1 w2 w3 w4 w5", "w1 w2 w3 w4 w5 w6 w7"]
    ids = vectorizer.encode(texts)
    cut = [w["w1"], w["w2"], w["w3"], w["w4"], EOS_ID]
    np.testing.assert_array_equal(ids, [[w["w1"], w["w2"], w["w3"], EOS_ID, PAD_ID], cut, cut, cut])
    assert vectorizer.decode(ids) == ["w1 w2 w3", "w1 w2 w3 w4", "w1 w2 w3 w4", "w1 w2 w3 w4"]


def test_decode_drops_padding_and_bos_and_stops_at_the_first_eos():
    vectorizer = Vectorizer.build(["b a c a", "c a"], max_length=6)
    ids = np.array(
        [
            [BOS_ID, 4, 5, EOS_ID, 6, 4],  # words after [EOS] are ignored
            [4, PAD_ID, 6, UNK_ID, PAD_ID, PAD_ID],  # no [EOS]: up to the end, padding dropped
            [EOS_ID, 4, 5, 6, EOS_ID, 0],
        ]
    )
    assert vectorizer.decode(ids) == ["a c", "a b [UNK]", ""]
    assert vectorizer.decode([4, 6, EOS_ID]) == ["a b"]  # one row


def test_the_keras_layer_and_plain_python_tokenize_agree_on_the_lee_sentences(sentences):
    train = sentences[0]
    # a small vocabulary (many [UNK]) and a length that cuts the longest sentences
    vectorizer = Vectorizer.build(train[:200], max_vocab=300, max_length=25)
    ids = vectorizer.encode(train)
    expected = np.array([_python_ids(vectorizer, s) for s in train])
    assert (expected == UNK_ID).sum() > 1000 and (expected[:, -1] == EOS_ID).sum() > 100  # both cases occur
    np.testing.assert_array_equal(ids, expected)
    # with every word known, decode inverts encode up to the cleaning and the cut
    full = Vectorizer.build(train, max_vocab=100_000, max_length=40)
    assert full.decode(full.encode(train)) == [" ".join(tokenize(s)) for s in train]


def test_the_keras_layer_and_plain_python_tokenize_agree_on_non_ascii_text():
    texts = ["Éclair au café, ÉCOLE naïve", "a\u00a0b x\u2014y"]  # accented capitals, a no-break space, a dash
    vectorizer = Vectorizer.build(texts, max_length=8)
    np.testing.assert_array_equal(vectorizer.encode(texts), [_python_ids(vectorizer, t) for t in texts])


def test_json_round_trip_keeps_vocabulary_length_and_ids(sentences, tmp_path):
    train, test = sentences
    vectorizer = Vectorizer.build(train[:200], max_vocab=300, max_length=12)
    path = tmp_path / "vectorizer.json"
    vectorizer.save(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data == {"format": 1, "max_length": 12, "vocabulary": vectorizer.vocabulary}
    loaded = Vectorizer.load(path)
    assert loaded.vocabulary == vectorizer.vocabulary
    assert loaded.max_length == 12
    assert loaded.index == vectorizer.index
    np.testing.assert_array_equal(loaded.encode(test), vectorizer.encode(test))


def test_load_rejects_a_missing_file_non_json_and_json_without_the_format(tmp_path):
    missing = tmp_path / "nowhere.json"
    with pytest.raises(DataError, match=r"nowhere\.json: no such file\."):
        Vectorizer.load(missing)
    text = tmp_path / "notes.txt"
    text.write_text("vocabulary: a b c", encoding="utf-8")
    with pytest.raises(DataError, match=r"notes\.txt: is not a JSON file \("):
        Vectorizer.load(text)
    binary = tmp_path / "weights.bin"
    binary.write_bytes(b"\xff\xfe\x00\x81" * 8)
    with pytest.raises(DataError, match=r"weights\.bin: is not a JSON file"):
        Vectorizer.load(binary)
    for name, content in [
        ("no_format.json", {"vocabulary": list(SPECIALS), "max_length": 5}),
        ("future.json", {"format": 2, "vocabulary": list(SPECIALS), "max_length": 5}),
        ("list.json", [1, 2, 3]),
    ]:
        path = tmp_path / name
        path.write_text(json.dumps(content), encoding="utf-8")
        with pytest.raises(DataError) as info:
            Vectorizer.load(path)
        assert str(info.value).startswith(f"{path}: is not a vectorizer of format 1."), name


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ({"format": 1, "max_length": 5}, 'has no "vocabulary" list of words'),
        ({"format": 1, "max_length": 5, "vocabulary": "[PAD] [UNK]"}, 'has no "vocabulary" list of words'),
        ({"format": 1, "max_length": 5, "vocabulary": [*SPECIALS, 7]}, 'has no "vocabulary" list of words'),
        (
            {"format": 1, "max_length": "5", "vocabulary": list(SPECIALS)},
            "has no whole-number \"max_length\" (got '5')",
        ),
        ({"format": 1, "max_length": 1, "vocabulary": list(SPECIALS)}, "its max_length must be a whole number >= 2"),
        ({"format": 1, "max_length": 5, "vocabulary": ["a", *SPECIALS]}, "its vocabulary must start with"),
    ],
    ids=["no vocabulary", "vocabulary a string", "a word not a string", "max_length a string", "max_length 1", "order"],
)
def test_load_names_the_file_for_a_vectorizer_with_wrong_contents(tmp_path, content, problem):
    path = tmp_path / "vectorizer.json"
    path.write_text(json.dumps(content), encoding="utf-8")
    with pytest.raises(DataError) as info:
        Vectorizer.load(path)
    assert str(info.value).startswith(f"{path}: {problem}")


@pytest.mark.parametrize(
    ("texts", "kwargs", "message"),
    [
        ([], {}, r"^texts: is empty\. Pass a list"),
        (["...", "  ", "!!"], {}, r"^texts: all 3 texts are empty after cleaning \(no letters or digits\)\."),
        (["a b"], {"max_length": 0}, r"^max_length: must be a positive whole number, got 0\."),
        (["a b"], {"max_length": -3}, r"^max_length: must be a positive whole number, got -3\."),
        (["a b"], {"max_length": 1}, r"^max_length: must be a whole number >= 2, got 1\."),
        (["a b"], {"max_length": 7.5}, r"^max_length: must be a positive whole number, got 7\.5\."),
        (["a b"], {"max_vocab": 4}, r"^max_vocab: must be > 4 \(the special tokens\), got 4\."),
    ],
)
def test_build_rejects_bad_input_by_name(texts, kwargs, message):
    with pytest.raises(DataError, match=message):
        Vectorizer.build(texts, **kwargs)


def test_the_constructor_and_encode_reject_bad_input_by_name():
    with pytest.raises(DataError, match=r"^vocabulary: must start with \['\[PAD\]', '\[UNK\]', '\[BOS\]', '\[EOS\]'\]"):
        Vectorizer(["[UNK]", "[PAD]", "[BOS]", "[EOS]", "a"], 5)
    with pytest.raises(DataError, match=r"^vocabulary: has duplicate words\."):
        Vectorizer([*SPECIALS, "a", "b", "a"], 5)
    with pytest.raises(DataError, match=r"^texts: is empty\. Pass at least one string\."):
        Vectorizer([*SPECIALS, "a"], 5).encode([])


def test_build_counts_a_single_string_as_one_text():
    vectorizer = Vectorizer.build("to be or not to be", max_length=8)
    assert vectorizer.vocabulary[4:] == ["be", "to", "not", "or"]
    counts = Counter(tokenize("to be or not to be"))
    assert [counts[w] for w in vectorizer.vocabulary[4:]] == [2, 2, 1, 1]


OTHER_LANGUAGES = {
    "French": "Bonjour à tous, je suis très content de vous voir aujourd'hui. Nous allons parler de la cuisine "
    "française et des recettes de ma grand-mère, qui habitait dans un petit village près de Lyon.",
    "German": "Heute möchte ich euch zeigen, wie man einen guten Kuchen backt. Meine Großmutter hat mir dieses "
    "Rezept vor vielen Jahren gegeben, und es schmeckt immer noch wunderbar.",
    "Spanish": "Hoy quiero hablar de mi viaje a Madrid. La ciudad es muy bonita y la comida es excelente, sobre "
    "todo las tapas que probamos en el centro.",
    "Portuguese": "Hoje eu quero falar sobre a minha viagem a Lisboa. A cidade é muito bonita e a comida é excelente.",
}


@pytest.mark.parametrize("language", sorted(OTHER_LANGUAGES))
def test_a_text_in_another_language_gets_a_one_line_warning_with_its_share(language):
    text = OTHER_LANGUAGES[language]
    tokens = tokenize(text)
    share = sum(t in COMMON_ENGLISH for t in tokens) / len(tokens)  # counted here, apart from the module
    warning = language_warning(text, "post.txt")
    assert warning == (
        f"post.txt: only {share:.0%} of its {len(tokens)} words are common English words (English prose has "
        "20-50%); the model learnt English, so its variations of this text will be poor"
    )
    assert "\n" not in warning


def test_english_news_and_short_texts_get_no_language_warning():
    sentences = load_sample_sentences()[0]  # news
    windows = [" ".join(sentences[i : i + 3]) for i in range(0, 900, 3)]  # the size of a post's window
    assert [w for w in windows if language_warning(w)] == []
    assert language_warning("Storm damage closes roads across New South Wales") is None  # a headline: too short
    assert language_warning("Bonjour à tous, merci beaucoup") is None  # too short to judge
