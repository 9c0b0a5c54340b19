"""LMS zips from the outside in: entry names that point outside the archive, and lateness from their stamps."""

import zipfile
from pathlib import Path

import pytest

from autograder.grading.collect import collect
from autograder.grading.course import find_chapters

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "grading"
CHAPTER, TOPIC = "01_tensors", "tensors"
LMS_NAME = f"{CHAPTER}_{{}}_attempt_{{}}_{TOPIC}.ipynb"


@pytest.fixture(scope="module")
def chapter():
    return find_chapters(REPO, only=[CHAPTER])[0]


def _zip(path, entries):
    """A zip whose entries are written with exactly these names (zipfile would keep a `\\` or `..` as given)."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2024, 5, 1, 10, 0, 0)), data)
    return path


@pytest.mark.parametrize("name", [
    f"{{tmp}}/abs/ana/{CHAPTER}/{TOPIC}.ipynb",                           # absolute, into this test's folder
    f"../ana/{CHAPTER}/{TOPIC}.ipynb",                                    # up, then the folder layout
    f"sub/../../{LMS_NAME.format('ana', '2024-05-01-10-00-00')}",         # up, then an LMS name
    f"ana\\{CHAPTER}\\{TOPIC}.ipynb",                                     # Windows separators
    f"..\\{LMS_NAME.format('ana', '2024-05-01-10-00-00')}",               # up, the Windows way
])
def test_zip_entry_outside_the_archive_is_refused_and_nothing_lands_outside(tmp_path, chapter, name):
    work, name = tmp_path / "work", name.format(tmp=tmp_path)
    solution = (FIXTURES / "solution-pass-all-answers.ipynb").read_bytes()
    archive = _zip(tmp_path / "export.zip", {name: solution,
                                             LMS_NAME.format("bob", "2024-05-01-10-00-00"): solution})
    before = {p for p in tmp_path.rglob("*")}
    found, rejected = collect(archive, [chapter], work)
    written = {p for p in tmp_path.rglob("*")} - before
    outside = [p for p in written if p != work and work not in p.parents]
    assert outside == []                                       # nothing outside the grader's work folder
    assert [(s.learner, s.refused) for s in found] == [("bob", "")]   # the honest entry alone is graded
    assert found[0].notebook.is_relative_to(work)
    assert rejected == [(name, f"zip entry {name!r} points outside the archive: refused")]   # said, not lost


def test_lateness_comes_from_the_lms_stamp_and_the_due_date(tmp_path, chapter):
    """--due with an LMS zip: ana's attempt stamp is 1 h 30 min after the due date, bob's entry (folder
    layout, no stamp in its name) is dated by the zip 2 h before it; nbgrader's gradebook holds those."""
    from nbgrader.api import Gradebook

    from autograder.grading import sandbox
    from autograder.grading.pipeline import grade

    starter = (FIXTURES / "starter-fail-untouched.ipynb").read_bytes()
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(zipfile.ZipInfo(LMS_NAME.format("ana", "2026-01-16-01-29-00"), date_time=(2020, 1, 1, 0, 0, 0)),
                    starter)                                      # the name's stamp wins over the entry date
        zf.writestr(zipfile.ZipInfo(f"bob/{CHAPTER}/{TOPIC}.ipynb", date_time=(2026, 1, 15, 21, 59, 0)), starter)
    out = tmp_path / "out"
    report = grade(REPO, archive, out_dir=out, jobs=1, chapters=[CHAPTER], progress=False,
                   limits=sandbox.Limits(cell_timeout_s=60, submission_timeout_s=300),
                   due=[f"{CHAPTER}=2026-01-15T23:59Z"], late_policy="none")
    assert report.row("ana", CHAPTER).status == "late" and report.row("bob", CHAPTER).status == "graded"
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:
        assert gb.find_submission(CHAPTER, "ana").total_seconds_late == 90 * 60
        assert gb.find_submission(CHAPTER, "bob").total_seconds_late == 0
