"""Decoding codes into text: greedy, sampling, top-k and beam search against hand computations with the
teacher-forced logits, an exhaustive search, and variations / interpolation / samples of a trained tiny model."""

import gc
import itertools
import weakref

import numpy as np
import pytest

from vae_tutorial import generation
from vae_tutorial.data.text import BOS_ID, EOS_ID, PAD_ID, UNK_ID
from vae_tutorial.errors import DataError
from vae_tutorial.models.text_vae import TextVAE

MAX_LENGTH = 12
LATENT = 4


@pytest.fixture(scope="module")
def vectorizer_and_ids(tiny_sentences):
    """64 short Lee sentences (3 to 10 words: none is cut) and a vectorizer that knows their words (conftest.py)."""
    return tiny_sentences.vectorizer, tiny_sentences.texts, tiny_sentences.ids


@pytest.fixture(scope="module")
def model(tiny_text_vae):
    """An autoregressive model that uses its code (conftest.py): 64 sentences learnt for 30 epochs, with
    free bits and word dropout pushing the decoder to rely on z."""
    return tiny_text_vae


@pytest.fixture(scope="module")
def codes():
    """Eight codes from the prior: the decoders' inputs in most tests."""
    return np.random.default_rng(0).standard_normal((8, LATENT)).astype(np.float32)


def _shift_right(ids):
    ids = np.asarray(ids)
    return np.concatenate([np.full((len(ids), 1), BOS_ID, ids.dtype), ids[:, :-1]], axis=1)


