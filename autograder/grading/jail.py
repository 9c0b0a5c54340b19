"""The jail: runs one kernel under bubblewrap, supervises it, and leaves nothing of it behind.

Started by the argv that :func:`autograder.grading.sandbox.wrap_kernel_command`
builds, in the grader's namespaces. Standard library only, run with
``python -I -S``: it must not import anything a submission could influence.

bubblewrap (``bwrap``) does the confinement: new PID, mount, network, IPC and UTS
namespaces (and a user namespace in mode ``userns``); a new root, entered with
``pivot_root``, of read-only binds (the system, the Python prefixes, the
``autograder`` package, the course data) with the scratch directory as the only
writable place; a size-capped ``/tmp`` and ``/dev/shm``, a minimal ``/dev``, a
fresh ``/proc``; the seccomp filter the grader compiled (denies the kernel keyring
calls: keys would outlive the kernel in its user's keyring), passed as a file
descriptor; no capabilities, no_new_privs, a new session; and ``--die-with-parent``:
when this process dies, however it dies, the whole sandbox dies with it.

This script does what bubblewrap lacks:

1. Mode ``root``: take a free sandbox slot (an ``flock``) and its system user
   ``course-sbx-N`` (``useradd --system`` on first use); fork a reaper (own
   session, holds the slot's lock) that waits for the jail to end, however it
   ends, then kills what is left in the slot's cgroup and unmounts the tmpfs
   mounts below; put this process in the slot's cgroup v1 ``memory`` and ``pids``
   groups (one memory and process cap for everything the kernel starts); mount
   the scratch directory as a tmpfs (``size=``, ``nr_inodes=``, owned by the
   slot's user: unlinked open files and empty files count; it stays shared with
   the grader, which writes data files and talks to the kernel's sockets there),
   and the sandbox's ``/tmp`` and ``/dev/shm`` as tmpfs mounts with an inode cap
   too (bwrap's ``--tmpfs`` takes a size only). The kernel drops to the slot's
   user with ``setpriv``.
2. The kernel's rlimits, set by ``prlimit`` inside the sandbox (in a user
   namespace the process count starts there, not at the grader's).
3. Supervision: forward SIGINT/SIGTERM to the kernel, pass at most
   ``output_bytes`` of its raw stdout/stderr, enforce the wall-clock deadline
   (``prewarm_wait_seconds`` until the grader arms it by writing
   ``<scratch>/<arm_file>``, then ``wall_seconds`` from then on) and, without a
   scratch tmpfs, the scratch size; die with the grader (a Dask worker killed with
   SIGKILL takes its kernels with it).

Mode ``rlimits`` (no namespaces available) runs the kernel without bubblewrap:
a new session, rlimits, no_new_privs and the seccomp filter (loaded here), the
supervision, and at the end a kill of the kernel's process group.
"""

import ctypes
import fcntl
import json
import os
import pwd
import re
import select
import signal
import socket
import subprocess
import sys
import time

MS_NOSUID, MS_NODEV = 2, 4
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_SECCOMP, PR_SET_NO_NEW_PRIVS = 1, 4, 22, 38
SECCOMP_MODE_FILTER = 2
CGROUP_PARENT = "course-sandbox"
# rlimits mode: the process cap is per user, so it leaves room for this many kernels' max_processes.
RLIMIT_PER_USER_ROOM = 16
SLOT_DIR = "/run/course-sandbox"
USER_PREFIX = "course-sbx-"
# Environment variables a kernel may see (everything else, e.g. CI tokens, is dropped).
ENV_KEEP = ("PATH", "LANG", "LANGUAGE", "TZ", "TERM", "COURSE_DATA_DIR", "MPLBACKEND", "PYTHONHASHSEED")
ENV_KEEP_PREFIXES = ("LC_", "JPY_", "JUPYTER_", "OMP_", "MKL_", "TORCH_", "PYDEVD_")

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result, what):
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _prctl(option, arg):
    _check(_libc.prctl(option, ctypes.c_ulong(arg), 0, 0, 0), f"prctl {option}")


# ---------------------------------------------------------------- slot and user (root mode)

