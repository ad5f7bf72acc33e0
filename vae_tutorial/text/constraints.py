"""Topic constraints: constraint vectors of chunks, and the original guide's latent-penalty targets.

:func:`chunk_conditions` gives each chunk the constraint vector that a
:class:`~vae_tutorial.text.conditional.ConditionalTextVAE` trains with. The original guide's
other idea, a latent penalty, is an option of the plain TextVAE: :func:`topic_targets` gives
every chunk the latent code of its topic's keywords (or of :func:`separated_codes`),
:func:`vae_tutorial.text.train.train_with_latent_penalty` trains towards them, and
:func:`codes_around` draws codes near a topic's code to decode.
"""

from __future__ import annotations

import numpy as np

from vae_tutorial.errors import DataError, float_rows, whole_number
from vae_tutorial.text.embeddings import text_vector, topic_vector


def chunk_conditions(kv, chunks) -> np.ndarray:
    """float32 (n, kv.vector_size): each chunk's constraint vector, the normalised mean of the unit
    embeddings of its known words (:func:`~vae_tutorial.text.embeddings.text_vector`; zeros if none)."""
    chunks = [chunks] if isinstance(chunks, str) else list(chunks)
    if not chunks:
        return np.zeros((0, kv.vector_size), np.float32)
    return np.stack([text_vector(kv, chunk) for chunk in chunks]).astype(np.float32)


def nearest_topics(kv, texts, topic_vectors: dict) -> list[str | None]:
    """The name of the topic whose vector is closest (cosine) to each text's
    :func:`~vae_tutorial.text.embeddings.text_vector`; None for a text with no known word."""
    names = list(topic_vectors)
    if not names:
        raise DataError("topic_vectors", "is empty", "Pass {name: topic_vector(kv, keywords)} for each topic.")
    matrix = np.stack([np.asarray(topic_vectors[name], np.float64) for name in names])
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    vectors = chunk_conditions(kv, texts).astype(np.float64)
    best = np.argmax(vectors @ matrix.T, axis=1)
    return [names[b] if v.any() else None for b, v in zip(best, vectors, strict=True)]


def topic_targets(
    model, vectorizer, kv, chunks, topics: dict, codes: dict | None = None
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Latent-penalty targets: (targets (n, latent_dim), codes {topic: (latent_dim,)}), float32.

    topics: {name: keywords}. Each chunk's target is the code of its nearest topic
    (:func:`nearest_topics`); a chunk with no known word keeps its own posterior mean under the
    trained ``model`` (a TextVAE), so it is not pulled. The codes are ``codes`` if given (e.g.
    :func:`separated_codes`), else the original guide's choice: the posterior mean of each topic's keyword
    string ("fire firefighters blaze") under ``model``.
    """
    if not topics:
        raise DataError("topics", "is empty", "Pass {name: [keywords]} for each topic.")
    chunks = [chunks] if isinstance(chunks, str) else list(chunks)
    names = list(topics)
    if codes is None:
        strings = [" ".join(topics[name]) if not isinstance(topics[name], str) else topics[name] for name in names]
        keyword_codes, _ = model.encode(vectorizer.encode(strings))
        codes = {name: keyword_codes[i] for i, name in enumerate(names)}
    missing = [name for name in names if name not in codes]
    if missing:
        raise DataError("codes", f"has no code for {', '.join(map(repr, missing))}", "Give every topic a code.")
    codes = {name: float_rows("codes", [codes[name]], model.latent_dim, "the latent size", 1)[0] for name in names}
    nearest = nearest_topics(kv, chunks, {name: topic_vector(kv, topics[name]) for name in names})
    own, _ = model.encode(vectorizer.encode(chunks))
    targets = np.stack([own[i] if name is None else codes[name] for i, name in enumerate(nearest)])
    return targets.astype(np.float32), codes


def separated_codes(names, latent_dim: int, radius: float = 3.0) -> dict[str, np.ndarray]:
    """{name: radius * e_i}: one code per topic on its own latent axis, float32 (latent_dim,); any two
    are radius * sqrt(2) apart. Targets that the latent penalty can keep apart, unlike the codes of
    short keyword strings, which a text VAE tends to put almost on top of each other."""
    names = list(names)
    if not 0 < len(names) <= latent_dim:
        raise DataError("names", f"has {len(names)} topics for {latent_dim} latent axes", "Pass 1 to latent_dim names.")
    return {name: (radius * np.eye(latent_dim, dtype=np.float32)[i]) for i, name in enumerate(names)}


def codes_around(code, n: int = 5, scale: float = 1.0, seed: int | None = None) -> np.ndarray:
    """float32 (n, latent_dim): ``code + scale * eps``, eps ~ N(0, I): codes to decode near a topic's code."""
    code = np.asarray(code, np.float32)
    if code.ndim != 1:
        raise DataError("code", f"expected one code of shape (latent_dim,), got {code.shape}", "Pass codes['cricket'].")
    n = whole_number("n", n, 5)
    return (code + scale * np.random.default_rng(seed).standard_normal((n, len(code)))).astype(np.float32)
