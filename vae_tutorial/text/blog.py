"""A trained text VAE ready to vary posts: the model, its tokenizer and its records (:class:`BlogVAE`),
and the one loader of a text model's folder (:func:`read_model`): a ``train-text`` or ``pretrain``
model directory, or the shipped model (:func:`load_pretrained`).

The directories themselves are written by the kinds (:mod:`vae_tutorial.text.kinds`).
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from vae_tutorial.errors import DataError, DataWarning, real_number
from vae_tutorial.errors import seed as check_seed
from vae_tutorial.text import generate, steering
from vae_tutorial.text.card import MODEL, read_card
from vae_tutorial.text.decoding import CLOSENESS, Decoding
from vae_tutorial.text.subwords import SubwordTokenizer
from vae_tutorial.text.tokens import Vectorizer, check_text, language_warning
from vae_tutorial.text.vae import TextVAE
from vae_tutorial.text.windows import chunk_post
from vae_tutorial.training.loss_model import load_model


@dataclasses.dataclass
class BlogVAE:
    """A trained blog-post VAE: the model, its tokenizer (a word-level ``Vectorizer`` for a model
    trained from scratch, a ``SubwordTokenizer`` otherwise) and the directory's records."""

    model: TextVAE
    vectorizer: Vectorizer | SubwordTokenizer
    config: dict
    metrics: dict
    history: dict[str, list[float]]
    topics: dict[str, list[str]] = dataclasses.field(default_factory=dict)  # saved with the model: name -> keywords
    topic_codes: dict = dataclasses.field(default_factory=dict, repr=False, compare=False)  # by keywords

    def windows(self, text: str) -> list[str]:
        """The sentence windows of ``text`` as the model reads them (subword or word windows)."""
        if hasattr(self.vectorizer, "windows"):
            return self.vectorizer.windows(text)
        return chunk_post(text, self.vectorizer.max_length - 1)

    def window_variations(
        self,
        text: str,
        n: int = 5,
        closeness: float | None = None,
        *,
        decoding: Decoding | None = None,
        seed: int | None = None,
        topic=None,
        strength: float = steering.STRENGTH,
        progress: Callable[[int, int], object] | None = None,
    ) -> list[tuple[str, list[str]]]:
        """(window, its n variations) for each sentence window of ``text``: see :meth:`variations`.
        progress: called as ``progress(done, total)`` (windows) after each window."""
        seed = check_seed("seed", seed)
        if closeness is not None and decoding is not None:
            raise DataError(
                "closeness, decoding", "are both given", "Pass decoding=Decoding.at_closeness(c).replace(...)."
            )
        decoding = (
            Decoding.at_closeness(CLOSENESS if closeness is None else closeness) if decoding is None else decoding
        )
        check_text("text", text)
        warning = language_warning(text)
        if warning:
            warnings.warn(warning, DataWarning, 3)
        steer = {}
        if topic is not None:
            steer["strength"] = real_number("strength", strength, 0.0, 1.0, steering.STRENGTH)
            words = tuple(steering.topic_words(topic))
            if words not in self.topic_codes:  # computed once per model and topic
                self.topic_codes[words] = steering.topic_code(self.model, self.vectorizer, words)
            steer["toward"] = self.topic_codes[words]
        pairs, history = [], None
        windows = self.windows(text)
        if len(windows) > MAX_WINDOWS:  # long runs of characters that are not words make many windows
            raise DataError(
                "text",
                f"makes {len(windows):,} sentence windows; variations take at most {MAX_WINDOWS} (a few minutes)",
                "Pass one post, or a part of it, at a time.",
            )
        for i, window in enumerate(windows):
            window_seed = None if seed is None else seed + i
            texts = generate.variations(
                self.model, self.vectorizer, window, n, decoding, seed=window_seed, history=history, **steer
            )
            pairs.append((window, texts))
            history = generate.said(self.vectorizer, texts, history)
            if progress is not None:
                progress(i + 1, len(windows))
        return pairs

    def variations(
        self,
        text: str,
        n: int = 5,
        closeness: float | None = None,
        *,
        decoding: Decoding | None = None,
        seed: int | None = None,
        topic=None,
        strength: float = steering.STRENGTH,
        progress: Callable[[int, int], object] | None = None,
    ) -> list[str]:
        """n variations of ``text`` (a sentence or a whole post, at most MAX_WORDS words).

        A post is cut into the sentence windows the model trained on; each window gets n
        variations and variation i of the post joins the windows' variations i.
        closeness (0 to 1, default 0.5) is the one knob: 1.0 gives the model's nearest sentence (the
        posterior mean, decoded greedily), 0.5 codes one posterior standard deviation away decoded by
        beam search, 0.0 the same topic in a new sentence (codes two standard deviations away, words
        sampled from the top half of the probability); see
        :meth:`~vae_tutorial.text.decoding.Decoding.at_closeness`. decoding: a
        :class:`~vae_tutorial.text.decoding.Decoding` instead of closeness (e.g.
        ``Decoding.at_closeness(0.5).replace(method="top_p")``). [UNK] is never chosen; no 3-gram of
        tokens repeats within a variation of the whole post (each window's guard counts what the
        earlier windows' variation said) unless decoding says otherwise.
        topic: None, or keywords ("bushfire, fire, firefighters"): every code moves a share
        ``strength`` (0 to 1, default 0.7) of the way to the topic's code, the mean code of the
        general corpus' sentences that mention the keywords (:mod:`vae_tutorial.text.steering`).
        progress: called as ``progress(done, total)`` after each window (a long post takes a while).
        """
        windows = self.window_variations(
            text, n, closeness, decoding=decoding, seed=seed, topic=topic, strength=strength, progress=progress
        )
        per_window = [variations for _, variations in windows]
        return [" ".join(parts).strip() for parts in zip(*per_window, strict=True)]


