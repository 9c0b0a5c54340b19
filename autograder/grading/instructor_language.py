"""The instructor's language: which language report.html, grades.csv's status column and the summary speak.

``course grade --language zh`` chooses it and notes it next to the class's gradebook
(``LANGUAGE_FILE`` in the graded folder), so that a later ``course grade`` without ``--language``
and ``course override``'s re-export keep it; a class with no note is English. The words come from
the message catalogue (:func:`autograder.learner.messages.message`, inside
:func:`autograder.learner.i18n.speaking`). Machine-readable fields stay English: the status file,
CSV headers, scores.csv's status and verdict columns.
"""

import json
from pathlib import Path

from ..learner.i18n import LANGUAGES, SOURCE_LANGUAGE, current_language, speaking
from ..learner.messages import CATALOGUE, message
from .late import late_text

LANGUAGE_FILE = "instructor-language.json"


def checked_language(language):
    """``language`` if the course speaks it (None stays None: the class's own); ValueError says which do."""
    if language is None or language in LANGUAGES:
        return language
    raise ValueError(f"unknown language {language!r} for the instructor's pages (report.html, grades.csv, "
                     f"the summary): use one of {', '.join(LANGUAGES)}")


def class_language(out_dir, language=None):
    """The instructor language of the class graded in ``out_dir``: ``language`` when given (then
    noted for later runs), else the one noted before, else English."""
    path = Path(out_dir) / LANGUAGE_FILE
    if checked_language(language) is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(json.dumps({"language": language}) + "\n", encoding="utf-8")
        temporary.replace(path)
        return language
    try:
        noted = json.loads(path.read_text(encoding="utf-8")).get("language")
    except (OSError, ValueError, AttributeError):
        return SOURCE_LANGUAGE
    return noted if noted in LANGUAGES else SOURCE_LANGUAGE


def status_word(status):
    """A submission's status (``graded``, ``late``, ...) in the current language."""
    key = f"status_{status}"
    return message(key) if key in CATALOGUE else status


def status_with_reasons(status, reasons):
    """``late (submitted 1 d after the due date ...; ...)``: a status word and its reasons, if any."""
    word = status_word(status)
    return message("status_with_reasons", status=word, reasons=message("joiner").join(reasons)) if reasons else word


def shown_reasons(gb, chapter, learner, reasons):
    """A submission's ``reasons`` (stored in English) in the current language where they come from
    message keys: the late notice, rebuilt from gradebook ``gb``. Other reasons stay as stored."""
    if current_language() == SOURCE_LANGUAGE or not reasons:
        return list(reasons)
    from nbgrader.api import MissingEntry

    try:
        sub = gb.find_submission(chapter, learner)
    except MissingEntry:
        return list(reasons)
    seconds, penalty = float(sub.total_seconds_late or 0), float(sub.late_submission_penalty or 0)
    if seconds <= 0 or sub.duedate is None:
        return list(reasons)
    with speaking(SOURCE_LANGUAGE):
        english = late_text(seconds, sub.duedate, penalty)
    return [late_text(seconds, sub.duedate, penalty) if reason == english else reason for reason in reasons]
