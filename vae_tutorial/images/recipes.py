"""The image VAE's recipes: :class:`ImageRecipe` and the two compared by ``benchmarks/image_vae.py``."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from vae_tutorial.training.recipes import Recipe

ARCHITECTURES = ("keras_io", "default")
LOSS_STYLES = ("logits", "keras_io")


@dataclasses.dataclass(frozen=True)
class ImageRecipe(Recipe):
    """An ImageVAE and how it trains. latent_dim: size of z. architecture: "default" (dense
    784-512-256 and mirror) or "keras_io" (the keras.io example's conv layers). loss_style:
    "logits" (exact Bernoulli NLL) or "keras_io" (clipped BCE of sigmoid outputs). beta: the
    KL term's weight (1: the ELBO; above 1 a beta-VAE, Higgins et al. 2017). binarize: train on
    a fresh black-and-white draw of every image at every step (dynamic binarization, see
    :func:`vae_tutorial.images.vae.binarized`)."""

    epochs: int = 30
    latent_dim: int = 2
    architecture: str = "default"
    loss_style: str = "logits"
    beta: float = 1.0
    binarize: bool = False

    CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {"architecture": ARCHITECTURES, "loss_style": LOSS_STYLES}
    MODEL_FIELDS: ClassVar[tuple[str, ...]] = ("latent_dim", "architecture", "loss_style", "beta", "binarize")


# The two image recipes compared by benchmarks/image_vae.py: "reference" is the keras.io
# example's configuration (which the original guide copies); "default" the project's, chosen
# by that benchmark (see README).
IMAGE_RECIPES = {
    "reference": ImageRecipe(architecture="keras_io", loss_style="keras_io", batch_size=128),
    "default": ImageRecipe(batch_size=192, learning_rate=5e-3, weight_decay=0.02, epochs=48, binarize=True),
}


@dataclasses.dataclass(frozen=True)
class ClassifierRecipe(Recipe):
    """How the digit classifier of notebook 03 trains (dense 784-256-10 with dropout 0.3, fixed):
    10 epochs of batches of 128 at Adam's 1e-3."""

    epochs: int = 10
    batch_size: int = 128
