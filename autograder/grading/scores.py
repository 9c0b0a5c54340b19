"""Per-exercise results: titles from the notebook's headings, points from the gradebook, verdicts.

An *exercise* is one check cell (an nbgrader grade cell that is not an answer);
its title is the last markdown heading above it ("Exercise 1.1: integer zeros").
Its points come from nbgrader's gradebook (``Grade.score``: a manual override
from formgrader wins over the autograde); its verdict and message from the
autograded notebook that ``course grade`` wrote (the grader's own outputs, see
``verdicts``). ``scores.csv`` is the long form: one row per learner, chapter and
exercise, for spreadsheets and LMS import.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..learner.progress import check_cells_with_headings, plain_title
from ..cells import grade_id, is_check_cell
from .caps import cut
from .grades import chapters_in_play, csv_text

SCORES_HEADER = ["learner", "chapter", "exercise", "title", "score", "max", "status", "verdict", "message"]
# an exercise's verdict, from the check cell's error output (ename) or its absence
VERDICTS = {"Incorrect": "incorrect", "NotAttempted": "not attempted", "NotRun": "not run",
            "NoEvidence": "no evidence", "MalformedEvidence": "no evidence"}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class Exercise:
    grade_id: str      # the check cell's grade id (nbgrader's grade name)
    title: str
    points: float


@dataclass
class Result:
    """One learner's result on one exercise."""

    exercise: Exercise
    score: float | None
    verdict: str       # correct, incorrect, not attempted, interrupted, not run, no evidence, overridden, review,
    #                    ungraded
    message: str = ""


def exercises(chapter, template=None):
    """The chapter's exercises, in notebook order, titled by the heading above each check cell
    (of ``template``, an edition of the chapter; the English one by default)."""
    return [Exercise(grade_id(cell), plain_title(heading) or grade_id(cell),
                     float(cell.metadata["nbgrader"].get("points") or 0))
            for heading, cell in check_cells_with_headings(template or chapter.template)]


def plain(text):
    """Output text without ANSI colours, on one line, cut to a fixed length (``caps.cut``)."""
    return cut(" ".join(_ANSI.sub("", str(text)).split()))


def cell_verdicts(nb):
    """``{check grade id: (verdict, message)}`` of an autograded notebook.

    A cell interrupted for running past its time limit (``CellTimeout``) makes the
    next check cell's verdict ``interrupted``, whatever that check then found.
    """
    found, interrupted = {}, ""
    for cell in nb.cells:
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        timeouts = [o for o in errors if o.get("ename") == "CellTimeout"]
        if timeouts and not is_check_cell(cell):
            interrupted = plain(timeouts[0].get("evalue"))
        if not is_check_cell(cell):
            continue
        if interrupted:
            found[grade_id(cell)] = ("interrupted", f"the answer cell was {interrupted}")
        elif errors:
            first = errors[0]
            message = plain(first.get("evalue") or first.get("ename"))
            found[grade_id(cell)] = (VERDICTS.get(first.get("ename"), "incorrect"), message)
        else:
            text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
            found[grade_id(cell)] = ("correct", plain(text))
        interrupted = ""
    return found


def autograded_path(out_dir, chapter, learner):
    return Path(out_dir) / "autograded" / learner / chapter.name / f"{chapter.topic}.ipynb"


def feedback_path(out_dir, chapter, learner):
    return Path(out_dir) / "feedback" / learner / chapter.name / f"{chapter.topic}.html"


def results(gb, out_dir, chapter, learner, nb=None, template=None):
    """The learner's :class:`Result` per exercise (scores from gradebook ``gb``), or [] if never graded;
    titled from ``template`` (see :func:`exercises`)."""
    from nbgrader.api import MissingEntry

    try:
        notebook = gb.find_submission_notebook(chapter.topic, chapter.name, learner)
    except MissingEntry:
        return []
    grades = {g.name: g for g in notebook.grades}
    if nb is None:
        path = autograded_path(out_dir, chapter, learner)
        nb = nbformat.read(path, as_version=4) if path.exists() else nbformat.v4.new_notebook()
    judged = cell_verdicts(nb)
    found = []
    for exercise in exercises(chapter, template):
        grade = grades.get(exercise.grade_id)
        verdict, message = judged.get(exercise.grade_id, ("ungraded", ""))
        if grade is not None and grade.manual_score is not None:
            verdict, message = "overridden", f"score set by hand ({grade.manual_score:g}); autograder: {verdict}"
        elif grade is not None and grade.auto_score is None and grade.needs_manual_grade:
            verdict, message = "review", f"waits for a person (interference flagged); autograder: {verdict}"
        score = None if grade is None or grade.score is None else float(grade.score)
        found.append(Result(exercise, score, verdict, message))
    return found


def scores_rows(db_url, out_dir, chapters, statuses):
    """Rows (dicts) of ``scores.csv``: every learner and exercise of every chapter in play."""
    from nbgrader.api import Gradebook

    rows = []
    with Gradebook(db_url) as gb:
        learners = sorted({s.id for s in gb.students} | set(statuses))
        in_play = chapters_in_play(gb, chapters, statuses)
        for learner in learners:
            for chapter in in_play:
                entry = statuses.get(learner, {}).get(chapter.name)
                found = results(gb, out_dir, chapter, learner)
                if not entry and not found:
                    continue
                status = entry["status"] if entry else "graded"
                by_id = {r.exercise.grade_id: r for r in found}
                for exercise in exercises(chapter):
                    result = by_id.get(exercise.grade_id)
                    usable = result is not None and status not in ("unreadable", "missing")
                    rows.append({"learner": learner, "chapter": chapter.name, "exercise": exercise.grade_id,
                                 "title": exercise.title,
                                 "score": f"{result.score:g}" if usable and result.score is not None else "",
                                 "max": f"{exercise.points:g}", "status": status,
                                 "verdict": result.verdict if usable else status,
                                 "message": result.message if usable else cut("; ".join(entry.get("reasons", [])))
                                 if entry else ""})
    return rows


def scores_csv(rows):
    return csv_text(SCORES_HEADER, rows)
