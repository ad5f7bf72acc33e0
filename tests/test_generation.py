"""Decoding codes into text: greedy, sampling, top-k, top-p and beam search against hand computations with the
teacher-forced logits, an exhaustive search and the old full-prefix decoding; the repeated n-gram ban and the
top-p nucleus by hand on decoders of fixed logits; variations / interpolation / samples of a trained tiny model."""

import gc
import inspect
import itertools
import weakref

import numpy as np
import pytest

from vae_tutorial.text import decoding
from vae_tutorial.text import generate
from vae_tutorial._backend import keras
from vae_tutorial.text.tokens import BOS_ID, EOS_ID, PAD_ID, UNK_ID
from vae_tutorial.errors import DataError
from vae_tutorial.text.conditional import ConditionalTextVAE
from vae_tutorial.text.vae import TextVAE
from vae_tutorial.text.decoding import Decoding
from vae_tutorial.text import decoder as text_decoder

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
    ids = text_decoder.decode(model, codes)
    assert ids.shape == (8, MAX_LENGTH) and ids.dtype == np.int32
    np.testing.assert_array_equal(text_decoder.decode(model, codes), ids)  # deterministic
    _assert_eos_then_padding(ids)
    # the decoder is causal, so teacher forcing on the output replays the decoding steps
    logits = model.decoder_logits(codes, _shift_right(ids))
    logits[..., [PAD_ID, BOS_ID, UNK_ID]] = -np.inf  # never chosen (unknown=False by default)
    for i, row in enumerate(ids):
        for t in _until_eos(row):
            assert logits[i, t, row[t]] >= logits[i, t].max() - 1e-5, (i, t)
    assert len({tuple(row) for row in ids}) > 1, "the decoder should use z"


def test_top_k_samples_among_the_k_likeliest_words_and_k_1_is_greedy(model, codes):
    greedy = text_decoder.decode(model, codes)
    np.testing.assert_array_equal(text_decoder.decode(model, codes, Decoding(method="top_k", k=1), seed=3), greedy)
    ids = text_decoder.decode(model, codes, Decoding(method="top_k", k=3), seed=3)
    _assert_eos_then_padding(ids)
    np.testing.assert_array_equal(text_decoder.decode(model, codes, Decoding(method="top_k", k=3), seed=3), ids)
    assert not np.array_equal(ids, greedy)
    logits = model.decoder_logits(codes, _shift_right(ids))
    logits[..., [PAD_ID, BOS_ID, UNK_ID]] = -np.inf  # never chosen (unknown=False by default)
    for i, row in enumerate(ids):
        for t in _until_eos(row):
            third = np.sort(logits[i, t])[-3]  # among the words it may choose
            assert logits[i, t, row[t]] >= third - 1e-5, (i, t)


def test_sampling_is_reproducible_for_a_seed_and_sharp_at_low_temperature(model, codes):
    ids = text_decoder.decode(model, codes, Decoding(method="sample"), seed=5)
    _assert_eos_then_padding(ids)
    np.testing.assert_array_equal(text_decoder.decode(model, codes, Decoding(method="sample"), seed=5), ids)
    assert not np.array_equal(text_decoder.decode(model, codes, Decoding(method="sample"), seed=6), ids)
    # softmax(logits / 1e-4) puts all its mass on the argmax: greedy
    np.testing.assert_array_equal(
        text_decoder.decode(model, codes, Decoding(method="sample", temperature=1e-4), seed=5),
        text_decoder.decode(model, codes),
    )


# --- beam search ----------------------------------------------------------------------------


def test_beam_of_width_one_is_greedy(model, codes):
    np.testing.assert_array_equal(
        text_decoder.decode(model, codes, Decoding(method="beam", beam_width=1)), text_decoder.decode(model, codes)
    )


def test_beam_scores_higher_than_greedy_on_the_whole(model, codes):
    greedy = text_decoder.decode(model, codes)
    beam = text_decoder.decode(model, codes, Decoding(method="beam", beam_width=4))
    _assert_eos_then_padding(beam)
    greedy_scores = text_decoder.sequence_log_prob(model, codes, greedy)
    beam_scores = text_decoder.sequence_log_prob(model, codes, beam)
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
        found = text_decoder.decode(
            tiny, z, Decoding(method="beam", beam_width=216, unknown=True)
        )  # the search's words: all 6
        assert _hand_scores(tiny, z, found)[0] == pytest.approx(scores.max(), abs=1e-4)
        narrow = text_decoder.decode(
            tiny, z, Decoding(method="beam", beam_width=1, unknown=True)
        )  # greedy: never better
        assert _hand_scores(tiny, z, narrow)[0] <= scores.max() + 1e-4


