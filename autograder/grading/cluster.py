"""Executing submissions on the workers of a Dask cluster (``course grade --scheduler``).

A worker does exactly what a local grading slot does, and nothing more: it starts a
sandboxed kernel (``execute.start_kernel``, the same jail), runs one notebook and
returns the executed notebook and its evidence as plain data (:func:`run_task`).
Judging, scoring and every write to the gradebook and the output folders stay in the
grading process (``pipeline``), which calls :func:`run_on_cluster`.

- A worker grades only for a grader with the same :func:`fingerprint` (checkout,
  lock, release and data, Python, sandbox): :class:`CoursePlugin` gives a matching
  worker the resource ``course-<fingerprint>`` and every task asks for it, so a
  worker that differs never receives one; the grader names it and says why.
- A task lost with its worker is retried by the scheduler on another worker, and its
  result arrives once. After the scheduler's ``allowed-failures`` (default 3) lost
  workers the task ends ``KilledWorker``: that submission is ``crashed`` with the
  reason, and the rest of the class goes on.
"""

import asyncio
import functools
import hashlib
import platform
import socket
import sys
import tempfile
import threading
import time
from dataclasses import asdict, replace
from pathlib import Path

import nbformat
from distributed import WorkerPlugin

from ..paths import REPO_ROOT
from . import sandbox
from .execute import Outcome, execute, start_kernel, stop_kernel

RESOURCE_PREFIX = "course-"
# A worker's warm kernel waits at most this long for a submission (then its jail ends it, and the
# next submission starts a new one). A worker killed with SIGKILL takes its kernels with it (the jail
# dies with its parent, and bubblewrap's sandbox with the jail).
WORKER_PREWARM_WAIT_S = 300.0


class WorkerRefused(RuntimeError):
    """A worker that differs from the grader (its message says how)."""


def fingerprint(course_root=REPO_ROOT):
    """What a worker must share with the grader, as ``{part: hash or value}``.

    ``checkout``: the ``autograder`` package; ``lock``: requirements.lock;
    ``release``: the released notebooks and solutions; ``data``: the course data;
    plus the Python version and the sandbox mode kernels would run in.
    """
    course_root = Path(course_root)
    package = Path(__file__).resolve().parent.parent
    parts = {
        "checkout": _loaded_checkout(package),
        "lock": _hash_files(course_root, "requirements.lock"),
        "release": _hash_files(course_root, "notebooks/**/*.ipynb", "solutions/**/*.ipynb"),
        "data": _hash_files(course_root / "data", "**/*"),
        "python": platform.python_version(),
        "sandbox": sandbox.mode(),
    }
    parts["id"] = hashlib.sha256(repr(sorted(parts.items())).encode()).hexdigest()[:16]
    return parts


@functools.lru_cache(maxsize=None)
def _loaded_checkout(package):
    """The package's hash when this process first asked: the code it runs, not a later checkout."""
    return _hash_files(package, "**/*.py")


def _hash_files(root, *patterns):
    digest = hashlib.sha256()
    paths = sorted({p for pattern in patterns for p in Path(root).glob(pattern)
                    if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts})
    for path in paths:
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def differences(mine, theirs):
    """Why ``theirs`` (a worker's fingerprint) is refused by ``mine``; empty when they match."""
    names = {"checkout": "its autograder package (checkout)", "lock": "its requirements.lock",
             "release": "its released notebooks or solutions", "data": "its course data",
             "python": "its Python", "sandbox": "its sandbox mode"}
    found = []
    for part, what in names.items():
        if mine.get(part) != theirs.get(part):
            found.append(f"{what} differs ({theirs.get(part)} here, {mine.get(part)} on the grader)"
                         if part in ("python", "sandbox") else f"{what} differs")
    return found


class CoursePlugin(WorkerPlugin):
    """Worker plugin: gives a worker that matches the grader's fingerprint the grading resource.

    Registered by the grader; the scheduler hands it to every worker, those that join
    later included. A worker that differs keeps no resource, and so never gets a task.
    """

    def __init__(self, wanted, insecure=False):
        self.wanted = wanted
        self.insecure = insecure
        self.name = f"course-grading-{wanted['id']}"

    def setup(self, worker):
        problems = _refusals(self.wanted, self.insecure)
        worker.course_refusal = problems
        if not problems:
            threads = worker.state.nthreads
            return worker.set_resources(**{RESOURCE_PREFIX + self.wanted["id"]: threads})
        return None

    def teardown(self, worker):
        """Stop this worker's warm kernels when it closes."""
        if _loop is not None:
            asyncio.run_coroutine_threadsafe(_drop_warm(), _loop).result(timeout=60)


