"""Recipes (vae_tutorial.training.recipes): frozen values whose unknown fields and bad values are a DataError
naming them, before anything trains; and the trainers that take their fields as keywords."""

import dataclasses
import math

import numpy as np
import pytest

from vae_tutorial.errors import DataError
from vae_tutorial.images.recipes import IMAGE_RECIPES, ImageRecipe
from vae_tutorial.text.recipes import BLOG_RECIPE, TEXT_RECIPES, BlogRecipe, TextRecipe
from vae_tutorial.training.recipes import Recipe, get_recipe
from vae_tutorial.text.kinds import BLOG_VAE
from vae_tutorial.images.kinds import IMAGE_VAE

TEXT_FIELDS = "epochs, batch_size, learning_rate, weight_decay, anneal_fraction, "


def test_the_tables_hold_recipe_objects_under_their_new_names():
    assert set(IMAGE_RECIPES) == {"reference", "default"}
    assert set(TEXT_RECIPES) == {"repeat", "collapse", "cured"}
    assert all(isinstance(r, ImageRecipe) for r in IMAGE_RECIPES.values())
    assert all(isinstance(r, TextRecipe) for r in TEXT_RECIPES.values())
    assert IMAGE_RECIPES["reference"].architecture == "keras_io" and IMAGE_RECIPES["default"].architecture == "default"
    assert TEXT_RECIPES["repeat"].decoder == "repeat"
    assert isinstance(BLOG_RECIPE, BlogRecipe) and isinstance(BLOG_RECIPE, TextRecipe)


def test_replace_gives_a_new_recipe_and_leaves_the_table_alone():
    cured = TEXT_RECIPES["cured"]
    changed = cured.replace(epochs=3, word_dropout=0.2)
    assert (changed.epochs, changed.word_dropout) == (3, 0.2)
    assert (cured.epochs, cured.word_dropout) == (10, 0.4)
    assert changed.free_bits == cured.free_bits and type(changed) is TextRecipe
    with pytest.raises(dataclasses.FrozenInstanceError):
        cured.epochs = 3


def test_model_kwargs_are_the_model_fields_and_to_dict_every_field():
    kwargs = BLOG_RECIPE.model_kwargs()
    assert kwargs == {
        "latent_dim": 32,
        "embed_dim": 64,
        "encoder": "lstm",
        "decoder": "autoregressive",
        "cell": "lstm",
        "encoder_units": 128,
        "decoder_units": 256,
        "word_dropout": 0.4,
        "free_bits": 0.3,
    }
    everything = BLOG_RECIPE.to_dict()
    assert set(kwargs) < set(everything) and {"max_length", "vocab_size", "patience", "epochs"} <= set(everything)
    assert ImageRecipe().model_kwargs() == {
        "latent_dim": 2,
        "architecture": "default",
        "loss_style": "logits",
        "beta": 1.0,
        "binarize": False,
    }


# --- unknown fields -------------------------------------------------------------------------


def test_an_unknown_field_is_a_data_error_listing_the_known_ones():
    with pytest.raises(DataError) as info:
        TEXT_RECIPES["cured"].replace(nope=1)
    message = str(info.value)
    assert message.startswith("nope: not a setting of a TextRecipe. Use any of " + TEXT_FIELDS), message
    assert message.endswith("word_dropout, free_bits."), message
    with pytest.raises(DataError, match=r"^lr, optimizer: not a setting of a Recipe\. Use any of epochs, "):
        Recipe().replace(optimizer="sgd", lr=0.1)
    with pytest.raises(DataError, match=r"^max_length: not a setting of a TextRecipe\."):
        TEXT_RECIPES["cured"].replace(max_length=20)  # a BlogRecipe's field, not a TextRecipe's


def test_an_unknown_recipe_name_or_kind_is_a_data_error_naming_the_known_ones():
    assert get_recipe("cured", TEXT_RECIPES, TextRecipe) is TEXT_RECIPES["cured"]
    mine = TextRecipe(epochs=1)
    assert get_recipe(mine, TEXT_RECIPES, TextRecipe) is mine
    with pytest.raises(
        DataError, match=r"^recipe: expected a TextRecipe or one of repeat, collapse, cured, got 'seed_"
    ):
        get_recipe("seed_repeat", TEXT_RECIPES, TextRecipe)  # the old name
    with pytest.raises(DataError, match=r"^recipe: expected a TextRecipe or one of .*, got ImageRecipe\("):
        get_recipe(ImageRecipe(), TEXT_RECIPES, TextRecipe)