def _log_softmax(logits):
    logits = np.asarray(logits, np.float64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _until_eos(row):
    """Positions 0..first [EOS] (inclusive), or the whole row."""
    ends = np.flatnonzero(row == EOS_ID)
    return range(ends[0] + 1 if len(ends) else len(row))


def _hand_scores(model, z, ids):
    """log p(ids | z) by teacher forcing, summing every position up to the first [EOS] (padding
    included if the decoder chose it there): the score that a beam search maximises."""
    log_probs = _log_softmax(model.decoder_logits(z, _shift_right(ids), batch_size=4096))
    return np.array([sum(log_probs[i, t, row[t]] for t in _until_eos(row)) for i, row in enumerate(ids)])


def _assert_eos_then_padding(ids):
    """Each row: words, [EOS], then only [PAD]; or max_length words and no [EOS]."""
    for row in ids:
        ends = np.flatnonzero(row == EOS_ID)
        words = row[: ends[0]] if len(ends) else row
        if len(ends):
            assert np.all(row[ends[0] + 1 :] == PAD_ID), row
        assert np.all((words != PAD_ID) & (words != BOS_ID)), row


# --- greedy, sampling, top-k ----------------------------------------------------------------


def test_greedy_picks_the_argmax_of_the_teacher_forced_logits_at_every_step(model, codes):
    ids = generation.decode(model, codes)
    assert ids.shape == (8, MAX_LENGTH) and ids.dtype == np.int32
    np.testing.assert_array_equal(generation.decode(model, codes), ids)  # deterministic
    _assert_eos_then_padding(ids)
    # the decoder is causal, so teacher forcing on the output replays the decoding steps
    logits = model.decoder_logits(codes, _shift_right(ids))
    logits[..., [PAD_ID, BOS_ID]] = -np.inf  # never words: the decoder never chooses them
    for i, row in enumerate(ids):
        for t in _until_eos(row):
            assert logits[i, t, row[t]] >= logits[i, t].max() - 1e-5, (i, t)
    assert len({tuple(row) for row in ids}) > 1, "the decoder should use z"


def test_top_k_samples_among_the_k_likeliest_words_and_k_1_is_greedy(model, codes):
    greedy = generation.decode(model, codes)
    np.testing.assert_array_equal(generation.decode(model, codes, "top_k", k=1, seed=3), greedy)
    ids = generation.decode(model, codes, "top_k", k=3, seed=3)
    _assert_eos_then_padding(ids)
    np.testing.assert_array_equal(generation.decode(model, codes, "top_k", k=3, seed=3), ids)
    assert not np.array_equal(ids, greedy)
    logits = model.decoder_logits(codes, _shift_right(ids))
    logits[..., [PAD_ID, BOS_ID]] = -np.inf  # never words: the decoder never chooses them
    for i, row in enumerate(ids):
        for t in _until_eos(row):
            third = np.sort(logits[i, t])[-3]  # among the words it may choose
            assert logits[i, t, row[t]] >= third - 1e-5, (i, t)


def test_sampling_is_reproducible_for_a_seed_and_sharp_at_low_temperature(model, codes):
    ids = generation.decode(model, codes, "sample", seed=5)
    _assert_eos_then_padding(ids)
    np.testing.assert_array_equal(generation.decode(model, codes, "sample", seed=5), ids)
    assert not np.array_equal(generation.decode(model, codes, "sample", seed=6), ids)
    # softmax(logits / 1e-4) puts all its mass on the argmax: greedy
    np.testing.assert_array_equal(
        generation.decode(model, codes, "sample", temperature=1e-4, seed=5), generation.decode(model, codes)
    )


# --- beam search ----------------------------------------------------------------------------


def test_beam_of_width_one_is_greedy(model, codes):
    np.testing.assert_array_equal(
        generation.decode(model, codes, "beam", beam_width=1), generation.decode(model, codes)
    )


def test_beam_scores_higher_than_greedy_on_the_whole(model, codes):
    greedy = generation.decode(model, codes)
    beam = generation.decode(model, codes, "beam", beam_width=4)
    _assert_eos_then_padding(beam)
    greedy_scores = generation.sequence_log_prob(model, codes, greedy)
    beam_scores = generation.sequence_log_prob(model, codes, beam)
    # a beam may prune the greedy path and end lower (no guarantee), but not often, and it wins on average
    assert np.sum(beam_scores >= greedy_scores - 1e-4) >= 6, (beam_scores, greedy_scores)
    assert np.mean(beam_scores - greedy_scores) > 1.0, (beam_scores, greedy_scores)
    # sequence_log_prob is the teacher-forced score (no padding chosen before [EOS] here)
    np.testing.assert_allclose(beam_scores, _hand_scores(model, codes, beam), rtol=1e-5)


def _tiny(vocab_size, max_length, decoder, scale, seed, special_bias=-30.0):
    """An untrained TextVAE whose decoder weights are moved at random (sharper distributions), with a
    logit bias on [PAD] and [BOS]: -30 makes them never chosen, as in a trained decoder."""
    tiny = TextVAE(
        vocab_size, max_length, latent_dim=2, embed_dim=4, encoder="lstm", decoder=decoder, encoder_units=4, seed=0
    )
    rng = np.random.default_rng(seed)
    for variable in tiny.decoder.trainable_weights:
        variable.assign(variable.numpy() + rng.normal(scale=scale, size=variable.shape).astype("float32"))
    bias = tiny.decoder.get_layer("logits").bias
    bias.assign(bias.numpy() + special_bias * np.isin(np.arange(vocab_size), [PAD_ID, BOS_ID]))
    return tiny


def test_a_beam_wider_than_all_prefixes_finds_the_best_sequence_of_an_exhaustive_search():
    # 6 words, length 4: 6^3 = 216 prefixes fit in the beam, so nothing is pruned before the last step
    tiny = _tiny(6, 4, "autoregressive", scale=1.0, seed=1)
    rng = np.random.default_rng(1)
    candidates = np.array(list(itertools.product(range(6), repeat=4)), np.int32)
    for i, row in enumerate(candidates):  # what decoding can return: padding after the first [EOS]
        candidates[i, _until_eos(row).stop :] = PAD_ID
    candidates = np.unique(candidates, axis=0)
    for z in rng.standard_normal((3, 1, 2)).astype(np.float32):
        scores = _hand_scores(tiny, np.repeat(z, len(candidates), axis=0), candidates)
        found = generation.decode(tiny, z, "beam", beam_width=216)
        assert _hand_scores(tiny, z, found)[0] == pytest.approx(scores.max(), abs=1e-4)
        narrow = generation.decode(tiny, z, "beam", beam_width=1)  # greedy: never better than the optimum
        assert _hand_scores(tiny, z, narrow)[0] <= scores.max() + 1e-4


def test_the_repeat_decoder_decodes_every_position_from_one_pass():
    tiny = _tiny(20, 6, "repeat", scale=0.5, seed=2)
    z = np.random.default_rng(2).standard_normal((30, 2)).astype(np.float32)
    by_hand = tiny.decoder_logits(z, np.zeros((30, 6), np.int32)).argmax(-1)
    for row in by_hand:
        row[_until_eos(row).stop :] = PAD_ID
    greedy = generation.decode(tiny, z)
    np.testing.assert_array_equal(greedy, by_hand)
    np.testing.assert_array_equal(generation.decode(tiny, z, "beam"), greedy)  # beam falls back to greedy
    np.testing.assert_array_equal(generation.decode(tiny, z, "top_k", k=1, seed=0), greedy)
    _assert_eos_then_padding(generation.decode(tiny, z, "sample", seed=0))


def test_decode_never_emits_pad_or_bos_as_a_word():
    # decoders that favour the two (a trained one gives them a little probability, as they are never
    # targets): the ids of a sentence must still be words, then [EOS], then padding, for every method
    z = np.random.default_rng(3).standard_normal((6, 2)).astype(np.float32)
    failures = []
    for decoder in ("autoregressive", "repeat"):
        tiny = _tiny(8, 5, decoder, scale=0.5, seed=3, special_bias=5.0)
        for method in generation.METHODS:
            ids = generation.decode(tiny, z, method, k=3, beam_width=3, seed=0)
            words = [row[: _until_eos(row).stop - (EOS_ID in row)] for row in ids]
            if any(np.isin(w, [PAD_ID, BOS_ID]).any() for w in words):
                failures.append((decoder, method))
    assert not failures


def test_unknown_false_never_chooses_unk_even_when_the_decoder_favours_it():
    z = np.random.default_rng(4).standard_normal((6, 2)).astype(np.float32)
    for decoder in ("autoregressive", "repeat"):
        tiny = _tiny(8, 5, decoder, scale=0.5, seed=4)
        bias = tiny.decoder.get_layer("logits").bias
        bias.assign(bias.numpy() + 8.0 * (np.arange(8) == UNK_ID))  # [UNK] is now the likeliest word
        for method in generation.METHODS:
            assert (generation.decode(tiny, z, method, k=3, beam_width=3, seed=0) == UNK_ID).any(), method
            assert not (generation.decode(tiny, z, method, k=3, beam_width=3, seed=0, unknown=False) == UNK_ID).any()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"method": "nucleus"},
            r"^method: unknown decoding method 'nucleus'\. Use one of \('greedy', 'sample', 'top_k'",
        ),
        ({"temperature": 0}, r"^temperature: must be a number in \(0, 5\], got 0\."),
        ({"temperature": -1.0}, r"^temperature: must be a number in \(0, 5\], got -1\.0\."),
        ({"temperature": float("inf")}, r"^temperature: must be a number in \(0, 5\], got inf\."),
        ({"z": np.zeros((3, 5))}, r"^z: expected shape \(n, 4\) with n >= 1, got \(3, 5\)\."),
        ({"z": np.full((2, 4), np.nan)}, r"^z: contains 8 NaN or infinite values\."),
        ({"seed": -1}, r"^seed: must be a whole number >= 0, got -1\."),
    ],
)
def test_decode_rejects_bad_arguments_by_name(model, codes, kwargs, message):
    kwargs = {"z": codes, **kwargs}
    with pytest.raises(DataError, match=message):
        generation.decode(model, **kwargs)


