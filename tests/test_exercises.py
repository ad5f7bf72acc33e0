"""Each checker accepts a right answer and names the mistake in each typical wrong one."""

import warnings

import numpy as np
import pytest

from vae_tutorial.course import exercises
from vae_tutorial.course import text_exercises
from vae_tutorial.errors import DataWarning
from vae_tutorial.images.kinds import IMAGE_VAE
from vae_tutorial.text.kinds import BLOG_VAE
from vae_tutorial.text.vae import TextVAE
from vae_tutorial.text.posts import load_blog_folder, write_sample_blog_folder
from vae_tutorial.theory import estimates
from vae_tutorial.theory import gaussian
from vae_tutorial._backend import tf
from vae_tutorial.theory.gaussian import kl_diag_to_standard

# isort: split
import keras  # after vae_tutorial._backend, which imports TensorFlow quietly


def _run(check, answer, capsys):
    ok = check(answer)
    return ok, capsys.readouterr().out


def _passes(check, answer, capsys):
    ok, out = _run(check, answer, capsys)
    assert ok is True, out
    assert out.startswith("✅"), out


def _fails_with(check, answer, hint, capsys):
    ok, out = _run(check, answer, capsys)
    assert ok is False, out
    assert out.startswith("❌") and "✅" not in out, out
    assert hint in out, out


def _changed(answer: dict, change: dict, replaced=()) -> dict:
    """A copy of ``answer`` with ``change`` applied: {"drop": key} removes a key, a string (or a float
    for a key in ``replaced``) replaces a value, a number is added to it."""
    answer = dict(answer)
    for key, value in change.items():
        if key == "drop":
            del answer[value]
        elif isinstance(value, str) or isinstance(value, float) and key in replaced:
            answer[key] = value
        else:
            answer[key] += value
    return answer


# --- notebook 01: KL to the standard normal -------------------------------------------------


def kl_right(mean, log_var):
    return 0.5 * np.sum(np.exp(log_var) + mean**2 - 1 - log_var, axis=-1)


def kl_right_keras(mean, log_var):
    ops = keras.ops
    return 0.5 * ops.sum(ops.exp(log_var) + ops.square(mean) - 1 - log_var, axis=-1)


def kl_no_half(mean, log_var):
    return np.sum(np.exp(log_var) + mean**2 - 1 - log_var, axis=-1)


def kl_wrong_sign(mean, log_var):
    return -0.5 * np.sum(np.exp(log_var) + mean**2 - 1 - log_var, axis=-1)


def kl_log_var_as_variance(mean, log_var):
    var = log_var  # the mistake: log_var taken for the variance itself
    return 0.5 * np.sum(var + mean**2 - 1 - log_var, axis=-1)


def kl_log_var_as_variance_dropped_log(mean, log_var):
    return 0.5 * np.sum(log_var + mean**2 - 1, axis=-1)


def kl_sum_over_batch(mean, log_var):
    return 0.5 * np.sum(np.exp(log_var) + mean**2 - 1 - log_var)


def kl_raises(mean, log_var):
    return mean @ log_var  # (5, 3) @ (5, 3): shapes do not align


def kl_zero_mean_term(mean, log_var):
    return 0.5 * np.sum(np.exp(log_var) - 1 - log_var, axis=-1) + 1.0


@pytest.mark.parametrize("answer", [kl_right, kl_right_keras, kl_diag_to_standard])
def test_check_kl_diag_accepts_a_correct_solution(answer, capsys):
    _passes(exercises.check_kl_diag, answer, capsys)


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (kl_no_half, "twice the right ones: the formula has a factor 1/2"),
        (kl_wrong_sign, "wrong sign"),
        (kl_log_var_as_variance, "the variance is exp(log_var), not log_var"),
        (kl_log_var_as_variance_dropped_log, "the variance is exp(log_var), not log_var"),
        (kl_sum_over_batch, "Sum over the latent dimensions only (axis=-1), not over the batch"),
        (kl_raises, "your function raised ValueError"),
        (kl_zero_mean_term, "KL(N(0, I) || N(0, I)) must be 0, your function gives 1"),
    ],
    ids=lambda v: getattr(v, "__name__", "hint"),
)
def test_check_kl_diag_names_the_mistake(answer, hint, capsys):
    _fails_with(exercises.check_kl_diag, answer, hint, capsys)


