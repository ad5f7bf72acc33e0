"""Fine-tuning the shipped sentence VAE on posts: the default of train_blog_vae and train-text.
The directory records where it started; errors are one line, before any training."""

import json
import warnings

import pytest

from vae_tutorial import cli
from vae_tutorial.text.posts import Post, load_blog_folder, write_sample_blog_folder
from vae_tutorial.errors import DataError, DataWarning
from vae_tutorial.text.measures import unk_share
from vae_tutorial.training import directory
from vae_tutorial.text.decoding import Decoding
from vae_tutorial.text.kinds import BLOG_VAE
from vae_tutorial.text.blog import load_pretrained


@pytest.fixture(scope="module")
def posts(tmp_path_factory):
    folder = write_sample_blog_folder(tmp_path_factory.mktemp("blog") / "posts", "blog")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return load_blog_folder(folder)[:8]


@pytest.fixture(scope="module")
def tuned(posts, tmp_path_factory):
    out = tmp_path_factory.mktemp("tuned") / "model"
    return out, BLOG_VAE.train_into(out, posts, epochs=1, iwae_k=2, verbose=0, seed=1)


def test_fine_tuning_starts_from_the_shipped_model_and_says_so(tuned):
    out, blog = tuned
    shipped = load_pretrained()
    config = json.loads((out / "config.json").read_text())
    assert config["training"]["init"] == "pretrained"
    assert config["data"]["source"].endswith("posts")  # where the posts were read from, not "a list of posts"
    assert config["training"]["pretrained_sha256"] == shipped.config["files"]["model.keras"]["sha256"]
    for field in ("latent_dim", "decoder_units", "embed_dim", "max_length", "vocab_size"):
        assert config["recipe"][field] == shipped.config["recipe"][field], field
    assert sorted(directory.files(BLOG_VAE, out)) == sorted(
        [*directory.COMMON_FILES, "tokenizer/tokenizer.json", "tokenizer/subwords.json"]
    )
    assert all((out / name).is_file() for name in directory.files(BLOG_VAE, out))
    # one epoch moved the weights away from the shipped ones
    moved = [abs(a - b).max() for a, b in zip(blog.model.get_weights(), shipped.model.get_weights(), strict=True)]
    assert max(moved) > 0


def test_a_fine_tuned_directory_loads_back_and_varies_a_post_the_same_way(tuned, posts):
    out, blog = tuned
    loaded = BLOG_VAE.load(out)
    text = posts[0].text
    assert loaded.variations(text, n=2, seed=4) == blog.variations(text, n=2, seed=4)
    lines = loaded.variations(text, n=3, closeness=0.0, seed=0)
    assert len(lines) == 3 and unk_share(lines) == 0 and all("[UNK]" not in line for line in lines)
    window = loaded.windows(text)[0]
    assert loaded.vectorizer.decode(loaded.vectorizer.encode(window)) == [window]


def test_closeness_one_gives_the_same_text_every_time(tuned, posts):
    _, blog = tuned
    lines = blog.variations(posts[1].text, n=3, closeness=1.0, seed=0)
    assert lines[0] == lines[1] == lines[2]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"init": "bogus"}, r"init: is neither one of \('pretrained', 'scratch'\) nor an existing folder"),
        ({"latent_dim": 8}, r"latent_dim: is 8, but the pretrained model has 32 .* init=\"scratch\""),
        ({"epochs": 0}, r"epochs: "),
    ],
)
def test_bad_fine_tuning_arguments_are_refused_before_training(posts, tmp_path, kwargs, match):
    with pytest.raises(DataError, match=match):
        BLOG_VAE.train_into(tmp_path / "m", posts, verbose=0, **kwargs)
    assert not (tmp_path / "m").exists()


