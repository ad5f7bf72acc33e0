"""Measures of a text VAE and of the text it writes.

Held-out figures per sentence (perplexity, token accuracy, the report of notebook 04); then measures
of generated text (BLEU, retrieval of the source, copies, repeats, novelty), all in [0, 1]. Texts
are compared by their :func:`words`, so that the output of a word-level and of a subword tokenizer
are compared alike: case and punctuation do not count.
"""

from __future__ import annotations

import re

import numpy as np

from vae_tutorial.errors import DataError, token_ids, whole_number
from vae_tutorial.text.tokens import BOS_ID, split_sentences
from vae_tutorial.theory.estimates import active_units, importance_weighted_nll, mutual_information, negative_elbo


def token_counts(ids, pad_id: int = 0) -> np.ndarray:
    """Real tokens per sentence (everything but padding, [EOS] included): (n,)."""
    return np.sum(np.asarray(ids) != pad_id, axis=1)


def perplexity(nll_per_sentence, ids, pad_id: int = 0) -> float:
    """exp(total NLL / total real tokens): the per-token perplexity of a corpus."""
    return float(np.exp(np.sum(nll_per_sentence) / np.sum(token_counts(ids, pad_id))))


def token_accuracy(model, ids, pad_id: int = 0) -> float:
    """Share of real tokens that the decoder's argmax gets right from the posterior mean,
    with teacher forcing (each step sees the true previous words: [BOS], then ids[:, :-1])."""
    ids = np.asarray(ids, np.int32)
    z_mean, _ = model.encode(ids)
    logits = model.decoder_logits(z_mean, np.concatenate([np.full((len(ids), 1), BOS_ID), ids[:, :-1]], axis=1))
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
    from nltk.translate.bleu_score import SmoothingFunction, corpus_bleu  # nltk (~1.5 s): as gensim above

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
    from gensim import corpora, models, similarities  # gensim (~1 s): the command line reads this module

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
    dictionary = corpora.Dictionary(words(s) for s in sources)
    tfidf = models.TfidfModel(dictionary=dictionary)
    index = similarities.MatrixSimilarity(
        tfidf[[dictionary.doc2bow(words(s)) for s in sources]], num_features=len(dictionary)
    )
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
      (:func:`~vae_tutorial.text.tokens.split_sentences`), word for word;
    - "new_word_share": mean over the variations of the share of each one's words (counted with
      repeats) that are not among the source's words (0 for a variation with no words).
    """

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
