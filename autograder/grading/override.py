"""Manual review: an instructor's score for one exercise, in nbgrader's gradebook.

The same field that formgrader's "manual score" box sets (``Grade.manual_score``):
it wins over the autograder's score, and ``course grade`` never overwrites it
(nbgrader's ``SaveAutoGrades`` only updates ``auto_score``). ``score=None`` goes
back to the autograder's score.
"""

from pathlib import Path


class OverrideError(ValueError):
    """The override cannot be made; the message says why."""


def set_manual_score(db_url, learner, chapter, exercise, score):
    """Set (``score`` a number) or clear (``None``) one exercise's manual score; return the grade's new score."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            submission = gb.find_submission(chapter, learner)
        except MissingEntry:
            raise OverrideError(f"{learner} has no graded submission of {chapter} in this gradebook") from None
        grades = {g.name: g for nb in submission.notebooks for g in nb.grades}
        if exercise not in grades:
            raise OverrideError(f"{chapter} has no exercise {exercise!r}; its exercises: {', '.join(sorted(grades))}")
        grade = grades[exercise]
        if score is not None and not 0 <= score <= grade.max_score:
            raise OverrideError(f"{exercise} is worth 0 to {grade.max_score:g} points, not {score:g}")
        grade.manual_score = score
        grade.needs_manual_grade = False
        gb.db.commit()
        return float(grade.score if grade.score is not None else 0)


def parse_score(text):
    """A number of points, or None for "auto"; OverrideError otherwise."""
    if str(text).strip().lower() == "auto":
        return None
    try:
        return float(text)
    except ValueError:
        raise OverrideError(f"score {text!r}: give a number of points or 'auto'") from None


def gradebook_url(out_dir, db_url=None):
    """The graded class's gradebook: ``db_url`` if given, else ``out_dir/gradebook.db``, which must exist."""
    if db_url:
        from .pipeline import gradebook_url as named

        return named(db_url, out_dir)
    path = Path(out_dir) / "gradebook.db"
    if not path.exists():
        raise OverrideError(f"{path} does not exist: grade the class first (make grade), or pass --out")
    return f"sqlite:///{path.resolve()}"