def test_closer_to_standard_checker_agrees_with_the_closed_form(capsys):
    kls = {
        k: float(kl_diag_to_standard(np.array(v["mean"]), np.log(v["var"])))
        for k, v in exercises.CLOSER_CHOICES.items()
    }
    closer = min(kls, key=kls.get)
    farther = max(kls, key=kls.get)
    assert closer == "A" and farther == "B", kls  # the hint text below is written for this case

    for answer in (closer, closer.lower(), f" {closer} "):
        ok, out = _run(exercises.check_closer_to_standard, answer, capsys)
        assert ok is True and out.startswith("✅"), out
        assert f"KL(A || N(0,I)) = {kls['A']:.3f} nats" in out and f"KL(B || N(0,I)) = {kls['B']:.3f}" in out
    for answer in (farther, farther.lower()):
        _fails_with(exercises.check_closer_to_standard, answer, "its variances are far from 1", capsys)


@pytest.mark.parametrize("answer", ["C", "", 1])
def test_closer_to_standard_asks_for_a_or_b(answer, capsys):
    _fails_with(exercises.check_closer_to_standard, answer, "answer with 'A' or 'B'", capsys)


# --- notebook 02: the reparameterization trick ----------------------------------------------


def reparam_keras(mean, log_var):
    eps = keras.random.normal(keras.ops.shape(mean), seed=1)
    return mean + keras.ops.exp(0.5 * log_var) * eps


def reparam_tf(mean, log_var):
    return mean + tf.exp(log_var / 2) * tf.random.normal(tf.shape(mean), seed=2)


def reparam_tf_random_normal_with_tensor_args(mean, log_var):
    # tf.random.normal computes mean + stddev * eps itself, so gradients do reach both tensors
    return tf.random.normal(tf.shape(mean), mean, tf.exp(0.5 * log_var), seed=3)


def reparam_std_is_variance(mean, log_var):
    return mean + tf.exp(log_var) * tf.random.normal(tf.shape(mean), seed=4)


def reparam_numpy(mean, log_var):
    # sampled outside TensorFlow: right numbers, but the tape sees a constant
    rng = np.random.default_rng(5)
    return tf.constant(rng.normal(mean.numpy(), np.exp(0.5 * log_var.numpy())), dtype=tf.float32)


def reparam_stop_gradient(mean, log_var):
    return tf.stop_gradient(reparam_tf(mean, log_var))


def reparam_wrong_mean(mean, log_var):
    return reparam_tf(mean, log_var) - 1.0


def reparam_raises(mean, log_var):
    return mean + tf.exp(0.5 * log_var) * tf.random.normal((3,))


@pytest.mark.parametrize(
    "answer", [reparam_keras, reparam_tf, reparam_tf_random_normal_with_tensor_args], ids=lambda f: f.__name__
)
def test_check_reparameterize_accepts_a_correct_solution(answer, capsys):
    _passes(exercises.check_reparameterize, answer, capsys)


def test_check_reparameterize_accepts_the_package_solution(capsys):
    from vae_tutorial.theory.sampling import reparameterize

    _passes(exercises.check_reparameterize, reparameterize, capsys)


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (reparam_std_is_variance, "standard deviation is 4 = exp(log_var): that is the variance"),
        (reparam_numpy, "no gradient reaches mean or log_var"),
        (reparam_stop_gradient, "no gradient reaches mean or log_var"),
        (reparam_wrong_mean, "expected 1.5 (the mean argument)"),
        (reparam_raises, "your function raised"),
    ],
    ids=lambda v: getattr(v, "__name__", "hint"),
)
def test_check_reparameterize_names_the_mistake(answer, hint, capsys):
    _fails_with(exercises.check_reparameterize, answer, hint, capsys)


# --- notebook 02: the score-function estimator ----------------------------------------------


def score_right(f, mu, sigma, z):
    return np.mean(f(z) * (z - mu) / sigma**2)


