"""Paths the operating system refuses, and links that lead out of a folder: symbolic-link loops,
files and folders that cannot be read (as a user without root's override), a link inside ``--folder``
to files outside it. Each is one line on the command line (status 2) or a DataError naming the path,
never a traceback; and the progress a long ``variations`` reports. (Names too long for the file
system are rows of the table in tests/test_hostile.py.)"""

import contextlib
import sys
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import pytest

from vae_tutorial import cli
from vae_tutorial.errors import DataError, DataWarning
from vae_tutorial.files import path_error, probe, shown
from vae_tutorial.text import commands
from vae_tutorial.text.corpus import sample_blog_articles
from vae_tutorial.text.kinds import models
from vae_tutorial.text.posts import load_blog_folder

POST = "The fire spread overnight. Crews worked until dawn to hold the line."


def _refused(capsys, *argv) -> str:
    """stderr of a command that must be refused in one line with status 2, having printed nothing."""
    assert cli.main(list(argv)) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("vae-tutorial: error: ") and err.count("\n") == 1, err
    return err


def _blog(folder: Path, n: int = 3) -> Path:
    folder.mkdir(parents=True)
    for i in range(n):
        (folder / f"post_{i}.txt").write_text(f"{POST} Post number {i}.")
    return folder


def test_a_symbolic_link_loop_is_one_line_for_folder_out_and_model(tmp_path, capsys):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    blog = _blog(tmp_path / "blog")
    err = _refused(capsys, "train-text", "--folder", str(tmp_path / "a"), "--out", str(tmp_path / "m"))
    assert f"--folder: '{tmp_path / 'a'}' cannot be opened (Too many levels of symbolic links)" in err
    err = _refused(capsys, "train-text", "--folder", str(blog), "--out", str(tmp_path / "a"))
    assert "--out:" in err and "symbolic links" in err and "another run" not in err  # was: "being trained by PID ?"
    err = _refused(capsys, "variations", "--model", str(tmp_path / "a"), "--text", "Hello there.")
    assert str(tmp_path / "a") in err and "symbolic links" in err


def test_a_link_out_of_the_folder_is_never_read(tmp_path, capsys):
    secret = tmp_path / "elsewhere"
    secret.mkdir()
    (secret / "passwd").write_text("root:x:0:0:root:/root:/bin/bash and more words here")
    blog = _blog(tmp_path / "blog", n=2)
    (blog / "etclink").symlink_to(secret)
    (blog / "copy.txt").symlink_to(secret / "passwd")
    inner = blog / "post_0.txt"
    (blog / "alias.txt").symlink_to(inner)  # a link that stays inside is read like any file
    with pytest.warns(DataWarning, match=r"skipped 1 file outside the folder: copy\.txt \(symbolic links that lead"):
        posts = load_blog_folder(blog)
    assert sorted(p.id for p in posts) == ["alias", "post_1"]  # read, so post_0 is its duplicate
    assert not any("root:x" in p.text for p in posts)
    assert (str(blog / "copy.txt"), f"outside the folder (a link to {secret / 'passwd'})") in posts.skipped
    err = _refused(capsys, "train-text", "--folder", str(blog), "--pattern", "etclink/*", "--out", str(tmp_path / "m"))
    assert "no posts left after skipping 1: 1 outside the folder (passwd)" in err
    assert not (tmp_path / "m").exists()