def test_the_repeat_decoder_decodes_every_position_from_one_pass():
    tiny = _tiny(20, 6, "repeat", scale=0.5, seed=2)
    z = np.random.default_rng(2).standard_normal((30, 2)).astype(np.float32)
    logits = tiny.decoder_logits(z, np.zeros((30, 6), np.int32))
    logits[..., UNK_ID] = -np.inf  # never chosen by default ([PAD] and [BOS] are unlikely here)
    by_hand = logits.argmax(-1)
    for row in by_hand:
        row[_until_eos(row).stop :] = PAD_ID
    greedy = text_decoder.decode(tiny, z)
    np.testing.assert_array_equal(greedy, by_hand)
    np.testing.assert_array_equal(
        text_decoder.decode(tiny, z, Decoding(method="beam")), greedy
    )  # beam falls back to greedy
    np.testing.assert_array_equal(text_decoder.decode(tiny, z, Decoding(method="top_k", k=1), seed=0), greedy)
    _assert_eos_then_padding(text_decoder.decode(tiny, z, Decoding(method="sample"), seed=0))


def test_decode_never_emits_pad_or_bos_as_a_word():
    # decoders that favour the two (a trained one gives them a little probability, as they are never
    # targets): the ids of a sentence must still be words, then [EOS], then padding, for every method
    z = np.random.default_rng(3).standard_normal((6, 2)).astype(np.float32)
    failures = []
    for kind in ("autoregressive", "repeat"):
        tiny = _tiny(8, 5, kind, scale=0.5, seed=3, special_bias=5.0)
        for method in tuple(decoding.STRATEGIES):
            ids = text_decoder.decode(tiny, z, Decoding(method=method, k=3, beam_width=3), seed=0)
            words = [row[: _until_eos(row).stop - (EOS_ID in row)] for row in ids]
            if any(np.isin(w, [PAD_ID, BOS_ID]).any() for w in words):
                failures.append((kind, method))
    assert not failures


def test_unk_is_never_chosen_unless_unknown_is_true_even_when_the_decoder_favours_it():
    z = np.random.default_rng(4).standard_normal((6, 2)).astype(np.float32)
    for kind in ("autoregressive", "repeat"):
        tiny = _tiny(8, 5, kind, scale=0.5, seed=4)
        bias = tiny.decoder.get_layer("logits").bias
        bias.assign(bias.numpy() + 8.0 * (np.arange(8) == UNK_ID))  # [UNK] is now the likeliest word
        for method in tuple(decoding.STRATEGIES):
            assert not (
                text_decoder.decode(tiny, z, Decoding(method=method, k=3, beam_width=3), seed=0) == UNK_ID
            ).any(), method
            assert (
                text_decoder.decode(tiny, z, Decoding(method=method, k=3, beam_width=3, unknown=True), seed=0) == UNK_ID
            ).any()


def test_unknown_is_false_by_default_everywhere():
    # every function decodes with a Decoding; each default, and each closeness's, leaves [UNK] out
    assert Decoding().unknown is False and generate.VARIATIONS.unknown is False
    assert not any(Decoding.at_closeness(c).unknown for c in (0.0, 0.3, 0.5, 1.0))
    for function in (text_decoder.decode, generate.interpolate, generate.sample):
        assert inspect.signature(function).parameters["decoding"].default is None  # None: Decoding()


# --- stepped decoding: the recurrent state carried from step to step --------------------------


def _random_model(cell="gru", condition_dim=0):
    """An untrained autoregressive model (vocabulary 30, max_length 7, latent 3) whose decoder weights are
    moved at random, conditional if condition_dim."""
    kwargs = {"latent_dim": 3, "embed_dim": 5, "encoder": "lstm", "encoder_units": 4, "decoder_units": 6}
    if condition_dim:
        model = ConditionalTextVAE(30, 7, condition_dim, cell=cell, seed=0, **kwargs)
    else:
        model = TextVAE(30, 7, cell=cell, seed=0, **kwargs)
    rng = np.random.default_rng(1)
    for variable in model.decoder.trainable_weights:
        variable.assign(variable.numpy() + rng.normal(scale=0.5, size=variable.shape).astype("float32"))
    return model


