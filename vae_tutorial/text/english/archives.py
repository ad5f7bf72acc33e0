"""The archive formats the corpus's packages come in, read in Python: a .deb (an ar container
holding a tar), a wheel (a zip), an R lazy-load database (R's serialization, parsed by ``rdata``)
and a SWORD zText module (zlib blocks indexed by verse)."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import re
import subprocess
import tarfile
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np

from vae_tutorial.errors import DataError
from vae_tutorial.text.english.packages import REFETCH

RDATA = "rdata==1.1.0"  # the pinned parser of R's serialization (pyproject.toml's corpus extra)


def deb_files(path, under: str) -> dict[str, bytes]:
    """The regular files of a .deb's data archive whose path starts with ``under`` (no leading
    "./"), {path: bytes}. Reads the ar container and the tar (xz, gzip, bzip2 or none) in Python;
    a zstd data archive goes through ``dpkg-deb --fsys-tarfile``."""
    data = Path(path).read_bytes()
    if not data.startswith(b"!<arch>\n"):
        raise DataError(str(path), "is not a .deb (ar) archive", REFETCH)
    pos, tar_bytes = 8, None
    while pos + 60 <= len(data):
        header = data[pos : pos + 60]
        name = header[:16].decode("ascii", "replace").strip().rstrip("/")
        size = int(header[48:58].decode("ascii").strip())
        body = data[pos + 60 : pos + 60 + size]
        pos += 60 + size + (size & 1)
        if name.startswith("data.tar"):
            tar_bytes = _data_tar(path, name, body)
            break
    if tar_bytes is None:
        raise DataError(str(path), "has no data.tar member", REFETCH)
    files = {}
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
        for member in tar:
            name = member.name.removeprefix("./")
            if member.isfile() and name.startswith(under):
                files[name] = tar.extractfile(member).read()
    return files


def _data_tar(path, name: str, body: bytes) -> bytes:
    if name.endswith(".xz"):
        return lzma.decompress(body)
    if name.endswith(".gz"):
        return gzip.decompress(body)
    if name.endswith(".bz2"):
        return bz2.decompress(body)
    if name == "data.tar":
        return body
    # zstd: Python 3.11 has no decoder
    return subprocess.run(["dpkg-deb", "--fsys-tarfile", str(path)], capture_output=True, check=True).stdout


def wheel_files(path, pattern: str) -> dict[str, bytes]:
    """The files of a wheel (a zip) whose path matches the regular expression ``pattern`` in full,
    {path: bytes}, sorted by path."""
    with zipfile.ZipFile(path) as archive:
        names = sorted(n for n in archive.namelist() if re.fullmatch(pattern, n))
        return {name: archive.read(name) for name in names}


def read_lazyload(rdx: bytes, rdb: bytes) -> dict:
    """The variables of an R lazy-load database ({name: value}, converted by ``rdata``).

    The ``.rdx`` is a serialized (usually gzip'd) list: ``variables`` maps each name to
    (offset, length) in the ``.rdb``; each slice is a 4-byte big-endian length, then either a bare
    zlib stream (``compressed`` TRUE) or a type byte (``Z`` zlib, ``2`` bzip2, ``X`` xz, ``0``
    none) and the data: R's serialization, which ``rdata`` parses."""
    try:
        import rdata  # rdata (PyPI, optional: make corpus installs it); only Austen's novels need it
    except ImportError:
        problem = "not installed (it reads Austen's novels)"
        raise DataError("rdata", problem, f"Install it: pip install {RDATA} (make corpus does).") from None

    def unserialize(raw: bytes):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # rdata: "Unknown file type: assumed RDS"
            return rdata.conversion.convert(rdata.parser.parse_data(raw))

    index = unserialize(_decompress_whole(rdx))
    values = {}
    for name, (offset, length) in index["variables"].items():
        chunk = rdb[int(offset) : int(offset) + int(length)]
        size = int.from_bytes(chunk[:4], "big")
        kind, body = chunk[4:5], chunk[5:]
        decompress = {b"Z": zlib.decompress, b"2": bz2.decompress, b"X": lzma.decompress, b"0": bytes}.get(kind)
        raw = decompress(body) if decompress else zlib.decompress(chunk[4:])
        if len(raw) != size:
            raise DataError(f"lazy-load entry {name}", f"holds {len(raw)} bytes, its header says {size}", REFETCH)
        values[str(name)] = unserialize(raw)
    return values


def _decompress_whole(data: bytes) -> bytes:
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    if data[:3] == b"BZh":
        return bz2.decompress(data)
    if data[:6] == b"\xfd7zXZ\x00":
        return lzma.decompress(data)
    return data


def ztext_blocks(bzs: bytes, bzv: bytes, bzz: bytes) -> dict[int, list[str]]:
    """The entries of one testament of a SWORD zText module, {block: [entry, ...]} in verse order:
    ``.bzs`` holds 12-byte records (offset, size, uncompressed size) of zlib blocks in ``.bzz``;
    ``.bzv`` holds 10-byte verse records (block, offset, size) into the uncompressed blocks. Empty
    entries are skipped. With BlockType=BOOK (the World English Bible's), a block is a book."""
    blocks = np.frombuffer(bzs, "<u4").reshape(-1, 3)
    verses = np.frombuffer(bzv, np.dtype([("block", "<u4"), ("offset", "<u4"), ("size", "<u2")]))
    opened: dict[int, bytes] = {}
    entries: dict[int, list[str]] = {}
    for block, offset, size in verses.tolist():
        if size == 0:
            continue
        if block not in opened:
            start, length, full = blocks[block].tolist()
            opened[block] = zlib.decompress(bzz[start : start + length])
            if len(opened[block]) != full:
                raise DataError(f"zText block {block}", f"holds {len(opened[block])} bytes, not {full}", REFETCH)
        entries.setdefault(block, []).append(opened[block][offset : offset + size].decode("utf-8"))
    return entries
