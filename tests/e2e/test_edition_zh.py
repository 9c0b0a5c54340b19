"""The Chinese edition in the learner's JupyterLab, in headless Chromium (issue 15)."""

import pytest

from autograder.learner.i18n import speaking
from autograder.learner.messages import message
from autograder.learner.outcomes import labelled
from autograder.authoring.notebooks import chapter_notebook
from test_jupyterlab import (CHAPTERS, REPO, TRACEBACK_WALL, _expect, is_answer, is_check, load, nbgrader,
                             open_notebook, output_text, run_all, run_cell, solution_source, type_into,
                             wait_for_idle_kernel)

pytestmark = pytest.mark.e2e


def test_chinese_chapter_answers_its_checks_in_chinese(page, lab_server):
    """Issue 15 in Chromium: the Chinese edition of chapter 01 (notebooks/zh/, what `make lab EDITION=zh`
    opens) shows Chinese prose, and its checks answer in Chinese with no setup: "not attempted" after
    Run All, "correct" after the first exercise's answer, and the progress cell counts it."""
    chapter = CHAPTERS[0]
    learner_path = chapter_notebook(lab_server.root / "zh" / chapter)
    learner = load(learner_path)["cells"]
    assert load(learner_path)["metadata"]["lang"] == "zh"
    solution = load(chapter_notebook(REPO / "solutions" / chapter))["cells"]
    cells = open_notebook(page, lab_server, learner_path.relative_to(lab_server.root).as_posix())
    _expect()(cells).to_have_count(len(learner))
    _expect()(cells.first).to_contain_text("".join(learner[0]["source"]).splitlines()[0].lstrip("# "))
    run_all(page, cells, learner)
    wait_for_idle_kernel(page)
    answer = next(i for i, c in enumerate(learner) if is_answer(c))
    check = answer + 1
    with speaking("zh"):
        not_attempted, correct = labelled("label_not_attempted", ""), labelled("label_correct", "")
        exercises = sum(1 for c in learner if is_check(c))
        progress = message("progress_summary", done=1, total=exercises)
    shown = output_text(cells.nth(check))
    assert shown.strip().startswith(not_attempted), shown
    source = next(c for c in solution if nbgrader(c).get("grade_id") == nbgrader(learner[answer])["grade_id"])
    type_into(page, cells.nth(answer), solution_source(source))
    run_cell(page, cells.nth(answer))
    run_cell(page, cells.nth(check))
    shown = output_text(cells.nth(check))
    assert shown.strip().startswith(correct) and TRACEBACK_WALL not in shown, shown
    run_cell(page, cells.nth(len(learner) - 1))
    assert progress in output_text(cells.nth(len(learner) - 1))
