"""The kernel zygote: imports what every kernel needs once, then forks each jailed kernel from that state.

Starting a kernel costs about 4 s of CPU, nearly all of it importing torch, numpy,
matplotlib and IPython; on 2 cores that was a third of grading a class. The zygote
is a process of the grader's user, started with the kernel's filtered environment,
that never runs learner code: it imports those modules, then waits on a unix socket
(in a folder only the grader can open) for the jail's supervisor
(``jail.py``), which has bubblewrap build a kernel's sandbox around a placeholder
process and sends the sandbox's namespaces here as file descriptors.

For each request the zygote forks a child that joins the kernel's cgroups, enters
the sandbox's user (mode ``userns``), IPC, UTS, network, PID and mount namespaces
with ``setns`` and forks the kernel, which, before any learner code runs, takes the
kernel's rlimits, drops to the slot's user (mode ``root``), drops every capability,
sets no_new_privs, loads the seccomp filter and starts ipykernel with the arguments
the grader gave. The child tells the supervisor the kernel's pid and, when it ends,
its exit status. bubblewrap keeps the sandbox: when the supervisor dies or ends the
sandbox, the PID namespace and the kernel in it end with it.

The zygote ends when the grader closes its standard input, or dies: SIGIO tells it at once,
also while it is still importing.
"""

import atexit
import ctypes
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

from .jail import (ENV_KEEP, ENV_KEEP_PREFIXES, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, _check, _libc,
                   _load_seccomp, _prctl)

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
NS_GET_USERNS = 0xB701   # ioctl on a namespace's fd: the user namespace that owns it
NAMESPACES = {"ipc": CLONE_NEWIPC, "uts": CLONE_NEWUTS, "net": CLONE_NEWNET,
              "pid": CLONE_NEWPID, "mnt": CLONE_NEWNS}   # entered in this order (user namespaces around them)
PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 24, 47, 4
LINUX_CAPABILITY_VERSION_3 = 0x20080522
RLIMITS = {"as": "RLIMIT_AS", "nproc": "RLIMIT_NPROC", "fsize": "RLIMIT_FSIZE", "cpu": "RLIMIT_CPU",
           "nofile": "RLIMIT_NOFILE", "core": "RLIMIT_CORE", "memlock": "RLIMIT_MEMLOCK"}
MAX_REQUEST = 1 << 20
# What every kernel imports: run once here, or by a kernel started fresh while it waits for its
# submission. broadcast_shapes loads sympy lazily (7 s on a loaded 2-core machine): loading it
# beforehand keeps that out of a learner's cell time limit.
WARMUP = """\
import numpy, torch, matplotlib
import matplotlib.pyplot
import autograder, autograder.learner.probe, cloudpickle
torch.broadcast_shapes((1,), (1,))
"""


def warm_up():
    """Import what every kernel imports: ``WARMUP``, IPython and ipykernel."""
    exec(compile(WARMUP, "<warm-up>", "exec"), {})
    import ipykernel.ipkernel  # noqa: F401
    import ipykernel.kernelapp  # noqa: F401
    import ipykernel.zmqshell  # noqa: F401


def _title(text):
    """What ps shows for this process (its command line is the zygote's otherwise)."""
    try:
        import setproctitle
    except ImportError:   # a venv made before it was in the lock: ps shows the zygote's line
        return
    setproctitle.setproctitle(text)


# ---------------------------------------------------------------- in the kernel, before learner code

def _drop_bounding_set():
    last = int(open("/proc/sys/kernel/cap_last_cap").read())
    for cap in range(last + 1):
        _libc.prctl(ctypes.c_ulong(PR_CAPBSET_DROP), ctypes.c_ulong(cap), 0, 0, 0)


def _clear_capabilities():
    """No ambient, effective, permitted or inheritable capabilities left."""
    _libc.prctl(ctypes.c_ulong(PR_CAP_AMBIENT), ctypes.c_ulong(PR_CAP_AMBIENT_CLEAR_ALL), 0, 0, 0)

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    data = (ctypes.c_uint32 * 6)()   # effective, permitted, inheritable; twice (64 capability bits)
    _check(_libc.capset(ctypes.byref(Header(LINUX_CAPABILITY_VERSION_3, 0)), data), "capset")


