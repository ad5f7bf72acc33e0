"""Recipes: what a model is and how it trains, as typed, frozen dataclasses.

A recipe is a value: ``TEXT_RECIPES["cured"].replace(epochs=3, word_dropout=0.2)`` is a new
recipe for a notebook experiment, and a field that does not exist, or a value of the wrong
kind, is a DataError naming it, before anything trains. Every trainer in
:mod:`vae_tutorial.training.trainers` takes a recipe (or its name) and passes it to the one
:func:`vae_tutorial.training.fit.fit`.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar, Self

from vae_tutorial.errors import DataError, flag, real_number, whole_number

# The whole-number fields of every recipe: field -> (lowest, highest, example). The caps keep a typo
# (latent_dim=100000000) from allocating gigabytes before the first step; they are far above what
# the series trains (a VAE rarely needs more than a few hundred latent dimensions).
WHOLE = {
    "epochs": (1, 10_000, 10),
    "batch_size": (1, 65_536, 64),
    "latent_dim": (1, 1024, 32),
    "embed_dim": (1, 4096, 64),
    "encoder_units": (1, 4096, 128),
    "decoder_units": (1, 4096, 256),
    "max_length": (2, 512, 40),
    "vocab_size": (5, 100_000, 5000),
    "patience": (0, 10_000, 3),
}
# The real-number fields: field -> (low, high, low end excluded, high end excluded, example).
REAL = {
    "learning_rate": (0.0, 1.0, True, False, 1e-3),
    "weight_decay": (0.0, 1.0, False, False, 0.02),
    "anneal_fraction": (0.0, 1.0, False, False, 0.3),
    "word_dropout": (0.0, 1.0, False, True, 0.4),
    "free_bits": (0.0, 10.0, False, False, 0.3),
    "beta": (0.0, 100.0, False, False, 4.0),
    "val_fraction": (0.0, 1.0, True, True, 0.1),
}
# The fields that are True or False.
FLAGS = ("binarize",)
# The named choices; the models check the same names (tests/test_recipes.py keeps them equal).
CHOICES = {
    "architecture": ("keras_io", "default"),
    "loss_style": ("logits", "keras_io"),
    "encoder": ("bigru", "lstm"),
    "decoder": ("repeat", "autoregressive"),
    "cell": ("gru", "lstm"),
}


def _a(noun: str) -> str:
    """'a TextRecipe', 'an ImageRecipe'."""
    return f"{'an' if noun[0] in 'AEIOU' else 'a'} {noun}"


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How any model of the series trains.

    epochs: passes over the training data. batch_size: examples per step (the global batch
    under a ``tf.distribute`` strategy). learning_rate: Adam's step size. weight_decay: above 0,
    AdamW's decoupled weight decay (every step shrinks each weight by learning_rate *
    weight_decay of itself; Loshchilov & Hutter 2019) instead of plain Adam.
    anneal_fraction: the KL weight rises linearly from 0 to 1 over this fraction of the steps
    (0: weight 1 from the start; models without a KL ignore it).

    Every field is checked when a recipe is made (by ``replace`` too): whole numbers between
    WHOLE's bounds, numbers in REAL's intervals, FLAGS True or False, names from CHOICES.
    """

    epochs: int = 10
    batch_size: int = 64
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    anneal_fraction: float = 0.0

    # Fields that configure the model itself, passed to its constructor by model_kwargs().
    MODEL_FIELDS: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self):
        """Every field checked against WHOLE, REAL and CHOICES (a DataError names the first bad one);
        NumPy numbers become Python ones, so that to_dict() is JSON-ready."""
        for field in dataclasses.fields(self):
            name, value = field.name, getattr(self, field.name)
            if name in WHOLE and not (name == "patience" and value is None):
                low, high, example = WHOLE[name]
                object.__setattr__(self, name, whole_number(name, value, example, low, high))
            elif name in REAL:
                low, high, low_open, high_open, example = REAL[name]
                object.__setattr__(self, name, real_number(name, value, low, high, example, low_open, high_open))
            elif name in FLAGS:
                object.__setattr__(self, name, flag(name, value))
            elif name in CHOICES and value not in CHOICES[name]:
                raise DataError(name, f"unknown name {value!r}", f"Use one of {CHOICES[name]}.")

    def replace(self, **changes) -> Self:
        """A copy with ``changes`` (field=value); an unknown field is a DataError listing the known ones."""
        known = [field.name for field in dataclasses.fields(self)]
        unknown = sorted(set(changes) - set(known))
        if unknown:
            raise DataError(
                ", ".join(unknown), f"not a setting of {_a(type(self).__name__)}", f"Use any of {', '.join(known)}."
            )
        return dataclasses.replace(self, **changes)

    def model_kwargs(self) -> dict:
        """The fields that configure the model, as keyword arguments of its constructor."""
        return {name: getattr(self, name) for name in self.MODEL_FIELDS}

    def to_dict(self) -> dict:
        """Every field, JSON-ready (what a model directory records in config.json)."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class ImageRecipe(Recipe):
    """An ImageVAE and how it trains. latent_dim: size of z. architecture: "default" (dense
    784-512-256 and mirror) or "keras_io" (the keras.io example's conv layers). loss_style:
    "logits" (exact Bernoulli NLL) or "keras_io" (clipped BCE of sigmoid outputs). beta: the
    KL term's weight (1: the ELBO; above 1 a beta-VAE, Higgins et al. 2017). binarize: train on
    a fresh black-and-white draw of every image at every step (dynamic binarization, see
    :func:`vae_tutorial.models.image_vae.binarized`)."""

    epochs: int = 30
    latent_dim: int = 2
    architecture: str = "default"
    loss_style: str = "logits"
    beta: float = 1.0
    binarize: bool = False

    MODEL_FIELDS: ClassVar[tuple[str, ...]] = ("latent_dim", "architecture", "loss_style", "beta", "binarize")


@dataclasses.dataclass(frozen=True)
class TextRecipe(Recipe):
    """A TextVAE (or ConditionalTextVAE, or the LanguageModel's decoder sizes) and how it trains.

    latent_dim: size of z. embed_dim: word-embedding size. encoder: "bigru" or "lstm".
    decoder: "repeat" (every word from z alone) or "autoregressive". cell: the autoregressive
    decoder's "gru" or "lstm". encoder_units / decoder_units: recurrent sizes. word_dropout:
    probability of hiding a decoder input word while training. free_bits: nats per latent
    dimension below which the KL costs nothing extra (0: off).
    """

    latent_dim: int = 32
    embed_dim: int = 64
    encoder: str = "bigru"
    decoder: str = "autoregressive"
    cell: str = "gru"
    encoder_units: int = 32
    decoder_units: int = 32
    word_dropout: float = 0.0
    free_bits: float = 0.0

    MODEL_FIELDS: ClassVar[tuple[str, ...]] = (
        "latent_dim",
        "embed_dim",
        "encoder",
        "decoder",
        "cell",
        "encoder_units",
        "decoder_units",
        "word_dropout",
        "free_bits",
    )


@dataclasses.dataclass(frozen=True)
class BlogRecipe(TextRecipe):
    """A text VAE for blog posts (the blog section's LSTM encoder and decoder, with notebook 04's
    cures against posterior collapse) and how its data are prepared: max_length tokens per
    sentence window ([EOS] included), the vocab_size most frequent training words, val_fraction
    of the posts held out, early stopping after ``patience`` epochs without a better held-out
    negative ELBO (None: never stop early; the best weights are restored either way)."""

    epochs: int = 12
    batch_size: int = 32
    anneal_fraction: float = 0.3
    encoder: str = "lstm"
    cell: str = "lstm"
    encoder_units: int = 128
    decoder_units: int = 256
    word_dropout: float = 0.4
    free_bits: float = 0.3
    max_length: int = 40
    vocab_size: int = 5000
    val_fraction: float = 0.1
    patience: int | None = 3


@dataclasses.dataclass(frozen=True)
class PretrainRecipe(TextRecipe):
    """The sentence VAE pretrained on the general corpus (:mod:`vae_tutorial.data.corpus`) over
    byte-level BPE pieces: ``vocab_size`` pieces, sentences of at most ``max_length`` - 1 pieces
    (longer ones are left out rather than cut), early stopping on the held-out negative ELBO."""

    epochs: int = 30
    batch_size: int = 128
    learning_rate: float = 1.5e-3
    anneal_fraction: float = 0.3
    embed_dim: int = 128
    encoder_units: int = 128
    decoder_units: int = 384
    word_dropout: float = 0.3
    free_bits: float = 0.5
    max_length: int = 48
    vocab_size: int = 4000
    patience: int | None = 4


# The two image recipes compared by benchmarks/image_vae.py: "reference" is the keras.io
# example's configuration (which the original guide copies); "default" the project's, chosen
# by that benchmark (see README).
IMAGE_RECIPES = {
    "reference": ImageRecipe(architecture="keras_io", loss_style="keras_io", batch_size=128),
    "default": ImageRecipe(batch_size=192, learning_rate=5e-3, weight_decay=0.02, epochs=48, binarize=True),
}

# Notebook 04 and benchmarks/text_vae.py. "repeat" is the original guide's model (a RepeatVector
# decoder); "collapse" the autoregressive decoder without any cure; "cured" adds KL annealing,
# word dropout and free bits. Sizes train in minutes on a 2-core CPU.
TEXT_RECIPES = {
    "repeat": TextRecipe(decoder="repeat", encoder_units=32, decoder_units=32),
    "collapse": TextRecipe(encoder_units=128, decoder_units=256),
    "cured": TextRecipe(encoder_units=128, decoder_units=256, word_dropout=0.4, free_bits=0.3, anneal_fraction=0.5),
}

BLOG_RECIPE = BlogRecipe()
PRETRAIN_RECIPE = PretrainRecipe()
# Fine-tuning the pretrained model on posts: its architecture (the model fields, max_length and
# vocab_size are taken from the pretrained model), a smaller learning rate, no KL warm-up (its
# posterior already carries the sentence), and an early stop after 2 epochs without progress.
FINE_TUNE_RECIPE = BlogRecipe(epochs=10, learning_rate=5e-4, anneal_fraction=0.0, patience=2)


def get_recipe(recipe, table: dict, kind: type[Recipe]) -> Recipe:
    """``recipe`` if it is a ``kind``, else ``table[recipe]``; a DataError for an unknown name or kind."""
    if isinstance(recipe, kind):
        return recipe
    if isinstance(recipe, str) and recipe in table:
        return table[recipe]
    raise DataError(
        "recipe", f"expected {_a(kind.__name__)} or one of {', '.join(table)}, got {recipe!r}", "Pass a known recipe."
    )
