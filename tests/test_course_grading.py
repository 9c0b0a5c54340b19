"""Every chapter through the course's own grader (issue 10's trusted judging, end to end).

The solution scores full marks, the untouched starter 0 with "Not attempted" at every
check, and every realistic wrong answer (tests/wrong_answers/) 0 on its exercise with
the same message as in JupyterLab: its evidence crossed from the learner's kernel to the
grader, inputs (gradients included) crossed the other way, and the grader judged. A
re-grade reuses the recorded reference and gives the same grades.
"""

import asyncio
import concurrent.futures
import shutil

import pytest

from autograder.grading.pipeline import grade
from nbgrader.utils import determine_grade

from chapters import CHAPTERS, REPO, check_cells, grade_id, read, release_path, solution_path, wrong_answers
from graded_class import GENEROUS_LIMITS, graded_class


def _outcome(cell):
    errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
    return (errors[0].ename, errors[0].evalue) if errors else None


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The shared class (tests/graded_class.py): per chapter, learners ``solution``, ``starter`` and ``wrong{k}``
    (round k: the k-th wrong answer of each exercise that has one) among others."""
    return {**graded_class(tmp_path_factory), "wrong": {chapter: wrong_answers(chapter) for chapter in CHAPTERS}}


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_course_grade_judges_solution_starter_and_wrong_answers(graded, chapter):
    report, out = graded["report"], graded["out"]
    problems = []
    max_score = sum(c.metadata["nbgrader"]["points"] for c in check_cells(read(release_path(chapter))))
    solution, starter = report.row("solution", chapter), report.row("starter", chapter)
    if (solution.status, solution.score) != ("graded", max_score):
        problems.append(f"solution: {solution.status} {solution.score}/{max_score} {solution.reasons}")
    if (starter.status, starter.score) != ("graded", 0):
        problems.append(f"starter: {starter.status} {starter.score} {starter.reasons}")
    name = release_path(chapter).name
    for cell in check_cells(read(out / "autograded" / "starter" / chapter / name)):
        if (_outcome(cell) or ("",))[0] != "NotAttempted":
            problems.append(f"starter {grade_id(cell)}: expected NotAttempted, got {_outcome(cell)}")
    for k in range(max(len(cases) for cases in graded["wrong"][chapter].values())):
        cells = {grade_id(c): c for c in read(out / "autograded" / f"wrong{k}" / chapter / name).cells}
        for answer_id, cases in graded["wrong"][chapter].items():
            if len(cases) <= k:
                continue
            cell, expected = cells[f"{answer_id}-check"], cases[k][1]
            outcome = _outcome(cell)
            if determine_grade(cell)[0] != 0:
                problems.append(f"wrong{k} {answer_id}: wrong answer {cases[k][0]!r} scored points")
            if not outcome or outcome[0] != "Incorrect" or expected not in outcome[1]:
                problems.append(f"wrong{k} {answer_id}: expected Incorrect mentioning {expected!r}, got {outcome}")
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_regrading_one_learner_reuses_the_reference_and_keeps_the_grades(graded, tmp_path):
    first = {(r.learner, r.chapter): r.score for r in graded["report"].rows}
    out = tmp_path / "out"   # a copy: the shared class stays as graded for the other tests
    shutil.copytree(graded["out"], out)
    again = grade(REPO, graded["submitted"], out_dir=out, jobs=2, progress=False, learners=["wrong0"],
                  limits=GENEROUS_LIMITS, insecure=True)
    assert all(cached for _seconds, cached in again.references.values()) and again.references
    assert {(r.learner, r.chapter): r.score for r in again.rows} == {
        k: v for k, v in first.items() if k[0] == "wrong0"}


@pytest.mark.slow
def test_grade_works_where_an_event_loop_is_already_running(tmp_path):
    """An instructor calling grade() from a notebook (or a test after Playwright) has a running loop."""
    folder = tmp_path / "submitted" / "ana" / CHAPTERS[0]
    folder.mkdir(parents=True)
    shutil.copy(solution_path(CHAPTERS[0]), folder)

    async def inside_a_loop():
        return grade(REPO, tmp_path / "submitted", out_dir=tmp_path / "out", jobs=1, progress=False,
                     chapters=[CHAPTERS[0]])

    # A thread of its own, so that the test does not depend on what loop this worker already has.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        report = pool.submit(asyncio.run, inside_a_loop()).result()
    assert report.row("ana", CHAPTERS[0]).status == "graded"
