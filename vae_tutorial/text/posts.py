"""Blog posts on disk: a folder of text files (one post each, e.g. a Markdown export) or, in
:mod:`vae_tutorial.text.csv_posts`, one CSV with a row per post.

The loaders return :class:`Posts` (a list of :class:`Post`) and record, with a
:class:`~vae_tutorial.errors.DataWarning`, what they left out (empty, binary and duplicate posts).
:mod:`vae_tutorial.text.windows` cuts them into sentence windows and splits them by post::

    posts = load_blog_folder("my_blog")
    train, val = split_posts(posts, val_fraction=0.1)
    train_windows = [chunk for _, chunk in chunk_posts(train, max_tokens=39)]
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import re
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterable
from pathlib import Path, PurePosixPath, PureWindowsPath

from charset_normalizer import from_bytes

from vae_tutorial.errors import DataError, DataWarning
from vae_tutorial.files import as_path, path_error, probe
from vae_tutorial.text.corpus import lee_articles, sample_blog_articles

BINARY_PROBE = 8192  # bytes: a NUL byte among the first ones marks a binary file

_TITLE = re.compile(r"\s*(?:# |title:)[ \t]*(\S[^\r\n]*?)[ \t]*(?:\r?\n|$)", re.IGNORECASE)

# how a loader's warning describes each kind of skipped post: (noun, what follows the names)
_KINDS = {
    "empty": ("empty post", ""),
    "binary": ("binary file", ' (a NUL byte in the first 8 KB; if they are UTF-16 text, pass encoding="utf-16")'),
    "duplicate": ("duplicate post", " (same text as an earlier post). Pass drop_duplicates=False to keep them"),
    "outside": ("file outside the folder", " (symbolic links that lead out of it are not read)"),
}
_LABELS = {"outside": "outside the folder"}  # how a summary names a kind, where its key does not say it


@dataclasses.dataclass(frozen=True)
class Post:
    """One post: ``text`` as read (title line removed, ends stripped, not cleaned).

    ``id`` is the file name without extension (relative to the folder) or the CSV's id column
    ("row 7" without one); ``source`` is the file path or "posts.csv, row 7" (1-based data row)."""

    id: str
    text: str
    source: str
    title: str | None = None


class Posts(list):
    """A list of :class:`Post` plus what the loader left out: ``skipped`` holds (where, reason)
    pairs such as ("blog/a.txt", "empty") or ("blog/c.txt", "duplicate of post_001"), ``origin``
    the folder or CSV that was read."""

    def __init__(self, posts: Iterable[Post] = (), skipped: Iterable[tuple[str, str]] = (), origin: str = "") -> None:
        super().__init__(posts)
        self.skipped: list[tuple[str, str]] = list(skipped)
        self.origin = str(origin)

    def __getitem__(self, index):
        """A slice is a Posts too, with the same ``skipped`` and ``origin`` (e.g. ``posts[:40]``)."""
        item = super().__getitem__(index)
        return Posts(item, self.skipped, self.origin) if isinstance(index, slice) else item

    def summary(self) -> str:
        """One line, e.g. "Read 298 posts from blog; skipped 2: 1 empty (a.txt), 1 binary (b.txt)"."""
        head = f"Read {_plural(len(self), 'post')} from {self.origin}"
        return f"{head}; skipped {_describe(self.skipped)}" if self.skipped else f"{head}."


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _names(names: list[str], at_most: int = 3) -> str:
    return ", ".join(names[:at_most]) + (", …" if len(names) > at_most else "")


def _short(where: str) -> str:
    """A skipped post's short name: blog/a.txt -> a.txt, "blog/posts.csv, row 4" -> row 4."""
    _, csv_row, number = where.rpartition(", row ")
    return f"row {number}" if csv_row and number.isdigit() else Path(where).name