# --- variations, interpolation, samples -----------------------------------------------------


@pytest.fixture(scope="module")
def far_pair(model, vectorizer_and_ids):
    """The two training sentences whose posterior means lie furthest apart."""
    _, texts, ids = vectorizer_and_ids
    z_mean, z_log_var = model.encode(ids)
    distances = np.linalg.norm(z_mean[:, None] - z_mean[None], axis=-1)
    i, j = np.unravel_index(distances.argmax(), distances.shape)
    return texts[i], texts[j]


def test_variation_codes_are_the_input_posterior_mean_plus_scaled_noise(model, vectorizer_and_ids, far_pair):
    vectorizer = vectorizer_and_ids[0]
    text = far_pair[0]
    z_mean, z_log_var = model.encode(vectorizer.encode([text]))
    still = generation.variation_codes(model, vectorizer, text, n=4, scale=0.0, seed=1)
    assert still.shape == (4, LATENT)
    np.testing.assert_array_equal(still, np.repeat(z_mean, 4, axis=0))
    eps = np.random.default_rng(1).standard_normal((4, LATENT))
    for scale in (1.0, 2.5):
        got = generation.variation_codes(model, vectorizer, text, n=4, scale=scale, seed=1)
        np.testing.assert_allclose(got, z_mean + scale * np.exp(0.5 * z_log_var) * eps, rtol=1e-5, atol=1e-6)


