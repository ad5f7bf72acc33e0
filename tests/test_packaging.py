"""environment.yml, pyproject.toml and requirements.lock describe the same set of packages."""

import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import yaml
from packaging.requirements import Requirement

from tests.helpers import copy_sources

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    """'tensorflow>=2.20,<3' -> 'tensorflow' (PEP 503 normalised)."""
    name = re.split(r"[<>=!~;\[ ]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _pyproject_requirements() -> dict[str, str]:
    """{name: its range} of every dependency and extra, plus the package itself ("")."""
    reqs = list(PROJECT["dependencies"])
    for extra in PROJECT["optional-dependencies"].values():
        reqs += extra
    return {_name(r): _range(r) for r in reqs} | {PROJECT["name"]: ""}


def _range(requirement: str) -> str:
    """'tensorflow>=2.20,<3  # a comment' -> '<3,>=2.20' (packaging writes the specifiers sorted)."""
    return str(Requirement(requirement.split("#")[0]).specifier)


def _environment_requirements() -> dict[str, str]:
    """{name: range} of environment.yml; its pip section's ``-e .`` is the package itself."""
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    reqs = {}
    for dep in env["dependencies"]:
        for line in dep["pip"] if isinstance(dep, dict) else [dep]:
            if line.split("#")[0].strip() == "-e .":
                reqs[PROJECT["name"]] = ""
            elif _name(line) not in {"python", "pip"}:  # conda's own pins ("python=3.11") are not PEP 508
                reqs[_name(line)] = _range(line)
    return reqs


def _pyproject_names() -> set[str]:
    return set(_pyproject_requirements()) - {PROJECT["name"]}


def test_environment_yml_names_the_same_packages_as_pyproject_with_the_same_ranges():
    conda, pip = _environment_requirements(), _pyproject_requirements()
    assert conda.keys() - pip.keys() == set(), f"only in environment.yml: {sorted(conda.keys() - pip.keys())}"
    assert pip.keys() - conda.keys() == set(), f"only in pyproject.toml: {sorted(pip.keys() - conda.keys())}"
    assert {n: conda[n] for n in pip if conda[n] != pip[n]} == {}, "ranges that differ from pyproject.toml's"


def test_environment_yml_installs_the_package_itself_editable_from_its_own_folder():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(dep["pip"] for dep in env["dependencies"] if isinstance(dep, dict))
    assert [line.split("#")[0].strip() for line in pip_section][-1] == "-e ."


def test_environment_yml_installs_tensorflow_keras_gensim_from_pip():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(dep["pip"] for dep in env["dependencies"] if isinstance(dep, dict))
    assert {_name(r) for r in pip_section} >= {"tensorflow", "keras", "gensim"}
    assert env["name"] == "vae-tutorial" and env["channels"] == ["conda-forge"]


def test_lock_pins_every_declared_package_exactly():
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[_name(name)] = version
    missing = _pyproject_names() - pins.keys()
    assert not missing, f"declared in pyproject.toml but not pinned in requirements.lock: {sorted(missing)}"
    assert all(re.fullmatch(r"[0-9][0-9A-Za-z.+]*", v) for v in pins.values()), "every lock line must be name==version"


def test_the_sdist_and_the_wheel_build_and_pass_twine_check(tmp_path):
    source = copy_sources(tmp_path / "source")
    build = [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(tmp_path / "dist"), str(source)]
    result = subprocess.run(build, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    wheel, sdist = sorted((tmp_path / "dist").glob("*.whl")), sorted((tmp_path / "dist").glob("*.tar.gz"))
    assert len(wheel) == len(sdist) == 1
    check = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", str(wheel[0]), str(sdist[0])],
                           capture_output=True, text=True)  # fmt: skip
    assert check.returncode == 0 and check.stdout.count("PASSED") == 2, check.stdout + check.stderr
    with zipfile.ZipFile(wheel[0]) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "vae_tutorial/text/pretrained_model/model.keras" in names  # the shipped model travels with the package
    assert "License-Expression: MIT" in metadata and "Requires-Python: >=3.11" in metadata
    for version in ("3.11", "3.12", "3.13"):
        assert f"Classifier: Programming Language :: Python :: {version}" in metadata
