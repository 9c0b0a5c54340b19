"""``make bench``: stock nbgrader against ``course grade`` on one sample class.

Both produce the same outputs (gradebook scores, feedback HTML per learner and
chapter, a grades CSV): stock nbgrader with ``autograde``, ``generate_feedback``
and ``export``, as an instructor would run them. Both run in this one process's
session, on this machine, one after the other, on the same submissions (the demo class without its corrupt and infinite-loop
learners, which stock nbgrader cannot grade meaningfully, repeated ``--copies``
times). The scores must be identical; the script prints submissions per minute
for both, their ratio, and where ``course grade``'s time per submission goes.

Then the same class once more with issue 21's attacks on the evidence channel and the caps added
as learners (tests/fixtures/redteam/evidence_attacks.py, chapter 01): the honest scores must not
change, and the run should take at most 1.5x the plain one (``--no-attacks`` leaves it out).

Then the same class once more through Dask (``course grade --scheduler``): a local
scheduler and two single-threaded worker processes on this machine, against the
local run, with the cost per submission of going through the scheduler (``--no-dask``
leaves it out).

    .venv/bin/python -m autograder.maintainers.bench --jobs 2 [--copies 2] [--chapter 01_tensors] [--no-dask]
"""

import argparse
import importlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from ..grading.course import find_chapters
from ..grading.demo import build
from ..grading.pipeline import grade
from ..paths import REPO_ROOT, run_nbgrader

STOCK_CONFIG = """\
c = get_config()
c.CourseDirectory.course_id = "bench"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
c.Execute.timeout = 60
"""


def _nbgrader(args, cwd):
    result = run_nbgrader(args, cwd, COURSE_DATA_DIR=str(REPO_ROOT / "data"), JUPYTER_PLATFORM_DIRS="1")
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")


def stock(chapters, submitted, work):
    """Grade with stock nbgrader; return (seconds, {(learner, chapter): score})."""
    from nbgrader.api import Gradebook

    course = work / "stock"
    (course / "source").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(STOCK_CONFIG)
    for chapter in chapters:
        (course / "source" / chapter.name).mkdir()
        shutil.copy(chapter.source_path, course / "source" / chapter.name)
        _nbgrader(["generate_assignment", chapter.name, "--force"], course)
    shutil.copytree(submitted, course / "submitted")
    t0 = time.perf_counter()
    for chapter in chapters:   # one command per chapter, as an instructor would run it
        _nbgrader(["autograde", chapter.name, "--force"], course)
        # the same outputs as course grade: per-learner feedback HTML and a grades CSV
        _nbgrader(["generate_feedback", chapter.name, "--force"], course)
    _nbgrader(["export", "--to", str(course / "grades.csv")], course)
    seconds = time.perf_counter() - t0
    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for chapter in chapters:
            for sub in gb.find_assignment(chapter.name).submissions:
                scores[(sub.student.id, chapter.name)] = float(sub.score)
    return seconds, scores


def ours(submitted, work, jobs, chapters, out="ours"):
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    report = grade(REPO_ROOT, submitted, out_dir=work / out, jobs=jobs, progress=False,
                   chapters=[c.name for c in chapters])
    seconds = time.perf_counter() - t0
    grader_cpu = time.process_time() - cpu0
    scores = {(r.learner, r.chapter): r.score for r in report.rows}
    return seconds, scores, report, grader_cpu


ATTACKS_DIR = REPO_ROOT / "tests" / "fixtures" / "redteam"
ATTACK_CHAPTER = "01_tensors"


def fresh_kernels(submitted, work, jobs, chapters):
    """``course grade`` with every kernel started fresh in its jail (no zygote): (seconds, scores)."""
    from ..grading import zygote

    zygote.stop()
    os.environ["COURSE_KERNEL_ZYGOTE"] = "0"
    try:
        seconds, scores, _report, _cpu = ours(submitted, work, jobs, chapters, out="fresh")
    finally:
        del os.environ["COURSE_KERNEL_ZYGOTE"]
    return seconds, scores


def with_attacks(submitted, target):
    """A copy of the class in ``target`` plus one learner per attack of ``evidence_attacks``; their names."""
    import nbformat

    sys.path.insert(0, str(ATTACKS_DIR))
    try:
        attacks = importlib.import_module("attacks")
        names = set(vars(importlib.import_module("evidence_attacks")).get("NAMES", ()))
    finally:
        sys.path.remove(str(ATTACKS_DIR))
    shutil.copytree(submitted, target)
    chapter = find_chapters(REPO_ROOT, only=[ATTACK_CHAPTER])[0]
    starter = nbformat.read(chapter.release_path, as_version=4)
    learners = []
    for name, (code, _expect, where) in attacks.ATTACKS.items():
        if name in names:
            path = target / f"attack-{name}" / ATTACK_CHAPTER / chapter.release_path.name
            path.parent.mkdir(parents=True)
            nbformat.write(attacks.with_attack(starter, code.format(), where), path)
            learners.append(f"attack-{name}")
    return learners