def _become_kernel(request, out_fd, cgroup_fds):
    """In the forked kernel (inside the sandbox's namespaces, still privileged): confine, then run ipykernel."""
    import resource

    os.setsid()
    for fd in cgroup_fds:   # opened outside: the sandbox's mount namespace has no /sys
        os.write(fd, b"0")
    devnull = os.open("/dev/null", os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    os.closerange(3, 65536)
    for name, value in request["rlimits"].items():
        resource.setrlimit(getattr(resource, RLIMITS[name]), (int(value), int(value)))
    _drop_bounding_set()
    if request["mode"] == "root":
        uid, gid = int(request["uid"]), int(request["gid"])
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    _clear_capabilities()
    _prctl(PR_SET_DUMPABLE, 1)   # as after an exec: the kernel may read its own /proc files
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    if request.get("seccomp"):
        _load_seccomp(bytes.fromhex(request["seccomp"]))
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD, signal.SIGQUIT, signal.SIGIO):   # SIGPIPE, SIGXFSZ: ignored,
        signal.signal(signum, signal.SIG_DFL)                                         # as Python starts
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    sys.dont_write_bytecode = True
    sys.path[0] = request["cwd"]   # as ``python -m`` puts the working folder first
    import random

    import numpy
    random.seed()
    numpy.random.seed()
    import ipykernel_launcher
    from ipykernel import kernelapp

    sys.argv = [ipykernel_launcher.__file__, *request["argv"]]
    _title(" ".join([sys.executable, "-m", "ipykernel_launcher", *request["argv"]]))
    kernelapp.launch_new_instance(argv=list(request["argv"]))