def _full_prefix_greedy(model, z, condition=None):
    """Greedy decoding the old way: every step runs the whole decoder on the whole prefix and reads position t."""
    n, length = len(z), model.max_length
    cond = [] if condition is None else [model._condition(condition, n)]  # the model's scaled condition
    inputs = np.zeros((n, length), np.int32)
    inputs[:, 0] = BOS_ID
    outputs = np.zeros((n, length), np.int32)
    done = np.zeros(n, bool)
    for t in range(length):
        logits = np.array(model.decoder([z, inputs, *cond], training=False))[:, t]
        logits[:, [PAD_ID, BOS_ID, UNK_ID]] = -np.inf
        token = logits.argmax(axis=-1)
        outputs[:, t] = np.where(done, PAD_ID, token)
        if t + 1 < length:
            inputs[:, t + 1] = outputs[:, t]
        done |= token == EOS_ID
    return outputs


CELLS_AND_CONDITIONS = [("gru", 0), ("lstm", 0), ("gru", 5), ("lstm", 5)]


@pytest.mark.parametrize(("cell", "condition_dim"), CELLS_AND_CONDITIONS)
def test_stepped_logits_equal_the_teacher_forced_logits_at_every_position(cell, condition_dim):
    model = _random_model(cell, condition_dim)
    rng = np.random.default_rng(2)
    z = rng.standard_normal((6, 3)).astype(np.float32)
    condition = rng.standard_normal((6, condition_dim)).astype(np.float32) if condition_dim else None
    decoder_ids = _shift_right(rng.integers(0, 30, (6, 7)).astype(np.int32))
    full = model.decoder_logits(z, decoder_ids, condition)
    zc = z if condition is None else np.concatenate([z, model._condition(condition, 6)], axis=1)
    stepped = text_decoder._Recurrent(model, zc)
    for t in range(7):
        np.testing.assert_allclose(stepped(decoder_ids[:, t], t), full[:, t], atol=1e-5, err_msg=f"position {t}")
    rnn = next(layer for layer in model.decoder.layers if isinstance(layer, keras.layers.RNN))
    assert rnn.cell.weights and all(any(w is v for v in rnn.weights) for w in rnn.cell.weights), "the cell's own"


@pytest.mark.parametrize(("cell", "condition_dim"), CELLS_AND_CONDITIONS)
def test_stepped_greedy_equals_the_old_full_prefix_greedy(cell, condition_dim):
    model = _random_model(cell, condition_dim)
    rng = np.random.default_rng(3)
    z = rng.standard_normal((10, 3)).astype(np.float32)
    condition = rng.standard_normal(condition_dim).astype(np.float32) if condition_dim else None
    ids = text_decoder.decode(model, z, condition=condition)
    np.testing.assert_array_equal(ids, _full_prefix_greedy(model, z, condition))
    assert len({tuple(row) for row in ids}) > 1


def test_stepped_greedy_of_the_trained_model_equals_the_old_full_prefix_greedy(model, codes):
    np.testing.assert_array_equal(text_decoder.decode(model, codes), _full_prefix_greedy(model, codes))


def test_beam_decodes_each_code_as_if_alone_in_batches_of_any_size(model, codes, monkeypatch):
    together = text_decoder.decode(model, codes, Decoding(method="beam", beam_width=3))
    alone = [
        text_decoder.decode(model, codes[i : i + 1], Decoding(method="beam", beam_width=3)) for i in range(len(codes))
    ]
    np.testing.assert_array_equal(together, np.concatenate(alone))
    monkeypatch.setattr(decoding, "BEAM_BATCH", 3 * 3 * model.vocab_size)  # 3 codes of 3 beams at once
    np.testing.assert_array_equal(text_decoder.decode(model, codes, Decoding(method="beam", beam_width=3)), together)


# --- decoders of fixed logits: top-p and the repeated n-gram ban by hand ------------------------


def _fixed(logits, max_length, decoder="autoregressive"):
    """A TextVAE whose decoder gives the same logits (vocab,) at every position, whatever its inputs."""
    model = TextVAE(
        len(logits),
        max_length,
        latent_dim=2,
        embed_dim=4,
        encoder="lstm",
        encoder_units=4,
        decoder_units=4,
        decoder=decoder,
        seed=0,
    )
    layer = model.decoder.get_layer("logits")
    layer.kernel.assign(np.zeros(layer.kernel.shape, "float32"))
    layer.bias.assign(np.asarray(logits, "float32"))
    return model


