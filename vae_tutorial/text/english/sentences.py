"""Running prose to clean sentences: ASCII folding, a sentence splitter that knows abbreviations,
the test of one clean sentence, and the key under which two sentences count as the same.

Stricter than :func:`vae_tutorial.text.corpus.clean_sentence` (which the shipped sentence VAE's
corpus was cleaned with, and keeps): a capital first, no shouting, balanced quotes, em dashes as
" - ", and residue such as " !" or a lone quote caught too. Sentence lengths are the same
(:data:`~vae_tutorial.text.corpus.MIN_WORDS` to :data:`~vae_tutorial.text.corpus.MAX_WORDS` words).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from vae_tutorial.text.corpus import MAX_WORDS, MIN_WORDS

_ASCII = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u00b4`", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2212", "-"),
        **dict.fromkeys("\u2014\u2015", " - "),
        "\u2026": "...",
        "\u00a0": " ",
    }
)
_ALLOWED = re.compile(r"[A-Za-z0-9 .,;:!?'\"()%$&/-]+")
# Markup or a removed word: "Greek , i.e.", "( )", "[[", "{{", "|", "=", "''", "--", "/ ", a start
# that is not a word, a quote or a parenthesis, a lone quote, a run of three quotes (nested
# quotations cut apart).
_DAMAGED = re.compile(r"\s[,.;:)!?]|\(\s|\(\)|\[\[|\{\{|\||=|''|--|/\s|\s/|^[^\w\"(]|\s'\s|[\"']{3}")
_ABBREVIATIONS = set(
    "mr mrs ms dr st jr sr messrs mme mlle gen col capt lt maj sgt rev hon gov sen rep prof esq mt ft "
    "no nos vol vols pp ch vs etc viz cf al inc ltd co corp dept jan feb mar apr jun jul aug sep sept oct nov dec "
    "e.g i.e".split()
)
_SENTENCE_END = re.compile(r"([.!?][\"')\]]*)\s+(?=[\"'(\[]?[A-Z0-9])")
_DOUBLE_HYPHEN = re.compile(r"(?<=\w)--(?=[\w\"' ])|(?<=[\"'.,;!?])--(?=\w)| -- ")


def ascii_text(text: str) -> str:
    """NFKC, typographic quotes and dashes made ASCII (an em dash or "--" becomes " - "), spaces collapsed."""
    text = unicodedata.normalize("NFKC", text).translate(_ASCII)
    return " ".join(_DOUBLE_HYPHEN.sub(" - ", text).split())


def split_prose(text: str) -> list[str]:
    """Sentences of running text: a split after ., ! or ? (and closing quotes or brackets) when a
    capital letter or digit follows, except after a known abbreviation ("Mr.", "U.S.", "e.g.")
    or an initial ("J. Smith"). (:func:`vae_tutorial.text.tokens.split_sentences`, for blog posts,
    splits after every one.)"""
    text = " ".join(str(text).split())
    sentences, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if match.group(1)[0] == ".":
            before = text[start : match.start()].rsplit(" ", 1)[-1].lstrip("\"'([").lower()
            if before in _ABBREVIATIONS or re.fullmatch(r"[a-z]|([a-z]\.)+[a-z]", before):
                continue
        sentences.append(text[start : match.end(1)])
        start = match.end()
    sentences.append(text[start:])
    return [s.strip() for s in sentences if s.strip()]


def clean_sentence(sentence: str) -> str | None:
    """The sentence, ASCII with spaces collapsed, or None unless it is one clean sentence of
    MIN_WORDS to MAX_WORDS words: final punctuation, only plain ASCII letters, digits and
    punctuation, a capital or digit first, no markup residue, balanced parentheses and quotes
    (one stray quote at either end of a sentence cut out of a longer quotation is balanced), not
    shouted in capitals."""
    text = ascii_text(sentence)
    if text.count('"') % 2:
        if text.startswith('"') and text.count('"') == 1:
            text += '"'
        elif text.endswith('"') and text.count('"') == 1:
            text = '"' + text
        else:
            return None
    words = text.split()
    if not MIN_WORDS <= len(words) <= MAX_WORDS or text.rstrip("\"')")[-1:] not in (".", "!", "?"):
        return None
    if not _ALLOWED.fullmatch(text) or _DAMAGED.search(text) or text.count("(") != text.count(")"):
        return None
    if not re.match(r"[\"'(]*[A-Z0-9]", text):  # a fragment: a sentence starts with a capital or a digit
        return None
    shouted = sum(len(w) > 1 and w.isupper() for w in (w.strip(".,;:!?\"'()") for w in words))
    if not re.search(r"[a-z]", text) or shouted > 0.3 * len(words):
        return None
    return text


def sentence_key(sentence: str) -> str:
    """What two sentences must share to count as the same: their lowercase letters and digits."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", sentence.lower()).split())


def clean_sentences(paragraphs: Iterable[str]) -> list[str]:
    """The clean sentences (:func:`clean_sentence`) of paragraphs of running text, in order."""
    cleaned = (clean_sentence(s) for paragraph in paragraphs for s in split_prose(ascii_text(paragraph)))
    return [s for s in cleaned if s]
