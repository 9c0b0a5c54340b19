"""Every chapter: sources in sync, release in sync, exercises well formed, and graded honestly.

The grading round trip uses nbgrader's own ``autograde`` on a scratch course:
the solution scores full marks and the untouched starter scores 0 with every
check saying "Not attempted". Every realistic wrong answer (tests/wrong_answers/)
is judged in the learner's kernel by tests/test_edition_messages.py (its message
in both editions) and by ``course grade`` in tests/test_course_grading.py.
"""

import re

import nbformat
import pytest

from autograder.grading.grades import read_scores
from autograder.authoring.notebooks import cell_signature, read_script
from autograder.authoring.release import generate
from autograder.paths import run_nbgrader as nbgrader
from chapters import (CHAPTERS, REPO, answer_cells, check_cells, grade_id, read, release_path,
                      scratch_course, solution_path, wrong_answers)

pytestmark = pytest.mark.parametrize("chapter", CHAPTERS)

SOLUTION_RE = re.compile(r"### BEGIN SOLUTION(.*?)### END SOLUTION", re.S)
HIDDEN_RE = re.compile(r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", re.S)


def test_script_and_notebook_hold_the_same_cells(chapter):
    notebook = solution_path(chapter)
    assert cell_signature(read_script(notebook.with_suffix(".py"))) == cell_signature(read(notebook)), (
        f"{notebook.with_suffix('.py').name} and {notebook.name} differ: run `make outputs`")


def test_released_notebook_matches_a_fresh_release_byte_for_byte(chapter, tmp_path):
    generate(REPO, tmp_path / "release", only=[chapter])
    fresh = (tmp_path / "release" / chapter / release_path(chapter).name).read_bytes()
    assert release_path(chapter).read_bytes() == fresh, "notebooks/ is out of date: run `make release`"
    assert sorted(p.name for p in (tmp_path / "release" / chapter).iterdir()) == sorted(
        p.name for p in release_path(chapter).parent.iterdir())


def test_release_contains_no_solution_or_hidden_test_text(chapter):
    released = release_path(chapter).read_text()
    source = read(solution_path(chapter))
    assert not list(release_path(chapter).parent.glob("*.py")), "a percent script leaked into notebooks/"
    for cell in source.cells:
        for block in SOLUTION_RE.findall(cell.source) + HIDDEN_RE.findall(cell.source):
            for line in block.strip().splitlines():
                if len(line.strip()) > 12:  # short lines (`return x`) may legitimately appear in lessons
                    assert line.strip() not in released, f"{grade_id(cell)}: {line.strip()!r} reached the release"


def test_every_exercise_has_a_check_cell_with_points_and_hidden_tests(chapter):
    cells = read(solution_path(chapter)).cells
    answers = [i for i, c in enumerate(cells) if c.metadata.get("nbgrader", {}).get("solution")]
    assert answers, "a chapter without exercises"
    for index in answers:
        answer_id = grade_id(cells[index])
        check = cells[index + 1]
        meta = check.metadata.get("nbgrader", {})
        assert meta.get("grade_id") == f"{answer_id}-check", f"{answer_id}: the next cell must be its check"
        assert meta.get("grade") and meta.get("locked") and meta.get("points", 0) > 0
        assert HIDDEN_RE.search(check.source), f"{answer_id}: no hidden tests"
        assert "hidden=True" in HIDDEN_RE.search(check.source).group(1), f"{answer_id}: hidden checks must hide"


def test_every_exercise_has_realistic_wrong_answers(chapter):
    answers = {grade_id(c) for c in answer_cells(read(solution_path(chapter)))}
    wrong = wrong_answers(chapter)
    assert set(wrong) == answers, f"wrong answers missing for {sorted(answers - set(wrong))}"
    for answer_id, cases in wrong.items():
        assert cases and all(source.strip() and expected for source, expected in cases), answer_id


def test_chapter_needs_at_least_five_exercises(chapter):
    assert len(answer_cells(read(solution_path(chapter)))) >= 5


def _outcome(cell):
    """(ename, evalue) of a check cell's error output, or None when it passed."""
    errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
    return (errors[0].ename, errors[0].evalue) if errors else None


@pytest.mark.slow
def test_nbgrader_round_trip_gives_the_solution_full_marks_and_the_starter_nothing(chapter, tmp_path):
    course = scratch_course(tmp_path, chapter)
    result = nbgrader(["generate_assignment", chapter, "--force"], course)
    assert result.returncode == 0, result.stderr
    released = course / "release" if (course / "release").exists() else course / "notebooks"
    starter = read(released / chapter / release_path(chapter).name)
    name = release_path(chapter).name
    submissions = {"solution": read(solution_path(chapter)), "starter": starter}
    for learner, nb in submissions.items():
        folder = course / "submitted" / learner / chapter
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / name))
    result = nbgrader(["autograde", chapter, "--create"], course)
    assert result.returncode == 0, result.stdout + result.stderr

    scores = read_scores(course / "gradebook.db", chapter)
    problems = []
    max_score = sum(c.metadata["nbgrader"]["points"] for c in check_cells(starter))
    if scores["solution"]["total"] != max_score:
        problems.append(f"solution scored {scores['solution']['total']} of {max_score}: {scores['solution']}")
    if scores["starter"]["total"] != 0:
        problems.append(f"untouched starter scored {scores['starter']['total']}")
    graded = read(course / "autograded" / "starter" / chapter / name)
    for cell in check_cells(graded):
        outcome = _outcome(cell)
        if not outcome or outcome[0] != "NotAttempted":
            problems.append(f"starter {grade_id(cell)}: expected NotAttempted, got {outcome}")
    assert not problems, "\n".join(problems)