def score_over_sigma(f, mu, sigma, z):
    return np.mean(f(z) * (z - mu) / sigma)


def score_no_division(f, mu, sigma, z):
    return np.mean(f(z) * (z - mu))


def score_per_sample(f, mu, sigma, z):
    return f(z) * (z - mu) / sigma**2


def score_derivative_instead(f, mu, sigma, z):
    return np.mean(3 * z**2)  # a pathwise estimate, not the score function's


def test_check_score_function_accepts_a_correct_solution(capsys):
    _passes(exercises.check_score_function, score_right, capsys)


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (score_over_sigma, "divide by the variance, not sigma"),
        (score_no_division, "you left out the 1 / sigma**2"),
        (score_per_sample, "return one number (the average over samples), got shape (50,)"),
        (score_derivative_instead, "The estimate is the average of f(z) times the score"),
    ],
    ids=lambda v: getattr(v, "__name__", "hint"),
)
def test_check_score_function_names_the_mistake(answer, hint, capsys):
    _fails_with(exercises.check_score_function, answer, hint, capsys)


# --- notebook 04 ----------------------------------------------------------------------------


def _word_dropout(ids, p, rng):
    ids = np.array(ids, copy=True)
    drop = (rng.random(ids.shape) < p) & (ids != 0) & (ids != 2)
    ids[drop] = 1
    return ids


def test_check_word_dropout_accepts_a_correct_solution(capsys):
    assert text_exercises.check_word_dropout(_word_dropout) is True
    assert "✅" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda ids, p, rng: np.where(rng.random(ids.shape) < p, 1, ids), "never be replaced"),
        (lambda ids, p, rng: np.where((rng.random(ids.shape) < p) & (ids > 2), 0, ids), "becomes [UNK]"),
        (lambda ids, p, rng: np.where((rng.random(ids.shape) < 2 * p) & (ids > 2), 1, ids), "expected about p"),
        (lambda ids, p, rng: np.asarray(ids)[:, :5], "input's shape"),
    ],
)
def test_check_word_dropout_rejects_with_its_hint(wrong, hint, capsys):
    assert text_exercises.check_word_dropout(wrong) is False
    assert hint in capsys.readouterr().out


def test_check_word_dropout_catches_in_place_edits(capsys):
    def in_place(ids, p, rng):
        ids[(rng.random(ids.shape) < p) & (ids > 2)] = 1
        return ids

    assert text_exercises.check_word_dropout(in_place) is False
    assert "in place" in capsys.readouterr().out


def test_check_masked_nll_accepts_the_masked_sum_and_agrees_with_losses(capsys):
    from vae_tutorial.theory.losses import masked_token_nll

    def masked_nll(targets, log_probs):
        real = targets != 0
        return -log_probs[np.arange(len(targets)), targets][real].sum()

    assert text_exercises.check_masked_nll(masked_nll) is True
    assert "✅" in capsys.readouterr().out
    # the same quantity as the package's loss, computed from logits by Keras
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(6, 9)).astype("float32")
    targets = np.array([4, 8, 3, 0, 0, 0])
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    keras_value = float(np.asarray(masked_token_nll(targets[None], logits[None]))[0])
    assert masked_nll(targets, log_probs) == pytest.approx(keras_value, rel=1e-5)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda t, lp: -lp[np.arange(len(t)), t].sum(), "padding positions"),
        (lambda t, lp: -lp[np.arange(len(t)), t][t != 0].mean(), "mean per token"),
        (lambda t, lp: lp[np.arange(len(t)), t][t != 0].sum(), "flip the sign"),
        (lambda t, lp: -lp[np.arange(len(t)), t][(t != 0) & (t != 3)].sum(), "[EOS]"),
    ],
)
def test_check_masked_nll_rejects_with_its_hint(wrong, hint, capsys):
    assert text_exercises.check_masked_nll(wrong) is False
    assert hint in capsys.readouterr().out


# --- notebook 03 ----------------------------------------------------------------------------


def _neg_elbo(x, logits, z_mean, z_log_var):
    nll = (np.logaddexp(0, logits) - x * logits).reshape(len(x), -1).sum(axis=1)
    return nll + gaussian.kl_diag_to_standard(z_mean, z_log_var)


