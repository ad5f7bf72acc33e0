"""ConditionalTextVAE, chunk conditions, the latent penalty of TextVAE and its recipe helpers."""

import numpy as np
import pytest
from gensim.models import KeyedVectors

from vae_tutorial.text.constraints import chunk_conditions, codes_around, nearest_topics, separated_codes, topic_targets
from vae_tutorial.text.tokens import Vectorizer
from vae_tutorial.text.embeddings import text_vector, topic_vector
from vae_tutorial.errors import DataError
from vae_tutorial.text.conditional import ConditionalTextVAE
from vae_tutorial.text.layers import shift_right
from vae_tutorial.text.vae import TextVAE
from vae_tutorial.text.train import train_conditional_vae, train_text_vae, train_with_latent_penalty
from vae_tutorial.text import decoder

# isort: split
import keras  # after vae_tutorial's modules, which import TensorFlow quietly

MAX_LENGTH, VOCAB, DIM = 12, 300, 6  # DIM: the constraint (embedding) size
SMALL = {"latent_dim": 4, "embed_dim": 8, "encoder_units": 16, "decoder_units": 16}
METRICS = {"loss", "reconstruction", "kl", "kl_weight"}
WRONG_DIM = (
    r"^condition: expected shape \(8, 6\), got \({}\)\. Pass one vector of size 6 per example \(the embedding size\)\.$"
)


@pytest.fixture(scope="module")
def data(lee_vectorizer):
    """A 300-word vectorizer of 200 Lee sentences (conftest.py), 64 training and 16 held-out sentences as ids,
    with random unit constraint vectors (n, DIM)."""
    vectorizer, train, test = lee_vectorizer
    assert (vectorizer.vocab_size, vectorizer.max_length) == (VOCAB, MAX_LENGTH)
    rng = np.random.default_rng(0)
    conditions = rng.standard_normal((80, DIM)).astype(np.float32)
    conditions /= np.linalg.norm(conditions, axis=1, keepdims=True)
    return vectorizer, vectorizer.encode(train[:64]), vectorizer.encode(test[:16]), conditions[:64], conditions[64:]


@pytest.fixture(scope="module")
def trained(data):
    """train_conditional_vae with the "cured" recipe, small sizes, a condition scale of 2, 2 epochs of 4 steps."""
    _, x_train, x_val, c_train, c_val = data
    return train_conditional_vae(
        x_train,
        c_train,
        x_val,
        c_val,
        vocab_size=VOCAB,
        epochs=2,
        batch_size=16,
        learning_rate=1e-2,
        verbose=0,
        condition_scale=2.0,
        **SMALL,
    )


@pytest.fixture(scope="module")
def tiny_kv():
    """Hand-made 3-d word vectors: fire and blaze along x, cricket and wicket along y, 'the' along z."""
    kv = KeyedVectors(3)
    words = ["fire", "blaze", "cricket", "wicket", "the", "police"]
    vectors = [[1, 0, 0], [3, 0.5, 0], [0, 1, 0], [0.2, 2, 0], [0, 0, 1], [1, 1, 1]]
    kv.add_vectors(words, np.array(vectors, np.float32))
    return kv


def _perturb(model, seed=0):
    """Move every trainable weight away from its initial value (a zero-initialised bias would hide a lost input)."""
    rng = np.random.default_rng(seed)
    for variable in model.trainable_weights:
        variable.assign(variable.numpy() + rng.normal(scale=0.2, size=variable.shape).astype("float32"))


def _codes(n, seed=1, dim=SMALL["latent_dim"]):
    return np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)


# --- the constraint reaches the encoder and the decoder ------------------------------------------


