"""Helpers for tests that work on the course's chapters (not a test module)."""

import copy
import re
import runpy
import shutil
from pathlib import Path

from autograder.authoring.solutions import read  # noqa: F401 - re-exported for the chapter tests
from autograder.grading import demo
from autograder.cells import grade_id, is_solution
from autograder.authoring.notebooks import chapter_notebook, chapters

# a terminal colour code in a stored output (Correct's label is coloured)
ANSI = re.compile(r"\x1b\[[0-9;]*m")

REPO = Path(__file__).resolve().parent.parent
CHAPTERS = [folder.name for folder in chapters(REPO / "solutions")]


def solution_path(chapter):
    return chapter_notebook(REPO / "solutions" / chapter)


def release_path(chapter):
    return chapter_notebook(REPO / "notebooks" / chapter)


def wrong_answers(chapter):
    """The chapter's WRONG_ANSWERS: answer grade_id -> [(source, expected message part), ...]."""
    return demo.wrong_answers(REPO, chapter)


def correct_answers(chapter):
    """The chapter's CORRECT_ANSWERS (tests/correct_answers/): answer grade_id -> [source, ...], each written
    another way than the solution."""
    path = REPO / "tests" / "correct_answers" / f"{chapter}.py"
    return runpy.run_path(str(path))["CORRECT_ANSWERS"] if path.exists() else {}


def answer_cells(nb):
    return [c for c in nb.cells if is_solution(c)]


def check_cells(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


def with_answers(nb, answers):
    """A copy of ``nb`` whose answer cells named in ``answers`` (grade_id -> source) are replaced."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if grade_id(cell) in answers:
            cell.source = answers[grade_id(cell)]
    return nb


def scratch_course(tmp_path, chapter):
    """A throwaway nbgrader course holding one chapter's source notebook and data."""
    course = tmp_path / "course"
    (course / "solutions").mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", course)
    shutil.copytree(REPO / "solutions" / chapter, course / "solutions" / chapter,
                    ignore=shutil.ignore_patterns("*.py", "__pycache__", ".ipynb_checkpoints"))
    return course