def test_check_negative_elbo_accepts_nll_plus_kl(capsys):
    assert exercises.check_negative_elbo(_neg_elbo) is True
    assert "✅" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda x, lg, m, v: _neg_elbo(x, lg, m, v) - 2 * gaussian.kl_diag_to_standard(m, v), "not subtracted"),
        (lambda x, lg, m, v: _neg_elbo(x, lg, m, v) - gaussian.kl_diag_to_standard(m, v), "add the KL"),
        (lambda x, lg, m, v: _neg_elbo(x, lg, m, v).sum(), "one value per image"),
    ],
)
def test_check_negative_elbo_rejects_with_its_hint(wrong, hint, capsys):
    assert exercises.check_negative_elbo(wrong) is False
    assert hint in capsys.readouterr().out


def test_check_threshold_accepts_the_quantile_and_rejects_others(capsys):
    assert exercises.check_threshold(lambda s, fpr: np.quantile(s, 1 - fpr)) is True
    assert "✅" in capsys.readouterr().out
    assert exercises.check_threshold(lambda s, fpr: np.quantile(s, fpr)) is False  # flags far too many
    assert "more false positives" in capsys.readouterr().out
    assert exercises.check_threshold(lambda s, fpr: np.max(s)) is False  # flags none
    assert "higher than needed" in capsys.readouterr().out


# --- notebook 05: what cutting loses, and sentence windows ----------------------------------


def truncated_share_right(lengths, max_length):
    lengths = np.asarray(lengths)
    return np.maximum(lengths - max_length, 0).sum() / lengths.sum()


def test_check_truncated_share_accepts_the_right_answer_and_names_each_mistake(capsys):
    _passes(text_exercises.check_truncated_share, truncated_share_right, capsys)
    _fails_with(text_exercises.check_truncated_share, lambda n, m: 1 - truncated_share_right(n, m), "kept", capsys)
    _fails_with(
        text_exercises.check_truncated_share, lambda n, m: np.mean(np.asarray(n) > m), "you counted posts", capsys
    )
    _fails_with(text_exercises.check_truncated_share, lambda n, m: 0.5, "Sum max(length - max_length, 0)", capsys)
    _fails_with(text_exercises.check_truncated_share, lambda n, m: n.nope, "raised AttributeError", capsys)


def window_sizes_right(lengths, max_tokens):
    """Through the package's chunk_post, on sentences of n tokens each ("W w w ... w.")."""
    from vae_tutorial.text.windows import chunk_post

    sentences = " ".join(" ".join(["W"] + ["w"] * (n - 1)) + "." for n in lengths)
    return [len(chunk.split()) for chunk in chunk_post(sentences, max_tokens)]


def test_check_window_sizes_accepts_the_package_chunker_and_names_each_mistake(capsys):
    _passes(text_exercises.check_window_sizes, window_sizes_right, capsys)  # the package's chunk_post agrees

    def overfull(lengths, max_tokens):
        return [sum(lengths)] if lengths else []

    def drops_long(lengths, max_tokens):
        return window_sizes_right([n for n in lengths if n <= max_tokens], max_tokens)

    def one_per_sentence(lengths, max_tokens):
        return [p for n in lengths for p in window_sizes_right([n], max_tokens)]

    _fails_with(text_exercises.check_window_sizes, overfull, "more than max_tokens", capsys)
    _fails_with(text_exercises.check_window_sizes, drops_long, "cut, never drop", capsys)
    _fails_with(text_exercises.check_window_sizes, one_per_sentence, "does not fit", capsys)


# --- notebook 06: topic vectors and the hit rate -------------------------------------------


def topic_vector_right(kv, words):
    unit = [kv[w] / np.linalg.norm(kv[w]) for w in words]
    mean = np.mean(unit, axis=0)
    return mean / np.linalg.norm(mean)


