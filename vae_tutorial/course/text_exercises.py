"""Checkers for the exercises of notebooks 04-06 (see :mod:`vae_tutorial.course.exercises`)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from gensim.models import KeyedVectors

from vae_tutorial.course.exercises import _call, _is_number, _report
from vae_tutorial.text.embeddings import topic_vector
from vae_tutorial.theory import estimates


def check_word_dropout(fn: Callable) -> bool:
    """fn(decoder_ids (n, T) int, p, rng) must replace each real token (not [PAD]=0, not [BOS]=2)
    by [UNK]=1 with probability p, and leave everything else as it was."""
    rng = np.random.default_rng(5)
    ids = rng.integers(4, 50, size=(400, 20))
    ids[:, 0] = 2  # [BOS]
    ids[:, 15:] = 0  # padding
    original = ids.copy()
    got, err = _call(fn, ids, 0.3, np.random.default_rng(0))
    if err:
        return _report(False, err)
    if not np.array_equal(ids, original):
        return _report(False, "your function changed its input array in place: work on a copy (ids.copy()).")
    if got.shape != ids.shape:
        return _report(False, f"return an array of the input's shape {ids.shape}, got {got.shape}.")
    changed = got != ids
    if np.any(changed & ((ids == 0) | (ids == 2))):
        return _report(False, "[PAD] (0) and [BOS] (2) must never be replaced: only real words are dropped.")
    if np.any(got[changed] != 1):
        return _report(False, "a dropped word becomes [UNK] (id 1), not another id.")
    share = changed[:, 1:15].mean()
    if abs(share - 0.3) > 0.03:
        return _report(
            False,
            f"{share:.2f} of the real tokens were replaced, expected about p = 0.3. "
            "Draw one uniform number per token and drop where it is < p.",
        )
    none, _ = _call(fn, ids, 0.0, np.random.default_rng(0))
    if none is None or not np.array_equal(none, ids):
        return _report(False, "with p = 0 nothing may change (inference never drops words).")
    return _report(True, f"{share:.2f} of the real tokens became [UNK]; [PAD] and [BOS] untouched.")


def check_masked_nll(fn: Callable) -> bool:
    """fn(targets (T,) int, log_probs (T, V)) must return -sum_t log_probs[t, targets[t]] over the
    real positions (targets != 0, [EOS] included): one sentence's NLL in nats."""
    rng = np.random.default_rng(6)
    logits = rng.normal(size=(8, 12))
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    targets = np.array([5, 9, 4, 7, 3, 0, 0, 0])  # four words, [EOS] (3), padding
    got, err = _call(fn, targets, log_probs)
    if err:
        return _report(False, err)
    picked = log_probs[np.arange(8), targets]
    want = -picked[:5].sum()
    value = float(np.ravel(got)[0]) if got.size else np.nan
    if np.isclose(value, want):
        return _report(True, f"{want:.3f} nats for this sentence of 5 real tokens (4 words + [EOS]).")
    if np.isclose(value, -picked.sum()):
        return _report(False, "padding positions (target 0) must not count: mask them out.")
    if np.isclose(value, want / 5) or np.isclose(value, -picked.mean()):
        return _report(False, "that is a mean per token: the NLL of a sentence is the sum over its tokens.")
    if np.isclose(value, -want):
        return _report(False, "a negative log-likelihood is positive: flip the sign.")
    if np.isclose(value, -picked[:4].sum()):
        return _report(False, "[EOS] (id 3) is a real token the decoder must predict: include it.")
    return _report(
        False,
        f"expected {want:.3f} nats, got {value:.3f}. Pick log_probs[t, targets[t]] at each "
        "real position and sum their negatives.",
    )


def check_truncated_share(fn: Callable) -> bool:
    """fn(lengths, max_length) -> the share of all tokens that cutting every post to its first
    ``max_length`` tokens (the original guide's ``pad_sequences(maxlen=300)``) throws away, a float."""
    cases = [([100, 400, 300, 0], 300, 100 / 800), ([50, 60], 40, 30 / 110), ([10, 20], 300, 0.0)]
    for lengths, max_length, want in cases:
        try:
            got = float(fn(np.array(lengths), max_length))
        except Exception as exc:  # a learner's bug: a hint, not a traceback
            return _report(False, f"your function raised {type(exc).__name__}: {exc}")
        if np.isclose(got, want):
            continue
        where = f"for lengths {lengths} and max_length {max_length}: expected {want:.4f}, got {got:.4f}"
        if np.isclose(got, 1 - want):
            return _report(False, f"{where} -- that is the share that is kept, not the share thrown away.")
        if np.isclose(got, np.mean(np.array(lengths) > max_length)):
            return _report(False, f"{where} -- you counted posts; count the tokens beyond max_length instead.")
        return _report(False, f"{where}. Sum max(length - max_length, 0) and divide by the sum of the lengths.")
    return _report(True, "the share of tokens lost to cutting matches on three corpora.")