def _take_slot(max_slots):
    """An exclusive (slot number, lock fd): one system user per running kernel."""
    os.makedirs(SLOT_DIR, mode=0o700, exist_ok=True)
    for slot in range(max_slots):
        fd = os.open(f"{SLOT_DIR}/slot-{slot}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return slot, fd
        except BlockingIOError:
            os.close(fd)
    raise RuntimeError(f"all {max_slots} sandbox slots are busy")


def _sandbox_user(slot):
    name = f"{USER_PREFIX}{slot}"
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        with open(f"{SLOT_DIR}/useradd.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                entry = pwd.getpwnam(name)
            except KeyError:
                subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                                "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin",
                                "--comment", "course grading sandbox", name],
                               check=True, stdout=subprocess.DEVNULL)
                entry = pwd.getpwnam(name)
    if entry.pw_uid == 0 or entry.pw_gid == 0:
        raise RuntimeError(f"sandbox user {name} must not be root")
    return entry.pw_uid, entry.pw_gid, name


# ---------------------------------------------------------------- cgroup, tmpfs mounts, reaper (root mode)

def _write(path, value):
    with open(path, "w") as handle:
        handle.write(str(value))


def _cgroup_dirs(cfg, slot):
    return [f"{cfg['cgroup_root']}/{c}/{CGROUP_PARENT}/slot-{slot}" for c in ("memory", "pids")]


def _empty_cgroup(dirs, timeout=10.0):
    """SIGKILL every process in the slot's cgroups until they are gone (True) or ``timeout``."""
    end = time.monotonic() + timeout
    while True:
        pids = set()
        for folder in dirs:
            try:
                with open(f"{folder}/cgroup.procs") as handle:
                    pids |= {int(p) for p in handle.read().split()}
            except (OSError, ValueError):
                pass
        pids.discard(os.getpid())
        if not pids or time.monotonic() > end:
            return not pids
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.02)


def _setup_cgroup(cfg, slot):
    """The slot's memory and pids cgroups (v1), emptied and capped; [] where there are none."""
    lim = cfg["limits"]
    dirs = _cgroup_dirs(cfg, slot)
    if not all(os.path.isdir(os.path.dirname(os.path.dirname(d))) for d in dirs):
        return []
    try:
        for folder in dirs:
            os.makedirs(folder, exist_ok=True)
        _empty_cgroup(dirs)
        memory, pids = dirs
        value = int(lim["cgroup_memory_bytes"])
        memsw = f"{memory}/memory.memsw.limit_in_bytes"
        files = [f"{memory}/memory.limit_in_bytes"] + ([memsw] if os.path.exists(memsw) else [])
        for order in (files, files[::-1]):   # memsw must stay >= the memory limit while both change
            try:
                for path in order:
                    _write(path, value)
                break
            except OSError:
                continue
        else:
            raise OSError("cannot set the memory limit")
        # the jail's own processes (this supervisor, bwrap and its init in the sandbox) count too
        _write(f"{pids}/pids.max", int(lim["max_processes"]) + 4)
        return dirs
    except OSError as error:
        os.write(2, f"jail: no cgroup cap ({error}); per-process rlimits only\n".encode())
        return []


