"""Instructor grading (issue 5): collect, restore, execute in parallel, score, report.

Fixture submissions of 01_tensors live in tests/fixtures/grading/, named
``<feature>-<pass|fail>-<reason>.ipynb`` (regenerate with make_fixtures.py). The
grading rounds (``slow``) share one graded class to stay fast.
"""

import csv
import json
import shutil
import sqlite3
import zipfile
from dataclasses import replace
from pathlib import Path

import nbformat
import pytest

from autograder.grading import sandbox
from autograder.grading.collect import collect
from autograder.cells import grade_id
from autograder.grading.course import find_chapters
from autograder.grading.restore import Unreadable, read_submission, restore
from autograder.grading import reference, verdicts
from autograder.grading.grades import grades_table

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "grading"
CHAPTER = "01_tensors"
# a cell limit no honest cell reaches on a loaded 2-core machine (the looping one reaches any)
CELL_S = 30
LIMITS = replace(sandbox.Limits(), cell_timeout_s=CELL_S, submission_timeout_s=180.0, output_bytes=200_000)
_TEMPLATE = find_chapters(REPO, only=[CHAPTER])[0]
FULL = _TEMPLATE.max_score


def points(gid):
    """The points of an exercise's check cell."""
    return float(next(c.metadata["nbgrader"]["points"] for c in _TEMPLATE.template.cells
                      if grade_id(c) == f"{gid}-check"))


def points_before(gid):
    """The points of the exercises before ``gid``, in notebook order."""
    ids = _TEMPLATE.grade_ids
    return float(sum(points(g[:-len("-check")]) for g in ids[:ids.index(f"{gid}-check")]))


# learner (fixture name) -> (status, score)
EXPECTED = {
    "solution-pass-all-answers": ("graded", FULL),
    "starter-fail-untouched": ("graded", 0.0),
    "restore-pass-deleted-test-cell": ("graded", FULL),
    "restore-fail-edited-test-cell": ("graded", FULL - points("tensors-zeros-long")),
    # interrupted; the later answers still earn
    "timeout-fail-infinite-loop": ("timeout", FULL - points("tensors-index-column")),
    "crash-fail-kernel-exits": ("crashed", points_before("tensors-index-column")),
    "output-fail-flood": ("crashed", points_before("tensors-index-column")),
    "unreadable-fail-corrupt-json": ("unreadable", None),
    "unreadable-fail-not-a-notebook": ("unreadable", None),
}


@pytest.fixture(scope="module")
def chapter():
    return find_chapters(REPO, only=[CHAPTER])[0]


def fixture(name):
    return FIXTURES / f"{name}.ipynb"


def class_folder(root, names):
    for name in names:
        target = root / name / CHAPTER / "tensors.ipynb"
        target.parent.mkdir(parents=True)
        shutil.copy(fixture(name), target)
    return root


# ------------------------------------------------------------------ fast: no kernels


def test_corrupt_json_is_unreadable_with_reason():
    with pytest.raises(Unreadable, match="not valid JSON"):
        read_submission(fixture("unreadable-fail-corrupt-json"))


def test_json_that_is_not_a_notebook_is_unreadable():
    with pytest.raises(Unreadable, match="not a Jupyter notebook"):
        read_submission(fixture("unreadable-fail-not-a-notebook"))


def test_missing_notebook_is_unreadable(tmp_path):
    with pytest.raises(Unreadable, match="no notebook"):
        read_submission(None)
    (tmp_path / "empty.ipynb").write_text("")
    with pytest.raises(Unreadable, match="empty"):
        read_submission(tmp_path / "empty.ipynb")


def test_deleted_test_cell_is_restored_with_hidden_tests(chapter):
    nb, notes = restore(read_submission(fixture("restore-pass-deleted-test-cell")), chapter.template)
    cell = next(c for c in nb.cells if grade_id(c) == "tensors-item-check")
    assert "### BEGIN HIDDEN TESTS" in cell.source
    assert any("restored deleted cell tensors-item-check" in n for n in notes)
    assert [grade_id(c) for c in nb.cells if grade_id(c)] == [grade_id(c) for c in chapter.template.cells
                                                              if grade_id(c)]


