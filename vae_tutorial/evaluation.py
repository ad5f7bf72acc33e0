"""Held-out figures of a trained VAE, in nats per example (NumPy on the model's outputs).

The functions need two methods of the model: ``encode(x, batch_size) -> (z_mean, z_log_var)``
and ``reconstruction_nll(x, z) -> -log p(x | z)`` per example (Bernoulli pixels for
:class:`~vae_tutorial.models.image_vae.ImageVAE`, masked tokens for the text VAEs). The models
check ``x`` (NaN images or bad token ids are a DataError); the functions check their own numbers.

The last section measures generated text (BLEU, retrieval of the source, copies, repeats), all
in [0, 1]; texts are compared by their :func:`words`.
"""

from __future__ import annotations

import functools
import re

import numpy as np
from scipy.special import logsumexp

from vae_tutorial.errors import DataError, finite, real_number, seed as check_seed, token_ids, whole_number

LOG_2PI = np.log(2.0 * np.pi)


def _kl_per_dim(z_mean: np.ndarray, z_log_var: np.ndarray) -> np.ndarray:
    """KL(q(z|x) || N(0, I)) per example and latent dimension: (n, latent_dim)."""
    return 0.5 * (np.exp(z_log_var) + z_mean**2 - 1.0 - z_log_var)


def _batches(n: int, size: int):
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


def elbo_terms(model, x, n_samples: int = 1, seed: int = 0, batch_size: int = 500) -> dict[str, np.ndarray]:
    """Per-example reconstruction NLL (averaged over n_samples draws of z ~ q(z|x)) and KL.

    Returns {"reconstruction": (n,), "kl": (n,)} in nats; their sum is the negative ELBO.
    """
    n_samples, batch_size = whole_number("n_samples", n_samples, 10), whole_number("batch_size", batch_size, 500)
    x = np.asarray(x)
    rng = np.random.default_rng(check_seed("seed", seed))
    z_mean, z_log_var = model.encode(x, batch_size=batch_size)
    recon = np.zeros(len(x))
    for _ in range(n_samples):
        z = z_mean + np.exp(0.5 * z_log_var) * rng.standard_normal(z_mean.shape)
        recon += model.reconstruction_nll(x, z.astype(np.float32)) / n_samples
    return {"reconstruction": recon, "kl": _kl_per_dim(z_mean, z_log_var).sum(axis=1)}


def negative_elbo(model, x, n_samples: int = 1, seed: int = 0) -> dict[str, float]:
    """Mean reconstruction NLL, KL and negative ELBO (= their sum) in nats per example."""
    terms = elbo_terms(model, x, n_samples, seed)
    recon, kl = float(terms["reconstruction"].mean()), float(terms["kl"].mean())
    return {"reconstruction": recon, "kl": kl, "neg_elbo": recon + kl}


def importance_weighted_nll(model, x, k: int = 100, seed: int = 0, batch_size: int = 100) -> float:
    """IWAE estimate of -log p(x) in nats per example (Burda et al. 2016), from k samples.

    -log p(x) ~= -logsumexp_i [log p(x|z_i) + log p(z_i) - log q(z_i|x)] + log k, z_i ~ q(z|x).
    With k = 1 its expectation is the negative ELBO; it tightens (decreases) as k grows.
    """
    k, batch_size = whole_number("k", k, 100), whole_number("batch_size", batch_size, 100)
    x = np.asarray(x)
    rng = np.random.default_rng(check_seed("seed", seed))
    z_mean, z_log_var = model.encode(x)
    out = np.empty(len(x))
    for sl in _batches(len(x), batch_size):
        mu, lv = z_mean[sl], z_log_var[sl]
        eps = rng.standard_normal((k, *mu.shape))
        z = mu + np.exp(0.5 * lv) * eps  # (k, b, d)
        xb = np.broadcast_to(x[sl], (k, *x[sl].shape)).reshape(-1, *x.shape[1:])
        log_px_z = -model.reconstruction_nll(xb, z.reshape(-1, mu.shape[1]).astype(np.float32)).reshape(k, -1)
        log_pz = -0.5 * np.sum(z**2 + LOG_2PI, axis=-1)
        log_qz = -0.5 * np.sum(eps**2 + LOG_2PI + lv, axis=-1)
        out[sl] = -(logsumexp(log_px_z + log_pz - log_qz, axis=0) - np.log(k))
    return float(out.mean())


