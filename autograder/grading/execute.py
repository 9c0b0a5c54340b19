"""Executing submissions in parallel, one fresh kernel and scratch folder each.

The grading process drives every kernel from one asyncio loop (the kernels are
the parallel workers: at most ``jobs`` execute at once). While they execute,
up to ``prewarm`` further kernels are started and import the course's heavy
modules, so a submission starts on a warm kernel. Every kernel serves exactly
one submission; afterwards its process group is killed and its scratch folder
removed. Kernels are launched through ``sandbox.wrap_kernel_command`` with ipc
transport (connection file and sockets inside the scratch folder).
"""

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from . import caps, sandbox, zygote

KERNEL_ARGV = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}",
               "--HistoryManager.enabled=False", "--IPKernelApp.quiet=True"]


class _KernelManager(AsyncKernelManager):
    """A kernel manager whose command goes through the sandbox."""

    def __init__(self, *, scratch_dir, limits, zygote=None, **kwargs):
        super().__init__(**kwargs)
        self._scratch_dir = scratch_dir
        self._limits = limits
        self._zygote = zygote

    def format_kernel_cmd(self, extra_arguments=None):
        argv = sandbox.wrap_kernel_command(list(KERNEL_ARGV), scratch_dir=str(self._scratch_dir),
                                           limits=self._limits, zygote=self._zygote)
        return [a.replace("{connection_file}", self.connection_file) for a in argv]


@dataclass
class Kernel:
    km: object
    kc: object
    scratch: Path
    started_s: float            # seconds to start and warm up


@dataclass
class Outcome:
    """What happened when a notebook ran."""

    nb: object
    status: str = "graded"      # graded | timeout | crashed
    reason: str = ""
    stopped_at: int | None = None   # index of the cell that did not finish
    exec_s: float = 0.0         # wall time executing cells
    kernel_s: float = 0.0       # start + warm-up of its kernel (mostly hidden by pre-warming)
    wait_s: float = 0.0         # time waiting for a warm kernel
    stats: dict = field(default_factory=dict)
    interrupted: list = field(default_factory=list)   # cells stopped by the per-cell limit
    worker: str = ""            # the Dask worker that ran it (``cluster``); "" when run here
    judged: tuple | None = None     # (judged nb, CellVerdicts) when judged as soon as it ran (``judging``)


class OutputLimit(Exception):
    pass


class _Client(NotebookClient):
    """nbclient with output caps: each output's fields as it arrives, whatever its MIME type (``caps``),
    and an output-size limit for the whole submission (evidence has a budget of its own)."""

    def __init__(self, nb, *, output_bytes, **kwargs):
        super().__init__(nb, **kwargs)
        self._budget = output_bytes
        self._evidence_budget = 64 * 1024**2
        self.output_exceeded = False

    def process_message(self, msg, cell, cell_index):
        content = msg.get("content")
        if msg.get("msg_type") in _OUTPUT_MESSAGES and isinstance(content, dict):
            caps.cap_output(content, caps.OUTPUT_CHARS, evidence_limit=caps.EVIDENCE_CHARS)
        return super().process_message(msg, cell, cell_index)

    def output(self, outs, msg, display_id, cell_index):
        if self.output_exceeded:
            return None
        content = msg.get("content", {})
        data = content.get("data", {})
        size = caps.output_size(content)
        if isinstance(data, dict) and any(mime in data for mime in caps.GRADER_MIMES):
            # the grader's own probe output: read, then dropped, by the grader
            evidence = sum(caps.output_size({"data": {m: data[m]}}) for m in caps.GRADER_MIMES if m in data)
            self._evidence_budget -= evidence
            if self._evidence_budget < 0:
                return None
            size -= evidence
        self._budget -= size
        if self._budget < 0:
            self.output_exceeded = True
            asyncio.ensure_future(self.km.interrupt_kernel())
            return None
        return super().output(outs, msg, display_id, cell_index)


_OUTPUT_MESSAGES = ("stream", "display_data", "execute_result", "update_display_data", "error")


def kernel_env(data_dir, scratch):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JPY_", "JUPYTER_TOKEN", "KERNEL_"))}
    env.update(COURSE_DATA_DIR=str(data_dir), MPLBACKEND="module://matplotlib_inline.backend_inline",
               OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONHASHSEED="0",
               IPYTHONDIR=str(scratch / ".ipython"), PYDEVD_DISABLE_FILE_VALIDATION="1")
    return env


