"""Blog posts: loading folders and CSVs (every bad case by name), cleaning, sentence windows, the split by post."""

import csv
import warnings

import pytest

from vae_tutorial.text.posts import Post, Posts, load_blog_folder, write_sample_blog_csv, write_sample_blog_folder
from vae_tutorial.text.tokens import clean_text
from vae_tutorial.text.windows import chunk_post, chunk_posts, split_posts
from vae_tutorial.text.csv_posts import load_blog_csv
from vae_tutorial.text.corpus import lee_articles
from vae_tutorial.text.tokens import split_sentences, tokenize
from vae_tutorial.errors import DataError, DataWarning

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
# the duplicated articles of lee_background.cor (1-based: article 113 repeats 105, ...)
LEE_DUPLICATES = {113: 105, 120: 116, 121: 118, 157: 151, 237: 231, 272: 264, 289: 282}


@pytest.fixture(scope="module")
def sample_blog(tmp_path_factory):
    """The Lee background articles written once as a folder of posts."""
    return write_sample_blog_folder(tmp_path_factory.mktemp("sample") / "blog")


def _write(folder, files):
    """Write {name: str or bytes} into folder (str as UTF-8); returns folder."""
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def _write_csv(path, rows, encoding="utf-8"):
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


# --- the sample blog: a round trip through a folder and a CSV --------------------------------


def test_sample_folder_round_trip_gives_the_lee_articles(sample_blog):
    articles = lee_articles()
    assert len(list(sample_blog.glob("post_*.txt"))) == 300
    first = (sample_blog / "post_001.txt").read_text(encoding="utf-8")
    assert first == f"# Lee news article 001\n\n{articles[0]}\n"
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        posts = load_blog_folder(sample_blog, drop_duplicates=False)
    assert isinstance(posts, Posts) and len(posts) == 300
    assert [p.text for p in posts] == [a.strip() for a in articles]
    assert [p.id for p in posts] == [f"post_{i:03d}" for i in range(1, 301)]
    assert [p.title for p in posts] == [f"Lee news article {i:03d}" for i in range(1, 301)]
    assert posts[41].source == str(sample_blog / "post_042.txt")
    assert posts.skipped == [] and posts.origin == str(sample_blog)
    assert posts.summary() == f"Read 300 posts from {sample_blog}."


def test_the_sample_blog_has_seven_duplicate_articles_that_are_dropped_by_default(sample_blog):
    with pytest.warns(DataWarning, match=r"skipped 7 duplicate posts: post_113\.txt, post_120\.txt, post_121\.txt, …"):
        posts = load_blog_folder(sample_blog)
    assert len(posts) == 293
    assert posts.skipped == [
        (str(sample_blog / f"post_{i}.txt"), f"duplicate of post_{j}") for i, j in LEE_DUPLICATES.items()
    ]
    assert "post_113" not in {p.id for p in posts} and "post_105" in {p.id for p in posts}
    assert posts.summary() == (
        f"Read 293 posts from {sample_blog}; skipped 7: 7 duplicate (post_113.txt, post_120.txt, post_121.txt, …)"
    )


def test_sample_csv_gives_the_same_posts_as_the_folder(sample_blog, tmp_path):
    path = write_sample_blog_csv(tmp_path / "export" / "posts.csv")
    assert path == tmp_path / "export" / "posts.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["post_id", "title", "author", "content"]
    assert rows[1][:3] == ["post_001", "Lee news article 001", "Lee corpus (gensim)"] and len(rows) == 301
    from_csv = load_blog_csv(path, drop_duplicates=False)
    from_folder = load_blog_folder(sample_blog, drop_duplicates=False)
    assert [p.text for p in from_csv] == [p.text for p in from_folder]
    assert [(p.id, p.title) for p in from_csv] == [(p.id, p.title) for p in from_folder]
    assert from_csv[6].source == f"{path}, row 7"
    assert write_sample_blog_csv(tmp_path) == tmp_path / "posts.csv"  # a folder: posts.csv inside it