def test_edited_test_cell_is_restored_and_added_grade_cells_count_nothing(chapter):
    nb, notes = restore(read_submission(fixture("restore-fail-edited-test-cell")), chapter.template)
    check = next(c for c in nb.cells if grade_id(c) == "tensors-zeros-long-check")
    template = next(c for c in chapter.template.cells if grade_id(c) == "tensors-zeros-long-check")
    assert check.source == template.source and check.source != "pass\n"
    assert any("restored edited cell tensors-zeros-long-check" in n for n in notes)
    answer = next(c for c in nb.cells if grade_id(c) == "tensors-zeros-long")
    assert answer.source == "zeros_long = torch.zeros(5, 3)\n"          # the learner's answer is kept
    mine = [c for c in nb.cells if "my own cell" in c.source]
    assert len(mine) == 1 and "nbgrader" not in mine[0].metadata        # kept, but cannot score
    assert len({c.id for c in nb.cells}) == len(nb.cells)


def test_check_cells_without_evidence_score_zero_not_full_marks(chapter):
    from nbgrader.utils import determine_grade

    nb = nbformat.from_dict(chapter.template)
    stop = next(i for i, c in enumerate(nb.cells) if grade_id(c) == "tensors-index-column")
    ref = reference.Reference(CHAPTER, {gid: [] for gid in chapter.grade_ids})
    found = verdicts.apply(nb, chapter.template, ref, "n" * 32, not_run={i: "stopped" for i in range(stop, len(nb.cells))})
    graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert graded and all(determine_grade(c)[0] == 0 for c in graded)   # nbgrader alone would give full marks
    assert {v.reason.split(": ", 1)[-1] for v in found} == {"stopped", "no evidence"}


def test_zip_with_lms_names_takes_the_latest_attempt(tmp_path, chapter):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(fixture("starter-fail-untouched"), "01_tensors_ana_attempt_2024-05-01-10-00-00_tensors.ipynb")
        zf.write(fixture("solution-pass-all-answers"), "01_tensors_ana_attempt_2024-05-02-10-00-00_tensors.ipynb")
        zf.write(fixture("solution-pass-all-answers"), "bob/01_tensors/tensors.ipynb")
        zf.writestr("readme.txt", "not a submission")
    found = {(s.learner, s.chapter): s for s in collect(archive, [chapter], tmp_path / "work")[0]}
    assert set(found) == {("ana", CHAPTER), ("bob", CHAPTER)}
    assert "2024-05-02" in found[("ana", CHAPTER)].notebook.name
    assert archive.exists()


def test_folder_with_a_renamed_notebook_is_still_found(tmp_path, chapter):
    target = tmp_path / "sub" / "cleo" / CHAPTER / "tensors (1).ipynb"
    target.parent.mkdir(parents=True)
    shutil.copy(fixture("solution-pass-all-answers"), target)
    [sub], _ = collect(tmp_path / "sub", [chapter], tmp_path / "work")
    assert sub.notebook == target and "expected tensors.ipynb" in sub.notes[0]


# ------------------------------------------------------------------ slow: grading rounds


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from autograder.grading.pipeline import grade

    root = tmp_path_factory.mktemp("grading")
    submitted = class_folder(root / "submitted", EXPECTED)
    out = root / "out"
    report = grade(REPO, submitted, out_dir=out, jobs=2, chapters=[CHAPTER], limits=LIMITS, progress=False)
    return {"report": report, "out": out, "submitted": submitted, "root": root}


@pytest.mark.slow
@pytest.mark.parametrize("learner", sorted(EXPECTED))
def test_round_gives_each_fixture_its_status_and_score(graded, learner):
    row = graded["report"].row(learner, CHAPTER)
    assert (row.status, row.score) == EXPECTED[learner], row.reasons


@pytest.mark.slow
def test_timeout_and_crash_say_why(graded):
    report = graded["report"]
    assert f"ran past {CELL_S} s" in report.row("timeout-fail-infinite-loop", CHAPTER).reasons[0]
    assert "kernel died" in report.row("crash-fail-kernel-exits", CHAPTER).reasons[0]
    assert "output exceeded" in report.row("output-fail-flood", CHAPTER).reasons[0]
    assert "not valid JSON" in report.row("unreadable-fail-corrupt-json", CHAPTER).reasons[0]


@pytest.mark.slow
def test_grades_csv_has_one_row_per_learner_and_no_silent_zero(graded):
    rows = {r["learner"]: r for r in csv.DictReader((graded["out"] / "grades.csv").open())}
    assert set(rows) == set(EXPECTED)
    assert list(next(iter(rows.values()))) == ["learner", CHAPTER, "total", "status"]
    assert rows["solution-pass-all-answers"][CHAPTER] == f"{FULL:g}" and rows["solution-pass-all-answers"]["status"] == "graded"
    corrupt = rows["unreadable-fail-corrupt-json"]
    assert corrupt[CHAPTER] == "" and corrupt["status"].startswith(f"{CHAPTER}: unreadable (")
    assert "timeout" in rows["timeout-fail-infinite-loop"]["status"]


