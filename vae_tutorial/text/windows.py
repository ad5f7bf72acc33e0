"""Posts to sentence windows for a text VAE: :func:`chunk_post` cuts a post into windows of whole
sentences of at most ``max_tokens`` tokens, and :func:`split_posts` splits by post, so that no
window of a validation post is seen in training."""

from __future__ import annotations

import numbers

import numpy as np

from vae_tutorial.errors import DataError
from vae_tutorial.errors import seed as check_seed
from vae_tutorial.text.posts import Post, Posts, _plural
from vae_tutorial.text.tokens import clean_text, split_sentences, tokenize


def _whole(max_tokens) -> int:
    """``max_tokens`` as an int; DataError unless it is a whole number >= 1."""
    whole = isinstance(max_tokens, numbers.Real) and not isinstance(max_tokens, bool) and float(max_tokens).is_integer()
    if not whole or max_tokens < 1:
        raise DataError(
            "max_tokens",
            f"must be a whole number >= 1, got {max_tokens!r}",
            "Use e.g. 39 (the Vectorizer's max_length - 1, which leaves room for [EOS]).",
        )
    return int(max_tokens)


def chunk_post(text: str, max_tokens: int) -> list[str]:
    """Sentence windows of a post: consecutive sentences of :func:`clean_text` packed greedily
    while a window has <= ``max_tokens`` tokens (as :func:`tokenize` makes them). A longer
    sentence is cut into pieces of ``max_tokens`` tokens, each its own window: no token is
    dropped. Each window is its tokens joined by single spaces; [] for a post without words.
    A ``text`` that is not a string (None) is a DataError: it would be varied as the word "none"."""
    if not isinstance(text, str):
        raise DataError(
            "text", f"must be a string, got {type(text).__name__}", "Pass the text of a sentence or a post."
        )
    max_tokens = _whole(max_tokens)
    windows: list[list[str]] = []
    window: list[str] = []
    for tokens in (tokenize(sentence) for sentence in split_sentences(clean_text(text))):
        if len(window) + len(tokens) <= max_tokens:
            window += tokens
            continue
        if window:
            windows.append(window)
        if len(tokens) <= max_tokens:
            window = tokens
        else:  # a sentence longer than a window: consecutive pieces, each a window of its own
            windows += [tokens[i : i + max_tokens] for i in range(0, len(tokens), max_tokens)]
            window = []
    if window:
        windows.append(window)
    return [" ".join(tokens) for tokens in windows]


def chunk_posts(posts, max_tokens: int) -> list[tuple[str, str]]:
    """(post id, window) for every window of every post, in order."""
    max_tokens = _whole(max_tokens)
    return [(post.id, window) for post in posts for window in chunk_post(post.text, max_tokens)]


def split_posts(posts, val_fraction: float = 0.1, seed: int = 0) -> tuple[list[Post], list[Post]]:
    """(train, validation) by post: a shuffle seeded with ``seed``, then round(val_fraction * n)
    posts (at least 1, at most n - 1) go to validation. Chunk each side after the split so no
    window of a validation post is in training (duplicates are dropped by the loaders). Both sides of
    a :class:`Posts` are Posts with its ``origin`` and ``skipped`` (config.json names the source)."""
    kept = (posts.skipped, posts.origin) if isinstance(posts, Posts) else None
    posts = list(posts)
    if len(posts) < 2:
        raise DataError("posts", f"has {_plural(len(posts), 'post')}; a split needs at least 2", "Load more posts.")
    wrong = next((i for i, post in enumerate(posts) if not isinstance(post, Post)), None)
    if wrong is not None:
        raise DataError(
            "posts",
            f"item {wrong} is a {type(posts[wrong]).__name__}, not a Post",
            "Load them with load_blog_folder or load_blog_csv, or make Post(id, text, source) objects.",
        )
    if not isinstance(val_fraction, numbers.Real) or not 0 < val_fraction < 1:
        raise DataError("val_fraction", f"must be between 0 and 1 (exclusive), got {val_fraction!r}", "Use e.g. 0.1.")
    n_val = min(max(1, round(val_fraction * len(posts))), len(posts) - 1)
    order = np.random.default_rng(check_seed("seed", seed)).permutation(len(posts))
    shuffled = [posts[i] for i in order]
    if kept is not None:
        return Posts(shuffled[n_val:], *kept), Posts(shuffled[:n_val], *kept)
    return shuffled[n_val:], shuffled[:n_val]
