"""The jail's init: runs one kernel confined, then makes sure nothing of it survives.

Started by the argv that :func:`autograder.grading.sandbox.wrap_kernel_command`
builds, usually as PID 1 of fresh PID, mount, network, IPC and UTS namespaces
(``unshare --fork --kill-child``). Standard library only, run with
``python -I -S``: it must not import anything a submission could influence.

Steps (namespace modes ``root`` and ``userns``):

1. ``root``, first stage, still in the grader's namespaces: take a free sandbox
   slot (an ``flock``) and its system user ``course-sbx-N`` (created with
   ``useradd --system`` on first use); fork a reaper (own session, holds the
   slot's lock) that waits for the jail to end, however it ends, then kills
   what is left in the slot's cgroup and unmounts the scratch tmpfs; put this
   process in the slot's cgroup v1 ``memory`` and ``pids`` groups (one memory
   and process cap for everything the kernel starts); mount the scratch
   directory as a tmpfs (``size=``, ``nr_inodes=``, owned by the slot's user:
   unlinked open files and empty files count); then exec ``unshare`` with this
   script's second stage.
2. Build a new root on a tmpfs: read-only binds of the system (``/usr``, ``/etc``,
   ...), the Python prefixes, the ``autograder`` package and the course data;
   the scratch directory read-write; private ``/tmp``, ``/dev/shm`` (size-capped
   tmpfs), a minimal ``/dev`` and a fresh ``/proc``. ``pivot_root`` into it and
   detach the old root: solutions, submissions, gradebook and output folders
   simply do not exist in there.
3. Fork the kernel: new session, rlimits, a filtered environment, a seccomp
   filter that denies the kernel keyring calls (``add_key``, ``request_key``,
   ``keyctl``: keys would outlive the kernel in its user's keyring), then
   ``setpriv`` (other uid or no capabilities, empty bounding set,
   no_new_privs) and exec.
4. Supervise: forward SIGINT/SIGTERM to the kernel, pass at most
   ``output_bytes`` of its raw stdout/stderr, enforce the wall-clock deadline
   (``prewarm_wait_seconds`` until the grader arms it by writing
   ``<scratch>/<arm_file>``, then ``wall_seconds`` from then on) and, without a
   scratch tmpfs, the scratch size; reap orphans; when the kernel exits, exit
   too. As PID 1 of the namespace, its exit makes the kernel kill every
   remaining process.

Mode ``rlimits`` (no namespaces available) does steps 3 and 4 only and, at the
end, kills the kernel's process group.

The seccomp filter is built by the system's libseccomp through ``pyseccomp``
(ctypes bindings with libseccomp's own Python API), imported from the folder
the grader names: nothing else outside the standard library is imported.
"""

import ctypes
import errno
import fcntl
import json
import os
import pwd
import select
import signal
import subprocess
import sys
import time

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MS_NOATIME, MS_NODIRATIME, MS_RELATIME = 1024, 2048, 1 << 21
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 1, 4, 38
KEYRING_CALLS = ("add_key", "request_key", "keyctl")
CGROUP_PARENT = "course-sandbox"
# rlimits mode: the process cap is per user, so it leaves room for this many kernels' max_processes.
RLIMIT_PER_USER_ROOM = 16
_SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "s390x": 217}
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


def _mount(source, target, fstype=None, flags=0, data=None):
    enc = lambda s: None if s is None else os.fsencode(s)  # noqa: E731
    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
           f"mount {source} -> {target}")


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


# ---------------------------------------------------------------- cgroup, scratch tmpfs, reaper (root mode)

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
        # the jail's own processes (unshare, this init, setpriv's exec) count too
        _write(f"{pids}/pids.max", int(lim["max_processes"]) + 4)
        return dirs
    except OSError as error:
        os.write(2, f"jail: no cgroup cap ({error}); per-process rlimits only\n".encode())
        return []


