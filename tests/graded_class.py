"""One class of every chapter, graded once per test run and read by the tests of its grades and pages.

Three test modules need a class graded by ``course grade``: test_course_grading (the solution, the
untouched starter and each round of wrong answers), test_correct_answers (each round of correct answers,
handed in from both editions) and test_edition_feedback (the feedback pages of late learners of either
edition). Each used to grade a class of its own (seven grade runs, fifteen reference runs of the
solutions); their submissions are now one class, graded by one ``grade()`` (one reference run per
chapter), and every module reads the grades, notebooks and pages it always read. Under xdist the first
worker to ask grades it under a file lock and the others wait for it and read the same folder.

The modules' options, reconciled (none changes what any of them asserts):
- limits: ``GENEROUS_LIMITS`` (test_correct_answers' own), that no honest chapter reaches on a loaded
  2-core machine, where chapter 04's training once ran past the default 60 s cell limit; a wrong answer
  fails its check long before (none loops).
- due dates: every chapter due ``DUE`` (test_edition_feedback's). Only its learners hand in a
  ``timestamp.txt``, two hours late; a submission without one is never late, so every other learner's
  status stays ``graded``.
- ``insecure=True`` (test_edition_feedback's): it only matters in rlimits mode (no namespaces), where the
  other two modules' own runs were refused before grading; the sandbox's tests judge that refusal.
"""

import hashlib
import json
import os
import pickle
import shutil

import nbformat
from filelock import FileLock

from autograder.authoring.editions import edition_root
from autograder.authoring.notebooks import chapter_notebook
from autograder.grading import sandbox
from autograder.grading.pipeline import grade
from chapters import (CHAPTERS, REPO, answer_cells, correct_answers, grade_id, read, release_path, solution_path,
                      with_answers, wrong_answers)

GENEROUS_LIMITS = sandbox.Limits(cell_timeout_s=600, submission_timeout_s=1800)
EDITIONS = {"en": REPO / "notebooks", "zh": edition_root(REPO, "zh")}
DUE = "2026-12-01T23:00Z"
LATE_STAMP = "2026-12-02 01:05:00"   # two hours and five minutes after DUE
CORRECT_ROUNDS = 2
FEEDBACK_LEARNERS = {"zh-mixed": "zh", "zh-starter": "zh", "en-mixed": "en"}   # learner -> edition


def starter(chapter, edition="en"):
    """The learner notebook of ``chapter`` in ``edition``, as released."""
    return read(chapter_notebook(EDITIONS[edition] / chapter))


def wrong_rounds(chapter):
    """How many rounds of wrong answers ``chapter`` has: its exercise with the most."""
    return max(len(cases) for cases in wrong_answers(chapter).values())


def wrong_round(chapter, k):
    """Round k's answers: the k-th wrong answer of each exercise that has one (grade_id -> source)."""
    return {gid: cases[k][0] for gid, cases in wrong_answers(chapter).items() if len(cases) > k}


def correct_round(chapter, k):
    """Round k's answers: the k-th correct alternative of each exercise (exercises with fewer start over)."""
    return {gid: sources[k % len(sources)] for gid, sources in correct_answers(chapter).items()}


def editions_by_round():
    """The edition each graded round of correct answers is handed in from: both editions, each round once."""
    editions = sorted(EDITIONS)
    return [editions[k % len(editions)] for k in range(max(CORRECT_ROUNDS, len(editions)))]


def mixed_answers(chapter):
    """The feedback learners' answers: a realistic wrong answer at every other exercise, the solution at the rest."""
    wrong = wrong_answers(chapter)
    solutions = {grade_id(c): c.source for c in answer_cells(read(solution_path(chapter)))}
    return {gid: (wrong[gid][0][0] if n % 2 == 0 else solutions[gid]) for n, gid in enumerate(solutions)}


def submissions():
    """``{(learner, chapter): (notebook, timestamp or None)}``: every submission of the class."""
    found = {}
    for chapter in CHAPTERS:
        found["solution", chapter] = read(solution_path(chapter)), None
        found["starter", chapter] = starter(chapter), None
        for k in range(wrong_rounds(chapter)):
            found[f"wrong{k}", chapter] = with_answers(starter(chapter), wrong_round(chapter, k)), None
        for k, edition in enumerate(editions_by_round()):
            found[f"{edition}-round{k}", chapter] = with_answers(starter(chapter, edition),
                                                                 correct_round(chapter, k)), None
        for learner, edition in FEEDBACK_LEARNERS.items():
            nb = starter(chapter, edition)
            found[learner, chapter] = (nb if learner.endswith("starter") else with_answers(nb, mixed_answers(chapter)),
                                       LATE_STAMP)
    return found


def _session_folder(tmp_path_factory):
    """A folder of this test run that every xdist worker of it shares (each worker's basetemp lies in it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def graded_class(tmp_path_factory):
    """``{"report", "out", "submitted"}`` of the class, graded by the first caller of this test run.

    The folder is named by a hash of the submissions and options, so that a class built from other
    inputs is never read; a failed run leaves its error for the waiting workers instead of a half class.
    """
    texts = {key: (nbformat.writes(nb), stamp) for key, (nb, stamp) in sorted(submissions().items())}
    options = {"due": [f"{chapter}={DUE}" for chapter in CHAPTERS], "insecure": True, "limits": repr(GENEROUS_LIMITS)}
    digest = hashlib.sha256(json.dumps([sorted((list(k), v) for k, v in texts.items()), options]).encode())
    folder = _session_folder(tmp_path_factory) / f"graded-class-{digest.hexdigest()[:16]}"
    folder.parent.mkdir(parents=True, exist_ok=True)
    done, failed = folder / "report.pickle", folder / "failed.txt"
    with FileLock(str(folder) + ".lock"):
        if failed.exists():
            raise RuntimeError(f"grading the shared class failed in another worker:\n{failed.read_text()}")
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            for (learner, chapter), (text, stamp) in texts.items():
                target = folder / "submitted" / learner / chapter
                target.mkdir(parents=True)
                (target / release_path(chapter).name).write_text(text)
                if stamp:
                    (target / "timestamp.txt").write_text(stamp)
            try:
                report = grade(REPO, folder / "submitted", out_dir=folder / "out", jobs=2, progress=False,
                               limits=GENEROUS_LIMITS, due=options["due"], insecure=True)
            except BaseException as error:
                failed.write_text(f"{type(error).__name__}: {error}")
                raise
            done.write_bytes(pickle.dumps(report))
    return {"report": pickle.loads(done.read_bytes()), "out": folder / "out", "submitted": folder / "submitted"}