def _refusals(wanted, insecure):
    """This worker's reasons to refuse the grader's tasks (empty: it may grade)."""
    problems = differences(wanted, fingerprint())
    if not problems:
        try:
            with tempfile.TemporaryDirectory(prefix="grade-") as scratch:
                sandbox.preflight(course_root=REPO_ROOT, out_dir=scratch, insecure=insecure)
        except sandbox.SandboxRefused as error:
            problems.append(str(error))
    return problems


def worker_report(dask_worker=None):
    """A worker's own view, for the grader's check: ``{"fingerprint", "refusal", "host"}``."""
    return {"fingerprint": fingerprint(), "refusal": getattr(dask_worker, "course_refusal", None),
            "host": socket.gethostname()}


# -- worker side ------------------------------------------------------------------------------------

_loop_lock = threading.Lock()
_loop = None
_scratch_root = None
_warm = []   # [(limits, asyncio task starting a kernel)]: touched on the kernels' loop only


def _worker_loop():
    """One event loop per worker process, in a thread of its own, that drives every kernel.

    A kernel's jail dies with the thread that started it (PR_SET_PDEATHSIG): this thread
    lives as long as the worker process, and so its kernels die with the worker.
    """
    global _loop, _scratch_root
    with _loop_lock:
        if _loop is None:
            _scratch_root = tempfile.mkdtemp(prefix="grade-")   # short: ipc socket paths are limited
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="course-kernels", daemon=True).start()
        return _loop


def run_task(payload):
    """Run one notebook on this worker: ``payload`` in, plain data out (see :func:`task_payload`)."""
    from distributed import get_worker

    worker = get_worker()
    wanted = payload["fingerprint"]
    problems = _refusals(wanted, payload["insecure"])
    if problems:
        raise WorkerRefused(f"worker {worker.address} refused: {'; '.join(problems)}")
    started = time.perf_counter()
    nb = nbformat.reads(payload["notebook"], as_version=4)
    limits = sandbox.Limits(**{**payload["limits"], "readable": tuple(payload["limits"]["readable"])})
    loop = _worker_loop()
    with tempfile.TemporaryDirectory(prefix="files-") as folder:
        files = []
        for name, content in payload["files"].items():
            path = Path(folder) / Path(name).name
            path.write_bytes(content)
            files.append(path)
        # a submission's kernel waits warm for the next one (as local grading pre-warms); a reference run's does not
        coroutine = _run_one(nb, limits=limits, files=files, setup=payload["setup"],
                             before_cell=payload["before_cell"],
                             prewarm=0 if payload["setup"] else worker.state.nthreads)
        outcome = asyncio.run_coroutine_threadsafe(coroutine, loop).result()
    return {"notebook": nbformat.writes(outcome.nb), "status": outcome.status, "reason": outcome.reason,
            "stopped_at": outcome.stopped_at, "exec_s": outcome.exec_s, "kernel_s": outcome.kernel_s,
            "interrupted": outcome.interrupted, "wait_s": outcome.wait_s, "task_s": time.perf_counter() - started,
            "worker": worker.address, "host": socket.gethostname()}


async def _run_one(nb, *, limits, files, setup, before_cell, prewarm):
    t0 = time.perf_counter()
    kernel = await _take_kernel(limits)
    waited = time.perf_counter() - t0
    while sum(1 for warm_limits, _ in _warm if warm_limits == limits) < prewarm:
        _warm.append((limits, asyncio.ensure_future(_start(limits))))
    try:
        sandbox.arm(kernel.scratch, limits.submission_timeout_s)
        outcome = await execute(kernel, nb, limits=limits, files=files, setup=setup,
                                before_cell={int(k): v for k, v in (before_cell or {}).items()})
        outcome.kernel_s, outcome.wait_s = kernel.started_s, waited
        return outcome
    finally:
        await stop_kernel(kernel)


def _start(limits):
    limits = replace(limits, prewarm_wait_s=min(limits.prewarm_wait_s, WORKER_PREWARM_WAIT_S))
    return start_kernel(scratch_root=_scratch_root, data_dir=REPO_ROOT / "data", limits=limits)


async def _drop_warm():
    while _warm:
        _, task = _warm.pop()
        try:
            await stop_kernel(await task)
        except Exception:
            pass


async def _take_kernel(limits):
    """A warm kernel started for the same limits and still alive, else a new one."""
    for index, (warm_limits, task) in enumerate(_warm):
        if warm_limits == limits:
            del _warm[index]
            try:
                kernel = await task
            except Exception:
                break
            if await kernel.km.is_alive():   # a warm kernel that waited past its limit is gone
                return kernel
            await stop_kernel(kernel)
            break
    return await _start(limits)


