"""Judging one submission in a process of its own, with memory and time limits.

Decoding a kernel's evidence and judging it is the only work the grading process does on what a
kernel sent. It runs in a judging process (a fresh Python with the judges loaded, started once
and reused), under ``RLIMIT_AS`` and a wall-clock deadline (:class:`JudgeLimits`): past either,
every check of that submission scores 0 with the reason, the submission is ``tampered``, and the
judging process is replaced. The local grading loop waits for it from a thread
(``asyncio.to_thread``), so the kernels of other submissions keep being driven meanwhile: one
submission can neither stall the class nor change another's grade.

Run as ``python -m autograder.grading.judging``, this module is the judging process: it reads
length-prefixed pickled requests on stdin and answers each on stdout.
"""

import atexit
import copy
import os
import pickle
import queue
import select
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..cells import grade_id, is_check_cell

_LENGTH = struct.Struct("<Q")
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])


@dataclass(frozen=True)
class JudgeLimits:
    """What judging one submission may take."""

    memory_bytes: int = 2 * 1024**3    # address space beyond the judging process's own when it is ready
    seconds: float = 120.0             # wall clock, from the request to the answer


class _Failed(Exception):
    """The judging process did not answer: past a limit, or gone."""


class _Judge:
    """One judging process, serving one request at a time."""

    def __init__(self, limits):
        env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "PYTHONPATH": os.pathsep.join(filter(None, [_PACKAGE_PARENT, os.environ.get("PYTHONPATH")]))}
        self.limits = limits
        self.process = subprocess.Popen([sys.executable, "-m", "autograder.grading.judging", str(limits.memory_bytes)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                        env=env, start_new_session=True)

    def ask(self, request, seconds):
        deadline = time.monotonic() + seconds
        try:
            self.process.stdin.write(_LENGTH.pack(len(request)) + request)
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            raise _Failed("the judging process is gone") from None
        size = _LENGTH.unpack(self._read(_LENGTH.size, deadline))[0]
        return pickle.loads(self._read(size, deadline))

    def _read(self, size, deadline):
        fd, chunks, left = self.process.stdout.fileno(), [], size
        while left:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise _Failed(f"judging ran past {self.limits.seconds:g} s")
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                code = self.process.wait()
                raise _Failed(f"judging stopped (exit code {code}): past its memory limit of "
                              f"{self.limits.memory_bytes // 1024**2} MiB, or killed")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass


_idle = {}   # JudgeLimits -> queue of idle _Judge


def _pool(limits):
    return _idle.setdefault(limits, queue.SimpleQueue())


def prestart(count, limits=None):
    """Start ``count`` judging processes now, so the first submissions do not wait for one."""
    limits = limits or JudgeLimits()
    for _ in range(count):
        _pool(limits).put(_Judge(limits))


@atexit.register
def close_all():
    """End every idle judging process (one in use ends with its request, or with the grader)."""
    for pool in _idle.values():
        while not pool.empty():
            pool.get_nowait().close()


def failed(nb, template, reason):
    """Every check cell of ``nb`` (in place) scores 0 with ``reason``; the submission is tampered."""
    from .verdicts import CellVerdict

    sources = {grade_id(c): c.source for c in template.cells if is_check_cell(c)}
    found = []
    for cell in nb.cells:
        if is_check_cell(cell):
            gid = grade_id(cell)
            cell.source = sources.get(gid, cell.source)
            cell.outputs = [nbformat.v4.new_output("error", ename="NoEvidence", evalue=reason,
                                                   traceback=[f"NoEvidence: {reason}"])]
            found.append(CellVerdict(gid, False, f"{gid}: {reason}", cell.outputs, tampered=True))
    return found


def judge_isolated(nb, template, reference, nonce, *, not_run=None, language=None, limits=None):
    """``verdicts.apply`` in a judging process under ``limits``, in ``language``: ``(judged nb, CellVerdicts)``.

    ``nb`` is not changed; past a limit, or if the judging process dies, every check of the judged
    notebook scores 0 (see :func:`failed`)."""
    limits = limits or JudgeLimits()
    pool = _pool(limits)
    try:
        judge = pool.get_nowait()
    except queue.Empty:
        judge = _Judge(limits)
    for gid in reference.cells:
        reference.request(gid)   # the requests as sent travel with the reference
    request = pickle.dumps((nb, template, reference, nonce, not_run, language), protocol=pickle.HIGHEST_PROTOCOL)
    try:
        done, answer = judge.ask(request, limits.seconds)
    except _Failed as error:
        judge.close()
        reason = str(error)
    else:
        if done:
            pool.put(judge)
            return answer
        judge.close()   # after a failure a fresh process serves the next submission
        reason = answer
    judged = copy.deepcopy(nb)
    return judged, failed(judged, template, reason)


# ---------------------------------------------------------------- the judging process

def _address_space():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _answer(request, memory_bytes):
    from ..learner.i18n import SOURCE_LANGUAGE, speaking
    from .verdicts import apply

    nb, template, reference, nonce, not_run, language = pickle.loads(request)
    try:
        with speaking(language or SOURCE_LANGUAGE):
            found = apply(nb, template, reference, nonce, not_run=not_run)
    except MemoryError:
        return False, f"judging passed its memory limit of {memory_bytes // 1024**2} MiB"
    except (Exception, RecursionError) as error:
        return False, f"judging failed: {type(error).__name__}: {error}"[:300]
    return True, (nb, found)


def serve(memory_bytes):
    """The judging process: answer requests from stdin on stdout until stdin closes or a request fails."""
    import resource

    import torch

    from . import verdicts  # noqa: F401 - loaded before the limit, as every request needs it

    torch.set_num_threads(1)
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)                       # anything printed goes to stderr, never into a reply
    ceiling = _address_space() + memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    requests = sys.stdin.buffer
    while True:
        head = requests.read(_LENGTH.size)
        if len(head) < _LENGTH.size:
            return
        done, answer = _answer(requests.read(_LENGTH.unpack(head)[0]), memory_bytes)
        reply = pickle.dumps((done, answer), protocol=pickle.HIGHEST_PROTOCOL)
        replies.write(_LENGTH.pack(len(reply)) + reply)
        replies.flush()
        if not done:
            return


if __name__ == "__main__":
    serve(int(sys.argv[1]))
