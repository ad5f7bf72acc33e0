"""Blog posts on disk -> clean text -> sentence windows for a text VAE.

A blog comes as a folder of text files (one post each, e.g. a Markdown export) or as one CSV
with a row per post. The loaders return :class:`Posts` (a list of :class:`Post`) and record,
with a :class:`~vae_tutorial.errors.DataWarning`, what they left out (empty, binary and
duplicate posts). :func:`clean_text` strips HTML and URLs, :func:`chunk_post` cuts a post into
windows of whole sentences of at most ``max_tokens`` tokens, and :func:`split_posts` splits by
post, so that no window of a validation post is seen in training::

    posts = load_blog_folder("my_blog")
    train, val = split_posts(posts, val_fraction=0.1)
    train_windows = [chunk for _, chunk in chunk_posts(train, max_tokens=39)]
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import html
import io
import numbers
import re
import warnings
from collections import Counter
from collections.abc import Iterable
from pathlib import Path, PurePosixPath, PureWindowsPath

import numpy as np

from vae_tutorial.data.text import lee_articles, split_sentences, tokenize
from vae_tutorial.errors import DataError, DataWarning, seed as check_seed

BINARY_PROBE = 8192  # bytes: a NUL byte among the first ones marks a binary file
_TITLE = re.compile(r"\s*(?:# |title:)[ \t]*(\S[^\r\n]*?)[ \t]*(?:\r?\n|$)", re.IGNORECASE)
_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<!--.*?-->|</?[A-Za-z][^<>]*>", re.DOTALL)
_URL = re.compile(r"(?:https?://|www\.)\S*?(?=[.,;:!?)\]'\"]*(?:\s|$))", re.IGNORECASE)
_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]+(.*?)[^\S\n]*$", re.MULTILINE)
_TEXT_COLUMNS = ("text", "body", "content", "post")  # likely names of a CSV's text column, best first
DELIMITERS = (",", ";", "\t", "|")  # the field separators a CSV's header row is tried with, in this order
_DELIMITER_NAMES = {"tab": "\t", "\\t": "\t"}  # how a command line spells a tab
# how a loader's warning describes each kind of skipped post: (noun, what follows the names)
_KINDS = {
    "empty": ("empty post", ""),
    "binary": ("binary file", ' (a NUL byte in the first 8 KB; if they are UTF-16 text, pass encoding="utf-16")'),
    "duplicate": ("duplicate post", " (same text as an earlier post). Pass drop_duplicates=False to keep them"),
}


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
    parts = [f"{len(names)} {kind} ({_names(names)})" for kind, names in _kinds(skipped).items()]
    return f"{len(skipped)}: " + ", ".join(parts)


def _codec(encoding: str, errors: str) -> str:
    """The codec's canonical name; DataError for an unknown encoding or error handler."""
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


def _likely_encoding(raw: bytes) -> str | None:
    """The encoding that charset-normalizer finds likeliest for ``raw`` (a codec name such as
    "cp1251"), None if it finds none that decodes all of it. Where Windows' Western European
    cp1252 reads the bytes as well as its best guess (a tie, frequent for short Western text,
    which cp1250 and cp1252 decode alike), cp1252: it is the commonest legacy encoding."""
    from charset_normalizer import from_bytes

    matches = from_bytes(raw)
    best = matches.best()
    if best is None:
        return None
    tied = [
        m for m in matches if (m.percent_chaos, m.percent_coherence) == (best.percent_chaos, best.percent_coherence)
    ]
    guess = "cp1252" if any("cp1252" in m.could_be_from_charset for m in tied) else codecs.lookup(best.encoding).name
    try:
        raw.decode(guess)
    except UnicodeDecodeError:  # the detector reads a sample of long inputs
        return None
    return guess