# -- grader side ------------------------------------------------------------------------------------

def task_payload(nb, *, limits, wanted, insecure, files=(), setup=None, before_cell=None):
    """What a worker needs to run ``nb``, as plain data (no paths of the grader's machine)."""
    return {"notebook": nbformat.writes(nb), "limits": asdict(limits), "fingerprint": wanted,
            "insecure": insecure, "files": {Path(p).name: Path(p).read_bytes() for p in files if Path(p).is_file()},
            "setup": setup, "before_cell": dict(before_cell or {})}


def outcome_from(result):
    """The ``execute.Outcome`` of a worker's result (see :func:`run_task`)."""
    outcome = Outcome(nbformat.reads(result["notebook"], as_version=4), status=result["status"],
                      reason=result["reason"], stopped_at=result["stopped_at"], exec_s=result["exec_s"],
                      kernel_s=result["kernel_s"], interrupted=list(result["interrupted"]),
                      wait_s=result["wait_s"], worker=worker_name(result["worker"]))
    outcome.stats = {"task_s": result["task_s"], "host": result["host"]}
    return outcome


def connect(address, *, course_root, insecure, log=sys.stderr):
    """A ``distributed.Client`` for ``address`` and the grading resource its matching workers carry.

    Refused workers are named on ``log``; no matching worker at all is an error that says why.
    """
    from distributed import Client

    try:
        client = Client(address, set_as_default=False)   # timeout: distributed.comm.timeouts.connect
    except (OSError, TimeoutError) as error:
        raise RuntimeError(f"cannot reach the Dask scheduler at {address}: {error}") from error
    wanted = fingerprint(course_root)
    try:
        try:
            client.register_plugin(CoursePlugin(wanted, insecure))
        except Exception:   # a worker could not load it (another checkout): named with its refusal below
            pass
        reports = client.run(worker_report, on_error="return")
        refused = {addr: _problems(wanted, report) for addr, report in reports.items()}
        for addr, problems in sorted(refused.items()):
            if problems:
                log.write(f"course grade: worker {addr} refused: {'; '.join(problems)}\n")
        if not reports:
            raise RuntimeError(f"the Dask scheduler at {address} has no workers (start some: dask worker {address})")
        if all(refused.values()):
            raise RuntimeError(f"no worker of {address} matches this grader (same checkout, lock, release, data, "
                               f"Python and sandbox needed; see the refusals above)")
    except BaseException:
        client.close()
        raise
    return client, {RESOURCE_PREFIX + wanted["id"]: 1}, wanted


def _problems(wanted, report):
    if isinstance(report, BaseException):   # it cannot even run this grader's code
        return [f"cannot run this grader's code (another checkout?): {type(report).__name__}: {report}"]
    return differences(wanted, report["fingerprint"]) or report["refusal"] or []


def run_on_cluster(client, resources, first, then, on_done, task=None):
    """Run the tasks ``first`` (``[(item, payload)]``), then those ``then(item)`` returns.

    Each payload runs as ``task(payload)`` on a worker with ``resources`` (``task``:
    :func:`run_task` unless given).
    ``on_done(item, outcome_or_exception)`` is called in this process, once per item, as
    each finishes; ``then(item)`` is called right after, and returns further
    ``[(item, payload or exception)]`` (an exception is passed on to ``on_done`` as is).
    """
    from distributed import as_completed

    futures = {}
    done = as_completed(loop=client.loop)

    def submit(items, priority):
        for item, payload in items:
            if isinstance(payload, BaseException):
                on_done(item, payload)
                continue
            future = client.submit(task or run_task, payload, resources=resources, pure=False, priority=priority)
            futures[future.key] = item
            done.add(future)

    submit(first, priority=10)
    for future in done:
        item = futures.pop(future.key)
        try:
            result = future.result()
            outcome = outcome_from(result) if task is None else result
        except Exception as error:
            outcome = _explained(error)
        finally:
            future.release()
        on_done(item, outcome)
        submit(then(item), priority=0)


def _explained(error):
    from distributed import KilledWorker

    if isinstance(error, KilledWorker):
        return RuntimeError(f"its task was lost with its worker more often than the scheduler allows "
                            f"(distributed.scheduler.allowed-failures): the submission may kill its worker "
                            f"({error})")
    return error


def worker_name(address):
    """``tcp://10.0.0.5:40123`` -> ``10.0.0.5:40123`` (for the summary and status file)."""
    return address.split("://", 1)[-1]

