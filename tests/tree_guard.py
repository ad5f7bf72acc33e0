"""A pytest plugin (``-p tests.tree_guard``, set in pyproject.toml): the session fails if the
tests or notebooks wrote, changed or deleted a file of the project outside ``build/``,
``runs/`` and temporary folders. Under ``make test`` it watches the nbval run of every notebook."""

from __future__ import annotations

from pathlib import Path

import pytest

# generated or private folders that tests and notebooks may write to
IGNORED = {".git", ".venv", "build", "runs", "__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".ruff_cache"}


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """(size, mtime in ns) of every project file, keyed by its path relative to ``root``."""
    files = {}
    for path in root.rglob("*"):
        parts = path.relative_to(root).parts
        if any(part in IGNORED or part.endswith(".egg-info") for part in parts) or not path.is_file():
            continue
        stat = path.stat()
        files[str(Path(*parts))] = (stat.st_size, stat.st_mtime_ns)
    return files


def changes(before: dict, after: dict) -> list[str]:
    """Lines such as "new: notes.txt", "changed: README.md", "deleted: x.py", sorted."""
    lines = [f"new: {p}" for p in after.keys() - before.keys()]
    lines += [f"deleted: {p}" for p in before.keys() - after.keys()]
    lines += [f"changed: {p}" for p in before.keys() & after.keys() if before[p] != after[p]]
    return sorted(lines)


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_BEFORE] = snapshot(session.config.rootpath)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    found = changes(session.config.stash[_BEFORE], snapshot(session.config.rootpath))
    if found:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = "files outside build/, runs/ and temporary folders were touched: " + "; ".join(found[:10])
        if reporter is not None:
            reporter.write_line("")
            reporter.write_line(f"tree_guard: {message}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_BEFORE = pytest.StashKey[dict]()
