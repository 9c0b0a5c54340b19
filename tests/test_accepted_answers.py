"""Other correct answers pass: a check enforces what its exercise asks, not the one way the solution wrote it.

Each chapter's ``tests/wrong_answers/NN_topic.py`` may list ``RIGHT_ANSWERS`` (answer grade_id ->
[answer cell source, ...]): answers that differ from the solution but do what the instructions ask.
Each runs in place of the solution, in the chapter's solution notebook executed in this process
(the learner's JupyterLab path: checks judge in the kernel), and its check cell, hidden checks
included, must pass.
"""

import runpy

import matplotlib
import pytest

from autograder.cells import grade_id, is_solution
from chapters import CHAPTERS, REPO, read, solution_path

matplotlib.use("Agg")


def right_answers(chapter):
    path = REPO / "tests" / "wrong_answers" / f"{chapter}.py"
    return runpy.run_path(str(path)).get("RIGHT_ANSWERS", {}) if path.exists() else {}


CASES = [(chapter, answer_id, k) for chapter in CHAPTERS
         for answer_id, sources in right_answers(chapter).items() for k in range(len(sources))]


@pytest.mark.parametrize(("chapter", "answer_id", "k"), CASES)
def test_another_correct_answer_passes_its_checks(chapter, answer_id, k, monkeypatch):
    monkeypatch.chdir(solution_path(chapter).parent)
    source = right_answers(chapter)[answer_id][k]
    namespace = {"__name__": "__main__"}
    cells = [c for c in read(solution_path(chapter)).cells if c.cell_type == "code"]
    ids = [grade_id(c) for c in cells]
    assert answer_id in ids and f"{answer_id}-check" in ids, f"{answer_id}: no such exercise in {chapter}"
    for cell in cells[:ids.index(f"{answer_id}-check") + 1]:
        code = source if grade_id(cell) == answer_id else cell.source
        exec(compile(code, grade_id(cell) or "<lesson cell>", "exec"), namespace)   # a failing check raises