def test_the_decoder_and_the_encoder_change_with_the_constraint_alone(data):
    _, _, ids, _, conditions = data
    ids, conditions = ids[:8], conditions[:8]
    model = ConditionalTextVAE(VOCAB, MAX_LENGTH, DIM, seed=0, **SMALL)
    _perturb(model)
    z, inputs = _codes(8), np.asarray(shift_right(ids))
    other = np.roll(conditions, 1, axis=0)  # same vectors, other rows: only the constraint changes
    base = model.decoder_logits(z, inputs, conditions)
    np.testing.assert_array_equal(model.decoder_logits(z, inputs, conditions.copy()), base)
    assert np.abs(model.decoder_logits(z, inputs, other) - base).min(axis=-1).max() > 1e-3
    assert np.abs(model.decoder_logits(z, inputs, other)[:, 0] - base[:, 0]).max() > 1e-3  # from the first word on
    z_mean, z_log_var = model.encode(ids, conditions)
    np.testing.assert_array_equal(model.encode(ids, conditions)[0], z_mean)
    for a, b in zip(model.encode(ids, other), (z_mean, z_log_var), strict=True):
        assert np.abs(a - b).max() > 1e-3
    # one vector (DIM,) stands for every row
    np.testing.assert_allclose(
        model.decoder_logits(z, inputs, conditions[3]),
        model.decoder_logits(z, inputs, np.repeat(conditions[3:4], 8, axis=0)),
        rtol=1e-6,
        atol=1e-6,
    )


def test_the_condition_scale_multiplies_the_constraint_once_on_every_path(data):
    _, _, ids, _, conditions = data
    ids, conditions = ids[:8], conditions[:8]
    scaled = ConditionalTextVAE(VOCAB, MAX_LENGTH, DIM, condition_scale=3.0, seed=0, **SMALL)
    _perturb(scaled)
    plain = ConditionalTextVAE(VOCAB, MAX_LENGTH, DIM, condition_scale=1.0, seed=0, **SMALL)
    plain.set_weights(scaled.get_weights())
    assert ConditionalTextVAE(VOCAB, MAX_LENGTH, 16, **SMALL).condition_scale == 4.0  # default sqrt(condition_dim)
    z, inputs = _codes(8), np.asarray(shift_right(ids))
    for a, b in zip(scaled.encode(ids, conditions), plain.encode(ids, 3 * conditions), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        scaled.decoder_logits(z, inputs, conditions), plain.decoder_logits(z, inputs, 3 * conditions), atol=1e-5
    )
    np.testing.assert_allclose(
        scaled.reconstruction_nll(ids, z, conditions), plain.reconstruction_nll(ids, z, 3 * conditions), rtol=1e-5
    )
    np.testing.assert_array_equal(
        decoder.decode(scaled, z, condition=conditions[0]), decoder.decode(plain, z, condition=3 * conditions[0])
    )
    for model in (scaled, plain):
        model.compile(keras.optimizers.Adam())
    logs = scaled.evaluate((ids, conditions), batch_size=8, return_dict=True, verbose=0)  # the fit/evaluate path
    assert logs == pytest.approx(plain.evaluate((ids, 3 * conditions), batch_size=8, return_dict=True, verbose=0))


def test_generation_follows_the_constraint(data):
    vectorizer, _, _, _, conditions = data
    model = ConditionalTextVAE(VOCAB, MAX_LENGTH, DIM, seed=0, **SMALL)
    _perturb(model, seed=3)
    z = _codes(6)
    a = decoder.decode(model, z, condition=conditions[0])
    assert a.shape == (6, MAX_LENGTH)
    np.testing.assert_array_equal(decoder.decode(model, z, condition=conditions[0]), a)
    assert (decoder.decode(model, z, condition=-conditions[0]) != a).any()


# --- training and saving -------------------------------------------------------------------------


def test_train_conditional_vae_fits_on_ids_and_conditions_with_the_text_vae_metrics(trained):
    model, history = trained
    assert isinstance(model, ConditionalTextVAE)
    settings = (model.condition_dim, model.condition_scale, model.latent_dim, model.decoder_kind, model.word_dropout)
    assert settings == (DIM, 2.0, 4, "autoregressive", 0.4)
    assert set(history.history) == METRICS | {f"val_{name}" for name in METRICS}
    assert history.history["kl_weight"][0] < history.history["kl_weight"][1]  # annealed, as the recipe says
    assert all(np.isfinite(v).all() for v in history.history.values())


def test_keras_round_trip_in_safe_mode_gives_identical_codes_and_logits(trained, data, tmp_path):
    model, ids, conditions = trained[0], data[2][:8], data[4][:8]
    _perturb(model, seed=5)  # weights far from any that a rebuild from the seeds would give
    path = tmp_path / "conditional.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(loaded, ConditionalTextVAE)
    assert loaded.get_config() == model.get_config()
    assert (loaded.condition_dim, loaded.condition_scale) == (DIM, 2.0)  # not the default sqrt(DIM)
    for a, b in zip(model.encode(ids, conditions), loaded.encode(ids, conditions), strict=True):
        np.testing.assert_array_equal(a, b)
    z, inputs = _codes(8), np.asarray(shift_right(ids))
    np.testing.assert_array_equal(
        model.decoder_logits(z, inputs, conditions), loaded.decoder_logits(z, inputs, conditions)
    )


