"""ImageVAE: a convolutional (or dense) VAE for 28x28 grayscale images, the Keras 3 way.

Separate encoder and decoder models, the serializable ``Sampling`` layer, a custom
``train_step``/``test_step`` and ``keras.metrics.Mean`` trackers for the total loss, the
reconstruction NLL and the KL, all in nats per image. The decoder outputs logits.
"""

from __future__ import annotations

import math

import numpy as np

from vae_tutorial._backend import keras
from keras import layers, ops

from vae_tutorial.errors import MAX_SEED, DataError, codes, flag, real_number, whole_number
from vae_tutorial.errors import seed as check_seed
from vae_tutorial.images.data import validate_images
from vae_tutorial.images.recipes import ARCHITECTURES, LOSS_STYLES
from vae_tutorial.theory.losses import kl_diagonal
from vae_tutorial.theory.sampling import Sampling
from vae_tutorial.training.loss_model import LossModel

IMAGE_SHAPE = (28, 28, 1)
# Names that models saved by vae_tutorial 0.1 carry, and what they are called now.
_RENAMED_ARCHITECTURES = {"seed": "keras_io"}


def _keras_io_encoder(latent_dim: int) -> keras.Model:
    inputs = keras.Input(IMAGE_SHAPE)
    x = layers.Conv2D(32, 3, activation="relu", strides=2, padding="same")(inputs)
    x = layers.Conv2D(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(16, activation="relu")(x)
    return keras.Model(
        inputs,
        [layers.Dense(latent_dim, name="z_mean")(x), layers.Dense(latent_dim, name="z_log_var")(x)],
        name="encoder",
    )


def _keras_io_decoder(latent_dim: int) -> keras.Model:
    inputs = keras.Input((latent_dim,))
    x = layers.Dense(7 * 7 * 64, activation="relu")(inputs)
    x = layers.Reshape((7, 7, 64))(x)
    x = layers.Conv2DTranspose(64, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Conv2DTranspose(32, 3, activation="relu", strides=2, padding="same")(x)
    logits = layers.Conv2DTranspose(1, 3, padding="same", name="logits")(x)
    return keras.Model(inputs, logits, name="decoder")


def dense_features(inputs):
    """The default encoder's body: Flatten, Dense(512, relu), Dense(256, relu). Its heads differ:
    (z_mean, z_log_var) here, one code in the plain autoencoder."""
    x = layers.Flatten()(inputs)
    x = layers.Dense(512, activation="relu")(x)
    return layers.Dense(256, activation="relu")(x)


def _default_encoder(latent_dim: int) -> keras.Model:
    inputs = keras.Input(IMAGE_SHAPE)
    x = dense_features(inputs)
    return keras.Model(
        inputs,
        [layers.Dense(latent_dim, name="z_mean")(x), layers.Dense(latent_dim, name="z_log_var")(x)],
        name="encoder",
    )


def _default_decoder(latent_dim: int) -> keras.Model:
    inputs = keras.Input((latent_dim,))
    x = layers.Dense(256, activation="relu")(inputs)
    x = layers.Dense(512, activation="relu")(x)
    x = layers.Dense(int(np.prod(IMAGE_SHAPE)), name="logits")(x)
    return keras.Model(inputs, layers.Reshape(IMAGE_SHAPE)(x), name="decoder")


_BUILDERS = {"keras_io": (_keras_io_encoder, _keras_io_decoder), "default": (_default_encoder, _default_decoder)}


def bernoulli_nll(x, logits):
    """Bernoulli negative log-likelihood from logits, summed over pixels: (batch,) nats per image.

    softplus(l) - x * l is -[x log sigmoid(l) + (1 - x) log(1 - sigmoid(l))], written so that
    it never takes the log of 0.
    """
    per_pixel = ops.softplus(logits) - x * logits
    return ops.sum(ops.reshape(per_pixel, (ops.shape(x)[0], -1)), axis=-1)


def binarized(x, seed=None):
    """Dynamic binarization: each pixel of x (values in [0, 1]) becomes 1 with probability its
    grey level and 0 otherwise, a fresh draw at every call; same shape and dtype as x.

    Both losses are linear in the pixel values x, so the expected loss over these draws is the
    loss of the grey image itself: training on them optimises the same ELBO, through noise that
    keeps a large network from learning its few thousand training digits by heart (on the
    benchmark's 3,600 digits the dense default overfits after ~25 epochs without it).
    seed: None, an int, or a ``keras.random.SeedGenerator``.
    """
    return ops.cast(keras.random.uniform(ops.shape(x), dtype=x.dtype, seed=seed) < x, x.dtype)


def _keras_io_nll(x, logits):
    """The keras.io example's loss: BCE on sigmoid outputs (clipped at 1e-7), summed over pixels."""
    bce = keras.losses.binary_crossentropy(x, ops.sigmoid(logits))  # mean over the channel axis
    return ops.sum(ops.reshape(bce, (ops.shape(x)[0], -1)), axis=-1)


@keras.saving.register_keras_serializable(package="vae_tutorial")
class ImageVAE(LossModel):
    """Variational autoencoder for (n, 28, 28, 1) images in [0, 1].

    latent_dim: size of z. architecture: "keras_io" (the conv layers of the keras.io example,
    which the original guide copies) or "default" (dense layers, chosen by
    benchmarks/image_vae.py). beta: weight of the KL term (1 = the ELBO; >1 a beta-VAE).
    loss_style: "logits" (exact Bernoulli NLL from logits) or "keras_io" (train on clipped BCE
    of sigmoid outputs, as the keras.io example; reported losses are then that surrogate).
    binarize: train on :func:`binarized` images (evaluation and ``test_step`` see the grey ones).
    seed: seeds the Sampling layer and the binarization.

    ``fit(x, validation_data=(x_val,))`` reports ``loss``, ``reconstruction`` and ``kl``
    (nats per image; ``loss`` = reconstruction + beta * kl).
    """

    def __init__(
        self,
        latent_dim: int = 2,
        architecture: str = "default",
        beta: float = 1.0,
        loss_style: str = "logits",
        binarize: bool = False,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if architecture not in ARCHITECTURES:
            raise DataError("architecture", f"unknown name {architecture!r}", f"Use one of {ARCHITECTURES}.")
        if loss_style not in LOSS_STYLES:
            raise DataError("loss_style", f"unknown name {loss_style!r}", f"Use one of {LOSS_STYLES}.")
        latent_dim = whole_number("latent_dim", latent_dim, 2)
        beta = real_number("beta", beta, 0.0, math.inf, 1.0, high_open=True)
        seed = check_seed("seed", seed)
        self.latent_dim, self.architecture, self.beta = latent_dim, architecture, beta
        self.loss_style, self.binarize, self.seed = loss_style, flag("binarize", binarize), seed
        build_encoder, build_decoder = _BUILDERS[architecture]
        self.encoder = build_encoder(self.latent_dim)
        self.decoder = build_decoder(self.latent_dim)
        self.sampler = Sampling(seed=seed, name="sampling")
        # Only a binarizing model has this generator (and its state variable), so that models
        # saved without it load unchanged. Its own seed (MAX_SEED - seed is never seed), so that
        # its stream is not the sampler's.
        if self.binarize:
            self.binarizer = keras.random.SeedGenerator(None if seed is None else MAX_SEED - seed, name="binarizer")
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction")
        self.kl_tracker = keras.metrics.Mean(name="kl")
        self.built = True  # encoder and decoder are built functional models already

    @property
    def metrics(self):
        return [self.loss_tracker, self.reconstruction_tracker, self.kl_tracker]

    def call(self, x, training=False):
        """Logits of the reconstruction of x through one sample z ~ q(z|x): (n, 28, 28, 1)."""
        z_mean, z_log_var = self.encoder(x, training=training)
        return self.decoder(self.sampler([z_mean, z_log_var]), training=training)

    def _loss_terms(self, data, training):
        x = data[0] if isinstance(data, (tuple, list)) else data
        if training and self.binarize:  # one draw for what the encoder sees and what is scored
            x = binarized(x, self.binarizer)
        z_mean, z_log_var = self.encoder(x, training=training)
        logits = self.decoder(self.sampler([z_mean, z_log_var]), training=training)
        nll = _keras_io_nll(x, logits) if self.loss_style == "keras_io" else bernoulli_nll(x, logits)
        recon = ops.mean(nll)
        kl = ops.mean(kl_diagonal(z_mean, z_log_var))
        return recon + self.beta * kl, recon, kl

    def _update(self, total, recon, kl):
        self.loss_tracker.update_state(total)
        self.reconstruction_tracker.update_state(recon)
        self.kl_tracker.update_state(kl)
        return {m.name: m.result() for m in self.metrics}

    # --- convenience, NumPy in and out ----------------------------------------------------
    # Images are checked by data.images.validate_images (shape, NaN/inf, [0, 1]; uint8 is scaled)
    # and codes by errors.codes (shape, NaN/inf): bad input is a DataError, never NaN codes.

    def encode(self, x, batch_size: int = 500):
        """Posterior parameters (z_mean, z_log_var), each (n, latent_dim) NumPy arrays."""
        x, batch_size = validate_images(x, "x"), whole_number("batch_size", batch_size, 500)
        z_mean, z_log_var = self.encoder.predict(x, batch_size=batch_size, verbose=0)
        return z_mean, z_log_var

    def decode_logits(self, z, batch_size: int = 500) -> np.ndarray:
        """Decoder logits for latent codes z (n, latent_dim): (n, 28, 28, 1)."""
        z, batch_size = codes("z", z, self.latent_dim), whole_number("batch_size", batch_size, 500)
        return self.decoder.predict(z, batch_size=batch_size, verbose=0)

    def reconstruction_nll(self, x, z, batch_size: int = 500) -> np.ndarray:
        """-log p(x | z) per image (n,), nats: Bernoulli NLL of x under the decoder's logits at z."""
        x = validate_images(x, "x")
        logits = self.decode_logits(z, batch_size)
        if len(logits) != len(x):
            raise DataError("x, z", f"hold {len(x)} images and {len(logits)} codes", "Pass one code per image.")
        per_pixel = np.logaddexp(0.0, logits) - x * logits
        return per_pixel.reshape(len(per_pixel), -1).sum(axis=1)

    def decode(self, z, batch_size: int = 500) -> np.ndarray:
        """Pixel probabilities (the Bernoulli means) for latent codes z: (n, 28, 28, 1) in [0, 1]."""
        return 1.0 / (1.0 + np.exp(-self.decode_logits(z, batch_size)))

    def reconstruct(self, x) -> np.ndarray:
        """Pixel probabilities decoded from each image's posterior mean: (n, 28, 28, 1)."""
        return self.decode(self.encode(x)[0])

    def sample(self, n: int, seed: int | None = None) -> np.ndarray:
        """n new images: z ~ N(0, I) decoded to pixel probabilities, (n, 28, 28, 1)."""
        n, seed = whole_number("n", n, 64), check_seed("seed", seed)
        z = np.random.default_rng(seed).standard_normal((n, self.latent_dim)).astype(np.float32)
        return self.decode(z)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Also reads models saved by vae_tutorial 0.1, whose conv architecture was called "seed"."""
        architecture = config.get("architecture")
        config = {**config, "architecture": _RENAMED_ARCHITECTURES.get(architecture, architecture)}
        return super().from_config(config, custom_objects)

    def get_config(self):
        return {
            **super().get_config(),
            "latent_dim": self.latent_dim,
            "architecture": self.architecture,
            "beta": self.beta,
            "loss_style": self.loss_style,
            "binarize": self.binarize,
            "seed": self.seed,
        }
