"""Hostile input: a table of bad inputs to the command line and the Python API. Each must be refused
before any work starts: on the command line one line on stderr, "vae-tutorial: error: ...", naming the
flag or path (flags in the hint, never Python), status 2; in Python a DataError naming the argument or
path. Nothing is trained (a training step fails the test) and no file is written (tmp_path is listed
before and after).

A case is a row: an id that says the case, the inputs it makes in a fresh tmp_path (INPUTS), the
command line (``{tmp}`` is tmp_path, ``{model}`` a finished text model) or the call, and what the
message must name."""

import json
import math
import re
import shlex
import shutil
import struct
import types
import warnings
import zlib

import numpy as np
import pytest
from PIL import Image

from vae_tutorial import cli
from vae_tutorial.images import anomaly
from vae_tutorial.text import measures
from vae_tutorial.theory import estimates
from vae_tutorial.text import generate
from vae_tutorial.images.data import load_digits, load_image_folder, split_images, validate_images
from vae_tutorial.text.posts import Post, load_blog_folder
from vae_tutorial.text.windows import chunk_post, split_posts
from vae_tutorial.text.csv_posts import load_blog_csv
from vae_tutorial.text.tokens import Vectorizer
from vae_tutorial.text.embeddings import cosine
from vae_tutorial.errors import DataError, DataWarning
from vae_tutorial.training.loss_model import LossModel
from vae_tutorial.images.vae import ImageVAE
from vae_tutorial.text.recipes import BLOG_RECIPE, TEXT_RECIPES
from vae_tutorial.images.recipes import IMAGE_RECIPES, ImageRecipe
from vae_tutorial.text.kinds import BLOG_VAE
from vae_tutorial.text.decoding import Decoding
from vae_tutorial.text import decoder
from vae_tutorial.images.kinds import IMAGE_VAE

POSTS = [
    "The fire spread overnight. Crews worked until dawn to hold the line.",
    "Rain fell on the city. The river rose and the bridge was closed.",
    "The team won the final. Fans filled the streets until late.",
    "A new school opened in the town. Parents welcomed the teachers.",
]


# --- inputs: each a function that makes files under tmp_path ----------------------------------


def _write(tmp, files: dict):
    for name, content in files.items():
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


