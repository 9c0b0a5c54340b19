"""Reading scores back out of an nbgrader gradebook."""

from nbgrader.api import Gradebook


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
