"""A small digit classifier that judges generated images: does a sample look like a digit?

Trained on the same labelled training digits as the models it judges (never on their samples),
it gives each image a probability per class. :func:`sample_verdicts` reports the share of images
it labels with confidence >= a threshold (a blurry or blended image gets a flat distribution)
and the share of each class among the confident ones (a model that only draws 1s is not a good
model of digits either).
"""

from __future__ import annotations

import numpy as np

from vae_tutorial._backend import keras
from keras import layers

from vae_tutorial.seeding import seed_everything
from vae_tutorial.images.data import validate_images
from vae_tutorial.errors import DataError, real_number, whole_number
from vae_tutorial.images.vae import IMAGE_SHAPE

CLASSES = 10


def train_digit_classifier(x, y, epochs: int = 10, seed: int = 0, verbose=0) -> keras.Model:
    """A dense softmax classifier (784-256-10, dropout 0.3) fitted to images x (n, 28, 28, 1) in [0, 1]
    and labels y (n,) in 0-9 with Adam and the cross-entropy, batches of 128, seeded."""
    x = validate_images(x, "x")
    y = np.asarray(y)
    if y.shape != (len(x),) or not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= CLASSES:
        raise DataError("y", f"must be {len(x)} labels from 0 to 9, got shape {y.shape}", "Pass one digit per image.")
    epochs = whole_number("epochs", epochs, 10)
    seed_everything(seed)
    model = keras.Sequential(
        [
            keras.Input(IMAGE_SHAPE),
            layers.Flatten(),
            layers.Dense(256, activation="relu"),
            layers.Dropout(0.3, seed=seed),
            layers.Dense(CLASSES, activation="softmax"),
        ],
        name="digit_classifier",
    )
    model.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=128, epochs=epochs, shuffle=True, verbose=verbose)
    return model


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
