"""Training an image VAE in memory (notebook 03)."""

from __future__ import annotations

from vae_tutorial.images.data import validate_images
from vae_tutorial.images.recipes import IMAGE_RECIPES, ImageRecipe
from vae_tutorial.images.vae import ImageVAE
from vae_tutorial.training.fit import fit
from vae_tutorial.training.recipes import get_recipe


def train_image_vae(
    x_train, x_val=None, recipe="default", *, seed: int = 0, strategy=None, callbacks=(), verbose="auto", **changes
):
    """An :class:`ImageVAE` from an :class:`ImageRecipe` ("default" or "reference" in
    :data:`IMAGE_RECIPES`, or your own). x_train, x_val: float32 (n, 28, 28, 1) in [0, 1] (checked)."""
    recipe = get_recipe(recipe, IMAGE_RECIPES, ImageRecipe).replace(**changes)
    x_train = validate_images(x_train, "x_train")
    validation = None if x_val is None else (validate_images(x_val, "x_val"),)
    return fit(
        lambda: ImageVAE(**recipe.model_kwargs(), seed=seed),
        x_train,
        validation,
        recipe,
        seed=seed,
        strategy=strategy,
        callbacks=callbacks,
        verbose=verbose,
    )