# [PAD], [UNK], [BOS] likely but never chosen; the words' probabilities among the rest: no ties
NUCLEUS_PROBS = np.array([0.5, 0.5, 0.5, 0.08, 0.4, 0.25, 0.15, 0.12])


@pytest.mark.parametrize(
    ("top_p", "temperature", "kept"),
    [
        (0.3, 1.0, {4}),  # 0.4 >= 0.3
        (0.6, 1.0, {4, 5}),  # 0.4 < 0.6 <= 0.65
        (0.75, 1.0, {4, 5, 6}),  # 0.65 < 0.75 <= 0.8
        (0.9, 1.0, {4, 5, 6, 7}),  # 0.8 < 0.9 <= 0.92
        (1.0, 1.0, {EOS_ID, 4, 5, 6, 7}),
        (0.75, 0.5, {4, 5}),  # p^2 normalised: 0.602, 0.235, ...: 0.602 < 0.75 <= 0.837
        (0.75, 2.0, {4, 5, 6, 7}),  # sqrt(p) normalised: 0.294, 0.233, 0.180, 0.161, 0.132 ([EOS])
    ],
)
@pytest.mark.parametrize("decoder", ["autoregressive", "repeat"])
def test_top_p_samples_among_the_smallest_set_of_likeliest_words_reaching_p(top_p, temperature, kept, decoder):
    model = _fixed(np.log(NUCLEUS_PROBS), 2, decoder)
    ids = text_decoder.decode(
        model, np.zeros((1000, 2)), Decoding(method="top_p", temperature=temperature, top_p=top_p), seed=0
    )
    assert EOS_ID not in ids[:, 0]  # an empty text is never an answer: [EOS] can come second at the earliest
    first = ids[:, 1]  # the fixed decoder gives every position the same distribution
    assert set(np.unique(first).tolist()) == kept
    kept = sorted(kept)
    expected = NUCLEUS_PROBS[kept] ** (1 / temperature)  # the kept words' probabilities after temperature
    frequencies = np.array([np.mean(first == token) for token in kept])
    np.testing.assert_allclose(frequencies, expected / expected.sum(), atol=0.05)


def test_top_p_of_one_is_plain_sampling(model, codes):
    np.testing.assert_array_equal(
        text_decoder.decode(model, codes, Decoding(method="top_p", temperature=0.8, top_p=1.0), seed=4),
        text_decoder.decode(model, codes, Decoding(method="sample", temperature=0.8), seed=4),
    )


# words 4 > 5 > 6 > 7 > [EOS] with gaps of 2 nats: greedy loops on 4 for ever
LOOPING = [0.0, 0.0, 0.0, 1.0, 9.0, 7.0, 5.0, 3.0]
BY_HAND = {
    0: [4, 4, 4, 4, 4, 4, 4, 4, 4, 4],
    1: [4, 5, 6, 7, EOS_ID, 0, 0, 0, 0, 0],  # each word once, then only [EOS] is left
    2: [4, 4, 5, 4, 6, 4, 7, 4, EOS_ID, 0],  # after 4: not 4 (4 4), then not 5 (4 5), ...
    3: [4, 4, 4, 5, 4, 4, 6, 4, 4, 7],  # after 4 4: not 4 (4 4 4), then not 5 (4 4 5), ...
}


@pytest.mark.parametrize("size", sorted(BY_HAND))
@pytest.mark.parametrize("decoder", ["autoregressive", "repeat"])
def test_no_repeat_ngram_forbids_the_word_that_would_complete_an_earlier_ngram(size, decoder):
    model = _fixed(LOOPING, 10, decoder)
    z = np.zeros((2, 2), np.float32)
    expected = np.array([BY_HAND[size]] * 2)
    near_greedy = {"greedy": {}, "top_k": {"k": 1}, "top_p": {"top_p": 0.01}, "sample": {"temperature": 0.01}}
    for method, kwargs in near_greedy.items():
        got = text_decoder.decode(model, z, Decoding(method=method, no_repeat_ngram=size, **kwargs), seed=0)
        np.testing.assert_array_equal(got, expected, err_msg=method)
    # every other path takes a word 2 nats below the best at some step, while the greedy one loses < 1.5 nats
    beam = text_decoder.decode(model, z, Decoding(method="beam", beam_width=3, no_repeat_ngram=size))
    np.testing.assert_array_equal(beam, expected)


