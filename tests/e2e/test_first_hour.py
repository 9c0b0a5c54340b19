"""A learner's first hour in JupyterLab, in Chromium (issues 24 and 21): "Correct" stands out in both
themes, a correct answer broken by a missing `)` is named by its check, and Validate answers with
the summary first, then one short heading per failing exercise.

(Run All on every untouched chapter, traceback-free, is ``test_jupyterlab.test_chapter_runs_for_a_learner``.)
"""

import re

import nbformat
import pytest

from autograder.authoring.notebooks import chapter_notebook
from autograder.cells import grade_id, is_solution
from autograder.grading.course import find_chapters
from autograder.grading.demo import solution, wrong_answers
from autograder.grading.scores import exercises
from autograder.learner.messages import message
from test_jupyterlab import (CONTRAST, KERNEL_TIMEOUT_MS, REPO, TRACEBACK_WALL, _answer_and_check, _expect,
                             _screenshot, _set_theme, is_answer, is_check, load, nbgrader, open_notebook, output_text,
                             run_all, solution_source, wait_for_idle_kernel)

pytestmark = pytest.mark.e2e

CHAPTER = "01_tensors"
STDOUT_OUTPUT = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stdout']"
# The "Correct" label: JupyterLab renders the kernel's 24-bit ANSI colours as inline styles.
LABEL = "span[style*='background-color']"


def _label_contrast(cells, check):
    """The WCAG contrast of the check cell's "Correct" label, and whether it has a colour of its own: an
    opaque background of its own, unlike the rest of the output."""
    output = cells.nth(check).locator(STDOUT_OUTPUT)
    label = output.locator(LABEL).first
    _expect()(label).to_have_text(message("label_correct"))
    background = "el => getComputedStyle(el).backgroundColor"
    own = label.evaluate(background).startswith("rgb(") and label.evaluate(background) != output.locator(
        "pre").first.evaluate(background)
    return label.evaluate(CONTRAST), own


def test_correct_is_marked_in_its_own_colour_and_a_syntax_error_is_named(page, lab_server):
    """Issue 24.5 and 21.6: after Run All, the first exercise answered correctly shows "Correct" as a
    label of its own colour (white on green, WCAG AA in the light and the dark theme); the same answer
    missing a `)` then makes its check say which error its cell raised, never "Correct"."""
    learner_path = chapter_notebook(lab_server.root / CHAPTER)
    path = learner_path.with_name("first_hour.ipynb")      # saved below: the chapter itself stays untouched
    path.write_bytes(learner_path.read_bytes())
    relpath = path.relative_to(lab_server.root).as_posix()
    learner = load(path)["cells"]
    answer = next(i for i, c in enumerate(learner) if is_answer(c))
    check = next(i for i in range(answer + 1, len(learner)) if is_check(learner[i]))
    source = solution_source(next(c for c in solution(find_chapters(REPO, only=[CHAPTER])[0]).cells
                                  if grade_id(c) == nbgrader(learner[answer])["grade_id"]))
    ratios = {}
    page.set_default_navigation_timeout(KERNEL_TIMEOUT_MS)
    try:
        cells = open_notebook(page, lab_server, relpath)
        _expect()(cells).to_have_count(len(learner))
        run_all(page, cells, learner)
        wait_for_idle_kernel(page)
        shown = _answer_and_check(page, cells, answer, check, source)
        assert shown.strip().startswith(message("label_correct") + ":"), shown
        ratios["JupyterLab Light"], own = _label_contrast(cells, check)
        assert own, "Correct is not marked in a colour of its own"
        cells.nth(check).scroll_into_view_if_needed()
        _screenshot(page, "correct_verdict_light")
        page.keyboard.press("ControlOrMeta+s")              # keep the verdict across the theme's reload
        tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text=path.name)
        _expect()(tab).not_to_have_class(re.compile("jp-mod-dirty"), timeout=60_000)
        _set_theme(page, lab_server, "JupyterLab Dark")
        cells = open_notebook(page, lab_server, relpath)
        _expect()(page.locator("body")).to_have_attribute("data-jp-theme-name", "JupyterLab Dark")
        cells.nth(check).scroll_into_view_if_needed()
        ratios["JupyterLab Dark"], own = _label_contrast(cells, check)
        assert own, "Correct is not marked in a colour of its own"
        _screenshot(page, "correct_verdict_dark")
    finally:
        _set_theme(page, lab_server, "JupyterLab Light")
    print("Correct label contrast (WCAG):", {k: round(v, 1) for k, v in ratios.items()})
    assert all(r >= 4.5 for r in ratios.values()), ratios

    try:
        broken = source.rstrip().rstrip(")")          # the correct answer, edited to miss its last `)`
        assert broken != source.rstrip()
        shown = _answer_and_check(page, cells, answer, check, broken)
        assert "SyntaxError" in output_text(cells.nth(answer))
        assert shown.strip().startswith(message("label_incorrect") + ":"), shown
        assert "raised an error the last time it ran (SyntaxError" in shown, shown
        assert message("label_correct") not in shown and TRACEBACK_WALL not in shown, shown
    finally:
        path.unlink()


