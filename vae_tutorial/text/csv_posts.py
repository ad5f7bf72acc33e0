"""Blog posts from one CSV with a header row and a row per post: the column of the text found or named,
the separator detected, and every malformed line (a duplicate header, an unclosed quote) named."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from vae_tutorial.errors import DataError
from vae_tutorial.files import as_path, path_error, probe, refuse_special
from vae_tutorial.text.posts import Post, Posts, _codec, _decode, _finish

_TEXT_COLUMNS = ("text", "body", "content", "post")  # likely names of a CSV's text column, best first

DELIMITERS = (",", ";", "\t", "|")  # the field separators a CSV's header row is tried with, in this order

_DELIMITER_NAMES = {"tab": "\t", "\\t": "\t"}  # how a command line spells a tab


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
    file = as_path("path", path)
    found = probe(str(file), file)
    if found is None:
        raise DataError(str(file), "no such file", f"Check the path (relative paths start at {Path.cwd()}).")
    if file.is_dir():
        raise DataError(
            str(file),
            "is a folder, not a file",
            "Pass a CSV file. For a folder of text files use load_blog_folder(path).",
        )
    refuse_special(str(file), file, found, "Pass a CSV file.")
    _codec(encoding, errors)
    delimiter = _delimiter(delimiter)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise path_error(str(file), file, exc, "read") from None
    text = _decode(raw, str(file), encoding, errors)
    if "\0" in text:
        line = text.count("\n", 0, text.index("\0")) + 1
        raise DataError(
            str(file),
            f"holds a NUL byte on line {line}: it is a binary file, or text in another encoding",
            'Pass a CSV file; for UTF-16 text pass encoding="utf-16".',
        )
    widest = max(DELIMITERS, key=lambda d: len(_header(text, d)))  # the first of the widest
    if delimiter is None:
        delimiter = widest
    elif len(_header(text, delimiter)) == 1 < len(_header(text, widest)):
        shown = "tab" if delimiter == "\t" else delimiter
        found = "tab" if widest == "\t" else widest
        raise DataError(
            str(file),
            f"line 1 (the header) has no {shown!r}; it splits into {len(_header(text, widest))} columns at {found!r}",
            f'Pass delimiter="{found}", or leave delimiter out to detect it.',
        )
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
    numbers = [post.text for post in posts if _NUMBER.fullmatch(post.text)]
    if posts and len(numbers) >= NUMBERS_SHARE * len(posts):
        longest = header[max(range(len(header)), key=lambda i: sum(len(row[i]) for row in rows[1:] if i < len(row)))]
        raise DataError(
            str(file),
            f"the column {text_column!r} holds numbers, not post text (e.g. {numbers[0]!r})",
            f"Pass text_column={longest!r} (the column with the most text)."
            if longest != text_column
            else "Pass the column that holds the posts' text.",
        )
    return _finish(posts, skipped, str(file), drop_duplicates)


NUMBERS_SHARE = 0.9  # a text column whose cells are this share numbers was named by mistake (an id column)
_NUMBER = re.compile(r"[-+]?[\d.,:/ ]+%?")


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