def _repeats_an_ngram(row, size):
    words = [tuple(row[i : i + size]) for i in range(_until_eos(row).stop - size + 1)]
    return len(set(words)) < len(words)


@pytest.mark.parametrize("decoder", ["autoregressive", "repeat"])
def test_no_repeat_ngram_holds_for_every_method(decoder):
    tiny = _tiny(8, 10, decoder, scale=1.0, seed=5)
    z = np.random.default_rng(5).standard_normal((20, 2)).astype(np.float32)
    looped = set()
    for method in tuple(decoding.STRATEGIES):
        free = text_decoder.decode(tiny, z, Decoding(method=method, k=3, beam_width=3), seed=0)
        looped |= {method for row in free if _repeats_an_ngram(row, 2)}
        banned = text_decoder.decode(tiny, z, Decoding(method=method, k=3, beam_width=3, no_repeat_ngram=2), seed=0)
        _assert_eos_then_padding(banned)
        assert not any(_repeats_an_ngram(row, 2) for row in banned), method
    assert {"greedy", "beam"} <= looped, "without the ban these decoders repeat: else this test shows nothing"


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
        ({"top_p": 0}, r"^top_p: must be a number in \(0, 1\], got 0\. Use e\.g\. 0\.9\.$"),
        ({"top_p": 1.5}, r"^top_p: must be a number in \(0, 1\], got 1\.5\."),
        ({"top_p": float("nan")}, r"^top_p: must be a number in \(0, 1\], got nan\."),
        ({"no_repeat_ngram": -1}, r"^no_repeat_ngram: must be a whole number >= 0, got -1\. Use e\.g\. 3\.$"),
        ({"no_repeat_ngram": 2.5}, r"^no_repeat_ngram: must be a whole number >= 0, got 2\.5\."),
        ({"no_repeat_ngram": True}, r"^no_repeat_ngram: must be a whole number >= 0, got True\."),
    ],
)
def test_a_decoding_rejects_bad_settings_by_name(kwargs, message):
    with pytest.raises(DataError, match=message):
        Decoding(**kwargs)
    with pytest.raises(DataError, match=message):
        Decoding().replace(**kwargs)  # a change is checked as well


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"z": np.zeros((3, 5))}, r"^z: expected shape \(n, 4\) with n >= 1, got \(3, 5\)\."),
        ({"z": np.full((2, 4), np.nan)}, r"^z: contains 8 NaN or infinite values\."),
        ({"seed": -1}, r"^seed: must be a whole number >= 0, got -1\."),
        (
            {"decoding": {"method": "beam"}},
            r"^decoding: must be a Decoding, got dict\. Pass Decoding\(method=\.\.\.\)\.",
        ),
    ],
)
def test_decode_rejects_bad_arguments_by_name(model, codes, kwargs, message):
    kwargs = {"z": codes, **kwargs}
    with pytest.raises(DataError, match=message):
        text_decoder.decode(model, **kwargs)


def test_an_unknown_setting_of_a_decoding_is_named_with_the_known_ones():
    with pytest.raises(
        DataError, match=r"^closeness: not a setting of a Decoding\. Use any of method, temperature, k, "
    ):
        Decoding().replace(closeness=0.5)


def test_each_method_is_one_strategy_and_a_new_one_needs_nothing_else(model, codes, monkeypatch):
    # a "first" method (always the token with the lowest id that is allowed): one class, registered
    class First(decoding.Strategy):
        def choose(self, log_probs, rng):
            return np.isfinite(log_probs).argmax(axis=-1)

    monkeypatch.setitem(decoding.STRATEGIES, "first", First)
    ids = text_decoder.decode(model, codes, Decoding(method="first"))
    allowed = ids[:, 0]  # at t = 0 neither [PAD], [BOS], [EOS] nor [UNK] may be chosen: the first word is id 4
    assert (allowed == 4).all() and Decoding(method="first").strategy.__class__ is First


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
    still = generate.variation_codes(model, vectorizer, text, n=4, scale=0.0, seed=1)
    assert still.shape == (4, LATENT)
    np.testing.assert_array_equal(still, np.repeat(z_mean, 4, axis=0))
    eps = np.random.default_rng(1).standard_normal((4, LATENT))
    for scale in (1.0, 2.5):
        got = generate.variation_codes(model, vectorizer, text, n=4, scale=scale, seed=1)
        np.testing.assert_allclose(got, z_mean + scale * np.exp(0.5 * z_log_var) * eps, rtol=1e-5, atol=1e-6)