@pytest.mark.slow
def test_gradebook_is_nbgraders_and_has_no_row_for_unreadable(graded):
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{graded['out'] / 'gradebook.db'}") as gb:
        assert gb.find_submission(CHAPTER, "solution-pass-all-answers").score == FULL
        with pytest.raises(MissingEntry):
            gb.find_submission(CHAPTER, "unreadable-fail-corrupt-json")


@pytest.mark.slow
def test_feedback_has_scores_but_no_hidden_test_source(graded, chapter):
    html = (graded["out"] / "feedback" / "starter-fail-untouched" / CHAPTER / "tensors.html").read_text()
    hidden = [line.strip() for c in chapter.template.cells if "### BEGIN HIDDEN TESTS" in c.source
              for line in c.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
              .splitlines() if line.strip()]
    assert hidden
    import html as html_lib

    text = html_lib.unescape(html)
    assert not [line for line in hidden if line in text]
    assert "BEGIN HIDDEN" not in text
    from bs4 import BeautifulSoup

    shown = BeautifulSoup(html, "html.parser").find(id="score").get_text(strip=True)
    assert shown == f"0 / {chapter.max_score:g}", shown      # the untouched starter earns nothing


@pytest.mark.slow
def test_regrading_one_learner_is_identical_and_keeps_everything_else(graded):
    from autograder.grading.pipeline import grade

    out, submitted = graded["out"], graded["submitted"]
    before = (out / "grades.csv").read_text()
    feedback = sorted(p.relative_to(out) for p in (out / "feedback").rglob("*.html"))
    # the learner's file turns corrupt: reported, but the previous grade and feedback stay
    (submitted / "solution-pass-all-answers" / CHAPTER / "tensors.ipynb").write_text("{broken")
    report = grade(REPO, submitted, out_dir=out, jobs=2, learners=["solution-pass-all-answers"],
                   chapters=[CHAPTER], limits=LIMITS, progress=False)
    assert [r.status for r in report.rows] == ["unreadable"]
    assert sorted(p.relative_to(out) for p in (out / "feedback").rglob("*.html")) == feedback
    with sqlite3.connect(out / "gradebook.db") as db:
        assert db.execute("select count(*) from submitted_assignment").fetchone()[0] == 7
    # restored: the re-grade of that one learner gives the same grade and the same csv
    shutil.copy(fixture("solution-pass-all-answers"),
                submitted / "solution-pass-all-answers" / CHAPTER / "tensors.ipynb")
    report = grade(REPO, submitted, out_dir=out, jobs=1, learners=["solution-pass-all-answers"],
                   chapters=[CHAPTER], limits=LIMITS, progress=False)
    assert [(r.status, r.score) for r in report.rows] == [("graded", FULL)]
    assert (out / "grades.csv").read_text() == before
    assert json.loads((out / "grading-status.json").read_text()).keys() == set(EXPECTED)


@pytest.mark.slow
def test_grade_cli_grades_a_zip_and_prints_a_summary(graded, tmp_path, capsys):
    from autograder.cli import main

    archive = tmp_path / "lms.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(fixture("solution-pass-all-answers"), "01_tensors_zed_attempt_2024-05-02-10-00-00_tensors.ipynb")
        zf.write(fixture("unreadable-fail-corrupt-json"), "01_tensors_yan_attempt_2024-05-02-10-00-00_tensors.ipynb")
    code = main(["grade", "--submissions", str(archive), "--jobs", "2", "--chapter", CHAPTER,
                 "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0
    assert "zed" in out and f"{FULL:g}/{FULL:g}" in out and "unreadable" in out
    assert (tmp_path / "out" / "feedback" / "zed" / CHAPTER / "tensors.html").exists()


def test_grades_table_leaves_unreadable_blank(tmp_path, chapter):
    from autograder.grading.course import register

    db_url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    register([chapter], db_url)
    header, rows = grades_table(db_url, [chapter], {"al": {CHAPTER: {"status": "unreadable",
                                                                      "reasons": ["not valid JSON"]}}})
    assert rows == [{"learner": "al", CHAPTER: "", "total": "0",
                     "status": f"{CHAPTER}: unreadable (not valid JSON)"}]
