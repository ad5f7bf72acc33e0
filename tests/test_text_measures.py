"""Measures of generated text (vae_tutorial.theory.estimates) and the blind reading (vae_tutorial.text.blind_reading),
each against a hand computation."""

import json
import re

import numpy as np
import pytest

from vae_tutorial.text import blind_reading
from vae_tutorial.text import measures
from vae_tutorial.errors import DataError

# --- words and BLEU -------------------------------------------------------------------------------


def test_words_lower_cases_and_splits_off_punctuation():
    assert measures.words("Don't stop, U.N.! 42 fires") == ["don't", "stop", "u", "n", "42", "fires"]
    assert measures.words("'quoted' -- ") == ["quoted"]


def test_bleu4_of_a_copy_is_one_whatever_the_case_and_punctuation():
    references = ["The cat sat on the mat.", "A dog ran in the park today."]
    assert measures.bleu4(references, ["the cat sat on the mat", "a dog ran in the park today !"]) == 1.0


def test_bleu4_matches_the_hand_computation():
    references = ["The cat sat on the mat.", "A dog ran in the park today."]
    hypotheses = ["the cat sat on a mat", "A dog ran in the park!"]
    # clipped matches / hypothesis n-grams, pooled over both sentences (second one: all match)
    p1 = (5 + 6) / (6 + 6)  # "a" is not in the first reference
    p2 = (3 + 5) / (5 + 5)  # "on a", "a mat" miss
    p3 = (2 + 4) / (4 + 4)
    p4 = (1 + 3) / (3 + 3)  # only "the cat sat on" of the first
    brevity = np.exp(1 - (6 + 7) / (6 + 6))  # 12 hypothesis words against 13 reference words
    expected = brevity * np.exp(np.mean(np.log([p1, p2, p3, p4])))
    assert measures.bleu4(references, hypotheses) == pytest.approx(expected, abs=1e-9)


def test_bleu4_smooths_a_precision_with_no_match():
    # three words: no 4-gram at all, so p4 = 0 counts 0.1 matches (method1); p1 = p2 = p3 = 1, no brevity penalty
    assert measures.bleu4("the cat sat", "The cat sat.") == pytest.approx(0.1**0.25, abs=1e-12)


def test_bleu4_rejects_unpaired_or_non_text_input():
    with pytest.raises(DataError, match=r"references, hypotheses: have different lengths \(2 and 1\)"):
        measures.bleu4(["a b", "c d"], ["a b"])
    with pytest.raises(DataError, match=r"hypotheses\[1\]: is of type ndarray, not a string. Pass text"):
        measures.bleu4(["a b", "c d"], ["a b", np.array([4, 5])])
    with pytest.raises(DataError, match="references: is empty"):
        measures.bleu4([], [])


# --- token match ----------------------------------------------------------------------------------


def test_token_match_counts_real_positions_only():
    reference = np.array([[5, 6, 7, 0], [8, 9, 0, 0]])
    decoded = np.array([[5, 1, 7, 7], [8, 9, 3, 3]])  # what follows the padding does not count
    assert measures.token_match(reference, decoded) == pytest.approx(4 / 5)
    assert measures.token_match(reference + 1, decoded + 1, pad_id=1) == pytest.approx(4 / 5)


def test_token_match_rejects_other_shapes_and_all_padding():
    with pytest.raises(DataError, match=r"decoded_ids: has shape \(1, 3\), the references \(1, 4\)"):
        measures.token_match([[5, 6, 7, 0]], [[5, 6, 7]])
    with pytest.raises(DataError, match=r"reference_ids: has only padding \(0\)"):
        measures.token_match([[0, 0]], [[0, 0]])


# --- retrieval of the source ----------------------------------------------------------------------

SOURCES = [
    "Bush fires burned homes near Sydney as firefighters fought the flames.",
    "The cricket team won the test match in Adelaide with a late century.",
    "Voters in the election chose a new government after a long campaign.",
]


def test_source_retrieval_finds_obvious_sources():
    variations = [
        ["firefighters fought fires near homes", "the flames burned"],
        "a late century won the match",
        ["the new government won the election"],
    ]
    assert measures.source_retrieval(variations, SOURCES) == 1.0