def test_variations_stay_near_their_own_input(model, vectorizer_and_ids, far_pair):
    vectorizer = vectorizer_and_ids[0]
    means = model.encode(vectorizer.encode(list(far_pair)))[0]
    for own, other in ((0, 1), (1, 0)):
        z = generate.variation_codes(model, vectorizer, far_pair[own], n=200, scale=1.0, seed=own)
        to_own = np.linalg.norm(z - means[own], axis=1).mean()
        to_other = np.linalg.norm(z - means[other], axis=1).mean()
        assert to_own < to_other, (own, to_own, to_other)
    first = generate.variations(model, vectorizer, far_pair[0], n=3, seed=0)
    second = generate.variations(model, vectorizer, far_pair[1], n=3, seed=0)
    assert len(first) == len(second) == 3
    assert first != second


def test_variations_decode_the_variation_codes(model, vectorizer_and_ids, far_pair):
    vectorizer = vectorizer_and_ids[0]
    got = generate.variations(model, vectorizer, far_pair[0], 3, Decoding(method="top_k", scale=0.5), seed=4)
    z = generate.variation_codes(model, vectorizer, far_pair[0], n=3, scale=0.5, seed=4)
    assert got == vectorizer.decode(text_decoder.decode(model, z, Decoding(method="top_k"), seed=4))


def test_interpolate_starts_and_ends_at_the_greedy_decoding_of_each_posterior_mean(model, vectorizer_and_ids, far_pair):
    vectorizer = vectorizer_and_ids[0]
    path = generate.interpolate(model, vectorizer, *far_pair, steps=5)
    assert len(path) == 5 and all(isinstance(s, str) for s in path)
    means = model.encode(vectorizer.encode(list(far_pair)))[0]
    ends = vectorizer.decode(text_decoder.decode(model, means))
    assert (path[0], path[-1]) == (ends[0], ends[1])
    assert ends[0] != ends[1]


def test_sample_decodes_prior_codes_from_the_seed(model, vectorizer_and_ids):
    vectorizer = vectorizer_and_ids[0]
    texts = generate.sample(model, vectorizer, 6, seed=9)
    assert len(texts) == 6
    assert generate.sample(model, vectorizer, 6, seed=9) == texts
    z = np.random.default_rng(9).standard_normal((6, LATENT)).astype(np.float32)
    assert texts == vectorizer.decode(text_decoder.decode(model, z))


def test_variations_interpolate_reject_bad_input_by_name(model, vectorizer_and_ids):
    vectorizer = vectorizer_and_ids[0]
    for empty in ("", "   ", []):
        with pytest.raises(DataError, match=r"^text: is empty\. Pass a sentence"):
            generate.variations(model, vectorizer, empty)
    with pytest.raises(DataError, match=r"^text: is empty\."):
        generate.interpolate(model, vectorizer, "The sky is blue.", " ")
    with pytest.raises(DataError, match=r"^n: must be a positive whole number, got 0\."):
        generate.variations(model, vectorizer, "The sky is blue.", n=0)
    for steps in (1, 2.5):
        with pytest.raises(DataError, match=rf"^steps: must be a whole number >= 2, got {steps}\."):
            generate.interpolate(model, vectorizer, "The sky is blue.", "It rained.", steps=steps)


def test_variations_interpolate_and_sample_pass_their_decoding_on_whole(model, vectorizer_and_ids, far_pair):
    # every setting reaches the decoder, k and beam_width included (earlier signatures dropped them)
    vectorizer = vectorizer_and_ids[0]
    for chosen in (
        Decoding(method="top_p", temperature=1.5, top_p=0.8, no_repeat_ngram=2),
        Decoding(method="top_k", k=2, temperature=0.7),
        Decoding(method="beam", beam_width=2, no_repeat_ngram=2),
    ):
        path = generate.interpolate(model, vectorizer, *far_pair, steps=4, decoding=chosen, seed=3)
        means = model.encode(vectorizer.encode(list(far_pair)))[0]
        z = (means[0] + np.linspace(0.0, 1.0, 4)[:, None] * (means[1] - means[0])).astype(np.float32)
        assert path == vectorizer.decode(text_decoder.decode(model, z, chosen, seed=3)), chosen
        texts = generate.sample(model, vectorizer, 4, chosen, seed=3)
        z = np.random.default_rng(3).standard_normal((4, LATENT)).astype(np.float32)
        assert texts == vectorizer.decode(text_decoder.decode(model, z, chosen, seed=3)), chosen
        varied = generate.variations(model, vectorizer, far_pair[0], 4, chosen, seed=3)
        z = generate.variation_codes(model, vectorizer, far_pair[0], 4, chosen.scale, seed=3)
        assert varied == vectorizer.decode(text_decoder.decode(model, z, chosen, seed=3)), chosen