def _start_reaper(mounts, scratch, dirs):
    """A process outside the kernel's reach that cleans up after the jail; returns the fd to keep open."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            os.close(w)
            devnull = os.open(os.devnull, os.O_RDWR)   # holds no one's pipe open while it waits
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)
            for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(signum, signal.SIG_IGN)
            while os.read(r, 4096):   # EOF: the jail is gone
                pass
            _empty_cgroup(dirs)
            for path in mounts:
                _libc.umount2(os.fsencode(path), MNT_DETACH)
            try:
                os.rmdir(scratch)   # only once the grader has removed what was in it
            except OSError:
                pass
        finally:
            os._exit(0)
    os.close(r)
    return w


def _tmpfs(path, options):
    _check(_libc.mount(b"tmpfs", os.fsencode(path), b"tmpfs", ctypes.c_ulong(MS_NOSUID | MS_NODEV),
                       options.encode()), f"mount tmpfs on {path}")


def _scratch_tmpfs(cfg, uid, gid):
    """Mount a capped tmpfs on the scratch directory (in the grader's namespace: the grader
    writes data files and connects to the kernel's sockets there), keeping what was in it."""
    scratch = cfg["scratch"]
    saved = []
    for entry in os.scandir(scratch):
        if entry.is_file(follow_symlinks=False):
            with open(entry.path, "rb") as handle:
                saved.append((entry.name, handle.read(), entry.stat(follow_symlinks=False).st_mode & 0o777))
            os.unlink(entry.path)   # so that the folder is empty again once the tmpfs is gone
    _tmpfs(scratch, f"mode=700,uid={uid},gid={gid},size={int(cfg['limits']['scratch_bytes'])},"
                    f"nr_inodes={int(cfg['inodes'])}")
    for name, data, mode in saved:
        fd = os.open(f"{scratch}/{name}", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
        try:
            os.write(fd, data)
            os.fchown(fd, uid, gid)
        finally:
            os.close(fd)


def _give_scratch(scratch, uid, gid):
    os.chown(scratch, uid, gid)
    os.chmod(scratch, 0o700)
    for top, dirs, files in os.walk(scratch):
        for name in dirs + files:
            os.lchown(os.path.join(top, name), uid, gid)


def _slot_tmpfs(cfg, slot):
    """``{"/tmp": host folder, "/dev/shm": host folder}``: tmpfs mounts capped in size and inodes."""
    found = {}
    for inside, name in (("/tmp", "tmp"), ("/dev/shm", "shm")):
        folder = f"{SLOT_DIR}/slot-{slot}/{name}"
        os.makedirs(folder, mode=0o700, exist_ok=True)
        while _libc.umount2(os.fsencode(folder), MNT_DETACH) == 0:   # left by a jail whose reaper died
            pass
        _tmpfs(folder, f"mode=1777,size={int(cfg['tmp_bytes'])},nr_inodes={int(cfg['inodes'])}")
        found[inside] = folder
    return found


def _root_setup(cfg):
    """Root mode, before bubblewrap: slot, user, reaper, cgroup, tmpfs mounts; the reaper's fd."""
    slot, _lock = _take_slot(cfg.get("max_slots", 64))
    cfg["uid"], cfg["gid"], cfg["user"] = _sandbox_user(slot)
    dirs = _setup_cgroup(cfg, slot)
    cfg["cgroup_dirs"] = dirs
    cfg["tmpfs"] = _slot_tmpfs(cfg, slot)
    mounts = [cfg["scratch"], *cfg["tmpfs"].values()]
    reaper = _start_reaper(mounts, cfg["scratch"], dirs)   # before joining: the reaper stays outside the cgroup
    for folder in dirs:
        _write(f"{folder}/cgroup.procs", os.getpid())
    try:
        _scratch_tmpfs(cfg, cfg["uid"], cfg["gid"])
        cfg["scratch_tmpfs"] = True
    except OSError as error:
        os.write(2, f"jail: no scratch tmpfs ({error}); its size is polled instead\n".encode())
        _give_scratch(cfg["scratch"], cfg["uid"], cfg["gid"])
    return reaper


# ---------------------------------------------------------------- the kernel's command

def _tasks_of(uid):
    """Threads of all processes whose real uid is ``uid`` (what RLIMIT_NPROC counts)."""
    total = 0
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/status") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
            if int(fields["Uid"].split()[0]) == uid:
                total += int(fields["Threads"])
        except (OSError, KeyError, ValueError):
            pass
    return total


def _rlimits(cfg):
    """The kernel's rlimits by ``prlimit``'s names (resource: value)."""
    lim = cfg["limits"]
    processes = lim.get("max_processes")
    if processes is not None and cfg["mode"] == "rlimits":
        # Without a user namespace the count is the grader user's, over all its processes, and
        # other kernels of that user start and stop meanwhile: a per-kernel cap is impossible.
        # Cap the user at what it runs now plus room for them all (RLIMIT_PER_USER_ROOM kernels).
        processes = _tasks_of(os.getuid()) + processes * RLIMIT_PER_USER_ROOM
    values = {"as": lim.get("memory_bytes"), "nproc": processes, "fsize": lim.get("file_bytes"),
              "cpu": lim.get("cpu_seconds"), "nofile": lim.get("open_files"), "core": 0, "memlock": 0}
    return {name: int(v) for name, v in values.items() if v is not None}


def _prlimit(cfg):
    """``prlimit`` with the kernel's rlimits, ending in ``--``."""
    return [cfg["prlimit"], *(f"--{name}={v}:{v}" for name, v in _rlimits(cfg).items()), "--"]


def _visible(path, cfg):
    return any(path == p or path.startswith(p.rstrip("/") + "/") for p in [cfg["scratch"], *cfg["readonly"]])


def _bwrap(cfg, cwd, seccomp_fd, status_fd):
    """bubblewrap's argv, up to the command it runs."""
    argv = [cfg["bwrap"], "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    if cfg["mode"] == "userns":
        argv += ["--unshare-user"]
    else:   # root: setpriv needs these to become the slot's user, and drops them all
        argv += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP",
                 "--cap-add", "CAP_DAC_OVERRIDE"]   # to enter the scratch tmpfs (mode 700, the user's)
    argv += ["--dev", "/dev", "--proc", "/proc"]
    for inside in ("/tmp", "/dev/shm"):
        if inside in cfg.get("tmpfs", {}):
            argv += ["--bind", cfg["tmpfs"][inside], inside]
        else:
            argv += ["--perms", "1777", "--size", str(int(cfg["tmp_bytes"])), "--tmpfs", inside]
    # After /tmp, so that a folder under /tmp stays visible. Each bind's parent first made with
    # --dir (mode 0755): bubblewrap 0.8 makes a bind's missing parents 0700 (root's only).
    for path in cfg["readonly"]:
        if os.path.islink(path) and os.path.dirname(path) == "/":   # /bin -> usr/bin on merged-/usr systems
            argv += ["--symlink", os.readlink(path), path]
        else:
            argv += ["--dir", os.path.dirname(path), "--ro-bind", os.path.realpath(path), path]
    argv += ["--dir", os.path.dirname(cfg["scratch"]), "--bind", cfg["scratch"], cfg["scratch"], "--remount-ro", "/",
             "--chdir", cwd if _visible(cwd, cfg) else cfg["scratch"], "--json-status-fd", str(status_fd)]
    if seccomp_fd is not None:
        argv += ["--seccomp", str(seccomp_fd)]
    return argv + ["--"]


def _kernel_env(cfg):
    env = {k: v for k, v in os.environ.items() if k in ENV_KEEP or k.startswith(ENV_KEEP_PREFIXES)}
    # ipykernel would poll its parent and quit as soon as it sees PID 1 (bwrap's init); the
    # jail kills the kernel itself when the grader goes away.
    env["JPY_PARENT_PID"] = "1"  # 1: no parent poller, no "Ctrl-C will not work" note
    env.update(HOME=cfg["scratch"], TMPDIR="/tmp", USER=cfg.get("user", "learner"),
               LOGNAME=cfg.get("user", "learner"), IPYTHONDIR=cfg["scratch"] + "/.ipython",
               MPLCONFIGDIR=cfg["scratch"] + "/.matplotlib", PYTHONDONTWRITEBYTECODE="1")
    return env


def _seccomp_fd(program):
    """A memfd holding the compiled seccomp filter, for bubblewrap's ``--seccomp``."""
    fd = os.memfd_create("course-seccomp", 0)
    os.write(fd, program)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _load_seccomp(program):
    """Mode rlimits (no bubblewrap): install the compiled filter on this process."""

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]

    prog = SockFprog(len(program) // 8, program)
    _check(_libc.prctl(PR_SET_SECCOMP, ctypes.c_ulong(SECCOMP_MODE_FILTER), ctypes.byref(prog), 0, 0), "seccomp")


def _privileges(cfg):
    """Mode root: ``setpriv`` to the slot's user, no capabilities, no_new_privs; ending in ``--``."""
    if cfg["mode"] != "root":
        return []
    return [cfg["setpriv"], f"--reuid={cfg['uid']}", f"--regid={cfg['gid']}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]


def _sandbox(cfg, command, out_w):
    """bubblewrap running ``command`` in the kernel's sandbox; (process, its status fd)."""
    program = bytes.fromhex(cfg["seccomp"]) if cfg.get("seccomp") else None
    seccomp = _seccomp_fd(program) if program else None
    status_r, status_w = os.pipe()
    fds = (status_w,) + ((seccomp,) if seccomp is not None else ())
    # Own session: a signal to the jail's process group (jupyter_client interrupts that way) reaches
    # the kernel only as this supervisor forwards it, and never bubblewrap itself.
    try:
        process = subprocess.Popen(_bwrap(cfg, os.getcwd(), seccomp, status_w) + command, pass_fds=fds,
                                   stdin=subprocess.DEVNULL, stdout=out_w, stderr=out_w, env=_kernel_env(cfg),
                                   close_fds=True, start_new_session=True)
    finally:
        for fd in fds:
            os.close(fd)
    return process, status_r


def _start(cfg, argv, out_w):
    """Start the kernel: under bubblewrap, or (mode rlimits) directly; (process, status fd or None)."""
    command = _prlimit(cfg) + argv
    if cfg["mode"] == "rlimits":
        program = bytes.fromhex(cfg["seccomp"]) if cfg.get("seccomp") else None

        def confine():   # in the child, before exec: this process is single-threaded
            _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            _prctl(PR_SET_NO_NEW_PRIVS, 1)
            if program:
                _load_seccomp(program)
        return subprocess.Popen(command, preexec_fn=confine, stdin=subprocess.DEVNULL, stdout=out_w, stderr=out_w,
                                env=_kernel_env(cfg), close_fds=True, start_new_session=True), None
    if cfg.get("zygote"):
        try:
            return _start_forked(cfg, argv, out_w), None
        except OSError as error:
            os.write(2, f"jail: no warm kernel from the zygote ({error}); starting a fresh one\n".encode())
    return _sandbox(cfg, _privileges(cfg) + command, out_w)


# ---------------------------------------------------------------- a kernel forked by the zygote

class _Forked:
    """Popen's poll, kill and wait for a kernel the zygote forked into the sandbox bubblewrap holds."""

    def __init__(self, holder, conn):
        self.holder, self.conn, self.pid, self.returncode, self._said = holder, conn, None, None, b""
        conn.setblocking(False)

    def _read(self):
        while self.conn is not None:
            try:
                chunk = self.conn.recv(4096)
            except BlockingIOError:
                return
            if not chunk:   # the zygote's child is gone: the kernel ended, or never started
                self.conn.close()
                self.conn = None
                if self.returncode is None:
                    self.returncode = 137
                return
            lines = (self._said + chunk).split(b"\n")
            self._said = lines.pop()
            for line in lines:
                word, _, value = line.decode(errors="replace").partition(" ")
                if word == "pid":
                    self.pid = int(value)
                elif word == "exit":
                    self.returncode = int(value)
                elif word == "error":
                    os.write(2, f"jail: the zygote could not start the kernel: {value}\n".encode())
                    self.returncode = 126

    def fileno(self):
        return self.conn.fileno() if self.conn is not None else None

    def poll(self):
        self._read()
        if self.returncode is None and self.holder.poll() is not None:
            self.returncode = 137   # the sandbox ended, and its PID namespace with it
        return self.returncode

    def kill(self):
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.holder.kill()

    def wait(self):
        return self.holder.wait()


def _wait_for_holder(status_r, holder, timeout=30.0):
    """The pid of the placeholder once it runs (the sandbox is then complete), or OSError."""
    end = time.monotonic() + timeout
    text, init = "", None
    while time.monotonic() < end:
        if init is None:
            if select.select([status_r], [], [], 0.05)[0]:
                chunk = os.read(status_r, 4096).decode(errors="replace")
                if not chunk:
                    raise OSError("bubblewrap ended before the sandbox was ready")
                text += chunk
                init = _child_pid(text)
            continue
        pid = _first_child(init)
        if pid is not None:
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as handle:
                    if handle.read().split(b"\0")[:-1] == [os.fsencode(a) for a in holder]:
                        return pid
            except OSError:
                pass
        time.sleep(0.005)
    raise OSError("the sandbox was not ready in time")


def _start_forked(cfg, argv, out_w):
    """Have bubblewrap build the sandbox around a placeholder, and the zygote fork the kernel into it."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(cfg["zygote"])
    holder_argv = [cfg["sleep"], "infinity"]
    holder, status_r = _sandbox(cfg, _privileges(cfg) + holder_argv, out_w)
    try:
        pid = _wait_for_holder(status_r, holder_argv)
        names = ["user", "ipc", "uts", "net", "pid", "mnt"] if cfg["mode"] == "userns" else \
            ["ipc", "uts", "net", "pid", "mnt"]
        ns_fds = [os.open(f"/proc/{pid}/ns/{name}", os.O_RDONLY | os.O_CLOEXEC) for name in names]
        request = {"mode": cfg["mode"], "uid": cfg.get("uid"), "gid": cfg.get("gid"),
                   "cgroups": cfg.get("cgroup_dirs", []), "namespaces": names, "env": _kernel_env(cfg),
                   "cwd": os.getcwd() if _visible(os.getcwd(), cfg) else cfg["scratch"],
                   "argv": argv[3:] if argv[1:3] == ["-m", "ipykernel_launcher"] else argv[1:],
                   "seccomp": cfg.get("seccomp", ""),
                   "rlimits": _rlimits(cfg)}
        try:
            socket.send_fds(conn, [json.dumps(request).encode()], [out_w, *ns_fds])
        finally:
            for fd in ns_fds:
                os.close(fd)
    except BaseException:
        holder.kill()
        holder.wait()
        conn.close()
        raise
    finally:
        os.close(status_r)
    return _Forked(holder, conn)


# ---------------------------------------------------------------- supervision

def _tree_bytes(path, stop):
    total = 0
    stack = [path]
    while stack and total <= stop:
        try:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        else:
                            total += entry.stat(follow_symlinks=False).st_blocks * 512
                    except OSError:
                        pass
        except OSError:
            pass
    return total


def _armed(path):
    """The seconds the grader wrote when it started the submission, or None (not yet)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        text = os.read(fd, 64).decode(errors="replace").strip()
    finally:
        os.close(fd)
    try:
        return min(max(float(text), 1.0), 86400.0)
    except ValueError:
        return None


def _child_pid(status_text):
    """The sandbox's first process (bwrap's init), as bwrap reports it on ``--json-status-fd``; or None."""
    found = re.search(r'"child-pid"\s*:\s*(\d+)', status_text)
    return int(found.group(1)) if found else None


def _first_child(pid):
    """The oldest child of ``pid`` (bwrap's init in the sandbox -> the kernel), or None."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append((int(fields[19]), int(entry)))   # start time, pid
        except (OSError, ValueError, IndexError):
            pass
    return min(found)[1] if found else None


class _Kernel:
    """The kernel process to forward signals to: the first child of bwrap's init in the sandbox
    (whose pid bwrap reports on ``--json-status-fd``), the one the zygote forked (it says which),
    or in mode rlimits the process itself."""

    def __init__(self, process, status_r):
        self.status_r, self._text, self._init = status_r, "", None
        self._forked = process if isinstance(process, _Forked) else None
        self.pid = process.pid if status_r is None and self._forked is None else None
        if status_r is not None:
            os.set_blocking(status_r, False)

    def read_status(self):
        """Read what bwrap reported; False at its end (the fd is then closed)."""
        try:
            chunk = os.read(self.status_r, 4096).decode(errors="replace")
        except BlockingIOError:
            return True
        if not chunk:
            os.close(self.status_r)
            self.status_r = None
            return False
        self._text += chunk
        self._init = _child_pid(self._text)
        return True

    def signal(self, signum):
        if self.pid is None and self._forked is not None:
            self._forked.poll()
            self.pid = self._forked.pid
        if self.pid is None and self.status_r is not None:
            self.read_status()
        if self.pid is None and self._init is not None:
            self.pid = _first_child(self._init)
        if self.pid is not None:
            try:
                os.kill(self.pid, signum)
            except ProcessLookupError:
                pass


def _supervise(cfg, process, status_r, out_r):
    """Wait for the kernel (bwrap, or the kernel itself in mode rlimits); returns its exit status."""
    lim = cfg["limits"]
    wall = lim.get("wall_seconds")
    deadline = time.monotonic() + lim.get("prewarm_wait_seconds", 0) + wall if wall else None
    arm_file = os.path.join(cfg["scratch"], cfg["arm_file"]) if cfg.get("arm_file") and wall else None
    out_left = lim.get("output_bytes") or 0
    scratch_cap = None if cfg.get("scratch_tmpfs") else lim.get("scratch_bytes")
    parent = cfg.get("parent") or os.getppid()
    kernel = _Kernel(process, status_r)
    next_disk = 0.0
    pending = []

    def forward(signum, _frame):
        pending.append(signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(signum, forward)
    os.set_blocking(out_r, False)
    status = None
    reason = None
    while status is None:
        while pending:
            kernel.signal(signal.SIGINT if pending.pop(0) == signal.SIGINT else signal.SIGTERM)
        forked = process.fileno() if isinstance(process, _Forked) else None
        watched = [fd for fd in (out_r, kernel.status_r, forked) if fd is not None]
        try:
            ready, _, _ = select.select(watched, [], [], 0.2)
        except InterruptedError:
            ready = []
        if kernel.status_r is not None and kernel.status_r in ready:
            kernel.read_status()
        if out_r in ready:
            out_r, out_left = _pass_output(out_r, out_left)
        status = process.poll()
        now = time.monotonic()
        if arm_file is not None:
            seconds = _armed(arm_file)
            if seconds is not None:   # the submission starts now: its own limit, counted from here
                deadline, arm_file = now + seconds + lim.get("grace_seconds", 0), None
        if status is None and os.getppid() != parent:
            reason, status = "the grader is gone", 137
        if status is None and deadline is not None and now > deadline:
            reason, status = "wall-clock limit", 137
        if status is None and scratch_cap and now >= next_disk:
            next_disk = now + 1.0
            if _tree_bytes(cfg["scratch"], scratch_cap) > scratch_cap:
                reason, status = "scratch directory over its size limit", 137
    _kill_all(cfg, process)
    end = time.monotonic() + 2.0   # what the kernel wrote before it ended (a process that left
    while out_r is not None and time.monotonic() < end:   # its group in mode rlimits may hold the pipe)
        if select.select([out_r], [], [], 0.1)[0]:
            out_r, out_left = _pass_output(out_r, out_left)
    if reason:
        os.write(2, f"\njail: kernel killed: {reason}\n".encode())
    return status


def _pass_output(out_r, out_left):
    """Pass on one chunk of the kernel's output within the cap; (fd or None at its end, bytes left)."""
    try:
        chunk = os.read(out_r, 65536)
    except BlockingIOError:
        return out_r, out_left
    if not chunk:
        os.close(out_r)
        return None, out_left
    if out_left > 0:
        os.write(2, chunk[:out_left])
        out_left -= len(chunk[:out_left])
        if out_left <= 0:
            os.write(2, b"\njail: kernel output over the limit, the rest is dropped\n")
    return out_r, out_left


def _kill_all(cfg, process):
    """Everything of the kernel: bwrap (its sandbox dies with it), or the kernel's process group."""
    try:
        if cfg["mode"] == "rlimits":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


def main(args):
    cfg = json.loads(args[0])
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)   # die with the grader (the supervisor also polls for it)
    if cfg.get("parent") and os.getppid() != cfg["parent"]:
        sys.exit(137)   # the grader died before that was set: nothing would end this jail but its deadline
    argv = args[2:] if args[1:2] == ["--"] else args[1:]
    data = os.environ.get("COURSE_DATA_DIR")
    if data and os.path.isdir(data) and cfg["mode"] != "rlimits":
        cfg["readonly"].append(os.path.abspath(data))
    if cfg["mode"] == "root":
        _reaper = _root_setup(cfg)   # noqa: F841 - held open: the reaper cleans up when it closes
    if cfg["mode"] == "rlimits":
        _prctl(PR_SET_DUMPABLE, 0)   # the kernel (same uid) cannot read this process's environment
    out_r, out_w = os.pipe()
    process, status_r = _start(cfg, argv, out_w)
    os.close(out_w)
    status = _supervise(cfg, process, status_r, out_r)
    sys.exit(status if 0 <= status < 256 else 128 + (-status if status < 0 else 9))


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except Exception as error:  # noqa: BLE001
        sys.stderr.write(f"jail: {error}\n")
        sys.exit(126)
