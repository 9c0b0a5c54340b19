"""``course grade`` and ``course grade-demo`` (called from autograder/cli.py)."""

import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from ..paths import REPO_ROOT
from . import sandbox
from .pipeline import grade


def summary(report):
    """The summary table: one line per learner and chapter, then totals per status."""
    lines = [f"{'learner':<14} {'chapter':<22} {'score':>11}  status"]
    for row in report.rows:
        score = "-" if row.score is None else f"{row.score:g}/{row.max_score:g}"
        why = f" ({'; '.join(row.reasons)})" if row.reasons and row.status != "graded" else ""
        lines.append(f"{row.learner:<14} {row.chapter:<22} {score:>11}  {row.status}{why}")
    counts = {}
    for row in report.rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    executed = len(report.executed())
    lines.append("")
    lines.append(", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
                 + f"; {executed} executed in {report.wall_s:.1f} s with {report.jobs} workers")
    refs = getattr(report, "references", {}) or {}
    if refs:
        lines.append("reference runs of the solutions: " + ", ".join(
            f"{name} {'failed' if s is None else ('cached' if cached else f'{s:.1f} s')}"
            for name, (s, cached) in sorted(refs.items())))
    for name, why in getattr(report, "rejected", []):
        lines.append(f"not graded: {name!r}: {why}")
    lines.append(f"wrote {report.csv_path}, {report.out_dir / 'gradebook.db'}, {report.out_dir / 'feedback'}/")
    off = [name for name, enabled, _ in report.protections if not enabled]
    if off:
        lines.append("isolation: OFF for " + ", ".join(off) + " (see README, Grading)")
    return "\n".join(lines)


def _run(course_root, submissions, out, args, limits=None):
    try:
        report = grade(course_root, submissions, out_dir=out, jobs=getattr(args, "jobs", None),
                       learners=getattr(args, "learner", None), chapters=getattr(args, "chapter", None),
                       limits=limits, insecure=getattr(args, "insecure", False))
    except (FileNotFoundError, ValueError, RuntimeError) as error:
        print(f"course grade: {error}", file=sys.stderr)
        return 2
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


DEMO_LIMITS = replace(sandbox.Limits(), cell_timeout_s=10.0, submission_timeout_s=120.0)


def grade_demo_command(args):
    """Build the sample class (see ``demo``) in a scratch folder and grade it."""
    from .demo import build

    out = Path(args.out) if getattr(args, "out", None) else Path(tempfile.mkdtemp(prefix="grade-demo-"))
    submissions = out / "submitted"
    learners = build(REPO_ROOT, submissions)
    print(f"sample class of {len(learners)} learners in {submissions} "
          f"(ada: solutions, ben: starters, cy: wrong answers, dee: edited tests, eve: corrupt file, "
          f"fay: infinite loop; cell time limit {DEMO_LIMITS.cell_timeout_s:g} s)")
    code = _run(REPO_ROOT, submissions, out, args, limits=DEMO_LIMITS)
    if code == 0:
        print(f"open the feedback: {out / 'feedback' / 'ada'}; grades: {out / 'grades.csv'}")
    return code
