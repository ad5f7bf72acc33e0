"""Small things several test files share: an epoch recorder, a folder of scanned-looking images,
waiting for a command started with subprocess.Popen, a copy of the package's sources, and the code
of a notebook's tagged cell run as the notebook would run it."""

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image

from vae_tutorial._backend import keras, tf

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def run_tagged_cell(notebook: str, tag: str) -> dict:
    """The names that the one code cell tagged ``tag`` of ``notebooks/<notebook>`` defines, run with
    what the notebooks' import cell provides (``keras``, ``tf``)."""
    cells = json.loads((NOTEBOOKS / notebook).read_text(encoding="utf-8"))["cells"]
    tagged = [c for c in cells if tag in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{notebook} shows one cell tagged {tag}"
    namespace = {"keras": keras, "tf": tf}
    exec("".join(tagged[0]["source"]), namespace)
    return namespace


class EpochRecorder(keras.callbacks.Callback):
    """Records the (0-based) epochs that a fit runs: a resumed run must start after the last checkpoint."""

    def __init__(self):
        super().__init__()
        self.epochs = []

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append(epoch)


def write_scans(folder: Path, n: int = 20) -> Path:
    """n dark strokes on white paper, 40 x 40 PNGs: the image loader inverts and resizes them."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(n):
        page = np.full((40, 40), 255, np.uint8)
        row, col = rng.integers(5, 25, size=2)
        page[row : row + 12, col : col + 4] = rng.integers(0, 60)
        Image.fromarray(page).save(folder / f"scan_{i:02d}.png")
    return folder


def finish(process: subprocess.Popen, timeout: float = 300) -> subprocess.CompletedProcess:
    """Wait for ``process`` (text mode, stdout and stderr piped); kill it after ``timeout`` seconds."""
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


ROOT = Path(__file__).resolve().parents[1]


def copy_sources(folder: Path) -> Path:
    """A copy of what building or installing the package reads (pyproject.toml, README.md, LICENSE,
    vae_tutorial/) in a new ``folder``: builds and installs write egg-info and build/ beside it."""
    folder.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, folder / name)
    shutil.copytree(ROOT / "vae_tutorial", folder / "vae_tutorial", ignore=shutil.ignore_patterns("__pycache__"))
    return folder
