"""Every notebook follows the series' skeleton and is committed executed, in order, with outputs."""

import json
import re
from pathlib import Path

import pytest
from vae_tutorial.course import series

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _src(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code" and _src(c).strip()]


def test_the_series_is_numbered_from_01_without_gaps():
    numbers = [int(p.name[:2]) for p in NOTEBOOKS]
    assert numbers == list(range(1, len(NOTEBOOKS) + 1)), [p.name for p in NOTEBOOKS]


@pytest.fixture(params=NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def notebook(request):
    return request.param, _load(request.param)


def test_name_is_numbered_snake_case(notebook):
    path, _ = notebook
    assert re.fullmatch(r"\d\d_[a-z0-9]+(_[a-z0-9]+)*\.ipynb", path.name), path.name


def test_title_cell_has_outcomes_prerequisites_and_runtime(notebook):
    path, nb = notebook
    first = nb["cells"][0]
    text = _src(first)
    assert first["cell_type"] == "markdown"
    assert text.startswith(f"# {path.name[:2]} · "), "title must read '# NN · Title'"
    for needed in ("Intended learning outcomes", "Prerequisites", "Runtime"):
        assert needed in text, f"title cell lacks '{needed}'"


def test_first_code_cell_is_the_setup_cell_written_from_pyproject(notebook):
    _, nb = notebook
    setup = _code_cells(nb)[0]
    assert _src(setup) == series.setup_cell_source(), "run: python -m vae_tutorial.course.series setup-cells"
    assert _tags(setup) == series.SETUP_TAGS  # "hide-input": folded away on the website
    text = "".join("".join(o.get("text", "")) for o in setup["outputs"])
    assert text.startswith("vae-tutorial ") and " | TensorFlow " in text, "the committed run shows its versions"


def test_second_code_cell_imports_and_reads_the_settings(notebook):
    _, nb = notebook
    imports = _src(_code_cells(nb)[1])
    assert re.search(r"^from vae_tutorial( import|\.)", imports, re.M), "the imports cell imports from vae_tutorial"
    assert "settings()" in imports, "the imports cell reads config.settings()"


def test_installs_and_path_edits_only_in_the_setup_cell(notebook):
    _, nb = notebook
    for cell in _code_cells(nb)[1:]:
        src = _src(cell)
        assert "sys.path" not in src, "no sys.path edits: the package is installed"
        assert not re.search(r"^\s*[!%]\s*(pip|conda)\b", src, re.M), "no !pip/%pip outside the setup cell"


def test_exercises_are_checked_and_solutions_tagged(notebook):
    _, nb = notebook
    headings = [_src(c) for c in nb["cells"] if c["cell_type"] == "markdown"]
    assert any(re.search(r"^## Exercises", h, re.M) for h in headings), "no '## Exercises' section"
    assert any(re.search(r"^## Summary", h, re.M) for h in headings), "no '## Summary' section"
    solutions = [c for c in nb["cells"] if "solution" in c.get("metadata", {}).get("tags", [])]
    checked = [c for c in solutions if re.search(r"^(text_)?exercises\.check_\w+\(", _src(c), re.M)]
    assert len(checked) >= 2, f"need >= 2 solution cells that call exercises.check_*, found {len(checked)}"
    for cell in checked:  # the committed run shows the checker passing
        text = "".join("".join(o.get("text", "")) for o in cell.get("outputs", []))
        assert "✅" in text, f"a solution's checker did not pass: {_src(cell)[:60]!r}"


def test_kernel_is_the_one_every_jupyter_has(notebook):
    _, nb = notebook
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


def test_committed_executed_in_order_with_outputs(notebook):
    _, nb = notebook
    code = _code_cells(nb)
    counts = [c["execution_count"] for c in code]
    assert None not in counts, "some code cells were never executed: run the notebook (make notebooks)"
    assert counts == list(range(1, len(code) + 1)), "cells not run top to bottom in one fresh kernel"
    assert sum(bool(c["outputs"]) for c in code) >= len(code) // 2, "outputs were stripped"
    for cell in code:
        for out in cell["outputs"]:
            assert out.get("name") != "stderr", f"stderr output committed in: {_src(cell)[:60]!r}"
            assert "image/svg+xml" not in out.get("data", {}), "figures must be PNG (nbval compares SVG text)"


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def test_some_deterministic_cells_are_really_compared(notebook):
    """nbval reads cell tags: the learner's code carries no NBVAL comment, and at least two cells of
    each notebook are compared (tag nbval-check-output, a key of nbval's own table of tags)."""
    from nbval.plugin import metadata_tags

    _, nb = notebook
    for cell in _code_cells(nb):
        assert "NBVAL_" not in _src(cell), f"an NBVAL comment: use a cell tag instead, in {_src(cell)[:60]!r}"
    assert metadata_tags["nbval-check-output"] == "check" and metadata_tags["raises-exception"] == "check_exception"
    assert sum("nbval-check-output" in _tags(c) for c in _code_cells(nb)) >= 2
    for cell in _code_cells(nb):  # a cell meant to raise has the tag that nbval and nbclient both read
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            assert "raises-exception" in _tags(cell), f"an error output in an untagged cell: {_src(cell)[:60]!r}"


def _outputs_text(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        text = out.get("text", "")
        parts.append("".join(text) if isinstance(text, list) else text)
        for kind in ("text/plain", "text/html"):
            value = out.get("data", {}).get(kind, "")
            parts.append("".join(value) if isinstance(value, list) else value)
    return "\n".join(parts)


def test_no_absolute_machine_paths_in_committed_outputs(notebook):
    _, nb = notebook
    for cell in _code_cells(nb):
        found = re.search(r"(?<![\w.])/(?:work|home|root|tmp|Users|private|var/folders)/\S*", _outputs_text(cell))
        assert not found, f"an absolute path {found.group(0)!r} in the output of {_src(cell)[:60]!r}"


def test_each_notebook_ends_pointing_on_and_back_and_links_the_glossary(notebook):
    path, nb = notebook
    summary = next(_src(c) for c in nb["cells"] if c["cell_type"] == "markdown" and "## Summary" in _src(c))
    assert "**Next:**" in summary and "[glossary](glossary.md)" in summary
    assert (path.parent / "glossary.md").is_file()
    linked = re.findall(r"\]\((\d\d_[a-z0-9_]+\.ipynb)\)", summary)
    assert all((path.parent / name).is_file() for name in linked), linked
    if path.name[:2] != "01":
        assert "**Builds on:**" in summary and any(int(name[:2]) < int(path.name[:2]) for name in linked)


def _seconds(text: str) -> float:
    return float(text.replace(",", ""))


def test_runtime_line_and_readme_table_agree(notebook):
    """One source of runtimes: the full-mode and the fast-mode seconds of a notebook's Runtime
    section and of its row in the README's table of notebooks agree within 20% (or 2 s), so a
    rerun updates both."""
    path, nb = notebook
    title = _src(nb["cells"][0])
    runtime = title[title.index("Runtime") :]
    full = re.search(r"(\d[\d,]*) s\b[^.]*?full mode", runtime)
    fast = re.search(r"(\d[\d,]*) s in fast mode", runtime)
    assert full, f"{path.name}: the Runtime section gives no full-mode seconds"
    assert fast, f"{path.name}: the Runtime section gives no fast-mode seconds ('N s in fast mode')"
    readme = (path.parents[1] / "README.md").read_text(encoding="utf-8")
    row = re.search(rf"^\| {path.name[:2]} \|.*\| ([\d,]+) s \| ([\d,]+) s \|$", readme, re.M)
    assert row, f"README has no table row for {path.name[:2]} ending in full and fast seconds"
    for mode, line, column in (("full", full, 1), ("fast", fast, 2)):
        notebook_s, readme_s = _seconds(line.group(1)), _seconds(row.group(column))
        assert abs(notebook_s - readme_s) <= max(2.0, 0.2 * readme_s), (
            f"{path.name}: {notebook_s} s in {mode} mode vs README {readme_s} s"
        )


def _prose_words(nb) -> int:
    return sum(len(_src(c).split()) for c in nb["cells"] if c["cell_type"] == "markdown")


PROSE_WORDS_PER_NOTEBOOK = 4_500  # what a teacher can cover around a notebook's runs in class
PROSE_WORDS_IN_ALL = 20_000


def test_prose_fits_a_class():
    """Each notebook's markdown at most 4,500 words and the series' at most 20,000 (counted as
    whitespace-separated words of the markdown cells, headings and formulas included)."""
    words = {path.name: _prose_words(_load(path)) for path in NOTEBOOKS}
    assert all(n <= PROSE_WORDS_PER_NOTEBOOK for n in words.values()), words
    assert sum(words.values()) <= PROSE_WORDS_IN_ALL, (sum(words.values()), words)


def test_the_original_guide_gets_short_boxes(notebook):
    """Passages about the original guide are at most 15% of a notebook's prose (the words of the
    markdown cells that mention it), each in a box that starts '> **From the original guide.**'
    (a section heading may name it too); 01's title cell names it by its title, once for the series."""
    path, nb = notebook
    cells = [_src(c) for c in nb["cells"] if c["cell_type"] == "markdown"]
    about = [text for text in cells if "original guide" in text.lower()]
    share = sum(len(text.split()) for text in about) / _prose_words(nb)
    assert share <= 0.15, f"{path.name}: {share:.0%} of the prose is about the original guide"
    for text in about:
        unboxed = [
            line for line in text.splitlines() if "original guide" in line.lower() and not line.startswith((">", "#"))
        ]
        assert not unboxed or "> **From the original guide.**" in text, f"{path.name}: {unboxed[0]!r} outside a box"
    if path.name.startswith("01_"):
        title = " ".join(" ".join(line.lstrip(">").split()) for line in cells[0].splitlines())
        assert '"Variational Autoencoder Model Overview" (2023)' in title