def _kinds(skipped: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Short names of the skipped posts by kind (the reason's first word), in order."""
    kinds: dict[str, list[str]] = {}
    for where, reason in skipped:
        kinds.setdefault(reason.split()[0], []).append(_short(where))
    return kinds


def _describe(skipped: list[tuple[str, str]]) -> str:
    parts = [f"{len(names)} {_LABELS.get(kind, kind)} ({_names(names)})" for kind, names in _kinds(skipped).items()]
    return f"{len(skipped)}: " + ", ".join(parts)


def _codec(encoding: str, errors: str) -> str:
    """The codec's canonical name; DataError for an unknown encoding or error handler."""
    for name, value, example in (("encoding", encoding, "utf-8"), ("errors", errors, "strict")):
        if not isinstance(value, str):
            raise DataError(name, f"must be a name (a str), got {value!r}", f'Pass e.g. {name}="{example}".')
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise DataError(
            "encoding", f"unknown encoding {encoding!r}", 'Pass e.g. encoding="utf-8" or encoding="cp1252".'
        ) from None
    try:
        codecs.lookup_error(errors)
    except LookupError:
        raise DataError("errors", f"unknown error handler {errors!r}", 'Use "strict", "replace" or "ignore".') from None
    return name


# Legacy encodings in the order a guess prefers them: Western European first (the commonest), then
# Central European, Cyrillic, Greek, Turkish, Baltic. Latin-1 differs from cp1252 only in bytes
# 0x80-0x9F, which it reads as control codes: it wins only where cp1252 cannot decode at all.
CANDIDATES = ("cp1252", "latin-1", "cp1250", "iso8859-2", "cp1251", "cp1253", "cp1254", "cp1257", "mac-roman")
# Non-ASCII characters that are not letters yet belong in ordinary Western text.
_USUAL = set("–—‘’‚“”„…€£¥©®°«»¿¡§·•×÷½¼¾ªº\u00a0")
_NON_LATIN = 0.6  # above this share of non-ASCII letters, a Latin decoding is taken for a misread script


def _unlikely(text: str) -> int:
    """How many characters of ``text`` a reader would not expect: control codes (but tab and line
    ends), private or unassigned code points, non-ASCII symbols against a letter (cp1250's "ł" read
    as cp1252 is "³": "g³owa"), and, where most letters are accented Latin (Cyrillic read as
    cp1252: "Ïðèâåò"), every such letter."""
    bad = sum(1 for ch in text if unicodedata.category(ch) in ("Cc", "Co", "Cn") and ch not in "\t\n\r\f\v")
    for i, ch in enumerate(text):
        if ord(ch) > 127 and not ch.isalpha() and not ch.isspace() and ch not in _USUAL:
            near = text[max(i - 1, 0) : i] + text[i + 1 : i + 2]
            bad += any(c.isalpha() for c in near)
    letters = [ch for ch in text if ch.isalpha()]
    accented = [ch for ch in letters if ord(ch) > 127 and "LATIN" in unicodedata.name(ch, "")]
    if letters and len(accented) > _NON_LATIN * len(letters):
        bad += len(accented)
    return bad


def _likely_encoding(raw: bytes) -> str | None:
    """The encoding a reader would say ``raw`` is in (a codec name such as "cp1250"), None if no
    candidate decodes all of it: of the CANDIDATES that decode it, the one whose text has the
    fewest unlikely characters (:func:`_unlikely`), the earlier in CANDIDATES on a tie; where the
    text is mostly non-Latin letters (several Cyrillic or Greek code pages read it cleanly),
    charset-normalizer's guess among the clean ones. A byte order mark names its encoding."""
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            return codec
    if b"\0" in raw[:BINARY_PROBE]:  # binary, or UTF-16 without its mark: no legacy encoding reads it
        return None
    decoded = {}
    for codec in CANDIDATES:
        try:
            decoded[codec] = raw.decode(codec)
        except UnicodeDecodeError:
            continue
    if not decoded:
        return None
    scores = {codec: _unlikely(text) for codec, text in decoded.items()}
    best = min(decoded, key=lambda codec: scores[codec])  # min keeps the first of equals
    letters = [ch for ch in decoded[best] if ch.isalpha()]
    if sum(ord(ch) > 127 for ch in letters) > _NON_LATIN * max(len(letters), 1):
        clean = [codec for codec in decoded if scores[codec] == scores[best]]
        guess = from_bytes(raw).best()
        named = codecs.lookup(guess.encoding).name if guess is not None else None
        if named in clean:
            return named
    return best


# Byte order marks, longest first (UTF-32's LE mark begins with UTF-16's).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decode(raw: bytes, where: str, encoding: str, errors: str) -> str:
    """Text of a file's bytes, without a leading byte order mark (Excel and Notepad write one). A
    UTF-16 or UTF-32 mark says how the file is encoded, and is followed whatever ``encoding`` says."""
    marked = next((codec for bom, codec in _BOMS if raw.startswith(bom)), None)
    if marked in ("utf-16", "utf-32"):
        encoding = marked
    elif not codecs.lookup(encoding).name.startswith("utf") and not raw.isascii():
        try:  # valid UTF-8 beside legacy files (a mixed folder): cp1252 would make "café" "cafÃ©"
            return raw.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode(encoding, errors).removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        guess = _likely_encoding(raw)
        named = (
            f'Pass encoding="{guess}" (its likely encoding).'
            if guess
            else 'Pass the encoding it was saved in, e.g. encoding="cp1252".'
        )
        raise DataError(
            where,
            f"is not valid {encoding} text (byte {exc.start} is 0x{raw[exc.start]:02x})",
            f'{named} Or pass errors="replace" to read it with U+FFFD for the bad bytes.',
        ) from None


def _split_title(text: str) -> tuple[str | None, str]:
    """(title, rest): a first non-empty line "# Title" or "Title: ..." is the title."""
    match = _TITLE.match(text)
    return (match.group(1), text[match.end() :].strip()) if match else (None, text.strip())


def _finish(posts: list[Post], skipped: list[tuple[str, str]], origin: str, drop_duplicates: bool) -> Posts:
    """Drop duplicates, warn once per kind of skipped post, and refuse to return nothing."""
    if drop_duplicates:
        first: dict[str, str] = {}
        kept = []
        for post in posts:
            key = " ".join(post.text.split())
            if key in first:
                skipped.append((post.source, f"duplicate of {first[key]}"))
            else:
                first[key] = post.id
                kept.append(post)
        posts = kept
    if not posts:
        problem = f"no posts left after skipping {_describe(skipped)}" if skipped else "holds no posts"
        raise DataError(origin, problem, "Check the input: each post needs text.")
    for kind, names in _kinds(skipped).items():
        noun, after = _KINDS[kind]
        warnings.warn(f"{origin}: skipped {_plural(len(names), noun)}: {_names(names)}{after}.", DataWarning, 3)
    return Posts(posts, skipped, origin)


def load_blog_folder(
    path,
    pattern: str = "*.txt",
    recursive: bool = False,
    encoding: str = "utf-8",
    errors: str = "strict",
    drop_duplicates: bool = True,
) -> Posts:
    """Posts from a folder of text files (one post per file, sorted by path; ``recursive``
    searches sub-folders too, as does a pattern such as "**/*.txt"). ``pattern`` matches inside
    the folder only: an absolute pattern or one with ".." is a DataError. Empty, binary and (by
    default) duplicate files are skipped with a DataWarning and listed in ``.skipped``; a file
    that does not decode is a DataError that names its likely encoding. With a legacy ``encoding``
    (cp1252, latin-1, ...), a file that is valid UTF-8 is still read as UTF-8 (a folder of mixed
    encodings), and a UTF-16 file with its byte order mark as UTF-16."""
    folder = as_path("path", path)
    if probe(str(folder), folder) is None:
        raise DataError(str(folder), "no such folder", f"Check the path (relative paths start at {Path.cwd()}).")
    if folder.is_file():
        fix = "Pass a folder of text files." + (
            " For a CSV file use load_blog_csv(path)." if folder.suffix.lower() == ".csv" else ""
        )
        raise DataError(str(folder), "is a file, not a folder", fix)
    _check_pattern(pattern)
    codec = _codec(encoding, errors)
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        raise path_error(str(folder), folder, exc, "listed") from None
    if not entries:
        raise DataError(
            str(folder), "is empty", "Put one text file per post in it. An example: write_sample_blog_folder(path)."
        )
    try:
        files = sorted(p for p in (folder.rglob if recursive else folder.glob)(pattern) if p.is_file())
    except (ValueError, NotImplementedError) as exc:  # a pattern that pathlib cannot use
        raise DataError("pattern", f"{pattern!r} is not a usable file pattern ({exc})", _PATTERN_FIX) from None
    except OSError as exc:  # a sub-folder that cannot be listed or a link loop
        raise path_error(str(folder), exc.filename or folder, exc, "listed") from None
    if not files:
        raise DataError(str(folder), *_no_match(folder, entries, pattern, recursive))
    posts, skipped = [], []
    inside = folder.resolve()
    for file in files:
        if not file.resolve().is_relative_to(inside):  # a symbolic link that leads out of the folder
            skipped.append((str(file), f"outside the folder (a link to {file.resolve()})"))
            continue
        try:
            raw = file.read_bytes()
        except OSError as exc:
            raise path_error(str(file), file, exc, "read") from None
        marked = raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))  # UTF-16 or 32: text
        if b"\0" in raw[:BINARY_PROBE] and not codec.startswith(("utf-16", "utf-32")) and not marked:
            skipped.append((str(file), "binary"))
            continue
        title, text = _split_title(_decode(raw, str(file), encoding, errors))
        if not text:
            skipped.append((str(file), "empty"))
            continue
        posts.append(Post(file.relative_to(folder).with_suffix("").as_posix(), text, str(file), title))
    return _finish(posts, skipped, str(folder), drop_duplicates)


