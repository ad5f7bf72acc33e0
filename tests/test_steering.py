"""Steering variations toward a topic: topic sentences, topic codes, steered codes, the CLI."""

import numpy as np
import pytest

from vae_tutorial import cli, generation
from vae_tutorial.errors import DataError
from vae_tutorial.steering import MIN_SENTENCES, topic_code, topic_sentences, topic_words

SENTENCES = [
    "The fire spread overnight.",
    "Fires burn near the town.",
    "A fired worker left.",  # "fired": an inflection of "fire" (the same Porter stem)
    "Firefighters worked all night.",  # a compound: not "fire"
    "The blaze was contained.",
    "Two blazes are burning.",
    "The wicket fell early.",
    "Rain stopped play.",
    "Fire crews are tired.",
]


def test_topic_words_and_sentences_by_stem():
    assert topic_words("Fire, blaze fire") == ["fire", "blaze"]
    assert topic_sentences("fire, blaze", SENTENCES) == [SENTENCES[i] for i in (0, 1, 2, 4, 5, 8)]
    assert topic_sentences(["wickets"], SENTENCES) == [SENTENCES[6]]


def test_a_topic_code_is_the_mean_posterior_mean_of_its_sentences(tiny_text_vae, tiny_sentences):
    model, vectorizer = tiny_text_vae, tiny_sentences.vectorizer
    chosen = [SENTENCES[i] for i in (0, 1, 2, 4, 5, 8)]
    expected = model.encode(vectorizer.encode(chosen))[0].mean(axis=0)
    np.testing.assert_allclose(topic_code(model, vectorizer, "fire, blaze", SENTENCES), expected, rtol=1e-5)
    first = model.encode(vectorizer.encode(chosen[:5]))[0].mean(axis=0)
    np.testing.assert_allclose(topic_code(model, vectorizer, "fire blaze", SENTENCES, limit=5), first, rtol=1e-5)


@pytest.mark.parametrize(
    ("topic", "message"),
    [
        ("", r"^topic: has no keywords\. Pass keywords separated by commas"),
        (" , ;", r"^topic: has no keywords\."),
        ("fire, wickit", r"^topic: 'wickit' \(did you mean 'wicket'\?\) occurs in none of the 9 sentences that define"),
        ("kubernetes", r"^topic: 'kubernetes' occurs in none of the 9 sentences that define topics\. Use words of"),
        ("wicket", rf"^topic: is mentioned by only 1 sentences \(at least {MIN_SENTENCES} make a topic's code\)\."),
    ],
)
def test_a_topic_that_cannot_make_a_code_is_a_data_error(tiny_text_vae, tiny_sentences, topic, message):
    with pytest.raises(DataError, match=message):
        topic_code(tiny_text_vae, tiny_sentences.vectorizer, topic, SENTENCES)


def test_steered_codes_move_a_share_of_the_way_to_the_topic(tiny_text_vae, tiny_sentences):
    model, vectorizer = tiny_text_vae, tiny_sentences.vectorizer
    text, toward = tiny_sentences.texts[0], np.full(model.latent_dim, 3.0, np.float32)
    plain = generation.variation_codes(model, vectorizer, text, n=4, scale=1.0, seed=2)
    for strength in (0.0, 0.25, 1.0):
        steered = generation.variation_codes(
            model, vectorizer, text, n=4, scale=1.0, seed=2, toward=toward, strength=strength
        )
        np.testing.assert_allclose(steered, plain + strength * (toward - plain), rtol=1e-6, atol=1e-6)
    with pytest.raises(DataError, match=r"^strength: must be a number in \[0, 1\], got 1\.5\."):
        generation.variation_codes(model, vectorizer, text, toward=toward, strength=1.5)
    with pytest.raises(DataError, match=r"^toward: expected shape \(n, 4\) with n >= 1, got \(1, 3\)\."):
        generation.variation_codes(model, vectorizer, text, toward=[1.0, 2.0, 3.0], strength=0.5)


def test_the_cli_steers_the_shipped_model_and_refuses_unknown_keywords_in_one_line(capsys):
    text = "Fire crews worked through the night to protect homes."
    code = cli.main(["variations", "--text", text, "-n", "2", "--topic", "cricket, wicket", "--strength", "0.8"])
    out = capsys.readouterr().out
    assert code == 0 and len(out.splitlines()) == 2
    code = cli.main(["variations", "--text", text, "--topic", "crickett"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "--topic: 'crickett' (did you mean 'cricket'" in err
    code = cli.main(["variations", "--text", text, "--topic", ", "])
    assert code == 2 and "--topic: has no keywords" in capsys.readouterr().err