# --- bad values -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"epochs": 0}, r"^epochs: must be a positive whole number, got 0\."),
        ({"epochs": 2.5}, r"^epochs: must be a positive whole number, got 2\.5\."),
        ({"epochs": True}, r"^epochs: must be a positive whole number, got True\."),
        ({"batch_size": -1}, r"^batch_size: must be a positive whole number, got -1\."),
        ({"epochs": -2}, r"^epochs: must be a positive whole number, got -2\."),
        ({"epochs": 10**6}, r"^epochs: must be at most 10000 \(the cap\), got 1000000\."),
        ({"batch_size": 0}, r"^batch_size: must be a positive whole number, got 0\."),
        ({"learning_rate": math.nan}, r"^learning_rate: must be a number in \(0, 1\], got nan\."),
        ({"learning_rate": math.inf}, r"^learning_rate: must be a number in \(0, 1\], got inf\."),
        ({"learning_rate": 0}, r"^learning_rate: must be a number in \(0, 1\], got 0\."),
        ({"learning_rate": -1e-3}, r"^learning_rate: must be a number in \(0, 1\], got -0\.001\."),
        ({"learning_rate": "1e-3"}, r"^learning_rate: must be a number in \(0, 1\], got '1e-3'\."),
        ({"anneal_fraction": math.nan}, r"^anneal_fraction: must be a number in \[0, 1\], got nan\."),
        ({"weight_decay": -0.1}, r"^weight_decay: must be a number in \[0, 1\], got -0\.1\."),
    ],
)
@pytest.mark.parametrize(
    "recipe",
    [Recipe(), IMAGE_RECIPES["default"], TEXT_RECIPES["cured"], BLOG_RECIPE],
    ids=["Recipe", "ImageRecipe", "TextRecipe", "BlogRecipe"],
)
def test_a_bad_value_is_a_data_error_naming_the_field(recipe, changes, message):
    with pytest.raises(DataError, match=message):
        recipe.replace(**changes)


@pytest.mark.parametrize(
    ("recipe", "changes", "message"),
    [
        (IMAGE_RECIPES["default"], {"latent_dim": 100_000_000}, r"^latent_dim: must be at most 1024 \(the cap\)"),
        (IMAGE_RECIPES["default"], {"latent_dim": 0}, r"^latent_dim: must be a positive whole number, got 0\."),
        (IMAGE_RECIPES["default"], {"architecture": "resnet"}, r"^architecture: unknown name 'resnet'\. Use one"),
        (IMAGE_RECIPES["default"], {"loss_style": None}, r"^loss_style: unknown name None\."),
        (IMAGE_RECIPES["default"], {"binarize": "yes"}, r"^binarize: must be True or False, got 'yes'\. Use binarize="),
        (IMAGE_RECIPES["default"], {"binarize": None}, r"^binarize: must be True or False, got None\."),
        (TEXT_RECIPES["cured"], {"encoder": "gru"}, r"^encoder: unknown name 'gru'\. Use one of \('bigru', 'lstm'\)"),
        (TEXT_RECIPES["cured"], {"decoder": "lstm"}, r"^decoder: unknown name 'lstm'\."),
        (TEXT_RECIPES["cured"], {"cell": "rnn"}, r"^cell: unknown name 'rnn'\."),
        (TEXT_RECIPES["cured"], {"word_dropout": 1.0}, r"^word_dropout: must be a number in \[0, 1\), got 1\.0\."),
        (TEXT_RECIPES["cured"], {"free_bits": math.inf}, r"^free_bits: must be a number in \[0, 10\], got inf\."),
        (TEXT_RECIPES["cured"], {"embed_dim": 2.5}, r"^embed_dim: must be a positive whole number, got 2\.5\."),
        (BLOG_RECIPE, {"val_fraction": 0}, r"^val_fraction: must be a number in \(0, 1\), got 0\."),
        (BLOG_RECIPE, {"max_length": 1}, r"^max_length: must be a whole number >= 2, got 1\."),
        (BLOG_RECIPE, {"max_length": 10**5}, r"^max_length: must be at most 512 \(the cap\)"),
        (BLOG_RECIPE, {"vocab_size": 4}, r"^vocab_size: must be a whole number >= 5, got 4\."),
        (BLOG_RECIPE, {"patience": -1}, r"^patience: must be a whole number >= 0, got -1\."),
        (BLOG_RECIPE, {"patience": 1.5}, r"^patience: must be a whole number >= 0, got 1\.5\."),
    ],
)
def test_model_and_data_fields_are_checked_against_their_ranges_and_names(recipe, changes, message):
    with pytest.raises(DataError, match=message):
        recipe.replace(**changes)


