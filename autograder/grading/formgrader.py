"""``make formgrader``: nbgrader's formgrader on a graded class (the one graded last), for manual review.

``course grade`` already writes nbgrader's layout into its ``--out`` folder
(``gradebook.db``, ``autograded/<learner>/<chapter>/<topic>.ipynb``); formgrader
also lists a chapter only if ``source/<chapter>/`` holds it, so each graded
chapter's template (the release with its test cells) is written there. The
Jupyter server runs on that folder with the course's nbgrader settings pointed
at it. A score set in formgrader is nbgrader's ``manual_score``: ``course grade``
keeps it (see ``override``). When the server stops, grades.csv, scores.csv,
report.html and the feedback of every learner with a manual score are rewritten.
"""

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

from .collect import LEARNER_RE
from .course import find_chapters
from .grades import write_atomic
from .last_class import last_graded


NO_CLASS = ("grade one first: `make grade SUBMISSIONS=folder-or-zip` (its submitted/<learner>/<chapter>/ "
            "notebooks), or try the sample class: `make grade-demo`; then `make formgrader` opens it")


def prepare(course_root, out_dir, db_url=None):
    """Write ``source/<chapter>/<topic>.ipynb`` for every chapter graded in ``out_dir``; return the chapters."""
    out_dir = Path(out_dir)
    if not db_url and not (out_dir / "gradebook.db").exists():
        raise FileNotFoundError(f"{out_dir.resolve()} holds no graded class (no gradebook.db): {NO_CLASS}")
    graded = [c for c in find_chapters(course_root) if any((out_dir / "autograded").glob(f"*/{c.name}/*.ipynb"))]
    for chapter in graded:
        write_atomic(out_dir / "source" / chapter.name / f"{chapter.topic}.ipynb", nbformat.writes(chapter.template))
    submitted_view(out_dir, db_url)
    return graded


SUBMITTED_VIEW = ".work/formgrader/submitted"   # formgrader's submitted_directory, relative to the class


def submitted_view(out_dir, db_url=None):
    """Write ``out_dir/.work/formgrader/submitted/<learner>/<chapter>/timestamp.txt`` for every
    submission in the class's gradebook.

    formgrader's "# Submissions" counts the folders of nbgrader's ``submitted`` directory, which
    ``course grade`` never writes when the submissions came from a zip or another folder: every count
    said 0. The view holds no notebook, so formgrader's Autograde link stops at "No notebooks were
    matched" before it removes anything, rather than running a learner's code outside the jail."""
    from nbgrader.api import Gradebook, SubmittedAssignment

    from .pipeline import gradebook_url

    out_dir = Path(out_dir).resolve()
    view = out_dir / SUBMITTED_VIEW
    shutil.rmtree(view, ignore_errors=True)
    with Gradebook(gradebook_url(db_url, out_dir)) as gb:
        found = [(s.student.id, s.assignment.name, s.timestamp) for s in gb.db.query(SubmittedAssignment)]
    for learner, chapter, timestamp in found:
        if not (LEARNER_RE.match(learner) and LEARNER_RE.match(chapter)):   # names, never paths
            continue
        folder = view / learner / chapter
        folder.mkdir(parents=True, exist_ok=True)
        if timestamp is not None:   # the gradebook keeps UTC without a zone; nbgrader's own format
            (folder / "timestamp.txt").write_text(timestamp.strftime("%Y-%m-%d %H:%M:%S.%f UTC") + "\n")


def which_class(course_root, out_dir=None, db_url=None):
    """``(folder, how it was chosen)``: ``out_dir`` when given, else the class graded last.

    Raises FileNotFoundError, saying how to grade a class, when there is none."""
    if out_dir is not None:
        return Path(out_dir).resolve(), "the folder given"
    found = last_graded(course_root)
    if found is None:
        raise FileNotFoundError(f"no graded class yet: {NO_CLASS}")
    out, database = found
    if database and not db_url:
        raise FileNotFoundError(f"the class graded last, {out}, keeps its gradebook on a database server: "
                                f"give its URL, `make formgrader DB=postgresql://...` (or OUT=another folder)")
    return out, "the class graded last"


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
               f"--CourseDirectory.submitted_directory={SUBMITTED_VIEW}",
               "--CourseDirectory.feedback_directory=feedback",
               f"--Exchange.root={out_dir / '.work' / 'exchange'}"]   # no exchange: quiets its warning
    if token is not None:
        command.append(f"--IdentityProvider.token={token}")
    if os.geteuid() == 0:
        command.append("--allow-root")
    return command


DB_ENV = "COURSE_FORMGRADER_DB"   # the gradebook URL, for the server's config file (never written to disk)
SERVER_CONFIG = """\
# The nbgrader settings of this graded class, written by `course formgrader`, which starts the
# server in this folder: formgrader reads nbgrader_config.py from its working directory.
import os

c = get_config()  # noqa: F821
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.root = {root!r}
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.submitted_directory = {submitted!r}
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = os.environ[{db_env!r}]
c.Exchange.root = {exchange!r}
"""