def test_source_retrieval_counts_a_variation_closer_to_another_source_as_a_miss():
    variations = [["the cricket match burned"], ["the cricket team won"], ["voters chose fires fires fires"]]
    # "cricket match" outweighs "burned"; "fires" three times outweighs "voters" and "chose"
    assert measures.source_retrieval(variations, SOURCES) == pytest.approx(1 / 3)


def test_source_retrieval_gives_ties_to_the_earlier_source_and_misses_unweighted_variations():
    sources = [SOURCES[0], SOURCES[0], SOURCES[1]]
    # source 1's copy ties with source 0 and goes to it; "the" is in every source (idf 0), "zebra" in none
    variations = [["bush fires"], ["bush fires"], ["the the the", "zebra"]]
    assert measures.source_retrieval(variations, sources) == pytest.approx(1 / 4)
    assert measures.source_retrieval([["bush fires"], [], []], sources) == 1.0  # a source may have none


def test_source_retrieval_rejects_bad_groups():
    with pytest.raises(DataError, match=r"variations, sources: have different lengths \(2 and 3\)"):
        measures.source_retrieval(["a", "b"], SOURCES)
    with pytest.raises(DataError, match="variations: has no text"):
        measures.source_retrieval([[], [], []], SOURCES)
    with pytest.raises(DataError, match="sources: has one text"):
        measures.source_retrieval(["a"], SOURCES[:1])
    with pytest.raises(DataError, match=r"variations\[1\]: is of type int, not text"):
        measures.source_retrieval(["a", 3, "c"], SOURCES)


# --- copies, repeats, unknown words, novelty ------------------------------------------------------


def test_copies_counts_generated_texts_equal_to_a_training_sentence_by_words():
    generated = ["The cat sat.", "a dog ran", "the cat"]
    assert measures.copies(generated, ["the cat sat", "birds fly"]) == pytest.approx(1 / 3)


def test_repeated_ngram_share_pools_repeats_within_each_text():
    texts = ["The man and the man and the man.", "a b c", "x y"]
    # trigrams: 6 in the first text, the last 3 repeats; 1 in the second; none in the third
    assert measures.repeated_ngram_share(texts) == pytest.approx(3 / 7)
    # bigrams: the first has 7 ("the man" x3, "man and" x2, "and the" x2: 4 repeats), then 2 and 1
    assert measures.repeated_ngram_share(texts, n=2) == pytest.approx(4 / 10)
    # "a b" in two texts is no repeat: only repeats within a text count
    assert measures.repeated_ngram_share(["a b", "a b"], n=2) == 0.0
    assert measures.repeated_ngram_share([]) == 0.0
    with pytest.raises(DataError, match="n: must be a positive whole number, got 0"):
        measures.repeated_ngram_share(texts, n=0)


def test_unk_share_counts_exact_unk_tokens():
    texts = ["[UNK] went to [UNK]", "fine [unk] day [UNK]."]  # lower case or glued to a stop: not the token
    assert measures.unk_share(texts) == pytest.approx(2 / 8)
    assert measures.unk_share([]) == 0.0


def test_variation_novelty_by_hand():
    source = "The fire spread fast. Crews came."
    variations = ["the fire spread fast", "Crews came!", "The fire spread slowly.", "new words here", source]
    novelty = measures.variation_novelty(variations, source)
    assert novelty["equal_to_input"] == pytest.approx(3 / 5)  # a sentence, a sentence, the whole source
    assert novelty["new_word_share"] == pytest.approx((0 + 0 + 1 / 4 + 3 / 3 + 0) / 5)
    with pytest.raises(DataError, match="source: is of type list, not a string"):
        measures.variation_novelty(variations, [source])


# --- blind reading --------------------------------------------------------------------------------