def _start_reaper(scratch, dirs):
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
            while os.read(r, 4096):   # EOF: every holder of the other end (jail, unshare) is gone
                pass
            _empty_cgroup(dirs)
            _libc.umount2(os.fsencode(scratch), MNT_DETACH)
            try:
                os.rmdir(scratch)   # only once the grader has removed what was in it
            except OSError:
                pass
        finally:
            os._exit(0)
    os.close(r)
    os.set_inheritable(w, True)
    return w


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
    lim = cfg["limits"]
    _mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV,
           f"mode=700,uid={uid},gid={gid},size={int(lim['scratch_bytes'])},nr_inodes={int(cfg['inodes'])}")
    for name, data, mode in saved:
        fd = os.open(f"{scratch}/{name}", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
        try:
            os.write(fd, data)
            os.fchown(fd, uid, gid)
        finally:
            os.close(fd)
    os.chdir(scratch)


def _first_stage(cfg, argv):
    """Root mode, in the grader's namespaces: slot, user, reaper, cgroup, scratch tmpfs; then unshare."""
    slot, _lock = _take_slot(cfg.get("max_slots", 64))
    cfg["uid"], cfg["gid"], cfg["user"] = _sandbox_user(slot)
    dirs = _setup_cgroup(cfg, slot)
    _start_reaper(cfg["scratch"], dirs)          # before joining: the reaper stays outside the cgroup
    for folder in dirs:
        _write(f"{folder}/cgroup.procs", os.getpid())
    try:
        _scratch_tmpfs(cfg, cfg["uid"], cfg["gid"])
        cfg["scratch_tmpfs"] = True
    except OSError as error:
        os.write(2, f"jail: no scratch tmpfs ({error}); its size is polled instead\n".encode())
        _give_scratch(cfg["scratch"], cfg["uid"], cfg["gid"])
    cfg["stage"] = "second"
    command = [*cfg["unshare"], sys.executable, "-I", "-S", os.path.abspath(__file__), json.dumps(cfg), "--", *argv]
    os.execv(command[0], command)


def _seccomp_module(cfg):
    """``pyseccomp`` from the folder the grader named, or None (then keyring calls stay allowed)."""
    path = cfg.get("seccomp_path")
    if not path:
        return None
    import ctypes.util

    known = cfg.get("seccomp_libs") or {}
    find = ctypes.util.find_library   # runs ldconfig: 0.1-0.3 s per kernel, so the grader looks once
    ctypes.util.find_library = lambda name: known.get(name) or find(name)
    sys.path.insert(0, path)
    try:
        import pyseccomp

        return pyseccomp
    except Exception as error:  # noqa: BLE001 - no libseccomp here: say so, run without
        os.write(2, f"jail: no seccomp filter ({error})\n".encode())
        return None
    finally:
        sys.path.remove(path)
        ctypes.util.find_library = find


def _deny_keyring(seccomp):
    flt = seccomp.SyscallFilter(seccomp.ALLOW)
    for name in KEYRING_CALLS:
        flt.add_rule(seccomp.ERRNO(errno.EPERM), name)
    flt.load()


def _give_scratch(scratch, uid, gid):
    os.chown(scratch, uid, gid)
    os.chmod(scratch, 0o700)
    for top, dirs, files in os.walk(scratch):
        for name in dirs + files:
            os.lchown(os.path.join(top, name), uid, gid)


# ---------------------------------------------------------------- the new root

def _mkpoint(path, is_dir=True):
    if is_dir:
        os.makedirs(path, mode=0o755, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
        if not os.path.exists(path):
            open(path, "w").close()


def _bind(root, src, *, writable=False, recursive=True):
    """Bind ``src`` at the same path inside ``root``; read-only unless ``writable``."""
    if not os.path.lexists(src):
        return
    dst = root + src
    if os.path.islink(src) and os.path.dirname(src) == "/":  # /bin -> usr/bin on merged-/usr systems
        if not os.path.lexists(dst):
            os.symlink(os.readlink(src), dst)
        return
    src = os.path.realpath(src)
    _mkpoint(dst, os.path.isdir(src))
    _mount(src, dst, None, MS_BIND | (MS_REC if recursive else 0))
    # Keep the flags the kernel locks on mounts from a more privileged namespace.
    st = os.statvfs(dst).f_flag
    kept = st & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY | MS_NOATIME | MS_NODIRATIME)
    if st & os.ST_RELATIME:
        kept |= MS_RELATIME
    flags = MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | kept
    if not writable:
        flags |= MS_RDONLY
    _mount(None, dst, None, flags)


def _build_root(root, cfg):
    _mount("none", "/", None, MS_REC | MS_PRIVATE)
    os.makedirs(root, exist_ok=True)
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=16m")
    # /dev: a few harmless device nodes only.
    _mkpoint(root + "/dev")
    _mount("tmpfs", root + "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=1m")
    for node in ("null", "zero", "full", "random", "urandom"):
        _mkpoint(f"{root}/dev/{node}", is_dir=False)
        _mount(f"/dev/{node}", f"{root}/dev/{node}", None, MS_BIND)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{root}/dev/{name}")
    size = cfg["tmp_bytes"]
    for tmp in ("/tmp", "/dev/shm"):
        _mkpoint(root + tmp)
        _mount("tmpfs", root + tmp, "tmpfs", MS_NOSUID | MS_NODEV,
               f"mode=1777,size={size},nr_inodes={int(cfg.get('inodes', 20_000))}")
    _mkpoint(root + "/proc")
    _mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    # After the tmpfs mounts, so that a scratch directory under /tmp stays visible.
    for path in cfg["readonly"]:
        _bind(root, path)
    # Not recursive: the new root itself is mounted inside the scratch directory.
    _bind(root, cfg["scratch"], writable=True, recursive=False)
    # Enter it: pivot_root where the syscall number is known, else chroot.
    number = _SYS_PIVOT_ROOT.get(os.uname().machine)
    os.chdir(root)
    if number is not None:
        _check(_libc.syscall(number, b".", b"."), "pivot_root")
        _check(_libc.umount2(b".", MNT_DETACH), "umount old root")
    else:
        os.chroot(".")
    os.chdir("/")
    _mount(None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)


# ---------------------------------------------------------------- the kernel

def _kernel_env(cfg):
    env = {k: v for k, v in os.environ.items() if k in ENV_KEEP or k.startswith(ENV_KEEP_PREFIXES)}
    # ipykernel would poll its parent and quit as soon as it sees PID 1 (this init); the
    # jail kills the kernel itself when the grader goes away.
    env["JPY_PARENT_PID"] = "1"  # 1: no parent poller, no "Ctrl-C will not work" note
    env.update(HOME=cfg["scratch"], TMPDIR="/tmp", USER=cfg.get("user", "learner"),
               LOGNAME=cfg.get("user", "learner"), IPYTHONDIR=cfg["scratch"] + "/.ipython",
               MPLCONFIGDIR=cfg["scratch"] + "/.matplotlib", PYTHONDONTWRITEBYTECODE="1")
    return env


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


def _set_rlimits(lim, mode):
    import resource

    def cap(which, value):
        if value is None:
            return
        soft, hard = resource.getrlimit(which)
        value = int(value)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))

    cap(resource.RLIMIT_AS, lim.get("memory_bytes"))
    processes = lim.get("max_processes")
    if processes is not None and mode == "rlimits":
        # Without a user namespace the count is the grader user's, over all its processes, and
        # other kernels of that user start and stop meanwhile: a per-kernel cap is impossible.
        # Cap the user at what it runs now plus room for them all (RLIMIT_PER_USER_ROOM kernels).
        processes = _tasks_of(os.getuid()) + processes * RLIMIT_PER_USER_ROOM
    cap(resource.RLIMIT_NPROC, processes)
    cap(resource.RLIMIT_FSIZE, lim.get("file_bytes"))
    cap(resource.RLIMIT_CPU, lim.get("cpu_seconds"))
    cap(resource.RLIMIT_NOFILE, lim.get("open_files"))
    cap(resource.RLIMIT_CORE, 0)
    cap(resource.RLIMIT_MEMLOCK, 0)


