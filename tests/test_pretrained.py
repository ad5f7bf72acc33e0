"""The sentence VAE shipped in the package: its files match the card, it loads in safe mode, and
it reproduces the card's held-out figure on the corpus' test split."""

import pytest

from vae_tutorial.text.corpus import load_general_sentences
from vae_tutorial.theory.estimates import negative_elbo
from vae_tutorial.text.subwords import corpus_ids
from vae_tutorial.text.blog import load_pretrained
from vae_tutorial.files import sha256
from vae_tutorial.text import card


@pytest.fixture(scope="module")
def shipped():
    return load_pretrained()


def test_the_shipped_files_match_their_sha256_and_fit_the_size_limit():
    shipped_card = card.read_card()
    assert sorted(shipped_card["files"]) == sorted(card.FILES)
    for name, entry in shipped_card["files"].items():
        assert sha256(card.MODEL / name) == entry["sha256"]
    assert sum(entry["bytes"] for entry in shipped_card["files"].values()) <= card.MAX_BYTES


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