def _enter(request, conn, fds):
    """The forked child: enter the sandbox, fork the kernel, report its pid and exit status."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    out_fd, ns_fds = fds[0], dict(zip(request["namespaces"], fds[1:]))
    cgroup_fds = [os.open(f"{folder}/cgroup.procs", os.O_WRONLY) for folder in request.get("cgroups", [])]
    holder_user = ns_fds.pop("user", None)
    if holder_user is not None:
        # bubblewrap's sandbox has two user namespaces: the namespaces below belong to the outer one
        # (root in it built the sandbox), the placeholder runs in a nested one with the grader's uid.
        # Enter the owner first (its creator's uid has every capability there), the nested one last.
        owner = fcntl.ioctl(ns_fds["mnt"], NS_GET_USERNS)
        _check(_libc.setns(owner, CLONE_NEWUSER), "setns user (the sandbox's owner)")
        if os.fstat(owner).st_ino == os.fstat(holder_user).st_ino:
            holder_user = None
        os.close(owner)
    for name, flag in NAMESPACES.items():
        if name in ns_fds:
            _check(_libc.setns(ns_fds[name], flag), f"setns {name}")
            os.close(ns_fds[name])
    if holder_user is not None:
        _check(_libc.setns(holder_user, CLONE_NEWUSER), "setns user")
        os.close(holder_user)
    os.chdir("/")
    pid = os.fork()
    if pid == 0:
        try:
            conn.close()
            _become_kernel(request, out_fd, cgroup_fds)
        except BaseException as error:  # noqa: BLE001 - report, never return into the zygote's loop
            try:
                os.write(2, f"zygote: the kernel did not start: {error!r}\n".encode())
            finally:
                os._exit(1)
        os._exit(0)
    for fd in [out_fd, *cgroup_fds]:
        os.close(fd)
    _title(f"course kernel zygote: waiting for kernel {pid}")
    conn.sendall(f"pid {pid}\n".encode())
    _, status = os.waitpid(pid, 0)
    conn.sendall(f"exit {os.waitstatus_to_exitcode(status)}\n".encode())


# ---------------------------------------------------------------- the server

def _receive(conn):
    message, fds, _flags, _addr = socket.recv_fds(conn, MAX_REQUEST, 16)
    return json.loads(message.decode()), fds


def _end_with_the_grader():
    """Exit as soon as standard input reaches its end, whatever the zygote is doing: the grader
    closed it or died. The warm-up takes seconds (more on a loaded machine), and a zygote whose
    Dask worker was killed meanwhile must not outlive it."""
    def on_input(_signum, _frame):
        try:
            if not os.read(0, 4096):
                os._exit(0)
        except BlockingIOError:
            pass

    signal.signal(signal.SIGIO, on_input)
    fcntl.fcntl(0, fcntl.F_SETOWN, os.getpid())
    fcntl.fcntl(0, fcntl.F_SETFL, fcntl.fcntl(0, fcntl.F_GETFL) | os.O_ASYNC | os.O_NONBLOCK)
    on_input(signal.SIGIO, None)   # the grader may be gone already


def serve(path):
    """Listen on ``path``, warm up, then fork a kernel for each request until standard input closes."""
    _end_with_the_grader()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o600)
    listener.listen(64)   # supervisors may connect while the imports run: they wait in the backlog
    _title(f"course kernel zygote {path}")
    warm_up()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)   # the children are reaped by the kernel
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl-C reaches the grader, which ends this
    uid = os.getuid()
    while True:
        conn, _ = listener.accept()   # SIGIO interrupts it to end the zygote (_end_with_the_grader)
        fds = []
        try:
            creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
            if int.from_bytes(creds[4:8], sys.byteorder) != uid:
                continue
            request, fds = _receive(conn)
            if os.fork() == 0:
                try:
                    listener.close()
                    os.close(0)
                    _enter(request, conn, fds)
                except BaseException as error:  # noqa: BLE001
                    try:
                        conn.sendall(f"error {error!r}\n".encode())
                    finally:
                        os._exit(1)
                os._exit(0)
        except (OSError, ValueError) as error:
            sys.stderr.write(f"zygote: request refused: {error}\n")
        finally:
            conn.close()
            for fd in fds:
                os.close(fd)


# ---------------------------------------------------------------- in the grader

_running = {}


def address(env):
    """The socket of this grading process's zygote, started with ``env`` on first use; None where
    it is turned off (``COURSE_KERNEL_ZYGOTE=0``) or cannot start: kernels then start fresh."""
    if os.environ.get("COURSE_KERNEL_ZYGOTE", "1") == "0":
        return None
    process, path = _running.get("server", (None, None))
    if process is not None and process.poll() is None:
        return path
    folder = tempfile.mkdtemp(prefix="course-zygote-")
    path = os.path.join(folder, "socket")
    # what the jail lets a kernel see, no more: a forked kernel can read the zygote's first environment
    env = {k: v for k, v in env.items() if k in ENV_KEEP or k.startswith(ENV_KEEP_PREFIXES)}
    env = dict(env, HOME=folder, MPLCONFIGDIR=os.path.join(folder, "matplotlib"), PYTHONDONTWRITEBYTECODE="1")
    process = subprocess.Popen([sys.executable, "-m", "autograder.grading.zygote", path], stdin=subprocess.PIPE,
                               stdout=subprocess.DEVNULL, env=env, cwd=folder, start_new_session=True)
    end = time.monotonic() + 30
    while not os.path.exists(path):
        if process.poll() is not None or time.monotonic() > end:
            process.kill()
            return None
        time.sleep(0.01)
    _running["server"] = (process, path)
    return path


def stop():
    """End this grading process's zygote, if one runs (kernels it forked live on until they end)."""
    process, path = _running.pop("server", (None, None))
    if process is None:
        return
    try:
        process.stdin.close()   # its end of file: the zygote returns
        process.wait(timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        process.kill()
        process.wait()
    import shutil

    shutil.rmtree(os.path.dirname(path), ignore_errors=True)


atexit.register(stop)


if __name__ == "__main__":
    serve(sys.argv[1])
