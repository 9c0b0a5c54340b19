"""Which class was graded last: ``course grade`` and ``course grade-demo`` note it, formgrader opens it.

The note is ``.work/last-graded.json`` in the course folder (ignored by git; the environment
variable ``COURSE_LAST_GRADED`` names another file, which the test suite uses to keep the
repository's own note untouched). It holds the graded folder and whether its gradebook is on a
database server (``--db``); the URL itself is never written, since it may hold a password.
"""

import json
import os
from pathlib import Path

NOTE_ENV = "COURSE_LAST_GRADED"


def note_path(course_root):
    """Where the note of ``course_root`` lives."""
    return Path(os.environ.get(NOTE_ENV) or Path(course_root) / ".work" / "last-graded.json")


def remember(course_root, out_dir, *, database=False):
    """Note ``out_dir`` as the class graded last (``database``: its gradebook is behind ``--db``)."""
    path = note_path(course_root)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"out": str(Path(out_dir).resolve()), "database": bool(database)}) + "\n"
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text)
    temporary.replace(path)


def last_graded(course_root):
    """``(folder, database)`` of the class graded last, or None when none was, or it is gone."""
    try:
        note = json.loads(note_path(course_root).read_text())
        out = Path(note["out"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    database = bool(note.get("database"))
    if not (database and out.is_dir()) and not (out / "gradebook.db").is_file():
        return None
    return out, database