def attacked(submitted, work, jobs, chapters, plain_s, plain_scores):
    """Grade the class with the attacks added: (a line comparing its time with ``plain_s``, whether the
    honest scores held)."""
    target = work / "attacked-submitted"
    learners = with_attacks(submitted, target)
    t0 = time.perf_counter()
    report = grade(REPO_ROOT, target, out_dir=work / "attacked", jobs=jobs, progress=False,
                   chapters=[c.name for c in chapters])
    seconds = time.perf_counter() - t0
    honest = {(r.learner, r.chapter): r.score for r in report.rows if r.learner not in learners}
    attacks = [r for r in report.rows if r.learner in learners]
    line = (f"{'course grade + attacks':24} {seconds:8.1f}  ({len(attacks)} attacks added: {seconds / plain_s:.2f}x "
            f"the plain run, target <= 1.5x; attacks scored {sum(r.score or 0 for r in attacks):g}, statuses "
            f"{', '.join(sorted({r.status for r in attacks}))})")
    return line, honest == plain_scores


def on_dask(submitted, work, chapters, workers=2):
    """Grade through a local Dask scheduler and ``workers`` single-threaded worker processes."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as cluster:
        with Client(cluster, set_as_default=False) as client:   # running workers have the course imported
            client.run(importlib.import_module, "autograder.grading.cluster")
        t0 = time.perf_counter()
        report = grade(REPO_ROOT, submitted, out_dir=work / "dask", progress=False, scheduler=cluster.scheduler_address,
                       chapters=[c.name for c in chapters])
        seconds = time.perf_counter() - t0
    return seconds, {(r.learner, r.chapter): r.score for r in report.rows}, report


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.maintainers.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--copies", type=int, default=2, help="repeat the sample class (default 2)")
    parser.add_argument("--chapter", action="append", help="only these chapters (default: all released)")
    parser.add_argument("--keep", help="keep the work folder here")
    parser.add_argument("--no-dask", action="store_true", help="leave out the run on two local Dask workers")
    parser.add_argument("--no-attacks", action="store_true", help="leave out the run with issue 21's attacks added")
    parser.add_argument("--no-fresh", action="store_true",
                        help="leave out the run that starts every kernel fresh (no zygote)")
    args = parser.parse_args(argv)

    chapters = find_chapters(REPO_ROOT, only=args.chapter)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="course-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        submitted = work / "submitted"
        learners = build(REPO_ROOT, submitted, bench=True, copies=args.copies, chapters=args.chapter)
        n = len(learners) * len(chapters)
        print(f"sample class: {len(learners)} learners x {len(chapters)} chapters = {n} submissions "
              f"({', '.join(c.name for c in chapters)}); {os.cpu_count()} cores, --jobs {args.jobs}")
        print("stock nbgrader (autograde, generate_feedback, export) ...", flush=True)
        stock_s, stock_scores = stock(chapters, submitted, work)
        print("course grade ...", flush=True)
        ours_s, our_scores, report, grader_cpu = ours(submitted, work, args.jobs, chapters)
        if not args.no_fresh:
            print("course grade, every kernel started fresh (COURSE_KERNEL_ZYGOTE=0) ...", flush=True)
            fresh_s, fresh_scores = fresh_kernels(submitted, work, args.jobs, chapters)
        attack_lines = []
        if not args.no_attacks and any(c.name == ATTACK_CHAPTER for c in chapters):
            print("course grade with the attacks added ...", flush=True)
            line, held = attacked(submitted, work, args.jobs, chapters, ours_s, our_scores)
            attack_lines = [line, *([] if held else ["HONEST SCORES CHANGED with the attacks"])]
        if not args.no_dask:
            print("course grade --scheduler (local Dask scheduler, 2 single-threaded workers) ...", flush=True)
            dask_s, dask_scores, dask_report = on_dask(submitted, work, chapters)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    mismatches = sorted(k for k in set(stock_scores) | set(our_scores)
                        if stock_scores.get(k) != our_scores.get(k))
    if not args.no_dask:
        mismatches += sorted(k for k in set(dask_scores) | set(our_scores)
                             if dask_scores.get(k) != our_scores.get(k) and k not in mismatches)
    if not args.no_fresh:
        mismatches += sorted(k for k in set(fresh_scores) | set(our_scores)
                             if fresh_scores.get(k) != our_scores.get(k) and k not in mismatches)
    rate_stock, rate_ours = 60 * n / stock_s, 60 * n / ours_s
    print()
    print(f"{'':24} {'seconds':>8} {'subs/min':>9}")
    print(f"{'stock nbgrader':24} {stock_s:8.1f} {rate_stock:9.1f}  (autograde + generate_feedback + export)")
    print(f"{'course grade':24} {ours_s:8.1f} {rate_ours:9.1f}")
    if not args.no_fresh:
        print(f"{'  fresh kernels':24} {fresh_s:8.1f} {60 * n / fresh_s:9.1f}  (no zygote: each kernel imports "
              f"torch itself; the zygote makes grading {fresh_s / ours_s:.2f}x faster)")
    for line in attack_lines:
        print(line)
    if not args.no_dask:
        print(f"{'course grade on Dask':24} {dask_s:8.1f} {60 * n / dask_s:9.1f}  (local scheduler, 2 single-threaded "
              f"workers: {ours_s / dask_s:.2f}x local)")
    print(f"speed-up: {rate_ours / rate_stock:.2f}x (target >= 2x on 2 cores)")

    timed = report.executed()
    mean = lambda key: sum(r.timing[key] for r in timed) / max(1, len(timed))  # noqa: E731
    exec_s = mean("exec_s")
    core_s = ours_s * report.jobs / n
    print()
    print(f"per submission (course grade, mean of {len(timed)}):")
    print(f"  executing the cells           {exec_s:6.2f} s")
    print(f"  kernel start + imports        {mean('kernel_s'):6.2f} s  (pre-warmed: overlaps other work)")
    print(f"  waiting for a warm kernel     {mean('wait_s'):6.2f} s")
    print(f"  judging (a process of its own) {mean('judge_s'):5.2f} s")
    print(f"  scoring (nbgrader, gradebook) {mean('score_s'):6.2f} s")
    print(f"  feedback HTML                 {mean('feedback_s'):6.2f} s")
    print(f"  grading-process CPU           {grader_cpu / n:6.2f} s  (restore, scoring, feedback, messages)")
    print(f"  worker-seconds per submission {core_s:6.2f} s  -> overhead beyond cells {core_s - exec_s:6.2f} s")
    refs = {k: s for k, (s, _cached) in report.references.items() if s is not None}
    print("  reference runs (once per chapter, solution in record mode): "
          + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(refs.items())))
    print(f"  stock: seconds per submission {stock_s / n:6.2f} s  -> overhead beyond cells "
          f"{stock_s / n - exec_s:6.2f} s (same cells, one at a time)")
    if not args.no_dask:
        print_dask(dask_report, dask_s, ours_s, n, report.jobs)
    if any(line.startswith("HONEST SCORES CHANGED") for line in attack_lines):
        return 1
    if mismatches:
        print(f"\nSCORES DIFFER for {len(mismatches)} submissions:")
        for key in mismatches:
            print(f"  {key}: stock {stock_scores.get(key)}, course grade {our_scores.get(key)}"
                  + ("" if args.no_dask else f", on Dask {dask_scores.get(key)}"))
        return 1
    runs = ["stock", "local"] + ([] if args.no_fresh else ["fresh kernels"]) + ([] if args.no_dask else ["Dask"])
    print(f"\nscores identical for all {n} submissions ({', '.join(runs)})")
    return 0


def print_dask(report, dask_s, local_s, n, local_jobs, workers=2):
    """Where a submission's time goes on the Dask path, and what the scheduler adds to it."""
    timed = report.executed()
    mean = lambda key: sum(r.timing[key] for r in timed) / max(1, len(timed))  # noqa: E731
    worker_s = dask_s * workers / n
    print()
    print(f"per submission on Dask (mean of {len(timed)}; {workers} workers):")
    print(f"  executing the cells           {mean('exec_s'):6.2f} s")
    print(f"  kernel start + imports        {mean('kernel_s'):6.2f} s  (pre-warmed on the worker)")
    print(f"  waiting for a warm kernel     {mean('wait_s'):6.2f} s")
    print(f"  scoring + feedback (grader)   {mean('score_s') + mean('feedback_s'):6.2f} s")
    print(f"  worker-seconds per submission {worker_s:6.2f} s  (local: {local_s * local_jobs / n:.2f} s)")
    print(f"  scheduler overhead            {(dask_s - local_s) * workers / n:6.2f} s per submission "
          f"(worker-seconds beyond the local run)")


if __name__ == "__main__":
    sys.exit(main())
