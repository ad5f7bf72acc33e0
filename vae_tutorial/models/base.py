"""What every VAE of the series shares: one training and one evaluation step around its loss."""

from __future__ import annotations

from vae_tutorial._tensorflow import tf
import keras  # noqa: E402


class VAEModel(keras.Model):
    """A ``keras.Model`` whose subclass provides ``_loss_terms(data, training) -> (total,
    reconstruction, kl, ...)`` (scalars, nats per example; a subclass may add terms) and
    ``_update(*terms)`` (updates its metric trackers and returns their results). ``fit``
    minimises ``total``, the first term.

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
