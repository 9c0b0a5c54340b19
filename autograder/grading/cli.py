"""``course grade`` and ``course grade-demo`` (called from autograder/cli.py)."""

import sys
from dataclasses import replace
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from ..learner.i18n import SOURCE_LANGUAGE, speaking
from ..learner.messages import message
from ..learner.progress import display_width
from ..paths import REPO_ROOT
from . import sandbox
from .instructor_language import shown_reasons, status_with_reasons, status_word
from .last_class import remember
from .ownership import give_to_folder_owner
from .pipeline import STATUS_FILE, grade


def summary(report):
    """The summary table: one line per learner and chapter, then totals per status; in the
    instructor's language (``report.language``)."""
    language = getattr(report, "language", SOURCE_LANGUAGE)
    with speaking(language):
        return "\n".join(_summary_lines(report, _reasons_shown(report, language)))


def _summary_lines(report, reasons):
    """The summary's lines in the current language; ``reasons``: each row's, as shown."""
    lines = [f"{_cell(message('summary_learner'), 14)} {_cell(message('summary_chapter'), 22)} "
             f"{_cell(message('summary_score'), 11, right=True)}  {message('summary_status')}"]
    for row, shown in zip(report.rows, reasons):
        score = "-" if row.score is None else f"{row.score:g}/{row.max_score:g}"
        lines.append(f"{row.learner:<14} {row.chapter:<22} {score:>11}  {status_with_reasons(row.status, shown)}")
    counts = {}
    for row in report.rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    lines.append("")
    lines.append(message("list_separator").join(message("status_count", count=n, status=status_word(s))
                                                for s, n in sorted(counts.items()))
                 + message("joiner") + message("summary_executed", count=len(report.executed()),
                                               seconds=f"{report.wall_s:.1f}", jobs=report.jobs))
    refs = getattr(report, "references", {}) or {}
    if refs:
        lines.append(message("summary_references", runs=message("list_separator").join(
            message("summary_reference_failed", name=name) if s is None else
            message("summary_reference_cached", name=name) if cached else
            message("summary_reference_seconds", name=name, seconds=f"{s:.1f}")
            for name, (s, cached) in sorted(refs.items()))))
    for name, why in getattr(report, "rejected", []):
        lines.append(message("summary_rejected", name=repr(name), reason=why))
    lines.extend(_workers_line(report))
    if not str(getattr(report, "db_url", "") or "sqlite").startswith("sqlite"):
        lines.append(message("summary_gradebook", url=_without_password(report.db_url)))
    off = [name for name, enabled, _ in report.protections if not enabled]
    if off:
        lines.append(message("summary_isolation_off", names=message("list_separator").join(off)))
    lines.extend(getattr(report, "problems", []))
    lines.append(message("summary_wrote"))
    for path in getattr(report, "written", None) or [report.csv_path]:
        lines.append(f"  {path}{'/' if path.is_dir() else ''}")
    return lines


def _reasons_shown(report, language):
    """Each row's reasons as the summary shows them: in ``language`` where they come from message keys
    (the late notice, rebuilt from the gradebook), else as recorded."""
    if language == SOURCE_LANGUAGE or not any(row.reasons for row in report.rows):
        return [row.reasons for row in report.rows]
    from nbgrader.api import Gradebook

    with Gradebook(report.db_url) as gb, speaking(language):
        return [shown_reasons(gb, row.chapter, row.learner, row.reasons) for row in report.rows]


def _cell(text, width, right=False):
    """``text`` padded to ``width`` columns of a terminal (a Chinese character takes two)."""
    gap = " " * max(width - display_width(text), 0)
    return gap + text if right else text + gap


def _workers_line(report):
    """``graded on 2 Dask workers: 127.0.0.1:4101 (5), ...`` when a cluster executed the submissions."""
    counts = {}
    for row in report.rows:
        if getattr(row, "worker", ""):
            counts[row.worker] = counts.get(row.worker, 0) + 1
    if not counts:
        return []
    return [message("summary_workers", count=len(counts), file=STATUS_FILE, workers=message("list_separator").join(
        f"{name} ({n})" for name, n in sorted(counts.items())))]


def _without_password(url):
    """A gradebook URL fit to print: ``postgresql://grader:***@host/db``."""
    from sqlalchemy.engine import make_url

    text = str(url)
    if "://" not in text:
        return text
    try:
        return make_url(text).render_as_string(hide_password=True)
    except Exception:
        return text.split("://", 1)[0] + "://..."


