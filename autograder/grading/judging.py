"""Judging one submission in a child process with its own memory and time limits.

Decoding a kernel's evidence and judging it is the only work the grading process does on what a
kernel sent. It runs in a child process, forked from a fork server that has the judges loaded,
under ``RLIMIT_AS`` and ``RLIMIT_CPU`` and a wall-clock deadline (:class:`JudgeLimits`): past any
of them every check of that submission scores 0 with the reason and the submission is
``tampered``, and nothing else is touched. The local grading loop waits for it from a thread
(``asyncio.to_thread``), so the kernels of other submissions keep being driven meanwhile: one
submission can neither stall the class nor change another's grade.
"""

import copy
import multiprocessing
import os
import resource
from dataclasses import dataclass

import nbformat

from ..cells import grade_id, is_check_cell
from . import verdicts


@dataclass(frozen=True)
class JudgeLimits:
    """What judging one submission may take."""

    memory_bytes: int = 2 * 1024**3    # address space beyond the child's own at its start
    seconds: float = 120.0             # wall clock, from the child's start to its answer


_PRELOAD = ["autograder.grading.verdicts"]


def _context():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return context


def _address_space():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _child(send, nb, template, reference, nonce, not_run, limits):
    """In the child: limits first, then :func:`verdicts.apply`; sends back ``(nb, verdicts)``."""
    ceiling = _address_space() + limits.memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    cpu = int(limits.seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    import torch

    torch.set_num_threads(1)
    try:
        found = verdicts.apply(nb, template, reference, nonce, not_run=not_run)
    except MemoryError:
        answer = (False, f"judging passed its memory limit of {limits.memory_bytes // 1024**2} MiB")
    except (Exception, RecursionError) as error:
        answer = (False, f"judging failed: {type(error).__name__}: {error}"[:300])
    else:
        answer = (True, (nb, found))
    send.send(answer)
    send.close()


def failed(nb, template, reason):
    """Every check cell of ``nb`` (in place) scores 0 with ``reason``; the submission is tampered."""
    sources = {grade_id(c): c.source for c in template.cells if is_check_cell(c)}
    found = []
    for cell in nb.cells:
        if is_check_cell(cell):
            gid = grade_id(cell)
            cell.source = sources.get(gid, cell.source)
            cell.outputs = [nbformat.v4.new_output("error", ename="NoEvidence", evalue=reason,
                                                   traceback=[f"NoEvidence: {reason}"])]
            found.append(verdicts.CellVerdict(gid, False, f"{gid}: {reason}", cell.outputs, tampered=True))
    return found


def judge_isolated(nb, template, reference, nonce, *, not_run=None, limits=JudgeLimits()):
    """:func:`verdicts.apply` in a child process under ``limits``: ``(judged nb, CellVerdicts)``.

    ``nb`` is not changed; past a limit, or if the child dies, the judged notebook's checks all
    score 0 (see :func:`failed`)."""
    context = _context()
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, nb, template, reference, nonce, not_run, limits),
                            daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(limits.seconds):
            reason = f"judging ran past {limits.seconds:g} s"
        else:
            try:
                done, answer = receive.recv()
            except (EOFError, OSError):
                child.join(5)
                reason = f"judging stopped (exit code {child.exitcode}): past its limits, or killed"
            else:
                if done:
                    return answer
                reason = answer
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join()
    judged = copy.deepcopy(nb)
    return judged, failed(judged, template, reason)
