"""Isolation for untrusted submissions (issue 6).

The grading pipeline only uses this interface:

- ``Limits``: per-submission resource limits.
- ``wrap_kernel_command(argv, *, scratch_dir, limits)``: the argv that starts a
  kernel (``argv``) isolated in ``scratch_dir`` under ``limits``.
- ``protections()``: list of ``(name, enabled, detail)`` describing what is on.

Three modes, the strongest the machine allows (``COURSE_SANDBOX_MODE`` forces
one, for tests):

``root``
    The grader runs as root. :mod:`autograder.grading.jail` takes a slot and its
    system user (``course-sbx-N``), puts the kernel in a memory and pids cgroup
    of that slot (cgroup v1, where mounted) and mounts the scratch directory, and
    the kernel's ``/tmp`` and ``/dev/shm``, as tmpfs mounts with ``size=`` and
    ``nr_inodes=`` caps; then bubblewrap (``bwrap``) gives the kernel its own
    PID, mount, network, IPC and UTS namespaces and a minimal read-only root
    (system, Python, the ``autograder`` package, the course data, and the
    scratch directory as the only writable place), and the kernel runs as the
    slot's user with rlimits, no capabilities, no_new_privs and a seccomp
    filter (compiled here by libseccomp, through ``pyseccomp``) that denies the
    kernel keyring calls. A reaper outside the kernel's reach empties the cgroup
    and unmounts the tmpfs mounts when the jail ends, however it ends.
``userns``
    Not root, but unprivileged user namespaces work: the same, bubblewrap in a
    user namespace, except that the kernel keeps the grader's uid (without
    capabilities), ``/tmp`` and ``/dev/shm`` are capped in size only, and there
    is no cgroup and no scratch tmpfs (the scratch directory's size is polled).
``rlimits``
    No namespaces (or no bubblewrap): rlimits, a new session, a filtered
    environment, the seccomp filter, the output cap and the deadline only. The kernel can read whatever
    the grader can and reach the network, so :func:`preflight` refuses it
    unless asked for explicitly (``--insecure``, or ``COURSE_SANDBOX_MODE=rlimits``).

The jail's hard wall-clock kill is armed by :func:`arm` when the grader starts
a submission on a (pre-warmed) kernel: until then a kernel may wait
``Limits.prewarm_wait_s``, after it the submission's own limit plus a grace.
"""

import errno
import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

JAIL = Path(__file__).with_name("jail.py")
MODES = ("root", "userns", "rlimits")
ARM_FILE = ".grading-armed"
CGROUP_V1 = "/sys/fs/cgroup"
KEYRING_CALLS = ("add_key", "request_key", "keyctl")
# What the namespace modes run: bubblewrap, and util-linux's setpriv and prlimit (Debian package).
TOOLS = {"bwrap": "bubblewrap", "setpriv": "util-linux", "prlimit": "util-linux"}
_NAMESPACES = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--die-with-parent"]


class SandboxRefused(RuntimeError):
    """Grading would not be isolated as the machine allows; the message says why and what to do."""
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
    inodes: int = 20_000  # files and folders in the scratch tmpfs, and in /tmp and /dev/shm (each)
    cgroup_memory_bytes: int = 3 * 1024**3  # all processes of one kernel together (cgroup, root mode)
    open_files: int = 1024
    cpu_seconds: float = None  # RLIMIT_CPU; None: twice submission_timeout_s
    grace_s: float = 30.0  # the jail kills everything at submission_timeout_s + grace_s after arm()
    prewarm_wait_s: float = 1800.0  # how long a warm kernel may wait for its submission (arm())
    readable: tuple = field(default_factory=tuple)  # extra read-only paths for the kernel


def mode():
    """The isolation mode in force: ``root``, ``userns`` or ``rlimits``."""
    forced = os.environ.get("COURSE_SANDBOX_MODE")
    if forced:
        if forced not in MODES:
            raise ValueError(f"COURSE_SANDBOX_MODE must be one of {MODES}, not {forced!r}")
        return forced
    return _detect()


def missing_tools():
    """``[(tool, Debian package)]`` the namespace modes need and this machine lacks."""
    return [(tool, package) for tool, package in TOOLS.items() if not shutil.which(tool)]


@functools.lru_cache(maxsize=None)
def _detect():
    if missing_tools():
        return "rlimits"
    bwrap = shutil.which("bwrap")
    probes = [("root", [])] if os.geteuid() == 0 else []
    probes.append(("userns", ["--unshare-user"]))
    for name, extra in probes:
        command = [bwrap, *extra, *_NAMESPACES, "--ro-bind", "/", "/", "--proc", "/proc", "--", "true"]
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
    from ..paths import REPO_ROOT

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