_PATTERN_FIX = 'Pass a pattern of file names inside the folder, e.g. pattern="*.txt" or pattern="**/*.md".'


def _check_pattern(pattern) -> None:
    """A DataError unless ``pattern`` is a non-empty glob pattern that stays inside the folder."""
    if not isinstance(pattern, str) or not pattern.strip():
        raise DataError("pattern", f"must be a non-empty file pattern, got {pattern!r}", _PATTERN_FIX)
    posix = PurePosixPath(pattern.replace("\\", "/"))
    if posix.is_absolute() or PureWindowsPath(pattern).drive or pattern.startswith("~"):
        raise DataError("pattern", f"{pattern!r} is an absolute path, not a pattern inside the folder", _PATTERN_FIX)
    if ".." in posix.parts:
        raise DataError("pattern", f"{pattern!r} reaches outside the folder (..)", _PATTERN_FIX)


def _no_match(folder: Path, entries: list[Path], pattern: str, recursive: bool) -> tuple[str, str]:
    """(problem, fix) when no file in ``folder`` matches ``pattern``: what is there, what to pass."""
    files = [p.name for p in entries if p.is_file()]
    folders = [p.name for p in entries if p.is_dir()]
    held = "; ".join(
        f"{_plural(len(x), noun)}: {_names(x, 5)}" for x, noun in [(files, "file"), (folders, "sub-folder")] if x
    )
    problem = f"no file matches {pattern!r} (it holds {held})"
    nested = [] if recursive else sorted(p for p in folder.rglob(pattern) if p.is_file())
    suffixes = Counter(Path(name).suffix for name in files if Path(name).suffix)
    if nested:
        example = nested[0].relative_to(folder).as_posix()
        return (
            problem,
            f'Pass pattern="**/{pattern}" to read the {_plural(len(nested), "matching file")} in sub-folders too '
            f"(e.g. {example}).",
        )
    if suffixes:
        return problem, f'Pass pattern="*{suffixes.most_common(1)[0][0]}" if those are the posts.'
    return problem, 'Pass a pattern that matches the post files, e.g. pattern="*".'