GENERATED = {"samples": ["The fire, it spread!", "crews came to the town"], "variations": ["Voters—chose well."]}
HUMAN_WRITTEN = ["Don't go near the bush.", "The match ended in a draw."]
# the reader's fake verdicts, by normalised line: (fluency, human)
VERDICTS = {
    "the fire it spread": (2, "no"),
    "crews came to the town": (4, "yes"),
    "voters chose well": (2, "no"),
    "dont go near the bush": (5, "yes"),
    "the match ended in a draw": (3, "no"),
}


def test_normalise_strips_case_and_punctuation_alike():
    assert blind_reading.normalise("  Don't stop—now!  The U.S. south-west, “quoted”") == (
        "dont stop now the us southwest quoted"
    )


def test_rubric_is_the_one_of_the_guide():
    assert blind_reading.RUBRIC.startswith("Rate each numbered line of English text. All lines were lower-cased")
    assert blind_reading.RUBRIC.endswith('per line: {"n": <line number>, "fluency": <1-5>, "human": "yes"|"no"}.')


def _write(tmp_path, seed=0):
    items, key = tmp_path / "items.txt", tmp_path / "private" / "key.json"
    blind_reading.write_items(GENERATED, HUMAN_WRITTEN, items, key, seed=seed)
    return items, key


def test_write_items_shuffles_normalised_lines_with_the_seed(tmp_path):
    items, key = _write(tmp_path)
    lines = items.read_text(encoding="utf-8").splitlines()
    entries = list(VERDICTS)  # generated groups in order, then the real lines
    order = np.random.default_rng(0).permutation(len(entries))
    assert lines == [f"{n}. {entries[i]}" for n, i in enumerate(order, 1)]
    lines_of_key = json.loads(key.read_text(encoding="utf-8"))["lines"]
    assert lines_of_key["1"] == {
        "kind": "generated" if order[0] < 3 else "real",
        "group": ["samples", "samples", "variations", "real", "real"][order[0]],
        "index": [0, 1, 0, 0, 1][order[0]],
        "text": entries[order[0]],
    }
    # the items file holds numbered lines only: nothing of the key
    assert all(re.fullmatch(r"\d+\. [a-z ]+", line) for line in lines)
    assert not re.search("generated|real|samples|variations", items.read_text(encoding="utf-8"))


def test_write_items_is_deterministic_in_the_seed(tmp_path):
    first, _ = _write(tmp_path / "a")
    again, _ = _write(tmp_path / "b")
    other, _ = _write(tmp_path / "c", seed=1)
    assert first.read_text() == again.read_text()
    assert first.read_text() != other.read_text()
    assert sorted(first.read_text().splitlines()[i][3:] for i in range(5)) == sorted(VERDICTS)


def test_draw_lines_draws_sentences_with_the_seed_and_as_many_real_ones():
    generated = ["The fire spread. Crews came back.", "Rain fell on the town."]
    real = ["One. Two words.", "Three more words here."]
    lines, real_lines = blind_reading.draw_lines(generated, real, n=2, seed=3)
    rng = np.random.default_rng(3)  # the generated pool first, then the real one
    pool = ["The fire spread.", "Crews came back.", "Rain fell on the town."]
    assert lines == [pool[i] for i in rng.choice(3, size=2, replace=False)]
    assert real_lines == [["One.", "Two words.", "Three more words here."][i] for i in rng.choice(3, 2, replace=False)]
    # fewer sentences than asked: all of them, and never more real lines than generated ones
    lines, real_lines = blind_reading.draw_lines(["Only one."], real, n=30)
    assert lines == ["Only one."] and len(real_lines) == 1


def test_draw_lines_rejects_texts_without_sentences():
    with pytest.raises(DataError, match="generated: has no sentence with words"):
        blind_reading.draw_lines(["...", ""], ["A real one."])
    with pytest.raises(DataError, match="real: is of type str"):
        blind_reading.draw_lines(["A line."], "A real one.")


