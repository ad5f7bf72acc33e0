"""Run the notebook series (``make run``, ``make notebooks``) and write student copies (``make student``).

python -m vae_tutorial.course.series run [--out build] [--fast]    executed copies + HTML in build/
python -m vae_tutorial.course.series in-place                        re-execute notebooks/ in full mode
python -m vae_tutorial.course.series student [--out build/student]   solution cells replaced by stubs
python -m vae_tutorial.course.series setup-cells                     each notebook's setup cell from pyproject.toml
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import tomllib
from pathlib import Path

try:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    from nbconvert import HTMLExporter
except ImportError:  # the runtime package does not need it: say which extra does, in one line
    raise SystemExit(
        "vae_tutorial.course.series runs the notebooks and needs the 'notebooks' extra: "
        "pip install 'vae-tutorial[notebooks]' (make setup installs it)."
    ) from None

from vae_tutorial.config import FAST_ENV, output_dir

KERNEL = "python3"  # the kernel every Jupyter has; from the venv, Jupyter starts it with the venv's Python
STUB = "# your code here\n"
SETUP_TAG = "setup"
SETUP_TAGS = [SETUP_TAG, "hide-input"]  # hide-input: the website folds the setup code away (myst-nb)
CHECK = re.compile(r"\s*(text_)?exercises\.check_")  # the checker call a student copy keeps
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"

# The first code cell of every notebook (tagged "setup"), the same everywhere: written from
# pyproject.toml by `python -m vae_tutorial.course.series setup-cells`, checked by the hygiene test.
SETUP_CELL = """\
# Setup, the same in every notebook: makes it run in any Jupyter (a checkout, Colab, your own).
import importlib.util, sys
from pathlib import Path

REPOSITORY = {repository!r}  # where Colab installs the package from (pyproject.toml's [project.urls])
if importlib.util.find_spec("vae_tutorial") is None:
    checkout = next((folder for folder in (Path.cwd(), *Path.cwd().parents) if (folder / "pyproject.toml").is_file()
                     and 'name = "vae-tutorial"' in (folder / "pyproject.toml").read_text()), None)
    if checkout:
        print(f"Installing vae-tutorial from {{checkout}} into this Python (minutes, once) ...")
        %pip install --quiet -e {{checkout}}
        sys.path.insert(0, str(checkout))  # importable now, without restarting the kernel
    elif REPOSITORY and "google.colab" in sys.modules:
        print(f"Installing vae-tutorial from {{REPOSITORY}} (minutes, once) ...")
        %pip install --quiet "vae-tutorial @ git+{{REPOSITORY}}"
    else:
        print("vae_tutorial is not installed in this Python: " + (
            f'run %pip install "vae-tutorial @ git+{{REPOSITORY}}" here, then restart the kernel.' if REPOSITORY else
            "get the vae-tutorial repository, run `make lab` in it and open this notebook from its notebooks/ folder."))
    importlib.invalidate_caches()
if importlib.util.find_spec("vae_tutorial") is not None:
    from vae_tutorial.course import environment
    environment.check()  # one line per problem: Python, TensorFlow and Keras against pyproject.toml
"""


def repository_url(pyproject: Path = PYPROJECT) -> str | None:
    """The repository URL recorded in pyproject.toml's [project.urls] (Repository, Source or
    Homepage, the first set), or None while the project records none."""
    urls = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"].get("urls", {})
    return next((urls[key] for key in ("Repository", "Source", "Homepage") if urls.get(key)), None)


def setup_cell_source(pyproject: Path = PYPROJECT) -> str:
    """The setup cell's code for the repository URL of ``pyproject``."""
    return SETUP_CELL.format(repository=repository_url(pyproject)).rstrip("\n")


def write_setup_cells(folder: Path, pyproject: Path = PYPROJECT) -> list[Path]:
    """Make the first code cell of every notebook of ``folder`` the setup cell (inserted before the
    first code cell where a notebook has none yet, or rewritten); returns the notebooks changed."""
    source, changed = setup_cell_source(pyproject), []
    for path in notebook_paths(folder):
        nb = nbformat.read(path, as_version=4)
        cells = [c for c in nb.cells if c.cell_type == "code"]
        first = cells[0] if cells and SETUP_TAG in cells[0].metadata.get("tags", []) else None
        if first is not None and first.source == source and first.metadata.get("tags") == SETUP_TAGS:
            continue
        if first is None:
            first = nbformat.v4.new_code_cell(source)
            nb.cells.insert(nb.cells.index(cells[0]) if cells else len(nb.cells), first)
        first.source, first.metadata["tags"] = source, list(SETUP_TAGS)
        nbformat.write(nb, path)
        changed.append(path)
    return changed


def notebook_paths(folder: Path) -> list[Path]:
    """The series' notebooks, ``NN_name.ipynb``, in order."""
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))


