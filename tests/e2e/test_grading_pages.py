"""What an instructor opens after grading, in Chromium (issue 24, items 1 and 7).

One small class (ada: the solutions of chapters 01 and 02) is graded once for the module. Then:
``make formgrader`` is started the way an instructor starts it, from the repository through make,
and must list every graded chapter (started in the repository, formgrader used to read the
course's own ``nbgrader_config.py`` and list nothing), say which class it opened, open the class
graded last when no ``OUT`` is given, and say how to grade one when there is none; a feedback page
opened from disk must render its formulas and make no request outside ``file://``, and its
exercise links must land on the learner's answer.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest

from autograder.grading import sandbox
from autograder.grading.course import find_chapters
from autograder.grading.demo import solution
from autograder.grading.last_class import NOTE_ENV

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
CHAPTERS = ["01_tensors", "02_autograd"]
LIMITS = replace(sandbox.Limits(), cell_timeout_s=30.0, submission_timeout_s=300.0)
START_S = 180
# the address `make formgrader` prints (the server's own log says it too, with "token=..." hidden)
ADDRESS = r"http://127\.0\.0\.1:\d+/formgrader\?token=\w+"
ARTIFACTS = REPO / "tests" / ".artifacts"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A class of one learner, graded into ``out`` (what ``make grade`` writes)."""
    import nbformat

    from autograder.grading.pipeline import grade

    root = tmp_path_factory.mktemp("class")
    for chapter in find_chapters(REPO, only=CHAPTERS):
        target = root / "submitted" / "ada" / chapter.name / f"{chapter.topic}.ipynb"
        target.parent.mkdir(parents=True)
        nbformat.write(solution(chapter), target)
    out = root / "out"
    grade(REPO, root / "submitted", out_dir=out, jobs=2, chapters=CHAPTERS, limits=LIMITS, progress=False)
    return out


def _ctrl_c_reaches_it():
    """Let SIGINT stop the child as a terminal's Ctrl-C does: a test run started in the background
    (``make test &``, some CI runners) ignores SIGINT, and that is inherited, so ``finish`` waited 600 s."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Formgrader:
    """``make formgrader ...`` run from the repository, as an instructor runs it; stopped with Ctrl-C.
    ``PORT=0``: the server takes a free port itself and the address printed names it."""

    def __init__(self, note, *make_args):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
        env[NOTE_ENV] = str(note)        # the class graded last, noted here rather than in the repository
        self.process = subprocess.Popen(["make", "--no-print-directory", "formgrader", "PORT=0",
                                         *make_args], cwd=REPO, env=env, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True, preexec_fn=_ctrl_c_reaches_it)
        self.lines = []

    def read_until(self, pattern, timeout=START_S):
        """The first line of its output matching ``pattern`` (everything it printed on failure)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line and self.process.poll() is not None:
                break
            self.lines.append(line)
            if re.search(pattern, line):
                return line
        pytest.fail(f"make formgrader never printed {pattern!r}:\n{''.join(self.lines)[-4000:]}")

    def wait_for_server(self, url, timeout=START_S):
        """Wait until the address it printed answers (printed once the server has its port, before it answers)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with urllib.request.urlopen(url, timeout=10):
                    return url
            except OSError:
                time.sleep(1)
        pytest.fail(f"formgrader never answered at {url}:\n{''.join(self.lines)[-4000:]}")

    def exit_code(self, timeout=300):
        """Wait for it to end by itself; its exit code, with all it printed kept in ``lines``."""
        rest, _ = self.process.communicate(timeout=timeout)
        self.lines.append(rest or "")
        return self.process.returncode

    def finish(self, timeout=600):
        """Ctrl-C (SIGINT to its process group), then wait for the export; all it printed."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
        try:
            rest, _ = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            rest, _ = self.process.communicate()
        return "".join(self.lines) + (rest or "")


def _assignments_listed(page, url, chapters):
    page.goto(url, timeout=120_000)
    table = page.locator("table")
    for chapter in chapters:
        page.get_by_role("link", name=chapter, exact=True).first.wait_for(timeout=60_000)
    return table.first.inner_text()