def test_write_sample_blog_folder_replaces_its_posts_and_leaves_other_files(tmp_path):
    folder = write_sample_blog_folder(tmp_path / "blog")
    (folder / "notes.md").write_text("mine", encoding="utf-8")
    assert write_sample_blog_folder(folder, which="test") == folder
    assert len(list(folder.glob("post_*.txt"))) == 50  # the 300 background posts are gone
    assert (folder / "notes.md").read_text(encoding="utf-8") == "mine"
    assert [p.text for p in load_blog_folder(folder)] == lee_articles("test")


# --- load_blog_folder: each bad case ----------------------------------------------------------


def test_folder_missing_path(tmp_path):
    with pytest.raises(DataError, match=r"nowhere: no such folder\. Check the path"):
        load_blog_folder(tmp_path / "nowhere")


def test_folder_given_a_file_suggests_load_blog_csv_for_a_csv(tmp_path):
    _write(tmp_path, {"posts.csv": "post_id,content\n1,Hi.\n", "post.txt": "Hi."})
    with pytest.raises(
        DataError,
        match=r"posts\.csv: is a file, not a folder\. Pass a folder of text files\. For a CSV file use "
        r"load_blog_csv\(path\)\.$",
    ):
        load_blog_folder(tmp_path / "posts.csv")
    with pytest.raises(DataError, match=r"post\.txt: is a file, not a folder\. Pass a folder of text files\.$"):
        load_blog_folder(tmp_path / "post.txt")


def test_folder_empty(tmp_path):
    (tmp_path / "blog").mkdir()
    with pytest.raises(DataError, match=r"blog: is empty\. Put one text file per post in it"):
        load_blog_folder(tmp_path / "blog")


def test_folder_without_a_match_lists_what_it_holds_and_suggests_a_pattern(tmp_path):
    folder = _write(tmp_path / "blog", {"a.md": "A.", "b.md": "B.", "c.html": "<p>C.</p>"})
    with pytest.raises(DataError) as info:
        load_blog_folder(folder)
    assert str(info.value) == (
        f"{folder}: no file matches '*.txt' (it holds 3 files: a.md, b.md, c.html). "
        'Pass pattern="*.md" if those are the posts.'
    )
    assert [p.text for p in load_blog_folder(folder, pattern="*.md")] == ["A.", "B."]


def test_folder_with_matches_only_in_sub_folders_suggests_a_recursive_pattern(tmp_path):
    folder = _write(
        tmp_path / "blog", {"README": "about", "2023/b.txt": "Bee.", "2023/a.txt": "Ay.", "2024/c.txt": "Sea."}
    )
    with pytest.raises(DataError) as info:
        load_blog_folder(folder)
    assert str(info.value) == (
        f"{folder}: no file matches '*.txt' (it holds 1 file: README; 2 sub-folders: 2023, 2024). "
        'Pass pattern="**/*.txt" to read the 3 matching files in sub-folders too (e.g. 2023/a.txt).'
    )
    posts = load_blog_folder(folder, pattern="**/*.txt")
    assert [(p.id, p.text) for p in posts] == [("2023/a", "Ay."), ("2023/b", "Bee."), ("2024/c", "Sea.")]  # sorted
    assert load_blog_folder(folder, recursive=True) == posts


def test_folder_empty_and_whitespace_files_are_skipped_with_a_warning(tmp_path):
    folder = _write(
        tmp_path / "blog", {"a.txt": "Real post.", "blank.txt": "", "spaces.txt": " \n\t\n", "t.txt": "# Only\n"}
    )
    with pytest.warns(DataWarning, match=r"blog: skipped 3 empty posts: blank\.txt, spaces\.txt, t\.txt\.$") as record:
        posts = load_blog_folder(folder)
    assert len(record) == 1  # one warning for the three
    assert record[0].filename == __file__  # it points at the caller's line
    assert [p.id for p in posts] == ["a"]
    assert posts.skipped == [(str(folder / n), "empty") for n in ("blank.txt", "spaces.txt", "t.txt")]
    assert posts.summary() == f"Read 1 post from {folder}; skipped 3: 3 empty (blank.txt, spaces.txt, t.txt)"


