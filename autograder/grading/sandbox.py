"""Isolation for untrusted submissions (issue 6).

The grading pipeline only uses this interface:

- ``Limits``: per-submission resource limits.
- ``wrap_kernel_command(argv, *, scratch_dir, limits)``: the argv that starts a
  kernel (``argv``) isolated in ``scratch_dir`` under ``limits``.
- ``protections()``: list of ``(name, enabled, detail)`` describing what is on.

Three modes, the strongest the machine allows (``COURSE_SANDBOX_MODE`` forces
one, for tests):

``root``
    The grader runs as root: ``unshare`` gives the kernel its own PID, mount,
    network, IPC and UTS namespaces; inside, :mod:`autograder.grading.jail`
    builds a minimal read-only root (system, Python, the ``autograder`` package,
    the course data, and the scratch directory as the only writable place),
    then runs the kernel as a system user of its own (``course-sbx-N``, one per
    running kernel) with rlimits, no capabilities and no_new_privs.
``userns``
    Not root, but unprivileged user namespaces work: the same, except that the
    kernel keeps the grader's uid (as an unprivileged "root" without
    capabilities inside its user namespace).
``rlimits``
    No namespaces: rlimits, a new session, a filtered environment, the output
    cap and the deadline only. The kernel can read whatever the grader can and
    reach the network; :func:`protections` says so.
"""

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

JAIL = Path(__file__).with_name("jail.py")
MODES = ("root", "userns", "rlimits")
_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")


@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission's kernel."""

    cell_timeout_s: float = 60.0
    submission_timeout_s: float = 300.0
    memory_bytes: int = 4 * 1024**3  # address space (RLIMIT_AS) of each kernel process
    output_bytes: int = 1024**2  # raw stdout/stderr the kernel process may pass on
    max_processes: int = 64  # RLIMIT_NPROC (threads count too)
    file_bytes: int = 256 * 1024**2  # largest file a kernel may write (RLIMIT_FSIZE)
    scratch_bytes: int = 512 * 1024**2  # the whole scratch directory; over it the kernel is killed
    tmp_bytes: int = 256 * 1024**2  # private /tmp and /dev/shm (tmpfs, each)
    open_files: int = 1024
    cpu_seconds: float = None  # RLIMIT_CPU; None: twice submission_timeout_s
    grace_s: float = 30.0  # the jail kills everything at submission_timeout_s + grace_s
    readable: tuple = field(default_factory=tuple)  # extra read-only paths for the kernel


def mode():
    """The isolation mode in force: ``root``, ``userns`` or ``rlimits``."""
    forced = os.environ.get("COURSE_SANDBOX_MODE")
    if forced:
        if forced not in MODES:
            raise ValueError(f"COURSE_SANDBOX_MODE must be one of {MODES}, not {forced!r}")
        return forced
    return _detect()


@functools.lru_cache(maxsize=None)
def _detect():
    unshare, setpriv = shutil.which("unshare"), shutil.which("setpriv")
    if not (unshare and setpriv):
        return "rlimits"
    probes = [("root", [])] if os.geteuid() == 0 else []
    probes.append(("userns", ["--user", "--map-root-user"]))
    for name, extra in probes:
        command = [unshare, *extra, "--net", "--mount", "--pid", "--ipc", "--uts", "--fork", "true"]
        try:
            if subprocess.run(command, capture_output=True, timeout=20).returncode == 0:
                return name
        except (OSError, subprocess.SubprocessError):
            pass
    return "rlimits"


def _readonly_paths(argv, limits):
    paths = [p for p in _SYSTEM_DIRS if os.path.lexists(p)]
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}:
        paths.append(prefix)
    if argv and os.path.isabs(argv[0]):
        venv = Path(argv[0]).parent.parent
        if (venv / "pyvenv.cfg").exists():
            paths.append(str(venv))
        paths.append(str(Path(os.path.realpath(argv[0])).parent.parent))
    import autograder
    from autograder.paths import REPO_ROOT

    paths.append(str(Path(autograder.__file__).resolve().parent))
    data = os.environ.get("COURSE_DATA_DIR", str(REPO_ROOT / "data"))
    paths.append(data)
    paths.extend(str(p) for p in limits.readable)
    unique = []
    for path in paths:
        path = os.path.abspath(path)
        if path != "/" and path not in unique and os.path.lexists(path):
            unique.append(path)
    return unique