def _csv(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def _png_header(width: int, height: int) -> bytes:
    """A PNG that declares width x height pixels (its pixels never decode): enough for the size check."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


def _images(tmp, n=4):
    folder = tmp / "images"
    folder.mkdir()
    for i in range(n):
        Image.fromarray(np.full((28, 28), 40 * i, np.uint8)).save(folder / f"img_{i}.png")


def _tiff(tmp, values, mode):
    (tmp / "tiff").mkdir()
    Image.fromarray(values, mode).save(tmp / "tiff" / "scan.tif")


def _model_copy(tmp, ctx, change=None):
    """A copy of the finished text model in tmp/m, changed by ``change(folder)``."""
    shutil.copytree(ctx.model, tmp / "m")
    if change:
        change(tmp / "m")


def _replace_with_folder(path):
    path.unlink()
    path.mkdir()


def _corrupt_backup(folder):
    (folder / "model.keras").unlink()
    _write(folder / "backup", {"latest.weights.h5": b"\x00" * 10, "plan.json": "{not json", "history.csv": "x\n"})


def _edit_json(name, edit):
    def change(folder):
        path = folder / name
        path.write_text(json.dumps(edit(json.loads(path.read_text()))))

    return change


INPUTS = {
    "blog": lambda t, c: _write(t, {f"blog/post_{i}.txt": text for i, text in enumerate(POSTS)}),
    "file": lambda t, c: _write(t, {"file.txt": "A post about fire."}),
    "posts.csv": lambda t, c: _write(
        t, {"posts.csv": _csv("post_id,content", *(f'{i},"{p}"' for i, p in enumerate(POSTS)))}
    ),
    "empty dir": lambda t, c: (t / "empty").mkdir(),
    "binary blog": lambda t, c: _write(t, {"blog/a.txt": b"\x89PNG\0\0\0", "blog/b.txt": b"\0\0\0\0"}),
    "cp1252 blog": lambda t, c: _write(t, {"blog/a.txt": "He said “hello” – it’s a naïve café.".encode("cp1252")}),
    "cp1251 blog": lambda t, c: _write(t, {"blog/a.txt": "Привет, как дела? Это тест нашего блога.".encode("cp1251")}),
    "md blog": lambda t, c: _write(t, {"blog/a.md": "A post.", "blog/b.md": "Another post."}),
    "nested blog": lambda t, c: _write(t, {"blog/2023/a.txt": "A post.", "blog/README": "about"}),
    "outside": lambda t, c: _write(t, {"other/secret.txt": "Not a post.", "blog/a.txt": "A post."}),
    "dup header": lambda t, c: _write(t, {"dup.csv": _csv("post_id,content,title,content", "1,First,T,Second")}),
    "unclosed quote": lambda t, c: _write(
        t, {"q.csv": _csv("post_id,content", "1,Fine.", '2,"Never closed', "3,Third.")}
    ),
    "bad quote": lambda t, c: _write(t, {"q.csv": _csv("post_id,content", '1,"quoted"text')}),
    "semicolon": lambda t, c: _write(t, {"semi.csv": _csv("post_id;title;content", "1;A;First post.", "2;B;Second.")}),
    "extra field": lambda t, c: _write(t, {"x.csv": _csv("post_id,content", "1,Hello, world.")}),
    "odd columns": lambda t, c: _write(t, {"odd.csv": _csv("id,body_text", "1,Hello.")}),
    "empty csv": lambda t, c: _write(t, {"e.csv": ""}),
    "header only": lambda t, c: _write(t, {"h.csv": _csv("post_id,content")}),
    "latin-1 csv": lambda t, c: _write(t, {"l.csv": "content\nCafé crème.\n".encode("latin-1")}),
    "nul csv": lambda t, c: _write(t, {"n.csv": b"content\nA\0post.\n"}),
    "empty post": lambda t, c: _write(t, {"empty.txt": " \n\t"}),
    "punctuation": lambda t, c: _write(t, {"p.txt": "... !!! ???"}),
    "latin-1 post": lambda t, c: _write(t, {"p.txt": "Un café.".encode("latin-1")}),
    "stuff": lambda t, c: _write(t, {"out/notes.txt": "mine"}),
    "images": lambda t, c: _images(t),
    "one image": lambda t, c: _images(t, n=1),
    "not an image": lambda t, c: _write(t, {"images/a.png": b"not a png at all"}),
    "bomb": lambda t, c: _write(t, {"images/big.png": _png_header(30_000, 30_000)}),
    "big": lambda t, c: _write(t, {"images/big.png": _png_header(10_000, 10_000)}),
    "float tiff": lambda t, c: _tiff(t, np.linspace(0, 1000, 784, dtype=np.float32).reshape(28, 28), "F"),
    "nan tiff": lambda t, c: _tiff(t, np.full((28, 28), np.nan, np.float32), "F"),
    "negative tiff": lambda t, c: _tiff(t, np.linspace(-5, 9, 784).astype(np.int32).reshape(28, 28), "I"),
    "v no vocabulary": lambda t, c: _write(t, {"v.json": json.dumps({"format": 1, "max_length": 5})}),
    "v list": lambda t, c: _write(t, {"v.json": "[1]"}),
    "one post": lambda t, c: _write(t, {"blog/a.txt": "Only one post."}),
    "model": _model_copy,
    "config dir": lambda t, c: _model_copy(t, c, lambda f: _replace_with_folder(f / "config.json")),
    "config list": lambda t, c: _model_copy(t, c, lambda f: (f / "config.json").write_text("[1, 2]")),
    "config not json": lambda t, c: _model_copy(t, c, lambda f: (f / "config.json").write_text("{nope")),
    "config format 99": lambda t, c: _model_copy(t, c, _edit_json("config.json", lambda d: {**d, "format": 99})),
    "config kind images": lambda t, c: _model_copy(t, c, _edit_json("config.json", lambda d: {**d, "kind": "images"})),
    "history text": lambda t, c: _model_copy(t, c, lambda f: (f / "history.csv").write_text("epoch,loss\n0,abc\n")),
    "no metrics": lambda t, c: _model_copy(t, c, lambda f: (f / "metrics.json").unlink()),
    "metrics dir": lambda t, c: _model_copy(t, c, lambda f: _replace_with_folder(f / "metrics.json")),
    "corrupt backup": lambda t, c: _model_copy(t, c, _corrupt_backup),
    "model garbage": lambda t, c: _model_copy(t, c, lambda f: (f / "model.keras").write_bytes(b"PK\x03\x04junk")),
    "vectorizer no vocabulary": lambda t, c: _model_copy(
        t, c, _edit_json("vectorizer.json", lambda d: {k: v for k, v in d.items() if k != "vocabulary"})
    ),
    "vectorizer words": lambda t, c: _model_copy(
        t, c, _edit_json("vectorizer.json", lambda d: {**d, "vocabulary": [*d["vocabulary"][:4], 7]})
    ),
    "vectorizer dir": lambda t, c: _model_copy(t, c, lambda f: _replace_with_folder(f / "vectorizer.json")),
    "long post": lambda t, c: _write(t, {"long.txt": "The fire spread. " * 1_700}),
    "dup topics": lambda t, c: _write(t, {"t.json": '{"fire": "fire, smoke", "fire": "rain"}'}),
    "many topics": lambda t, c: _write(t, {"t.json": json.dumps({f"t{i}": "fire" for i in range(51)})}),
    "utf-16 without bom": lambda t, c: _write(t, {"u.txt": "The fire spread overnight.".encode("utf-16-le")}),
    "long words": lambda t, c: _write(t, {"w.txt": " ".join(["supercalifragilistic" * 50] * 70)}),
}
LONG = "x" * 300  # a name longer than any file system allows (255 bytes)

# The broken model directories ({tmp}/m), for `variations --model` and load_blog_vae: the message names
# the directory or a file of it.
MODEL_DIRS = [
    "config dir",
    "config list",
    "config not json",
    "config format 99",
    "config kind images",
    "history text",
    "no metrics",
    "metrics dir",
    "corrupt backup",
    "model garbage",
    "vectorizer no vocabulary",
    "vectorizer words",
    "vectorizer dir",
]


# --- the table ----------------------------------------------------------------------------------

T = "train-text --out {tmp}/out"
TB = T + " --folder {tmp}/blog"
TC = T + " --csv"
IM = "train-images --out {tmp}/out"
IF = IM + " --folder {tmp}/images"
IT = IM + " --folder {tmp}/tiff"
V = "variations --model {model} --text 'The fire spread.'"

# (id, inputs, command line, what stderr names)
CLI_CASES = [
    # train-text: --pattern confined to the folder
    ("--pattern empty", "blog", TB + " --pattern ''", "--pattern"),
    ("--pattern blank", "blog", TB + " --pattern '  '", "--pattern"),
    ("--pattern absolute /etc/*", "blog", TB + " --pattern '/etc/*'", "--pattern"),
    ("--pattern ../*/*.txt reads outside", "outside", TB + " --pattern '../*/*.txt'", "--pattern"),
    ("--pattern a/../../x", "blog", TB + " --pattern 'a/../../*.txt'", "--pattern"),
    ("--pattern a Windows drive", "blog", TB + " --pattern 'C:/posts/*.txt'", "--pattern"),
    ("--pattern ~/*", "blog", TB + " --pattern '~/*.txt'", "--pattern"),
    ("--pattern matches nothing: hint names *.md", "md blog", TB + " --pattern '*.txt'", "--pattern '*.md'"),
    ("posts only in sub-folders: hint **/*.txt", "nested blog", TB, "--pattern '**/*.txt'"),
    # train-text: the folder
    ("--folder missing", "", TB, "{tmp}/blog: no such folder"),
    ("--folder is a file", "file", T + " --folder {tmp}/file.txt", "{tmp}/file.txt: is a file"),
    ("--folder is a CSV file", "posts.csv", T + " --folder {tmp}/posts.csv", "{tmp}/posts.csv: is a file"),
    ("--folder empty", "empty dir", T + " --folder {tmp}/empty", "{tmp}/empty: is empty"),
    ("--folder only binary files", "binary blog", TB, "{tmp}/blog: no posts left"),
    ("--folder with one post", "one post", TB, "{tmp}/blog: holds 1 post"),
    ("--folder Windows-1252 file: hint cp1252", "cp1252 blog", TB, "--encoding cp1252"),
    ("--folder Windows-1251 file: hint cp1251", "cp1251 blog", TB, "--encoding cp1251"),
    ("--encoding unknown", "blog", TB + " --encoding utf-9", "--encoding"),
    ("--encoding empty", "blog", TB + " --encoding ''", "--encoding"),
    ("--delimiter with --folder", "blog", TB + " --delimiter ';'", "--delimiter"),
    # train-text: the CSV
    ("--csv missing", "", TC + " {tmp}/none.csv", "{tmp}/none.csv: no such file"),
    ("--csv is a folder", "empty dir", TC + " {tmp}/empty", "{tmp}/empty: is a folder"),
    ("--csv duplicate header", "dup header", TC + " {tmp}/dup.csv", "line 1 (the header) names the column 'content'"),
    ("--csv unclosed quote", "unclosed quote", TC + " {tmp}/q.csv", "quoted field that starts on line 3"),
    ("--csv text after a quote", "bad quote", TC + " {tmp}/q.csv", "{tmp}/q.csv: is not a readable CSV"),
    ("--csv a field too many", "extra field", TC + " {tmp}/x.csv", "line 2 has 3 fields"),
    ("--csv semicolons with --delimiter ,", "semicolon", TC + " {tmp}/semi.csv --delimiter ,", "--delimiter ';'"),
    ("--csv without the column", "posts.csv", TC + " {tmp}/posts.csv --text-column body", "--text-column"),
    ("--csv without a known column", "odd columns", TC + " {tmp}/odd.csv", "--text-column"),
    ("--delimiter two characters", "semicolon", TC + " {tmp}/semi.csv --delimiter ';;'", "--delimiter"),
    ("--delimiter a quote", "semicolon", TC + " {tmp}/semi.csv --delimiter '\"'", "--delimiter"),
    ("--csv empty file", "empty csv", TC + " {tmp}/e.csv", "{tmp}/e.csv: is empty"),
    ("--csv header only", "header only", TC + " {tmp}/h.csv", "{tmp}/h.csv: holds no posts"),
    ("--csv Latin-1: hint cp1252", "latin-1 csv", TC + " {tmp}/l.csv", "--encoding cp1252"),
    ("--csv with a NUL byte", "nul csv", TC + " {tmp}/n.csv", "{tmp}/n.csv: holds a NUL byte on line 2"),
    # train-text: numbers
    ("--epochs 0", "blog", TB + " --epochs 0", "argument --epochs"),
    ("--epochs -2", "blog", TB + " --epochs -2", "argument --epochs"),
    ("--epochs 2.5", "blog", TB + " --epochs 2.5", "argument --epochs"),
    ("--epochs abc", "blog", TB + " --epochs abc", "argument --epochs"),
    ("--epochs over the cap", "blog", TB + " --epochs 100000", "argument --epochs"),
    ("--latent-dim 100000000", "blog", TB + " --latent-dim 100000000", "argument --latent-dim"),
    ("--latent-dim 0", "blog", TB + " --latent-dim 0", "argument --latent-dim"),
    ("--latent-dim nan", "blog", TB + " --latent-dim nan", "argument --latent-dim"),
    ("--max-length 1", "blog", TB + " --max-length 1", "argument --max-length"),
    ("--max-length 100000", "blog", TB + " --max-length 100000", "argument --max-length"),
    ("--vocab-size 3", "blog", TB + " --vocab-size 3", "argument --vocab-size"),
    ("--vocab-size 10**9", "blog", TB + " --vocab-size 1000000000", "argument --vocab-size"),
    ("--seed -1", "blog", TB + " --seed -1", "argument --seed"),
    ("--seed 2**40", "blog", TB + " --seed 1099511627776", "argument --seed"),
    ("--seed 1.5", "blog", TB + " --seed 1.5", "argument --seed"),
    # train-text: --out
    (
        "--out is a file",
        "blog+file",
        "train-text --folder {tmp}/blog --out {tmp}/file.txt",
        "{tmp}/file.txt: is a file",
    ),
    ("--out below a file", "blog+file", "train-text --folder {tmp}/blog --out {tmp}/file.txt/m", "{tmp}/file.txt/m"),
    ("--out holds other files", "blog+stuff", TB, "{tmp}/out: is not empty"),
    ("--out is --folder", "blog", "train-text --folder {tmp}/blog --out {tmp}/blog --force", "--out"),
    ("--out inside --folder", "blog", "train-text --folder {tmp}/blog --out {tmp}/blog/model", "--out"),
    ("--out a finished model", "blog+model", "train-text --folder {tmp}/blog --out {tmp}/m", "--force"),
    ("train-text without --out", "blog", "train-text --folder {tmp}/blog", "--out"),
    ("train-text --folder and --csv", "blog", TB + " --csv {tmp}/x.csv", "--csv"),
    ("train-text --distribute bogus", "blog", TB + " --distribute tpu", "--distribute"),
    ("train-text --learning-rate (no such flag)", "blog", TB + " --learning-rate 1", "--learning-rate"),
    # train-images
    ("images --out is --folder", "images", "train-images --folder {tmp}/images --out {tmp}/images --force", "--out"),
    ("images --out inside --folder", "images", "train-images --folder {tmp}/images --out {tmp}/images/m", "--out"),
    ("images --out is a file", "file", "train-images --out {tmp}/file.txt", "{tmp}/file.txt: is a file"),
    ("images --out below a file", "file", "train-images --out {tmp}/file.txt/sub", "{tmp}/file.txt/sub"),
    ("images --out holds other files", "stuff", IM, "{tmp}/out: is not empty"),
    ("images --out a finished model", "model", "train-images --out {tmp}/m", "--force"),
    ("images --folder missing", "", IF, "{tmp}/images: no such folder"),
    ("images --folder is a file", "file", IM + " --folder {tmp}/file.txt", "{tmp}/file.txt: is a file"),
    ("images --folder without images", "blog", IM + " --folder {tmp}/blog", "{tmp}/blog: holds no image files"),
    ("images --folder with one image", "one image", IF, "{tmp}/images: holds 1 image"),
    ("images not an image", "not an image", IF, "{tmp}/images/a.png: is not an image"),
    ("images 30000x30000 (a decompression bomb)", "bomb", IF, "{tmp}/images/big.png: has more than"),
    ("images 10000x10000", "big", IF, "{tmp}/images/big.png: has more than"),
    ("images float TIFF up to 1000", "float tiff", IT, "{tmp}/tiff/scan.tif: is a float image"),
    ("images float TIFF of NaN", "nan tiff", IT, "{tmp}/tiff/scan.tif"),
    ("images integer TIFF below 0", "negative tiff", IT, "{tmp}/tiff/scan.tif"),
    ("images --epochs 0", "images", IF + " --epochs 0", "argument --epochs"),
    ("images --epochs inf", "images", IF + " --epochs inf", "argument --epochs"),
    ("images --latent-dim 100000000", "images", IF + " --latent-dim 100000000", "argument --latent-dim"),
    ("images --latent-dim 0", "images", IF + " --latent-dim 0", "argument --latent-dim"),
    ("images --seed -1", "images", IF + " --seed -1", "argument --seed"),
    # variations: the text
    ("variations --file a folder", "empty dir", "variations --model {model} --file {tmp}/empty", "{tmp}/empty"),
    ("variations --file missing", "", "variations --model {model} --file {tmp}/p.txt", "{tmp}/p.txt: no such file"),
    ("variations --file not UTF-8", "latin-1 post", "variations --model {model} --file {tmp}/p.txt", "{tmp}/p.txt"),
    ("variations --file empty", "empty post", "variations --model {model} --file {tmp}/empty.txt", "{tmp}/empty.txt"),
    (
        "variations --file punctuation only",
        "punctuation",
        "variations --model {model} --file {tmp}/p.txt",
        "{tmp}/p.txt",
    ),
    ("variations --text empty", "", "variations --model {model} --text ''", "--text: has no words"),
    ("variations --text punctuation", "", "variations --model {model} --text ' !!! '", "--text: has no words"),
    ("variations --text and --file", "file", V + " --file {tmp}/file.txt", "--file"),
    # variations: numbers
    ("variations --scale inf", "", V + " --scale inf", "argument --scale"),
    ("variations --scale nan", "", V + " --scale nan", "argument --scale"),
    ("variations --scale -1", "", V + " --scale -1", "argument --scale"),
    ("variations --scale 1e300", "", V + " --scale 1e300", "argument --scale"),
    ("variations --temperature inf", "", V + " --temperature inf", "argument --temperature"),
    ("variations --temperature nan", "", V + " --temperature nan", "argument --temperature"),
    ("variations --temperature -1", "", V + " --temperature -1", "argument --temperature"),
    ("variations --temperature 100", "", V + " --temperature 100", "argument --temperature"),
    ("variations -n 100000", "", V + " -n 100000", "argument -n"),
    ("variations -n 0", "", V + " -n 0", "argument -n"),
    ("variations -n -3", "", V + " -n -3", "argument -n"),
    ("variations -n 2.5", "", V + " -n 2.5", "argument -n"),
    ("variations --seed -1", "", V + " --seed -1", "argument --seed"),
    # variations: the model directory
    ("variations --model missing", "", "variations --model {tmp}/none --text hi", "{tmp}/none"),
    ("variations --model a file", "file", "variations --model {tmp}/file.txt --text hi", "{tmp}/file.txt"),
    ("variations --model empty", "empty dir", "variations --model {tmp}/empty --text hi", "{tmp}/empty"),
    # a path the OS refuses: one line naming the flag or the path, shortened, and why
    ("train-text --out name too long", "blog", TB.replace("{tmp}/out", "{tmp}/" + LONG), "(File name too long)"),
    ("train-text --folder name too long", "", T + " --folder {tmp}/" + LONG, "--folder: '"),
    ("train-text --csv name too long", "", TC + " {tmp}/" + LONG + ".csv", "(File name too long)"),
    ("train-images --out name too long", "", "train-images --out {tmp}/" + LONG, "--out: '"),
    ("train-images --folder name too long", "", IM + " --folder {tmp}/" + LONG, "(File name too long)"),
    (
        "variations --model name too long",
        "",
        "variations --model {tmp}/" + LONG + " --text hi",
        "xxx: cannot be opened (File name too long)",
    ),
    ("variations --file name too long", "", "variations --model {model} --file {tmp}/" + LONG, "File name too long"),
    # what was once accepted in silence
    ("train-text --text-column of numbers", "posts.csv", TC + " {tmp}/posts.csv --text-column post_id", "numbers"),
    ("train-text --pattern with --csv", "posts.csv", TC + " {tmp}/posts.csv --pattern '*.md'", "--pattern: applies"),
    (
        "train-text --delimiter absent from the header",
        "posts.csv",
        TC + " {tmp}/posts.csv --delimiter ';'",
        "--delimiter ','",
    ),
    ("train-text --text-column with --folder", "blog", TB + " --text-column body", "--text-column: applies to --csv"),
    ("train-text --force into a folder of other files", "blog+stuff", TB + " --force", "{tmp}/out: is not empty"),
    ("train-images --force over a text model", "model", "train-images --out {tmp}/m --force", "of kind 'text'"),
    (
        "train-text --out too long under a new folder",
        "blog",
        T.replace("{tmp}/out", "{tmp}/new/" + LONG) + " --folder {tmp}/blog",
        "too long",
    ),
    ("train-text --csv a device", "", TC + " /dev/zero", "/dev/zero: is not a regular file"),
    ("train-text --topics a device", "blog", TB + " --topics /dev/zero", "not a regular file"),
    ("variations --file a device", "", "variations --model {model} --file /dev/zero", "not a regular file"),
    (
        "variations --file UTF-16 without its mark",
        "utf-16 without bom",
        "variations --model {model} --file {tmp}/u.txt",
        "NUL",
    ),
    (
        "variations --file of long non-words",
        "long words",
        "variations --model {model} --file {tmp}/w.txt",
        "characters",
    ),
    ("variations --top-k with beam", "", V + " --top-k 3", "--top-k: has no effect: --closeness 0.5 picks beam"),
    ("variations --top-p with greedy", "", V + " --method greedy --top-p 0.9", "--top-p: has no effect"),
    ("variations --temperature with beam", "", V + " --temperature 3", "--temperature: has no effect"),
    ("variations --beam-width with top-p", "", V + " --method top-p --beam-width 3", "--beam-width"),
    ("train-text --topics with a key twice", "blog+dup topics", TB + " --topics {tmp}/t.json", "'fire' twice"),
    ("train-text --topics with 51 topics", "blog+many topics", TB + " --topics {tmp}/t.json", "at most 50"),
    ("variations --strength without a topic", "", V + " --strength 0.5", "--strength: says how far toward a topic"),
    ("variations --text emoji only", "", "variations --model {model} --text '\U0001f600 \U0001f389'", "no words"),
    ("variations --text over 5,000 words", "", "variations --model {model} --text '" + "fire " * 5_001 + "'", "5,001"),
    ("variations --file over 5,000 words", "long post", "variations --model {model} --file {tmp}/long.txt", "5,100"),
    *((f"variations --model: {name}", name, "variations --model {tmp}/m --text hi", "{tmp}/m") for name in MODEL_DIRS),
]


def _params(cases, kind):
    return [pytest.param(*case[1:], id=f"{kind}: {case[0]}") for case in cases]


# (id, inputs, call(tmp, ctx), where, also named in the message)
API_CASES = [
    # the wrong type where a path or a name belongs
    ("load_blog_folder(None)", "", lambda t, c: load_blog_folder(None), "path", "got NoneType"),
    ("load_blog_folder(123)", "", lambda t, c: load_blog_folder(123), "path", "got int"),
    ("load_blog_folder(bytes)", "", lambda t, c: load_blog_folder(b"blog"), "path", "got bytes"),
    ("load_blog_folder encoding=5", "blog", lambda t, c: load_blog_folder(t / "blog", encoding=5), "encoding", "5"),
    ("load_blog_csv(None)", "", lambda t, c: load_blog_csv(None), "path", "got NoneType"),
    ("load_image_folder(None)", "", lambda t, c: load_image_folder(None), "path", "got NoneType"),
    ("load_image_folder(['x'])", "", lambda t, c: load_image_folder(["x"]), "path", "got list"),
    ("BLOG_VAE.load(None)", "", lambda t, c: BLOG_VAE.load(None), "path", "NoneType"),
    ("BLOG_VAE.load(123)", "", lambda t, c: BLOG_VAE.load(123), "path", "int"),
    ("BLOG_VAE.load(bytes)", "", lambda t, c: BLOG_VAE.load(b"m"), "path", "bytes"),
    ("variations of emoji only", "", lambda t, c: c.blog.variations("\U0001f600 \U0001f389"), "text", "no words"),
    ("variations of 5,001 words", "", lambda t, c: c.blog.variations("fire " * 5_001), "text", "at most 5,000"),
    (
        "load_blog_csv text_column of numbers",
        "posts.csv",
        lambda t, c: load_blog_csv(t / "posts.csv", text_column="post_id"),
        "{tmp}/posts.csv",
        "text_column='content' (the column with the most text)",
    ),
    # posts: the folder and its pattern
    ("load_blog_folder pattern=''", "blog", lambda t, c: load_blog_folder(t / "blog", pattern=""), "pattern", ""),
    ("load_blog_folder pattern=None", "blog", lambda t, c: load_blog_folder(t / "blog", pattern=None), "pattern", ""),
    (
        "load_blog_folder pattern=/etc/*",
        "blog",
        lambda t, c: load_blog_folder(t / "blog", pattern="/etc/*"),
        "pattern",
        "",
    ),
    (
        "load_blog_folder pattern=../*/*.txt",
        "outside",
        lambda t, c: load_blog_folder(t / "blog", pattern="../*/*.txt"),
        "pattern",
        "outside the folder",
    ),
    (
        "load_blog_folder recursive pattern with ..",
        "outside",
        lambda t, c: load_blog_folder(t / "blog", pattern="**/../../*.txt", recursive=True),
        "pattern",
        "",
    ),
    (
        "load_blog_folder encoding=utf-9",
        "blog",
        lambda t, c: load_blog_folder(t / "blog", encoding="utf-9"),
        "encoding",
        "",
    ),
    ("load_blog_folder errors=skip", "blog", lambda t, c: load_blog_folder(t / "blog", errors="skip"), "errors", ""),
    (
        "load_blog_folder Windows-1252: hint cp1252",
        "cp1252 blog",
        lambda t, c: load_blog_folder(t / "blog"),
        "{tmp}/blog/a.txt",
        'encoding="cp1252"',
    ),
    ("load_blog_folder missing", "", lambda t, c: load_blog_folder(t / "nope"), "{tmp}/nope", "no such folder"),
    ("load_blog_folder a file", "file", lambda t, c: load_blog_folder(t / "file.txt"), "{tmp}/file.txt", ""),
    ("load_blog_folder empty", "empty dir", lambda t, c: load_blog_folder(t / "empty"), "{tmp}/empty", ""),
    (
        "load_blog_folder nothing matches",
        "md blog",
        lambda t, c: load_blog_folder(t / "blog"),
        "{tmp}/blog",
        'pattern="*.md"',
    ),
    # posts: the CSV
    (
        "load_blog_csv duplicate header",
        "dup header",
        lambda t, c: load_blog_csv(t / "dup.csv"),
        "{tmp}/dup.csv",
        "line 1",
    ),
    (
        "load_blog_csv unclosed quote",
        "unclosed quote",
        lambda t, c: load_blog_csv(t / "q.csv"),
        "{tmp}/q.csv",
        "line 3",
    ),
    ("load_blog_csv text after a quote", "bad quote", lambda t, c: load_blog_csv(t / "q.csv"), "{tmp}/q.csv", "line 2"),
    ("load_blog_csv a field too many", "extra field", lambda t, c: load_blog_csv(t / "x.csv"), "{tmp}/x.csv", "line 2"),
    (
        "load_blog_csv semicolons, delimiter=','",
        "semicolon",
        lambda t, c: load_blog_csv(t / "semi.csv", delimiter=","),
        "{tmp}/semi.csv",
        'delimiter=";"',
    ),
    (
        "load_blog_csv delimiter=';;'",
        "semicolon",
        lambda t, c: load_blog_csv(t / "semi.csv", delimiter=";;"),
        "delimiter",
        "",
    ),
    (
        "load_blog_csv delimiter=5",
        "semicolon",
        lambda t, c: load_blog_csv(t / "semi.csv", delimiter=5),
        "delimiter",
        "",
    ),
    (
        "load_blog_csv delimiter newline",
        "semicolon",
        lambda t, c: load_blog_csv(t / "semi.csv", delimiter="\n"),
        "delimiter",
        "",
    ),
    (
        "load_blog_csv no text column",
        "posts.csv",
        lambda t, c: load_blog_csv(t / "posts.csv", text_column="body"),
        "{tmp}/posts.csv",
        "text_column=",
    ),
    (
        "load_blog_csv Latin-1: hint cp1252",
        "latin-1 csv",
        lambda t, c: load_blog_csv(t / "l.csv"),
        "{tmp}/l.csv",
        "cp1252",
    ),
    ("load_blog_csv a folder", "empty dir", lambda t, c: load_blog_csv(t / "empty"), "{tmp}/empty", ""),
    ("load_blog_csv empty", "empty csv", lambda t, c: load_blog_csv(t / "e.csv"), "{tmp}/e.csv", ""),
    # posts: chunks and splits
    ("chunk_post(None)", "", lambda t, c: chunk_post(None, 39), "text", "NoneType"),
    ("chunk_post(bytes)", "", lambda t, c: chunk_post(b"A post.", 39), "text", "bytes"),
    ("chunk_post max_tokens=0", "", lambda t, c: chunk_post("A post.", 0), "max_tokens", ""),
    ("chunk_post max_tokens=nan", "", lambda t, c: chunk_post("A post.", math.nan), "max_tokens", ""),
    ("split_posts of strings", "", lambda t, c: split_posts(["a", "b"]), "posts", "not a Post"),
    ("split_posts val_fraction=1.5", "", lambda t, c: split_posts(_posts(), val_fraction=1.5), "val_fraction", ""),
    ("split_posts seed=-1", "", lambda t, c: split_posts(_posts(), seed=-1), "seed", ""),
    # the vectorizer
    (
        "Vectorizer.load no vocabulary",
        "v no vocabulary",
        lambda t, c: Vectorizer.load(t / "v.json"),
        "{tmp}/v.json",
        "",
    ),
    ("Vectorizer.load a list", "v list", lambda t, c: Vectorizer.load(t / "v.json"), "{tmp}/v.json", ""),
    ("Vectorizer.load a folder", "empty dir", lambda t, c: Vectorizer.load(t / "empty"), "{tmp}/empty", ""),
    ("Vectorizer of a string", "", lambda t, c: Vectorizer("[PAD] [UNK]", 5), "vocabulary", ""),
    (
        "Vectorizer.build max_length=nan",
        "",
        lambda t, c: Vectorizer.build(["a b"], max_length=math.nan),
        "max_length",
        "",
    ),
    ("Vectorizer.build min_count=0", "", lambda t, c: Vectorizer.build(["a b"], min_count=0), "min_count", ""),
    (
        "Vectorizer.build max_vocab='5000'",
        "",
        lambda t, c: Vectorizer.build(["a b"], max_vocab="5000"),
        "max_vocab",
        "",
    ),
    # images: files
    ("load_image_folder 30000x30000", "bomb", lambda t, c: load_image_folder(t / "images"), "{tmp}/images/big.png", ""),
    (
        "load_image_folder float TIFF to 1000",
        "float tiff",
        lambda t, c: load_image_folder(t / "tiff"),
        "{tmp}/tiff/scan.tif",
        "[0, 1000]",
    ),
    (
        "load_image_folder NaN TIFF",
        "nan tiff",
        lambda t, c: load_image_folder(t / "tiff"),
        "{tmp}/tiff/scan.tif",
        "NaN",
    ),
    ("load_image_folder size=0", "images", lambda t, c: load_image_folder(t / "images", size=0), "size", ""),
    ("load_image_folder size=10**6", "images", lambda t, c: load_image_folder(t / "images", size=10**6), "size", "cap"),
    (
        "load_image_folder invert='yes'",
        "images",
        lambda t, c: load_image_folder(t / "images", invert="yes"),
        "invert",
        "",
    ),
    # images: arrays
    ("validate_images NaN", "", lambda t, c: validate_images(np.full((2, 28, 28), np.nan)), "x", "NaN"),
    ("validate_images inf", "", lambda t, c: validate_images(np.full((2, 28, 28), np.inf)), "x", "NaN or infinite"),
    (
        "validate_images 0..255 floats",
        "",
        lambda t, c: validate_images(np.full((2, 28, 28), 200.0)),
        "x",
        "Divide by 255",
    ),
    ("validate_images strings", "", lambda t, c: validate_images(np.full((2, 28, 28), "a")), "x", "dtype"),
    ("validate_images flat rows", "", lambda t, c: validate_images(np.zeros((2, 784))), "x", ""),
    (
        "split_images test_fraction=nan",
        "",
        lambda t, c: split_images(np.zeros((4, 28, 28)), math.nan),
        "test_fraction",
        "",
    ),
    ("load_digits test_fraction=1.5", "", lambda t, c: load_digits(test_fraction=1.5), "test_fraction", ""),
    # recipes
    ("BlogRecipe epochs=0", "", lambda t, c: BLOG_RECIPE.replace(epochs=0), "epochs", ""),
    ("BlogRecipe epochs=-2", "", lambda t, c: BLOG_RECIPE.replace(epochs=-2), "epochs", ""),
    ("BlogRecipe batch_size=0", "", lambda t, c: BLOG_RECIPE.replace(batch_size=0), "batch_size", ""),
    ("BlogRecipe learning_rate=nan", "", lambda t, c: BLOG_RECIPE.replace(learning_rate=math.nan), "learning_rate", ""),
    ("BlogRecipe learning_rate=inf", "", lambda t, c: BLOG_RECIPE.replace(learning_rate=math.inf), "learning_rate", ""),
    ("BlogRecipe learning_rate=-1", "", lambda t, c: BLOG_RECIPE.replace(learning_rate=-1.0), "learning_rate", ""),
    ("BlogRecipe latent_dim=10**8", "", lambda t, c: BLOG_RECIPE.replace(latent_dim=10**8), "latent_dim", "1024"),
    ("BlogRecipe word_dropout=1.5", "", lambda t, c: BLOG_RECIPE.replace(word_dropout=1.5), "word_dropout", ""),
    ("BlogRecipe free_bits=nan", "", lambda t, c: BLOG_RECIPE.replace(free_bits=math.nan), "free_bits", ""),
    ("BlogRecipe val_fraction=0", "", lambda t, c: BLOG_RECIPE.replace(val_fraction=0), "val_fraction", ""),
    ("BlogRecipe max_length=1", "", lambda t, c: BLOG_RECIPE.replace(max_length=1), "max_length", ""),
    ("BlogRecipe vocab_size=3", "", lambda t, c: BLOG_RECIPE.replace(vocab_size=3), "vocab_size", ""),
    ("BlogRecipe patience=-1", "", lambda t, c: BLOG_RECIPE.replace(patience=-1), "patience", ""),
    ("BlogRecipe encoder='gru'", "", lambda t, c: BLOG_RECIPE.replace(encoder="gru"), "encoder", ""),
    ("BlogRecipe decoder='lstm'", "", lambda t, c: BLOG_RECIPE.replace(decoder="lstm"), "decoder", ""),
    ("BlogRecipe cell='rnn'", "", lambda t, c: BLOG_RECIPE.replace(cell="rnn"), "cell", ""),
    ("TextRecipe embed_dim=0", "", lambda t, c: TEXT_RECIPES["cured"].replace(embed_dim=0), "embed_dim", ""),
    ("ImageRecipe architecture='resnet'", "", lambda t, c: ImageRecipe(architecture="resnet"), "architecture", ""),
    ("ImageRecipe loss_style='mse'", "", lambda t, c: ImageRecipe(loss_style="mse"), "loss_style", ""),
    ("ImageRecipe epochs=True", "", lambda t, c: IMAGE_RECIPES["default"].replace(epochs=True), "epochs", ""),
    ("ImageRecipe unknown field", "", lambda t, c: IMAGE_RECIPES["default"].replace(lr=1), "lr", ""),
    # the trainers: refused before the model directory is touched
    ("train_blog_vae epochs=0", "", lambda t, c: BLOG_VAE.train_into(t / "out", _posts(), epochs=0), "epochs", ""),
    ("train_blog_vae epochs=-2", "", lambda t, c: BLOG_VAE.train_into(t / "out", _posts(), epochs=-2), "epochs", ""),
    (
        "train_blog_vae batch_size=0",
        "",
        lambda t, c: BLOG_VAE.train_into(t / "out", _posts(), batch_size=0),
        "batch_size",
        "",
    ),
    (
        "train_blog_vae learning_rate=nan",
        "",
        lambda t, c: BLOG_VAE.train_into(t / "out", _posts(), learning_rate=math.nan),
        "learning_rate",
        "",
    ),
    (
        "train_blog_vae latent_dim=10**8",
        "",
        lambda t, c: BLOG_VAE.train_into(t / "out", _posts(), latent_dim=10**8),
        "latent_dim",
        "",
    ),
    ("train_blog_vae of strings", "", lambda t, c: BLOG_VAE.train_into(t / "out", ["a", "b"]), "posts", ""),
    (
        "train_image_dir learning_rate=nan",
        "",
        lambda t, c: IMAGE_VAE.train_into(t / "out", (_x(), _x()), learning_rate=math.nan),
        "learning_rate",
        "",
    ),
    ("train_image_dir NaN images", "", lambda t, c: IMAGE_VAE.train_into(t / "out", (_x(np.nan), _x())), "x_train", ""),
    (
        "train_image_dir latent_dim=0",
        "",
        lambda t, c: IMAGE_VAE.train_into(t / "out", (_x(), _x()), latent_dim=0),
        "latent_dim",
        "",
    ),
    # a text model's variations
    ("BlogVAE.variations(None)", "", lambda t, c: c.blog.variations(None), "text", "NoneType"),
    ("BlogVAE.variations(123)", "", lambda t, c: c.blog.variations(123), "text", "int"),
    ("BlogVAE.variations n=100000", "", lambda t, c: c.blog.variations("The fire.", n=100_000), "n", "1000"),
    ("BlogVAE.variations n=0", "", lambda t, c: c.blog.variations("The fire.", n=0), "n", ""),
    (
        "BlogVAE.variations scale=inf",
        "",
        lambda t, c: c.blog.variations("The fire.", decoding=Decoding(scale=math.inf)),
        "scale",
        "",
    ),
    (
        "BlogVAE.variations scale=nan",
        "",
        lambda t, c: c.blog.variations("The fire.", decoding=Decoding(scale=math.nan)),
        "scale",
        "",
    ),
    (
        "BlogVAE.variations scale=-1",
        "",
        lambda t, c: c.blog.variations("The fire.", decoding=Decoding(scale=-1)),
        "scale",
        "",
    ),
    (
        "BlogVAE.variations temperature=inf",
        "",
        lambda t, c: c.blog.variations("Fire.", decoding=Decoding(temperature=math.inf)),
        "temperature",
        "",
    ),
    (
        "BlogVAE.variations temperature=nan",
        "",
        lambda t, c: c.blog.variations("Fire.", decoding=Decoding(temperature=math.nan)),
        "temperature",
        "",
    ),
    ("BlogVAE.variations seed=-1", "", lambda t, c: c.blog.variations("The fire.", seed=-1), "seed", ""),
    ("BlogVAE.variations of punctuation", "", lambda t, c: c.blog.variations("!!!"), "text", ""),
    # generation
    ("generate.variations(None)", "", lambda t, c: generate.variations(*c.text, None), "text", ""),
    ("generate.variations([None])", "", lambda t, c: generate.variations(*c.text, [None]), "text", ""),
    ("generate.variations n=10**6", "", lambda t, c: generate.variations(*c.text, "Fire.", n=10**6), "n", ""),
    ("generate.variations n=2.5", "", lambda t, c: generate.variations(*c.text, "Fire.", n=2.5), "n", ""),
    (
        "generate.variations scale=inf",
        "",
        lambda t, c: generate.variations(*c.text, "Fire.", 5, Decoding(scale=math.inf)),
        "scale",
        "",
    ),
    (
        "generate.variations scale='1'",
        "",
        lambda t, c: generate.variations(*c.text, "Fire.", 5, Decoding(scale="1")),
        "scale",
        "",
    ),
    (
        "generate.variations temperature=inf",
        "",
        lambda t, c: generate.variations(*c.text, "Fire.", 5, Decoding(method="sample", temperature=math.inf)),
        "temperature",
        "",
    ),
    (
        "generate.variations temperature=0",
        "",
        lambda t, c: generate.variations(*c.text, "Fire.", 5, Decoding(temperature=0)),
        "temperature",
        "",
    ),
    (
        "generate.variations method=nucleus",
        "",
        lambda t, c: generate.variations(*c.text, "Fire.", 5, Decoding(method="nucleus")),
        "method",
        "",
    ),
    ("decoding.decode NaN codes", "", lambda t, c: decoder.decode(c.blog.model, _z(c, np.nan)), "z", "NaN"),
    ("decoding.decode inf codes", "", lambda t, c: decoder.decode(c.blog.model, _z(c, np.inf)), "z", ""),
    ("decoding.decode wrong width", "", lambda t, c: decoder.decode(c.blog.model, np.zeros((2, 99))), "z", ""),
    (
        "decoding.decode k=0",
        "",
        lambda t, c: decoder.decode(c.blog.model, _z(c), Decoding(method="top_k", k=0)),
        "k",
        "",
    ),
    ("generate.sample n=0", "", lambda t, c: generate.sample(*c.text, 0), "n", ""),
    ("generate.sample n=10**6", "", lambda t, c: generate.sample(*c.text, 10**6), "n", ""),
    ("generate.sample seed=-1", "", lambda t, c: generate.sample(*c.text, seed=-1), "seed", ""),
    (
        "generate.interpolate steps=1",
        "",
        lambda t, c: generate.interpolate(*c.text, "A.", "B.", steps=1),
        "steps",
        "",
    ),
    ("generate.interpolate to None", "", lambda t, c: generate.interpolate(*c.text, "Fire.", None), "text", ""),
    # a text model's codes and ids
    ("TextVAE.encode ids below 0", "", lambda t, c: c.blog.model.encode(_ids(c, -1)), "ids", "vocabulary"),
    ("TextVAE.encode ids past the vocabulary", "", lambda t, c: c.blog.model.encode(_ids(c, 10**6)), "ids", ""),
    ("TextVAE.encode NaN ids", "", lambda t, c: c.blog.model.encode(_ids(c, np.nan)), "ids", ""),
    ("TextVAE.encode ids 1.5", "", lambda t, c: c.blog.model.encode(_ids(c, 1.5)), "ids", ""),
    (
        "TextVAE.decoder_logits NaN codes",
        "",
        lambda t, c: c.blog.model.decoder_logits(_z(c, np.nan), _ids(c, 0)),
        "z",
        "",
    ),
    ("text_report NaN ids", "", lambda t, c: measures.text_report(c.blog.model, _ids(c, np.nan)), "ids", ""),
    # an image model
    ("ImageVAE.encode NaN images", "", lambda t, c: c.image.encode(_x(np.nan)), "x", "NaN"),
    ("ImageVAE.encode inf images", "", lambda t, c: c.image.encode(_x(np.inf)), "x", ""),
    ("ImageVAE.encode 0..255 floats", "", lambda t, c: c.image.encode(_x(255.0)), "x", ""),
    ("ImageVAE.encode 14x14", "", lambda t, c: c.image.encode(np.zeros((2, 14, 14))), "x", "28x28"),
    ("ImageVAE.encode batch_size=0", "", lambda t, c: c.image.encode(_x(), batch_size=0), "batch_size", ""),
    ("ImageVAE.decode NaN codes", "", lambda t, c: c.image.decode(np.full((2, 2), np.nan)), "z", "NaN"),
    ("ImageVAE.decode wrong width", "", lambda t, c: c.image.decode(np.zeros((2, 5))), "z", ""),
    ("ImageVAE.decode_logits inf codes", "", lambda t, c: c.image.decode_logits(np.full((2, 2), np.inf)), "z", ""),
    ("ImageVAE.reconstruct NaN images", "", lambda t, c: c.image.reconstruct(_x(np.nan)), "x", ""),
    (
        "ImageVAE.reconstruction_nll NaN images",
        "",
        lambda t, c: c.image.reconstruction_nll(_x(np.nan), np.zeros((2, 2))),
        "x",
        "",
    ),
    ("ImageVAE.sample n=0", "", lambda t, c: c.image.sample(0), "n", ""),
    ("ImageVAE.sample seed=-1", "", lambda t, c: c.image.sample(2, seed=-1), "seed", ""),
    ("ImageVAE latent_dim=nan", "", lambda t, c: ImageVAE(latent_dim=math.nan), "latent_dim", ""),
    ("ImageVAE beta=inf", "", lambda t, c: ImageVAE(beta=math.inf), "beta", ""),
    # evaluation
    ("negative_elbo NaN images", "", lambda t, c: estimates.negative_elbo(c.image, _x(np.nan)), "x", "NaN"),
    (
        "negative_elbo n_samples=0",
        "",
        lambda t, c: estimates.negative_elbo(c.image, _x(), n_samples=0),
        "n_samples",
        "",
    ),
    ("importance_weighted_nll k=0", "", lambda t, c: estimates.importance_weighted_nll(c.image, _x(), k=0), "k", ""),
    (
        "importance_weighted_nll inf images",
        "",
        lambda t, c: estimates.importance_weighted_nll(c.image, _x(np.inf)),
        "x",
        "",
    ),
    ("anomaly_scores NaN images", "", lambda t, c: anomaly.anomaly_scores(c.image, _x(np.nan)), "x", ""),
    (
        "active_units threshold=nan",
        "",
        lambda t, c: estimates.active_units(c.image, _x(), threshold=math.nan),
        "threshold",
        "",
    ),
    ("kl_per_dimension NaN images", "", lambda t, c: estimates.kl_per_dimension(c.image, _x(np.nan)), "x", ""),
    ("roc_auc NaN scores", "", lambda t, c: anomaly.roc_auc([math.nan, 1.0], [2.0]), "normal_scores", ""),
    ("roc_auc no scores", "", lambda t, c: anomaly.roc_auc([1.0], []), "anomalous_scores", ""),
    ("cosine of NaN", "", lambda t, c: cosine([math.nan, 1.0], [1.0, 1.0]), "a", ""),
    # model directories
    ("load_blog_vae missing", "", lambda t, c: BLOG_VAE.load(t / "none"), "{tmp}/none", ""),
    ("load_image_dir of a text model", "model", lambda t, c: IMAGE_VAE.load(t / "m"), "{tmp}/m", "'text'"),
    *((f"load_blog_vae: {name}", name, lambda t, c: BLOG_VAE.load(t / "m"), "{tmp}/m", "") for name in MODEL_DIRS),
    ("load_image_dir: config dir", "config dir", lambda t, c: IMAGE_VAE.load(t / "m"), "{tmp}/m", ""),
    ("load_image_dir: history text", "history text", lambda t, c: IMAGE_VAE.load(t / "m"), "{tmp}/m", ""),
]


# --- helpers of the calls ---------------------------------------------------------------------


def _posts():
    return [Post(f"p{i}", text, f"p{i}.txt") for i, text in enumerate(POSTS)]


def _x(value=0.5):
    return np.full((2, 28, 28, 1), value, np.float32)


def _z(ctx, value=0.0):
    return np.full((2, ctx.blog.model.latent_dim), value, np.float32)


def _ids(ctx, value):
    ids = np.full((2, ctx.blog.model.max_length), 3.0)
    ids[:, 0] = value
    return ids


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    """A finished tiny text model (one epoch on four posts) and an untrained image VAE, shared read-only."""
    model = tmp_path_factory.mktemp("hostile") / "model"
    BLOG_VAE.train_into(
        model,
        _posts(),
        init="scratch",
        epochs=1,
        latent_dim=2,
        max_length=12,
        vocab_size=60,
        embed_dim=8,
        encoder_units=8,
        decoder_units=8,
        patience=None,
        iwae_k=2,
        verbose=0,
    )
    blog = BLOG_VAE.load(model)
    return types.SimpleNamespace(model=model, blog=blog, text=(blog.model, blog.vectorizer), image=ImageVAE(seed=0))


@pytest.fixture(autouse=True)
def no_training(monkeypatch):
    """Every case is refused before a training step: one would fail the test."""

    def train_step(self, data):
        raise AssertionError("a training step ran")

    monkeypatch.setattr(LossModel, "train_step", train_step)


def _listing(root):
    return {str(p.relative_to(root)): (p.is_dir(), p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")}


def _make(inputs: str, tmp, ctx):
    """Make the inputs named in ``inputs`` ("blog+file": two of them) under ``tmp``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        for name in inputs.split("+") if inputs else ():
            INPUTS[name](tmp, ctx)


# --- the tests --------------------------------------------------------------------------------


@pytest.mark.parametrize(("inputs", "argv", "named"), _params(CLI_CASES, "cli"))
def test_the_command_line_refuses_in_one_line_naming_the_flag_or_path(ctx, tmp_path, capsys, inputs, argv, named):
    _make(inputs, tmp_path, ctx)
    before, model_before = _listing(tmp_path), _listing(ctx.model)
    fill = {"tmp": shlex.quote(str(tmp_path)), "model": shlex.quote(str(ctx.model))}
    try:
        code = cli.main(shlex.split(argv.format(**fill)))
    except SystemExit as exit:  # argparse's usage errors
        code = exit.code
    out, err = capsys.readouterr()
    assert code == 2, err
    assert err.startswith("vae-tutorial: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert named.format(tmp=tmp_path) in err, err
    assert not re.search(r"(?<![\w-])[a-z_]\w*=|[a-z_]\w*\(", err), f"a Python hint on the command line: {err}"
    assert out == "", "the command did some work before refusing"
    assert _listing(tmp_path) == before and _listing(ctx.model) == model_before


@pytest.mark.parametrize(("inputs", "call", "where", "also"), _params(API_CASES, "api"))
def test_the_python_api_refuses_with_a_data_error_naming_the_argument_or_path(ctx, tmp_path, inputs, call, where, also):
    _make(inputs, tmp_path, ctx)
    before, model_before = _listing(tmp_path), _listing(ctx.model)
    with pytest.raises(DataError) as info:
        call(tmp_path, ctx)
    where = where.format(tmp=tmp_path)  # or a file of that folder
    assert info.value.where == where or info.value.where.startswith(where + "/"), str(info.value)
    assert also in str(info.value) and "\n" not in str(info.value)
    assert _listing(tmp_path) == before and _listing(ctx.model) == model_before


def test_the_table_holds_at_least_150_cases_with_distinct_ids():
    ids = [case[0] for case in CLI_CASES] + [case[0] for case in API_CASES]
    assert len(ids) >= 150 and len(set(ids)) == len(ids)