def _run(course_root, submissions, out, args, limits=None):
    """Grade and print the summary; 2 (with the message) on bad input."""
    try:
        report = grade(course_root, submissions, out_dir=out, jobs=getattr(args, "jobs", None),
                       learners=getattr(args, "learner", None), chapters=getattr(args, "chapter", None),
                       limits=limits, insecure=getattr(args, "insecure", False), due=getattr(args, "due", None),
                       late_policy=getattr(args, "late_policy", None) or "none",
                       scheduler=getattr(args, "scheduler", None), db_url=getattr(args, "db", None),
                       language=getattr(args, "language", None))
    except (FileNotFoundError, ValueError, RuntimeError) as error:
        print(f"course grade: {error}", file=sys.stderr)
        return 2
    except SQLAlchemyError as error:   # a --db that cannot be reached or used
        print(f"course grade: cannot use the gradebook {_without_password(args.db or 'gradebook.db')}: "
              f"{type(error).__name__}: {str(error).splitlines()[0]}", file=sys.stderr)
        return 2
    give_to_folder_owner(report.out_dir, [*report.written, report.out_dir / ".work"])
    remember(course_root, out, database=bool(getattr(args, "db", None)))   # what `make formgrader` opens
    print(summary(report))
    return 0


def grade_command(args):
    """``course grade --submissions S [--jobs N] [--learner L]... [--chapter C]... [--out DIR]``."""
    if not Path(args.submissions).exists():
        print(f"course grade: {args.submissions} does not exist (a folder submitted/<learner>/<chapter>/ "
              f"or an LMS zip)", file=sys.stderr)
        return 2
    root = Path.cwd() if (Path.cwd() / "notebooks").is_dir() else REPO_ROOT
    return _run(root, args.submissions, args.out, args)


DEFAULT_DEMO_OUT = "grade-demo"
DEMO_LIMITS = replace(sandbox.Limits(), cell_timeout_s=10.0, submission_timeout_s=120.0)


def grade_demo_command(args):
    """Build the sample class (see ``demo``) in ``--out`` (default ``./grade-demo``) and grade it there.

    A second run rebuilds the submissions and grades them again in the same folder."""
    from .course import find_chapters
    from .demo import DEMO_DUE, build

    out = Path(args.out or DEFAULT_DEMO_OUT).resolve()
    submissions = out / "submitted"
    learners = build(REPO_ROOT, submissions)
    first = find_chapters(REPO_ROOT)[0].name
    print(f"sample class of {len(learners)} learners in {submissions} "
          f"(ada: solutions, ben: starters, cy: wrong answers, dee: edited tests, eve: corrupt file, "
          f"fay: infinite loop, gil: late; cell time limit {DEMO_LIMITS.cell_timeout_s:g} s; "
          f"{first} due {DEMO_DUE})")
    args.due = [*(getattr(args, "due", None) or []), f"{first}={DEMO_DUE}"]
    code = _run(REPO_ROOT, submissions, out, args, limits=DEMO_LIMITS)
    if code == 0:
        print(f"open the class report: {out / 'report.html'}")
        print(f"the demo is kept in {out} (delete it when done; `make grade-demo` grades it again)")
    return code


def override_command(args):
    """``course override LEARNER CHAPTER EXERCISE SCORE [--out DIR]``: a manual score, then a fresh export."""
    from .override import OverrideError, gradebook_url, parse_score, set_manual_score
    from .pipeline import export

    try:
        score = parse_score(args.score)
        now = set_manual_score(gradebook_url(args.out, getattr(args, "db", None)), args.learner, args.chapter, args.exercise, score)
    except OverrideError as error:
        print(f"course override: {error}", file=sys.stderr)
        return 2
    root = Path.cwd() if (Path.cwd() / "notebooks").is_dir() else REPO_ROOT
    written = export(root, args.out, refresh_feedback=[(args.learner, args.chapter)], db_url=getattr(args, "db", None))
    give_to_folder_owner(args.out, written)
    what = ("back to the autograder's score" if score is None else
            "set by hand: make grade keeps it until you change it here or in formgrader")
    print(f"{args.learner} {args.chapter} {args.exercise}: {now:g} points ({what})")
    print("wrote:")
    for path in written:
        print(f"  {path}{'/' if path.is_dir() else ''}")
    return 0