def _sample_articles(which: str) -> list[str]:
    """The articles of a sample blog: "blog" (the 60 Lee background articles that the pretraining
    corpus leaves out, see :mod:`vae_tutorial.text.corpus`), "background" (all 300) or "test"."""
    if which == "blog":
        return sample_blog_articles()
    return lee_articles(which)


def write_sample_blog_folder(dest, which: str = "background") -> Path:
    """Write gensim's Lee news corpus as a blog: ``post_001.txt`` ... (UTF-8), each "# Lee news
    article 001", a blank line, then the article. Creates ``dest`` if needed and replaces its
    ``post_NNN.txt`` files (other files are left alone); returns ``dest``. which: "background"
    (all 300 articles), "blog" (the 60 that the pretrained model never saw) or "test" (lee.cor)."""
    dest = Path(dest)
    articles = _sample_articles(which)
    if dest.is_file():
        raise DataError(str(dest), "is a file, not a folder", "Pass a folder path (it is created if missing).")
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("post_*.txt"):
        if re.fullmatch(r"post_\d+\.txt", old.name):
            old.unlink()
    for number, article in enumerate(articles, start=1):
        (dest / f"post_{number:03d}.txt").write_text(
            f"# Lee news article {number:03d}\n\n{article}\n", encoding="utf-8"
        )
    return dest


def write_sample_blog_csv(dest, which: str = "background") -> Path:
    """Write gensim's Lee news corpus as a CSV with columns post_id,title,author,content (UTF-8,
    quoted where needed); ``dest`` is the file, or a folder to write ``posts.csv`` into.
    Returns the file's path. which: as for :func:`write_sample_blog_folder`."""
    dest = Path(dest)
    path = dest / "posts.csv" if dest.is_dir() else dest
    articles = _sample_articles(which)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["post_id", "title", "author", "content"])
        for number, article in enumerate(articles, start=1):
            writer.writerow([f"post_{number:03d}", f"Lee news article {number:03d}", "Lee corpus (gensim)", article])
    return path