def kl_per_dimension(model, x) -> np.ndarray:
    """Mean KL(q(z_j|x) || N(0, 1)) of each latent dimension j over the data: (latent_dim,) nats."""
    z_mean, z_log_var = model.encode(np.asarray(x))
    return _kl_per_dim(z_mean, z_log_var).mean(axis=0)


def active_units(model, x, threshold: float = 0.01) -> int:
    """Number of latent dimensions whose posterior mean varies with x (Burda et al. 2016):
    dimension j is active when Cov_x(E_q[z_j | x]) > threshold."""
    threshold = real_number("threshold", threshold, 0.0, np.inf, 0.01, high_open=True)
    z_mean, _ = model.encode(np.asarray(x))
    return int(np.sum(np.var(z_mean, axis=0) > threshold))


def anomaly_scores(model, x, n_samples: int = 10, seed: int = 0) -> np.ndarray:
    """Negative ELBO per example (n,) in nats: high means the model finds x unlikely."""
    terms = elbo_terms(model, x, n_samples, seed)
    return terms["reconstruction"] + terms["kl"]


def roc_auc(normal_scores, anomalous_scores) -> float:
    """Area under the ROC curve of a score that should be higher for anomalies: the probability
    that a random anomaly scores above a random normal example (ties count half)."""
    normal = finite("normal_scores", normal_scores, np.float64).ravel()
    anomalous = finite("anomalous_scores", anomalous_scores, np.float64).ravel()
    for name, scores in [("normal_scores", normal), ("anomalous_scores", anomalous)]:
        if not len(scores):
            raise DataError(name, "is empty", "Pass at least one score.")
    greater = (anomalous[:, None] > normal[None, :]).sum()
    ties = (anomalous[:, None] == normal[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(normal) * len(anomalous)))


# --- text -----------------------------------------------------------------------------------


def token_counts(ids, pad_id: int = 0) -> np.ndarray:
    """Real tokens per sentence (everything but padding, [EOS] included): (n,)."""
    return np.sum(np.asarray(ids) != pad_id, axis=1)


def perplexity(nll_per_sentence, ids, pad_id: int = 0) -> float:
    """exp(total NLL / total real tokens): the per-token perplexity of a corpus."""
    return float(np.exp(np.sum(nll_per_sentence) / np.sum(token_counts(ids, pad_id))))


def mutual_information(model, x, seed: int = 0) -> float:
    """Estimate of I(x; z) under q, in nats (Hoffman & Johnson 2016; He et al. 2019):
    E_x E_q(z|x)[log q(z|x)] - E[log q(z)], with the aggregate posterior q(z) approximated by
    the mixture of the posteriors of the examples in ``x``. Bounded above by log(len(x))."""
    z_mean, z_log_var = model.encode(np.asarray(x))
    n, d = z_mean.shape
    rng = np.random.default_rng(check_seed("seed", seed))
    z = z_mean + np.exp(0.5 * z_log_var) * rng.standard_normal(z_mean.shape)
    neg_entropy = np.mean(-0.5 * d * LOG_2PI - 0.5 * np.sum(1.0 + z_log_var, axis=1))
    diff = z[:, None, :] - z_mean[None, :, :]  # (n samples, n posteriors, d)
    log_dens = -0.5 * np.sum(diff**2 / np.exp(z_log_var)[None] + z_log_var[None] + LOG_2PI, axis=-1)
    log_qz = logsumexp(log_dens, axis=1) - np.log(n)
    return float(neg_entropy - np.mean(log_qz))


def token_accuracy(model, ids, pad_id: int = 0) -> float:
    """Share of real tokens that the decoder's argmax gets right from the posterior mean,
    with teacher forcing (each step sees the true previous words)."""
    from vae_tutorial.models.text_vae import shift_right

    ids = np.asarray(ids, np.int32)
    z_mean, _ = model.encode(ids)
    logits = model.decoder_logits(z_mean, np.asarray(shift_right(ids)))
    real = ids != pad_id
    return float(np.sum((logits.argmax(-1) == ids) & real) / np.sum(real))