# --- a constraint of the wrong size ----------------------------------------------------------------


def test_a_constraint_of_the_wrong_size_is_a_data_error_naming_the_embedding_size(trained, data):
    model, ids = trained[0], data[2][:8]
    wrong = np.zeros((8, 4), np.float32)
    with pytest.raises(DataError, match=WRONG_DIM.format("8, 4")):
        model.encode(ids, wrong)
    with pytest.raises(DataError, match=WRONG_DIM.format("8, 4")):
        model.decoder_logits(_codes(8), np.asarray(shift_right(ids)), wrong)
    with pytest.raises(DataError, match=WRONG_DIM.format("4,")):
        decoder.decode(model, _codes(8), condition=np.ones(4))
    with pytest.raises(DataError, match=r"^condition: is missing\. Pass one vector of size 6"):
        model.encode(ids)
    fresh = ConditionalTextVAE(VOCAB, MAX_LENGTH, DIM, **SMALL)  # fit traces its step with the inputs' shapes
    fresh.compile(keras.optimizers.Adam())
    with pytest.raises(DataError, match=r"^condition: expected shape \(n, 6\), got \(16, 4\)\."):
        fresh.fit((data[1], np.zeros((64, 4), np.float32)), batch_size=16, epochs=1, verbose=0)
    with pytest.raises(DataError, match=r"^x: a ConditionalTextVAE trains on \(ids, conditions\)"):
        fresh.fit(data[1], epochs=1, verbose=0)


def test_train_conditional_vae_checks_the_conditions_before_training(data):
    _, x_train, x_val, c_train, c_val = data
    fix = r"Pass one vector of size 6 per example \(the embedding size\)\.$"
    with pytest.raises(DataError, match=r"^train_conditions: expected shape \(64, 6\), got \(64, 4\)\. " + fix):
        train_conditional_vae(x_train, c_train[:, :4], condition_dim=DIM)
    with pytest.raises(DataError, match=r"^train_conditions: expected shape \(64, 6\), got \(63, 6\)\."):
        train_conditional_vae(x_train, c_train[:63])
    with pytest.raises(DataError, match=r"^val_conditions: expected shape \(16, 6\), got \(16, 5\)\. " + fix):
        train_conditional_vae(x_train, c_train, x_val, c_val[:, :5])
    with pytest.raises(DataError, match=r"^val_ids, val_conditions: only one of them is given"):
        train_conditional_vae(x_train, c_train, x_val)


def test_a_conditional_model_takes_no_latent_penalty():
    with pytest.raises(DataError, match=r"^latent_penalty: is 1\.0, but a conditional model takes its constraint"):
        ConditionalTextVAE(VOCAB, MAX_LENGTH, DIM, latent_penalty=1.0, **SMALL)
    with pytest.raises(DataError, match=r"^condition_dim: must be a positive whole number, got 0\."):
        ConditionalTextVAE(VOCAB, MAX_LENGTH, 0, **SMALL)
    with pytest.raises(DataError, match=r"^condition_scale: must be a positive number, got 0\."):
        ConditionalTextVAE(VOCAB, MAX_LENGTH, DIM, condition_scale=0, **SMALL)


# --- chunk conditions and topic targets ------------------------------------------------------------


def test_chunk_conditions_are_the_text_vectors_of_the_chunks(tiny_kv):
    chunks = ["Fire, blaze!", "the cricket unknownword", "nothing known here", "police fire fire"]
    conditions = chunk_conditions(tiny_kv, chunks)
    assert conditions.dtype == np.float32 and conditions.shape == (4, 3)
    np.testing.assert_array_equal(conditions, np.stack([text_vector(tiny_kv, c) for c in chunks]))
    np.testing.assert_allclose(conditions[1], np.array([0, 1, 1]) / np.sqrt(2), rtol=1e-6)  # by hand
    np.testing.assert_array_equal(conditions[2], 0.0)
    assert chunk_conditions(tiny_kv, []).shape == (0, 3)