async def start_kernel(*, scratch_root, data_dir, limits, warm=True):
    """A started, warmed-up kernel in a fresh scratch folder."""
    t0 = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="s", dir=scratch_root))
    env = kernel_env(data_dir, scratch)
    forked = zygote.address(env) if sandbox.mode() != "rlimits" else None
    km = _KernelManager(scratch_dir=scratch, limits=limits, transport="ipc", ip=str(scratch / "k"),
                        connection_file=str(scratch / "kernel.json"), zygote=forked)
    kc = None
    try:
        with open(Path(scratch_root) / f"{scratch.name}.log", "wb") as log:
            await km.start_kernel(cwd=str(scratch), env=env,
                                  stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        kc = km.client()
        kc.start_channels()
        await kc.wait_for_ready(timeout=120)
        if warm:
            msg_id = kc.execute(zygote.WARMUP, silent=True, store_history=False)
            while True:
                reply = await kc.get_shell_msg(timeout=120)
                if reply["parent_header"].get("msg_id") == msg_id:
                    break
    except BaseException as error:
        await stop_kernel(Kernel(km, kc, scratch, 0.0))
        log = Path(scratch_root) / f"{scratch.name}.log"
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] if log.exists() else []
        if tail and isinstance(error, Exception):
            raise RuntimeError(f"{error} ({tail[0][:200]})") from error
        raise
    return Kernel(km, kc, scratch, time.perf_counter() - t0)


async def stop_kernel(kernel):
    """Kill the kernel's process group and remove its scratch folder."""
    try:
        if kernel.kc is not None:
            kernel.kc.stop_channels()
        pid = getattr(kernel.km.provisioner, "pid", None) if kernel.km.provisioner else None
        if pid:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if kernel.km.has_kernel:
            await kernel.km.shutdown_kernel(now=True)
    except Exception:
        pass
    finally:
        shutil.rmtree(kernel.scratch, ignore_errors=True)


async def run_silent(kernel, code, *, timeout):
    """Run ``code`` without history, outputs or cell events; True once the kernel replied."""
    msg_id = kernel.kc.execute(code, silent=True, store_history=False)
    end = time.monotonic() + timeout
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return False
        try:
            reply = await kernel.kc.get_shell_msg(timeout=left)
        except Exception:   # queue.Empty, or the kernel went away
            return False
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["content"].get("status") == "ok"


async def interrupt(kernel, *, grace):
    """Interrupt the running cell; True when the kernel answers again within ``grace`` seconds."""
    try:
        await kernel.km.interrupt_kernel()
    except Exception:
        return False
    return await run_silent(kernel, "pass", timeout=grace)


def _error_output(ename, evalue):
    from nbformat.v4 import new_output

    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


_JAIL_SAYS = "jail: kernel killed: "
_JAIL_REASONS = ("wall-clock limit", "scratch directory over its size limit", "the grader is gone")


def _jail_reason(kernel):
    """Why the jail ended the kernel, as it wrote at the end of the kernel's log; "" when it did not say."""
    log = kernel.scratch.parent / f"{kernel.scratch.name}.log"
    try:
        with open(log, "rb") as handle:
            handle.seek(max(0, log.stat().st_size - 4096))
            tail = handle.read().decode(errors="replace")
    except OSError:
        return ""
    # the kernel's own output comes first in that log: only the jail's words count, not what it printed
    said = [line[len(_JAIL_SAYS):].strip() for line in tail.splitlines() if line.startswith(_JAIL_SAYS)]
    return said[-1] if said and said[-1] in _JAIL_REASONS else ""