def test_a_word_level_model_directory_cannot_be_fine_tuned(posts, tmp_path):
    sizes = {"max_length": 12, "vocab_size": 60, "embed_dim": 8, "encoder_units": 8, "decoder_units": 8}
    BLOG_VAE.train_into(tmp_path / "word", posts, init="scratch", epochs=1, iwae_k=2, verbose=0, latent_dim=2, **sizes)
    with pytest.raises(
        DataError, match=r"word: is a word-level text model \(vectorizer.json, written by vae_tutorial "
    ):
        BLOG_VAE.train_into(tmp_path / "m", posts, init=tmp_path / "word", verbose=0)
    assert not (tmp_path / "m").exists()


def test_posts_without_words_are_refused(tmp_path):
    posts = [Post("a", "<p></p>", "a.txt"), Post("b", "<br/>", "b.txt")]
    with pytest.raises(DataError, match="posts: give no words to train or validate on"):
        BLOG_VAE.train_into(tmp_path / "m", posts, verbose=0)


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (
            ["--init", "bogus"],
            "--init: is neither one of ('pretrained', 'scratch') nor an existing folder: 'bogus'. "
            "Use --init pretrained.",
        ),
        (["--latent-dim", "4"], "--latent-dim: sets the architecture, which fine-tuning takes from the pretrained"),
    ],
)
def test_train_text_refuses_in_one_line(posts, tmp_path, capsys, argv, says):
    folder = write_sample_blog_folder(tmp_path / "blog", "blog")
    code = cli.main(["train-text", "--folder", str(folder), "--out", str(tmp_path / "m"), *argv])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and says in err
    assert not (tmp_path / "m").exists()


def test_variations_of_punctuation_only_are_refused(tuned, capsys):
    out, blog = tuned
    with pytest.raises(DataError, match="text: has no words"):
        blog.variations(" ?! ... ")
    code = cli.main(["variations", "--model", str(out), "--text", "?! ..."])
    assert code == 2 and "--text: has no words" in capsys.readouterr().err


def test_variations_without_a_model_use_the_shipped_one(capsys):
    code = cli.main(["variations", "--text", "Fire crews worked through the night to protect homes.", "-n", "3"])
    out = capsys.readouterr().out
    assert code == 0 and len(out.splitlines()) == 3 and "[UNK]" not in out


@pytest.mark.parametrize(
    ("flags", "decoding"),
    [
        ([], Decoding.at_closeness(0.5)),
        (["--closeness", "0.1"], Decoding.at_closeness(0.1)),
        (["--method", "top-p", "--top-p", "0.6"], Decoding.at_closeness(0.5).replace(method="top_p", top_p=0.6)),
        (
            ["--method", "top-k", "--top-k", "3", "--temperature", "0.7"],
            Decoding.at_closeness(0.5).replace(method="top_k", k=3, temperature=0.7),
        ),  # fmt: skip
        (
            ["--method", "beam", "--beam-width", "2", "--scale", "0.3"],
            Decoding.at_closeness(0.5).replace(beam_width=2, scale=0.3),
        ),  # fmt: skip
        (["--closeness", "0", "--temperature", "0"], Decoding.at_closeness(0.0).replace(method="greedy")),
    ],
    ids=["default", "closeness", "top-p", "top-k", "beam", "temperature 0 is greedy"],
)
def test_the_decoding_flags_reach_the_decoder_whole(flags, decoding, capsys):
    # the command's words are those of the Python API given the same Decoding: every flag gets through
    text = "Fire crews worked through the night to protect homes."
    code = cli.main(["variations", "--text", text, "-n", "2", "--seed", "3", *flags])
    assert code == 0, capsys.readouterr().err
    expected = load_pretrained().variations(text, n=2, decoding=decoding, seed=3)
    assert capsys.readouterr().out.splitlines() == expected


def test_an_unknown_method_is_a_usage_error_listing_the_methods(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["variations", "--text", "A sentence.", "--method", "nucleus"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("vae-tutorial: error: argument --method: invalid choice: 'nucleus' (choose from") and (
        len(err.splitlines()) == 1 and all(name in err for name in ("greedy", "sample", "top-k", "top-p", "beam"))
    )
