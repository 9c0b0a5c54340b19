"""Scores into nbgrader's gradebook and out again: per submission, and the class's grades.csv.

Scores come from nbgrader's own ``SaveAutoGrades``, written by the grading process only. grades.csv
cells that a spreadsheet would read as a formula are neutralised. Every file is written to a
temporary name and renamed, so a failure never leaves a previous file half-written or deleted.
"""

import csv
import io
import os
from pathlib import Path

from nbgrader.api import Gradebook

from ..learner.i18n import SOURCE_LANGUAGE, speaking
from .instructor_language import shown_reasons, status_with_reasons, status_word


def save_grades(nb, *, db_url, chapter, learner, timestamp=None):
    """Record the learner's scores for ``nb`` with nbgrader; return (score, max_score)."""
    from nbgrader.preprocessors import SaveAutoGrades

    with Gradebook(db_url) as gb:
        gb.update_or_create_student(learner)
        kwargs = {"timestamp": timestamp} if timestamp else {}
        gb.update_or_create_submission(chapter.name, learner, **kwargs)
    resources = {"nbgrader": {"db_url": db_url, "assignment": chapter.name,
                              "notebook": chapter.topic, "student": learner}}
    SaveAutoGrades().preprocess(nb, resources)
    with Gradebook(db_url) as gb:
        sub = gb.find_submission_notebook(chapter.topic, chapter.name, learner)
        return float(sub.score), float(sub.max_score)


def write_atomic(path, text):
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def chapters_in_play(gb, chapters, statuses):
    """The chapters graded at least once or seen in a run (not every released chapter), in order."""
    return [c for c in chapters if gb.find_assignment(c.name).num_submissions
            or any(c.name in entry for entry in statuses.values())]


def final_score(gb, chapter_name, learner):
    """The submission's score in the gradebook (manual overrides included) less nbgrader's late penalty."""
    sub = gb.find_submission(chapter_name, learner)
    return float(sub.score) - float(sub.late_submission_penalty or 0)


def grades_table(db_url, chapters, statuses, language=SOURCE_LANGUAGE):
    """Rows (dicts) of grades.csv: every learner in the gradebook or in ``statuses``; the status
    column's words in the instructor's ``language`` (its header and the scores stay as they are)."""
    from nbgrader.api import MissingEntry

    with Gradebook(db_url) as gb, speaking(language):
        names = [c.name for c in chapters_in_play(gb, chapters, statuses)]
        learners = sorted({s.id for s in gb.students} | set(statuses))
        rows = []
        for learner in learners:
            row = {"learner": learner}
            total, notes = 0.0, []
            for chapter in names:
                entry = statuses.get(learner, {}).get(chapter)
                status = entry["status"] if entry else None
                score = None
                if status not in ("unreadable", "missing"):
                    try:
                        score = final_score(gb, chapter, learner)
                    except MissingEntry:
                        score = None
                        status = status or "missing"
                row[chapter] = "" if score is None else f"{score:g}"
                total += score or 0.0
                reasons = shown_reasons(gb, chapter, learner, entry.get("reasons") or []) if entry else []
                if (status and status != "graded") or reasons:
                    notes.append(f"{chapter}: {status_with_reasons(status or 'graded', reasons)}")
            row["total"] = f"{total:g}"
            row["status"] = status_word("graded") if not notes else " | ".join(notes)
            rows.append(row)
    return ["learner", *names, "total", "status"], rows


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading apostrophe,
    and line breaks inside it become spaces (a bare CR would split the row)."""
    text = "" if value is None else str(value)
    text = "'" + text if text.startswith(FORMULA_START) else text
    return " ".join(text.splitlines()) if ("\r" in text or "\n" in text) else text


def csv_text(header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([csv_cell(row.get(h, "")) for h in header])
    return buffer.getvalue()


def read_scores(db_path, assignment):
    """``{learner: {"total": points, "cells": {grade_id: points}}}`` for one assignment."""
    scores = {}
    with Gradebook(f"sqlite:///{db_path}") as gradebook:
        for submission in gradebook.assignment_submissions(assignment):
            cells = {}
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    cells[grade.name] = grade.score
            scores[submission.student.id] = {"total": submission.score, "cells": cells}
    return scores