@contextlib.contextmanager
def _as_nobody():
    """Run the block as user nobody (uid 65534), whom permissions bind; skip where this process is not root."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("needs root, to drop to a user whom permissions bind")
    os.setegid(65534)
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


@pytest.fixture
def shared():
    """A folder that user nobody may use (pytest's tmp_path is root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="vae-paths-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder)


def test_files_and_folders_that_cannot_be_read_are_one_line_naming_them(shared, capsys):
    blog = _blog(shared / "blog")
    (blog / "post_1.txt").chmod(0)
    closed = _blog(shared / "closed")
    closed.chmod(0)
    csv = shared / "posts.csv"
    csv.write_text(f'post_id,content\n1,"{POST}"\n2,"{POST} Again."\n')
    csv.chmod(0)
    post = shared / "post.txt"
    post.write_text(POST)
    post.chmod(0)
    for path in (shared, blog):
        path.chmod(0o777)
    scratch = ("--init", "scratch")  # reads none of the package's data, which nobody may not reach in a private clone
    with _as_nobody():
        err = _refused(capsys, "train-text", *scratch, "--folder", str(blog), "--out", str(shared / "m1"))
        assert f"{blog / 'post_1.txt'}: cannot be read (Permission denied). Check its permissions" in err
        err = _refused(capsys, "train-text", *scratch, "--folder", str(closed), "--out", str(shared / "m2"))
        assert f"{closed}: cannot be listed (Permission denied)" in err
        err = _refused(capsys, "train-text", *scratch, "--csv", str(csv), "--out", str(shared / "m3"))
        assert f"{csv}: cannot be read (Permission denied)" in err
        err = _refused(capsys, "variations", "--file", str(post))
        assert f"{post}: cannot be read (Permission denied)" in err
        with pytest.raises(DataError, match=r"cannot be read \(Permission denied\)"):
            load_blog_folder(blog)
    closed.chmod(0o755)
    assert sorted(p.name for p in shared.iterdir()) == ["blog", "closed", "post.txt", "posts.csv"]  # nothing written


def test_a_long_path_is_shown_with_its_middle_cut_and_errors_name_the_reason():
    long = "/data/" + "very-long-folder-name/" * 10 + "post.txt"
    assert len(shown(long)) == 89 and shown(long).startswith("/data/very") and shown(long).endswith("/post.txt")
    assert shown("short/path") == "short/path"
    error = path_error("folder", long, OSError(36, "File name too long"), "opened")
    assert str(error) == (
        f"folder: {shown(long)!r} cannot be opened (File name too long). "
        "Use shorter names (at most 255 characters for each folder or file name)."
    )
    assert probe("out", "/no/such/place") is None
    with pytest.raises(DataError, match=r"^out: '.*…x+' cannot be opened \(File name too long\)"):
        probe("out", "/tmp/" + "x" * 300)


def test_a_long_post_reports_its_progress(capsys, monkeypatch):
    blog = models()[0].load_pretrained()
    post = " ".join(sample_blog_articles()[:2])
    calls = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        blog.variations(post, n=1, progress=lambda done, total: calls.append((done, total)))
    windows = len(blog.windows(post))
    assert windows > 3 and calls == [(i, windows) for i in range(1, windows + 1)]
    monkeypatch.setattr(commands, "PROGRESS_SECONDS", 0.0)  # a line after every window but the last
    assert cli.main(["variations", "--text", post, "-n", "1"]) == 0
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if "sentence windows varied" in line]
    assert len(lines) == windows - 1 and lines[0].startswith(f"vae-tutorial: 1 of {windows} sentence windows varied (")
    assert len(out.splitlines()) == 1


def test_a_reader_that_goes_away_ends_the_output_quietly(capsys, monkeypatch):
    """`vae-tutorial variations ... | head -1`: stdout is a pipe whose reader has gone; the command
    stops with status 141 (as a Unix tool stopped by SIGPIPE) and no BrokenPipeError traceback."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader went away: every write to the pipe fails with EPIPE
    with os.fdopen(write_end, "w") as broken:
        monkeypatch.setattr(sys, "stdout", broken)
        assert cli.main(["variations", "--text", "The fire spread overnight.", "-n", "3"]) == 141
        monkeypatch.undo()
    assert "Traceback" not in capsys.readouterr().err


def test_a_post_file_is_decoded_as_the_loaders_decode_and_told_to_be_utf8_otherwise(tmp_path):
    marked = tmp_path / "marked.txt"
    marked.write_bytes("Le café était fermé.".encode("utf-16"))  # with its byte order mark
    assert commands.read_post(marked) == "Le café était fermé."
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Un café.".encode("latin-1"))
    with pytest.raises(
        DataError, match=r"latin\.txt: is not valid utf-8 text \(byte 6 is 0xe9\)\. Save it as UTF-8\.$"
    ):
        commands.read_post(latin)