def test_check_topic_vector_accepts_the_right_answer_and_names_each_mistake(capsys):
    _passes(text_exercises.check_topic_vector, topic_vector_right, capsys)

    def raw_mean(kv, words):
        mean = np.mean([kv[w] for w in words], axis=0)
        return mean / np.linalg.norm(mean)

    _fails_with(text_exercises.check_topic_vector, raw_mean, "normalise each keyword's vector *before*", capsys)
    _fails_with(text_exercises.check_topic_vector, lambda kv, w: 3 * topic_vector_right(kv, w), "unit length", capsys)
    _fails_with(text_exercises.check_topic_vector, lambda kv, w: np.zeros(2), "shape (3,)", capsys)
    _fails_with(text_exercises.check_topic_vector, lambda kv, w: kv["nope"], "raised KeyError", capsys)


def hit_rate_right(text_vectors, requested, topic_vectors):
    names = list(topic_vectors)
    matrix = np.stack([topic_vectors[n] / np.linalg.norm(topic_vectors[n]) for n in names])
    unit = text_vectors / np.linalg.norm(text_vectors, axis=1, keepdims=True)
    nearest = [names[i] for i in np.argmax(unit @ matrix.T, axis=1)]
    return np.mean([a == b for a, b in zip(nearest, requested, strict=True)])


def test_check_hit_rate_accepts_the_right_answer_and_names_each_mistake(capsys):
    _passes(text_exercises.check_hit_rate, hit_rate_right, capsys)
    _fails_with(
        text_exercises.check_hit_rate,
        lambda t, r, v: 4 * hit_rate_right(t, r, v) / 0.8 * 0.8 * 1.25,
        "number of hits",
        capsys,
    )
    _fails_with(text_exercises.check_hit_rate, lambda t, r, v: 1 - hit_rate_right(t, r, v), "share of misses", capsys)

    def by_dot_product(text_vectors, requested, topic_vectors):
        names = list(topic_vectors)
        nearest = [names[i] for i in np.argmax(text_vectors @ np.stack(list(topic_vectors.values())).T, axis=1)]
        return np.mean([a == b for a, b in zip(nearest, requested, strict=True)])

    _fails_with(text_exercises.check_hit_rate, by_dot_product, "expected 0.8", capsys)


@pytest.fixture(scope="module")
def beta_two(digits):
    """(model, held-out digits, its KL, its active units): a 16-D beta = 2 VAE, measured here apart
    from the checker, and the beta rows placed one nat either side of its KL."""
    x_train, x_val = digits
    model, _ = IMAGE_VAE.train((x_train, x_val), latent_dim=16, beta=2.0, epochs=2, seed=0, verbose=0)
    kl = estimates.negative_elbo(model, x_val, n_samples=10)["kl"]
    return model, x_val, kl, estimates.active_units(model, x_val)


def _rows(kl):
    return {"β = 1": {"KL": kl + 1.0, "active units": 11}, "β = 4": {"KL": kl - 1.0, "active units": 4}}


def test_check_beta_measurement_accepts_the_learners_own_measurement(beta_two, capsys):
    model, x, kl, units = beta_two
    assert exercises.check_beta_measurement({"kl": kl, "active_units": units}, _rows(kl), model, x)
    assert capsys.readouterr().out.startswith(f"✅ Correct: KL {kl:.1f} nats, between the beta = 1 and beta = 4")


@pytest.mark.parametrize(
    "change, hint",
    [
        ({"active_units": +1}, "active units on these digits, not"),
        ({"active_units": -1}, "active units on these digits, not"),
        ({"kl": +0.5}, "your model's held-out KL is"),
        ({"kl": "9.5"}, "give the held-out KL in nats, a number"),
        ({"active_units": 7.0}, "give a whole number"),
        ({"drop": "active_units"}, 'answer must be a dict {"kl": ..., "active_units": ...}'),
    ],
)
def test_check_beta_measurement_names_each_wrong_measurement(beta_two, change, hint, capsys):
    model, x, kl, units = beta_two
    answer = {"kl": kl, "active_units": units}
    answer = _changed(answer, change, replaced=("active_units",))
    assert not exercises.check_beta_measurement(answer, _rows(kl), model, x)
    out = capsys.readouterr().out
    assert out.startswith("❌") and hint in out, out


