"""The plugin that keeps the project tree clean sees new, changed and deleted files, and
ignores build/, runs/ and caches."""

import os

from tests.tree_guard import changes, snapshot


def test_the_guard_reports_new_changed_and_deleted_files_but_not_build_or_runs(tmp_path):
    (tmp_path / "keep.py").write_text("a")
    (tmp_path / "edit.md").write_text("b")
    (tmp_path / "gone.txt").write_text("c")
    before = snapshot(tmp_path)
    (tmp_path / "stray.png").write_bytes(b"x")
    (tmp_path / "edit.md").write_text("bb")
    (tmp_path / "gone.txt").unlink()
    for allowed in ("build", "runs", "notebooks/.ipynb_checkpoints"):
        (tmp_path / allowed).mkdir(parents=True)
        (tmp_path / allowed / "out.json").write_text("{}")
    os.utime(tmp_path / "keep.py", ns=(before["keep.py"][1], before["keep.py"][1]))
    assert changes(before, snapshot(tmp_path)) == ["changed: edit.md", "deleted: gone.txt", "new: stray.png"]


def test_the_guard_is_active_in_this_session(pytestconfig):
    assert pytestconfig.pluginmanager.has_plugin("tests.tree_guard")
