"""Train an image VAE on the embedded digits or a user's images, and keep it in a model directory.

The directory (:mod:`vae_tutorial.training.directory`, kind "images") holds ``model.keras``,
``config.json``, ``metrics.json`` (held-out negative ELBO, IWAE NLL, KL, active units, nats per
image), ``history.csv``, ``samples.png`` (64 images decoded from the prior) and TensorBoard
``logs/``; ``backup/`` only while training. Rerun the same call after an interruption to resume.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from vae_tutorial.theory import estimates
from vae_tutorial.images.data import validate_images
from vae_tutorial.training.loss_model import load_model
from vae_tutorial.images.vae import ImageVAE
from vae_tutorial.training import directory
from vae_tutorial.training import history
from vae_tutorial.training import run
from vae_tutorial.training.fit import fit
from vae_tutorial.images.recipes import IMAGE_RECIPES, ImageRecipe
from vae_tutorial.training.recipes import get_recipe

KIND = "images"


@dataclasses.dataclass
class ImageRun:
    """A trained image VAE and its directory's records."""

    model: ImageVAE
    config: dict
    metrics: dict
    history: dict[str, list[float]]


def train_image_dir(
    x_train,
    x_test,
    out,
    recipe="default",
    *,
    seed: int = 0,
    force: bool = False,
    iwae_k: int = 500,
    source: str = "images",
    strategy=None,
    callbacks=(),
    verbose="auto",
    **changes,
) -> ImageRun:
    """Train an ImageVAE on x_train, evaluate it on x_test and write the model directory ``out``.

    x_train, x_test: float32 (n, 28, 28, 1) in [0, 1] (checked before ``out`` is touched).
    recipe: an :class:`~vae_tutorial.images.recipes.ImageRecipe` or its name in
    ``IMAGE_RECIPES``; fields change by keyword (``epochs=5``, ``latent_dim=16``). iwae_k:
    importance samples per test image for metrics.json. source: what the images are, for
    config.json. A finished directory is refused unless ``force``; an interrupted one resumes
    from its last checkpoint, exactly; one run at a time trains into ``out``. callbacks: Keras
    callbacks run after each epoch's checkpoint.
    """
    recipe = get_recipe(recipe, IMAGE_RECIPES, ImageRecipe).replace(**changes)
    x_train, x_test = validate_images(x_train, "x_train"), validate_images(x_test, "x_test")
    out = Path(out)
    plan = {
        "format": directory.FORMAT,
        "seed": seed,
        "recipe": recipe.to_dict(),
        "n_train": len(x_train),
        "data": directory.data_checksum(x_train, x_test),
    }
    with directory.training(out, KIND, force, plan) as backup:
        model, _ = fit(
            lambda: ImageVAE(**recipe.model_kwargs(), seed=seed),
            x_train,
            (x_test,),
            recipe,
            seed=seed,
            strategy=strategy,
            verbose=verbose,
            **run.fit_options(out, backup, after=callbacks),
        )
        rows = history.history_of(backup)
        metrics = {
            **estimates.negative_elbo(model, x_test, n_samples=10),
            "iwae_nll": estimates.importance_weighted_nll(model, x_test, k=iwae_k),
            "active_units": estimates.active_units(model, x_test),
            "iwae_k": iwae_k,
            "units": "nats per image (held-out)",
        }
        data = {"source": source, "n_train": len(x_train), "n_test": len(x_test)}
        training = {"epochs_run": len(rows), "seconds": round(sum(row["seconds"] for row in rows), 1)}
        config = directory.config(KIND, seed, recipe, data, training)

        def write(folder: Path) -> None:
            import matplotlib.pyplot as plt

            from vae_tutorial.images import plots

            (folder / "config.json").write_text(json.dumps(config, indent=2))
            (folder / "metrics.json").write_text(json.dumps(metrics, indent=2, default=float))
            figure = plots.plot_image_grid(model.sample(64, seed=seed), ncols=8).figure
            figure.savefig(folder / "samples.png", dpi=100, bbox_inches="tight")
            plt.close(figure)  # a long session (a notebook) would otherwise keep every figure
            model.save(folder / "model.keras")

        directory.finish(out, write, rows)
    return ImageRun(model, config, metrics, history.by_column(rows))


def load_image_dir(path) -> ImageRun:
    """Read a model directory written by :func:`train_image_dir`; DataError says what is wrong."""
    config, metrics, history = directory.read(path, KIND)
    return ImageRun(load_model(Path(path) / "model.keras", ImageVAE), config, metrics, history)
