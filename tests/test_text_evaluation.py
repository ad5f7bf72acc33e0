"""The text figures of vae_tutorial.theory.estimates by hand, with stand-in models where that makes them exact,
and the generic ELBO / IWAE functions on a trained tiny text VAE (through its reconstruction_nll)."""

import numpy as np
import pytest
from scipy import stats
from scipy.special import logsumexp

from vae_tutorial.text import measures
from vae_tutorial.theory import estimates
from vae_tutorial.theory import gaussian
from vae_tutorial.text.tokens import BOS_ID


class FixedPosteriors:
    """Stand-in encoder: example i (x = its index) has the posterior N(means[i], diag(exp(log_vars[i])))."""

    def __init__(self, means, log_vars):
        self.means, self.log_vars = np.asarray(means, np.float64), np.asarray(log_vars, np.float64)

    def encode(self, x, batch_size=256):
        return self.means[x], self.log_vars[x]


class CopyPrevious:
    """Stand-in text model whose decoder predicts its input word again: with teacher forcing the argmax at
    position t is the true word t - 1 ([BOS] at t = 0)."""

    vocab_size = 8

    def encode(self, ids, batch_size=256):
        return np.zeros((len(ids), 1)), np.zeros((len(ids), 1))

    def decoder_logits(self, z, decoder_ids, batch_size=256):
        return np.eye(self.vocab_size)[np.asarray(decoder_ids)]


@pytest.fixture(scope="module")
def text_data(tiny_sentences):
    """64 short training sentences and 40 held-out ones, as ids of a vectorizer of the training words (conftest.py)."""
    return tiny_sentences.vectorizer, tiny_sentences.ids, tiny_sentences.held_out_ids


@pytest.fixture(scope="module")
def model(tiny_text_vae):
    """A tiny autoregressive VAE whose posteriors carry a few nats (free bits): conftest.py's, 30 epochs."""
    return tiny_text_vae


# --- counting -------------------------------------------------------------------------------


def test_perplexity_is_exp_of_total_nll_over_real_tokens():
    ids = np.array([[5, 6, 3, 0], [7, 3, 0, 0], [3, 0, 0, 0]])  # 3 + 2 + 1 real tokens, [EOS] included
    np.testing.assert_array_equal(measures.token_counts(ids), [3, 2, 1])
    nll = np.array([2.5, 2.0, 1.5])
    assert measures.perplexity(nll, ids) == pytest.approx(np.exp(6.0 / 6), rel=1e-12)
    assert measures.perplexity(nll, ids, pad_id=3) == pytest.approx(np.exp(6.0 / 9), rel=1e-12)  # 3 + 3 + 3
    # a uniform model over V words: perplexity V
    assert measures.perplexity(np.log(50.0) * np.array([3, 2, 1]), ids) == pytest.approx(50.0, rel=1e-12)


def test_distinct_n_counts_unique_n_grams_over_all_n_grams():
    texts = ["a b c", "a b d"]
    assert measures.distinct_n(texts, 1) == pytest.approx(4 / 6)  # a b c a b d: 4 unique
    assert measures.distinct_n(texts, 2) == pytest.approx(3 / 4)  # ab bc ab bd
    assert measures.distinct_n(texts, 3) == 1.0  # abc abd
    assert measures.distinct_n(["the the the the"], 2) == pytest.approx(1 / 3)
    assert measures.distinct_n(["x y", "x y"], 2) == 0.5
    assert measures.distinct_n([], 2) == 0.0
    assert measures.distinct_n(["", "one"], 2) == 0.0  # no bigram at all


# --- mutual information ---------------------------------------------------------------------


def _noise_term(n, d, seed):
    """0.5 * mean_i sum_j (eps_ij^2 - 1) for the estimator's own draws: its sampling noise."""
    eps = np.random.default_rng(seed).standard_normal((n, d))
    return 0.5 * np.mean(np.sum(eps**2 - 1.0, axis=1))


def test_mutual_information_is_zero_when_every_posterior_is_the_same():
    n, d = 2000, 2
    stand_in = FixedPosteriors(np.tile([0.3, -1.0], (n, 1)), np.tile([-0.5, 0.2], (n, 1)))
    mi = estimates.mutual_information(stand_in, np.arange(n), seed=4)
    # q(z) is then each posterior itself: the estimate is only the noise of one draw per example
    assert mi == pytest.approx(_noise_term(n, d, 4), abs=1e-9)
    assert abs(mi) < 0.05


