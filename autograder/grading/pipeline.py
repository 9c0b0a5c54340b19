"""``grade()``: submissions in, gradebook + grades.csv + feedback out.

1. find the course's released chapters and record them in the gradebook
   (``out_dir/gradebook.db``, nbgrader's schema, via ``SaveCells``);
2. collect submissions (folder or LMS zip); read each one and restore its test
   and read-only cells; every check cell becomes one probe call; unreadable
   submissions are reported;
3. run each chapter's solution once in a reference kernel of its own, recording
   what every check expects (``reference``); then execute the submissions in
   parallel on pre-warmed sandboxed kernels (``execute``), each check cell
   receiving only its probes and reporting evidence;
4. in this process only: judge the evidence against the reference (``verdicts``),
   score with nbgrader, write feedback;
5. write ``grades.csv`` for every learner in the gradebook and a status file, then
   ``scores.csv`` (per exercise) and ``report.html`` (the class overview).

A chapter's due date (``due``) goes into the gradebook; a submission that came
after it is marked ``late`` (nbgrader's timestamps and late penalty, see ``late``).

Nothing is deleted: a submission that fails keeps its previous gradebook rows and
feedback, and the statuses of learners not graded in this run are kept.

Error boundary (issue 11): reading and restoring one submission (``_prepare``) and
scoring it (``_finish_guarded``) each run inside their own ``try``; whatever goes
wrong becomes that submission's row (``unreadable`` or ``crashed``, with a
reason), and grades.csv and the status file are written even if the run itself
stops (``_write_reports`` in a ``finally``).
"""

import asyncio
import concurrent.futures
import json
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..learner.checks import RECORD_ENV, SECRET_ENV
from ..learner.i18n import SOURCE_LANGUAGE, notebook_language, speaking
from ..paths import tool_env
from . import interference
from . import reference as references
from . import caps, judging, sandbox
from .collect import LEARNER_RE, collect
from .course import find_chapters, register
from .late import apply_late_policy, late_reason, parse_due, parse_time, set_due_dates
from .report import report_html
from .execute import execute, run_all
from .restore import Unreadable, read_submission, restore
from .feedback import Feedback
from .grades import csv_text, grades_table, save_grades, write_atomic
from .instructor_language import LANGUAGE_FILE, checked_language, class_language
from .scores import scores_csv, scores_rows

STATUS_FILE = "grading-status.json"
SECRET_FILE = "grading-secret"
STATUSES = ("graded", "late", "timeout", "crashed", "unreadable", "tampered", "review", "missing")   # everywhere


@dataclass
class Row:
    learner: str
    chapter: str
    score: float | None
    max_score: float
    status: str
    reasons: list = field(default_factory=list)
    timing: dict = field(default_factory=dict)
    worker: str = ""                 # the Dask worker that executed it (``--scheduler``); "" when local


@dataclass
class GradeReport:
    rows: list
    out_dir: Path
    csv_path: Path
    written: list = field(default_factory=list)      # every file and folder this run wrote, grades.csv first
    problems: list = field(default_factory=list)     # outputs that could not be written, and why
    wall_s: float = 0.0
    jobs: int = 1
    protections: list = field(default_factory=list)
    references: dict = field(default_factory=dict)   # chapter -> (seconds of its reference run, cached)
    rejected: list = field(default_factory=list)     # (name, reason): learner names that never become rows
    db_url: str = ""                                 # the gradebook (nbgrader's db_url)
    language: str = SOURCE_LANGUAGE                  # the instructor's pages' (instructor_language)

    def row(self, learner, chapter):
        return next(r for r in self.rows if r.learner == learner and r.chapter == chapter)

    def executed(self):
        return [r for r in self.rows if r.timing]


@dataclass
class _Job:
    submission: object
    chapter: object
    nb: object
    nonce: str
    notes: list
    language: str = SOURCE_LANGUAGE   # the submission's edition: its feedback's language


@dataclass
class _ReferenceJob:
    chapter: object
    done: object                     # asyncio.Event, set when ``reference`` or ``error`` is known
    reference: object = None
    error: str = ""
    key: str = ""                    # the cache key of its records (see reference.cache_key)
    cached: bool = False