def test_the_recipe_choices_are_the_models_own_and_numpy_numbers_become_python_ones():
    from vae_tutorial.images import vae
    from vae_tutorial.text import vae as text_vae

    # one tuple each, which the recipe and the model both check against
    assert ImageRecipe.CHOICES == {"architecture": vae.ARCHITECTURES, "loss_style": vae.LOSS_STYLES}
    assert ImageRecipe.CHOICES["architecture"] is vae.ARCHITECTURES
    assert TextRecipe.CHOICES == {"encoder": text_vae.ENCODERS, "decoder": text_vae.DECODERS, "cell": text_vae.CELLS}
    assert TextRecipe.CHOICES["cell"] is text_vae.CELLS
    recipe = BLOG_RECIPE.replace(epochs=np.int64(3), learning_rate=np.float32(0.5), patience=None)
    assert type(recipe.epochs) is int and type(recipe.learning_rate) is float and recipe.patience is None
    assert type(IMAGE_RECIPES["default"].replace(binarize=np.bool_(False)).to_dict()["binarize"]) is bool


# --- the trainers take recipe fields as keywords, and nothing else ----------------------------


@pytest.fixture(scope="module")
def ids():
    return np.array([[5, 6, 3, 0], [7, 3, 0, 0], [4, 8, 9, 3]] * 4, np.int32)


def test_every_trainer_refuses_an_unknown_keyword_before_training(ids, digits):
    from vae_tutorial.text.vae import TextVAE
    from vae_tutorial.text.train import (
        train_conditional_vae,
        train_language_model,
        train_text_vae,
        train_with_latent_penalty,
    )

    text = r"^nope: not a setting of a TextRecipe\. Use any of " + TEXT_FIELDS
    with pytest.raises(
        DataError, match=r"^nope: not a setting of an image VAE\. Use any of epochs, .*, iwae_k, source\.$"
    ):
        IMAGE_VAE.train(digits[0][:8], nope=1)
    with pytest.raises(DataError, match=text):
        train_text_vae(ids, nope=1)
    with pytest.raises(DataError, match=text):
        train_language_model(ids, nope=1)
    with pytest.raises(DataError, match=text):
        train_conditional_vae(ids, np.ones((len(ids), 3), np.float32), nope=1)
    model = TextVAE(10, 4, latent_dim=2, encoder_units=4, decoder_units=4, seed=0)
    with pytest.raises(DataError, match=r"^nope: not a setting of the recipe or the TextVAE\. Use any of "):
        train_with_latent_penalty(model, ids, np.zeros((len(ids), 2), np.float32), nope=1)
    # a bad value of a known field is refused as well
    with pytest.raises(DataError, match=r"^epochs: must be a positive whole number, got 0\."):
        train_text_vae(ids, epochs=0)
    with pytest.raises(DataError, match=r"^batch_size: must be a positive whole number, got 0\."):
        train_with_latent_penalty(model, ids, np.zeros((len(ids), 2), np.float32), batch_size=0)


def test_the_blog_trainer_refuses_an_unknown_keyword_before_touching_out(tmp_path):

    with pytest.raises(DataError, match=r"^nope: not a setting of a blog-post VAE\. Use any of epochs, .*, init, "):
        BLOG_VAE.train_into(tmp_path / "m", [], nope=1)
    with pytest.raises(DataError, match=r"^learning_rate: must be a number in \(0, 1\], got nan\."):
        BLOG_VAE.train_into(tmp_path / "m", [], learning_rate=math.nan)
    with pytest.raises(DataError, match=r"^epochs: must be a positive whole number, got 0\."):
        BLOG_VAE.train_into(tmp_path / "m", [], BLOG_RECIPE.replace(epochs=1), epochs=0)
    assert not (tmp_path / "m").exists()


def test_the_image_directory_trainer_refuses_an_unknown_keyword_before_touching_out(tmp_path, digits):

    with pytest.raises(DataError, match=r"^nope: not a setting of an image VAE\."):
        IMAGE_VAE.train_into(tmp_path / "m", (digits[0][:8], digits[1][:8]), nope=1)
    assert not (tmp_path / "m").exists()
