"""Reading a submission and restoring its test and read-only cells from the source.

nbgrader's ``OverwriteCells`` replaces edited protected cells but cannot bring
back a deleted one. Here the notebook to execute is rebuilt on the chapter's
template: every template cell appears once, in template order; answer cells
(nbgrader ``solution``, matched by grade id) and ordinary cells (matched by
cell id) take the learner's source; test and read-only cells always take the
template's. Cells the learner added are kept after the cell they followed,
without any nbgrader metadata (so they cannot add points).
"""

import copy
import json

import nbformat

from .course import grade_id, is_protected, is_solution


class Unreadable(Exception):
    """The submission cannot be graded; the message says why."""


def read_submission(path):
    """Parse a submitted notebook or raise :class:`Unreadable` with a reason."""
    if path is None:
        raise Unreadable("no notebook submitted")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise Unreadable(f"cannot read {path.name}: {error.strerror}") from None
    if not data.strip():
        raise Unreadable(f"{path.name} is empty")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Unreadable(f"{path.name} is not a text file (not UTF-8)") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise Unreadable(f"{path.name} is not valid JSON ({error.msg} at line {error.lineno})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        raise Unreadable(f"{path.name} is JSON but not a Jupyter notebook (no cell list)")
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as error:  # nbformat raises many kinds on malformed notebooks
        raise Unreadable(f"{path.name} is not a valid notebook ({type(error).__name__}: {error})"[:300]) \
            from None
    for cell in nb.cells:
        if not isinstance(cell.get("source", ""), str) or "cell_type" not in cell:
            raise Unreadable(f"{path.name} has a malformed cell")
    return nb


def _key(cell):
    return ("grade", grade_id(cell)) if grade_id(cell) else ("id", cell.get("id"))


def restore(submitted, template):
    """The notebook to execute, and notes on what was restored."""
    keys = {_key(c): c for c in template.cells}
    learner = {}
    extras = {}          # anchor key (None: top) -> learner cells added after it
    anchor = None
    for cell in submitted.cells:
        key = _key(cell)
        if key in keys and key not in learner:
            learner[key] = cell
            anchor = key
        else:
            extras.setdefault(anchor, []).append(cell)

    notes, cells = [], []

    def add_extras(key):
        for cell in extras.get(key, []):
            cell = copy.deepcopy(cell)
            cell.metadata.pop("nbgrader", None)
            cells.append(cell)

    add_extras(None)
    for key, tcell in keys.items():
        cell = copy.deepcopy(tcell)
        mine = learner.get(key)
        if is_protected(tcell):
            if mine is None:
                notes.append(f"restored deleted cell {grade_id(tcell) or tcell.id}")
            elif mine.source != tcell.source and not _same_visible(mine.source, tcell.source):
                notes.append(f"restored edited cell {grade_id(tcell) or tcell.id}")
        elif mine is not None and mine.cell_type == tcell.cell_type:
            cell.source = mine.source
        elif is_solution(tcell) and mine is None:
            notes.append(f"answer cell {grade_id(tcell)} missing: the starter was used")
        cells.append(cell)
        add_extras(key)
    nb = copy.deepcopy(template)
    nb.cells = []
    seen = set()
    for index, cell in enumerate(cells):
        if cell.get("id") in seen or not cell.get("id"):
            cell.id = f"added-{index:03d}"
        seen.add(cell.id)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        nb.cells.append(cell)
    return nb, notes


def _same_visible(submitted_source, template_source):
    """A learner's copy of a test cell lacks the hidden tests: that is not an edit."""
    marker = "### BEGIN HIDDEN TESTS"
    if marker not in template_source:
        return False
    head, _, rest = template_source.partition(marker)
    tail = rest.partition("### END HIDDEN TESTS")[2]
    return submitted_source.strip() == (head + tail).strip() or submitted_source.strip() == head.strip()