def test_variations_stay_near_their_own_input(model, vectorizer_and_ids, far_pair):
    vectorizer = vectorizer_and_ids[0]
    means = model.encode(vectorizer.encode(list(far_pair)))[0]
    for own, other in ((0, 1), (1, 0)):
        z = generation.variation_codes(model, vectorizer, far_pair[own], n=200, scale=1.0, seed=own)
        to_own = np.linalg.norm(z - means[own], axis=1).mean()
        to_other = np.linalg.norm(z - means[other], axis=1).mean()
        assert to_own < to_other, (own, to_own, to_other)
    first = generation.variations(model, vectorizer, far_pair[0], n=3, seed=0)
    second = generation.variations(model, vectorizer, far_pair[1], n=3, seed=0)
    assert len(first) == len(second) == 3
    assert first != second


def test_variations_decode_the_variation_codes(model, vectorizer_and_ids, far_pair):
    vectorizer = vectorizer_and_ids[0]
    got = generation.variations(model, vectorizer, far_pair[0], n=3, scale=0.5, seed=4, method="top_k")
    z = generation.variation_codes(model, vectorizer, far_pair[0], n=3, scale=0.5, seed=4)
    assert got == vectorizer.decode(generation.decode(model, z, "top_k", seed=4))


def test_interpolate_starts_and_ends_at_the_greedy_decoding_of_each_posterior_mean(model, vectorizer_and_ids, far_pair):
    vectorizer = vectorizer_and_ids[0]
    path = generation.interpolate(model, vectorizer, *far_pair, steps=5)
    assert len(path) == 5 and all(isinstance(s, str) for s in path)
    means = model.encode(vectorizer.encode(list(far_pair)))[0]
    ends = vectorizer.decode(generation.decode(model, means))
    assert (path[0], path[-1]) == (ends[0], ends[1])
    assert ends[0] != ends[1]


def test_sample_decodes_prior_codes_from_the_seed(model, vectorizer_and_ids):
    vectorizer = vectorizer_and_ids[0]
    texts = generation.sample(model, vectorizer, n=6, seed=9)
    assert len(texts) == 6
    assert generation.sample(model, vectorizer, n=6, seed=9) == texts
    z = np.random.default_rng(9).standard_normal((6, LATENT)).astype(np.float32)
    assert texts == vectorizer.decode(generation.decode(model, z))


def test_variations_interpolate_reject_bad_input_by_name(model, vectorizer_and_ids):
    vectorizer = vectorizer_and_ids[0]
    for empty in ("", "   ", []):
        with pytest.raises(DataError, match=r"^text: is empty\. Pass a sentence"):
            generation.variations(model, vectorizer, empty)
    with pytest.raises(DataError, match=r"^text: is empty\."):
        generation.interpolate(model, vectorizer, "The sky is blue.", " ")
    with pytest.raises(DataError, match=r"^n: must be a positive whole number, got 0\."):
        generation.variations(model, vectorizer, "The sky is blue.", n=0)
    for steps in (1, 2.5):
        with pytest.raises(DataError, match=rf"^steps: must be a whole number >= 2, got {steps}\."):
            generation.interpolate(model, vectorizer, "The sky is blue.", "It rained.", steps=steps)


# --- the decoder cache ----------------------------------------------------------------------


@pytest.mark.parametrize("decoder", ["autoregressive", "repeat"])
def test_the_decoder_cache_does_not_keep_a_model_alive(decoder, vectorizer_and_ids):
    vectorizer = vectorizer_and_ids[0]
    model = TextVAE(vectorizer.vocab_size, MAX_LENGTH, latent_dim=2, embed_dim=4, encoder_units=4,
                    decoder_units=4, decoder=decoder, seed=0)  # fmt: skip
    z = np.random.default_rng(0).standard_normal((3, 2)).astype(np.float32)
    assert generation.decode(model, z).shape == (3, MAX_LENGTH)
    assert generation.decode(model, z, "beam", beam_width=2).shape == (3, MAX_LENGTH)
    assert len(generation.sample(model, vectorizer, n=2, seed=0)) == 2
    assert model in generation._COMPILED, "decoding went through the cache: else this test shows nothing"
    alive = weakref.ref(model)
    del model
    gc.collect()
    assert alive() is None, "the decoder cache (or something else in generation) keeps the model alive"