def test_topic_targets_give_each_chunk_the_code_of_its_nearest_topic(tiny_kv):
    chunks = ["fire the blaze", "cricket wicket", "wicket fire cricket", "no known words", "fire"]
    vectorizer = Vectorizer.build(chunks, max_length=MAX_LENGTH)
    model = TextVAE(vectorizer.vocab_size, MAX_LENGTH, seed=0, **SMALL)
    _perturb(model)
    topics = {"bushfires": ["fire", "blaze"], "cricket": ["cricket", "wicket"]}
    vectors = {name: topic_vector(tiny_kv, words) for name, words in topics.items()}
    assert nearest_topics(tiny_kv, chunks, vectors) == ["bushfires", "cricket", "cricket", None, "bushfires"]
    targets, codes = topic_targets(model, vectorizer, tiny_kv, chunks, topics)
    keyword_codes = model.encode(vectorizer.encode(["fire blaze", "cricket wicket"]))[0]
    np.testing.assert_allclose(codes["bushfires"], keyword_codes[0], rtol=1e-6)
    np.testing.assert_allclose(codes["cricket"], keyword_codes[1], rtol=1e-6)
    own = model.encode(vectorizer.encode(chunks))[0]
    expected = [codes["bushfires"], codes["cricket"], codes["cricket"], own[3], codes["bushfires"]]
    np.testing.assert_allclose(targets, np.stack(expected), rtol=1e-6)
    assert targets.dtype == np.float32 and targets.shape == (5, 4)
    # codes of one's own, e.g. one latent axis per topic
    axes = separated_codes(topics, 4, radius=2.0)
    np.testing.assert_array_equal(axes["bushfires"], [2, 0, 0, 0])
    np.testing.assert_array_equal(axes["cricket"], [0, 2, 0, 0])
    targets, codes = topic_targets(model, vectorizer, tiny_kv, chunks, topics, axes)
    np.testing.assert_array_equal(
        targets[[0, 1, 2, 4]], [axes["bushfires"], axes["cricket"], axes["cricket"], axes["bushfires"]]
    )
    np.testing.assert_allclose(targets[3], own[3], rtol=1e-6)
    with pytest.raises(DataError, match=r"^codes: has no code for 'cricket'\."):
        topic_targets(model, vectorizer, tiny_kv, chunks, topics, {"bushfires": axes["bushfires"]})


def test_codes_around_a_code_are_centred_on_it_with_the_given_spread():
    code = np.array([1.0, -2.0, 0.5], np.float32)
    z = codes_around(code, n=4000, scale=0.5, seed=0)
    assert z.shape == (4000, 3) and z.dtype == np.float32
    np.testing.assert_allclose(z.mean(axis=0), code, atol=0.05)
    np.testing.assert_allclose(z.std(axis=0), 0.5, rtol=0.05)
    np.testing.assert_array_equal(codes_around(code, 3, seed=1), codes_around(code, 3, seed=1))


# --- the latent penalty ------------------------------------------------------------------------------


def _penalized_pair(penalty, margin):
    """A TextVAE with the latent penalty and its twin without, same seeds and weights, compiled."""
    plain = TextVAE(VOCAB, MAX_LENGTH, seed=0, **SMALL)
    _perturb(plain)
    model = TextVAE(VOCAB, MAX_LENGTH, seed=0, latent_penalty=penalty, penalty_margin=margin, **SMALL)
    model.set_weights(plain.get_weights())
    for m in (plain, model):
        m.compile(keras.optimizers.Adam())
    return plain, model


def test_the_penalty_adds_its_weight_times_the_hinge_on_the_squared_distance(data):
    ids = data[2]  # one batch of 16
    plain, model = _penalized_pair(0.7, 1.5)
    z_mean = plain.encode(ids)[0].astype(np.float64)
    offsets = np.random.default_rng(2).standard_normal(z_mean.shape)
    offsets *= np.sqrt(np.linspace(0.2, 4.0, len(ids)))[:, None] / np.linalg.norm(offsets, axis=1, keepdims=True)
    targets = (z_mean + offsets).astype(np.float32)  # squared distances 0.2 ... 4.0 around the margin 1.5
    hinge = np.maximum(np.sum((z_mean - targets) ** 2, axis=1) - 1.5, 0.0).mean()
    assert 0 < hinge and (np.sum(offsets**2, axis=1) < 1.5).any()
    base = plain.evaluate(ids, batch_size=len(ids), return_dict=True, verbose=0)  # one test_step, same noise
    logs = model.evaluate((ids, targets), batch_size=len(ids), return_dict=True, verbose=0)
    assert set(base) == METRICS and set(logs) == METRICS | {"penalty"}
    assert logs["penalty"] == pytest.approx(0.7 * hinge, rel=1e-4)
    assert logs["loss"] == pytest.approx(base["loss"] + 0.7 * hinge, rel=1e-5)
    assert (logs["reconstruction"], logs["kl"]) == pytest.approx((base["reconstruction"], base["kl"]), rel=1e-6)


