"""environment.yml, pyproject.toml and requirements.lock describe the same set of packages."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    """'tensorflow>=2.20,<3' -> 'tensorflow' (PEP 503 normalised)."""
    name = re.split(r"[<>=!~;\[ ]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyproject_names() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    return {_name(r) for r in reqs}


def _environment_names() -> set[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    names = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            names |= {_name(r) for r in dep["pip"]}
        else:
            names.add(_name(dep))
    return names - {"python", "pip"}


def test_environment_yml_names_the_same_packages_as_pyproject():
    conda, pip = _environment_names(), _pyproject_names()
    assert conda - pip == set(), f"only in environment.yml: {sorted(conda - pip)}"
    assert pip - conda == set(), f"only in pyproject.toml: {sorted(pip - conda)}"


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
