"""The sentence VAE shipped in the package: its files match the card, it loads in safe mode, and
it reproduces the card's held-out figure on the corpus' test split."""

import pytest

from vae_tutorial.text import pretrained
from vae_tutorial.text.corpus import load_general_sentences
from vae_tutorial.theory.estimates import negative_elbo
from vae_tutorial.text.pretrain import corpus_ids


@pytest.fixture(scope="module")
def shipped():
    return pretrained.load_pretrained()


def test_the_shipped_files_match_their_sha256_and_fit_the_size_limit():
    card = pretrained.read_card()
    assert sorted(card["files"]) == sorted(pretrained.FILES)
    for name, entry in card["files"].items():
        assert pretrained.sha256(pretrained.MODEL / name) == entry["sha256"]
    assert sum(entry["bytes"] for entry in card["files"].values()) <= pretrained.MAX_BYTES


def test_the_shipped_model_reproduces_its_card_on_the_test_split(shipped):
    test_ids, kept = corpus_ids(shipped.vectorizer, load_general_sentences().test)
    assert len(kept) == shipped.config["data"]["sentences"]["test"]
    again = negative_elbo(shipped.model, test_ids, n_samples=1, seed=0)["neg_elbo"]
    assert again == pytest.approx(shipped.config["held_out"]["neg_elbo"], abs=0.5)


def test_the_card_says_what_a_user_needs(shipped):
    card = shipped.config
    for key in ("data", "recipe", "training", "versions", "held_out", "files", "built_by"):
        assert key in card, key
    assert card["training"]["seconds"] > 0 and "CPUs" in card["training"]["machine"]
    assert card["held_out"]["mutual_information"] > 0