def _config(argv, scratch_dir, limits, how):
    cpu = limits.cpu_seconds if limits.cpu_seconds is not None else 2 * limits.submission_timeout_s
    return {
        "mode": how,
        "scratch": os.path.realpath(scratch_dir),
        "setpriv": shutil.which("setpriv") or "/usr/bin/setpriv",
        "readonly": _readonly_paths(argv, limits) if how != "rlimits" else [],
        "tmp_bytes": int(limits.tmp_bytes),
        "limits": {
            "memory_bytes": limits.memory_bytes,
            "max_processes": limits.max_processes,
            "file_bytes": limits.file_bytes,
            "cpu_seconds": int(cpu) + 1,
            "open_files": limits.open_files,
            "output_bytes": limits.output_bytes,
            "scratch_bytes": limits.scratch_bytes,
            "wall_seconds": limits.submission_timeout_s + limits.grace_s,
        },
    }


def wrap_kernel_command(argv, *, scratch_dir, limits):
    """Return ``argv`` wrapped so the kernel runs isolated in ``scratch_dir``.

    ``scratch_dir`` must exist; it becomes the only writable directory the
    kernel sees (the connection file and ipc sockets live there). Everything
    the kernel started is killed when it ends or when the jail is killed.
    """
    import json

    limits = limits or Limits()
    how = mode()
    config = json.dumps(_config(list(argv), scratch_dir, limits, how))
    jail = [sys.executable, "-I", "-S", str(JAIL), config, "--", *argv]
    if how == "rlimits":
        return jail
    unshare = [shutil.which("unshare") or "/usr/bin/unshare"]
    if how == "userns":
        unshare += ["--user", "--map-root-user"]
    unshare += ["--net", "--mount", "--pid", "--ipc", "--uts", "--fork", "--kill-child", "--"]
    return unshare + jail


def protections():
    """What isolation is in force, as ``(name, enabled, detail)`` rows."""
    how = mode()
    ns = how in ("root", "userns")
    d = Limits()
    rows = [
        ("isolation mode", True, how),
        ("separate unprivileged user", how == "root",
         "system user course-sbx-N per running kernel" if how == "root" else
         "off: kernels run with the grader's uid" + (" (no capabilities, in a user namespace)" if ns else "")),
        ("private filesystem view", ns,
         "minimal read-only root; scratch directory is the only writable place; solutions, submissions, "
         "gradebook and outputs are not mounted" if ns else
         "off: the kernel can read and write whatever the grader's user can"),
        ("network namespace", ns, "loopback only, down" if ns else "off: the network is reachable"),
        ("PID namespace", ns, "the kernel sees only its own processes; all are killed when it ends" if ns else
         "off: cleanup kills the kernel's process group only (a process that calls setsid survives)"),
        ("no capabilities, no_new_privs", True, "setuid binaries grant nothing"),
        ("rlimits", True, f"address space {d.memory_bytes >> 20} MiB, {d.max_processes} processes/threads"
         + (" per kernel only with a user namespace: here one cap for all the grader user's processes"
            " (its count at kernel start plus room for 16 kernels), so a fork bomb is bounded, not stopped"
            if how == "rlimits" else "")
         + f", files {d.file_bytes >> 20} MiB, CPU 2x submission timeout"),
        ("output and disk caps", True, f"raw output {d.output_bytes >> 10} KiB, scratch {d.scratch_bytes >> 20} MiB"
         + (f", /tmp {d.tmp_bytes >> 20} MiB" if ns else "")),
        ("filtered environment", True, "only PATH, locale, JPY_*, COURSE_DATA_DIR and thread settings pass"),
        ("wall-clock kill", True, "everything is killed at the submission timeout plus a grace period"),
        ("tamper detection", True, "canary cells and identity checks after each graded cell"),
    ]
    return rows