# --- closeness --------------------------------------------------------------------------------


def test_closeness_runs_from_a_new_sentence_on_the_topic_to_nearly_the_same_sentence():
    same, new = Decoding.at_closeness(1.0), Decoding.at_closeness(0.0)
    assert same.scale == 0.0 and same.method in ("greedy", "beam")  # the posterior mean, decoded
    assert 1.5 <= new.scale <= 2.5 and new.method == "top_p" and new.temperature == 1.0
    assert Decoding.at_closeness().method == "beam" and decoding.CLOSENESS == 0.5  # the default, once
    grid = [Decoding.at_closeness(c) for c in np.linspace(0.0, 1.0, 11)]
    for looser, closer in itertools.pairwise(grid):  # closer: never further out, never a wider nucleus
        assert closer.scale <= looser.scale and closer.top_p <= looser.top_p
    assert all(chosen.no_repeat_ngram == 3 and 0.0 <= chosen.scale <= decoding.MAX_SCALE for chosen in grid)


def test_variations_at_a_closeness_draw_codes_at_its_scale_and_decode_as_it_says(model, vectorizer_and_ids, far_pair):
    vectorizer, text = vectorizer_and_ids[0], far_pair[0]
    for closeness in (0.0, 0.5, 1.0):
        chosen = Decoding.at_closeness(closeness)
        got = generate.variations(model, vectorizer, text, 3, chosen, seed=2)
        z = generate.variation_codes(model, vectorizer, text, n=3, scale=chosen.scale, seed=2)
        ids = text_decoder.decode(
            model,
            z,
            Decoding(method=chosen.method, temperature=chosen.temperature, top_p=chosen.top_p, no_repeat_ngram=3),
            seed=2,
        )
        assert got == vectorizer.decode(ids), closeness
    assert len(set(generate.variations(model, vectorizer, text, 3, Decoding.at_closeness(1.0), seed=2))) == 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda m, v: generate.variations(m, v, "", 5, Decoding.at_closeness(1.5)),
            r"^closeness: must be a number in \[0, 1\], got 1\.5\. Use e\.g\. 0\.5\.$",
        ),
        (
            lambda m, v: generate.variations(m, v, "", 5, Decoding.at_closeness("1")),
            r"^closeness: must be a number in \[0, 1\]",
        ),
        (
            lambda m, v: generate.variations(m, v, "", 5, Decoding(top_p=0)),
            r"^top_p: must be a number in \(0, 1\], got 0\.",
        ),
        (
            lambda m, v: generate.variations(m, v, "", 5, Decoding(no_repeat_ngram=-1)),
            r"^no_repeat_ngram: must be a whole number >= 0, got -1\.",
        ),
        (
            lambda m, v: generate.interpolate(m, v, "", "", Decoding(top_p=2)),
            r"^top_p: must be a number in \(0, 1\], got 2\.",
        ),
        (
            lambda m, v: generate.interpolate(m, v, "", "", Decoding(no_repeat_ngram=0.5)),
            r"^no_repeat_ngram: must be a whole number >= 0, got 0\.5\.",
        ),
        (
            lambda m, v: generate.interpolate(m, v, "", "", Decoding(temperature=0)),
            r"^temperature: must be a number in \(0, 5\]",
        ),
        (lambda m, v: generate.interpolate(m, v, "", "", seed=-1), r"^seed: must be a whole number >= 0, got -1\."),
        (lambda m, v: generate.sample(m, v, Decoding(top_p=-1)), r"^top_p: must be a number in \(0, 1\], got -1\."),
        (
            lambda m, v: generate.sample(m, v, Decoding(no_repeat_ngram="2")),
            r"^no_repeat_ngram: must be a whole number >= 0",
        ),
        (
            lambda m, v: generate.sample(m, v, Decoding(method="nucleus")),
            r"^method: unknown decoding method 'nucleus'\.",
        ),
    ],
)
def test_new_arguments_are_checked_by_name_before_any_work(model, vectorizer_and_ids, call, message):
    # the texts are empty: had the decoding arguments been checked after encoding, the error would name the text
    with pytest.raises(DataError, match=message):
        call(model, vectorizer_and_ids[0])