def test_formgrader_opens_the_class_given_and_lists_every_graded_chapter(graded, browser, tmp_path):
    """`make formgrader OUT=...` from the repository; the class's folder also holds a copy of the
    course's nbgrader_config.py (as when OUT is the repository itself): formgrader lists both chapters."""
    shutil.copy(REPO / "nbgrader_config.py", graded / "nbgrader_config.py")
    server = Formgrader(tmp_path / "no-note.json", f"OUT={graded}")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        said = server.read_until(r"^formgrader on ")
        assert f"the folder given, {graded}" in said and all(c in said for c in CHAPTERS), said
        url = server.wait_for_server(server.read_until(ADDRESS).strip())
        page = context.new_page()
        listed = _assignments_listed(page, url, CHAPTERS)
        assert all(chapter in listed for chapter in CHAPTERS), listed
        assert "course id has not been set" not in page.inner_text("body")
        page.get_by_role("link", name="Manual Grading").click()
        for chapter in CHAPTERS:
            page.get_by_role("link", name=chapter, exact=True).first.wait_for(timeout=60_000)
        if os.environ.get("E2E_SCREENSHOTS"):
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "formgrader_manual_grading.png"))
    finally:
        context.close()
        printed = server.finish()
        (graded / "nbgrader_config.py").unlink()
    assert "wrote:" in printed and "report.html" in printed, printed[-3000:]


def test_formgrader_opens_the_class_graded_last_or_says_how_to_grade_one(graded, browser, tmp_path):
    note = tmp_path / "last-graded.json"
    server = Formgrader(note)     # no class graded yet
    assert server.exit_code() != 0
    printed = "".join(server.lines)
    assert "no graded class yet" in printed and "make grade-demo" in printed and "make grade SUBMISSIONS=" in printed

    note.write_text(json.dumps({"out": str(graded), "database": False}))   # what make grade notes
    server = Formgrader(note)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        said = server.read_until(r"^formgrader on ")
        assert f"the class graded last, {graded}" in said, said
        url = server.wait_for_server(server.read_until(ADDRESS).strip())
        listed = _assignments_listed(context.new_page(), url, CHAPTERS)
        assert all(chapter in listed for chapter in CHAPTERS), listed
    finally:
        context.close()
        server.finish()


def test_feedback_works_offline_and_its_links_land_on_the_answer(graded, browser):
    """A learner opens chapter 02's feedback from disk, offline: every formula is drawn (MathML), no
    request leaves file://, and an exercise's link scrolls to the learner's answer cell."""
    path = graded / "feedback" / "ada" / "02_autograd" / "autograd.html"
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    outside = []

    def offline(route):
        if not route.request.url.startswith(("file://", "data:")):
            outside.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", offline)
    try:
        page = context.new_page()
        page.goto(path.as_uri(), wait_until="networkidle")   # every request the page makes has been routed
        assert outside == [], f"the feedback page asked the network for {outside}"
        formulas = page.locator("math")
        assert formulas.count() >= 10
        sizes = formulas.evaluate_all("ms => ms.map(m => m.getBoundingClientRect().height)")
        assert all(h > 0 for h in sizes), sizes
        lessons = page.locator(".text_cell_render").all_inner_texts()
        assert not [t for t in lessons if re.search(r"\$[^$\s][^$]*\$", t)], "TeX left undrawn"
        link = page.locator("#exercises a").first
        target = link.get_attribute("href")
        assert target.startswith("#comment-"), target
        link.click()
        page.wait_for_function("() => window.scrollY > 0")
        answer = page.locator(f"a[name='{target[1:]}'] + .panel-heading")
        assert "answer" in answer.inner_text().lower()
        top = answer.evaluate("el => el.getBoundingClientRect().top")
        assert -2 <= top < 200, f"the answer's heading is {top}px from the top of the window"
    finally:
        context.close()
