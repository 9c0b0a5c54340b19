"""Reading a submission and restoring its test and read-only cells from the source.

nbgrader's ``OverwriteCells`` replaces edited protected cells but cannot bring
back a deleted one. Here the notebook to execute is rebuilt on the chapter's
template: every template cell appears once, in template order; answer cells
(nbgrader ``solution``, matched by grade id) and ordinary cells (matched by
cell id) take the learner's source; test and read-only cells always take the
template's. Cells are matched by grade id, then cell id, then by position and
content (:func:`_match`), so a notebook without cell ids (Colab, nbformat < 4.5)
duplicates nothing. Cells the learner added are kept after the cell they
followed, as bare cells: no metadata at all (so they cannot add points or pose
as one of the grader's cells), no outputs, no attachments.
"""

import copy
import difflib
import json
import re
import warnings
from pathlib import Path

import nbformat

from .collect import MAX_NOTEBOOK_BYTES, Refused, read_regular
from ..cells import grade_id, is_protected, is_solution


class Unreadable(Exception):
    """The submission cannot be graded; the message says why."""


MAX_DEPTH_NOTE = "nested too deeply to be a notebook"
_BOOL_KEYS = ("grade", "solution", "locked", "task")
_GRADE_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,200}$")


def read_submission(path, root=None):
    """Parse and validate a submitted notebook, or raise :class:`Unreadable` with a reason.

    The file is read without following links (see ``collect.read_regular``; ``root``
    defaults to its folder), then checked with ``nbformat.validate`` and for the
    types the grader relies on, before anything else looks at it.
    """
    if path is None:
        raise Unreadable("no notebook submitted")
    path = Path(path)
    try:
        data = read_regular(path, root if root is not None else path.parent, MAX_NOTEBOOK_BYTES)
    except Refused as error:
        raise Unreadable(str(error)) from None
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
    except RecursionError:
        raise Unreadable(f"{path.name} is {MAX_DEPTH_NOTE}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        raise Unreadable(f"{path.name} is JSON but not a Jupyter notebook (no cell list)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nb = nbformat.reads(text, as_version=4, capture_validation_error={})
            nbformat.validate(nb)
    except RecursionError:
        raise Unreadable(f"{path.name} is {MAX_DEPTH_NOTE}") from None
    except Exception as error:  # nbformat raises many kinds on malformed notebooks
        message = str(getattr(error, "message", "") or error).splitlines()[0] if str(error) else ""
        raise Unreadable(f"{path.name} is not a valid notebook ({type(error).__name__}: {message})"[:300]) \
            from None
    for index, cell in enumerate(nb.cells):
        problem = _cell_problem(cell)
        if problem:
            raise Unreadable(f"{path.name}: cell {index} {problem}"[:300])
    return nb


def _cell_problem(cell):
    """What about ``cell`` the grader cannot rely on, or ``""``."""
    if cell.get("cell_type") not in ("code", "markdown", "raw"):
        return "has an unknown cell type"
    if not isinstance(cell.get("source", ""), str) or not isinstance(cell.get("metadata", {}), dict):
        return "is malformed"
    meta = cell.metadata.get("nbgrader")
    if meta is None:
        return ""
    if not isinstance(meta, dict):
        return f"has nbgrader metadata that is a {type(meta).__name__}, not a mapping"
    for key in _BOOL_KEYS:
        if key in meta and not isinstance(meta[key], bool):
            return f"has nbgrader {key!r} that is not true/false"
    gid = meta.get("grade_id")
    if gid is not None and (not isinstance(gid, str) or not _GRADE_ID.match(gid)):
        return "has an nbgrader grade_id that is not a plain name"
    points = meta.get("points")
    if points is not None and (isinstance(points, bool) or not isinstance(points, (int, float))):
        return "has nbgrader points that are not a number"
    return ""


def _key(cell):
    return ("grade", grade_id(cell)) if grade_id(cell) else ("id", cell.get("id"))


def _signature(cell):
    return (cell.cell_type, cell.source.strip())


def _match(submitted, template):
    """{template index: learner cell} and the learner cells left over, by template anchor.

    First by nbgrader grade id and cell id; then the rest (a notebook without cell ids,
    from Colab or nbformat < 4.5, or with ids of its own) by position: between two
    matched cells, ordinary cells are aligned by content, and a changed cell takes the
    place of the template cell of the same type at the same position.
    """
    first = {}
    for index, tcell in enumerate(template.cells):
        first.setdefault(_key(tcell), index)
    matched, anchors = {}, []
    for cell in submitted.cells:
        index = first.get(_key(cell))
        if index is not None and index not in matched and _key(cell)[1] is not None:
            matched[index] = cell
            anchors.append(index)
        else:
            anchors.append(None)
    # leftovers on both sides, grouped by the matched template cell before them
    learner_groups, anchor = {}, -1
    for cell, index in zip(submitted.cells, anchors):
        if index is None:
            learner_groups.setdefault(anchor, []).append(cell)
        else:
            anchor = index
    template_groups, anchor = {}, -1
    for index, tcell in enumerate(template.cells):
        if index in matched:
            anchor = index
        elif not grade_id(tcell):
            template_groups.setdefault(anchor, []).append(index)
    extras = {}
    for anchor, cells in learner_groups.items():
        slots = template_groups.get(anchor, [])
        paired = set()
        ops = difflib.SequenceMatcher(None, [_signature(template.cells[i]) for i in slots],
                                      [_signature(c) for c in cells], autojunk=False).get_opcodes()
        for tag, i1, i2, j1, j2 in ops:
            if tag not in ("equal", "replace"):
                continue
            for ti, lj in zip(range(i1, i2), range(j1, j2)):
                if template.cells[slots[ti]].cell_type == cells[lj].cell_type:
                    matched[slots[ti]] = cells[lj]
                    paired.add(lj)
        extras[anchor] = [c for j, c in enumerate(cells) if j not in paired]
    return matched, extras


def _added(cell):
    """A learner's own cell: its type and source only (no metadata, outputs or attachments)."""
    make = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell,
            "raw": nbformat.v4.new_raw_cell}[cell.cell_type]
    return make(source=cell.source)


def restore(submitted, template):
    """The notebook to execute, and notes on what was restored."""
    learner, extras = _match(submitted, template)
    notes, cells = [], []

    def add_extras(anchor):
        cells.extend(_added(c) for c in extras.get(anchor, []))

    add_extras(-1)
    for index, tcell in enumerate(template.cells):
        cell = copy.deepcopy(tcell)
        mine = learner.get(index)
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
        add_extras(index)
    nb = copy.deepcopy(template)
    nb.cells = []
    template_ids, seen = {c.get("id") for c in template.cells}, set()
    for index, cell in enumerate(cells):
        if cell.get("id") not in template_ids or cell.get("id") in seen:
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