def test_check_beta_measurement_wants_the_kl_between_the_rows_and_the_model_it_measures(beta_two, capsys):
    model, x, kl, units = beta_two
    answer = {"kl": kl, "active_units": units}
    assert not exercises.check_beta_measurement(answer, _rows(kl + 2.0), model, x)  # the KL above beta = 1's
    assert "is not between the beta = 4 model's" in capsys.readouterr().out
    assert not exercises.check_beta_measurement(answer, {"β = 1": {}}, model, x)
    assert "pass the notebook's table of the beta models" in capsys.readouterr().out
    assert not exercises.check_beta_measurement(answer, _rows(kl), "model", x)
    assert "pass the model you trained: a 16-D ImageVAE with beta=2.0" in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer, hint",
    [
        (0.01, "✅ Correct: without noise the MSE ends at 0.01, below 0.049 with it"),
        (0.049, "0.049 is not below the noisy model's 0.049"),
        (0.2, "is not below the noisy model's"),
        (-0.1, "is not a training loss"),
        (float("nan"), "is not a training loss"),
        ("0.01", "give the final MSE as a number"),
    ],
)
def test_check_noise_measurement_accepts_any_honest_result_and_names_each_mistake(answer, hint, capsys):
    ok = exercises.check_noise_measurement(answer, 0.049)
    assert hint in capsys.readouterr().out and ok == hint.startswith("✅")


@pytest.fixture(scope="module")
def cell_pair(tmp_path_factory):
    """Two tiny scratch blog models on the same 12 posts, GRU and LSTM, and one on 10 posts."""
    root = tmp_path_factory.mktemp("cells")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        posts = load_blog_folder(write_sample_blog_folder(root / "posts"))[:12]
    small = {"init": "scratch", "epochs": 1, "seed": 0, "verbose": 0, "max_length": 20, "vocab_size": 300}
    small |= {"encoder_units": 8, "decoder_units": 16, "latent_dim": 4, "val_fraction": 0.25}
    gru = BLOG_VAE.train_into(root / "gru", posts, cell="gru", **small)
    lstm = BLOG_VAE.train_into(root / "lstm", posts, **small)
    fewer = BLOG_VAE.train_into(root / "fewer", posts[:10], cell="gru", **small)
    return gru, lstm, fewer


def test_check_cell_comparison_accepts_the_learners_own_two_models(cell_pair, capsys):
    gru, lstm, _ = cell_pair
    figures = {"gru": gru.metrics["neg_elbo"], "lstm": lstm.metrics["neg_elbo"]}
    better = min(figures, key=figures.get)
    assert text_exercises.check_cell_comparison({**figures, "better": better}, gru, lstm)
    assert capsys.readouterr().out.startswith(f"✅ Correct: GRU {figures['gru']:.1f} against LSTM")
    worse = "lstm" if better == "gru" else "gru"
    assert not text_exercises.check_cell_comparison({**figures, "better": worse}, gru, lstm)
    assert f"the lower held-out negative ELBO is {better}'s" in capsys.readouterr().out


@pytest.mark.parametrize(
    "change, hint",
    [
        ({"gru": 1.0}, "the gru model's held-out negative ELBO is"),
        ({"lstm": -0.2}, "the lstm model's held-out negative ELBO is"),
        ({"gru": "x"}, "give the held-out negative ELBO in nats, a number"),
        ({"drop": "better"}, 'answer must be a dict {"gru": ..., "lstm": ..., "better": "gru" or "lstm"}'),
    ],
)
def test_check_cell_comparison_names_each_wrong_figure(cell_pair, change, hint, capsys):
    gru, lstm, _ = cell_pair
    answer = {"gru": gru.metrics["neg_elbo"], "lstm": lstm.metrics["neg_elbo"], "better": "gru"}
    answer = _changed(answer, change)
    assert not text_exercises.check_cell_comparison(answer, gru, lstm)
    out = capsys.readouterr().out
    assert out.startswith("❌") and hint in out, out


