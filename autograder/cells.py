"""What a course notebook's cell is to nbgrader: an answer, a check, a protected cell, and its grade id."""


def is_solution(cell):
    """An answer cell: the learner writes its code (nbgrader ``solution``)."""
    return bool(cell.metadata.get("nbgrader", {}).get("solution"))


def is_protected(cell):
    """A test (grade, not solution) or read-only cell: always taken from the source."""
    meta = cell.metadata.get("nbgrader", {})
    return bool(meta.get("locked") or (meta.get("grade") and not meta.get("solution")))


def is_check_cell(cell):
    """A code cell that is graded and holds no solution: an exercise's check."""
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def grade_id(cell):
    """The cell's stable nbgrader id (``tensors-zeros-long``), or None."""
    return cell.metadata.get("nbgrader", {}).get("grade_id")