@functools.lru_cache(maxsize=None)
def seccomp_program():
    """The seccomp filter that denies the kernel keyring calls, compiled by libseccomp (BPF
    bytes, for bubblewrap's ``--seccomp``), or None where libseccomp or pyseccomp is missing."""
    import tempfile

    try:
        import pyseccomp

        flt = pyseccomp.SyscallFilter(pyseccomp.ALLOW)
        for name in KEYRING_CALLS:
            flt.add_rule(pyseccomp.ERRNO(errno.EPERM), name)
        with tempfile.TemporaryFile() as handle:
            flt.export_bpf(handle)
            handle.seek(0)
            return handle.read() or None
    except Exception:  # noqa: BLE001 - no libseccomp here: protections() says the filter is off
        return None


def seccomp_available():
    """libseccomp and its bindings compile the filter here."""
    return seccomp_program() is not None


def cgroup_available():
    """cgroup v1 memory and pids controllers are mounted and writable (root mode only)."""
    return mode() == "root" and all(os.access(f"{CGROUP_V1}/{c}/cgroup.procs", os.W_OK)
                                    for c in ("memory", "pids"))


def _config(argv, scratch_dir, limits, how):
    cpu = limits.cpu_seconds if limits.cpu_seconds is not None else 2 * limits.submission_timeout_s
    return {
        "mode": how,
        "parent": os.getpid(),   # the grader, which starts the jail: the jail ends itself when it is gone
        "scratch": os.path.realpath(scratch_dir),
        "bwrap": shutil.which("bwrap") or "/usr/bin/bwrap",
        "setpriv": shutil.which("setpriv") or "/usr/bin/setpriv",
        "prlimit": shutil.which("prlimit") or "/usr/bin/prlimit",
        "sleep": shutil.which("sleep") or "/usr/bin/sleep",
        "readonly": _readonly_paths(argv, limits) if how != "rlimits" else [],
        "tmp_bytes": int(limits.tmp_bytes),
        "inodes": int(limits.inodes),
        "seccomp": (seccomp_program() or b"").hex(),
        "arm_file": ARM_FILE,
        "cgroup_root": CGROUP_V1,
        "limits": {
            "memory_bytes": limits.memory_bytes,
            "max_processes": limits.max_processes,
            "file_bytes": limits.file_bytes,
            "cpu_seconds": int(cpu) + 1,
            "open_files": limits.open_files,
            "output_bytes": limits.output_bytes,
            "scratch_bytes": limits.scratch_bytes,
            "wall_seconds": limits.submission_timeout_s + limits.grace_s,
            "grace_seconds": limits.grace_s,
            "prewarm_wait_seconds": limits.prewarm_wait_s,
            "cgroup_memory_bytes": limits.cgroup_memory_bytes,
        },
    }


def wrap_kernel_command(argv, *, scratch_dir, limits, zygote=None):
    """Return ``argv`` wrapped so the kernel runs isolated in ``scratch_dir``.

    ``scratch_dir`` must exist; it becomes the only writable directory the
    kernel sees (the connection file and ipc sockets live there). Everything
    the kernel started is killed when it ends or when the jail is killed.
    ``zygote`` (a socket, see ``zygote.py``): the kernel is forked, warm, into its
    sandbox rather than started there; not in mode rlimits.
    """
    import json

    limits = limits or Limits()
    cfg = _config(list(argv), scratch_dir, limits, mode())
    if zygote and cfg["mode"] != "rlimits":
        cfg["zygote"] = str(zygote)
    return [sys.executable, "-I", "-S", str(JAIL), json.dumps(cfg), "--", *argv]


def arm(scratch_dir, seconds):
    """Start the jail's hard wall-clock limit: ``seconds`` (plus its grace) from now.

    Called by the grader when a submission starts on a kernel, which may have
    waited pre-warmed for a while; the jail reads it once.
    """
    path = Path(scratch_dir) / ARM_FILE
    tmp = path.with_name(ARM_FILE + ".tmp")
    try:
        tmp.write_text(f"{float(seconds):.3f}\n")
        os.replace(tmp, path)
    except OSError:   # the kernel is gone; nothing to arm
        pass


