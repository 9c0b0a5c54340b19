"""Grading hardening (issue 11): no submitted file can stop the class, leak, or reach past its sandbox.

One grading round over a class of 01_tensors submissions: two honest ones (which must keep
their exact grades) beside one fixture per item (tests/fixtures/hardening/, regenerate with
make_fixtures.py), plus what git cannot hold as it is: a notebook that is a link to the
solution, a FIFO, a data file that links to the gradebook, a learner folder named like a
formula. A second, small round grades an LMS zip. The feedback built from a hostile
submission is opened in Chromium, which must run none of its script. Sandbox limits are
tested on direct jail runs in test_sandbox_limits.py.
"""

import csv
import io
import json
import os
import shutil
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from autograder.grading import sandbox
from autograder.grading.collect import ArchiveRefused, collect, from_zip, lms_regexp
from autograder.grading.course import chapter_title, find_chapters
from autograder.grading.restore import Unreadable, read_submission, restore
from autograder.grading.grades import csv_text

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "hardening"
HONEST = REPO / "tests" / "fixtures" / "grading"
CHAPTER, TOPIC = "01_tensors", "tensors"
LIMITS = sandbox.Limits(cell_timeout_s=10.0, submission_timeout_s=90.0, output_bytes=200_000)
FULL = find_chapters(REPO, only=[CHAPTER])[0].max_score
# learner -> (status, score, words in the first reason)
EXPECTED = {
    "solution-pass-all-answers": ("graded", FULL, None),
    "starter-fail-untouched": ("graded", 0.0, None),
    "boundary-fail-nbgrader-metadata-string": ("unreadable", None, "nbgrader metadata that is a str"),
    "boundary-fail-grade-id-list": ("unreadable", None, "grade_id that is not a plain name"),
    "boundary-fail-deeply-nested": ("unreadable", None, "nested too deeply"),
    "restore-pass-added-cell-with-grader-metadata": ("graded", FULL, None),
    "restore-pass-no-cell-ids": ("graded", FULL, None),
    "feedback-pass-hidden-marker-in-answer": ("graded", FULL, None),
    "feedback-pass-hostile-html": ("graded", FULL, None),
    "link-fail-notebook-is-a-symlink": ("unreadable", None, "symbolic link"),
    "link-fail-notebook-is-a-fifo": ("unreadable", None, "a FIFO"),
    "link-pass-data-file-symlink-not-copied": ("graded", FULL, None),
}


@pytest.fixture(scope="module")
def chapter():
    return find_chapters(REPO, only=[CHAPTER])[0]


def _fixture(name):
    return (FIXTURES if (FIXTURES / f"{name}.ipynb").exists() else HONEST) / f"{name}.ipynb"


def _folder(root, learner):
    folder = root / learner / CHAPTER
    folder.mkdir(parents=True)
    return folder / f"{TOPIC}.ipynb"


def _class(root, out):
    for name in EXPECTED:
        if not name.startswith("link-"):
            shutil.copy(_fixture(name), _folder(root, name))
    os.symlink(REPO / "solutions" / CHAPTER / f"{TOPIC}.ipynb", _folder(root, "link-fail-notebook-is-a-symlink"))
    os.mkfifo(_folder(root, "link-fail-notebook-is-a-fifo"))
    target = _folder(root, "link-pass-data-file-symlink-not-copied")
    shutil.copy(_fixture("solution-pass-all-answers"), target)
    out.mkdir()
    (out / "gradebook.db").write_text("not yet")   # the link exists before the run
    os.symlink(out / "gradebook.db", target.parent / "data.csv")
    (target.parent / "notes.txt").write_text("a plain data file")
    shutil.copy(_fixture("solution-pass-all-answers"), _folder(root, "=HYPERLINK(1)"))
    return root


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from autograder.grading.pipeline import grade

    base = tmp_path_factory.mktemp("hardening")
    out = base / "out"
    submitted = _class(base / "submitted", out)
    (out / "gradebook.db").unlink()
    report = grade(REPO, submitted, out_dir=out, jobs=2, chapters=[CHAPTER], limits=LIMITS, progress=False)
    return {"report": report, "out": out, "submitted": submitted}


