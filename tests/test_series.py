"""Student copies drop every solution but keep every checker; the runner finds the series in order."""

from pathlib import Path

import nbformat
import pytest

from vae_tutorial.course import series

ROOT = Path(__file__).resolve().parents[1]


def _notebook_with_solution():
    nb = nbformat.v4.new_notebook()
    solution = nbformat.v4.new_code_cell(
        "def kl_diag(mean, log_var):\n    return 0.5 * (mean**2).sum()\nexercises.check_kl_diag(kl_diag)",
        metadata={"tags": ["solution"]},
        execution_count=3,
        outputs=[nbformat.v4.new_output("stream", name="stdout", text="✅ Correct")],
    )
    other = nbformat.v4.new_code_cell("x = 1", execution_count=2, outputs=[])
    nb.cells = [nbformat.v4.new_markdown_cell("# 01 · T"), other, solution]
    return nb


def test_student_copy_replaces_solution_by_stub_and_keeps_check():
    copy = series.student_copy(_notebook_with_solution())
    stub = copy.cells[2]
    assert "return 0.5" not in stub.source and "def kl_diag" not in stub.source
    assert stub.source == "# your code here\nexercises.check_kl_diag(kl_diag)"
    assert all(
        c.get("outputs", []) == [] and c.get("execution_count") is None for c in copy.cells if c.cell_type == "code"
    )
    assert copy.cells[1].source == "x = 1", "cells without the tag are kept as they are"


def test_student_copy_does_not_modify_the_original():
    nb = _notebook_with_solution()
    series.student_copy(nb)
    assert "def kl_diag" in nb.cells[2].source and nb.cells[2].outputs


@pytest.mark.parametrize("path", series.notebook_paths(ROOT / "notebooks"), ids=lambda p: p.name)
def test_real_student_copies_keep_no_solution_line(path, tmp_path):
    original = nbformat.read(path, as_version=4)
    copy = nbformat.read(series.write_student_copies(path.parent, tmp_path)[int(path.name[:2]) - 1], as_version=4)
    for before, after in zip(original.cells, copy.cells, strict=True):
        if "solution" not in before.get("metadata", {}).get("tags", []):
            continue
        kept = [line for line in before.source.splitlines() if line.strip() and line in after.source.splitlines()]
        assert all(series.CHECK.match(line) for line in kept), kept
        assert "exercises.check_" in after.source, "every exercise keeps its checker"


def test_notebook_paths_are_the_numbered_notebooks_in_order(tmp_path):
    for name in ("02_b.ipynb", "01_a.ipynb", "notes.ipynb", "10_c.ipynb"):
        (tmp_path / name).write_text("{}")
    assert [p.name for p in series.notebook_paths(tmp_path)] == ["01_a.ipynb", "02_b.ipynb", "10_c.ipynb"]


def test_the_run_summary_shows_each_notebooks_status_time_and_saved_figures(tmp_path, monkeypatch):
    from vae_tutorial import config

    monkeypatch.setenv("VAE_TUTORIAL_OUTPUT", str(tmp_path))
    saved = config.save_figures("03", {"held-out -ELBO (nats)": 115.9123, "active units": 2, "note": "ok"})
    assert saved == tmp_path / "03" / "figures.json"
    rows = [
        ("03_image_vae", "ok", 200.4, saved),
        ("04_text_vae", "FAILED", 12.0, tmp_path / "04" / "figures.json"),  # never written
    ]
    lines = series.summary(rows, fast=False).splitlines()
    assert lines[0].startswith("Summary (full mode")
    assert lines[1].split() == [
        "03_image_vae",
        "ok",
        "200",
        "s",
        "held-out",
        "-ELBO",
        "(nats)",
        "116;",
        "active",
        "units",
        "2;",
        "note",
        "ok",
    ]
    assert lines[2].split() == ["04_text_vae", "FAILED", "12", "s", "-"]


def test_without_nbformat_the_runner_exits_with_one_line_naming_the_notebooks_extra():
    import subprocess
    import sys

    code = (
        "import sys\nsys.modules['nbformat'] = None  # as if it were not installed\nimport vae_tutorial.course.series\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert "'notebooks' extra" in result.stderr and "pip install 'vae-tutorial[notebooks]'" in result.stderr


def test_setup_cells_are_inserted_before_the_first_code_cell_then_rewritten_only_when_stale(tmp_path):
    nb = _notebook_with_solution()
    nbformat.write(nb, tmp_path / "01_t.ipynb")
    assert series.write_setup_cells(tmp_path) == [tmp_path / "01_t.ipynb"]
    cells = nbformat.read(tmp_path / "01_t.ipynb", 4).cells
    assert [c.cell_type for c in cells] == ["markdown", "code", "code", "code"]
    assert cells[1].source == series.setup_cell_source() and cells[1].metadata.tags == ["setup", "hide-input"]
    assert cells[2].source == "x = 1"
    assert series.write_setup_cells(tmp_path) == []  # up to date: the file is not touched
    stale = nbformat.read(tmp_path / "01_t.ipynb", 4)
    stale.cells[1].metadata.tags = ["setup"]  # a setup cell from before the website folded it away
    nbformat.write(stale, tmp_path / "01_t.ipynb")
    assert series.write_setup_cells(tmp_path) == [tmp_path / "01_t.ipynb"]
    assert nbformat.read(tmp_path / "01_t.ipynb", 4).cells[1].metadata.tags == ["setup", "hide-input"]
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\n[project.urls]\nRepository = "https://example.org/r"\n')
    assert series.write_setup_cells(tmp_path, pyproject) == [tmp_path / "01_t.ipynb"]
    cells = nbformat.read(tmp_path / "01_t.ipynb", 4).cells
    assert len(cells) == 4 and "REPOSITORY = 'https://example.org/r'" in cells[1].source


def test_the_repository_url_comes_from_project_urls(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\n')
    assert series.repository_url(pyproject) is None
    assert "REPOSITORY = None" in series.setup_cell_source(pyproject)
    pyproject.write_text('[project]\nname = "x"\n[project.urls]\nHomepage = "https://h"\nSource = "https://s"\n')
    assert series.repository_url(pyproject) == "https://s"
