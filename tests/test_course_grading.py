"""Every chapter through the course's own grader: no false "tampered", no lost points.

The tamper detector watches torch's namespace, so a chapter that makes torch
rebind something by itself (importing torch._dynamo wraps torch.manual_seed)
must still grade the solution as full marks.
"""

import asyncio
import concurrent.futures
import shutil

import pytest

from autograder.grading.pipeline import grade
from chapters import CHAPTERS, REPO, check_cells, read, release_path, solution_path


@pytest.mark.slow
def test_course_grade_gives_solutions_full_marks_and_starters_zero(tmp_path):
    submitted = tmp_path / "submitted"
    for chapter in CHAPTERS:
        for learner, source in (("solution", solution_path(chapter)), ("starter", release_path(chapter))):
            folder = submitted / learner / chapter
            folder.mkdir(parents=True)
            shutil.copy(source, folder / source.name)
    report = grade(REPO, submitted, out_dir=tmp_path / "out", jobs=2, progress=False)
    problems = []
    for chapter in CHAPTERS:
        max_score = sum(c.metadata["nbgrader"]["points"] for c in check_cells(read(release_path(chapter))))
        solution, starter = report.row("solution", chapter), report.row("starter", chapter)
        if (solution.status, solution.score) != ("graded", max_score):
            problems.append(f"{chapter} solution: {solution.status} {solution.score}/{max_score} {solution.reasons}")
        if (starter.status, starter.score) != ("graded", 0):
            problems.append(f"{chapter} starter: {starter.status} {starter.score} {starter.reasons}")
    assert not problems, "\n".join(problems)


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
