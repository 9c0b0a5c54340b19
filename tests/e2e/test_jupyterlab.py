"""The learner's JupyterLab, driven in headless Chromium (issue 7).

For every released chapter: open the learner notebook, wait for the kernel, click Run All
(it must reach the last cell: answers and checks are tagged ``raises-exception``), and check
what a learner sees (no traceback anywhere: an untouched answer says "Not attempted" in one line,
its check the plain "not attempted" message); then
answer the first exercise wrongly (one "Incorrect", no "Correct"), with a typo (the check says the
answer cell failed), and correctly (the confirming line, counted by "Your progress"). One more test checks
what ``make lab`` opens on: the chapters listed, no news pop-up, the course venv's kernel.
"""

import json
import os
import re
import sys
from pathlib import Path

import pytest

from autograder.grading.demo import wrong_answers
from autograder.learner.messages import message
from autograder.authoring.notebooks import chapter_notebook, chapters

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / ".artifacts"   # screenshots, with E2E_SCREENSHOTS=1
CHAPTERS = [folder.name for folder in chapters(REPO / "notebooks")]
CELL_TIMEOUT_MS = 120_000
KERNEL_TIMEOUT_MS = 90_000
IDLE = re.compile(r"\|\s*Idle")
TRACEBACK_WALL = "Traceback (most recent call last)"
NEWS_PROMPT = re.compile(r"Jupyter news", re.I)


def _expect():
    from playwright.sync_api import expect

    expect.set_options(timeout=CELL_TIMEOUT_MS)
    return expect


def load(path):
    return json.loads(Path(path).read_text())


def nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def is_answer(cell):
    return cell["cell_type"] == "code" and bool(nbgrader(cell).get("solution"))


def _screenshot(page, name):
    """With E2E_SCREENSHOTS=1, what the page shows now, saved as tests/.artifacts/<name>.png."""
    if os.environ.get("E2E_SCREENSHOTS"):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def is_check(cell):
    meta = nbgrader(cell)
    return cell["cell_type"] == "code" and bool(meta.get("grade")) and not meta.get("solution")


