"""The text VAEs' encoder and decoder networks, built from Keras layers: the original guide's
BiGRU encoder and RepeatVector decoder, the LSTM encoder and the autoregressive GRU/LSTM decoder."""

from __future__ import annotations

from vae_tutorial._backend import keras
from keras import layers, ops

from vae_tutorial.text.tokens import BOS_ID


@keras.saving.register_keras_serializable(package="vae_tutorial")
class Reverse(layers.Layer):
    """Reverse a sequence (n, steps, features) in time, keeping its mask: the backward half of a
    bidirectional RNN runs with ``go_backwards=True`` and returns its outputs last step first."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, x):
        return ops.flip(x, axis=1)

    def compute_mask(self, inputs, mask=None):
        return mask  # the backward RNN passes on the input's mask, which is in the original order


def bidirectional_gru(x, units: int, return_sequences: bool, name: str):
    """What ``layers.Bidirectional(layers.GRU(units))`` computes, from two plain GRUs: a forward one
    and one with ``go_backwards=True``, whose outputs (if sequences) are reversed back into the
    forward order, then concatenated: (n, [steps,] 2 * units), padded steps zero as in Bidirectional.

    Why not ``Bidirectional``: its constructor serializes the wrapped layer and deserializes two
    copies. While ``keras.saving.load_model`` rebuilds a model, Keras matches the objects it
    serializes by ``id()``, so once a wrapped GRU has been freed the next one could get its
    ``id()`` and be handed the earlier layer: about one load of a TextVAE in a hundred failed
    with "Forward layer and backward layer should have different `go_backwards` value" (Keras
    3.15; no upstream issue found). Two plain layers are never re-serialized, and the model stays
    public Keras API; ``tests/test_text_vae.py`` saves and loads a few hundred times to check.
    """
    kwargs = {"return_sequences": return_sequences, "zero_output_for_mask": return_sequences}
    forward = layers.GRU(units, name=f"{name}_forward", **kwargs)(x)
    backward = layers.GRU(units, go_backwards=True, name=f"{name}_backward", **kwargs)(x)
    if return_sequences:
        backward = Reverse(name=f"{name}_reverse")(backward)
    return layers.Concatenate(name=name)([forward, backward])


def _rnn(cell: str, units: int, **kwargs):
    return (layers.GRU if cell == "gru" else layers.LSTM)(units, **kwargs)


def build_text_encoder(vocab_size, max_length, latent_dim, embed_dim, units, kind, extra_dim=0) -> keras.Model:
    """ids (n, max_length) [+ a condition (n, extra_dim)] -> (z_mean, z_log_var).

    "bigru" is the original guide's: Embedding, BiGRU(units, sequences), BiGRU(units // 2), Dense(units // 2);
    "lstm" the blog section's, with the Embedding it lacked: Embedding, LSTM(units). Padding is
    masked (``mask_zero``). A condition vector, if any, joins the summary before the heads.
    """
    ids = keras.Input((max_length,), dtype="int32", name="ids")
    x = layers.Embedding(vocab_size, embed_dim, mask_zero=True, name="encoder_embedding")(ids)
    if kind == "bigru":
        x = bidirectional_gru(x, units, True, "encoder_bigru_1")
        x = bidirectional_gru(x, max(1, units // 2), False, "encoder_bigru_2")
        x = layers.Dense(max(1, units // 2), activation="relu")(x)
    else:
        x = layers.LSTM(units)(x)
    inputs = [ids]
    if extra_dim:
        condition = keras.Input((extra_dim,), name="condition")
        inputs.append(condition)
        x = layers.Concatenate()([x, condition])
    heads = [layers.Dense(latent_dim, name="z_mean")(x), layers.Dense(latent_dim, name="z_log_var")(x)]
    return keras.Model(inputs if extra_dim else ids, heads, name="encoder")


def build_text_decoder(vocab_size, max_length, latent_dim, embed_dim, units, kind, cell, extra_dim=0) -> keras.Model:
    """(z [+ condition], decoder input ids) -> logits (n, max_length, vocab_size).

    "repeat" (the original guide's): Dense(units // 2), RepeatVector, BiGRU(units // 2), BiGRU(units),
    per-step Dense; it ignores the input ids, so every word is predicted from z alone.
    "autoregressive": teacher forcing; z sets the recurrent state and joins every input step,
    the input is the target shifted right after [BOS].
    """
    z_in = keras.Input((latent_dim,), name="z")
    prev = keras.Input((max_length,), dtype="int32", name="decoder_ids")
    inputs = [z_in, prev]
    z = z_in
    if extra_dim:
        condition = keras.Input((extra_dim,), name="condition")
        inputs.append(condition)
        z = layers.Concatenate()([z_in, condition])
    if kind == "repeat":
        x = layers.Dense(max(1, units // 2))(z)
        x = layers.RepeatVector(max_length)(x)
        x = bidirectional_gru(x, max(1, units // 2), True, "decoder_bigru_1")
        x = bidirectional_gru(x, units, True, "decoder_bigru_2")
    else:
        emb = layers.Embedding(vocab_size, embed_dim, name="decoder_embedding")(prev)
        x = layers.Concatenate()([emb, layers.RepeatVector(max_length)(z)])
        state = layers.Dense(units, activation="tanh", name="initial_state")(z)
        states = [state] if cell == "gru" else [state, layers.Dense(units, name="initial_cell")(z)]
        x = _rnn(cell, units, return_sequences=True)(x, initial_state=states)
    logits = layers.Dense(vocab_size, name="logits")(x)
    return keras.Model(inputs, logits, name="decoder")


def shift_right(ids):
    """Decoder inputs for teacher forcing: [BOS] followed by ids[:, :-1]."""
    bos = ops.full((ops.shape(ids)[0], 1), BOS_ID, dtype=ids.dtype)
    return ops.concatenate([bos, ids[:, :-1]], axis=1)
