"""A sample class built from the course itself, for ``make grade-demo`` and ``make bench``.

For every released chapter (solution = ``solutions/NN/x.ipynb``, starter =
``notebooks/NN/x.ipynb``), into ``<folder>/<learner>/<chapter>/x.ipynb``:

=========  ===============================================================
ada        the solutions
ben        the untouched starters
cy         wrong answers (``tests/wrong_answers/NN.py``) in the starter
dee        solutions, but a test cell edited to ``pass`` and another deleted
eve        the first chapter's file is corrupt JSON; solutions elsewhere
fay        the first chapter's first answer loops forever; solutions elsewhere
gil        the solutions, submitted a day after the first chapter's due date
=========  ===============================================================

Every submission has nbgrader's ``timestamp.txt``: before ``DEMO_DUE`` (the
first chapter's due date in ``make grade-demo``), except gil's.

``bench=True`` keeps ada, ben and cy only (stock nbgrader cannot grade the others
meaningfully) and repeats the others ``copies`` times.
"""

import runpy
from pathlib import Path

import nbformat

from ..authoring.notebooks import without_outputs
from ..cells import grade_id, is_protected, is_solution
from .course import find_chapters

EXPECTED_STATUS = {"ada": "graded", "ben": "graded", "cy": "graded", "dee": "graded",
                   "eve": "unreadable", "fay": "timeout", "gil": "late"}
DEMO_DUE = "2026-01-15T23:59Z"
ON_TIME, LATE = "2026-01-15 20:00:00 UTC", "2026-01-17 02:30:00 UTC"


def _answers(nb):
    return [c for c in nb.cells if is_solution(c) and not c.metadata["nbgrader"].get("grade")]


def solution(chapter):
    """The solution notebook as a learner would submit it (release structure, answers filled)."""
    source = nbformat.read(chapter.source_path, as_version=4)
    answers = {grade_id(c): c.source for c in source.cells if is_solution(c)}
    nb = without_outputs(nbformat.read(chapter.release_path, as_version=4))
    for cell in nb.cells:
        if is_solution(cell) and grade_id(cell) in answers:
            cell.source = answers[grade_id(cell)]
    return nb


def starter(chapter):
    return without_outputs(nbformat.read(chapter.release_path, as_version=4))


def wrong_answers(course_root, chapter_name):
    """A chapter's ``tests/wrong_answers/NN.py`` table: answer grade id -> [(source, message part), ...]."""
    path = Path(course_root) / "tests" / "wrong_answers" / f"{chapter_name}.py"
    return runpy.run_path(str(path))["WRONG_ANSWERS"] if path.exists() else {}


def wrong(chapter, course_root):
    """The starter with one realistic wrong answer per exercise (first listed)."""
    nb = starter(chapter)
    table = wrong_answers(course_root, chapter.name)
    right = {grade_id(c): c.source for c in solution(chapter).cells if is_solution(c)}
    for number, cell in enumerate(_answers(nb)):
        options = table.get(grade_id(cell))
        if options:
            cell.source = options[0][0]
        elif not table and number % 2 == 0:
            cell.source = right.get(grade_id(cell), cell.source)   # no table: half right
    return nb


def edited_tests(chapter):
    nb = solution(chapter)
    tests = [c for c in nb.cells if is_protected(c) and c.metadata["nbgrader"].get("grade")]
    if tests:
        tests[0].source = "pass  # the learner made the check always pass\n"
    if len(tests) > 1:
        nb.cells.remove(tests[1])
    return nb


def infinite_loop(chapter):
    nb = solution(chapter)
    answers = _answers(nb)
    if answers:
        answers[0].source = "while True:\n    pass\n"
    return nb


def build(course_root, folder, *, bench=False, copies=1, chapters=None):
    """Write the sample class into ``folder``; return the list of learners."""
    folder = Path(folder)
    found = find_chapters(course_root, only=chapters)
    kinds = dict.fromkeys(("ada", "ben", "cy") if bench else EXPECTED_STATUS)
    learners = []
    for copy_index in range(copies):
        for kind in kinds:
            learner = kind if copies == 1 else f"{kind}{copy_index + 1}"
            learners.append(learner)
            for index, chapter in enumerate(found):
                target = folder / learner / chapter.name / f"{chapter.topic}.ipynb"
                target.parent.mkdir(parents=True, exist_ok=True)
                (target.parent / "timestamp.txt").write_text((LATE if kind == "gil" else ON_TIME) + "\n")
                if kind == "eve" and index == 0:
                    target.write_text('{"cells": [{"cell_type": "code", "source": "x = 1"\n')
                    continue
                nb = {"ada": solution, "ben": starter, "dee": edited_tests}.get(kind)
                if kind == "cy":
                    nb = wrong(chapter, course_root)
                elif kind == "fay":
                    nb = infinite_loop(chapter) if index == 0 else solution(chapter)
                elif kind in ("eve", "gil"):
                    nb = solution(chapter)
                else:
                    nb = nb(chapter)
                nbformat.write(nb, target)
    return learners
