"""Due dates and late submissions, in nbgrader's terms.

A chapter's due date is its gradebook assignment's ``duedate`` (``--due
01_tensors=2026-12-01T23:59Z``, kept in the gradebook for later runs). A
submission's time is its ``submitted_assignment.timestamp``: from the LMS zip
(the attempt's timestamp in the file name, else the zip entry's date) or from
nbgrader's ``timestamp.txt`` in the submission folder. nbgrader then knows how
late it is (``total_seconds_late``), and its ``AssignLatePenalties`` preprocessor
with ``LateSubmissionPlugin`` applies the late policy (``none``: marked only, or
``zero``). All times are UTC.
"""

import logging
import re
from datetime import datetime, timezone

import nbformat

POLICIES = ("none", "zero")
_STAMP_NUMBERS = re.compile(r"[0-9]+")


def parse_time(text):
    """A UTC datetime (naive, as nbgrader stores them) from ISO text or an LMS stamp; ValueError if neither."""
    from nbgrader.utils import parse_utc

    text = str(text).strip()
    numbers = _STAMP_NUMBERS.findall(text)
    if re.fullmatch(r"[0-9]{4}(-[0-9]{1,2}){5}([.-][0-9]+)?", text):   # 2024-05-02-10-00-00 (LMS zip)
        return datetime(*map(int, numbers[:6]))
    try:
        parsed = parse_utc(text)
    except (ValueError, OverflowError, TypeError) as error:
        raise ValueError(f"{text!r} is not a date and time (e.g. 2026-12-01T23:59Z)") from error
    return parsed.astimezone(timezone.utc).replace(tzinfo=None) if parsed.tzinfo else parsed


def parse_due(items, chapter_names):
    """``{chapter: datetime}`` from ``["01_tensors=2026-12-01T23:59Z", ...]``; ValueError says which is wrong."""
    due = {}
    for item in items or ():
        chapter, sep, when = item.partition("=")
        if not sep or not when:
            raise ValueError(f"--due {item!r}: expected CHAPTER=DATE, e.g. 01_tensors=2026-12-01T23:59Z")
        if chapter not in chapter_names:
            raise ValueError(f"--due {item!r}: unknown chapter {chapter!r}")
        due[chapter] = parse_time(when)
    return due


def set_due_dates(db_url, due):
    """Record each chapter's due date in the gradebook (nbgrader's ``Assignment.duedate``)."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        for chapter, when in due.items():
            gb.update_or_create_assignment(chapter, duedate=when)


def apply_late_policy(db_url, chapter, learner, policy="none"):
    """nbgrader's late penalty for one graded submission; return its seconds late (0 if on time)."""
    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import AssignLatePenalties
    from traitlets.config import Config

    if policy not in POLICIES:
        raise ValueError(f"late policy {policy!r}: use one of {', '.join(POLICIES)}")
    config = Config()
    config.LateSubmissionPlugin.penalty_method = policy
    resources = {"nbgrader": {"db_url": db_url, "assignment": chapter.name, "notebook": chapter.topic,
                              "student": learner}}
    quiet = logging.getLogger("course.late")
    quiet.setLevel(logging.ERROR)   # nbgrader warns about every late submission: the status says it
    AssignLatePenalties(config=config, log=quiet).preprocess(nbformat.v4.new_notebook(), resources)
    with Gradebook(db_url) as gb:
        return float(gb.find_submission(chapter.name, learner).total_seconds_late or 0)


def how_late(seconds):
    """``"1 d 2 h 5 min"``: a lateness a person reads, in the current language ("1 天 2 小时 5 分钟")."""
    from ..learner.messages import message

    if seconds < 60:
        return message("duration_seconds", count=int(seconds))
    minutes = int(round(seconds / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [message("duration_days", count=days) if days else "",
             message("duration_hours", count=hours) if hours else "",
             message("duration_minutes", count=mins) if mins or not (days or hours) else ""]
    return " ".join(p for p in parts if p)


def _lateness(db_url, chapter, learner):
    """``(due date, penalty)`` of a graded submission, from the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        sub = gb.find_submission(chapter.name, learner)
        return sub.duedate, float(sub.late_submission_penalty or 0), float(sub.total_seconds_late or 0)


def late_text(seconds, due, penalty):
    """The late notice in the current language: "submitted 2 h 5 min after the due date (2026-12-01
    23:59 UTC); late penalty 3"."""
    from ..learner.messages import message

    text = message("late_notice", late=how_late(seconds), due=f"{due:%Y-%m-%d %H:%M}")
    return text + (message("joiner") + message("late_penalty", penalty=f"{penalty:g}") if penalty else "")


def late_reason(db_url, chapter, learner, seconds):
    """``("submitted 2 h 5 min after the due date (2026-12-01 23:59 UTC); late penalty 3", 3.0)``: the
    instructor's report says it in English, the source language."""
    from ..learner.i18n import SOURCE_LANGUAGE, speaking

    due, penalty, _ = _lateness(db_url, chapter, learner)
    with speaking(SOURCE_LANGUAGE):
        return late_text(seconds, due, penalty), penalty


def late_notice(db_url, chapter, learner):
    """The learner's late notice in the current language (the feedback page's), or "" if on time."""
    due, penalty, seconds = _lateness(db_url, chapter, learner)
    return late_text(seconds, due, penalty) if seconds > 0 and due is not None else ""
