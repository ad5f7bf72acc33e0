"""Does generated text keep to its topic? Judged in an embedding space, by the share of the topic's own
keywords, and by an independent judge that never saw the model's space (notebook 06)."""

from __future__ import annotations

import numpy as np

from vae_tutorial.errors import DataError, finite
from vae_tutorial.text.embeddings import text_vector
from vae_tutorial.text.tokens import keyword_stems, keyword_tokens, stem, tokenize


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
    {name: vector} (e.g. :func:`~vae_tutorial.text.embeddings.topic_vector`), the candidates;
    kv: the gensim KeyedVectors of :func:`~vae_tutorial.text.embeddings.text_vector`; topic_keywords:
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


def without_keywords(text: str, keywords) -> list[str]:
    """The tokens of ``text`` (:func:`~vae_tutorial.text.tokens.tokenize`) that are neither one of the
    ``keywords`` nor an inflection of one (same Porter stem, see :func:`keyword_stems`):
    "Fires and a blaze near firefighters" with keywords "fire, blaze" -> ["and", "a", "near",
    "firefighters"]."""

    stems = keyword_stems(keywords)
    return [token for token in tokenize(text) if stem(token) not in stems]


def independent_topic_judge(generated_texts, requested_topics, topic_keywords: dict, judge_kv) -> dict:
    """Topic adherence judged where parroting earns nothing, in a space the model never saw.

    generated_texts: n strings; requested_topics: n topic names; topic_keywords: {name: keywords}
    (the candidates); judge_kv: gensim KeyedVectors trained on *other* text than the one that
    built the model's constraint vectors (e.g. :func:`~vae_tutorial.text.embeddings.judge_vectors`).
    Each text loses every keyword of its requested topic and their inflections
    (:func:`without_keywords`), then goes to the topic whose vector (the unit mean of the vectors
    of its keywords that judge_kv knows) is nearest by cosine to the rest's text vector. Returns

    - "independent_hit_rate": share of texts judged to be about their requested topic; a text
      with no word left that judge_kv knows is a miss (chance 1 / len(topic_keywords));
    - "keyword_share": share of all the texts' tokens that are their requested topic's keywords
      or inflections of them;
    - "judged": share of texts with a known word left; "n": the number of texts.
    """

    texts, requested = _texts_and_topics(generated_texts, requested_topics)
    names = list(topic_keywords)
    missing = sorted({topic for topic in requested if topic not in topic_keywords})
    if missing:
        raise DataError(
            "requested_topics",
            f"{', '.join(map(repr, missing))} not in topic_keywords (it has {', '.join(map(repr, names))})",
            "Give topic_keywords an entry for every requested topic.",
        )

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
