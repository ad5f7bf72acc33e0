"""The version guard of the setup cell: one line per problem, naming what to install."""

import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from vae_tutorial.course import environment

PYPROJECT = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]


def test_declared_ranges_are_pyprojects():
    python, wanted = environment.declared()
    assert python == PYPROJECT["requires-python"]
    listed = {r.name: r.specifier for r in (Requirement(d.split("#")[0]) for d in PYPROJECT["dependencies"])}
    for name in ("tensorflow", "keras"):
        assert wanted[name].specifier == listed[name]


def test_this_environment_has_no_problem():
    assert environment.problems() == []


def test_an_old_python_gets_one_line_naming_the_range():
    assert environment.problems((3, 10, 13), {"tensorflow": "2.21.0", "keras": "3.15.0"}) == [
        f"vae-tutorial needs Python {PYPROJECT['requires-python']} and this kernel runs 3.10.13: "
        "start Jupyter from a newer Python (or choose its kernel)."
    ]


def test_a_version_outside_the_range_or_missing_gets_a_line_with_the_pip_command():
    lines = environment.problems((3, 11, 7), {"tensorflow": "2.19.0", "keras": None})
    _, wanted = environment.declared()
    assert lines == [
        f"TensorFlow 2.19.0 is outside what vae-tutorial needs: run %pip install '{wanted['tensorflow']}', "
        "then restart the kernel.",
        f"Keras is not installed: run %pip install '{wanted['keras']}', then restart the kernel.",
    ]
    assert "2.20" in str(wanted["tensorflow"])  # the range itself is named, from pyproject.toml
    assert environment.problems((3, 13, 0), {"tensorflow": "2.21.0", "keras": "3.15.0"}) == []


def test_check_prints_each_problem_and_imports_no_tensorflow():
    code = (
        "import sys; from vae_tutorial.course import environment; ok = environment.check(); "
        "print(ok, 'tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    python = ".".join(map(str, sys.version_info[:3]))
    versions = f"TensorFlow {metadata.version('tensorflow')} | Keras {metadata.version('keras')}"
    assert out == f"vae-tutorial {metadata.version('vae-tutorial')} | Python {python} | {versions}\nTrue False False\n"
