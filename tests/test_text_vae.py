"""TextVAE and LanguageModel: losses against NumPy, word dropout, KL annealing, causality, .keras round trips,
the bidirectional GRU built from two plain ones, and loading again and again in one process."""

import functools
import gc
import time

import numpy as np
import pytest

from vae_tutorial.theory import gaussian
from vae_tutorial.text.tokens import BOS_ID, EOS_ID, PAD_ID, UNK_ID
from vae_tutorial.errors import DataError
from vae_tutorial.theory.losses import linear_schedule
from vae_tutorial.text.language_model import LanguageModel
from vae_tutorial.text.layers import shift_right
from vae_tutorial.text.vae import TextVAE
from vae_tutorial.text.layers import bidirectional_gru
from vae_tutorial.training.callbacks import KLAnnealing
from vae_tutorial.text.recipes import TEXT_RECIPES
from vae_tutorial.text.train import train_text_vae

# isort: split
import keras  # after vae_tutorial's modules, which import TensorFlow quietly

MAX_LENGTH = 12
SMALL = {"latent_dim": 4, "embed_dim": 8, "encoder_units": 16, "decoder_units": 16}
EPOCHS, BATCH, N_TRAIN = 3, 16, 64  # 4 steps per epoch


@pytest.fixture(scope="module")
def data(lee_vectorizer):
    """A 300-word vectorizer of 200 Lee sentences (conftest.py); all training sentences and 50 held-out ones as ids."""
    vectorizer, train, test = lee_vectorizer
    return vectorizer, vectorizer.encode(train), vectorizer.encode(test[:50])


@pytest.fixture(scope="module")
def trained(data):
    """The "cured" recipe (annealing, word dropout, free bits) with small sizes, 3 epochs of 4 steps."""
    vectorizer, x_train, x_val = data
    return train_text_vae(
        x_train[:N_TRAIN],
        x_val[:32],
        vocab_size=vectorizer.vocab_size,
        recipe="cured",
        epochs=EPOCHS,
        latent_dim=SMALL["latent_dim"],
        batch_size=BATCH,
        learning_rate=1e-2,
        verbose=0,
        embed_dim=8,
        encoder_units=16,
        decoder_units=16,
    )


def _shift_right(ids):
    """[BOS] then ids[:, :-1], in NumPy."""
    ids = np.asarray(ids)
    return np.concatenate([np.full((len(ids), 1), BOS_ID, ids.dtype), ids[:, :-1]], axis=1)


