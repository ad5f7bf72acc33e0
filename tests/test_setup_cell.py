"""The setup cell, run for real in a Python that lacks the package: from a checkout it installs the
package and the notebook runs; without one it prints one line; on Colab it installs from the URL.

Each test makes a fresh venv whose only packages are this project's venv's site-packages, added as
a plain path (a ``.pth`` line): Jupyter, nbclient, TensorFlow and the rest import there, but the
editable ``vae_tutorial`` does not (its own ``.pth`` hook is not run for such a path). pip works
offline: no index, no build isolation (setuptools comes from the same path).
"""

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest
from vae_tutorial.course import series

from tests.helpers import copy_sources

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "01_gaussians_and_kl.ipynb"
RUN = """
import sys, nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
nb = nbformat.read(sys.argv[1], 4)
client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}})
try:
    client.execute()
finally:
    nbformat.write(nb, sys.argv[1])
"""


def _fresh_python(root: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], check=True)
    site = next((root / "venv" / "lib").glob("python3.*/site-packages"))
    (site / "project_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return root / "venv" / "bin" / "python"


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return env | {"VAE_TUTORIAL_FAST": "1", "PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0",
                  "PIP_DISABLE_PIP_VERSION_CHECK": "1"}  # fmt: skip


def _execute(python: Path, nb: nbformat.NotebookNode, folder: Path) -> nbformat.NotebookNode:
    path = folder / "run.ipynb"
    nbformat.write(nb, path)
    result = subprocess.run(
        [str(python), "-c", RUN, str(path), str(folder)], env=_env(), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return nbformat.read(path, 4)


def _text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def _errors(nb) -> list:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]


def _checkout(folder: Path) -> Path:
    """A copy of what a checkout holds that the notebook needs."""
    copy_sources(folder)
    (folder / "notebooks").mkdir()
    return folder


def _setup_only(source: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])


def test_the_fresh_python_lacks_the_package(tmp_path):
    python = _fresh_python(tmp_path)
    code = "import importlib.util, nbclient, tensorflow; print(importlib.util.find_spec('vae_tutorial'))"
    out = subprocess.run([str(python), "-c", code], env=_env(), cwd=tmp_path, capture_output=True, text=True)
    assert out.stdout == "None\n", out.stderr[-2000:]


def test_from_a_checkout_it_installs_the_package_and_notebook_01_runs(tmp_path):
    python = _fresh_python(tmp_path)
    checkout = _checkout(tmp_path / "checkout")
    nb = _execute(python, nbformat.read(NOTEBOOK, 4), checkout / "notebooks")
    setup = nb.cells[next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")]
    lines = _text(setup).splitlines()
    assert lines[0] == f"Installing vae-tutorial from {checkout} into this Python (minutes, once) ..."
    assert lines[-1].startswith("vae-tutorial 0.") and " | TensorFlow " in lines[-1]  # the guard found no problem
    assert _errors(nb) == [], _errors(nb)[:1]
    assert sum(bool(c.outputs) for c in nb.cells if c.cell_type == "code") > 10  # the whole notebook ran
    installed = subprocess.run(
        [str(python), "-c", "import vae_tutorial; print(vae_tutorial.__file__)"], env=_env(), cwd=tmp_path,
        capture_output=True, text=True,
    )  # fmt: skip
    assert installed.stdout.strip() == str(checkout / "vae_tutorial" / "__init__.py")  # editable, in the fresh venv


def test_without_a_checkout_or_a_url_it_prints_one_line_and_no_traceback(tmp_path):
    python = _fresh_python(tmp_path)
    (tmp_path / "alone").mkdir()
    nb = _execute(python, _setup_only(series.setup_cell_source()), tmp_path / "alone")
    assert _errors(nb) == []
    assert _text(nb.cells[0]) == (
        "vae_tutorial is not installed in this Python: get the vae-tutorial repository, "
        "run `make lab` in it and open this notebook from its notebooks/ folder.\n"
    )


def _with_url(tmp_path: Path, url: str) -> str:
    (tmp_path / "meta").mkdir()  # not above the notebook's folder: that would be a checkout
    pyproject = tmp_path / "meta" / "pyproject.toml"
    pyproject.write_text((ROOT / "pyproject.toml").read_text() + f'\n[project.urls]\nRepository = "{url}"\n')
    return series.setup_cell_source(pyproject)


def test_with_a_url_but_not_on_colab_it_prints_the_pip_command(tmp_path):
    python = _fresh_python(tmp_path)
    (tmp_path / "alone").mkdir()
    nb = _execute(python, _setup_only(_with_url(tmp_path, "https://example.org/vae-tutorial")), tmp_path / "alone")
    assert _errors(nb) == []
    assert _text(nb.cells[0]) == (
        'vae_tutorial is not installed in this Python: run %pip install "vae-tutorial @ '
        'git+https://example.org/vae-tutorial" here, then restart the kernel.\n'
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_on_colab_it_installs_from_the_repository_url(tmp_path):
    python = _fresh_python(tmp_path)
    repository = _checkout(tmp_path / "repository")
    for args in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"]):
        subprocess.run(["git", *args], cwd=repository, check=True)
    (tmp_path / "colab").mkdir()
    url = f"file://localhost{repository}"  # the pip of Python 3.11 refuses git+file:/// (no host)
    fake_colab = "import sys, types\nsys.modules['google.colab'] = types.ModuleType('google.colab')"
    nb = _setup_only(_with_url(tmp_path, url))
    nb.cells.insert(0, nbformat.v4.new_code_cell(fake_colab))
    nb.cells.append(nbformat.v4.new_code_cell("import vae_tutorial\nprint(vae_tutorial.__file__)"))
    nb = _execute(python, nb, tmp_path / "colab")
    assert _errors(nb) == [], _errors(nb)[:1]
    lines = _text(nb.cells[1]).splitlines()
    assert lines[0] == f"Installing vae-tutorial from {url} (minutes, once) ..."
    assert lines[-1].startswith("vae-tutorial 0.") and " | Keras " in lines[-1]
    assert _text(nb.cells[2]).startswith(str(tmp_path / "venv" / "lib"))  # installed into the fresh venv