def execute(path: Path, fast: bool, timeout: int = 1800) -> tuple[nbformat.NotebookNode, Exception | None]:
    """Run a notebook top to bottom in a fresh ``vae-tutorial`` kernel, from its own folder.

    Returns the executed notebook (partly executed if a cell failed) and the error, if any.
    The kernel inherits this process's environment, with ``VAE_TUTORIAL_FAST`` set or removed.
    """
    if fast:
        os.environ[FAST_ENV] = "1"
    else:
        os.environ.pop(FAST_ENV, None)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=KERNEL,
        record_timing=False,
        # ipykernel warns on every start that its local TCP link is unencrypted: not news here.
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
        resources={"metadata": {"path": str(path.parent.resolve())}},
    )
    try:
        client.execute()
    except CellExecutionError as exc:
        return nb, exc
    return nb, None


def run(source: Path, out: Path | None, fast: bool) -> int:
    """Execute every notebook in order; write ``out/NN.ipynb`` and ``out/NN.html`` (or in place
    when ``out`` is None). Prints a progress line per notebook; returns the number that failed."""
    paths = notebook_paths(source)
    failed, rows = 0, []
    start_all = time.perf_counter()
    for i, path in enumerate(paths, 1):
        print(f"[{i}/{len(paths)}] {path.name} ...", end=" ", flush=True)
        figures = output_dir(path.name[:2]) / "figures.json"
        figures.unlink(missing_ok=True)  # only this run's figures go into the summary
        start = time.perf_counter()
        nb, error = execute(path, fast)
        seconds = time.perf_counter() - start
        rows.append((path.stem, "ok" if error is None else "FAILED", seconds, figures))
        if out is None and error is None:  # in place: never overwrite a notebook with a failed run
            nbformat.write(nb, path)
        elif out is not None:  # build/: keep a failed run too, to read where it stopped
            out.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, out / path.name)
            html, _ = HTMLExporter().from_notebook_node(nb)
            (out / path.name).with_suffix(".html").write_text(html, encoding="utf-8")
        print(f"{'ok' if error is None else 'FAILED'} in {seconds:.0f} s", flush=True)
        if error is not None:
            failed += 1
            print(f"    {str(error).strip().splitlines()[-1]}", flush=True)
    where = source if out is None else out
    print(summary(rows, fast))
    print(
        f"{len(paths) - failed}/{len(paths)} notebooks ran in {time.perf_counter() - start_all:.0f} s; "
        f"executed copies{'' if out is None else ' and HTML'} are in {where}/"
    )
    return failed


def summary(rows, fast: bool) -> str:
    """One screen: each notebook's status, run time and the key figures it saved (see
    ``config.save_figures``), e.g. ``03_image_vae  ok  200 s  held-out -ELBO 115.9 nats``."""
    lines = [f"Summary ({'fast' if fast else 'full'} mode; figures from build/NN/figures.json)"]
    for name, status, seconds, path in rows:
        figures = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        shown = "; ".join(
            f"{key} {value:.3g}" if isinstance(value, float) else f"{key} {value}" for key, value in figures.items()
        )
        lines.append(f"  {name:<30} {status:<6} {seconds:5.0f} s  {shown or '-'}")
    return "\n".join(lines)


def student_copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy with every ``solution``-tagged cell replaced by a stub that keeps its check call,
    and all outputs cleared."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "solution" in cell.get("metadata", {}).get("tags", []):
            checks = [line for line in cell.source.splitlines() if CHECK.match(line)]
            cell.source = STUB + "\n".join(checks)
        cell.outputs = []
        cell.execution_count = None
    return nb


def write_student_copies(source: Path, out: Path) -> list[Path]:
    """Write a student copy of each notebook of ``source`` into ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebook_paths(source):
        target = out / path.name
        nbformat.write(student_copy(nbformat.read(path, as_version=4)), target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vae_tutorial.course.series",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("action", choices=["run", "in-place", "student", "setup-cells"])
    parser.add_argument("--notebooks", type=Path, default=Path("notebooks"), help="folder of NN_*.ipynb")
    parser.add_argument("--out", type=Path, default=None, help="output folder (build/ or build/student/)")
    parser.add_argument("--fast", action="store_true", help="run in fast mode (VAE_TUTORIAL_FAST=1)")
    args = parser.parse_args(argv)
    if not notebook_paths(args.notebooks):
        print(f"series: error: no NN_*.ipynb notebooks in {args.notebooks}/", file=sys.stderr)
        return 2
    if args.action == "setup-cells":
        changed = write_setup_cells(args.notebooks)
        print(
            f"setup cell rewritten in {len(changed)} notebook(s): re-execute them (make notebooks)"
            if changed
            else "every setup cell is up to date"
        )
        return 0
    if args.action == "student":
        written = write_student_copies(args.notebooks, args.out or Path("build/student"))
        print(f"{len(written)} student copies in {written[0].parent}/")
        return 0
    out = None if args.action == "in-place" else (args.out or Path("build"))
    return 1 if run(args.notebooks, out, fast=args.fast) else 0


if __name__ == "__main__":
    sys.exit(main())
