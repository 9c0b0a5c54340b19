"""``progress()``: how far a learner is in a chapter, from the checks run in this kernel.

The released notebooks end with a cell that calls it. It reads the notebook the
kernel belongs to (JupyterLab tells the kernel its path in ``JPY_SESSION_NAME``),
finds every exercise (its heading and its check cell) and prints one line each:
correct, incorrect or not attempted, as the check cell last answered since the
kernel started.
"""

import json
import os
import re
from pathlib import Path

from . import session
from .messages import message

_HEADING = re.compile(r"^#+\s*(.+)$", re.M)


def exercises(nb):
    """``[(title, check cell source)]`` for every check cell of a notebook (JSON dict)."""
    found, title = [], None
    for cell in nb.get("cells", []):
        source = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "markdown":
            headings = _HEADING.findall(source)
            if headings:
                title = headings[-1].strip()
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "code" and meta.get("grade") and not meta.get("solution"):
            found.append((title or meta.get("grade_id", "?"), source))
    return found


def _notebook_path(path):
    """The notebook to read: ``path``, else the one JupyterLab started this kernel for."""
    path = path or os.environ.get("JPY_SESSION_NAME")
    if not path:
        return None
    path = Path(path)
    return path if path.is_absolute() else Path.cwd() / path.name


class Progress(list):
    """``[(exercise title, verdict), ...]``, already printed: as a cell's last value it shows nothing more."""

    def _ipython_display_(self):
        pass


def progress(path=None):
    """Print each exercise of this notebook with its verdict in the current kernel; return the rows."""
    notebook = _notebook_path(path)
    if notebook is None or not notebook.exists():
        print(message("progress_unknown"))
        return None
    rows = [(title, session.verdict_of(source) or "not attempted")
            for title, source in exercises(json.loads(notebook.read_text()))]
    labels = {"correct": message("label_correct"), "incorrect": message("label_incorrect"),
              "not attempted": message("label_not_attempted")}
    done = sum(verdict == "correct" for _, verdict in rows)
    print(message("progress_summary", done=done, total=len(rows)))
    for title, verdict in rows:
        print(f"  {labels[verdict]:<14} {title}")
    return Progress(rows)