def _decode(raw: bytes, where: str, encoding: str, errors: str) -> str:
    """Text of a file's bytes, without a leading byte order mark (Excel and Notepad write one)."""
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
    that does not decode is a DataError that names its likely encoding."""
    folder = Path(path)
    if not folder.exists():
        raise DataError(str(folder), "no such folder", f"Check the path (relative paths start at {Path.cwd()}).")
    if folder.is_file():
        fix = "Pass a folder of text files." + (
            " For a CSV file use load_blog_csv(path)." if folder.suffix.lower() == ".csv" else ""
        )
        raise DataError(str(folder), "is a file, not a folder", fix)
    _check_pattern(pattern)
    entries = sorted(folder.iterdir())
    if not entries:
        raise DataError(
            str(folder), "is empty", "Put one text file per post in it. An example: write_sample_blog_folder(path)."
        )
    try:
        files = sorted(p for p in (folder.rglob if recursive else folder.glob)(pattern) if p.is_file())
    except (ValueError, NotImplementedError) as exc:  # a pattern that pathlib cannot use
        raise DataError("pattern", f"{pattern!r} is not a usable file pattern ({exc})", _PATTERN_FIX) from None
    if not files:
        raise DataError(str(folder), *_no_match(folder, entries, pattern, recursive))
    codec = _codec(encoding, errors)
    posts, skipped = [], []
    for file in files:
        raw = file.read_bytes()
        if b"\0" in raw[:BINARY_PROBE] and not codec.startswith(("utf-16", "utf-32")):
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


def load_blog_csv(
    path,
    text_column: str = "content",
    id_column: str = "post_id",
    title_column: str = "title",
    encoding: str = "utf-8",
    errors: str = "strict",
    drop_duplicates: bool = True,
    delimiter: str | None = None,
) -> Posts:
    """Posts from a CSV with a header row and one row per post; ``id_column`` and
    ``title_column`` are used when present (else ids are "row N" and titles None). Rows with
    empty text and (by default) duplicate posts are skipped with a DataWarning.

    delimiter: the field separator (one character; "tab" or "\\t" for a tab); None detects it
    from the header row: the first of DELIMITERS that splits it into the most columns. A column
    name used twice in the header, or a quote that is never closed, is a DataError giving the line."""
    file = Path(path)
    if not file.exists():
        raise DataError(str(file), "no such file", f"Check the path (relative paths start at {Path.cwd()}).")
    if file.is_dir():
        raise DataError(
            str(file),
            "is a folder, not a file",
            "Pass a CSV file. For a folder of text files use load_blog_folder(path).",
        )
    _codec(encoding, errors)
    delimiter = _delimiter(delimiter)
    text = _decode(file.read_bytes(), str(file), encoding, errors)
    if "\0" in text:
        line = text.count("\n", 0, text.index("\0")) + 1
        raise DataError(
            str(file),
            f"holds a NUL byte on line {line}: it is a binary file, or text in another encoding",
            'Pass a CSV file; for UTF-16 text pass encoding="utf-16".',
        )
    if delimiter is None:
        delimiter = max(DELIMITERS, key=lambda d: len(_header(text, d)))  # the first of the widest
    rows, lines = _rows(text, str(file), delimiter)
    header = [name.strip() for name in rows[0]] if rows else []
    if not any(header):
        raise DataError(
            str(file), "is empty (no header row)", f"Write a header row first, e.g. post_id,title,{text_column}."
        )
    if text_column not in header:
        raise DataError(
            str(file), f"has no column {text_column!r} (its columns: {header})", _column_fix(text, header, delimiter)
        )
    for name in (text_column, id_column, title_column):
        places = [i + 1 for i, column in enumerate(header) if column == name]
        if len(places) > 1:
            raise DataError(
                str(file),
                f"line 1 (the header) names the column {name!r} {len(places)} times (columns {places})",
                "Rename or remove the extra columns: each name may appear once.",
            )
    for row, line in zip(rows, lines, strict=True):
        if any(cell.strip() for cell in row[len(header) :]):
            shown = "tab" if delimiter == "\t" else delimiter
            raise DataError(
                str(file),
                f"line {line} has {len(row)} fields but the header has {len(header)} "
                f"(a {shown!r} in text that is not quoted?)",
                f"Put the fields that contain {shown!r} in double quotes.",
            )
    column = {name: header.index(name) for name in (text_column, id_column, title_column) if name in header}

    def cell(row: list[str], name: str) -> str:
        return row[column[name]].strip() if name in column and column[name] < len(row) else ""

    posts, skipped = [], []
    for number, row in enumerate(rows[1:], start=1):
        where = f"{file}, row {number}"
        if not cell(row, text_column):
            skipped.append((where, "empty text"))
            continue
        post_id = cell(row, id_column) or f"row {number}"
        posts.append(Post(post_id, cell(row, text_column), where, cell(row, title_column) or None))
    return _finish(posts, skipped, str(file), drop_duplicates)


def _delimiter(delimiter) -> str | None:
    """``delimiter`` as one character (None: detect it); a DataError for anything csv cannot use."""
    if delimiter is None:
        return None
    if isinstance(delimiter, str):
        delimiter = _DELIMITER_NAMES.get(delimiter, delimiter)
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n':
        raise DataError(
            "delimiter",
            f"must be one character other than a quote or a line break, got {delimiter!r}",
            'Pass e.g. delimiter=";" or delimiter="tab", or leave it out to detect it.',
        )
    return delimiter


def _header(text: str, delimiter: str) -> list[str]:
    """The first line of a CSV split at ``delimiter`` (quotes respected)."""
    first = io.StringIO(text, newline="").readline()
    return next(csv.reader([first], delimiter=delimiter), [])


def _column_fix(text: str, header: list[str], delimiter: str) -> str:
    """What to pass when the text column is missing: the delimiter that reveals more columns, or a
    column whose name says it holds the text."""
    widest = max(DELIMITERS, key=lambda d: len(_header(text, d)))
    if len(_header(text, widest)) > len(header):
        shown = "tab" if widest == "\t" else widest
        return f'Pass delimiter="{shown}": its header splits into {len(_header(text, widest))} columns with it.'
    guess = next((name for want in _TEXT_COLUMNS for name in header if name.lower() == want), None)
    if guess:
        return f"Pass text_column={guess!r}."
    return 'Pass text_column="..." with the name of the column that holds the post text.'


def _rows(text: str, where: str, delimiter: str) -> tuple[list[list[str]], list[int]]:
    """The rows of a CSV and the line each starts on; a DataError with the line of a quote that is
    never closed (it would merge every later row into one post) or of any other malformed record."""
    old_limit = csv.field_size_limit(2**31 - 1)  # the default (128 KB per field) is too small for long posts
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows, lines, started = [], [], 1  # started: the line where the record being read starts
    try:
        for row in reader:
            rows.append(row)
            lines.append(started)
            started = reader.line_num + 1
    except csv.Error as exc:
        if str(exc) == "unexpected end of data":
            line = _unclosed_quote(text, started, delimiter)
            raise DataError(
                where,
                f"the quoted field that starts on line {line} is never closed (every later row would join it)",
                'Close the quote, or double a quote that is part of the text ("").',
            ) from None
        raise DataError(
            where,
            f"is not a readable CSV: {exc} in the record that starts on line {started}",
            "Fix that line: a quoted field must be followed by a delimiter or the end of the line.",
        ) from None
    finally:
        csv.field_size_limit(old_limit)
    return rows, lines


def _unclosed_quote(text: str, first_line: int, delimiter: str) -> int:
    """The line of the last field opened by a quote, scanning from ``first_line`` (where csv
    reached the end of the text inside quotes)."""
    lines = io.StringIO(text, newline="").readlines()
    rest = "".join(lines[first_line - 1 :])
    inside, opened, line, at_field_start, i = False, first_line, first_line, True, 0
    while i < len(rest):
        char = rest[i]
        if inside and char == '"':
            if rest[i + 1 : i + 2] == '"':  # a doubled quote is a quote of the text
                i += 1
            else:
                inside = False
        elif not inside and char == '"' and at_field_start:
            inside, opened = True, line
        at_field_start = not inside and char in (delimiter, "\n", "\r")
        if char == "\n" or (char == "\r" and rest[i + 1 : i + 2] != "\n"):
            line += 1
        i += 1
    return opened


def _sample_articles(which: str) -> list[str]:
    """The articles of a sample blog: "blog" (the 60 Lee background articles that the pretraining
    corpus leaves out, see :mod:`vae_tutorial.data.corpus`), "background" (all 300) or "test"."""
    if which == "blog":
        from vae_tutorial.data.corpus import sample_blog_articles

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


def clean_text(text: str) -> str:
    """Blog-export text as plain prose: HTML entities decoded, scripts, tags and comments
    removed, URLs removed, Markdown heading marks dropped (a heading becomes a sentence),
    whitespace collapsed to single spaces. The words are kept."""
    text = _SCRIPT.sub(" ", html.unescape(str(text)))
    text = _URL.sub(" ", _TAG.sub(" ", text))
    text = _HEADING.sub(lambda m: m.group(1) + ("" if m.group(1)[-1:] in ".!?:" else "."), text)
    return " ".join(text.split())


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
    window of a validation post is in training (duplicates are dropped by the loaders)."""
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
    return shuffled[n_val:], shuffled[:n_val]