# --- the decoder cache ----------------------------------------------------------------------


@pytest.mark.parametrize("decoder", ["autoregressive", "repeat"])
def test_the_decoder_cache_does_not_keep_a_model_alive(decoder, vectorizer_and_ids):
    vectorizer = vectorizer_and_ids[0]
    model = TextVAE(
        vectorizer.vocab_size,
        MAX_LENGTH,
        latent_dim=2,
        embed_dim=4,
        encoder_units=4,
        decoder_units=4,
        decoder=decoder,
        seed=0,
    )
    z = np.random.default_rng(0).standard_normal((3, 2)).astype(np.float32)
    assert text_decoder.decode(model, z).shape == (3, MAX_LENGTH)
    assert text_decoder.decode(model, z, Decoding(method="beam", beam_width=2)).shape == (3, MAX_LENGTH)
    assert len(generate.sample(model, vectorizer, 2, seed=0)) == 2
    assert model in text_decoder._COMPILED, "decoding went through the cache: else this test shows nothing"
    alive = weakref.ref(model)
    del model
    gc.collect()
    assert alive() is None, "the decoder cache (or something else in generation) keeps the model alive"


# LOOPING after the history "4 5 | 6" (| a separator, as generate.said writes), bigrams banned:
# 4 5 is already said, so 4 is followed by 4, then 6 (4 4 and 4 5 said), 6 by 4 (6 | is no bigram), ...
AFTER_HISTORY = [4, 4, 6, 4, 7, 4, EOS_ID, 0, 0, 0]


@pytest.mark.parametrize("decoder", ["autoregressive", "repeat"])
def test_no_repeat_ngram_counts_the_history_of_each_row(decoder):
    model = _fixed(LOOPING, 10, decoder)
    z = np.zeros((2, 2), np.float32)
    history = np.array([[4, 5, -1, 6], [-1, -1, -1, -1]])
    for method, kwargs in {"greedy": {}, "top_k": {"k": 1}, "beam": {"beam_width": 3}}.items():
        got = text_decoder.decode(
            model, z, Decoding(method=method, no_repeat_ngram=2, **kwargs), seed=0, history=history
        )
        np.testing.assert_array_equal(got[0], AFTER_HISTORY, err_msg=method)
        np.testing.assert_array_equal(got[1], BY_HAND[2], err_msg=method)  # separators only: as no history


def test_said_appends_the_ids_of_texts_with_special_tokens_as_separators(vectorizer_and_ids):
    vectorizer, texts, ids = vectorizer_and_ids
    first = generate.said(vectorizer, texts[:2])
    expected = np.where(ids[:2] > EOS_ID, ids[:2], -1)  # padding and [EOS] become separators
    np.testing.assert_array_equal(first, expected)
    both = generate.said(vectorizer, texts[2:4], first)
    np.testing.assert_array_equal(both, np.concatenate([expected, np.where(ids[2:4] > EOS_ID, ids[2:4], -1)], axis=1))


def test_history_of_the_wrong_shape_is_a_data_error(model):
    z = np.zeros((2, model.latent_dim), np.float32)
    message = r"^history: has shape \(3, 4\), not \(2, H\)\. Pass one row of ids per code\.$"
    with pytest.raises(DataError, match=message):
        text_decoder.decode(model, z, history=np.zeros((3, 4)))


def test_variations_with_a_history_repeat_none_of_its_trigrams(model, vectorizer_and_ids):
    vectorizer, texts, _ = vectorizer_and_ids
    first = generate.variations(model, vectorizer, texts[0], 3, Decoding.at_closeness(1.0))
    again = generate.variations(model, vectorizer, texts[0], 3, Decoding.at_closeness(1.0))
    assert again == first  # the posterior mean decoded greedily: the same sentence every time
    history = generate.said(vectorizer, first)
    later = generate.variations(model, vectorizer, texts[0], 3, Decoding.at_closeness(1.0), history=history)

    def trigrams(text):
        words = text.split()
        return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}

    for before, after in zip(first, later, strict=True):
        assert trigrams(before) and not trigrams(before) & trigrams(after)
