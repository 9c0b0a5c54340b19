"""``make formgrader``: nbgrader's formgrader on a graded class, for manual review.

``course grade`` already writes nbgrader's layout into its ``--out`` folder
(``gradebook.db``, ``autograded/<learner>/<chapter>/<topic>.ipynb``); formgrader
also lists a chapter only if ``source/<chapter>/`` holds it, so each graded
chapter's template (the release with its test cells) is written there. The
Jupyter server runs on that folder with the course's nbgrader settings pointed
at it. A score set in formgrader is nbgrader's ``manual_score``: ``course grade``
keeps it (see ``override``). When the server stops, grades.csv, scores.csv,
report.html and the feedback of every learner with a manual score are rewritten.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import nbformat

from .course import find_chapters
from .grades import write_atomic


def prepare(course_root, out_dir, db_url=None):
    """Write ``source/<chapter>/<topic>.ipynb`` for every chapter graded in ``out_dir``; return the chapters."""
    out_dir = Path(out_dir)
    if not db_url and not (out_dir / "gradebook.db").exists():
        raise FileNotFoundError(f"{out_dir / 'gradebook.db'} does not exist: grade the class first (make grade)")
    graded = [c for c in find_chapters(course_root) if any((out_dir / "autograded").glob(f"*/{c.name}/*.ipynb"))]
    for chapter in graded:
        write_atomic(out_dir / "source" / chapter.name / f"{chapter.topic}.ipynb", nbformat.writes(chapter.template))
    return graded


def server_command(out_dir, *, port=8888, token=None, open_browser=True, db_url=None):
    """The ``jupyter server`` command line that serves formgrader on ``out_dir`` (gradebook ``db_url``,
    else ``out_dir/gradebook.db``)."""
    from .pipeline import gradebook_url

    out_dir = Path(out_dir).resolve()
    command = [sys.executable, "-m", "jupyter_server",
               f"--ServerApp.root_dir={out_dir}", f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1",
               "--ServerApp.default_url=/formgrader", f"--ServerApp.open_browser={open_browser}",
               f"--CourseDirectory.root={out_dir}", f"--CourseDirectory.db_url={gradebook_url(db_url, out_dir)}",
               "--CourseDirectory.source_directory=source", "--CourseDirectory.autograded_directory=autograded",
               "--CourseDirectory.feedback_directory=feedback",
               f"--Exchange.root={out_dir / '.work' / 'exchange'}"]   # no exchange: quiets its warning
    if token is not None:
        command.append(f"--IdentityProvider.token={token}")
    if os.geteuid() == 0:
        command.append("--allow-root")
    return command


def formgrader_command(args):
    """``course formgrader [--out DIR] [--port N]``: prepare the folder, run the server until Ctrl-C, export."""
    from ..paths import REPO_ROOT
    from .pipeline import export

    root = Path.cwd() if (Path.cwd() / "notebooks").is_dir() else REPO_ROOT
    db_url = getattr(args, "db", None)
    try:
        chapters = prepare(root, args.out, db_url)
    except FileNotFoundError as error:
        print(f"course formgrader: {error}", file=sys.stderr)
        return 2
    (Path(args.out) / ".work" / "exchange").mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    print(f"formgrader on {Path(args.out).resolve()} ({', '.join(c.name for c in chapters) or 'no chapter graded'}): "
          f"http://127.0.0.1:{args.port}/formgrader?token={token}\n"
          "Manual Grading > chapter > notebook > learner: review, then type a score.\n"
          "Ctrl-C stops the server, then grades.csv, scores.csv, report.html and feedback are rewritten.", flush=True)
    command = server_command(args.out, port=args.port, token=token, open_browser=False, db_url=db_url)
    try:
        subprocess.run(command, check=False)
    except KeyboardInterrupt:
        pass
    written = export(root, args.out, refresh_feedback=manually_scored(args.out, db_url), db_url=db_url)
    print("wrote:\n" + "\n".join(f"  {p}{'/' if p.is_dir() else ''}" for p in written))
    return 0


def manually_scored(out_dir, db_url=None):
    """``[(learner, chapter), ...]`` with at least one manual score in the class's gradebook."""
    from nbgrader.api import Gradebook, Grade

    from .pipeline import gradebook_url

    with Gradebook(gradebook_url(db_url, Path(out_dir).resolve())) as gb:
        found = {(g.student.id, g.assignment.name) for g in gb.db.query(Grade).filter(Grade.manual_score.isnot(None))}
    return sorted(found)