def _start_kernel(cfg, argv, out_w, seccomp=None):
    pid = os.fork()
    if pid:
        return pid
    try:  # child: never returns
        os.setsid()
        os.dup2(out_w, 1)
        os.dup2(out_w, 2)
        devnull = os.open("/dev/null", os.O_RDONLY)
        os.dup2(devnull, 0)
        os.closerange(3, 65536)
        if cfg["mode"] == "rlimits":
            _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        cwd = cfg["cwd"] if cfg["cwd"] and os.path.isdir(cfg["cwd"]) else cfg["scratch"]
        os.chdir(cwd)
        _set_rlimits(cfg["limits"], cfg["mode"])
        if seccomp is not None:
            _deny_keyring(seccomp)
        env = _kernel_env(cfg)
        if cfg["mode"] == "root":
            prefix = [cfg["setpriv"], f"--reuid={cfg['uid']}", f"--regid={cfg['gid']}", "--clear-groups",
                      "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
        elif cfg["mode"] == "userns":
            prefix = [cfg["setpriv"], "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
        else:
            _prctl(PR_SET_NO_NEW_PRIVS, 1)
            prefix = []
        command = prefix + argv
        os.execve(command[0], command, env)
    except BaseException as error:  # noqa: BLE001 - report why the kernel could not start
        import traceback; os.write(2, f"jail: cannot start kernel: {error!r}\n{traceback.format_exc()}".encode())
    os._exit(127)


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


def _supervise(cfg, kernel, out_r):
    """Wait for the kernel; returns its exit status for our own exit."""
    lim = cfg["limits"]
    wall = lim.get("wall_seconds")
    deadline = time.monotonic() + lim.get("prewarm_wait_seconds", 0) + wall if wall else None
    arm_file = os.path.join(cfg["scratch"], cfg["arm_file"]) if cfg.get("arm_file") and wall else None
    out_left = lim.get("output_bytes") or 0
    scratch_cap = None if cfg.get("scratch_tmpfs") else lim.get("scratch_bytes")
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
            signum = pending.pop(0)
            try:
                os.kill(kernel, signal.SIGINT if signum == signal.SIGINT else signal.SIGTERM)
            except ProcessLookupError:
                pass
        try:
            ready, _, _ = select.select([out_r] if out_r is not None else [], [], [], 0.2)
        except InterruptedError:
            ready = []
        if ready:
            try:
                chunk = os.read(out_r, 65536)
            except BlockingIOError:
                chunk = b"x"
            if not chunk:
                os.close(out_r)
                out_r = None
            elif out_left > 0:
                os.write(2, chunk[:out_left])
                out_left -= len(chunk[:out_left])
                if out_left <= 0:
                    os.write(2, b"\njail: kernel output over the limit, the rest is dropped\n")
        elif out_r is None:
            time.sleep(0.05)
        while True:  # reap: our kernel, and orphans re-parented to PID 1
            try:
                pid, wstatus = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                pid = 0
            if pid == 0:
                break
            if pid == kernel:
                status = os.waitstatus_to_exitcode(wstatus)
        now = time.monotonic()
        if arm_file is not None:
            seconds = _armed(arm_file)
            if seconds is not None:   # the submission starts now: its own limit, counted from here
                deadline, arm_file = now + seconds + lim.get("grace_seconds", 0), None
        if status is None and deadline is not None and now > deadline:
            reason, status = "wall-clock limit", 137
        if status is None and scratch_cap and now >= next_disk:
            next_disk = now + 1.0
            if _tree_bytes(cfg["scratch"], scratch_cap) > scratch_cap:
                reason, status = "scratch directory over its size limit", 137
    if reason:
        os.write(2, f"\njail: kernel killed: {reason}\n".encode())
    _kill_all(cfg, kernel)
    return status


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


def _kill_all(cfg, kernel):
    if cfg["mode"] in ("root", "userns"):
        try:
            os.kill(-1, signal.SIGKILL)  # PID 1: every other process of the namespace
        except ProcessLookupError:
            pass
    else:
        try:
            os.killpg(kernel, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def main(args):
    cfg = json.loads(args[0])
    argv = args[2:] if args[1:2] == ["--"] else args[1:]
    if cfg["mode"] == "root" and cfg.get("stage") != "second":
        _first_stage(cfg, argv)   # execs the second stage
    cfg["cwd"] = os.getcwd()
    if cfg["mode"] == "rlimits":
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        _prctl(PR_SET_DUMPABLE, 0)   # the kernel (same uid) cannot read this process's environment
    seccomp = _seccomp_module(cfg)
    data = os.environ.get("COURSE_DATA_DIR")
    if data and os.path.isdir(data):
        cfg["readonly"].append(os.path.abspath(data))
    if cfg["mode"] in ("root", "userns"):
        _build_root(os.path.join(cfg["scratch"], ".jail-root"), cfg)
    out_r, out_w = os.pipe()
    kernel = _start_kernel(cfg, argv, out_w, seccomp)
    os.close(out_w)
    status = _supervise(cfg, kernel, out_r)
    sys.exit(status if 0 <= status < 256 else 128 + (-status if status < 0 else 9))


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except Exception as error:  # noqa: BLE001
        sys.stderr.write(f"jail: {error}\n")
        sys.exit(126)