def _inside(path, folder):
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def preflight(*, course_root, out_dir, submissions=None, insecure=False):
    """Refuse to grade when isolation would silently be weaker than asked for.

    - without namespaces (``rlimits`` mode) unless ``insecure`` or the mode was set
      explicitly with ``COURSE_SANDBOX_MODE``; when allowed, say so loudly on stderr;
    - when the course (its solutions), the output folder or the submissions lie inside
      a folder that is bound read-only into every kernel's jail.
    """
    how = mode()
    if how == "rlimits":
        if not insecure and os.environ.get("COURSE_SANDBOX_MODE") != "rlimits":
            raise SandboxRefused(
                f"namespaces are not available here ({why_no_namespaces()}): "
                "a kernel could read the solutions and the gradebook and reach the network. Grade as root or "
                "where unprivileged user namespaces work, or accept this with --insecure (make grade INSECURE=1).")
        sys.stderr.write("\n*** INSECURE GRADING: no namespaces. Kernels run with the grader's user: they can "
                         "read solutions, the gradebook and other learners' files, and reach the network. ***\n\n")
        _undumpable()
        return
    binds = _readonly_paths([sys.executable], Limits())
    checks = [("the course's solutions", Path(course_root) / "solutions"), ("the output folder", out_dir)]
    if submissions is not None:
        checks.append(("the submissions", submissions))
    for what, path in checks:
        for folder in binds:
            if _inside(path, folder):
                raise SandboxRefused(f"{what} ({path}) lies inside {folder}, which every kernel can read: "
                                     f"move it elsewhere")



def why_no_namespaces():
    """Why the namespace modes are off here: the missing tools, or the kernel refusing namespaces."""
    missing = missing_tools()
    if missing:
        packages = sorted({package for _tool, package in missing})
        return (f"{', '.join(tool for tool, _p in missing)} missing: install it (as root: "
                f"apt-get install {' '.join(packages)})")
    return "bubblewrap cannot create namespaces here: user namespaces disabled, or a container forbids them"


def _undumpable():
    """Without namespaces, keep a kernel (same uid) from reading /proc/<grader>/environ and memory."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)   # PR_SET_DUMPABLE, 0
    except (OSError, AttributeError):
        pass


def protections():
    """What isolation is in force, as ``(name, enabled, detail)`` rows."""
    how = mode()
    ns = how in ("root", "userns")
    d = Limits()
    cgroup, seccomp = cgroup_available(), seccomp_available()
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
        ("no capabilities, no_new_privs", True, "setuid binaries grant nothing"
         + ("; bubblewrap (bwrap) builds the namespaces and the root, and the sandbox dies with the grader"
            if ns else "")),
        ("rlimits", True, f"address space {d.memory_bytes >> 20} MiB, {d.max_processes} processes/threads"
         + (" per kernel only with a user namespace: here one cap for all the grader user's processes"
            " (its count at kernel start plus room for 16 kernels), so a fork bomb is bounded, not stopped"
            if how == "rlimits" else "")
         + f", files {d.file_bytes >> 20} MiB, CPU 2x submission timeout"),
        ("output and disk caps", True, f"raw output {d.output_bytes >> 10} KiB, scratch {d.scratch_bytes >> 20} MiB"
         + (f", /tmp and /dev/shm {d.tmp_bytes >> 20} MiB" if ns else "")
         + (f" and {d.inodes} files each" if how == "root" else "")),
        ("scratch on a tmpfs", how == "root",
         f"size {d.scratch_bytes >> 20} MiB and {d.inodes} files, unlinked open files included" if how == "root"
         else "off: the scratch folder's size is polled (open unlinked files and empty files escape it)"),
        ("cgroup memory and process cap", cgroup,
         f"{d.cgroup_memory_bytes >> 20} MiB and {d.max_processes} processes for the whole kernel" if cgroup else
         "off (not root, or no cgroup v1 memory/pids here): only the per-process rlimits apply"),
        ("kernel keyring denied", seccomp, "add_key, request_key and keyctl fail (seccomp, libseccomp)" if seccomp
         else "off: libseccomp or pyseccomp missing; keys a kernel adds persist for its user"),
        ("filtered environment", True, "only PATH, locale, JPY_*, COURSE_DATA_DIR and thread settings pass"),
        ("wall-clock kill", True, "everything is killed at the submission timeout plus a grace period, "
                                  "counted from the submission's start (a warm kernel waits at most "
                                  f"{d.prewarm_wait_s:g} s before)"),
        ("trusted judging", True, "kernels only report evidence; verdicts are computed by the grader"),
    ]
    return rows