def grading_secret(out_dir, secret=None):
    """The secret behind hidden inputs: given, from the environment, or kept in ``out_dir``.

    A kept secret makes a re-run give the same grades; the kernels never see it
    (only the reference kernel uses it, through ``hidden_seed``).
    """
    secret = secret or os.environ.get(SECRET_ENV)
    if secret:
        return secret
    path = Path(out_dir) / SECRET_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(16) + "\n")
    return path.read_text().strip()


def gradebook_url(db_url, out_dir):
    """nbgrader's ``db_url``: ``db_url`` given, else SQLite ``out_dir/gradebook.db``.

    ``postgresql://`` is given psycopg 3 (the lock's driver) by name: SQLAlchemy 2.1 takes
    it by default, but 2.0 (which Python 3.10 gets) would look for psycopg2.
    """
    if not db_url:
        return f"sqlite:///{Path(out_dir) / 'gradebook.db'}"
    if db_url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + db_url.split("://", 1)[1]
    return db_url


def probe_notebook(nb, nonce):
    """``nb`` with every check cell replaced by one probe call (the learner kernel's version)."""
    for cell in nb.cells:
        if references.is_check_cell(cell):
            cell.source = references.learner_cell_source(nonce)
    return nb


def _progress(total_learners, jobs_by_learner):
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover
        return None
    return tqdm(total=total_learners, unit="learner", desc="grading", file=sys.stderr,
                disable=None, dynamic_ncols=True, leave=True)