def test_score_of_fake_ratings_by_hand(tmp_path):
    items, key = _write(tmp_path)
    ratings = []
    for line in items.read_text(encoding="utf-8").splitlines():
        n, text = line.split(". ", 1)
        fluency, human = VERDICTS[text]
        ratings.append({"n": int(n), "fluency": fluency, "human": human})
    scores = blind_reading.score(ratings, key)
    assert scores["generated"] == {
        "n": 3,
        "mean_fluency": pytest.approx((2 + 4 + 2) / 3),
        "share_4_or_5": pytest.approx(1 / 3),
        "share_taken_for_human": pytest.approx(1 / 3),
    }
    assert scores["real"] == {"n": 2, "mean_fluency": 4.0, "share_4_or_5": 0.5, "share_taken_for_human": 0.5}
    assert scores["by_group"]["samples"] == {
        "n": 2,
        "mean_fluency": 3.0,
        "share_4_or_5": 0.5,
        "share_taken_for_human": 0.5,
    }
    assert scores["by_group"]["variations"]["mean_fluency"] == 2.0
    assert scores["by_group"]["real"] == scores["real"]
    path = tmp_path / "ratings.json"
    path.write_text(json.dumps(ratings), encoding="utf-8")
    assert blind_reading.score(path, key) == scores  # the reader's JSON file works alike
    plain_key = tmp_path / "plain.json"
    blind_reading.write_items(["a line"], ["b line"], tmp_path / "plain.txt", plain_key)
    plain = blind_reading.score(
        [{"n": 1, "fluency": 5, "human": "YES"}, {"n": 2, "fluency": 1, "human": "no"}], plain_key
    )
    assert set(plain["by_group"]) == {"generated", "real"}


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda r: r.append({"n": 6, "fluency": 3, "human": "no"}),
            r"ratings\[5\]: rates line 6, not a line of the items. Rate lines 1 to 5 only.",
        ),
        (lambda r: r.pop(2), r"ratings: has no rating of 1 lines \(3\). Rate every line"),
        (lambda r: r.append(dict(r[0])), r"ratings\[5\]: rates line 1 a second time"),
        (lambda r: r[0].update(fluency=6), r"ratings\[0\]: fluency of line 1 is 6. Give a whole number from 1 to 5."),
        (lambda r: r[0].update(fluency=0), r"ratings\[0\]: fluency of line 1 is 0"),
        (lambda r: r[0].update(fluency=3.5), r"ratings\[0\]: fluency of line 1 is 3.5"),
        (lambda r: r[1].update(human="maybe"), r"ratings\[1\]: human of line 2 is 'maybe'. Give \"yes\" or \"no\"."),
        (lambda r: r[1].pop("human"), r"ratings\[1\]: is \{'n': 2, 'fluency': 3\}"),
    ],
)
def test_score_rejects_bad_ratings(tmp_path, change, message):
    _, key = _write(tmp_path)
    ratings = [{"n": n, "fluency": 3, "human": "no"} for n in range(1, 6)]
    change(ratings)
    with pytest.raises(DataError, match=message):
        blind_reading.score(ratings, key)


def test_write_items_rejects_lines_without_words_and_a_shared_file(tmp_path):
    items = tmp_path / "items.txt"
    with pytest.raises(DataError, match=r"real\[1\]: '\?!' has no words. Leave out empty"):
        blind_reading.write_items(["a line"], ["a real line", "?!"], items, tmp_path / "key.json")
    with pytest.raises(DataError, match=r"generated\['samples'\]\[0\]: None has no words"):
        blind_reading.write_items({"samples": [None]}, ["a line"], items, tmp_path / "key.json")
    with pytest.raises(DataError, match="key_path: is the items file"):
        blind_reading.write_items(["a line"], ["b line"], items, items)
    with pytest.raises(DataError, match="generated: has groups"):
        blind_reading.write_items({"real": ["a line"]}, ["b line"], items, tmp_path / "key.json")
    assert not items.exists()


def test_score_rejects_a_missing_key_and_a_ratings_file_that_is_not_json(tmp_path):
    _, key = _write(tmp_path)
    with pytest.raises(DataError, match=r"key_path: '.*nope.json' does not exist"):
        blind_reading.score([], tmp_path / "nope.json")
    (tmp_path / "ratings.json").write_text("1. yes", encoding="utf-8")
    with pytest.raises(DataError, match=r"ratings: '.*ratings.json' is not JSON"):
        blind_reading.score(tmp_path / "ratings.json", key)
