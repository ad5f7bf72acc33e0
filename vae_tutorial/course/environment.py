"""The version guard of every notebook's setup cell: is this Python one the series runs on?

:func:`problems` compares the running Python and the installed TensorFlow and Keras with what
``pyproject.toml`` asks for (read from the installed package's metadata, or from the
``pyproject.toml`` of a checkout the package is imported from) and returns one line per
mismatch, each naming what to install. Imports neither TensorFlow nor Keras: a wrong version is
reported before it can fail deep inside a cell.
"""

from __future__ import annotations

import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from vae_tutorial import __version__

DISTRIBUTION = "vae-tutorial"
GUARDED = {"tensorflow": "TensorFlow", "keras": "Keras"}
RESTART = "then restart the kernel"


def declared() -> tuple[str, dict[str, Requirement]]:
    """(requires-python, {name: requirement}) for the guarded packages, as pyproject.toml declares them."""
    checkout = Path(__file__).resolve().parents[2] / "pyproject.toml"
    if checkout.is_file():  # a checkout: its pyproject.toml is the truth, even before reinstalling
        project = tomllib.loads(checkout.read_text(encoding="utf-8"))["project"]
        python, lines = project["requires-python"], project["dependencies"]
    else:
        info = metadata.metadata(DISTRIBUTION)
        python, lines = info["Requires-Python"], metadata.requires(DISTRIBUTION) or []
    requirements = [Requirement(line) for line in lines]
    return python, {r.name.lower(): r for r in requirements if r.name.lower() in GUARDED and not r.marker}


def problems(
    python_version: tuple[int, ...] | None = None, installed: dict[str, str | None] | None = None
) -> list[str]:
    """One line per problem with this environment (an empty list: all is well).

    python_version: the running interpreter's by default; installed: {name: version or None for
    not installed}, by default read from the installed distributions (tests pass their own).
    """
    python, wanted = declared()
    here = ".".join(map(str, (python_version or sys.version_info)[:3]))
    lines = []
    if Version(here) not in SpecifierSet(python):
        lines.append(
            f"vae-tutorial needs Python {python} and this kernel runs {here}: "
            "start Jupyter from a newer Python (or choose its kernel)."
        )
    for name, requirement in wanted.items():
        version = installed.get(name) if installed is not None else _version(name)
        pip = f"%pip install '{requirement}'"
        if version is None:
            lines.append(f"{GUARDED[name]} is not installed: run {pip}, {RESTART}.")
        elif not requirement.specifier.contains(version, prereleases=True):
            lines.append(f"{GUARDED[name]} {version} is outside what vae-tutorial needs: run {pip}, {RESTART}.")
    return lines


def check() -> bool:
    """What every notebook's setup cell calls: print :func:`problems`, one line each, or, when
    there is none, one line of the versions in use (for a bug report); True when all is well."""
    found = problems()
    for line in found:
        print(line)
    if not found:
        python = ".".join(map(str, sys.version_info[:3]))
        print(
            " | ".join(
                [f"vae-tutorial {__version__}", f"Python {python}"]
                + [f"{label} {_version(name)}" for name, label in GUARDED.items()]
            )
        )
    return not found


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
