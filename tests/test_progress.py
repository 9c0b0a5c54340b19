"""``progress()`` (issue 12): every exercise of the notebook with its verdict in this kernel."""

import json

import nbformat

from autograder import progress
from autograder.learner import session
from chapters import release_path


def test_progress_lists_every_exercise_of_the_released_chapter(tmp_path, capsys, monkeypatch):
    path = release_path("01_tensors")
    nb = json.loads(path.read_text())
    checks = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]
    first = "".join(checks[0]["source"])
    monkeypatch.setitem(session._verdicts, first.strip(), "correct")
    rows = progress(str(path))
    out = capsys.readouterr().out
    assert len(rows) == len(checks) and rows[0][1] == "correct" and {v for _, v in rows[1:]} == {"not attempted"}
    assert f"1 of {len(checks)} exercises correct" in out
    assert rows[0][0].startswith("Exercise"), rows[0]     # titled by the heading above it


def test_progress_outside_jupyterlab_says_where_to_look(capsys, monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert progress() is None and "JupyterLab" in capsys.readouterr().out


def test_the_release_ends_with_the_progress_cell():
    nb = nbformat.read(release_path("01_tensors"), as_version=4)
    assert nb.cells[-1].source.endswith("progress()") and "progress" in nb.cells[-2].source.lower()


def test_the_listing_shows_once_when_progress_is_a_cells_last_line(tmp_path, capsys):
    from IPython.core.formatters import DisplayFormatter

    rows = progress(str(release_path("01_tensors")))
    assert capsys.readouterr().out.count("exercises correct") == 1
    assert DisplayFormatter().format(rows) == ({}, {})     # IPython adds no Out[...] repeating the list
    assert rows == [tuple(row) for row in rows]            # still the rows, for code that wants them
