"""The series' diagrams (vae_tutorial.course.diagrams): each is committed, drawn by the script, and shown by
a notebook; the script draws the same set of files it is committed as."""

import json
import re
from pathlib import Path

from PIL import Image

from vae_tutorial.course import diagrams

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "notebooks" / "figures"
SHOWN_IN = {  # the notebook that must show each diagram
    "reparameterization.png": "02",
    "image_vae.png": "03",
    "text_vae.png": "04",
    "conditional_vae.png": "06",
}


def _markdown(number: str) -> str:
    path = next((ROOT / "notebooks").glob(f"{number}_*.ipynb"))
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def test_every_diagram_is_committed_and_shown_by_its_notebook():
    assert set(diagrams.DIAGRAMS) == set(SHOWN_IN) == {p.name for p in FIGURES.glob("*.png")}
    for name, number in SHOWN_IN.items():
        shown = re.findall(r"!\[([^\]]+)\]\(figures/([^)]+)\)", _markdown(number))
        assert any(file == name and len(alt) > 40 for alt, file in shown), f"notebook {number} does not show {name}"


def test_the_script_draws_every_diagram(tmp_path):
    written = diagrams.draw_all(tmp_path / "figures")
    assert [p.name for p in written] == list(diagrams.DIAGRAMS)
    for path in written:
        drawn, committed = Image.open(path), Image.open(FIGURES / path.name)
        assert drawn.size == committed.size, f"{path.name}: redraw it (python -m vae_tutorial.course.diagrams)"
        assert drawn.size[0] >= 1000  # wide enough for 10-point labels at 130 dpi