def text_report(model, ids, k: int = 50, seed: int = 0) -> dict[str, float]:
    """The held-out figures of notebook 04 for a text VAE, all per sentence in nats unless named:
    neg_elbo, reconstruction, kl, iwae_nll, nll_per_token, perplexity (from IWAE), active_units,
    mutual_information, token_accuracy."""
    elbo = negative_elbo(model, ids, n_samples=1, seed=seed)
    iwae = importance_weighted_nll(model, ids, k=k, seed=seed)
    tokens = float(np.mean(token_counts(ids)))
    return {
        **elbo,
        "iwae_nll": iwae,
        "nll_per_token": iwae / tokens,
        "perplexity": float(np.exp(iwae / tokens)),
        "active_units": active_units(model, ids),
        "mutual_information": mutual_information(model, ids, seed),
        "token_accuracy": token_accuracy(model, ids),
    }


def distinct_n(texts, n: int = 2) -> float:
    """Distinct-n (Li et al. 2016): unique n-grams / all n-grams over the texts (0 if none)."""
    grams = [tuple(words[i : i + n]) for words in (t.split() for t in texts) for i in range(len(words) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 0.0


def _texts_and_topics(generated_texts, requested_topics) -> tuple[list, list]:
    """(texts, requested topics) as lists of the same, non-zero length; else a DataError."""
    texts = [generated_texts] if isinstance(generated_texts, str) else list(generated_texts)
    requested = [requested_topics] if isinstance(requested_topics, str) else list(requested_topics)
    if len(texts) != len(requested):
        raise DataError(
            "generated_texts, requested_topics",
            f"have different lengths ({len(texts)} texts, {len(requested)} topics)",
            "Pass one requested topic per generated text.",
        )
    if not texts:
        raise DataError("generated_texts", "is empty", "Pass at least one generated text.")
    return texts, requested


def topic_adherence(generated_texts, requested_topics, topic_vectors, kv, topic_keywords=None) -> dict:
    """How well generated texts keep to the topics they were asked for, judged in an embedding space.

    generated_texts: n strings; requested_topics: n topic names, one per text; topic_vectors:
    {name: vector} (e.g. :func:`~vae_tutorial.embeddings.topic_vector`), the candidates;
    kv: the gensim KeyedVectors of :func:`~vae_tutorial.embeddings.text_vector`; topic_keywords:
    {name: keywords}, optional. Returns

    - "hit_rate": share of texts whose nearest topic vector (cosine to the text's text_vector)
      is the requested one; a text with no known word is a miss. Chance is 1 / len(topic_vectors)
      if the topics are requested evenly;
    - "mean_cosine": mean cosine of each text's vector to its requested topic's (0 for no known word);
    - "keyword_share": share of all generated tokens (as :func:`tokenize` makes them) that are
      the requested topic's own keywords, so that parroting the keywords shows (None without
      topic_keywords);
    - "n": the number of texts.
    """
    from vae_tutorial.data.text import tokenize
    from vae_tutorial.embeddings import text_vector

    texts, requested = _texts_and_topics(generated_texts, requested_topics)
    names = list(topic_vectors)
    for where, known in [("topic_vectors", names), ("topic_keywords", list(topic_keywords or names))]:
        missing = sorted({topic for topic in requested if topic not in known})
        if missing:
            raise DataError(
                "requested_topics",
                f"{', '.join(map(repr, missing))} not in {where} (it has {', '.join(map(repr, known))})",
                f"Give {where} an entry for every requested topic.",
            )
    matrix = np.stack([finite(f"topic_vectors[{name!r}]", topic_vectors[name], np.float64) for name in names])
    norms = np.linalg.norm(matrix, axis=1)
    if not norms.all():
        raise DataError(
            "topic_vectors", f"{names[int(np.argmin(norms))]!r} is a zero vector", "Pass topic_vector(...)."
        )
    vectors = np.stack([text_vector(kv, text) for text in texts]).astype(np.float64)
    lengths = np.linalg.norm(vectors, axis=1)
    cosines = (vectors @ (matrix / norms[:, None]).T) / np.where(lengths > 0, lengths, 1.0)[:, None]  # (n, topics)
    wanted = np.array([names.index(topic) for topic in requested])
    hits = (np.argmax(cosines, axis=1) == wanted) & (lengths > 0)
    share = None
    if topic_keywords is not None:
        tokens = [tokenize(text) for text in texts]
        keywords = {}
        for name in set(requested):
            words = topic_keywords[name]
            keywords[name] = set(tokenize(words) if isinstance(words, str) else [t for w in words for t in tokenize(w)])
        matched = sum(
            token in keywords[topic] for words, topic in zip(tokens, requested, strict=True) for token in words
        )
        total = sum(len(words) for words in tokens)
        share = matched / total if total else 0.0
    return {
        "hit_rate": float(hits.mean()),
        "mean_cosine": float(cosines[np.arange(len(texts)), wanted].mean()),
        "keyword_share": share,
        "n": len(texts),
    }


@functools.cache
def _porter():
    from nltk.stem import PorterStemmer

    return PorterStemmer()


@functools.cache
def stem(token: str) -> str:
    """The Porter stem (nltk) of one token, cached: a corpus repeats its words, and nltk's
    stemmer is slow enough that stemming every occurrence of 15,000 sentences takes seconds."""
    return _porter().stem(token)


def keyword_stems(keywords) -> set[str]:
    """The :func:`stem` of each of the :func:`~vae_tutorial.data.text.keyword_tokens` of
    ``keywords``: {"fire"} for "fires, fire"; every inflection of a keyword has the same stem
    ("blazes", "blazing" -> "blaze"), a compound does not ("firefighters")."""
    from vae_tutorial.data.text import keyword_tokens

    return {stem(token) for token in keyword_tokens(keywords)}


def without_keywords(text: str, keywords) -> list[str]:
    """The tokens of ``text`` (:func:`~vae_tutorial.data.text.tokenize`) that are neither one of the
    ``keywords`` nor an inflection of one (same Porter stem, see :func:`keyword_stems`):
    "Fires and a blaze near firefighters" with keywords "fire, blaze" -> ["and", "a", "near",
    "firefighters"]."""
    from vae_tutorial.data.text import tokenize

    stems = keyword_stems(keywords)
    return [token for token in tokenize(text) if stem(token) not in stems]


def independent_topic_judge(generated_texts, requested_topics, topic_keywords: dict, judge_kv) -> dict:
    """Topic adherence judged where parroting earns nothing, in a space the model never saw.

    generated_texts: n strings; requested_topics: n topic names; topic_keywords: {name: keywords}
    (the candidates); judge_kv: gensim KeyedVectors trained on *other* text than the one that
    built the model's constraint vectors (e.g. :func:`~vae_tutorial.embeddings.judge_vectors`).
    Each text loses every keyword of its requested topic and their inflections
    (:func:`without_keywords`), then goes to the topic whose vector (the unit mean of the vectors
    of its keywords that judge_kv knows) is nearest by cosine to the rest's text vector. Returns

    - "independent_hit_rate": share of texts judged to be about their requested topic; a text
      with no word left that judge_kv knows is a miss (chance 1 / len(topic_keywords));
    - "keyword_share": share of all the texts' tokens that are their requested topic's keywords
      or inflections of them;
    - "judged": share of texts with a known word left; "n": the number of texts.
    """
    from vae_tutorial.embeddings import text_vector

    texts, requested = _texts_and_topics(generated_texts, requested_topics)
    names = list(topic_keywords)
    missing = sorted({topic for topic in requested if topic not in topic_keywords})
    if missing:
        raise DataError(
            "requested_topics",
            f"{', '.join(map(repr, missing))} not in topic_keywords (it has {', '.join(map(repr, names))})",
            "Give topic_keywords an entry for every requested topic.",
        )
    from vae_tutorial.data.text import keyword_tokens, tokenize

    rows = []
    for name in names:  # keywords the judge does not know are left out of the topic's vector
        rows.append(text_vector(judge_kv, " ".join(keyword_tokens(topic_keywords[name]))))
        if not rows[-1].any():
            raise DataError(
                "topic_keywords",
                f"none of the keywords of {name!r} is in the judge's vocabulary",
                "Give each topic a word of the judge's training text.",
            )
    matrix = np.stack(rows).astype(np.float64)
    hits = judged = kept = total = 0
    for text, topic in zip(texts, requested, strict=True):
        rest = without_keywords(text, topic_keywords[topic])
        total += len(tokenize(text))
        kept += len(rest)
        vector = text_vector(judge_kv, " ".join(rest))
        if vector.any():
            judged += 1
            hits += names[int(np.argmax(matrix @ vector))] == topic
    return {
        "independent_hit_rate": hits / len(texts),
        "keyword_share": (total - kept) / total if total else 0.0,
        "judged": judged / len(texts),
        "n": len(texts),
    }


# --- generated text -------------------------------------------------------------------------
# The measures below compare texts by their words (see words), so that the output of a word-level
# and of a subword tokenizer are compared alike: case and punctuation do not count.

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def words(text: str) -> list[str]:
    """Lower-cased word tokens with the punctuation split off: "Don't stop, U.N.!" ->
    ["don't", "stop", "u", "n"]. Every measure of generated text below compares texts by these."""
    return _WORD.findall(str(text).lower())


def _strings(name: str, texts, allow_empty: bool = False) -> list[str]:
    """``texts`` (one string or an iterable of strings) as a list; else a DataError naming ``name``."""
    try:
        texts = [texts] if isinstance(texts, str) else list(texts)
    except TypeError:
        raise DataError(
            name, f"is of type {type(texts).__name__}, not text", "Pass a string or a list of strings."
        ) from None
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise DataError(
                f"{name}[{i}]", f"is of type {type(text).__name__}, not a string", "Pass text (decode token ids first)."
            )
    if not texts and not allow_empty:
        raise DataError(name, "is empty", "Pass at least one text.")
    return texts


def _same_length(names: str, a: list, b: list, fix: str) -> None:
    if len(a) != len(b):
        raise DataError(names, f"have different lengths ({len(a)} and {len(b)})", fix)


def bleu4(references, hypotheses) -> float:
    """Corpus BLEU-4 (Papineni et al. 2002) in [0, 1] of ``hypotheses`` against ``references``:
    one reference string per hypothesis string, both split with :func:`words`.

    nltk's ``corpus_bleu``: the modified 1- to 4-gram precisions are pooled over the corpus and
    averaged geometrically (weights 1/4), times the brevity penalty exp(1 - r / c) when the
    hypotheses' c words are fewer than the references' r. A precision with no matching n-gram
    counts 0.1 matches (``SmoothingFunction().method1``), so one short sentence does not zero the score.
    """
    from nltk.translate.bleu_score import SmoothingFunction, corpus_bleu

    references, hypotheses = _strings("references", references), _strings("hypotheses", hypotheses)
    _same_length("references, hypotheses", references, hypotheses, "Pass one reference per hypothesis.")
    return float(
        corpus_bleu(
            [[words(r)] for r in references],
            [words(h) for h in hypotheses],
            smoothing_function=SmoothingFunction().method1,
        )
    )


def token_match(reference_ids, decoded_ids, pad_id: int = 0) -> float:
    """Exact-token accuracy of a free-running decode: the share of the reference's real (not
    ``pad_id``) positions where the decoded id equals the reference id. Both are int arrays
    (n, length) of the same shape; unlike :func:`token_accuracy`, each decoded token followed the
    decoder's own previous tokens, so one dropped word shifts and misses the rest of the sentence."""
    reference = token_ids("reference_ids", reference_ids)
    decoded = token_ids("decoded_ids", decoded_ids)
    if decoded.shape != reference.shape:
        raise DataError(
            "decoded_ids",
            f"has shape {decoded.shape}, the references {reference.shape}",
            "Decode to the references' length (pad or cut each row).",
        )
    real = reference != pad_id
    if not real.any():
        raise DataError("reference_ids", f"has only padding ({pad_id})", "Pass encoded sentences.")
    return float(np.sum((decoded == reference) & real) / np.sum(real))


def source_retrieval(variations, sources) -> float:
    """Whether variations can be traced back to their source text: the share of variations whose
    most similar source is their own (chance: 1 / len(sources)).

    variations: one entry per source, each a list of strings or one string; sources: the strings.
    A TF-IDF model (gensim; raw counts times log2(n sources / sources with the word)) is built
    over the sources' :func:`words`; a variation is compared with every source by the cosine of
    their TF-IDF vectors. Ties go to the earlier source (argmax's first index); a variation with
    no weighted word (none of its words in the sources, or only words that are in all of them)
    is a miss.
    """
    from gensim.corpora import Dictionary
    from gensim.models import TfidfModel
    from gensim.similarities import MatrixSimilarity

    sources = _strings("sources", sources)
    if len(sources) < 2:
        raise DataError("sources", "has one text: retrieval among one source is always right", "Pass 2 or more.")
    if isinstance(variations, str):
        raise DataError("variations", "is one string", "Pass one string or list of strings per source.")
    groups = [_strings(f"variations[{i}]", group, allow_empty=True) for i, group in enumerate(variations)]
    _same_length("variations, sources", groups, sources, "Pass one list of variations per source.")
    owners = [i for i, group in enumerate(groups) for _ in group]
    if not owners:
        raise DataError("variations", "has no text", "Pass at least one variation.")
    dictionary = Dictionary(words(s) for s in sources)
    tfidf = TfidfModel(dictionary=dictionary)
    index = MatrixSimilarity(tfidf[[dictionary.doc2bow(words(s)) for s in sources]], num_features=len(dictionary))
    queries = [tfidf[dictionary.doc2bow(words(v))] for group in groups for v in group]
    cosines = np.stack([index[query] for query in queries])  # (variations, sources)
    hits = (np.argmax(cosines, axis=1) == np.array(owners)) & np.array([len(q) > 0 for q in queries])
    return float(hits.mean())


def copies(generated, training_sentences) -> float:
    """Share of the generated texts whose :func:`words` equal those of some training sentence:
    sentences the model learnt by heart rather than made."""
    generated = _strings("generated", generated)
    seen = {tuple(words(s)) for s in _strings("training_sentences", training_sentences)}
    return sum(tuple(words(text)) in seen for text in generated) / len(generated)


def repeated_ngram_share(texts, n: int = 3) -> float:
    """Share of word n-grams that repeat an earlier n-gram of the same text ("the man and the man
    and the man" has 6 trigrams, the last 3 repeats), pooled over all texts: repeats / all
    n-grams (0 if there are none). Degenerate decoding loops score high; other texts do not count."""
    n = whole_number("n", n, 3)
    repeats = total = 0
    for text in _strings("texts", texts, allow_empty=True):
        tokens = words(text)
        grams = [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
        repeats += len(grams) - len(set(grams))
        total += len(grams)
    return repeats / total if total else 0.0


def unk_share(texts) -> float:
    """Share of the whitespace tokens of ``texts`` that are the unknown-word token "[UNK]"
    (case-sensitive), over all their tokens (0 if there are none)."""
    tokens = [token for text in _strings("texts", texts, allow_empty=True) for token in text.split()]
    return tokens.count("[UNK]") / len(tokens) if tokens else 0.0


def variation_novelty(variations, source: str) -> dict[str, float]:
    """How far the variations of one source text move away from it, by :func:`words`:

    - "equal_to_input": share of the variations that repeat the source, or one of its sentences
      (:func:`~vae_tutorial.data.text.split_sentences`), word for word;
    - "new_word_share": mean over the variations of the share of each one's words (counted with
      repeats) that are not among the source's words (0 for a variation with no words).
    """
    from vae_tutorial.data.text import split_sentences

    variations = _strings("variations", variations)
    if not isinstance(source, str):
        raise DataError("source", f"is of type {type(source).__name__}, not a string", "Pass the one source text.")
    known = set(words(source))
    inputs = {tuple(words(source))} | {tuple(words(s)) for s in split_sentences(source)}
    new_shares = []
    for variation in variations:
        tokens = words(variation)
        new_shares.append(sum(token not in known for token in tokens) / len(tokens) if tokens else 0.0)
    return {
        "equal_to_input": sum(tuple(words(v)) in inputs for v in variations) / len(variations),
        "new_word_share": float(np.mean(new_shares)),
    }
