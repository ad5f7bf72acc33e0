"""What every model of the series shares: one training and one evaluation step around its loss."""

from __future__ import annotations

from pathlib import Path

from vae_tutorial._backend import keras, tf
from vae_tutorial.errors import DataError


class LossModel(keras.Model):
    """A ``keras.Model`` whose subclass provides ``_loss_terms(data, training) -> (total, ...)``
    (scalars, nats per example; a VAE returns total, reconstruction, kl and may add terms) and
    ``_update(*terms)`` (updates its metric trackers and returns their results). ``fit``
    minimises ``total``, the first term. The image VAE, the text VAEs and the language model
    all train through these two steps.

    Under a ``tf.distribute`` strategy each replica sees 1/N of the global batch and Keras
    *sums* the replicas' gradients, so the gradient is taken of ``total / N``: the sum is then
    the gradient of the global batch's mean, as on one device."""

    def train_step(self, data):
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        with tf.GradientTape() as tape:
            terms = self._loss_terms(data, training=True)
            replica_share = terms[0] / replicas  # inside the tape, or it has no gradient
        grads = tape.gradient(replica_share, self.trainable_weights)
        self.optimizer.apply(grads, self.trainable_weights)
        return self._update(*terms)

    def test_step(self, data):
        return self._update(*self._loss_terms(data, training=False))


def load_model(path, kind: type = keras.Model) -> keras.Model:
    """Load a ``.keras`` file in safe mode and check that it holds a ``kind`` (e.g. ImageVAE).

    A missing file, a file that is not a Keras model, or a model of another class is a
    DataError naming the file, never a stack trace from inside Keras. The series' model
    classes register themselves when their modules are imported: import the module of
    ``kind`` first (passing ``kind`` does that)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(str(path), "no such file", "Pass the model.keras written by save() or the CLI.")
    try:
        model = keras.saving.load_model(str(path), safe_mode=True)
    except Exception as exc:  # a corrupt or foreign file: say which, not where inside Keras it failed
        raise DataError(
            str(path),
            f"cannot be loaded as a Keras model ({type(exc).__name__})",
            "Pass a .keras file saved by Keras 3 with this version of vae_tutorial "
            "(a text VAE saved by vae_tutorial 0.1 must be trained again).",
        ) from None
    if not isinstance(model, kind):
        raise DataError(
            str(path),
            f"holds a {type(model).__name__}, not the expected {kind.__name__}",
            f"Pass a file saved from {kind.__name__}.",
        )
    return model