def _run_to_completion(coroutine):
    """``asyncio.run`` that also works where a loop is already running (Jupyter, Playwright)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def grade(course_root, submissions, *, out_dir, jobs=None, learners=None, chapters=None, limits=None,
          prewarm=None, feedback=True, progress=True, secret=None, insecure=False, due=None, late_policy="none",
          scheduler=None, db_url=None, language=None):
    """Grade ``submissions`` (folder or zip) against the course at ``course_root``.

    ``secret`` seeds the hidden checks' inputs (default: ``COURSE_GRADING_SECRET``,
    else a secret kept in ``out_dir``). ``insecure`` allows grading without
    namespaces (see ``sandbox.preflight``). ``due`` lists ``CHAPTER=DATE`` due dates
    (kept in the gradebook); ``late_policy`` is nbgrader's ``none`` or ``zero``.
    ``scheduler`` (``tcp://host:port``) runs the kernels on that Dask cluster's workers
    instead of this machine (see ``cluster``); ``db_url`` is nbgrader's gradebook URL
    (default: SQLite ``out_dir/gradebook.db``; ``postgresql://...`` for a shared one).
    ``language`` is the instructor's pages' (report.html, grades.csv's status column), noted in
    ``out_dir`` for later runs; None: the one noted before, else English.
    """
    warnings.filterwarnings("ignore", message=".*not in session.*")  # nbgrader's SQLAlchemy noise
    started = time.perf_counter()
    checked_language(language)
    course_root = Path(course_root).resolve()
    out_dir = Path(out_dir).resolve()
    sandbox.preflight(course_root=course_root, out_dir=out_dir, submissions=submissions, insecure=insecure)
    out_dir.mkdir(parents=True, exist_ok=True)
    noted = [out_dir / LANGUAGE_FILE] if language else []   # a language asked for is noted for later runs
    language = class_language(out_dir, language)
    limits = limits or sandbox.Limits()
    jobs = max(1, jobs or os.cpu_count() or 1)
    prewarm = jobs if prewarm is None else prewarm
    db_url = gradebook_url(db_url, out_dir)
    os.environ["PATH"] = tool_env()["PATH"]  # nbgrader runs alembic from PATH for a new gradebook

    all_chapters = find_chapters(course_root)
    if not all_chapters:
        raise FileNotFoundError(f"{course_root}: no released chapters (notebooks/NN_topic/) with solutions")
    unknown = set(chapters or ()) - {c.name for c in all_chapters}
    if unknown:
        raise ValueError(f"unknown chapter(s): {', '.join(sorted(unknown))}")
    selected = [c for c in all_chapters if not chapters or c.name in chapters]
    due_dates = parse_due(due, {c.name for c in all_chapters})
    if late_policy not in ("none", "zero"):
        raise ValueError(f"late policy {late_policy!r}: use none or zero")
    connection = _connect_cluster(scheduler, course_root, insecure) if scheduler else None
    register(all_chapters, db_url)
    set_due_dates(db_url, due_dates)
    secret = grading_secret(out_dir, secret)

    work = out_dir / ".work"
    work.mkdir(exist_ok=True)
    found, rejected = collect(submissions, all_chapters, work)
    if learners:
        found = [s for s in found if s.learner in learners]
    found = [s for s in found if s.chapter in {c.name for c in selected}]
    by_name = {c.name: c for c in all_chapters}

    rows, jobs_list = [], []
    for sub in found:
        prepared = _prepare(sub, by_name[sub.chapter])
        (rows if isinstance(prepared, Row) else jobs_list).append(prepared)
    # learners seen in this run without a submission for a selected chapter
    seen = {(s.learner, s.chapter) for s in found}
    for learner in sorted({s.learner for s in found}):
        for chapter in selected:
            if (learner, chapter.name) not in seen:
                rows.append(Row(learner, chapter.name, None, chapter.max_score, "missing",
                                ["no submission"]))

    renderer = Feedback(db_url) if feedback else None
    learners_left = {}
    for job in jobs_list:
        learners_left[job.submission.learner] = learners_left.get(job.submission.learner, 0) + 1
    bar = _progress(len({s.learner for s in found}), learners_left) if progress else None
    if bar is not None:
        bar.update(len({s.learner for s in found}) - len(learners_left))
    running = set()

    ref_jobs = {c.name: _ReferenceJob(c, None) for c in selected
                if any(j.chapter.name == c.name for j in jobs_list)}
    cache = out_dir / ".work" / "references"
    for ref in ref_jobs.values():
        ref.key = references.cache_key(ref.chapter, secret, course_root / "data")
        ref.reference = references.load_cached(cache, ref.chapter.name, ref.key)
        ref.cached = ref.reference is not None

    def on_done(job, outcome):
        if isinstance(job, _ReferenceJob):
            _finish_reference(job, outcome, cache)
            return
        learner = job.submission.learner
        rows.append(_finish_guarded(job, outcome, ref_jobs[job.chapter.name], db_url=db_url, out_dir=out_dir,
                                    renderer=renderer, late_policy=late_policy))
        learners_left[learner] -= 1
        running.discard(id(job))
        if bar is not None:
            if learners_left[learner] == 0:
                bar.update(1)
            done_learners = sum(1 for v in learners_left.values() if v == 0)
            bar.set_postfix_str(f"running {len(running)}, left {len(learners_left) - done_learners}")

    async def execute_one(kernel, job):
        if isinstance(job, _ReferenceJob):
            return await _run_reference(kernel, job, secret=secret, limits=limits)
        ref = ref_jobs[job.chapter.name]
        await ref.done.wait()
        if ref.reference is None:
            raise RuntimeError(f"the reference run of {job.chapter.name} failed: {ref.error}")
        running.add(id(job))
        files = job.submission.files   # the grader's own copies of plain files (see collect)
        sandbox.arm(kernel.scratch, limits.submission_timeout_s)
        return await execute(kernel, job.nb, limits=limits, files=files, before_cell=_deliveries(job, ref.reference))

    judging_slots = None

    async def judge_one(job, outcome):
        """Once its kernel is stopped: judged in a judging process, waited for from a thread, so the
        loop goes on driving the other kernels."""
        if isinstance(job, _ReferenceJob):
            return
        t0 = time.perf_counter()
        async with judging_slots:
            outcome.judged = await asyncio.to_thread(judging.judge_isolated, outcome.nb, job.chapter.template,
                                                     ref_jobs[job.chapter.name].reference, job.nonce,
                                                     not_run=_not_run(outcome), language=job.language)
        outcome.stats["judge_s"] = time.perf_counter() - t0

    async def run_everything():
        nonlocal judging_slots
        judging_slots = asyncio.Semaphore(jobs)   # as many judging processes as kernels, at most
        for ref in ref_jobs.values():
            ref.done = asyncio.Event()
            if ref.cached:
                ref.done.set()
        # the heaviest reference (the last chapter, as a rule) first, so it overlaps the others' grading
        order = [*(r for r in reversed(ref_jobs.values()) if not r.cached), *jobs_list]
        await run_all(order, jobs=jobs, prewarm=prewarm, scratch_root=scratch_root,
                      data_dir=course_root / "data", limits=limits, execute_one=execute_one, on_done=on_done,
                      after_one=judge_one,
                      can_start=lambda job: isinstance(job, _ReferenceJob) or ref_jobs[job.chapter.name].done.is_set())

    if jobs_list:
        judging.prestart(min(jobs, len(jobs_list)))   # they load the judges while the kernels start
    scratch_root = Path(tempfile.mkdtemp(prefix="grade-"))   # short: ipc socket paths are limited
    try:
        if connection:
            _run_on_cluster(connection, insecure=insecure, ref_jobs=ref_jobs, jobs_list=jobs_list, secret=secret,
                            limits=limits, on_done=on_done)
        else:
            _run_to_completion(run_everything())
    finally:
        shutil.rmtree(scratch_root, ignore_errors=True)
        judging.close_all()
        if bar is not None:
            bar.close()
        stopped = sys.exc_info()[1]
        done = {(r.learner, r.chapter) for r in rows}
        for job in jobs_list:   # only when the run itself stopped: never a silent gap
            if (job.submission.learner, job.chapter.name) not in done:
                rows.append(Row(job.submission.learner, job.chapter.name, None, job.chapter.max_score, "crashed",
                                [f"grading stopped: {type(stopped).__name__}: {stopped}"[:300], *job.notes]))
        written, statuses = _write_reports(rows, out_dir, db_url, all_chapters, language)

    report = GradeReport(rows, out_dir, written[0], wall_s=time.perf_counter() - started, jobs=jobs,
                         protections=sandbox.protections(), language=language)
    report.written, report.problems = _write_overview(out_dir, db_url, all_chapters, written + noted, statuses,
                                                      language)
    report.rejected = rejected
    report.db_url = db_url
    report.references = {name: (ref.reference.seconds if ref.reference else None, ref.cached)
                         for name, ref in ref_jobs.items()}
    return report


def _write_reports(rows, out_dir, db_url, all_chapters, language=SOURCE_LANGUAGE):
    """The status file and grades.csv (its status column in ``language``), from this run's rows and the
    previous statuses: (paths, statuses)."""
    rows.sort(key=lambda r: (r.learner, r.chapter))
    status_path = out_dir / STATUS_FILE
    try:
        statuses = json.loads(status_path.read_text()) if status_path.exists() else {}
        statuses = {k: v for k, v in statuses.items() if LEARNER_RE.match(k) and isinstance(v, dict)}
    except (OSError, ValueError):
        statuses = {}
    for row in rows:
        row.reasons = caps.cap_reasons(row.reasons)
        statuses.setdefault(row.learner, {})[row.chapter] = {"status": row.status, "reasons": row.reasons,
                                                             **({"worker": row.worker} if row.worker else {})}
    write_atomic(status_path, json.dumps(statuses, indent=1, sort_keys=True) + "\n")
    header, table = grades_table(db_url, all_chapters, statuses, language)
    csv_path = out_dir / "grades.csv"
    write_atomic(csv_path, csv_text(header, table))
    return [csv_path, status_path], statuses


def _write_overview(out_dir, db_url, all_chapters, written, statuses, language=SOURCE_LANGUAGE):
    """``scores.csv`` and ``report.html`` (in ``language``) from the gradebook and the statuses; (written
    paths, problems).

    Each is built on its own: a failure leaves the other, grades.csv and the status file standing.
    """
    written, problems = list(written), []
    for name, build in (("scores.csv", lambda: scores_csv(scores_rows(db_url, out_dir, all_chapters, statuses))),
                        ("report.html", lambda: report_html(db_url, out_dir, all_chapters, statuses, language))):
        try:
            write_atomic(out_dir / name, build())
            written.append(out_dir / name)
        except Exception as error:
            problems.append(f"{name} not written: {type(error).__name__}: {error}"[:300])
    written += [out_dir / "gradebook.db"] if db_url.startswith("sqlite") else []   # else: the server's (--db)
    written += [out_dir / d for d in ("feedback", "autograded") if (out_dir / d).is_dir()]
    return written, problems


def _prepare(sub, chapter):
    """The submission's job, or its ``unreadable`` row: nothing in one file can stop the others."""
    try:
        if sub.refused:
            raise Unreadable(sub.refused)
        submitted = read_submission(sub.notebook, root=sub.root)
        language = notebook_language(submitted)
        nb, notes = restore(submitted, chapter.template_in(language))
        nonce = secrets.token_hex(16)
        nb = probe_notebook(nbformat.from_dict(nb), nonce)
        return _Job(sub, chapter, nb, nonce, [*sub.notes, *notes], language)
    except Unreadable as error:
        reason = str(error)
    except (Exception, RecursionError) as error:   # malformed in a way validation did not catch
        reason = f"cannot be prepared for grading ({type(error).__name__}: {error})"[:300]
    return Row(sub.learner, sub.chapter, None, chapter.max_score, "unreadable", [reason, *sub.notes])


def _finish_guarded(job, outcome, ref, **kwargs):
    """``_finish``, with whatever goes wrong in it becoming this submission's ``crashed`` row."""
    try:
        with speaking(job.language):   # verdicts and feedback in the submission's edition's language
            return _finish(job, outcome, ref, **kwargs)
    except Exception as error:
        return Row(job.submission.learner, job.chapter.name, None, job.chapter.max_score, "crashed",
                   [f"could not score: {type(error).__name__}: {error}"[:300], *job.notes],
                   worker=getattr(outcome, "worker", ""))


def _deliveries(job, reference):
    """Cell index -> the code that hands that check cell its probes (run silently before it)."""
    return {i: references.delivery_source(job.nonce, reference.request(references.grade_id(c)))
            for i, c in enumerate(job.nb.cells) if references.is_check_cell(c)
            and references.grade_id(c) in reference.cells}


def _reference_run(job, *, secret, limits):
    """The solution in record mode, its setup code and its limits: ``(nb, setup, limits)``."""
    solution = nbformat.read(job.chapter.source_path, as_version=4)
    nb = references.reference_notebook(solution)
    setup = f"import os; os.environ[{RECORD_ENV!r}] = '1'; os.environ[{SECRET_ENV!r}] = {secret!r}"
    # the solution is trusted but must not be cut short by a learner's per-cell limit
    from dataclasses import replace

    generous = replace(limits, cell_timeout_s=max(limits.cell_timeout_s, 120.0),
                       submission_timeout_s=max(limits.submission_timeout_s, 600.0))
    return nb, setup, generous


async def _run_reference(kernel, job, *, secret, limits):
    """Execute the chapter's solution in record mode (a trusted notebook, in the same sandbox)."""
    nb, setup, generous = _reference_run(job, secret=secret, limits=limits)
    sandbox.arm(kernel.scratch, generous.submission_timeout_s)
    return await execute(kernel, nb, limits=generous, setup=setup)


def _connect_cluster(scheduler, course_root, insecure):
    """``cluster.connect``, first thing: a scheduler that cannot be reached stops the run before any work."""
    from . import cluster

    return cluster.connect(scheduler, course_root=course_root, insecure=insecure)


def _run_on_cluster(connection, *, insecure, ref_jobs, jobs_list, secret, limits, on_done):
    """Execute the reference runs, then each chapter's submissions, on a Dask cluster's workers.

    The same work as ``run_everything`` (a worker starts a sandboxed kernel and executes,
    see ``cluster``); ``on_done`` judges and writes here, as each result arrives.
    """
    from . import cluster

    client, resources, wanted = connection
    try:
        waiting = {}
        for job in jobs_list:
            waiting.setdefault(job.chapter.name, []).append(job)
        for ref in ref_jobs.values():
            ref.done = threading.Event()
            if ref.cached:
                ref.done.set()

        def submissions_of(chapter_name):
            ref = ref_jobs[chapter_name]
            for job in waiting.pop(chapter_name, []):
                if ref.reference is None:
                    yield job, RuntimeError(f"the reference run of {chapter_name} failed: {ref.error}")
                else:
                    yield job, cluster.task_payload(job.nb, limits=limits, wanted=wanted, insecure=insecure,
                                                    files=job.submission.files,
                                                    before_cell=_deliveries(job, ref.reference))

        first = []
        for ref in reversed(ref_jobs.values()):
            if ref.cached:
                first.extend(submissions_of(ref.chapter.name))
            else:
                nb, setup, generous = _reference_run(ref, secret=secret, limits=limits)
                first.append((ref, cluster.task_payload(nb, limits=generous, wanted=wanted, insecure=insecure,
                                                        setup=setup)))
        cluster.run_on_cluster(client, resources, first, on_done=on_done,
                               then=lambda item: list(submissions_of(item.chapter.name))
                               if isinstance(item, _ReferenceJob) else [])
    finally:
        client.close()


def _finish_reference(job, outcome, cache_dir):
    try:
        if isinstance(outcome, Exception):
            raise references.ReferenceFailed(f"{type(outcome).__name__}: {outcome}")
        if outcome.status != "graded":
            raise references.ReferenceFailed(outcome.reason)
        job.reference = references.collect(outcome.nb, job.chapter.template, job.chapter.name)
        job.reference.seconds = outcome.exec_s
        references.save_cached(cache_dir, job.reference, job.key)
    except Exception as error:  # every learner of the chapter gets this reason
        job.error = f"{type(error).__name__}: {error}"[:300]
    finally:
        job.done.set()


def _submission_time(sub, reasons):
    """The submission's time as nbgrader stores it (naive UTC), or None (unknown: never late)."""
    if not getattr(sub, "timestamp", ""):
        return None
    try:
        return parse_time(sub.timestamp)
    except ValueError as error:
        reasons.append(f"submission time not used: {error}")
        return None


def _mark_late(db_url, chapter, learner, policy, status, reasons):
    """nbgrader's late penalty; the status becomes ``late`` (if otherwise graded) and the reason says how late."""
    seconds = apply_late_policy(db_url, chapter, learner, policy)
    if seconds <= 0:
        return status, "", 0.0
    reason, penalty = late_reason(db_url, chapter, learner, seconds)
    reasons.append(reason)
    return ("late" if status == "graded" else status), reason, penalty


def _not_run(outcome):
    """Cell index -> why it never ran (the submission stopped before it)."""
    if outcome.stopped_at is None:
        return {}
    return {i: outcome.reason for i in range(outcome.stopped_at, len(outcome.nb.cells))}


def _finish(job, outcome, ref, *, db_url, out_dir, renderer, late_policy="none"):
    """Judge and score one executed submission (grading process only)."""
    chapter, learner = job.chapter, job.submission.learner
    reasons = list(job.notes)
    if isinstance(outcome, Exception):
        # The kernel could not start or the executor failed: nothing ran, keep previous grades.
        return Row(learner, chapter.name, None, chapter.max_score, "crashed",
                   [f"could not execute: {type(outcome).__name__}: {outcome}"[:300], *reasons])
    worker = getattr(outcome, "worker", "")   # the Dask worker that executed it; "" when local
    t0 = time.perf_counter()
    nb = outcome.nb
    status = outcome.status
    if outcome.reason:
        reasons.insert(0, outcome.reason)
    not_run = _not_run(outcome)
    nb, cell_verdicts = outcome.judged or judging.judge_isolated(nb, chapter.template, ref.reference, job.nonce,
                                                                 not_run=not_run, language=job.language)
    reasons.extend(v.reason for v in cell_verdicts if v.reason and v.reason not in not_run.values())
    if any(v.tampered for v in cell_verdicts) and status == "graded":
        status = "tampered"
    if interference.redact(nb, interference.delivered_texts(job.nonce, ref.reference)):
        reasons.append("outputs held what the grader sent the kernel: hidden in the graded notebook")
    # interference goes to a person: the points that rest on kernel-only facts wait for manual grading
    flags = interference.scan_notebook(nb, chapter.template_in(job.language))
    to_review = interference.review_cells(ref.reference, cell_verdicts) if flags else []
    interference.mark_notebook(nb, flags, to_review)
    if flags:
        status = "review"
        reasons[:0] = interference.reasons(flags, to_review)
    try:
        score, max_score = save_grades(nb, db_url=db_url, chapter=chapter, learner=learner,
                                       timestamp=_submission_time(job.submission, reasons))
        if to_review:
            score = interference.send_to_review(db_url, chapter, learner, to_review)
        status, late, penalty = _mark_late(db_url, chapter, learner, late_policy, status, reasons)
        score -= penalty
    except Exception as error:
        return Row(learner, chapter.name, None, chapter.max_score, "crashed",
                   [f"could not record grades: {type(error).__name__}: {error}"[:300], *reasons], worker=worker)
    if caps.cap_notebook(nb, keep=references.is_check_cell):
        reasons.append(f"outputs cut to the caps ({caps.OUTPUT_CHARS} characters each, "
                       f"{caps.NOTEBOOK_OUTPUT_CHARS} in all)")
    target = out_dir / "autograded" / learner / chapter.name / f"{chapter.topic}.ipynb"
    write_atomic(target, nbformat.writes(nb))
    t1 = time.perf_counter()
    if renderer is not None:
        try:
            html = renderer.render(nb, chapter=chapter, learner=learner, late=late)
            write_atomic(out_dir / "feedback" / learner / chapter.name / f"{chapter.topic}.html", html)
        except Exception as error:
            reasons.append(f"feedback not written: {type(error).__name__}: {error}"[:300])
    t2 = time.perf_counter()
    timing = {"exec_s": outcome.exec_s, "kernel_s": outcome.kernel_s, "wait_s": outcome.wait_s,
              "judge_s": outcome.stats.get("judge_s", 0.0), "score_s": t1 - t0, "feedback_s": t2 - t1}
    return Row(learner, chapter.name, score, max_score, status, reasons, timing, worker)


def export(course_root, out_dir, refresh_feedback=(), db_url=None, language=None):
    """Rewrite grades.csv, scores.csv and report.html from the gradebook (``db_url``, else
    ``out_dir/gradebook.db``), with no grading run, in the instructor's ``language`` (None: the class's,
    see ``grade``); re-render the feedback of each ``(learner, chapter)`` in ``refresh_feedback``.
    Returns the paths written."""
    out_dir = Path(out_dir).resolve()
    db_url = gradebook_url(db_url, out_dir)
    noted = [out_dir / LANGUAGE_FILE] if language else []
    language = class_language(out_dir, language)
    all_chapters = find_chapters(Path(course_root))
    written, statuses = _write_reports([], out_dir, db_url, all_chapters, language)
    written += noted
    by_name = {c.name: c for c in all_chapters}
    for learner, chapter_name in refresh_feedback:
        chapter = by_name[chapter_name]
        nb = nbformat.read(out_dir / "autograded" / learner / chapter.name / f"{chapter.topic}.ipynb", as_version=4)
        reasons = statuses.get(learner, {}).get(chapter.name, {}).get("reasons", [])
        late = next((r for r in reasons if "after the due date" in r), "")
        html = Feedback(db_url).render(nb, chapter=chapter, learner=learner, late=late)
        write_atomic(out_dir / "feedback" / learner / chapter.name / f"{chapter.topic}.html", html)
    written, problems = _write_overview(out_dir, db_url, all_chapters, written, statuses, language)
    if problems:
        raise RuntimeError("; ".join(problems))
    return written