# ------------------------------------------------------------------ fast: no kernels


@pytest.mark.parametrize("name", [n for n, (status, _, _) in EXPECTED.items()
                                  if status == "unreadable" and not n.startswith("link-")])
def test_malformed_notebook_is_unreadable_with_a_reason(name):
    with pytest.raises(Unreadable, match=EXPECTED[name][2]):
        read_submission(_fixture(name))


def test_notebook_without_cell_ids_matches_the_template_without_duplicates(chapter):
    nb, _notes = restore(read_submission(_fixture("restore-pass-no-cell-ids")), chapter.template)
    assert [c.cell_type for c in nb.cells] == [c.cell_type for c in chapter.template.cells]
    assert sum("# my note" in c.source for c in nb.cells) == 1   # the learner's edit of a demo cell is kept


def test_added_cell_keeps_no_metadata(chapter):
    nb, _notes = restore(read_submission(_fixture("restore-pass-added-cell-with-grader-metadata")),
                         chapter.template)
    [mine] = [c for c in nb.cells if c.source == "mine = 1\n"]
    assert mine.metadata == {} and mine.id.startswith("added-")


def test_a_link_and_a_fifo_are_refused_without_being_opened(tmp_path):
    os.symlink(REPO / "solutions" / CHAPTER / f"{TOPIC}.ipynb", tmp_path / "link.ipynb")
    os.mkfifo(tmp_path / "fifo.ipynb")
    with pytest.raises(Unreadable, match="symbolic link"):
        read_submission(tmp_path / "link.ipynb", root=tmp_path)
    with pytest.raises(Unreadable, match="a FIFO"):
        read_submission(tmp_path / "fifo.ipynb", root=tmp_path)   # would block if it were opened
    (tmp_path / "sub").symlink_to(REPO / "solutions" / CHAPTER)
    with pytest.raises(Unreadable, match="symbolic link"):
        read_submission(tmp_path / "sub" / f"{TOPIC}.ipynb", root=tmp_path)


def test_linked_learner_and_chapter_folders_are_refused(tmp_path, chapter):
    root = tmp_path / "submitted"
    (root / "bo").mkdir(parents=True)
    (root / "bo" / CHAPTER).symlink_to(REPO / "solutions" / CHAPTER)
    (root / "cy").symlink_to(REPO / "solutions")
    found, rejected = collect(root, [chapter], tmp_path / "work")
    assert [(s.learner, s.notebook, s.refused) for s in found] == [
        ("bo", None, f"bo/{CHAPTER}/ is a symbolic link: refused")]
    assert rejected == [("cy", "cy/ is a symbolic link: refused")]


def test_lms_names_keep_learner_ids_with_underscore_at_plus_and_dot(chapter):
    import re

    pattern = re.compile(lms_regexp([chapter]))
    for learner in ("ana.b@uni.edu", "j_doe+x", "a_b_c", "x-y"):
        match = pattern.match(f"{CHAPTER}_{learner}_attempt_2024-05-01-10-00-00_{TOPIC}.ipynb")
        assert match and match["student_id"] == learner and match["chapter"] == CHAPTER
    match = pattern.match(f"ana_b_attempt_2024-05-01-10-00-00_{TOPIC}.ipynb")   # no chapter prefix
    assert match["student_id"] == "ana_b" and match["chapter"] is None


def test_zip_bomb_and_too_many_entries_are_refused_with_a_clear_error(tmp_path, chapter):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{CHAPTER}_ana_attempt_2024-05-01-10-00-00_{TOPIC}.ipynb", b"\0" * (8 * 1024**2))
    assert bomb.stat().st_size < 100_000
    with pytest.raises(ArchiveRefused, match="zip bomb"):
        from_zip(bomb, [chapter], tmp_path / "w1", max_bytes=4 * 1024**2)
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as zf:
        for i in range(30):
            zf.writestr(f"f{i}.txt", "x")
    with pytest.raises(ArchiveRefused, match="30 entries"):
        from_zip(many, [chapter], tmp_path / "w2", max_entries=20)