def _window_sizes(lengths, max_tokens):
    sizes, current = [], 0
    for length in lengths:
        if length > max_tokens:
            sizes += [current] if current else []
            sizes += [max_tokens] * (length // max_tokens) + ([length % max_tokens] if length % max_tokens else [])
            current = 0
        elif current + length <= max_tokens:
            current += length
        else:
            sizes, current = [*sizes, current], length
    return [*sizes, current] if current else sizes


def check_window_sizes(fn: Callable) -> bool:
    """fn(sentence_lengths, max_tokens) -> the token counts of the windows that greedy packing
    makes: consecutive sentences share a window while it holds <= max_tokens tokens; a sentence
    longer than max_tokens is cut into pieces of max_tokens (the rest in a window of its own)."""
    cases = [([5, 3, 4, 8], 10), ([12, 2, 2], 10), ([3, 25, 1], 10), ([10, 10], 10), ([], 5)]
    for lengths, max_tokens in cases:
        want = _window_sizes(lengths, max_tokens)
        try:
            got = [int(n) for n in fn(list(lengths), max_tokens)]
        except Exception as exc:  # a learner's bug: a hint, not a traceback
            return _report(False, f"your function raised {type(exc).__name__}: {exc}")
        if got == want:
            continue
        where = f"for sentences of {lengths} tokens and max_tokens {max_tokens}: expected {want}, got {got}"
        if any(n > max_tokens for n in got):
            return _report(False, f"{where} -- a window holds more than max_tokens tokens.")
        if sum(got) != sum(lengths):
            return _report(
                False, f"{where} -- the windows hold {sum(got)} tokens, the sentences {sum(lengths)}: cut, never drop."
            )
        return _report(False, f"{where}. Start a new window only when the next sentence does not fit.")
    return _report(True, "your windows match greedy packing on five posts, long sentences included.")


def _toy_vectors():
    """A 4-word gensim KeyedVectors in 3 dimensions, the same for every check."""

    kv = KeyedVectors(3)
    kv.add_vectors(
        ["fire", "blaze", "cricket", "wicket"], np.array([[3, 1, 0], [1, 2, 0], [0, 1, 4], [0, 0, 1]], float)
    )
    return kv


def check_topic_vector(fn: Callable) -> bool:
    """fn(kv, keywords) -> the topic vector: the mean of the keywords' *unit* vectors, scaled to
    unit length (a NumPy vector of kv.vector_size)."""

    kv = _toy_vectors()
    for words in (["fire", "blaze"], ["cricket", "wicket", "fire"], ["wicket"]):
        try:
            got = np.asarray(fn(kv, words), np.float64)
        except Exception as exc:  # a learner's bug: a hint, not a traceback
            return _report(False, f"your function raised {type(exc).__name__}: {exc}")
        want = topic_vector(kv, words)
        if got.shape != want.shape:
            return _report(False, f"for {words}: expected a vector of shape {want.shape}, got shape {got.shape}.")
        if np.allclose(got, want, atol=1e-6):
            continue
        raw = np.mean([kv[w] for w in words], axis=0)
        if np.allclose(got, raw / np.linalg.norm(raw), atol=1e-6):
            return _report(
                False,
                f"for {words}: normalise each keyword's vector *before* averaging, so that "
                "a word with a long vector does not outweigh the others.",
            )
        if np.allclose(got / np.linalg.norm(got), want, atol=1e-6):
            return _report(False, f"for {words}: the direction is right; scale the mean to unit length.")
        return _report(False, f"for {words}: expected {np.round(want, 4)}, got {np.round(got, 4)}.")
    return _report(True, "your topic vectors match embeddings.topic_vector on three keyword sets.")


def check_hit_rate(fn: Callable) -> bool:
    """fn(text_vectors, requested, topic_vectors) -> the share of texts whose nearest topic (by
    cosine) is the requested one. text_vectors (n, d); requested: n names; topic_vectors {name: (d,)}."""
    topics = {"a": np.array([1.0, 0.0]), "b": np.array([0.0, 3.0]), "c": np.array([-1.0, -1.0])}  # not unit length
    texts = np.array([[2.0, 0.1], [0.1, 0.3], [-1.0, -0.8], [0.4, 0.5], [5.0, 4.0]])
    requested = ["a", "b", "a", "b", "a"]
    # nearest by cosine: a, b, c, b, a -> hits 1, 1, 0, 1, 1; by raw dot product the last is "b"
    try:
        got = float(fn(texts, requested, topics))
    except Exception as exc:  # a learner's bug: a hint, not a traceback
        return _report(False, f"your function raised {type(exc).__name__}: {exc}")
    if np.isclose(got, 0.8):
        return _report(True, "4 of the 5 texts are nearest to the topic they were asked for: 0.8.")
    if np.isclose(got, 4):
        return _report(False, "you returned the number of hits (4); the hit rate divides by the number of texts.")
    if np.isclose(got, 0.2):
        return _report(False, "0.2 is the share of misses; count the texts whose nearest topic IS the requested one.")
    return _report(
        False,
        f"expected 0.8, got {got:.3f}. For each text, take the topic of largest cosine "
        "(dot product of unit vectors) and compare its name with the requested one.",
    )


def _not_measured(
    answer, measured: dict, tolerance: float, words: tuple[str, str, str], how: str, label: str = "{}"
) -> str | None:
    """The message for the first figure of ``answer`` that is not a finite number or not within
    ``tolerance`` of ``measured`` ({answer key: the checker's own measurement}); None if all are.
    words: (what to give, what the figure is called, its unit after the number); how: how to
    measure it; label: the model's name in the message, from its key."""
    give, called, unit = words
    digits = 2 if tolerance >= 0.05 else 3
    for key, value in measured.items():
        given = answer[key]
        if not _is_number(given) or not np.isfinite(given):
            return f'answer["{key}"] is {given!r}: give the {give}, a number.'
        if abs(given - value) > tolerance:
            name = label.format(key)
            return f"the {name} model's {called} is {value:.{digits}f}{unit}, not {given:.{digits}f}: {how}."
    return None


def check_cell_comparison(answer, gru, lstm) -> bool:
    """answer: {"gru": held-out negative ELBO of ``gru``, "lstm": that of ``lstm``, "better": "gru" or
    "lstm"}; gru, lstm: two models that ``BLOG_VAE.train_into(..., init="scratch")`` trained on the
    same posts and split, one with ``cell="gru"`` and one with the default LSTM. The checker reads
    the learner's own two models (their ``metrics.json`` figures, nats per window) and accepts the
    answer if the figures are theirs (within 0.05 nats) and "better" names the lower one."""
    if not isinstance(answer, dict) or not {"gru", "lstm", "better"} <= answer.keys():
        return _report(False, 'answer must be a dict {"gru": ..., "lstm": ..., "better": "gru" or "lstm"}.')
    try:
        cells = {name: model.config["recipe"]["cell"] for name, model in (("gru", gru), ("lstm", lstm))}
        data = [
            (m.config["training"]["init"], m.config["data"]["posts"], m.config["data"]["val_chunks"])
            for m in (gru, lstm)
        ]
        measured = {name: float(model.metrics["neg_elbo"]) for name, model in (("gru", gru), ("lstm", lstm))}
    except (AttributeError, KeyError, TypeError):
        return _report(False, "pass the two trained models (what BLOG_VAE.train_into returned) as gru and lstm.")
    if cells != {"gru": "gru", "lstm": "lstm"}:
        return _report(False, f'the models\' cells are {cells}: train gru with cell="gru", and pass scratch as lstm.')
    if data[0] != data[1] or data[0][0] != "scratch":
        return _report(
            False,
            "the two models did not train alike (init, posts, validation windows: "
            f'{data[0]} against {data[1]}): use init="scratch" and the same posts and val_fraction.',
        )
    wrong = _not_measured(
        answer,
        measured,
        0.05,
        ("held-out negative ELBO in nats", "held-out negative ELBO", " nats per window"),
        'read it from the model, model.metrics["neg_elbo"]',
    )
    if wrong:
        return _report(False, wrong)
    better = min(measured, key=measured.get)
    if answer["better"] != better:
        return _report(False, f'"better" is {answer["better"]!r}: the lower held-out negative ELBO is {better}\'s.')
    return _report(
        True,
        f"GRU {measured['gru']:.1f} against LSTM {measured['lstm']:.1f} nats per window: the {better.upper()} "
        "describes the held-out posts better here.",
    )


_FREE_BITS_SAME = ("vocab_size", "max_length", "latent_dim", "embed_dim", "encoder", "decoder", "cell")
_FREE_BITS_SAME += ("encoder_units", "decoder_units", "word_dropout", "seed")


def check_free_bits_measurement(answer, low, high, x) -> bool:
    """answer: {"0.1": held-out KL of ``low``, "0.3": that of ``high`` (nats per sentence), "more": "0.1"
    or "0.3"}; low: a TextVAE trained like notebook 04's "free bits only" model but with
    ``free_bits=0.1``; high: that model (``free_bits=0.3``); x: the held-out token ids.

    The checker measures both models again on ``x`` (the KL term of
    :func:`~vae_tutorial.theory.estimates.negative_elbo`, exact for a diagonal Gaussian) and accepts
    the answer if the figures are theirs (within 0.05 nats) and "more" names the model with the
    larger KL. It does not assume which one that is: the answer must be the learner's own models'."""
    if not isinstance(answer, dict) or not {"0.1", "0.3", "more"} <= answer.keys():
        return _report(False, 'answer must be a dict {"0.1": ..., "0.3": ..., "more": "0.1" or "0.3"}.')
    try:
        configs = [model.get_config() for model in (low, high)]
        floors = (configs[0]["free_bits"], configs[1]["free_bits"])
    except (AttributeError, KeyError, TypeError):
        return _report(False, "pass the two trained TextVAEs (what train_text_vae returned) as low and high.")
    if floors != (0.1, 0.3):
        return _report(
            False,
            f"the models' free bits are {floors[0]!r} and {floors[1]!r}: pass the model trained with free_bits=0.1 "
            'as low and ablation["free bits only"] (0.3) as high.',
        )
    differ = [key for key in _FREE_BITS_SAME if configs[0].get(key) != configs[1].get(key)]
    if differ:
        return _report(
            False,
            f"the two models differ in {', '.join(differ)}: train low with "
            'TEXT_RECIPES["collapse"].replace(free_bits=0.1), the same epochs and seed.',
        )
    measured = {"0.1": estimates.negative_elbo(low, x)["kl"], "0.3": estimates.negative_elbo(high, x)["kl"]}
    wrong = _not_measured(
        answer,
        measured,
        0.05,
        ("held-out KL in nats", "held-out KL", " nats per sentence"),
        'measure it with estimates.negative_elbo(model, x_test)["kl"]',
        label="free_bits={}",
    )
    if wrong:
        return _report(False, wrong)
    more = max(measured, key=measured.get)
    if answer["more"] != more:
        return _report(False, f'"more" is {answer["more"]!r}: the larger held-out KL is the free_bits={more} model\'s.')
    return _report(
        True,
        f"free_bits=0.1: {measured['0.1']:.2f} nats, free_bits=0.3: {measured['0.3']:.2f} nats per held-out "
        f"sentence; the floors are {0.1 * configs[0]['latent_dim']:.1f} and {0.3 * configs[0]['latent_dim']:.1f} "
        f"nats over {configs[0]['latent_dim']} dimensions.",
    )


def mean_squared_distance(model, ids, targets) -> float:
    """Mean over the windows of ||posterior mean - target||^2: what the latent penalty of notebook 06
    works on (its margin is in the same units). ids: token ids (n, T); targets: (n, latent_dim)."""
    z_mean, _ = model.encode(ids)
    return float(np.mean(np.sum((np.asarray(z_mean) - np.asarray(targets)) ** 2, axis=1)))


def check_margin_measurement(answer, tight, loose, ids, targets) -> bool:
    """answer: {"margin 1": mean squared distance of ``tight``'s codes to their targets, "margin 4": that of
    ``loose``, "closer": "margin 1" or "margin 4"}; tight: the copy that ``train_with_latent_penalty``
    trained with ``penalty_margin=1.0``; loose: notebook 06's penalised model (margin 4.0), both from
    the same plain model with the same weight, epochs and seed; ids, targets: the training windows
    and their targets.

    The checker measures both models again (:func:`mean_squared_distance`) and accepts the answer if
    the figures are theirs (within 0.01) and "closer" names the smaller; it does not assume which."""
    if not isinstance(answer, dict) or not {"margin 1", "margin 4", "closer"} <= answer.keys():
        return _report(
            False, 'answer must be a dict {"margin 1": ..., "margin 4": ..., "closer": "margin 1" or "margin 4"}.'
        )
    try:
        settings = [(model.penalty_margin, model.latent_penalty) for model in (tight, loose)]
    except AttributeError:
        return _report(False, "pass the two models that train_with_latent_penalty returned as tight and loose.")
    if (settings[0][0], settings[1][0]) != (1.0, 4.0) or settings[0][1] != settings[1][1] or not settings[0][1] > 0:
        return _report(
            False,
            f"the models' (margin, weight) are {settings[0]} and {settings[1]}: train tight with penalty_margin=1.0 "
            "and the same latent_penalty as penalized, and pass penalized as loose.",
        )
    measured = {"margin 1": mean_squared_distance(tight, ids, targets)}
    measured["margin 4"] = mean_squared_distance(loose, ids, targets)
    wrong = _not_measured(
        answer,
        measured,
        0.01,
        ("mean squared distance", "mean squared distance to the targets", ""),
        "measure it with text_exercises.mean_squared_distance(model, train_ids, targets)",
    )
    if wrong:
        return _report(False, wrong)
    closer = min(measured, key=measured.get)
    if answer["closer"] != closer:
        return _report(False, f'"closer" is {answer["closer"]!r}: the smaller distance is the {closer} model\'s.')
    return _report(
        True,
        f"margin 1: {measured['margin 1']:.2f}, margin 4: {measured['margin 4']:.2f} (mean squared distance of "
        "the codes to their targets).",
    )