def solution_source(solution_cell):
    """The answer a learner would type: the solution cell without nbgrader's markers."""
    lines = "".join(solution_cell["source"]).splitlines()
    kept = [line for line in lines if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
    return "\n".join(kept).strip("\n")


def output_kinds(cell):
    """What the stored outputs of a solution cell show: 'text' and/or 'image'."""
    kinds = set()
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream" and "".join(output.get("text", "")).strip():
            kinds.add("text")
        data = output.get("data", {})
        if any(k.startswith("image/") for k in data):
            kinds.add("image")
        elif "text/plain" in data or "text/html" in data:
            kinds.add("text")
    return kinds


# ---------------------------------------------------------------------------- page helpers


def wait_for_idle_kernel(page):
    """The status bar's '| Idle': before it, a run request may be swallowed by a kernel dialog."""
    _expect()(page.locator("#jp-main-statusbar").get_by_text(IDLE)).to_be_visible(
        timeout=KERNEL_TIMEOUT_MS)


def open_notebook(page, lab_server, relpath):
    page.goto(lab_server.url(f"lab/tree/{relpath}?reset"))
    panel = page.locator(".jp-NotebookPanel").filter(has=page.locator(".jp-Cell"))
    _expect()(panel.first).to_be_visible(timeout=KERNEL_TIMEOUT_MS)
    wait_for_idle_kernel(page)
    return panel.first.locator(".jp-Notebook .jp-Cell")


def prompt_text(cell):
    return (cell.locator(".jp-InputArea-prompt").first.text_content() or "").strip()


WAIT_FOR_RUN = """([cell, before]) => {
    const text = cell.querySelector('.jp-InputArea-prompt').textContent.trim();
    return /^\\[\\d+\\]:$/.test(text) && text !== before;
}"""


def wait_until_run(page, handle, before="[ ]:"):
    """Wait until the cell's prompt shows an execution count other than ``before``."""
    page.wait_for_function(WAIT_FOR_RUN, arg=[handle, before], polling=50, timeout=CELL_TIMEOUT_MS)


def run_cell(page, cell):
    """Select ``cell`` by its prompt (command mode), Shift+Enter, wait until it has run."""
    before = prompt_text(cell)
    cell.locator(".jp-InputPrompt").first.click()
    page.keyboard.press("Shift+Enter")
    wait_until_run(page, cell.element_handle(), before)


def run_all(page, cells, notebook):
    """What a learner does first: Run > Run All Cells, then wait until the last code cell has run.

    Answer and check cells carry the ``raises-exception`` tag in the release, so JupyterLab goes
    on past the answers that still raise NotImplementedError and the checks that say so.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    cells.first.locator(".jp-InputPrompt").first.click()
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    handles = cells.element_handles()
    last = max(i for i, c in enumerate(notebook) if c["cell_type"] == "code")
    try:
        wait_until_run(page, handles[last])
    except PlaywrightTimeout:
        stuck = [i for i, (h, c) in enumerate(zip(handles, notebook)) if c["cell_type"] == "code"
                 and not re.match(r"^\[\d+\]:$", h.query_selector(".jp-InputArea-prompt").text_content().strip())]
        pytest.fail(f"Run All did not reach the last cell; cells that never ran: {stuck[:10]}")


def rendered_outputs(notebook_cells):
    """For every cell: its output text (no prompts) and how many of its images have loaded."""
    notebook_cells.page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-OutputArea-output img')].every(i => i.complete)")
    return notebook_cells.evaluate_all(
        """cells => cells.map(cell => {
            const outputs = [...cell.querySelectorAll('.jp-OutputArea-output')];
            const images = [...cell.querySelectorAll('.jp-OutputArea-output img')];
            return {
                text: outputs.map(o => o.textContent).join('\\n'),
                images: images.filter(i => i.complete && i.naturalWidth > 0).length,
            };
        })""")


def output_text(cell):
    return "\n".join(cell.locator(".jp-OutputArea-output").all_text_contents())


def type_into(page, cell, text):
    """Replace the content of ``cell``'s editor with ``text``, as pasted (no auto-indent)."""
    cell.locator(".cm-content").first.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.insert_text(text)
    _expect()(cell.locator(".cm-content").first).to_contain_text(text.splitlines()[0].strip())


def assert_no_news_prompt(page):
    toasts = page.locator(".Toastify__toast").filter(has_text=NEWS_PROMPT)
    assert toasts.count() == 0, "JupyterLab showed the news pop-up"


# ---------------------------------------------------------------------------- tests


def test_lab_opens_on_the_chapters_with_the_course_kernel(page, lab_server):
    """`make lab`: the file browser lists the first chapter, no news pop-up, and a new
    notebook runs in the course venv's kernel and imports the check library as is."""
    if not CHAPTERS:
        pytest.skip("no released chapter in notebooks/")
    expect = _expect()
    page.goto(lab_server.url("lab?reset"))
    listing = page.locator(".jp-DirListing-content")
    expect(listing.get_by_text(CHAPTERS[0], exact=True)).to_be_visible(timeout=KERNEL_TIMEOUT_MS)
    # The venv's overrides.json (installed by `make setup`) turns the news and update checks off.
    schema = lab_server.api("lab/api/settings/@jupyterlab/apputils-extension:notification")["schema"]
    defaults = {key: spec.get("default") for key, spec in schema["properties"].items()}
    assert defaults["fetchNews"] == "false" and defaults["checkForUpdates"] is False, defaults

    # A new notebook from the launcher gets the course's kernel by default, even though the
    # user's Jupyter data folder holds a `python3` kernel of its own (see conftest's DECOY_KERNEL).
    kernel = lab_server.api("api/kernelspecs")
    spec = kernel["kernelspecs"][kernel["default"]]["spec"]
    launcher = spec["argv"][0]  # "python" means the server's own interpreter, the venv's
    assert launcher in ("python", "python3") or Path(launcher).resolve().is_relative_to(
        Path(sys.prefix).resolve()), f"the default kernel is not the course venv's: {spec}"
    default = spec["display_name"]
    page.locator(".jp-LauncherCard[data-category='Notebook']").first.click()
    cells = page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell")
    expect(cells.first).to_be_visible(timeout=KERNEL_TIMEOUT_MS)
    wait_for_idle_kernel(page)
    expect(page.locator("#jp-main-statusbar")).to_contain_text(default)
    type_into(page, cells.first,
              "import sys, autograder\nprint(sys.prefix)\nprint(autograder.check_tensor.__name__)")
    run_cell(page, cells.first)
    shown = output_text(cells.first).split()
    assert shown == [sys.prefix, "check_tensor"], shown
    assert_no_news_prompt(page)
    # Nothing a learner does not need: no empty Nbgrader menu, no Jupytext launcher cards.
    menus = page.locator(".lm-MenuBar-itemLabel").all_text_contents()
    assert "Nbgrader" not in menus, menus
    page.goto(lab_server.url("lab?reset"))
    cards = page.locator(".jp-LauncherCard")
    expect(cards.first).to_be_visible(timeout=KERNEL_TIMEOUT_MS)
    titles = cards.evaluate_all("cs => cs.map(c => c.getAttribute('title') || c.textContent)")
    assert not [t for t in titles if "Text Notebook" in t or "Markdown" in t or "MyST" in t], titles


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_runs_for_a_learner(page, lab_server, chapter):
    """Run All on the untouched learner notebook, check what renders, then answer one exercise
    wrongly, with a typo, and correctly."""
    expect = _expect()
    learner_path = chapter_notebook(lab_server.root / chapter)
    learner = load(learner_path)["cells"]
    solution = {c.get("id"): c for c in load(chapter_notebook(REPO / "solutions" / chapter))["cells"]}
    by_grade_id = {nbgrader(c).get("grade_id"): c for c in solution.values() if nbgrader(c).get("grade_id")}

    relpath = learner_path.relative_to(lab_server.root).as_posix()
    cells = open_notebook(page, lab_server, relpath)
    expect(cells).to_have_count(len(learner))
    # The kernel the notebook names was started, with no "Select Kernel" dialog on the way.
    kernels = {s["path"]: s["kernel"]["name"] for s in lab_server.api("api/sessions")}
    assert kernels.get(relpath) == load(learner_path)["metadata"]["kernelspec"]["name"], kernels
    run_all(page, cells, learner)
    wait_for_idle_kernel(page)
    if os.environ.get("E2E_SCREENSHOTS"):   # what a learner sees after Run All: the first exercise and its check
        first_check = next(i for i, c in enumerate(learner) if is_check(c))
        cells.nth(first_check - 1).scroll_into_view_if_needed()
        _screenshot(page, f"run_all_{chapter}")

    problems = []
    label = message("label_not_attempted") + ":"
    stale = message("answer_failed", name="NAME", error="ERROR").split("NAME")[0]   # "the cell that defines "
    for index, (cell, shown) in enumerate(zip(learner, rendered_outputs(cells))):
        if cell["cell_type"] != "code":
            continue
        text = shown["text"]
        where = f"cell {index} ({nbgrader(cell).get('grade_id') or cell.get('id')})"
        lines = [line for line in text.splitlines() if line.strip()]
        if TRACEBACK_WALL in text:
            problems.append(f"{where} shows a traceback:\n{text[:1500]}")
        elif is_answer(cell):   # an untouched stub: one "not attempted" line, or nothing (a function's stub)
            if lines and lines != [f"{label} {message('stub_answer')}"]:
                problems.append(f"{where}: expected the stub's 'not attempted' line, got:\n{text[:1500]}")
        elif is_check(cell):
            if not any(line.startswith(label) for line in lines) or len(lines) > 6 or stale in text:
                problems.append(f"{where}: expected the plain 'not attempted' message, got:\n{text[:1500]}")
        else:
            kinds = output_kinds(solution.get(cell.get("id"), {}))
            if "text" in kinds and not text.strip():
                problems.append(f"{where}: the lesson's output is missing")
            if "image" in kinds and not shown["images"]:
                problems.append(f"{where}: the lesson's figure did not render")
    assert not problems, "\n\n".join(problems)
    exercises = sum(1 for c in learner if is_check(c))
    summary = message("progress_summary", done=0, total=exercises)
    last = output_text(cells.nth(len(learner) - 1))
    assert summary in last and last.count(message("label_not_attempted")) == exercises, last

    answer = next(i for i, c in enumerate(learner) if is_answer(c))
    check = next(i for i in range(answer + 1, len(learner)) if is_check(learner[i]))
    grade_id = nbgrader(learner[answer])["grade_id"]
    # A realistic wrong answer: one "Incorrect" that says what is wrong, and no "Correct".
    wrong, words = wrong_answers(REPO, chapter)[grade_id][0]
    shown = _answer_and_check(page, cells, answer, check, wrong.strip())
    incorrect = message("label_incorrect") + ":"
    assert shown.strip().startswith(incorrect) and shown.count(incorrect) == 1, shown
    assert words in shown and message("label_correct") not in shown, shown
    # The answer cell now fails (a typo): the check says so instead of grading the older value.
    shown = _answer_and_check(page, cells, answer, check, wrong.strip() + "\nundefined_name")
    assert "raised an error the last time it ran" in shown and message("label_correct") not in shown, shown
    # One correct answer: type the solution of the first exercise, re-run it and its check.
    type_into(page, cells.nth(answer), solution_source(by_grade_id[grade_id]))
    run_cell(page, cells.nth(answer))
    run_cell(page, cells.nth(check))
    shown = output_text(cells.nth(check))
    assert shown.strip().startswith(message("label_correct") + ":"), shown
    assert TRACEBACK_WALL not in shown, shown
    assert TRACEBACK_WALL not in output_text(cells.nth(answer)), output_text(cells.nth(answer))
    run_cell(page, cells.nth(len(learner) - 1))      # "Your progress" counts it
    last = output_text(cells.nth(len(learner) - 1))
    assert message("progress_summary", done=1, total=exercises) in last, last
    # nbgrader's Validate stays, for the learner's own check before submitting
    _expect()(page.locator(".jp-NotebookPanel-toolbar").get_by_text("Validate")).to_be_visible()
    assert_no_news_prompt(page)


# WCAG 2 contrast of a verdict's text against what is really behind it: translucent
# backgrounds (the dark theme's error background is one) are composited up to an opaque one.
CONTRAST = """el => {
    const rgba = s => { const v = (s.match(/[\\d.]+/g) || []).map(Number); return v.length === 3 ? [...v, 1] : v; };
    const over = (top, under) => { const a = top[3]; return [0, 1, 2].map(i => top[i] * a + under[i] * (1 - a)).concat([1]); };
    const lum = c => {
        const f = x => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); };
        return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
    };
    const text = el.querySelector('pre') || el;
    const layers = [];
    for (let node = text; node; node = node.parentElement) {
        const c = rgba(getComputedStyle(node).backgroundColor);
        if (c.length === 4 && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let back = [255, 255, 255, 1];
    for (const layer of layers.reverse()) back = over(layer, back);
    const fore = over(rgba(getComputedStyle(text).color), back);
    const [a, b] = [lum(fore), lum(back)];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""
VERDICT_OUTPUT = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"


def _set_theme(page, lab_server, theme):
    response = page.request.put(lab_server.url("lab/api/settings/@jupyterlab/apputils-extension:themes"),
                                data=json.dumps({"raw": json.dumps({"theme": theme})}),
                                headers={"Content-Type": "application/json"})
    assert response.ok, response.text()


def _answer_and_check(page, cells, answer, check, source):
    type_into(page, cells.nth(answer), source)
    run_cell(page, cells.nth(answer))
    run_cell(page, cells.nth(check))
    return output_text(cells.nth(check))


def test_check_cells_give_one_readable_verdict_and_notice_a_failed_answer(page, lab_server):
    """Issue 12 in Chromium, on chapter 02's first exercise (a check cell of five checks):
    a wrong answer gives one "Incorrect" and no "Correct"; after an answer cell that raised, the
    check says so instead of grading the older value; verdicts keep 4.5:1 contrast in the light
    and the dark theme."""
    chapter = "02_autograd"
    learner_path = chapter_notebook(lab_server.root / chapter)
    learner = load(learner_path)["cells"]
    answer = next(i for i, c in enumerate(learner) if is_answer(c))
    check = answer + 1
    wrong = wrong_answers(REPO, chapter)
    gid = nbgrader(learner[answer])["grade_id"]
    relpath = learner_path.relative_to(lab_server.root).as_posix()
    ratios = {}
    try:
        for theme in ("JupyterLab Light", "JupyterLab Dark"):
            _set_theme(page, lab_server, theme)
            cells = open_notebook(page, lab_server, relpath)
            _expect()(cells).to_have_count(len(learner))
            run_all(page, cells, learner)
            wait_for_idle_kernel(page)
            source, _words = next(w for w in wrong[gid] if "misses" in w[1])   # passes 3 checks, fails the 4th
            shown = _answer_and_check(page, cells, answer, check, source.strip())
            assert message("label_incorrect") + ":" in shown and message("label_correct") not in shown, shown
            ratios[theme] = cells.nth(check).locator(VERDICT_OUTPUT).first.evaluate(CONTRAST)
        # an answer cell that fails now, after an earlier attempt that ran
        shown = _answer_and_check(page, cells, answer, check, 'tracked = {"h", "s", "g"} | {undefined_name}')
        assert "raised an error the last time it ran" in shown, shown
        assert message("label_correct") not in shown, shown
        ratios["not attempted (dark)"] = cells.nth(check).locator(VERDICT_OUTPUT).first.evaluate(CONTRAST)
    finally:
        _set_theme(page, lab_server, "JupyterLab Light")
    print("verdict contrast (WCAG):", {k: round(v, 1) for k, v in ratios.items()})
    assert all(r >= 4.5 for r in ratios.values()), ratios


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_an_untouched_chapter_opens_unmodified_and_closes_without_asking_to_save(page, lab_server, chapter):
    """Open a chapter, let its kernel start and report its language, close it: nothing to save.

    JupyterLab copies the kernel's kernelspec and language_info into the notebook it opens and
    marks it modified when they differ from the stored ones (autograder/authoring/notebooks.py,
    autograder/learner/kernel.py)."""
    learner_path = chapter_notebook(lab_server.root / chapter)
    relpath = learner_path.relative_to(lab_server.root).as_posix()
    cells = open_notebook(page, lab_server, relpath)
    _expect()(cells).to_have_count(len(load(learner_path)["cells"]))
    tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text=learner_path.name)
    _expect()(tab).to_be_visible()
    # JupyterLab writes the kernel's info into the notebook when the kernel's info promise resolves; a
    # callback chained after it runs once that write is done (the page exposes the app for this test)
    dirty = page.evaluate("""async () => {
        const panel = window.jupyterapp.shell.currentWidget;
        await panel.sessionContext.ready;
        await panel.sessionContext.session.kernel.info;
        return panel.context.model.dirty; }""")
    assert not dirty and "jp-mod-dirty" not in (tab.get_attribute("class") or ""), \
        "the untouched notebook is marked modified once its kernel has reported"
    tab.locator(".lm-TabBar-tabCloseIcon").click()
    # a notebook with unsaved changes asks before closing and stays open until answered
    page.wait_for_function("""name => document.querySelector(".jp-Dialog") || ![...document.querySelectorAll(
        ".lm-DockPanel-tabBar .lm-TabBar-tab")].some(tab => tab.textContent.includes(name))""",
                           arg=learner_path.name, timeout=10_000)
    dialogs = page.locator(".jp-Dialog")
    assert dialogs.count() == 0, f"closing asked: {dialogs.first.text_content()}"
    _expect()(tab).to_have_count(0)


def test_validate_names_the_failing_exercises_and_says_how_many_checks_pass(page, lab_server):
    """The Validate button on an untouched chapter: a summary first, each failing exercise by its
    heading with its verdict, and no check cell's source (autograder/learner/lab_validate.py)."""
    chapter = "02_autograd"
    learner_path = chapter_notebook(lab_server.root / chapter)
    learner = load(learner_path)["cells"]
    checks = sum(1 for c in learner if is_check(c))
    cells = open_notebook(page, lab_server, learner_path.relative_to(lab_server.root).as_posix())
    _expect()(cells).to_have_count(len(learner))
    page.locator(".jp-NotebookPanel-toolbar").get_by_text("Validate").click()
    dialog = page.locator(".jp-Dialog", has_text="Validation Results")
    _expect()(dialog).to_be_visible(timeout=CELL_TIMEOUT_MS)
    shown = dialog.locator(".jp-Dialog-body").inner_text()
    assert f"0 of {checks} checks pass" in shown, shown
    assert shown.count(message("label_not_attempted") + ":") == checks, shown
    assert "check_" not in shown, "the dialog repeats check cells' source:\n" + shown
    widest = max(len(line) for line in shown.splitlines())
    assert widest <= 100, f"a line of {widest} characters does not fit the dialog:\n{shown}"
    dialog.get_by_role("button", name=re.compile("Ok", re.I)).click()