def course_id(course_root):
    """The ``CourseDirectory.course_id`` of the course's own ``nbgrader_config.py`` ("" if none)."""
    from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

    try:
        config = PyFileConfigLoader("nbgrader_config.py", path=str(course_root)).load_config()
    except ConfigFileNotFound:
        return ""
    return str(config.CourseDirectory.get("course_id", ""))


def server_folder(course_root, out_dir):
    """Write ``out_dir/.work/formgrader/nbgrader_config.py`` with the class's settings; return the folder.

    formgrader reloads nbgrader's settings on every page from the working directory, whatever the
    server's command line says: started in the course folder (``make formgrader``), it read the
    course's own ``nbgrader_config.py`` (source ``solutions``, gradebook at the course root) and
    listed nothing. Started in this folder it reads the class's; the gradebook URL comes from the
    environment (:data:`DB_ENV`), since it may hold a password."""
    out_dir = Path(out_dir).resolve()
    folder = out_dir / ".work" / "formgrader"
    (out_dir / ".work" / "exchange").mkdir(parents=True, exist_ok=True)   # no exchange: quiets its warning
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / "nbgrader_config.py", SERVER_CONFIG.format(
        course_id=course_id(course_root), root=str(out_dir), db_env=DB_ENV, submitted=SUBMITTED_VIEW,
        exchange=str(out_dir / ".work" / "exchange")))
    return folder


def served_port(runtime_dir, server, timeout=120):
    """The port a Jupyter server started with ``JUPYTER_RUNTIME_DIR=runtime_dir`` serves on, read from
    its runtime file (with ``--port 0`` the server chooses a free one: no port is freed for it and then
    taken by someone else); None if ``server`` (its ``Popen``) ends or ``timeout`` passes first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.poll() is None:
        for info in Path(runtime_dir).glob("jpserver-*.json"):
            try:
                return json.loads(info.read_text())["port"]
            except (OSError, ValueError, KeyError):   # still being written
                pass
        time.sleep(0.2)
    return None


def formgrader_command(args):
    """``course formgrader [--out DIR] [--port N]``: say which class, prepare it, serve it until Ctrl-C, export.

    Without ``--out`` it opens the class graded last. The server runs in :func:`server_folder`; its
    address is printed once it has taken its port (``--port 0``: a free one of its choosing)."""
    from ..paths import REPO_ROOT
    from .pipeline import export, gradebook_url

    root = Path.cwd() if (Path.cwd() / "notebooks").is_dir() else REPO_ROOT
    db_url = getattr(args, "db", None)
    try:
        out, chosen = which_class(root, args.out, db_url)
        chapters = prepare(root, out, db_url)
    except FileNotFoundError as error:
        print(f"course formgrader: {error}", file=sys.stderr)
        return 2
    folder = server_folder(root, out)
    token = secrets.token_hex(16)
    print(f"formgrader on {chosen}, {out} ({', '.join(c.name for c in chapters) or 'no chapter graded'}):\n"
          "Manual Grading > chapter > notebook > learner: review, then type a score.\n"
          "Ctrl-C stops the server, then grades.csv, scores.csv, report.html and feedback are rewritten.", flush=True)
    command = server_command(out, port=args.port, token=token, open_browser=False, db_url=db_url)
    runtime = folder / "runtime"   # where the server says which port it took (--port 0: one it chose)
    shutil.rmtree(runtime, ignore_errors=True)
    env = {**os.environ, DB_ENV: gradebook_url(db_url, out), "JUPYTER_RUNTIME_DIR": str(runtime)}
    server = subprocess.Popen(command, cwd=folder, env=env)
    try:
        port = served_port(runtime, server)
        if port is not None:
            print(f"  http://127.0.0.1:{port}/formgrader?token={token}", flush=True)
        server.wait()
    except KeyboardInterrupt:   # Ctrl-C: stop the server cleanly (SIGTERM asks no question on a terminal)
        server.terminate()
        server.wait()
    written = export(root, out, refresh_feedback=manually_scored(out, db_url), db_url=db_url)
    print("wrote:\n" + "\n".join(f"  {p}{'/' if p.is_dir() else ''}" for p in written))
    return 0


def manually_scored(out_dir, db_url=None):
    """``[(learner, chapter), ...]`` with at least one manual score in the class's gradebook."""
    from nbgrader.api import Gradebook, Grade

    from .pipeline import gradebook_url

    with Gradebook(gradebook_url(db_url, Path(out_dir).resolve())) as gb:
        found = {(g.student.id, g.assignment.name) for g in gb.db.query(Grade).filter(Grade.manual_score.isnot(None))}
    return sorted(found)