def test_the_penalty_is_zero_within_the_margin(data):
    ids = data[2]
    plain, model = _penalized_pair(5.0, 0.5)
    targets = plain.encode(ids)[0] + 0.3 / np.sqrt(SMALL["latent_dim"])  # squared distance 0.09 < 0.5
    base = plain.evaluate(ids, batch_size=len(ids), return_dict=True, verbose=0)
    logs = model.evaluate((ids, targets), batch_size=len(ids), return_dict=True, verbose=0)
    assert logs["penalty"] == 0.0
    assert logs["loss"] == pytest.approx(base["loss"], rel=1e-6)


def test_training_with_the_penalty_pulls_the_codes_to_their_targets_and_keeps_the_settings(data, tmp_path):
    _, x_train, x_val, _, _ = data
    plain = TextVAE(VOCAB, MAX_LENGTH, seed=0, **SMALL)
    targets = np.tile(np.array([[2.0, -2.0, 1.0, 0.0]], np.float32), (len(x_train), 1))
    before = np.mean(np.sum((plain.encode(x_train)[0] - targets) ** 2, axis=1))
    tuned, history = train_with_latent_penalty(
        plain, x_train, targets, x_val, targets[:16], latent_penalty=10.0, penalty_margin=0.1, epochs=2,
        batch_size=16, learning_rate=0.05, verbose=0,
    )  # fmt: skip
    after = np.mean(np.sum((tuned.encode(x_train)[0] - targets) ** 2, axis=1))
    assert after < 0.2 * before, (before, after)  # about 9 -> 0.6; without the penalty it stays near 9
    assert set(history.history) == (METRICS | {"penalty"}) | {f"val_{m}" for m in METRICS | {"penalty"}}
    assert plain.latent_penalty == 0.0  # the model fine-tuned is a copy
    path = tmp_path / "penalized.keras"
    tuned.save(path)
    loaded = keras.saving.load_model(path)
    assert (loaded.latent_penalty, loaded.penalty_margin) == (10.0, 0.1)
    assert loaded.get_config() == tuned.get_config()


def test_the_penalty_needs_targets_of_the_latent_size(data):
    ids = data[2]
    _, model = _penalized_pair(1.0, 0.0)
    with pytest.raises(DataError, match=r"^x: a TextVAE with a latent penalty trains on \(ids, target_codes\)"):
        model.evaluate(ids, verbose=0)
    with pytest.raises(DataError, match=r"^target_codes: expected shape \(n, 4\), got \(None, 3\)\."):
        model.evaluate((ids, np.zeros((16, 3), np.float32)), verbose=0)
    with pytest.raises(DataError, match=r"^train_targets: expected shape \(16, 4\), got \(16, 3\)\."):
        train_with_latent_penalty(TextVAE(VOCAB, MAX_LENGTH, **SMALL), ids, np.zeros((16, 3)))
    for name in ("latent_penalty", "penalty_margin"):
        with pytest.raises(DataError, match=rf"^{name}: must be >= 0, got -1\.0\."):
            TextVAE(VOCAB, MAX_LENGTH, **{name: -1.0})


def test_both_text_trainers_name_an_unknown_recipe_and_list_the_known_ones():
    ids = np.ones((4, 6), np.int32)
    message = r"^recipe: expected a TextRecipe or one of repeat, collapse, cured, got 'fancy'\. Pass a known recipe\."
    with pytest.raises(DataError, match=message):
        train_text_vae(ids, recipe="fancy")
    with pytest.raises(DataError, match=message):
        train_conditional_vae(ids, np.ones((4, 3), np.float32), recipe="fancy")
