"""The sentence VAE shipped in the package: its files match the card, it loads in safe mode, and
it reproduces the card's held-out figure on the corpus' test split."""

import json
import shutil

import pytest

from vae_tutorial.text.corpus import load_general_sentences
from vae_tutorial.theory.estimates import negative_elbo
from vae_tutorial.text.subwords import corpus_ids
from vae_tutorial.text.blog import load_pretrained
from vae_tutorial.files import sha256
from vae_tutorial.text import card
from vae_tutorial.errors import DataError


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


def test_the_shipped_blind_reading_is_of_the_items_the_reader_saw_and_scores_as_counted_by_hand():
    folder = card.MODEL / card.READING
    key = json.loads((folder / "key.json").read_text())["lines"]
    items = (folder / "items.txt").read_text().splitlines()
    assert items == [f"{n}. {key[str(n)]['text']}" for n in range(1, len(items) + 1)]
    ratings = {r["n"]: r for r in json.loads((folder / "ratings.json").read_text())}
    assert sorted(ratings) == list(range(1, len(items) + 1))
    figures = card.read_blind_reading()
    for group in ("reconstructions", "variations", "real"):
        rated = [ratings[int(n)] for n, entry in key.items() if entry["group"] == group]
        assert len(rated) == 30
        assert figures["by_group"][group]["share_4_or_5"] == pytest.approx(sum(r["fluency"] >= 4 for r in rated) / 30)
        assert figures["by_group"][group]["mean_fluency"] == pytest.approx(sum(r["fluency"] for r in rated) / 30)
    assert figures["real"]["share_4_or_5"] >= 0.9  # the yardstick: the reader read real lines as real


def test_a_blind_reading_of_another_model_or_none_is_refused(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(card.MODEL, folder)
    about = folder / card.READING / "reading.json"
    stale = json.loads(about.read_text()) | {"model_sha256": "0" * 64}
    about.write_text(json.dumps(stale))
    with pytest.raises(DataError, match="is the reading of another model than model.keras"):
        card.read_blind_reading(folder)
    about.unlink()
    with pytest.raises(DataError, match="is missing: this model has no blind reading.*pretrained_reading.py"):
        card.read_blind_reading(folder)
