"""Checks accept every correct answer, not only the solution's way of writing it (issue 27).

tests/correct_answers/NN_topic.py holds at least two correct answers per exercise (some more), written another
way than the solution (another function, another spelling, numpy.float64 where a Python number is
asked). Every check must say "Correct" to each of them: in the learner's kernel (the solution notebook
with its hidden checks, run cell by cell as JupyterLab runs it, every alternative tried in turn before
the exercise's own answer) and through `course grade`, where each round puts one alternative into every
answer cell, handed in from both editions: full marks.
"""

import copy
import os
import shutil

import nbformat
import pytest
from nbclient import NotebookClient
from nbgrader.utils import determine_grade

from autograder.authoring.notebooks import without_outputs

from chapters import CHAPTERS, answer_cells, check_cells, correct_answers, grade_id, read, release_path, solution_path
from graded_class import CORRECT_ROUNDS, editions_by_round, graded_class


def _error(cell):
    errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
    return f"{errors[0].ename}: {errors[0].evalue}" if errors else None


def tries_notebook(chapter):
    """The solution notebook (visible and hidden checks) where, before each exercise's own answer, every
    correct alternative is run followed by the exercise's check cell, as a learner tries one version after
    another in one kernel; each such check cell is tagged with ``[grade_id, k]`` in ``alternative``."""
    nb = read(solution_path(chapter))
    table = correct_answers(chapter)
    cells = []
    for index, cell in enumerate(nb.cells):
        gid = grade_id(cell)
        if gid in table:
            check = nb.cells[index + 1]
            for k, source in enumerate(table[gid]):
                cells.append(nbformat.v4.new_code_cell(source, metadata=copy.deepcopy(cell.metadata)))
                cells.append(nbformat.v4.new_code_cell(check.source, metadata={"alternative": [gid, k]}))
        cells.append(cell)
    nb.cells = cells
    return without_outputs(nb)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_exercise_has_correct_answers_unlike_the_solution(chapter):
    solution = {grade_id(c): c.source for c in answer_cells(read(solution_path(chapter)))}
    table = correct_answers(chapter)
    assert set(table) == set(solution), f"correct answers missing for {sorted(set(solution) - set(table))}"
    for gid, sources in table.items():
        assert len(sources) >= CORRECT_ROUNDS, f"{gid}: fewer than {CORRECT_ROUNDS} correct answers"
        body = solution[gid].split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0].strip()
        assert all(body not in source for source in sources), f"{gid}: an alternative repeats the solution"


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_correct_answers_pass_every_check_in_the_learners_kernel(chapter, tmp_path):
    """Every alternative, each followed by its check (hidden checks included), in one kernel run top to bottom."""
    folder = tmp_path / chapter
    shutil.copytree(solution_path(chapter).parent, folder,
                    ignore=shutil.ignore_patterns("*.py", "__pycache__", ".ipynb_checkpoints"))
    nb = tries_notebook(chapter)
    NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True, record_timing=False,
                   resources={"metadata": {"path": str(folder)}}).execute(env={**os.environ, "OMP_NUM_THREADS": "1"})
    tried = [c for c in nb.cells if "alternative" in c.metadata]
    assert len(tried) == sum(len(v) for v in correct_answers(chapter).values())
    failed = [f"{gid} alternative {k}: {_error(c)}" for c in tried if _error(c) for gid, k in [c.metadata.alternative]]
    failed += [f"{grade_id(c)} (the solution, after the alternatives): {_error(c)}" for c in check_cells(nb) if _error(c)]
    assert not failed, "\n".join(failed)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The shared class (tests/graded_class.py): for every chapter, a learner per round of correct answers,
    round k handed in from edition k mod 2 (so each edition grades its share; tests/test_bilingual_grading.py
    shows that the same answers grade alike from either edition)."""
    return graded_class(tmp_path_factory)


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_course_grade_gives_correct_answers_full_marks_from_either_edition(graded, chapter):
    max_score = sum(c.metadata["nbgrader"]["points"] for c in check_cells(read(release_path(chapter))))
    problems = []
    for k, edition in enumerate(editions_by_round()):
        learner = f"{edition}-round{k}"
        row = graded["report"].row(learner, chapter)
        if (row.status, row.score) != ("graded", max_score):
            problems.append(f"{learner}: {row.status} {row.score}/{max_score} {row.reasons}")
        nb = read(graded["out"] / "autograded" / learner / chapter / release_path(chapter).name)
        for cell in check_cells(nb):
            points = cell.metadata["nbgrader"]["points"]
            if determine_grade(cell)[0] != points or _error(cell):
                problems.append(f"{learner} {grade_id(cell)}: {determine_grade(cell)[0]}/{points} {_error(cell)}")
    assert not problems, "\n".join(problems)
