"""The text models' recipes: the sentence VAE of notebook 04, the blog VAE of ``train-text``, the
pretrained sentence VAE and fine-tuning it."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from vae_tutorial.training.recipes import Recipe

ENCODERS = ("bigru", "lstm")
DECODERS = ("repeat", "autoregressive")
CELLS = ("gru", "lstm")


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

    CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {"encoder": ENCODERS, "decoder": DECODERS, "cell": CELLS}
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
    """The sentence VAE pretrained on the general corpus (:mod:`vae_tutorial.text.corpus`) over
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
