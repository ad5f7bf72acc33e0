"""`pretrain` and packing: a small pretraining run writes its model directory, packs into a folder
with a model card whose sha256 are checked on load, and a damaged file is one clear error."""

import json
import shutil

import numpy as np
import pytest

from vae_tutorial.text.corpus import load_general_sentences
from vae_tutorial.errors import DataError
from vae_tutorial.theory.estimates import negative_elbo
from vae_tutorial.training import directory
from vae_tutorial.text.subwords import corpus_ids
from vae_tutorial.text.pack import pack
from vae_tutorial.text.kinds import SENTENCE_VAE
from vae_tutorial.text.blog import load_pretrained
from vae_tutorial.files import sha256
from vae_tutorial.text import card

TINY = {"epochs": 1, "vocab_size": 300, "max_length": 20, "embed_dim": 8, "encoder_units": 8, "decoder_units": 16}


@pytest.fixture(scope="module")
def packed(tmp_path_factory):
    root = tmp_path_factory.mktemp("pretrain")
    SENTENCE_VAE.train_into(root / "run", latent_dim=4, iwae_k=2, verbose=0, **TINY)
    written = pack(root / "run", root / "packed")
    return root, written


def test_a_pretraining_run_writes_a_finished_model_directory(packed):
    root, _ = packed
    config, metrics, history = directory.read(root / "run", SENTENCE_VAE)
    sizes = config["data"]["sentences"]
    corpus = load_general_sentences()
    assert 0 < sizes["train"] <= len(corpus.train) and 0 < sizes["test"] <= len(corpus.test)
    assert config["recipe"]["max_length"] == 20 and config["data"]["vocabulary"] == 300
    assert "CPUs" in config["training"]["machine"] and len(history["epoch"]) == 1
    assert metrics["neg_elbo"] == pytest.approx(metrics["reconstruction"] + metrics["kl"])
    assert metrics["test_sentences"] == sizes["test"]


def test_packing_records_each_file_and_loading_reproduces_the_held_out_figure(packed):
    root, written = packed
    assert sorted(written["files"]) == sorted(card.FILES)
    for name, entry in written["files"].items():
        assert entry["sha256"] == sha256(root / "packed" / name)
    loaded = load_pretrained(root / "packed")
    test_ids, _ = corpus_ids(loaded.vectorizer, load_general_sentences().test)
    again = negative_elbo(loaded.model, test_ids, n_samples=1, seed=0)["neg_elbo"]
    assert again == pytest.approx(written["held_out"]["neg_elbo"], abs=0.5)
    assert loaded.model.kl_weight.numpy() == 1.0


def test_a_damaged_or_missing_packed_file_is_named_with_what_to_do(packed, tmp_path):
    root, _ = packed
    copy = shutil.copytree(root / "packed", tmp_path / "copy")
    data = bytearray((copy / "model.keras").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (copy / "model.keras").write_bytes(bytes(data))
    with pytest.raises(DataError, match=r"model\.keras: does not match the sha256 in card\.json.*Reinstall"):
        load_pretrained(copy)
    shutil.copyfile(root / "packed" / "model.keras", copy / "model.keras")
    (copy / "tokenizer" / "subwords.json").unlink()
    with pytest.raises(DataError, match=r"subwords\.json: is missing\. Reinstall vae-tutorial"):
        card.read_card(copy)


def test_pack_refuses_an_unfinished_directory(tmp_path):
    (tmp_path / "run").mkdir()
    with pytest.raises(DataError, match="not a complete model directory"):
        pack(tmp_path / "run", tmp_path / "packed")
    assert not (tmp_path / "packed").exists()


def test_the_tiny_model_decodes_pieces_back_to_text(packed):
    root, _ = packed
    loaded = load_pretrained(root / "packed")
    ids = loaded.vectorizer.encode(["The fire crews worked through the night."])
    z_mean, _ = loaded.model.encode(ids)
    assert z_mean.shape == (1, 4) and np.isfinite(z_mean).all()
    assert json.loads((root / "packed" / "card.json").read_text())["recipe"]["latent_dim"] == 4
