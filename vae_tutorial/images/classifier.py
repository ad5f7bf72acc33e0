"""A small digit classifier that judges generated images: does a sample look like a digit?

Trained on the same labelled training digits as the models it judges (never on their samples),
it gives each image a probability per class. :func:`sample_verdicts` reports the share of images
it labels with confidence >= a threshold (a blurry or blended image gets a flat distribution)
and the share of each class among the confident ones (a model that only draws 1s is not a good
model of digits either). It trains as every model of the series does (its kind:
:data:`vae_tutorial.images.kinds.CLASSIFIER`).
"""

from __future__ import annotations

import numpy as np

from vae_tutorial._backend import keras
from keras import layers, ops

from vae_tutorial.errors import DataError, real_number
from vae_tutorial.errors import seed as check_seed
from vae_tutorial.images.data import validate_images
from vae_tutorial.images.vae import IMAGE_SHAPE
from vae_tutorial.training.loss_model import LossModel


CLASSES = 10


def check_labels(y, n: int, name: str = "y") -> np.ndarray:
    """``y`` as int64 (n,) digit labels 0-9; else a DataError naming ``name``."""
    y = np.asarray(y)
    if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer) or (n and (y.min() < 0 or y.max() >= CLASSES)):
        raise DataError(name, f"must be {n} labels from 0 to 9, got shape {y.shape}", "Pass one digit per image.")
    return y.astype(np.int64)


@keras.saving.register_keras_serializable(package="vae_tutorial")
class DigitClassifier(LossModel):
    """A dense softmax classifier for (n, 28, 28, 1) images in [0, 1]: Flatten, Dense(256, relu),
    Dropout(0.3), Dense(10, softmax). ``call`` gives class probabilities (n, 10); it trains on
    (images, labels) with the cross-entropy, in nats per image, and reports ``accuracy``."""

    def __init__(self, hidden: int = 256, dropout: float = 0.3, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.hidden, self.dropout = int(hidden), float(dropout)
        self.seed = check_seed("seed", seed)
        self.net = keras.Sequential(
            [
                keras.Input(IMAGE_SHAPE),
                layers.Flatten(),
                layers.Dense(self.hidden, activation="relu"),
                layers.Dropout(self.dropout, seed=self.seed),
                layers.Dense(CLASSES, activation="softmax"),
            ],
            name="digit_classifier",
        )
        self.trackers = [keras.metrics.Mean(name="loss"), keras.metrics.Mean(name="accuracy")]
        self.built = True

    @property
    def metrics(self):
        return self.trackers

    def call(self, x, training=False):
        return self.net(x, training=training)

    def _loss_terms(self, data, training):
        """(cross-entropy, accuracy) of a batch (images, labels): scalars."""
        x, y = data[0]
        probabilities = self(x, training=training)
        y = ops.cast(y, "int32")
        loss = ops.mean(keras.losses.sparse_categorical_crossentropy(y, probabilities))
        hits = ops.equal(ops.cast(ops.argmax(probabilities, axis=-1), "int32"), y)
        return loss, ops.mean(ops.cast(hits, "float32"))

    def _update(self, loss, accuracy):
        for tracker, value in zip(self.trackers, (loss, accuracy), strict=True):
            tracker.update_state(value)
        return {tracker.name: tracker.result() for tracker in self.trackers}

    def get_config(self):
        return {**super().get_config(), "hidden": self.hidden, "dropout": self.dropout, "seed": self.seed}


def sample_verdicts(classifier, images, threshold: float = 0.9) -> dict:
    """{"confident_share": share of ``images`` whose top class has probability >= threshold,
    "class_shares": (10,) share of each class among those confident images (zeros if none),
    "n": number of images}."""
    images = validate_images(images, "images")
    threshold = real_number("threshold", threshold, 0.0, 1.0, 0.9, low_open=True)
    probabilities = classifier.predict(images, batch_size=500, verbose=0)
    confident = probabilities.max(axis=1) >= threshold
    counts = np.bincount(probabilities.argmax(axis=1)[confident], minlength=CLASSES)
    return {
        "confident_share": float(confident.mean()),
        "class_shares": counts / max(1, counts.sum()),
        "n": len(images),
    }