def test_csv_cells_that_start_like_a_formula_are_neutralised():
    rows = [{"learner": name, "total": "1", "status": status}
            for name, status in (("=1+1", "ok"), ("+x", "-3"), ("@SUM(A1)", "\tx"), ("\rx", "ok"), ("ana", "ok"))]
    parsed = list(csv.reader(io.StringIO(csv_text(["learner", "total", "status"], rows), newline="")))
    assert [r[0] for r in parsed[1:]] == ["'=1+1", "'+x", "'@SUM(A1)", "' x", "ana"]
    assert [r[2] for r in parsed[1:]] == ["ok", "'-3", "'\tx", "ok", "ok"]


# ------------------------------------------------------------------ slow: grading rounds


@pytest.mark.slow
@pytest.mark.parametrize("learner", sorted(EXPECTED))
def test_every_fixture_gets_its_row_and_honest_ones_their_exact_grades(graded, learner):
    row = graded["report"].row(learner, CHAPTER)
    status, score, words = EXPECTED[learner]
    assert (row.status, row.score) == (status, score), row.reasons
    if words:
        assert words in row.reasons[0], row.reasons


@pytest.mark.slow
def test_reports_are_written_and_rejected_names_never_become_rows(graded):
    out = graded["out"]
    rows = {r["learner"]: r for r in csv.DictReader((out / "grades.csv").open())}
    assert set(rows) == set(EXPECTED)
    assert set(json.loads((out / "grading-status.json").read_text())) == set(EXPECTED)
    assert [name for name, _why in graded["report"].rejected] == ["=HYPERLINK(1)"]
    for row in rows.values():
        assert not any(str(v).startswith(("=", "+", "-", "@", "\t", "\r")) for v in row.values()), row


@pytest.mark.slow
def test_a_data_file_that_links_elsewhere_is_not_copied(graded):
    row = graded["report"].row("link-pass-data-file-symlink-not-copied", CHAPTER)
    assert any("data.csv is a symbolic link" in r for r in row.reasons), row.reasons
    assert graded["report"].row("link-fail-notebook-is-a-symlink", CHAPTER).score is None
    assert not (graded["out"] / "feedback" / "link-fail-notebook-is-a-symlink").exists()


@pytest.mark.slow
def test_hidden_test_marker_in_an_answer_does_not_break_feedback(graded, chapter):
    html = (graded["out"] / "feedback" / "feedback-pass-hidden-marker-in-answer" / CHAPTER / f"{TOPIC}.html")
    text = html.read_text()
    hidden = [line.strip() for c in chapter.template.cells if "### BEGIN HIDDEN TESTS" in c.source
              for line in c.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
              .splitlines() if line.strip()]
    import html as html_lib

    assert hidden and not [line for line in hidden if line in html_lib.unescape(text)]


class _Scripts(HTMLParser):
    """What in a page could run script: event-handler attributes, javascript: URLs, script bodies."""

    def __init__(self):
        super().__init__()
        self.found, self._in_script = [], False

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith(("javascript:", "data:text/html")):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_data(self, data):
        if self._in_script and "XSS" in data:
            self.found.append(f"<script>{data[:60]}")

    def handle_endtag(self, tag):
        self._in_script = False


@pytest.mark.slow
def test_feedback_html_keeps_no_script_from_a_hostile_submission(graded):
    html = (graded["out"] / "feedback" / "feedback-pass-hostile-html" / CHAPTER / f"{TOPIC}.html").read_text()
    parser = _Scripts()
    parser.feed(html)
    assert parser.found == []
    assert "My notes" in html and "&lt;img src=x onerror=" in html   # the learner's text stays, as text