def _two_failing(chapter):
    """The chapter's solutions with two answers broken: the first missing a `)` (SyntaxError), the
    second a realistic wrong answer; ``(notebook, titles of the two exercises)``."""
    nb = solution(chapter)
    answers = [c for c in nb.cells if is_solution(c) and not c.metadata["nbgrader"].get("grade")]
    cut = answers[0].source.rindex(")")                     # a correct answer, edited to miss its last `)`
    answers[0].source = answers[0].source[:cut] + answers[0].source[cut + 1:]
    answers[1].source = wrong_answers(REPO, chapter.name)[grade_id(answers[1])][0][0]
    return nb


def test_validate_gives_the_summary_then_one_heading_per_failing_exercise(page, lab_server):
    """Issue 24.6 and 21.6: Validate on a chapter where two exercises fail: the summary first, in a
    box of its own; then each failing exercise's heading once with its message (the broken answer's
    names its SyntaxError); nbgrader's "The following cell failed:" is not shown."""
    chapter = find_chapters(REPO, only=[CHAPTER])[0]
    path = lab_server.root / CHAPTER / "two_failing.ipynb"
    nbformat.write(_two_failing(chapter), path)
    total = sum(1 for c in load(path)["cells"] if is_check(c))
    titles = [e.title for e in exercises(chapter)[:2]]   # one answer cell each in this chapter
    page.set_default_navigation_timeout(KERNEL_TIMEOUT_MS)
    try:
        open_notebook(page, lab_server, path.relative_to(lab_server.root).as_posix())
        page.locator(".jp-NotebookPanel-toolbar").get_by_text("Validate").click()
        dialog = page.locator(".jp-Dialog", has_text="Validation Results")
        _expect()(dialog).to_be_visible(timeout=300_000)
        boxes = dialog.locator(".jp-RenderedText pre").all_inner_texts()
        shown = dialog.locator(".jp-Dialog-body").inner_text()
        _screenshot(page, "validate_two_failing")
        assert boxes[0].strip() == message("validate_summary", passed=total - 2, total=total), boxes
        assert "The following cell failed" not in shown, shown
        listing = boxes[1]
        assert [line for line in listing.splitlines() if line.startswith("Exercise ")] == titles, listing
        first, second = listing.split("\n\n")
        assert "SyntaxError" in first and first.splitlines()[1].startswith(message("label_incorrect") + ":")
        assert second.splitlines()[1].startswith(message("label_incorrect") + ":"), second
        bold = dialog.locator("strong").all_inner_texts()
        assert bold == titles, bold
        dialog.get_by_role("button", name=re.compile("Ok", re.I)).click()
    finally:
        path.unlink()
