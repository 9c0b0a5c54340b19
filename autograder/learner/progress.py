"""``progress()``: how far a learner is in a chapter, from the checks run in this kernel.

The released notebooks end with a cell that calls it. It reads the notebook the
kernel belongs to (JupyterLab tells the kernel its path in ``JPY_SESSION_NAME``),
finds every exercise (its heading and its check cell) and prints one line each:
correct, incorrect or not attempted, as the check cell last answered since the
kernel started.
"""

import json
import re
import unicodedata

from . import session
from .messages import is_wide, message
from ..paths import kernel_notebook

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def check_cells_with_headings(nb):
    """``[(heading, cell)]``: every check cell of a notebook (JSON dict or nbformat node) with the
    last heading above it (None before the first)."""
    found, heading = [], None
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            headings = _HEADING.findall("".join(cell.get("source", "")))
            heading = headings[-1] if headings else heading
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "code" and meta.get("grade") and not meta.get("solution"):
            found.append((heading, cell))
    return found


def exercises(nb):
    """``[(title, check cell source)]`` for every check cell of a notebook."""
    return [(heading or cell["metadata"]["nbgrader"].get("grade_id", "?"), "".join(cell.get("source", "")))
            for heading, cell in check_cells_with_headings(nb)]


def plain_title(heading):
    """A heading without its Markdown marks (code spans, bold): "Exercise 2.1: new_ones follows its tensor"."""
    return (heading or "").replace("`", "").replace("**", "")


class Progress(list):
    """``[(exercise title, verdict), ...]``, already printed: as a cell's last value it shows nothing more."""

    def _ipython_display_(self):
        pass


def progress(path=None):
    """Print each exercise of this notebook with its verdict in the current kernel; return the rows."""
    notebook = kernel_notebook(path)
    if notebook is None or not notebook.exists():
        print(message("progress_unknown"))
        return None
    rows = [(title, session.verdict_of(source) or "not attempted")
            for title, source in exercises(json.loads(notebook.read_text()))]
    labels = {"correct": message("label_correct"), "incorrect": message("label_incorrect"),
              "not attempted": message("label_not_attempted")}
    done = sum(verdict == "correct" for _, verdict in rows)
    print(message("progress_summary", done=done, total=len(rows)))
    column = max(14, *(display_width(label) for label in labels.values())) + 1
    for title, verdict in rows:
        print(f"  {padded(labels[verdict], column)}{title}")
    return Progress(rows)


def display_width(text):
    """Columns ``text`` takes in a monospaced font: a Chinese character takes two."""
    return sum(2 if is_wide(char) else 0 if unicodedata.combining(char) else 1 for char in text)


def padded(text, width):
    """``text`` followed by spaces up to ``width`` columns (by display width, not characters)."""
    return text + " " * max(width - display_width(text), 1)
