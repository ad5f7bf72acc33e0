"""The image kinds of notebook 03, each everything the series knows about one model: the image VAE
(:data:`IMAGE_VAE`, ``vae-tutorial train-images``), the plain autoencoder it is compared with
(:data:`AUTOENCODER`) and the digit classifier that judges samples (:data:`CLASSIFIER`).

Each trains in memory (``IMAGE_VAE.train((x_train, x_val), latent_dim=2)``: (model, history)) or into a
model directory (``IMAGE_VAE.train_into("runs/digits", (x_train, x_test))``), and loads a finished
one (``IMAGE_VAE.load("runs/digits")``). Light to import: the networks load with TensorFlow when a
kind builds or loads one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vae_tutorial.errors import DataError
from vae_tutorial.images.data import validate_images
from vae_tutorial.images.recipes import IMAGE_RECIPES, ClassifierRecipe
from vae_tutorial.theory.estimates import active_units, importance_weighted_nll, negative_elbo
from vae_tutorial.training.kinds import Job, Kind


def _networks():
    """The image networks and their figures; they import TensorFlow, which the command line loads only
    after checking its arguments."""
    from vae_tutorial.images import autoencoder, classifier, plots, vae  # TensorFlow (~5 s): after the checks

    return autoencoder, classifier, plots, vae


def _images(data) -> tuple[np.ndarray, np.ndarray | None]:
    """(x_train, x_val or None) from ``(x_train, x_val)`` or ``x_train`` alone, each checked."""
    x_train, x_val = data if isinstance(data, tuple | list) and len(data) == 2 else (data, None)
    return validate_images(x_train, "x_train"), None if x_val is None else validate_images(x_val, "x_val")


class ImageVAEKind(Kind):
    """The image VAE: data (x_train, x_test), float32 (n, 28, 28, 1) in [0, 1]; metrics.json holds the
    held-out negative ELBO, IWAE NLL, KL and active units (nats per image); the directory also holds
    ``samples.png`` (64 images decoded from the prior)."""

    name = "images"
    title = "an image VAE"
    recipes = IMAGE_RECIPES
    files = ("samples.png",)
    options = {"iwae_k": 500, "source": "images"}
    command = "train-images"

    def model_class(self):
        return _networks()[3].ImageVAE

    def prepare(self, data, recipe, changes, seed, options) -> Job:
        recipe = self.recipe(recipe, **changes)
        x_train, x_val = _images(data)
        return Job(
            recipe,
            lambda: self.model_class()(**recipe.model_kwargs(), seed=seed),
            x_train,
            None if x_val is None else (x_val,),
            seed=seed,
            data={"source": options["source"], "n_train": len(x_train), "n_test": 0 if x_val is None else len(x_val)},
            plan={"n_train": len(x_train)},
        )

    def report(self, model, job, options) -> dict:
        x_test = job.validation[0]
        return {
            **negative_elbo(model, x_test, n_samples=10),
            "iwae_nll": importance_weighted_nll(model, x_test, k=options["iwae_k"]),
            "active_units": active_units(model, x_test),
            "iwae_k": options["iwae_k"],
            "units": "nats per image (held-out)",
        }

    def write(self, folder: Path, model, job) -> None:
        _networks()[2].save_image_grid(model.sample(64, seed=job.seed), folder / "samples.png", ncols=8)


class AutoencoderKind(Kind):
    """The plain autoencoder of notebook 03 (the default image VAE's layers without the noise and the
    KL): data (x_train, x_val) as for the image VAE; metrics.json: the held-out reconstruction NLL."""

    name = "autoencoder"
    title = "a plain autoencoder"
    recipes = {"default": IMAGE_RECIPES["default"]}

    def model_class(self):
        return _networks()[0].Autoencoder

    def prepare(self, data, recipe, changes, seed, options) -> Job:
        recipe = self.recipe(recipe, **changes)
        x_train, x_val = _images(data)
        return Job(
            recipe,
            lambda: self.model_class()(recipe.latent_dim, seed=seed),
            x_train,
            None if x_val is None else (x_val,),
            seed=seed,
            data={"n_train": len(x_train), "n_test": 0 if x_val is None else len(x_val)},
        )

    def report(self, model, job, options) -> dict:
        x_test = job.validation[0]
        return {"reconstruction": float(model.reconstruction_nll(x_test).mean()), "units": "nats per image (held-out)"}


class ClassifierKind(Kind):
    """The digit classifier that judges generated images: data (x, y) or (x, y, x_val, y_val), images as
    for the image VAE and labels 0-9; metrics.json: the held-out cross-entropy and accuracy."""

    name = "classifier"
    title = "a digit classifier"
    recipes = {"default": ClassifierRecipe()}

    def model_class(self):
        return _networks()[1].DigitClassifier

    def prepare(self, data, recipe, changes, seed, options) -> Job:
        recipe = self.recipe(recipe, **changes)
        if not isinstance(data, tuple | list) or len(data) not in (2, 4):
            raise DataError("data", "must be (x, y) or (x, y, x_val, y_val): images and their labels", "")
        labels = _networks()[1].check_labels
        x = validate_images(data[0], "x")
        train = (x, labels(data[1], len(x), "y"))
        validation = None
        if len(data) == 4:
            x_val = validate_images(data[2], "x_val")
            validation = ((x_val, labels(data[3], len(x_val), "y_val")),)
        return Job(
            recipe,
            lambda: self.model_class()(seed=seed),
            train,
            validation,
            seed=seed,
            data={"n_train": len(x), "n_test": 0 if validation is None else len(validation[0][0])},
        )

    def report(self, model, job, options) -> dict:
        x_val, y_val = job.validation[0]
        probabilities = model.predict(x_val, batch_size=500, verbose=0)
        chosen = np.clip(probabilities[np.arange(len(y_val)), y_val], 1e-12, 1.0)
        return {
            "cross_entropy": float(-np.log(chosen).mean()),
            "accuracy": float(np.mean(probabilities.argmax(axis=1) == y_val)),
            "units": "nats per image (held-out)",
        }


IMAGE_VAE = ImageVAEKind()
AUTOENCODER = AutoencoderKind()
CLASSIFIER = ClassifierKind()