def _hand_nll(ids, logits):
    """Minus the log-softmax of each target word, summed over the non-padding positions, float64."""
    logits = np.asarray(logits, np.float64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(log_probs, np.asarray(ids)[..., None], axis=-1)[..., 0]
    return -np.sum(np.where(np.asarray(ids) != PAD_ID, picked, 0.0), axis=1)


def _perturb(model, seed=0):
    """Move every trainable weight away from its initial value, so that a round trip that lost the
    weights (and rebuilt the model from the same seeds) could not pass."""
    rng = np.random.default_rng(seed)
    for variable in model.trainable_weights:
        variable.assign(variable.numpy() + rng.normal(scale=0.2, size=variable.shape).astype("float32"))


def _twin(model, **changes):
    """A compiled copy of a TextVAE with some settings changed, sharing the trained weights."""
    config = {key: value for key, value in model.get_config().items() if key not in ("name", "trainable", "dtype")}
    twin = TextVAE(**{**config, **changes})
    twin.encoder.set_weights(model.encoder.get_weights())
    twin.decoder.set_weights(model.decoder.get_weights())
    twin.compile(keras.optimizers.Adam())
    return twin


def test_shift_right_puts_bos_first_and_drops_the_last_id():
    ids = np.array([[5, 6, 3, 0], [7, 3, 0, 0]], np.int32)
    np.testing.assert_array_equal(np.asarray(shift_right(ids)), [[BOS_ID, 5, 6, 3], [BOS_ID, 7, 3, 0]])


# --- training, the loss bookkeeping, KL annealing ----------------------------------------------


def test_train_text_vae_applies_the_recipe_and_the_overrides(trained):
    model = trained[0]
    cured = TEXT_RECIPES["cured"]
    assert (model.word_dropout, model.free_bits) == (cured.word_dropout, cured.free_bits)
    assert (model.encoder_kind, model.decoder_kind, model.cell) == ("bigru", "autoregressive", "gru")
    assert (model.encoder_units, model.decoder_units, model.embed_dim, model.latent_dim) == (16, 16, 8, 4)
    assert (model.vocab_size, model.max_length) == (300, MAX_LENGTH)


def test_fit_reports_training_and_validation_terms_and_the_annealed_kl_weight(trained):
    model, history = trained
    logs = history.history
    assert set(logs) == {f"{p}{k}" for p in ("", "val_") for k in ("loss", "reconstruction", "kl", "kl_weight")}
    assert all(len(values) == EPOCHS for values in logs.values())
    assert logs["reconstruction"][-1] < logs["reconstruction"][0]
    assert all(value > 0 for key in ("reconstruction", "val_reconstruction") for value in logs[key])
    # the "cured" recipe: warm-up over half of the 12 steps, weight = step / 6 set before each step
    warmup = int(0.5 * EPOCHS * N_TRAIN / BATCH)
    weights = np.array([linear_schedule(step, warmup) for step in range(EPOCHS * N_TRAIN // BATCH)])
    per_epoch = weights.reshape(EPOCHS, -1)
    np.testing.assert_allclose(logs["kl_weight"], per_epoch.mean(axis=1), rtol=1e-6)  # 0.25, 0.875, 1
    np.testing.assert_allclose(logs["val_kl_weight"], per_epoch[:, -1], rtol=1e-6)  # the last step's weight
    assert logs["kl_weight"][0] < logs["kl_weight"][1] < logs["kl_weight"][2] == 1.0
    assert float(model.kl_weight) == pytest.approx(linear_schedule(len(weights) - 1, warmup))


def test_kl_annealing_sets_the_weight_of_each_step_from_the_schedule(trained, data):
    # a copy with a new optimizer (at step 0): the schedule follows the optimizer's step count
    model, x_train = _twin(trained[0]), data[1][:N_TRAIN]
    annealing = KLAnnealing(functools.partial(linear_schedule, warmup_steps=40))
    history = model.fit(x_train, epochs=2, batch_size=BATCH, verbose=0, callbacks=[annealing]).history
    assert annealing.step == 8
    assert float(model.kl_weight) == pytest.approx(linear_schedule(7, 40))  # 7 / 40: the last step's
    # epoch means of steps 0-3 and 4-7: 1.5 / 40 and 5.5 / 40
    np.testing.assert_allclose(history["kl_weight"], [1.5 / 40, 5.5 / 40], rtol=1e-6)
    # another fit (a resumed run) picks the schedule up at the optimizer's step 8, not at 0; an int is a
    # linear warm-up of that many steps
    again = model.fit(x_train, epochs=1, batch_size=BATCH, verbose=0, callbacks=[KLAnnealing(40)]).history
    np.testing.assert_allclose(again["kl_weight"], [9.5 / 40], rtol=1e-6)


def test_evaluate_reports_loss_equal_to_reconstruction_plus_weighted_kl_and_the_kl_in_closed_form(trained, data):
    x_val = data[2]
    z_mean, z_log_var = trained[0].encode(x_val)
    per_dim = gaussian.kl_diag_to_standard(z_mean, z_log_var).mean()
    mean_kl_by_dim = (0.5 * (np.exp(z_log_var) + z_mean**2 - 1.0 - z_log_var)).mean(axis=0)
    floor = float(np.median(mean_kl_by_dim))  # some dimensions below the floor, some above
    assert np.ptp(mean_kl_by_dim) > 0.1
    for free_bits in (0.0, floor):
        model = _twin(trained[0], free_bits=free_bits)
        model.kl_weight.assign(0.37)
        logs = model.evaluate(x_val, batch_size=len(x_val), return_dict=True, verbose=0)  # one test_step
        assert set(logs) == {"loss", "reconstruction", "kl", "kl_weight"}
        assert logs["kl_weight"] == pytest.approx(0.37)
        assert logs["kl"] == pytest.approx(per_dim, rel=1e-5)  # the plain KL, free bits or not
        kl_term = np.maximum(mean_kl_by_dim, free_bits).sum() if free_bits else logs["kl"]
        assert logs["loss"] - logs["reconstruction"] == pytest.approx(0.37 * kl_term, rel=1e-4, abs=1e-4)
        if not free_bits:
            assert logs["loss"] == pytest.approx(logs["reconstruction"] + 0.37 * logs["kl"], rel=1e-6)


# --- word dropout -----------------------------------------------------------------------------


def test_word_dropout_replaces_about_half_the_real_inputs_by_unk_in_training_only(data):
    ids = data[1]  # ~2,300 sentences, ~25,000 real input tokens
    model = TextVAE(300, MAX_LENGTH, word_dropout=0.5, seed=0, **SMALL)
    shifted = _shift_right(ids)
    dropped = np.asarray(model.decoder_inputs(ids, training=True))
    protected = (shifted == PAD_ID) | (shifted == BOS_ID)
    np.testing.assert_array_equal(dropped[protected], shifted[protected])
    changed = dropped != shifted
    assert np.all(dropped[changed] == UNK_ID)
    candidates = ~protected & (shifted != UNK_ID)  # real words that a drop would change
    n = candidates.sum()
    share = changed[candidates].mean()
    assert abs(share - 0.5) < 4 * np.sqrt(0.25 / n), (share, n)
    assert (shifted[~protected] == EOS_ID).any()  # [EOS] is an input word like any other
    again = np.asarray(model.decoder_inputs(ids, training=True))
    assert (again != dropped).mean() > 0.2, "each training step draws a new mask"
    # inference, or no dropout, or the repeat decoder (which ignores its inputs): exactly shift_right
    np.testing.assert_array_equal(np.asarray(model.decoder_inputs(ids, training=False)), shifted)
    for other in (
        TextVAE(300, MAX_LENGTH, word_dropout=0.0, seed=0, **SMALL),
        TextVAE(300, MAX_LENGTH, decoder="repeat", word_dropout=0.5, seed=0, **SMALL),
    ):
        np.testing.assert_array_equal(np.asarray(other.decoder_inputs(ids, training=True)), shifted)


# --- the decoders -----------------------------------------------------------------------------


def test_reconstruction_nll_is_the_masked_nll_of_the_teacher_forced_logits_in_any_chunks(trained, data):
    model, ids = trained[0], data[2][:10]
    z = np.random.default_rng(1).standard_normal((10, model.latent_dim)).astype(np.float32)
    in_chunks = model.reconstruction_nll(ids, z, batch_size=3)
    at_once = model.reconstruction_nll(ids, z, batch_size=1000)
    assert in_chunks.shape == (10,)
    np.testing.assert_allclose(in_chunks, at_once, rtol=1e-6)
    logits = model.decoder_logits(z, _shift_right(ids))
    np.testing.assert_allclose(at_once, _hand_nll(ids, logits), rtol=1e-5)


def test_the_autoregressive_decoder_is_causal(trained, data):
    model, ids = trained[0], data[2][:6]
    z = np.random.default_rng(2).standard_normal((6, model.latent_dim)).astype(np.float32)
    inputs = _shift_right(ids)
    base = model.decoder_logits(z, inputs)
    rng = np.random.default_rng(3)
    for t in (0, 4, MAX_LENGTH - 2):
        changed = inputs.copy()
        changed[:, t + 1 :] = rng.integers(4, model.vocab_size, size=changed[:, t + 1 :].shape)
        logits = model.decoder_logits(z, changed)
        np.testing.assert_allclose(logits[:, : t + 1], base[:, : t + 1], atol=1e-5, rtol=0)
        assert np.abs(logits[:, t + 1] - base[:, t + 1]).max() > 1e-3, t  # the next step does see the change


def test_the_repeat_decoder_ignores_its_input_ids(data):
    model = TextVAE(300, MAX_LENGTH, decoder="repeat", seed=0, **SMALL)
    _perturb(model)
    ids = data[2][:6]
    z = np.random.default_rng(2).standard_normal((6, 4)).astype(np.float32)
    other = np.random.default_rng(3).integers(0, 300, size=ids.shape)
    np.testing.assert_array_equal(model.decoder_logits(z, _shift_right(ids)), model.decoder_logits(z, other))
    assert np.abs(np.diff(model.decoder_logits(z, other), axis=0)).max() > 1e-3  # but it does see z


# --- saving -----------------------------------------------------------------------------------


def _assert_same_text_vae(original, loaded, ids):
    assert isinstance(loaded, TextVAE)
    assert loaded.get_config() == original.get_config()
    for a, b in zip(original.encode(ids), loaded.encode(ids), strict=True):
        np.testing.assert_array_equal(a, b)
    z = np.random.default_rng(4).standard_normal((len(ids), original.latent_dim)).astype(np.float32)
    np.testing.assert_array_equal(original.reconstruction_nll(ids, z), loaded.reconstruction_nll(ids, z))
    assert float(loaded.kl_weight) == float(original.kl_weight)


def test_keras_round_trip_of_the_trained_model_in_safe_mode(trained, data, tmp_path):
    model, ids = trained[0], data[2][:8]
    path = tmp_path / "text_vae.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)  # safe_mode=True
    _assert_same_text_vae(model, loaded, ids)
    assert (loaded.word_dropout, loaded.free_bits, loaded.seed) == (model.word_dropout, model.free_bits, 0)


@pytest.mark.parametrize(
    ("encoder", "decoder", "cell"), [("bigru", "repeat", "gru"), ("lstm", "autoregressive", "lstm")]
)
def test_keras_round_trip_of_every_encoder_decoder_and_cell(encoder, decoder, cell, data, tmp_path):
    model = TextVAE(
        300, MAX_LENGTH, encoder=encoder, decoder=decoder, cell=cell, word_dropout=0.2, free_bits=0.1, seed=7, **SMALL
    )
    _perturb(model)
    model.kl_weight.assign(0.3)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert (loaded.encoder_kind, loaded.decoder_kind, loaded.cell) == (encoder, decoder, cell)
    _assert_same_text_vae(model, loaded, data[2][:8])
    assert float(loaded.kl_weight) == pytest.approx(0.3)


def test_a_rebuilt_text_vae_has_two_distinct_plain_grus_per_bidirectional_gru():
    # While Keras loads a model it matches serialized objects by id(), and Bidirectional
    # serializes the GRU it wraps twice, so a freed GRU's reused id could hand one Bidirectional
    # another's layer (a CI load failed that way). The bidirectional GRUs are now a forward and a
    # go_backwards GRU each, no Bidirectional: rebuilt from its config, a TextVAE has eight distinct GRUs,
    # one forward and one backward per pair.
    config = TextVAE(300, MAX_LENGTH, encoder="bigru", decoder="repeat", **SMALL).get_config()
    model = TextVAE.from_config(config)
    layers = [layer for part in (model.encoder, model.decoder) for layer in part.layers]
    assert not [layer for layer in layers if isinstance(layer, keras.layers.Bidirectional)]
    grus = {layer.name: layer for layer in layers if isinstance(layer, keras.layers.GRU)}
    assert len(grus) == 8 and len({id(w) for w in grus.values()}) == 8
    pairs = sorted({name.rsplit("_", 1)[0] for name in grus})
    assert [grus[f"{pair}_{side}"].go_backwards for pair in pairs for side in ("forward", "backward")] == [
        False,
        True,
    ] * 4


# --- the bidirectional GRU from two plain ones --------------------------------------------------


def _random_weights(layer, rng):
    layer.set_weights([rng.normal(scale=0.5, size=w.shape).astype("float32") for w in layer.get_weights()])


@pytest.mark.parametrize("return_sequences", [True, False])
def test_bidirectional_gru_computes_what_keras_bidirectional_computes(return_sequences):
    steps, units = 7, 5
    ids = keras.Input((steps,), dtype="int32")
    embedded = keras.layers.Embedding(30, 6, mask_zero=True)(ids)  # padding (id 0) masked, as in the encoders
    ours = keras.Model(ids, bidirectional_gru(embedded, units, return_sequences, "bi"))
    bi = keras.layers.Bidirectional(keras.layers.GRU(units, return_sequences=return_sequences))
    theirs = keras.Model(ids, bi(embedded))  # the same Embedding layer
    rng = np.random.default_rng(0)
    _random_weights(bi.forward_layer, rng)  # not the initial zero biases: every weight must be copied right
    _random_weights(bi.backward_layer, rng)
    ours.get_layer("bi_forward").set_weights(bi.forward_layer.get_weights())
    ours.get_layer("bi_backward").set_weights(bi.backward_layer.get_weights())
    x = rng.integers(1, 30, size=(5, steps)).astype("int32")
    for row, length in enumerate([7, 5, 3, 1, 6]):
        x[row, length:] = 0  # padding after the words
    got, expected = keras.ops.convert_to_numpy(ours(x)), keras.ops.convert_to_numpy(theirs(x))
    assert got.shape == expected.shape == ((5, steps, 2 * units) if return_sequences else (5, 2 * units))
    assert np.abs(got - expected).max() == 0.0
    assert np.abs(expected[:, ..., units:]).max() > 1e-3, "the backward half is not all zero"
    if return_sequences:  # padded steps are zero in both halves, as in Bidirectional
        assert np.all(got[x == 0] == 0.0)


# --- saving and loading again and again in one process ----------------------------------------

# Loads per model, 120 in all: the repeat decoder has two bidirectional GRUs (four plain ones) more than the
# autoregressive one. Measured on the idle 2-core CPU: 0.51 s per load of the repeat model with its checks,
# 0.40 s of the autoregressive one, so about 41 + 16 s here (200 loads would take about 95 s).
STRESS_LOADS = {"repeat": 80, "autoregressive": 40}


@pytest.mark.parametrize("decoder", list(STRESS_LOADS))
def test_save_and_load_a_bigru_text_vae_again_and_again_in_one_process(decoder, tmp_path):
    # A load used to fail about once in a hundred (Keras' object sharing matched a freed GRU's reused id()):
    # every load here must give the same model, with garbage collected between loads so that the previous
    # model's layers are freed and their ids can be reused. Every 10th loaded model is saved again, so the
    # file is also a model loaded from a model loaded from ... the original.
    ids = np.array([[5, 6, 3, 0, 0], [7, 8, 9, 10, 3]], np.int32)
    model = TextVAE(20, 5, encoder="bigru", decoder=decoder, seed=0, latent_dim=2, embed_dim=4, encoder_units=4,
                    decoder_units=4)  # fmt: skip
    _perturb(model)
    inputs = [np.random.default_rng(1).standard_normal((2, 2)).astype(np.float32), np.asarray(shift_right(ids))]

    def outputs(m):
        encoded = m.encoder(ids, training=False)
        return [keras.ops.convert_to_numpy(t) for t in (*encoded, m.decoder(inputs, training=False))]

    expected, path = outputs(model), tmp_path / "model.keras"
    model.save(path)
    gc.collect()
    gc.freeze()  # what exists now is never garbage: collections between loads then cost ~0 instead of ~0.5 s
    start = time.perf_counter()
    try:
        for load in range(STRESS_LOADS[decoder]):
            loaded = keras.saving.load_model(path)
            for a, b in zip(expected, outputs(loaded), strict=True):
                np.testing.assert_array_equal(a, b, err_msg=f"load {load}")
            if load % 10 == 9:
                loaded.save(path)
            del loaded
            gc.collect()
    finally:
        gc.unfreeze()
    print(f"{STRESS_LOADS[decoder]} loads of a bigru/{decoder} TextVAE: {time.perf_counter() - start:.1f} s")


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_language_model_nll_by_hand_causality_and_keras_round_trip(cell, data, tmp_path):
    ids = data[2][:8]
    model = LanguageModel(300, MAX_LENGTH, embed_dim=8, units=16, cell=cell)
    _perturb(model, seed=1)
    logits = np.asarray(model(ids))
    nll = model.nll(ids, batch_size=3)
    np.testing.assert_allclose(nll, _hand_nll(ids, logits), rtol=1e-5)
    # logits at t see ids[:t] only: changing ids[t:] leaves them alone
    t = 5
    changed = ids.copy()
    changed[:, t:] = np.random.default_rng(0).integers(4, 300, size=changed[:, t:].shape)
    np.testing.assert_allclose(np.asarray(model(changed))[:, : t + 1], logits[:, : t + 1], atol=1e-5, rtol=0)
    path = tmp_path / "lm.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded, LanguageModel)
    assert loaded.get_config() == model.get_config()
    np.testing.assert_array_equal(loaded.nll(ids), model.nll(ids))


# --- bad arguments --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"decoder": "lstm"}, r"^decoder: unknown name 'lstm'\. Use one of \('repeat', 'autoregressive'\)\.$"),
        ({"encoder": "gru"}, r"^encoder: unknown name 'gru'\. Use one of \('bigru', 'lstm'\)\.$"),
        ({"cell": "rnn"}, r"^cell: unknown name 'rnn'\. Use one of \('gru', 'lstm'\)\.$"),
        ({"word_dropout": 1.0}, r"^word_dropout: must be in \[0, 1\), got 1\.0\."),
        ({"word_dropout": -0.1}, r"^word_dropout: must be in \[0, 1\), got -0\.1\."),
        ({"free_bits": -0.5}, r"^free_bits: must be >= 0, got -0\.5\."),
        ({"free_bits": float("nan")}, r"^free_bits: must be >= 0, got nan\."),
        ({"latent_dim": 0}, r"^latent_dim: must be a positive whole number, got 0\."),
        ({"decoder_units": 2.5}, r"^decoder_units: must be a positive whole number, got 2\.5\."),
    ],
)
def test_text_vae_rejects_bad_arguments_by_name(kwargs, message):
    with pytest.raises(DataError, match=message):
        TextVAE(300, MAX_LENGTH, **kwargs)


def test_language_model_train_text_vae_and_encode_reject_bad_input_by_name(trained):
    with pytest.raises(DataError, match=r"^cell: unknown name 'rnn'\."):
        LanguageModel(300, MAX_LENGTH, cell="rnn")
    ids = np.full((4, MAX_LENGTH), 5, np.int32)
    with pytest.raises(
        DataError, match=r"^recipe: expected a TextRecipe or one of repeat, collapse, cured, got 'fancy'\."
    ):
        train_text_vae(ids, recipe="fancy")
    with pytest.raises(
        DataError, match=r"^train_ids: expected a non-empty \(n, max_length\) array, got shape \(0, 12\)"
    ):
        train_text_vae(np.zeros((0, MAX_LENGTH)))
    with pytest.raises(DataError, match=r"^ids: expected shape \(n, 12\), got \(4, 5\)\."):
        trained[0].encode(np.zeros((4, 5)))
