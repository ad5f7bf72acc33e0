"""Autoencoder: the default ImageVAE's layers without the noise and without the KL term.

Notebook 03 trains it beside the VAE to show what the KL term buys: its reconstructions are as
good, but its codes fill no known region, so decoding codes drawn from N(0, I), or from the box
that its codes span, gives few images that look like digits.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from vae_tutorial._backend import keras
from keras import layers, ops

from vae_tutorial.errors import codes, whole_number
from vae_tutorial.errors import seed as check_seed
from vae_tutorial.images.data import validate_images
from vae_tutorial.images.vae import IMAGE_SHAPE, _default_decoder, bernoulli_nll, dense_features
from vae_tutorial.training.loss_model import LossModel


def _encoder(latent_dim: int) -> keras.Model:
    """The default ImageVAE encoder with one head, the code itself, in place of (mean, log-variance)."""
    inputs = keras.Input(IMAGE_SHAPE)
    return keras.Model(inputs, layers.Dense(latent_dim, name="code")(dense_features(inputs)), name="encoder")


@keras.saving.register_keras_serializable(package="vae_tutorial")
class Autoencoder(LossModel):
    """A deterministic autoencoder for (n, 28, 28, 1) images in [0, 1]: code = encoder(x), loss =
    the Bernoulli NLL of x under decoder(code), nats per image (no KL). It trains as the VAE does, with
    an image recipe (its kind: :data:`vae_tutorial.images.kinds.AUTOENCODER`). seed: unused (no noise),
    kept so that every model of the series is built alike."""

    def __init__(self, latent_dim: int = 2, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim, self.seed = whole_number("latent_dim", latent_dim, 2), seed
        self.encoder = _encoder(self.latent_dim)
        self.decoder = _default_decoder(self.latent_dim)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.built = True

    @property
    def metrics(self):
        return [self.loss_tracker]

    def call(self, x, training=False):
        return self.decoder(self.encoder(x, training=training), training=training)

    def _loss_terms(self, data, training):
        x = data[0] if isinstance(data, tuple | list) else data
        return (ops.mean(bernoulli_nll(x, self(x, training=training))),)

    def _update(self, total):
        self.loss_tracker.update_state(total)
        return {"loss": self.loss_tracker.result()}

    def encode(self, x, batch_size: int = 500) -> np.ndarray:
        """The codes of images x: (n, latent_dim)."""
        x, batch_size = validate_images(x, "x"), whole_number("batch_size", batch_size, 500)
        return self.encoder.predict(x, batch_size=batch_size, verbose=0)

    def decode(self, z, batch_size: int = 500) -> np.ndarray:
        """Pixel probabilities for codes z (n, latent_dim): (n, 28, 28, 1) in [0, 1]."""
        z, batch_size = codes("z", z, self.latent_dim), whole_number("batch_size", batch_size, 500)
        return expit(self.decoder.predict(z, batch_size=batch_size, verbose=0))  # no overflow at large logits

    def reconstruction_nll(self, x, batch_size: int = 500) -> np.ndarray:
        """-log p(x | code(x)) per image (n,), nats: the Bernoulli NLL of x under its reconstruction's logits."""
        x = validate_images(x, "x")
        logits = self.decoder.predict(self.encode(x, batch_size), batch_size=batch_size, verbose=0)
        per_pixel = np.logaddexp(0.0, logits) - x * logits
        return per_pixel.reshape(len(x), -1).sum(axis=1)

    def reconstruct(self, x) -> np.ndarray:
        return self.decode(self.encode(x))

    def sample(self, n: int, seed: int | None = None) -> np.ndarray:
        """What a VAE would call samples: z ~ N(0, I) decoded, (n, 28, 28, 1). For an autoencoder
        nothing says its codes follow N(0, I): that is the point of the comparison."""
        n, seed = whole_number("n", n, 64), check_seed("seed", seed)
        return self.decode(np.random.default_rng(seed).standard_normal((n, self.latent_dim)).astype(np.float32))

    def get_config(self):
        return {**super().get_config(), "latent_dim": self.latent_dim, "seed": self.seed}