async def execute(kernel, nb, *, limits, files=(), setup=None, before_cell=None):
    """Run ``nb`` (in place) on ``kernel``.

    ``setup`` runs silently first; ``before_cell`` maps a cell index to code run
    silently right before that cell (how a check cell receives its probes). A
    cell that runs past ``limits.cell_timeout_s`` is interrupted and execution
    goes on with the next cell; only the submission's own limit (counted from
    here, not from the kernel's start) or a dead kernel ends the run.
    """
    for src in files:
        dest = kernel.scratch / src.name
        if src.is_file() and not dest.exists():
            shutil.copy(src, dest)
    started_at = time.monotonic()
    deadline = started_at + limits.submission_timeout_s
    outcome = Outcome(nb)
    if setup and not await run_silent(kernel, setup, timeout=min(limits.cell_timeout_s, 60)):
        outcome.status, outcome.stopped_at, outcome.reason = "crashed", 0, "the kernel did not accept the grader's setup"
        return outcome

    def timeout_for(cell):
        return max(0.5, min(limits.cell_timeout_s, deadline - time.monotonic()))

    client = _Client(nb, km=kernel.km, output_bytes=limits.output_bytes, allow_errors=True,
                     timeout_func=timeout_for, interrupt_on_timeout=False, record_timing=False,
                     iopub_timeout=2, raise_on_iopub_timeout=False, store_widget_state=False)
    client.kc = kernel.kc
    client.reset_execution_trackers()
    t0 = time.perf_counter()
    count = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        count += 1
        if time.monotonic() >= deadline:   # out of time between cells: stop here, before the jail's own deadline
            outcome.status, outcome.stopped_at = "timeout", index
            outcome.reason = (f"stopped at cell {index}: the whole submission ran past "
                              f"{limits.submission_timeout_s:g} s")
            break
        if before_cell and index in before_cell:
            await run_silent(kernel, before_cell[index], timeout=max(0.5, min(limits.cell_timeout_s,
                                                                             deadline - time.monotonic())))
        try:
            await client.async_execute_cell(cell, index, execution_count=count)
        except CellTimeoutError:
            left = deadline - time.monotonic()
            if left <= 0.05:
                outcome.status, outcome.stopped_at = "timeout", index
                outcome.reason = (f"stopped at cell {index}: the whole submission ran past "
                                  f"{limits.submission_timeout_s:g} s")
                break
            answered = await interrupt(kernel, grace=min(10.0, left))
            cell.outputs.append(_error_output("CellTimeout", f"interrupted after {limits.cell_timeout_s:g} s"))
            outcome.status = "timeout"
            outcome.interrupted.append(index)
            if not answered:
                outcome.stopped_at = index + 1
                outcome.reason = f"cell {index} ran past {limits.cell_timeout_s:g} s and ignored the interrupt"
                break
            outcome.reason = (f"cell(s) {', '.join(map(str, outcome.interrupted))} ran past "
                              f"{limits.cell_timeout_s:g} s and were interrupted; the next cells still ran")
            continue
        except DeadKernelError:
            outcome.status, outcome.stopped_at = "crashed", index
            why = _jail_reason(kernel)
            outcome.reason = (f"the kernel died in cell {index} "
                              + (f"(the jail stopped it: {why})" if why else "(memory or process limit, or exit)"))
            break
        if client.output_exceeded:
            outcome.status, outcome.stopped_at = "crashed", index
            outcome.reason = f"stopped at cell {index}: output exceeded {limits.output_bytes} bytes"
            break
    outcome.exec_s = time.perf_counter() - t0
    return outcome


async def run_all(items, *, jobs, prewarm, scratch_root, data_dir, limits, execute_one, on_done, can_start=None,
                  after_one=None):
    """Execute ``items`` with at most ``jobs`` at once, kernels pre-warmed ahead.

    ``execute_one(kernel, item) -> Outcome`` runs one; ``after_one(item, outcome)`` (optional, a
    coroutine) runs once its kernel is stopped, beside the next executions; ``on_done(item, outcome_or_exception)``
    is called in the grading process as each finishes. ``can_start(item)`` (optional) says whether
    an item can start at once: a free worker takes the first ready item, in order, before one
    that would have to wait.
    """
    items = list(items)
    if not items:
        return
    ready = asyncio.Queue()
    live = asyncio.Semaphore(jobs + prewarm)
    to_start = len(items)
    lock = asyncio.Lock()

    async def producer():
        nonlocal to_start
        while True:
            async with lock:
                if to_start == 0:
                    return
                to_start -= 1
            await live.acquire()
            try:
                kernel = await start_kernel(scratch_root=scratch_root, data_dir=data_dir, limits=limits)
            except Exception as error:   # reported on the submission that would have used it
                live.release()
                kernel = error
            await ready.put(kernel)

    pending = list(items)

    def take():
        for index, item in enumerate(pending):
            if can_start is None or can_start(item):
                return pending.pop(index)
        return pending.pop(0)

    async def worker():
        while pending:
            item = take()
            t0 = time.perf_counter()
            kernel = await ready.get()
            waited = time.perf_counter() - t0
            if isinstance(kernel, Exception):
                on_done(item, kernel)
                continue
            try:
                outcome = await execute_one(kernel, item)
                outcome.kernel_s, outcome.wait_s = kernel.started_s, waited
            except Exception as error:
                outcome = error
            finally:
                await stop_kernel(kernel)
                live.release()
            if after_one is None:
                on_done(item, outcome)
            else:   # the worker takes the next item meanwhile
                afterwards.append(asyncio.ensure_future(after(item, outcome)))

    afterwards = []

    async def after(item, outcome):
        if not isinstance(outcome, Exception):
            try:
                await after_one(item, outcome)
            except Exception as error:
                outcome = error
        on_done(item, outcome)

    producers = [asyncio.ensure_future(producer()) for _ in range(max(1, min(jobs, len(items))))]
    try:
        await asyncio.gather(*(worker() for _ in range(min(jobs, len(items)))))
        while afterwards:
            await afterwards.pop(0)
    finally:
        for task in producers:
            task.cancel()
        while not ready.empty():
            kernel = ready.get_nowait()
            if isinstance(kernel, Kernel):
                await stop_kernel(kernel)
