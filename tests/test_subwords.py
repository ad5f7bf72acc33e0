"""Byte-level BPE subwords: no [UNK] for any text, exact round trips, windows of posts that fit,
and a tokenizer folder that loads back identically or says which file is wrong."""

import json

import numpy as np
import pytest

from vae_tutorial.text.subwords import SubwordTokenizer
from vae_tutorial.text.tokens import EOS_ID, PAD_ID, SPECIALS, UNK_ID, split_sentences
from vae_tutorial.text.corpus import lee_articles
from vae_tutorial.errors import DataError


@pytest.fixture(scope="module")
def tokenizer():
    sentences = [s for article in lee_articles("background")[:150] for s in split_sentences(article)]
    return SubwordTokenizer.build(sentences, vocab_size=600, max_length=24)


def test_specials_keep_the_ids_of_the_word_level_vectorizer(tokenizer):
    assert [tokenizer.hf.token_to_id(token) for token in SPECIALS] == [0, 1, 2, 3]
    assert tokenizer.vocab_size == 600


@pytest.mark.parametrize(
    "text", ["Fire crews worked through the night.", "kubernetes sourdough Zyzzyva", "Ünïcödé and emoji \U0001f600!"]
)
def test_any_text_round_trips_without_unk(tokenizer, text):
    ids = SubwordTokenizer.build([text] * 3, vocab_size=300, max_length=64).encode(text)
    assert UNK_ID not in ids
    long = tokenizer.max_length - 1 >= tokenizer.length(text)[0]
    ids = tokenizer.encode(text)
    assert UNK_ID not in ids[0]
    if long:
        assert tokenizer.decode(ids) == [text]


def test_encode_ends_with_eos_then_padding_and_cuts_long_texts(tokenizer):
    ids = tokenizer.encode(["Short one.", "word " * 50])
    n = tokenizer.length("Short one.")[0]
    assert ids.shape == (2, 24) and ids.dtype == np.int32
    assert ids[0, n] == EOS_ID and (ids[0, n + 1 :] == PAD_ID).all() and (ids[0, :n] >= len(SPECIALS)).all()
    assert ids[1, -1] == EOS_ID and PAD_ID not in ids[1]


def test_windows_fit_and_keep_every_word_of_the_post(tokenizer):
    post = " ".join(lee_articles("test")[:2])
    windows = tokenizer.windows(post)
    assert max(tokenizer.length(windows)) <= tokenizer.max_length - 1
    assert " ".join(windows).split() == " ".join(post.split()).split()
    assert tokenizer.windows("") == [] and tokenizer.windows("   ") == []
    with pytest.raises(DataError, match="text: must be a string, got NoneType"):
        tokenizer.windows(None)


def test_save_and_load_give_the_same_ids(tokenizer, tmp_path):
    tokenizer.save(tmp_path / "tok")
    again = SubwordTokenizer.load(tmp_path / "tok")
    text = lee_articles("test")[0]
    assert (again.encode(split_sentences(text)) == tokenizer.encode(split_sentences(text))).all()
    assert again.max_length == tokenizer.max_length
    assert sorted(p.name for p in (tmp_path / "tok").iterdir()) == ["subwords.json", "tokenizer.json"]


def test_a_tokenizer_folder_missing_a_file_or_damaged_is_one_clear_error(tokenizer, tmp_path):
    folder = tokenizer.save(tmp_path / "tok")
    (folder / "subwords.json").unlink()
    with pytest.raises(DataError, match=r"tok: has no subwords.json\. Pass the folder written by"):
        SubwordTokenizer.load(folder)
    tokenizer.save(folder)
    (folder / "tokenizer.json").write_text("{not json")
    with pytest.raises(DataError, match="holds a damaged tokenizer"):
        SubwordTokenizer.load(folder)
    tokenizer.save(folder)
    (folder / "subwords.json").write_text(json.dumps({"format": 99, "max_length": 24}))
    with pytest.raises(DataError, match="is not a subword tokenizer of format 1"):
        SubwordTokenizer.load(folder)