def test_folder_file_in_another_encoding_is_an_error_naming_file_and_byte(tmp_path):
    folder = _write(tmp_path / "blog", {"a.txt": "Fine.", "cafe.txt": "Un café au lait.".encode("latin-1")})
    with pytest.raises(DataError) as info:
        load_blog_folder(folder)
    assert str(info.value).startswith(f"{folder / 'cafe.txt'}: is not valid utf-8 text (byte 6 is 0xe9). ")
    assert 'Pass encoding="cp1252" (its likely encoding).' in str(info.value) and 'errors="replace"' in str(info.value)
    assert load_blog_folder(folder, errors="replace")[1].text == "Un caf\ufffd au lait."
    assert load_blog_folder(folder, encoding="cp1252")[1].text == "Un café au lait."


@pytest.mark.parametrize(
    ("text", "saved_in"),
    [
        ("He said “hello” – it’s a naïve café.", "cp1252"),  # curly quotes: latin-1 would make them control codes
        ("Привет, как дела? Это тест нашего блога.", "cp1251"),
        ("Zażółć gęślą jaźń, powiedział.", "cp1250"),
    ],
)
def test_the_encoding_hint_names_the_likely_encoding_which_reads_the_text(tmp_path, text, saved_in):
    folder = _write(tmp_path / "blog", {"post.txt": text.encode(saved_in)})
    with pytest.raises(DataError, match=rf'Pass encoding="{saved_in}" \(its likely encoding\)\.') as info:
        load_blog_folder(folder)
    assert info.value.where == str(folder / "post.txt")
    assert load_blog_folder(folder, encoding=saved_in)[0].text == text