def test_check_cell_comparison_wants_two_models_trained_alike(cell_pair, capsys):
    gru, lstm, fewer = cell_pair
    answer = {"gru": fewer.metrics["neg_elbo"], "lstm": lstm.metrics["neg_elbo"], "better": "gru"}
    assert not text_exercises.check_cell_comparison(answer, fewer, lstm)
    assert "the two models did not train alike" in capsys.readouterr().out
    assert not text_exercises.check_cell_comparison(answer, lstm, gru)  # swapped
    assert 'train gru with cell="gru"' in capsys.readouterr().out
    assert not text_exercises.check_cell_comparison(answer, "gru", lstm)
    assert "pass the two trained models" in capsys.readouterr().out


# --- notebook 04: the free-bits floor, measured; 06: the penalty's margin, measured ------------

TINY_TEXT = {"latent_dim": 4, "embed_dim": 8, "encoder_units": 8, "decoder_units": 16, "epochs": 1, "batch_size": 16}


@pytest.fixture(scope="module")
def tiny_text():
    """Token ids of 48 short sentences (train) and 16 (held out), two tiny TextVAEs trained alike but
    for free bits (0.1 and 0.3 per dimension), and an untrained one of another latent size (the
    checker reads its settings before it measures)."""
    from vae_tutorial.text.recipes import TEXT_RECIPES
    from vae_tutorial.text.train import train_text_vae

    rng = np.random.default_rng(0)
    ids = np.zeros((64, 8), np.int32)
    for row, length in zip(ids, rng.integers(3, 8, 64), strict=True):
        row[:length] = rng.integers(3, 40, length)
    recipe = TEXT_RECIPES["collapse"]
    low, _ = train_text_vae(ids[:48], vocab_size=40, recipe=recipe.replace(free_bits=0.1), verbose=0, **TINY_TEXT)
    high, _ = train_text_vae(ids[:48], vocab_size=40, recipe=recipe.replace(free_bits=0.3), verbose=0, **TINY_TEXT)
    sizes = {key: TINY_TEXT[key] for key in ("embed_dim", "encoder_units", "decoder_units")}
    smaller = TextVAE(40, 8, **recipe.replace(free_bits=0.1).model_kwargs() | sizes | {"latent_dim": 3})
    return ids, low, high, smaller


def _free_bits_answer(low, high, x):
    kls = {"0.1": estimates.negative_elbo(low, x)["kl"], "0.3": estimates.negative_elbo(high, x)["kl"]}
    return kls | {"more": max(kls, key=kls.get)}


def test_check_free_bits_measurement_accepts_the_learners_own_two_models(tiny_text, capsys):
    ids, low, high, _ = tiny_text
    x = ids[48:]
    answer = _free_bits_answer(low, high, x)
    # the KL computed independently: the closed form of the Gaussian KL on the models' own encodings
    for name, model in (("0.1", low), ("0.3", high)):
        mean, log_var = (np.asarray(a, np.float64) for a in model.encode(x))
        by_hand = np.mean(0.5 * np.sum(np.exp(log_var) + mean**2 - 1 - log_var, axis=1))
        assert answer[name] == pytest.approx(by_hand, abs=1e-3)
    assert text_exercises.check_free_bits_measurement(answer, low, high, x)
    assert capsys.readouterr().out.startswith(f"✅ Correct: free_bits=0.1: {answer['0.1']:.2f} nats")
    wrong = "0.1" if answer["more"] == "0.3" else "0.3"
    assert not text_exercises.check_free_bits_measurement({**answer, "more": wrong}, low, high, x)
    assert f"the larger held-out KL is the free_bits={answer['more']} model's" in capsys.readouterr().out


@pytest.mark.parametrize(
    "change, hint",
    [
        ({"0.1": 0.2}, "the free_bits=0.1 model's held-out KL is"),
        ({"0.3": -0.1}, "the free_bits=0.3 model's held-out KL is"),
        ({"0.3": "x"}, "answer[\"0.3\"] is 'x': give the held-out KL in nats, a number"),
        ({"drop": "more"}, 'answer must be a dict {"0.1": ..., "0.3": ..., "more": "0.1" or "0.3"}'),
    ],
)
def test_check_free_bits_measurement_names_each_wrong_figure(tiny_text, change, hint, capsys):
    ids, low, high, _ = tiny_text
    answer = _free_bits_answer(low, high, ids[48:])
    answer = _changed(answer, change)
    assert not text_exercises.check_free_bits_measurement(answer, low, high, ids[48:])
    out = capsys.readouterr().out
    assert out.startswith("❌") and hint in out, out