MAX_WINDOWS = 300  # sentence windows of one text to vary: about 5,000 words of prose, a few minutes


def read_model(folder, config: dict, metrics: dict, history: dict, model: TextVAE | None = None) -> BlogVAE:
    """The text model in ``folder`` with its records: ``model.keras`` (in safe mode, unless ``model``
    is that model already loaded), its tokenizer (``tokenizer/`` or ``vectorizer.json``) and the
    topics it was trained with (``topics.json``, if any). A DataError names a file that is missing,
    damaged or of another training run."""
    folder = Path(folder)
    model = load_model(folder / "model.keras", TextVAE) if model is None else model
    if (folder / "tokenizer").is_dir():
        vectorizer, name = SubwordTokenizer.load(folder / "tokenizer"), "tokenizer"
    else:
        vectorizer, name = Vectorizer.load(folder / "vectorizer.json"), "vectorizer.json"
    if (vectorizer.vocab_size, vectorizer.max_length) != (model.vocab_size, model.max_length):
        raise DataError(
            str(folder / name),
            f"does not match model.keras (vocabulary {vectorizer.vocab_size} vs {model.vocab_size}, "
            f"length {vectorizer.max_length} vs {model.max_length})",
            "Keep the files of one training run together.",
        )
    topics, codes = _read_topics(folder / steering.TOPICS_FILE, model.latent_dim)
    return BlogVAE(model, vectorizer, config, metrics, history, topics, codes)


def load_pretrained(folder: Path = MODEL) -> BlogVAE:
    """The sentence VAE shipped with the package (or another packed one in ``folder``), its files
    checked against the sha256 in its card first: the card as ``config``, its held-out figures as
    ``metrics``."""
    card = read_card(folder)
    return read_model(folder, card, card["held_out"], {})


def _read_topics(path: Path, latent_dim: int) -> tuple[dict, dict]:
    """({name: keywords}, {keywords: code}) from a model directory's topics.json (none: empty)."""
    if not path.is_file():
        return {}, {}
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        topics = {name: [str(w) for w in entry["keywords"]] for name, entry in saved.items()}
        codes = {tuple(topics[name]): np.asarray(entry["code"], np.float32) for name, entry in saved.items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DataError(str(path), f"is not a topics file ({type(exc).__name__})", "Train the model again.") from None
    if any(code.shape != (latent_dim,) for code in codes.values()):
        raise DataError(str(path), f"holds codes that are not of size {latent_dim}", "Train the model again.")
    return topics, codes