@pytest.mark.slow
@pytest.mark.e2e
def test_hostile_feedback_runs_no_script_in_chromium(graded, browser):
    page_file = graded["out"] / "feedback" / "feedback-pass-hostile-html" / CHAPTER / f"{TOPIC}.html"
    messages, dialogs = [], []
    page = browser.new_page()
    try:
        page.on("console", lambda m: messages.append(m.text))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.route("**/*", lambda route: route.abort() if not route.request.url.startswith("file:")
                   else route.continue_())   # offline, as a learner's mail client might be
        page.goto(page_file.as_uri(), wait_until="load")
        # every image has loaded or failed, so any onerror= handler has had its turn (no fixed wait)
        page.wait_for_function("() => [...document.images].every(i => i.complete)")
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)))")
        title = page.title()
        shown = page.inner_text("body")
        links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    finally:
        page.close()
    assert title == chapter_title(find_chapters(REPO, only=[CHAPTER])[0]), title   # not the learner's <title>
    assert not [m for m in messages if "XSS" in m] and not dialogs
    assert "My notes" in shown and "bold" in shown   # the learner's text is there, as text
    assert not [h for h in links if h.strip().lower().startswith("javascript:")]


@pytest.fixture(scope="module")
def zipped(tmp_path_factory):
    from autograder.grading.pipeline import grade

    base = tmp_path_factory.mktemp("hardening-zip")
    archive = base / "lms.zip"
    name = f"{CHAPTER}_{{}}_attempt_{{}}_{TOPIC}.ipynb"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(_fixture("starter-fail-untouched"), name.format("ana.b@uni.edu", "2024-05-01-10-00-00"))
        zf.write(_fixture("solution-pass-all-answers"), name.format("ana.b@uni.edu", "2024-05-02-09-00-00"))
        zf.writestr(zipfile.ZipInfo(f"ana.b@uni.edu/{CHAPTER}/{TOPIC}.ipynb", date_time=(2024, 4, 30, 0, 0, 0)),
                    _fixture("starter-fail-untouched").read_bytes())   # the folder layout, an older attempt
        zf.write(_fixture("starter-fail-untouched"), name.format("j_doe+x", "2024-05-01-10-00-00"))
        link = zipfile.ZipInfo(name.format("lnk", "2024-05-01-10-00-00"), date_time=(2024, 5, 1, 0, 0, 0))
        link.create_system, link.external_attr = 3, (0o120777 << 16)
        zf.writestr(link, str(REPO / "solutions" / CHAPTER / f"{TOPIC}.ipynb"))
    report = grade(REPO, archive, out_dir=base / "out", jobs=2, chapters=[CHAPTER], limits=LIMITS,
                   progress=False)
    return {"report": report, "archive": archive, "base": base}


@pytest.mark.slow
def test_lms_zip_grades_one_attempt_per_learner_the_latest(zipped):
    report = zipped["report"]
    assert {(r.learner, r.chapter) for r in report.rows} == {
        ("ana.b@uni.edu", CHAPTER), ("j_doe+x", CHAPTER), ("lnk", CHAPTER)}
    ana = report.row("ana.b@uni.edu", CHAPTER)
    assert (ana.status, ana.score) == ("graded", FULL), ana.reasons
    assert "latest of 3 attempts" in ana.reasons[0] and "2024-05-01-10-00-00" in ana.reasons[0]
    assert (report.row("j_doe+x", CHAPTER).status, report.row("j_doe+x", CHAPTER).score) == ("graded", 0.0)
    lnk = report.row("lnk", CHAPTER)
    assert lnk.status == "unreadable" and "symbolic link" in lnk.reasons[0]


def test_same_zip_gives_the_same_choice_every_time(tmp_path, chapter):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:   # same timestamp twice: the name breaks the tie
        for file_id in ("tensors.ipynb", "tensors (1).ipynb"):
            zf.write(_fixture("starter-fail-untouched"), f"{CHAPTER}_bo_attempt_2024-05-01-10-00-00_{file_id}")
    picks = {collect(archive, [chapter], tmp_path / f"w{i}")[0][0].notebook.name for i in range(3)}
    assert len(picks) == 1
