"""Steering variations toward a topic: topic sentences, topic codes, steered codes, the CLI."""

import json
import warnings

import numpy as np
import pytest

from vae_tutorial import cli
from vae_tutorial.text import generate
from vae_tutorial.text.posts import load_blog_folder, write_sample_blog_folder
from vae_tutorial.errors import DataError, DataWarning
from vae_tutorial.text.steering import MIN_SENTENCES, check_topics, topic_code, topic_sentences, topic_words
from vae_tutorial.text.kinds import BLOG_VAE

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
    plain = generate.variation_codes(model, vectorizer, text, n=4, scale=1.0, seed=2)
    for strength in (0.0, 0.25, 1.0):
        steered = generate.variation_codes(
            model, vectorizer, text, n=4, scale=1.0, seed=2, toward=toward, strength=strength
        )
        np.testing.assert_allclose(steered, plain + strength * (toward - plain), rtol=1e-6, atol=1e-6)
    with pytest.raises(DataError, match=r"^strength: must be a number in \[0, 1\], got 1\.5\."):
        generate.variation_codes(model, vectorizer, text, toward=toward, strength=1.5)
    with pytest.raises(DataError, match=r"^toward: expected shape \(n, 4\) with n >= 1, got \(1, 3\)\."):
        generate.variation_codes(model, vectorizer, text, toward=[1.0, 2.0, 3.0], strength=0.5)


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


# --- topics saved with a model -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("topics", "message"),
    [
        ({}, r"^topics: must be a non-empty mapping of names to keywords\."),
        (["fire"], r"^topics: must be a non-empty mapping of names to keywords\."),
        ({"": "fire"}, r"^topics: has a topic named ''\."),
        ({"fires": ""}, r"^topics: 'fires': has no keywords\."),
        ({"fires": "fire, blaze", "odd": "kubernetes"}, r"^topics: 'odd': 'kubernetes' occurs in none of the 9 "),
        ({"fires": "fire"}, r"^topics: 'fires': is mentioned by only 4 sentences \(at least 5"),
    ],
)
def test_topics_are_checked_before_training(topics, message):
    with pytest.raises(DataError, match=message):
        check_topics(topics, SENTENCES)


@pytest.fixture(scope="module")
def with_topics(tmp_path_factory):
    folder = write_sample_blog_folder(tmp_path_factory.mktemp("blog") / "posts", "blog")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        posts = load_blog_folder(folder)[:8]
    out = tmp_path_factory.mktemp("topics") / "model"
    topics = {"cricket": "cricket, wickets", "fires": ["bushfire", "fire"]}
    return out, BLOG_VAE.train_into(out, posts, epochs=1, iwae_k=2, verbose=0, topics=topics)


def test_a_model_trained_with_topics_saves_their_codes_and_loads_them_back(with_topics):
    out, blog = with_topics
    assert blog.topics == {"cricket": ["cricket", "wickets"], "fires": ["bushfire", "fire"]}
    saved = json.loads((out / "topics.json").read_text())
    for name, words in blog.topics.items():
        assert saved[name]["keywords"] == words
        expected = topic_code(blog.model, blog.vectorizer, words)  # recomputed: the general corpus' sentences
        np.testing.assert_allclose(saved[name]["code"], expected, rtol=1e-5, atol=1e-6)
    loaded = BLOG_VAE.load(out)
    assert loaded.topics == blog.topics
    text = "Fire crews worked through the night to protect homes."
    steered = loaded.variations(text, n=2, seed=1, topic=loaded.topics["cricket"])
    assert steered == blog.variations(text, n=2, seed=1, topic=blog.topics["cricket"])
    assert steered != loaded.variations(text, n=2, seed=1)


def test_the_cli_steers_by_topic_name_and_names_the_topics_it_has(with_topics, capsys):
    out, _ = with_topics
    text = "Fire crews worked through the night to protect homes."
    assert cli.main(["variations", "--model", str(out), "--text", text, "-n", "1", "--topic-name", "cricket"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1
    assert cli.main(["variations", "--model", str(out), "--text", text, "--topic-name", "golf"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--topic-name: 'golf' is not one of the model's topics ('cricket', 'fires')" in err
    assert cli.main(["variations", "--text", text, "--topic-name", "cricket"]) == 2
    assert "--topic-name: the model at the package was trained without topics" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ('{"cricket": "crickett"}', "'cricket': 'crickett' (did you mean 'cricket'"),
        ("[1, 2", "is not JSON"),
        ("[]", "must be a non-empty mapping of names to keywords"),
    ],
)
def test_train_text_refuses_bad_topics_in_one_line_before_training(tmp_path, capsys, content, says):
    folder = write_sample_blog_folder(tmp_path / "blog", "blog")
    (tmp_path / "topics.json").write_text(content)
    topics = str(tmp_path / "topics.json")
    code = cli.main(["train-text", "--folder", str(folder), "--out", str(tmp_path / "m"), "--topics", topics])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and says in err and "--topics" in err
    assert not (tmp_path / "m").exists()