def test_check_free_bits_measurement_wants_the_two_floors_and_models_trained_alike(tiny_text, capsys):
    ids, low, high, smaller = tiny_text
    answer = _free_bits_answer(low, high, ids[48:])
    assert not text_exercises.check_free_bits_measurement(answer, high, low, ids[48:])  # swapped
    assert "the models' free bits are 0.3 and 0.1" in capsys.readouterr().out
    assert not text_exercises.check_free_bits_measurement(answer, smaller, high, ids[48:])
    assert "the two models differ in latent_dim" in capsys.readouterr().out
    assert not text_exercises.check_free_bits_measurement(answer, "low", high, ids[48:])
    assert "pass the two trained TextVAEs" in capsys.readouterr().out


@pytest.fixture(scope="module")
def margins(tiny_text):
    """tiny_text's first model fine-tuned with the latent penalty at margin 1 and at margin 4 (weight 1)
    toward random targets, and an untrained model at margin 1 with weight 2 (read, not measured)."""
    from vae_tutorial.text.train import train_with_latent_penalty

    ids, low, _, _ = tiny_text
    targets = np.random.default_rng(1).normal(size=(48, 4)).astype(np.float32)
    common = {"epochs": 1, "batch_size": 16, "seed": 0, "verbose": 0}
    tight, _ = train_with_latent_penalty(low, ids[:48], targets, latent_penalty=1.0, penalty_margin=1.0, **common)
    loose, _ = train_with_latent_penalty(low, ids[:48], targets, latent_penalty=1.0, penalty_margin=4.0, **common)
    heavier = TextVAE(40, 8, latent_dim=4, latent_penalty=2.0, penalty_margin=1.0)
    return ids[:48], targets, tight, loose, heavier


def test_mean_squared_distance_is_the_squared_euclidean_distance_of_the_posterior_means(margins):
    ids, targets, tight, _, _ = margins
    mean, _ = tight.encode(ids)
    by_hand = np.mean([np.dot(m - t, m - t) for m, t in zip(np.asarray(mean, np.float64), targets, strict=True)])
    assert text_exercises.mean_squared_distance(tight, ids, targets) == pytest.approx(by_hand, rel=1e-5)


def test_check_margin_measurement_accepts_the_learners_own_two_models_and_names_mistakes(margins, capsys):
    ids, targets, tight, loose, heavier = margins
    measured = {"margin 1": text_exercises.mean_squared_distance(tight, ids, targets)}
    measured["margin 4"] = text_exercises.mean_squared_distance(loose, ids, targets)
    closer = min(measured, key=measured.get)
    answer = measured | {"closer": closer}
    assert text_exercises.check_margin_measurement(answer, tight, loose, ids, targets)
    assert capsys.readouterr().out.startswith(f"✅ Correct: margin 1: {measured['margin 1']:.2f}")
    other = "margin 4" if closer == "margin 1" else "margin 1"
    assert not text_exercises.check_margin_measurement({**answer, "closer": other}, tight, loose, ids, targets)
    assert f"the smaller distance is the {closer} model's" in capsys.readouterr().out
    assert not text_exercises.check_margin_measurement({**answer, "margin 4": 0.5}, tight, loose, ids, targets)
    assert "the margin 4 model's mean squared distance to the targets is" in capsys.readouterr().out
    assert not text_exercises.check_margin_measurement(answer, loose, tight, ids, targets)  # swapped
    assert "the models' (margin, weight) are (4.0, 1.0) and (1.0, 1.0)" in capsys.readouterr().out
    assert not text_exercises.check_margin_measurement(answer, heavier, loose, ids, targets)
    assert "the same latent_penalty as penalized" in capsys.readouterr().out
    assert not text_exercises.check_margin_measurement(answer, "tight", loose, ids, targets)
    assert "pass the two models that train_with_latent_penalty returned" in capsys.readouterr().out
    assert not text_exercises.check_margin_measurement({"margin 1": 1.0}, tight, loose, ids, targets)
    assert 'answer must be a dict {"margin 1": ...' in capsys.readouterr().out
