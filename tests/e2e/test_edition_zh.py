"""The Chinese edition in the learner's JupyterLab, in headless Chromium (issue 15)."""

import pytest

from autograder.learner.i18n import speaking
from autograder.learner.messages import message
from autograder.learner.outcomes import labelled
from autograder.authoring.notebooks import chapter_notebook
from needs import need
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


# Added above the first cell before Run All: records what each figure says as the inline backend
# displays it (its plain-text form is asked for with its image); a cell added at the end lists it.
# The backend is set up first: setting itself up, it drops any figure formatter set before.
RECORD_FIGURES = """\
%matplotlib inline
from matplotlib.figure import Figure
_figure_texts = []
def _record_figure(fig, printer, cycle):
    texts = [fig.get_suptitle()]
    for ax in fig.axes:
        legend = ax.get_legend()
        texts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), *(t.get_text() for t in (legend.get_texts() if legend else []))]
    _figure_texts.append([t for t in texts if t])
    printer.text(repr(fig))
get_ipython().display_formatter.formatters["text/plain"].for_type(Figure, _record_figure)"""
LIST_FIGURES = "import json\nprint(json.dumps(_figure_texts, ensure_ascii=False))"


def test_chinese_chapter_04_draws_and_prints_in_chinese(page, lab_server):
    """Issue 23 in Chromium: Run All on the Chinese chapter 04 draws every plot with Chinese titles, axis
    labels and legends (the figures' own texts, as the kernel displayed them) and prints Chinese words;
    no English label of the chapter's plots is left. E2E_SCREENSHOTS=1 keeps the rendered figures."""
    import json
    import os
    import re

    from autograder.authoring.catalogues import code_texts
    from autograder.learner import notebook_text

    need(notebook_text.installed_font(notebook_text.FONTS["zh"]) is not None,
         "no Chinese font for matplotlib: apt-get install fonts-noto-cjk (make test does it as root)")
    chapter = "04_training"
    learner_path = chapter_notebook(lab_server.root / "zh" / chapter)
    learner = load(learner_path)["cells"]
    cells = open_notebook(page, lab_server, learner_path.relative_to(lab_server.root).as_posix())
    _expect()(cells).to_have_count(len(learner))
    cells.first.locator(".jp-InputPrompt").first.click()
    page.keyboard.press("Escape")
    page.keyboard.press("a")                                       # a new cell above the first
    _expect()(cells).to_have_count(len(learner) + 1)
    type_into(page, cells.first, RECORD_FIGURES)
    notebook = [{"cell_type": "code"}, *learner]
    run_all(page, cells, notebook)
    wait_for_idle_kernel(page)

    last = cells.nth(len(notebook) - 1)
    last.locator(".jp-InputPrompt").first.click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")                                       # a new cell below the last
    _expect()(cells).to_have_count(len(notebook) + 1)
    listing = cells.nth(len(notebook))
    type_into(page, listing, LIST_FIGURES)
    run_cell(page, listing)
    figures = json.loads(output_text(listing).strip())

    english = [re.escape(t).replace(r"\{", "{").replace(r"\}", "}") for t in code_texts(REPO)]
    english = [re.compile(re.sub(r"\{[^{}]*\}", ".+", t)) for t in english]
    assert len(figures) == 4, figures
    for texts in figures:
        words = [t for t in texts if not t.strip().isdigit()]    # the digits above each training image
        assert words, texts
        assert all(re.search(r"[\u4e00-\u9fff]", t) for t in words), texts
        assert not [t for t in words for pattern in english if pattern.fullmatch(t)], texts
    printed = "\n".join(output_text(cells.nth(i)) for i in range(len(notebook)))
    assert "测试准确率 >= 0.95： True" in printed and "test accuracy" not in printed
    if os.environ.get("E2E_SCREENSHOTS"):
        import base64

        from conftest import ARTIFACTS

        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        sources = cells.locator(".jp-OutputArea-output img").evaluate_all("images => images.map(i => i.src)")
        for index, source in enumerate(sources):
            (ARTIFACTS / f"zh-04-figure-{index + 1}.png").write_bytes(base64.b64decode(source.split(",", 1)[1]))