def test_mutual_information_is_log_n_for_well_separated_sharp_posteriors():
    n, d = 500, 2
    means = np.random.default_rng(0).normal(scale=50.0, size=(n, d))
    stand_in = FixedPosteriors(means, np.full((n, d), np.log(1e-6)))  # sd 1e-3, means ~50 apart
    mi = estimates.mutual_information(stand_in, np.arange(n), seed=2)
    assert mi == pytest.approx(np.log(n) + _noise_term(n, d, 2), abs=1e-6)
    assert mi == pytest.approx(np.log(n), abs=0.15)
    # two groups of identical posteriors, far apart: one bit, log 2
    two = FixedPosteriors(np.repeat([[-30.0, 0.0], [30.0, 0.0]], n // 2, axis=0), np.zeros((n, d)))
    assert estimates.mutual_information(two, np.arange(n), seed=2) == pytest.approx(np.log(2), abs=0.15)


def test_mutual_information_matches_a_direct_scipy_computation():
    n, d = 60, 3
    rng = np.random.default_rng(1)
    means, log_vars = rng.normal(size=(n, d)), rng.normal(scale=0.4, size=(n, d)) - 1.0
    mi = estimates.mutual_information(FixedPosteriors(means, log_vars), np.arange(n), seed=7)
    z = means + np.exp(0.5 * log_vars) * np.random.default_rng(7).standard_normal((n, d))
    # E_q[log q(z|x)] in closed form (minus the entropy), and log q(z) = log mean_j q(z | x_j)
    neg_entropy = np.mean(
        [-stats.multivariate_normal(means[i], np.diag(np.exp(log_vars[i]))).entropy() for i in range(n)]
    )
    densities = np.array(
        [
            [stats.multivariate_normal(means[j], np.diag(np.exp(log_vars[j]))).logpdf(z[i]) for j in range(n)]
            for i in range(n)
        ]
    )
    by_hand = neg_entropy - np.mean(logsumexp(densities, axis=1) - np.log(n))
    assert mi == pytest.approx(by_hand, rel=1e-9)
    assert 0 < mi < np.log(n)


# --- token accuracy -------------------------------------------------------------------------


def test_token_accuracy_uses_teacher_forcing_and_skips_padding():
    ids = np.array([[5, 5, 6, 3, 0, 0], [7, 7, 7, 3, 0, 0], [3, 0, 0, 0, 0, 0]])
    # the copy decoder is right where a word repeats the previous one: 1 + 2 + 0 of 4 + 4 + 1 real tokens
    # (padding after padding would also "match": it must not count)
    assert measures.token_accuracy(CopyPrevious(), ids) == pytest.approx(3 / 9)
    starts_with_bos = np.array([[BOS_ID, 4, 3, 0]])  # [BOS] predicted at t = 0: counted right
    assert measures.token_accuracy(CopyPrevious(), starts_with_bos) == pytest.approx(1 / 3)


def test_token_accuracy_of_a_trained_model_equals_a_numpy_computation(model, text_data):
    ids = text_data[2]
    accuracy = measures.token_accuracy(model, ids)
    z_mean = np.asarray(model.encoder(ids, training=False)[0])
    decoder_inputs = np.concatenate([np.full((len(ids), 1), BOS_ID), ids[:, :-1]], axis=1)
    logits = np.asarray(model.decoder([z_mean, decoder_inputs], training=False))
    real = ids != 0
    assert accuracy == pytest.approx(np.sum((logits.argmax(-1) == ids) & real) / np.sum(real), abs=1e-6)
    assert 0.05 < accuracy < 1.0  # it has learnt something ([EOS] and the commonest words at least)


# --- ELBO and IWAE through reconstruction_nll -----------------------------------------------


def test_elbo_terms_of_a_text_vae_are_its_reconstruction_nll_at_posterior_draws_and_the_closed_form_kl(
    model, text_data
):
    ids = text_data[2]
    terms = estimates.elbo_terms(model, ids, n_samples=1, seed=3)
    z_mean, z_log_var = model.encode(ids)
    z = z_mean + np.exp(0.5 * z_log_var) * np.random.default_rng(3).standard_normal(z_mean.shape)
    np.testing.assert_allclose(terms["reconstruction"], model.reconstruction_nll(ids, z.astype(np.float32)), rtol=1e-6)
    np.testing.assert_allclose(terms["kl"], gaussian.kl_diag_to_standard(z_mean, z_log_var), rtol=1e-5)
    assert terms["kl"].mean() > 1.0, "the posteriors should carry information"


def test_importance_weighted_nll_is_below_the_negative_elbo_and_falls_with_k(model, text_data):
    ids = text_data[2]
    neg_elbo = estimates.negative_elbo(model, ids, n_samples=20, seed=0)["neg_elbo"]
    iwae = {k: estimates.importance_weighted_nll(model, ids, k=k, seed=0) for k in (1, 50)}
    # k = 1: an unbiased estimate of the negative ELBO (with a sampled KL): close to it
    assert iwae[1] == pytest.approx(neg_elbo, rel=0.03)
    assert iwae[50] < neg_elbo - 0.1
    assert iwae[50] < iwae[1]
    assert iwae[50] > 0


def test_text_report_combines_the_figures_consistently(model, text_data):
    ids = text_data[2]
    report = measures.text_report(model, ids, k=10, seed=1)
    assert set(report) == {
        "reconstruction",
        "kl",
        "neg_elbo",
        "iwae_nll",
        "nll_per_token",
        "perplexity",
        "active_units",
        "mutual_information",
        "token_accuracy",
    }
    assert report["neg_elbo"] == pytest.approx(report["reconstruction"] + report["kl"], rel=1e-12)
    assert report["iwae_nll"] == pytest.approx(estimates.importance_weighted_nll(model, ids, k=10, seed=1), rel=1e-6)
    assert report["neg_elbo"] == pytest.approx(estimates.negative_elbo(model, ids, seed=1)["neg_elbo"], rel=1e-6)
    tokens = measures.token_counts(ids)
    assert report["nll_per_token"] == pytest.approx(report["iwae_nll"] / tokens.mean(), rel=1e-12)
    # the per-token perplexity of the corpus, from the per-sentence IWAE figure
    nll = np.full(len(ids), report["iwae_nll"])
    assert report["perplexity"] == pytest.approx(measures.perplexity(nll, ids), rel=1e-9)
    assert 1.0 < report["perplexity"] < model.vocab_size
    assert 0 <= report["active_units"] <= model.latent_dim
    assert report["mutual_information"] <= np.log(len(ids)) + 0.2