LANGUAGES = {
    "French": ("Très bien, dit-elle. Les crêpes à la crème sont prêtes pour Noël; où est le garçon?", "cp1252"),
    "German": ("Die Größe der Bäume überrascht: süße Äpfel und schöne Grüße aus München.", "cp1252"),
    "Spanish": ("¿Dónde está el niño? ¡Mañana iremos a la montaña con Begoña y su señor padre!", "cp1252"),
    "Polish": ("Zażółć gęślą jaźń, powiedział. Wczoraj byłem w sklepie i kupiłem masło.", "cp1250"),
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("saved_in", ["utf-8", "legacy", "latin", "utf-16"])
def test_a_post_in_any_common_encoding_is_read_or_names_the_encoding_that_reads_it(tmp_path, language, saved_in):
    """UTF-8 and UTF-16 with its byte order mark are read as they are (a BOM is never "binary"); a
    legacy encoding is refused with a hint, and the hint, followed, gives the author's text exactly
    (Western text: cp1252, also for Latin-1 files; Polish: cp1250, or ISO 8859-2 where they differ)."""
    text, legacy = LANGUAGES[language]
    encoding = {"legacy": legacy, "latin": "latin-1" if legacy == "cp1252" else "iso8859-2"}.get(saved_in, saved_in)
    folder = _write(tmp_path / "blog", {"post.txt": text.encode(encoding), "other.txt": "Another post."})
    csv_file = tmp_path / "posts.csv"
    csv_file.write_bytes(f'post_id,content\n1,"{text}"\n2,Another post.\n'.encode(encoding))
    for load, path in ((load_blog_folder, folder), (load_blog_csv, csv_file)):
        if saved_in in ("utf-8", "utf-16"):
            assert text in [post.text for post in load(path)]
            continue
        with pytest.raises(DataError, match=r'Pass encoding="([\w-]+)" \(its likely encoding\)') as info:
            load(path)
        named = info.value.fix.split('"')[1]
        assert named in (legacy, encoding)  # cp1252 for Latin-1 (the same letters); never cp1257 or mac-latin2
        assert text in [post.text for post in load(path, encoding=named)]


def test_folder_binary_file_is_skipped_with_a_warning(tmp_path):
    folder = _write(tmp_path / "blog", {"photo.txt": PNG + bytes(100), "post.txt": "Words here."})
    with pytest.warns(DataWarning, match=r"blog: skipped 1 binary file: photo\.txt \(a NUL byte in the first 8 KB"):
        posts = load_blog_folder(folder)
    assert [p.id for p in posts] == ["post"]
    assert posts.skipped == [(str(folder / "photo.txt"), "binary")]
    # UTF-16 text has NUL bytes too: read with its encoding, it is text
    _write(folder, {"photo.txt": "Hello there.".encode("utf-16"), "post.txt": "Words here.".encode("utf-16")})
    assert [p.text for p in load_blog_folder(folder, encoding="utf-16")] == ["Hello there.", "Words here."]


def test_folder_duplicates_are_dropped_and_recorded_or_kept(tmp_path):
    folder = _write(tmp_path / "blog", {"a.txt": "Same  words.\n", "b.txt": "Other.", "c.txt": "# Copy\nSame words."})
    with pytest.warns(
        DataWarning, match=r"skipped 1 duplicate post: c\.txt \(same text as an earlier post\)\. Pass dro"
    ):
        posts = load_blog_folder(folder)
    assert [p.id for p in posts] == ["a", "b"]
    assert posts.skipped == [(str(folder / "c.txt"), "duplicate of a")]
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        assert [p.id for p in load_blog_folder(folder, drop_duplicates=False)] == ["a", "b", "c"]


def test_folder_with_nothing_left_is_an_error_saying_what_was_skipped(tmp_path):
    folder = _write(tmp_path / "blog", {"a.txt": "  ", "b.txt": PNG, "c.txt": "", "d.txt": "\n", "e.txt": ""})
    with pytest.raises(DataError) as info:
        load_blog_folder(folder)
    assert str(info.value) == (
        f"{folder}: no posts left after skipping 5: 4 empty (a.txt, c.txt, d.txt, …), 1 binary (b.txt). "
        "Check the input: each post needs text."
    )


def test_folder_titles_are_a_first_heading_or_title_line(tmp_path):
    files = {
        "a.txt": "\n\n#  A heading  \n\nBody a.",
        "b.txt": "Title: Bee\r\nBody b.\r\nMore.",
        "c.txt": "## Not a title\nBody c.",
        "d.txt": "No title here.\n# Late heading",
        "e.txt": "#hashtag body",
    }
    posts = load_blog_folder(_write(tmp_path / "blog", files))
    assert [(p.title, p.text) for p in posts] == [
        ("A heading", "Body a."),
        ("Bee", "Body b.\r\nMore."),
        (None, "## Not a title\nBody c."),
        (None, "No title here.\n# Late heading"),
        (None, "#hashtag body"),
    ]


def test_folder_rejects_an_unknown_encoding_or_error_handler(tmp_path):
    folder = _write(tmp_path / "blog", {"a.txt": "A."})
    with pytest.raises(DataError, match=r"^encoding: unknown encoding 'utf-9'\."):
        load_blog_folder(folder, encoding="utf-9")
    with pytest.raises(DataError, match=r"^errors: unknown error handler 'skip'\."):
        load_blog_folder(folder, errors="skip")


# --- load_blog_csv: each bad case -------------------------------------------------------------


def test_csv_missing_file_and_a_folder_instead(tmp_path):
    with pytest.raises(DataError, match=r"nope\.csv: no such file\. Check the path"):
        load_blog_csv(tmp_path / "nope.csv")
    with pytest.raises(
        DataError,
        match=r": is a folder, not a file\. Pass a CSV file\. For a folder of text files use load_blog_folder\(path\)",
    ):
        load_blog_csv(tmp_path)


def test_csv_without_the_text_column_lists_its_columns_and_guesses(tmp_path):
    path = _write_csv(tmp_path / "export.csv", [["id", "Title", "Body"], ["1", "T", "Text."]])
    with pytest.raises(DataError) as info:
        load_blog_csv(path)
    assert (
        str(info.value)
        == f"{path}: has no column 'content' (its columns: ['id', 'Title', 'Body']). Pass text_column='Body'."
    )
    no_guess = _write_csv(tmp_path / "odd.csv", [["a", "b"], ["1", "2"]])
    with pytest.raises(
        DataError, match=r"has no column 'content' \(its columns: \['a', 'b'\]\)\. Pass text_column=\"\.\.\.\" with"
    ):
        load_blog_csv(no_guess)
    assert [p.text for p in load_blog_csv(path, text_column="Body")] == ["Text."]


@pytest.mark.parametrize(
    ("delimiter", "given"),
    [(";", None), ("\t", None), ("|", None), (",", None), (";", ";"), ("\t", "tab"), ("\t", "\\t")],
    ids=["semicolon found", "tab found", "bar found", "comma found", "semicolon given", "tab named", "tab escaped"],
)
def test_csv_delimiter_is_detected_from_the_header_or_given(tmp_path, delimiter, given):
    path = tmp_path / "posts.csv"
    lines = [["post_id", "title", "content"], ["p1", "T", '"One, two; three | four."']]
    path.write_text("".join(delimiter.join(line) + "\n" for line in lines), encoding="utf-8")
    posts = load_blog_csv(path, delimiter=given)
    assert [(p.id, p.title, p.text) for p in posts] == [("p1", "T", "One, two; three | four.")]


def test_csv_without_id_and_title_columns_uses_row_numbers(tmp_path):
    path = _write_csv(tmp_path / "posts.csv", [["content"], ["First."], ["Second, with a comma."]])
    posts = load_blog_csv(path)
    assert posts == [
        Post("row 1", "First.", f"{path}, row 1", None),
        Post("row 2", "Second, with a comma.", f"{path}, row 2", None),
    ]


def test_csv_rows_with_empty_text_are_skipped_with_one_warning(tmp_path):
    rows = [["post_id", "title", "content"], ["p1", "A", "Text one."], ["p2", "B", ""], ["p3", "C", "  "]]
    rows += [["p4", "D", "Text four."], ["p5"], [], ["p7", "G", "\n"], ["p8", "H", "Text eight."]]
    path = _write_csv(tmp_path / "posts.csv", rows)
    with pytest.warns(DataWarning, match=r"posts\.csv: skipped 5 empty posts: row 2, row 3, row 5, …\.$") as record:
        posts = load_blog_csv(path)
    assert len(record) == 1
    assert [(p.id, p.title) for p in posts] == [("p1", "A"), ("p4", "D"), ("p8", "H")]
    assert posts.skipped == [(f"{path}, row {n}", "empty text") for n in (2, 3, 5, 6, 7)]
    assert posts.summary() == f"Read 3 posts from {path}; skipped 5: 5 empty (row 2, row 3, row 5, …)"


def test_csv_empty_or_header_only_is_an_error(tmp_path):
    empty = _write(tmp_path, {"empty.csv": ""}) / "empty.csv"
    with pytest.raises(DataError, match=r"empty\.csv: is empty \(no header row\)\. Write a header row first"):
        load_blog_csv(empty)
    header_only = _write_csv(tmp_path / "header.csv", [["post_id", "content"]])
    with pytest.raises(DataError, match=r"header\.csv: holds no posts\."):
        load_blog_csv(header_only)
    only_empty = _write_csv(tmp_path / "blank.csv", [["content"], [""], [" "]])
    with pytest.raises(DataError, match=r"blank\.csv: no posts left after skipping 2: 2 empty \(row 1, row 2\)\."):
        load_blog_csv(only_empty)


def test_csv_from_excel_with_a_bom_long_posts_newlines_and_quotes(tmp_path):
    long_post = "A long post. " * 20_000  # 260,000 characters: more than csv's default field limit
    rows = [["post_id", "title", "content"], ["p1", "Quotes", 'She said "hi",\nthen left.'], ["p2", "", long_post]]
    path = _write_csv(tmp_path / "excel.csv", rows, encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbfpost_id")
    posts = load_blog_csv(path)
    assert [p.id for p in posts] == ["p1", "p2"]  # not "\ufeffpost_id": the BOM is dropped
    assert posts[0].text == 'She said "hi",\nthen left.' and posts[0].title == "Quotes"
    assert posts[1].text == long_post.strip() and posts[1].title is None


def test_csv_in_another_encoding_is_an_error_naming_file_and_byte(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("content\nCafé crème.\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"latin\.csv: is not valid utf-8 text \(byte 11 is 0xe9\)\. Pass encoding"):
        load_blog_csv(path)
    assert load_blog_csv(path, encoding="latin-1")[0].text == "Café crème."


def test_csv_duplicates_are_dropped_and_recorded(tmp_path):
    path = _write_csv(tmp_path / "posts.csv", [["post_id", "content"], ["a", "Hello  world."], ["b", "Hello world."]])
    with pytest.warns(DataWarning, match=r"skipped 1 duplicate post: row 2 "):
        posts = load_blog_csv(path)
    assert [p.id for p in posts] == ["a"] and posts.skipped == [(f"{path}, row 2", "duplicate of a")]
    assert len(load_blog_csv(path, drop_duplicates=False)) == 2


# --- cleaning and sentence windows -------------------------------------------------------------


def test_clean_text_drops_markup_and_urls_and_keeps_the_words():
    text = (
        "<h1>My &quot;first&quot; post</h1>\n<p>I&#39;m <b>happy</b>&nbsp;today.<br/>See "
        "https://example.com/a?b=1&amp;c=2. Or www.example.org!</p>\n# Part two\n"
        'More <a href="http://x.io">here</a> (http://y.io).<!-- hidden -->\n'
        "<script>alert(1)</script>\n  ## Done?\nEnd, 3 < 4 and C# too."
    )
    assert clean_text(text) == (
        'My "first" post I\'m happy today. See . Or ! Part two. More here ( ). Done? End, 3 < 4 and C# too.'
    )
    assert clean_text("  \n ") == ""


def test_chunk_post_keeps_every_token_of_a_long_article():
    article = max(lee_articles(), key=len)
    chunks = chunk_post(article, max_tokens=20)
    tokens = tokenize(clean_text(article))
    assert len(tokens) > 400 and len(chunks) >= len(tokens) / 20
    assert [t for chunk in chunks for t in chunk.split()] == tokens
    assert all(1 <= len(chunk.split()) <= 20 for chunk in chunks)
    assert all(chunk == " ".join(tokenize(chunk)) for chunk in chunks)


def test_a_sentence_longer_than_a_window_is_cut_into_pieces():
    long = " ".join(f"W{i}" for i in range(55)) + "."  # a capital starts a sentence
    chunks = chunk_post(f"Short one. {long} Tail end here.", max_tokens=20)
    assert [len(c.split()) for c in chunks] == [2, 20, 20, 15, 3]
    assert chunks[1].split()[0] == "w0" and chunks[3].split()[-1] == "w54"


def test_windows_pack_whole_sentences_and_never_split_one_that_fits():
    text = "One two three. Four five six seven. Eight nine. Ten eleven twelve thirteen fourteen fifteen. Sixteen."
    assert [len(tokenize(s)) for s in split_sentences(text)] == [3, 4, 2, 6, 1]
    assert chunk_post(text, max_tokens=9) == [
        "one two three four five six seven eight nine",
        "ten eleven twelve thirteen fourteen fifteen sixteen",
    ]
    assert chunk_post(text, max_tokens=6) == [
        "one two three",  # "four" would fit, but its sentence would not: the window ends here
        "four five six seven eight nine",
        "ten eleven twelve thirteen fourteen fifteen",
        "sixteen",
    ]
    assert chunk_post(text, max_tokens=4) == [
        "one two three",
        "four five six seven",
        "eight nine",
        "ten eleven twelve thirteen",  # only a sentence longer than the window is cut
        "fourteen fifteen",
        "sixteen",
    ]
    assert chunk_post(text, max_tokens=1000) == [" ".join(tokenize(text))]
    assert chunk_post("<p> ... !!! http://x.io </p>", max_tokens=5) == []


@pytest.mark.parametrize("max_tokens", [0, -2, 2.5, "20", None, True])
def test_chunk_post_rejects_a_bad_max_tokens(max_tokens):
    with pytest.raises(DataError, match=rf"^max_tokens: must be a whole number >= 1, got {max_tokens!r}\. Use e\.g\."):
        chunk_post("Some text.", max_tokens)
    with pytest.raises(DataError, match=r"^max_tokens: "):
        chunk_posts([], max_tokens)


def test_chunk_posts_pairs_each_window_with_its_post_id():
    posts = [Post("a", "One two. Three four.", "a.txt"), Post("b", "", "b.txt"), Post("c", "Five.", "c.txt")]
    assert chunk_posts(posts, max_tokens=2) == [("a", "one two"), ("a", "three four"), ("c", "five")]
    assert chunk_posts(posts, max_tokens=20.0) == [("a", "one two three four"), ("c", "five")]


# --- the split by post ------------------------------------------------------------------------


def test_split_posts_is_a_seeded_split_by_post(sample_blog):
    posts = load_blog_folder(sample_blog, drop_duplicates=False)
    train, val = split_posts(posts, val_fraction=0.1, seed=0)
    assert len(val) == 30 and len(train) == 270
    assert not {p.id for p in train} & {p.id for p in val}
    assert sorted(p.id for p in train + val) == sorted(p.id for p in posts)
    assert split_posts(posts, val_fraction=0.1, seed=0) == (train, val)
    other_train, other_val = split_posts(posts, val_fraction=0.1, seed=1)
    assert {p.id for p in other_val} != {p.id for p in val}
    # by post: every window of a validation post comes from a validation post
    val_ids = {post_id for post_id, _ in chunk_posts(val, max_tokens=39)}
    assert val_ids == {p.id for p in val}
    assert not val_ids & {post_id for post_id, _ in chunk_posts(train, max_tokens=39)}


def test_split_posts_sizes_at_least_one_each_side():
    posts = [Post(f"p{i}", f"Text {i}.", f"p{i}.txt") for i in range(7)]
    assert [len(side) for side in split_posts(posts, val_fraction=0.3)] == [5, 2]  # round(2.1)
    assert [len(side) for side in split_posts(posts, val_fraction=0.01)] == [6, 1]  # at least 1 to validation
    assert [len(side) for side in split_posts(posts[:2], val_fraction=0.9)] == [1, 1]  # at least 1 to training


@pytest.mark.parametrize(
    ("n_posts", "val_fraction", "message"),
    [
        (1, 0.1, r"^posts: has 1 post; a split needs at least 2\."),
        (0, 0.1, r"^posts: has 0 posts; a split needs at least 2\."),
        (5, 0.0, r"^val_fraction: must be between 0 and 1 \(exclusive\), got 0\.0\."),
        (5, 1, r"^val_fraction: must be between 0 and 1 \(exclusive\), got 1\."),
        (5, "0.1", r"^val_fraction: must be between 0 and 1 \(exclusive\), got '0\.1'\."),
    ],
)
def test_split_posts_rejects_too_few_posts_and_a_bad_fraction(n_posts, val_fraction, message):
    posts = [Post(f"p{i}", "Text.", f"p{i}.txt") for i in range(n_posts)]
    with pytest.raises(DataError, match=message):
        split_posts(posts, val_fraction=val_fraction)


def test_a_slice_of_posts_keeps_what_was_skipped_and_where_they_came_from(tmp_path):
    folder = tmp_path / "blog"
    folder.mkdir()
    for i in range(3):
        (folder / f"p{i}.txt").write_text(f"Post number {i}.", encoding="utf-8")
    (folder / "empty.txt").write_text(" ", encoding="utf-8")
    with pytest.warns(DataWarning):
        posts = load_blog_folder(folder)
    first = posts[:2]
    assert isinstance(first, Posts) and [p.id for p in first] == ["p0", "p1"]
    assert first.origin == posts.origin and first.skipped == posts.skipped
    assert isinstance(posts[0], Post)


def test_a_split_of_loaded_posts_keeps_where_they_came_from(tmp_path):
    folder = _write(tmp_path / "blog", {f"p{i}.txt": f"Post number {i} is here." for i in range(10)})
    train, val = split_posts(load_blog_folder(folder), val_fraction=0.2, seed=0)
    assert isinstance(train, Posts) and isinstance(val, Posts)
    assert train.origin == val.origin == str(folder) and len(train) == 8 and len(val) == 2
    plain_train, _ = split_posts(list(load_blog_folder(folder)), val_fraction=0.2, seed=0)
    assert type(plain_train) is list and [p.id for p in plain_train] == [p.id for p in train]


def test_a_folder_of_mixed_encodings_read_with_the_hinted_legacy_encoding_keeps_its_utf8_posts(tmp_path):
    folder = _write(
        tmp_path / "blog",
        {"old.txt": "Le café était fermé.".encode("cp1252"), "new.txt": "Le café était ouvert.".encode()},
    )
    with pytest.raises(DataError, match=r'Pass encoding="cp1252"'):
        load_blog_folder(folder)
    posts = load_blog_folder(folder, encoding="cp1252")  # the hint, followed
    assert sorted(post.text for post in posts) == ["Le café était fermé.", "Le café était ouvert."]  # no "cafÃ©"
