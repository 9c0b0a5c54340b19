"""nbgrader's exchange on the hub's machine: release a chapter, collect it, return its feedback.

Each edition is a course of its own on the exchange (``pytorch-course``, ``pytorch-course-zh``),
so a learner's Assignments panel lists their edition's chapters. The moves are nbgrader's own
commands (release_assignment, collect, release_feedback), which set the permissions nbgrader
documents: learners read the outbound folder, write into the inbound one without listing it, and
read only the feedback whose name is their submission's secret hash.
"""

import shutil
import tempfile
from pathlib import Path

from ..learner.i18n import LANGUAGES, SOURCE_LANGUAGE, notebook_language
from ..grading.ownership import give_to_folder_owner
from ..paths import REPO_ROOT, run_nbgrader
from .config import course_id


class ExchangeError(RuntimeError):
    """An exchange step nbgrader refused; the message carries nbgrader's own words."""


def prepare(root):
    """Create the exchange folder with nbgrader's permissions (everyone may enter and write)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o777)
    return root


def _nbgrader(args, cwd):
    done = run_nbgrader(args, cwd)
    if done.returncode != 0:
        raise ExchangeError(f"nbgrader {args[0]} failed:\n{(done.stderr or done.stdout).strip()[-2000:]}")
    return done.stderr + done.stdout


def _exchange_args(site, edition):
    return [f"--course={course_id(edition)}", f"--Exchange.root={site.exchange}"]


def release(site, chapter, *, repo=REPO_ROOT, editions=LANGUAGES):
    """Put ``chapter`` (``01_tensors``) of every edition on the exchange; returns the course ids."""
    from ..authoring.editions import edition_root

    prepare(site.exchange)
    released = []
    for edition in editions:
        source = edition_root(repo, edition) / chapter
        if not source.is_dir():
            raise ExchangeError(f"no chapter {chapter!r} in {source.parent} (run `make release` first?)")
        with tempfile.TemporaryDirectory() as staging:
            shutil.copytree(source, Path(staging) / "release" / chapter,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
            _nbgrader(["release_assignment", chapter, *_exchange_args(site, edition), "--force",
                       f"--CourseDirectory.root={staging}"], cwd=staging)
        released.append(course_id(edition))
    return released


def collect(site, chapter, *, editions=LANGUAGES):
    """Copy each learner's latest submission of ``chapter`` into ``course_dir/submitted/<id>/<chapter>/``
    (with nbgrader's timestamp.txt, which grading reads for lateness); returns the learners' ids."""
    submitted = site.course_dir / "submitted"
    submitted.mkdir(parents=True, exist_ok=True)
    work = site.course_dir / ".work"
    work.mkdir(exist_ok=True)
    before = {p: p.stat().st_mtime_ns for p in submitted.glob(f"*/{chapter}/timestamp.txt")}
    for edition in editions:
        if not (site.exchange / course_id(edition) / "inbound").is_dir():
            continue   # never released in this edition
        _nbgrader(["collect", chapter, *_exchange_args(site, edition), "--update",
                   f"--CourseDirectory.root={site.course_dir}",
                   f"--CourseDirectory.db_url=sqlite:///{work / 'exchange.db'}"], cwd=site.course_dir)
    after = {p: p.stat().st_mtime_ns for p in submitted.glob(f"*/{chapter}/timestamp.txt")}
    give_to_folder_owner(site.course_dir)
    return sorted(p.parent.parent.name for p, t in after.items() if before.get(p) != t)


def _edition_of(submission):
    import nbformat

    for path in sorted(submission.glob("*.ipynb")):
        try:
            return notebook_language(nbformat.read(path, as_version=4))
        except Exception:   # an unreadable submission was graded as unreadable; English then
            continue
    return SOURCE_LANGUAGE


def return_feedback(site, chapter, *, graded=None):
    """Put each learner's feedback page of ``chapter`` (from ``course grade --out graded``, by
    default the course folder) on the exchange, named as nbgrader's fetch_feedback looks for it;
    returns the learners' ids."""
    graded = Path(graded or site.course_dir)
    submitted = site.course_dir / "submitted"
    staged = {}
    with tempfile.TemporaryDirectory() as staging:
        for pages in sorted((graded / "feedback").glob(f"*/{chapter}")):
            learner, submission = pages.parent.name, submitted / pages.parent.name / chapter
            secret = submission / "submission_secret.txt"
            if not pages.is_dir() or not secret.is_file():
                continue   # not a submission that came through the exchange
            edition = _edition_of(submission)
            target = Path(staging) / edition / "feedback" / learner / chapter
            target.mkdir(parents=True)
            for page in pages.glob("*.html"):
                shutil.copy(page, target / page.name)
            shutil.copy(secret, target / secret.name)
            shutil.copy(submission / "timestamp.txt", target / "timestamp.txt")
            staged.setdefault(edition, []).append(learner)
        for edition, learners in staged.items():
            root = Path(staging) / edition
            _nbgrader(["release_feedback", chapter, *_exchange_args(site, edition),
                       f"--CourseDirectory.root={root}"], cwd=root)
    return sorted(learner for learners in staged.values() for learner in learners)
