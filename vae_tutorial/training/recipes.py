"""Recipes: what a model is and how it trains, as typed, frozen dataclasses. This module holds the
base, :class:`Recipe`, and the checks of every field; each subject holds its own recipes
(:mod:`vae_tutorial.images.recipes`, :mod:`vae_tutorial.text.recipes`).

A recipe is a value: ``TEXT_RECIPES["cured"].replace(epochs=3, word_dropout=0.2)`` is a new
recipe for a notebook experiment, and a field that does not exist, or a value of the wrong
kind, is a DataError naming it, before anything trains. Every trainer takes a recipe (or its
name) and passes it to the one :func:`vae_tutorial.training.fit.fit`.
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


def _a(noun: str) -> str:
    """'a TextRecipe', 'an ImageRecipe'."""
    return f"{'an' if noun[0] in 'AEIOU' else 'a'} {noun}"


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
    WHOLE's bounds, numbers in REAL's intervals, FLAGS True or False, names from the class's
    CHOICES ({field: the names it takes}, the same tuples the models check).
    """

    epochs: int = 10
    batch_size: int = 64
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    anneal_fraction: float = 0.0

    # Fields that configure the model itself, passed to its constructor by model_kwargs().
    MODEL_FIELDS: ClassVar[tuple[str, ...]] = ()
    # Fields that name a choice: {field: the names it takes}.
    CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {}

    def __post_init__(self):
        """Every field checked against WHOLE, REAL, FLAGS and CHOICES (a DataError names the first bad one);
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
            elif name in self.CHOICES and value not in self.CHOICES[name]:
                raise DataError(name, f"unknown name {value!r}", f"Use one of {self.CHOICES[name]}.")

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


def get_recipe(recipe, table: dict, kind: type[Recipe]) -> Recipe:
    """``recipe`` if it is a ``kind``, else ``table[recipe]``; a DataError for an unknown name or kind."""
    if isinstance(recipe, kind):
        return recipe
    if isinstance(recipe, str) and recipe in table:
        return table[recipe]
    raise DataError(
        "recipe", f"expected {_a(kind.__name__)} or one of {', '.join(table)}, got {recipe!r}", "Pass a known recipe."
    )
