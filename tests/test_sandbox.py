"""The sandbox, piece by piece (issue 6); the full attacks are in test_redteam.py."""

import json
import os
import subprocess
import sys
import time

from pathlib import Path

import pytest

from autograder.grading import sandbox
from needs import need_namespaces

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"


def test_protections_list_names_flags_and_details():
    rows = sandbox.protections()
    assert rows and all(isinstance(n, str) and isinstance(on, bool) and isinstance(d, str) for n, on, d in rows)
    assert ("isolation mode", True, sandbox.mode()) in rows


def test_wrapped_command_ends_with_the_kernel_argv(tmp_path):
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    wrapped = sandbox.wrap_kernel_command(argv, scratch_dir=str(tmp_path), limits=sandbox.Limits())
    assert wrapped[-len(argv):] == argv and wrapped[: -len(argv)]


@pytest.mark.slow
def test_jailed_command_runs_confined(tmp_path):
    need_namespaces("nothing confines the command")
    code = ("import os, socket; print(os.getuid(), sorted(os.listdir('/')), os.path.exists(" + repr(str(SOLUTIONS)) + "));"
            "s = socket.socket(); s.settimeout(1);\n"
            "try: s.connect(('127.0.0.1', 9)); print('NET')\nexcept OSError: print('nonet')")
    argv = sandbox.wrap_kernel_command([sys.executable, "-c", code], scratch_dir=str(tmp_path),
                                       limits=sandbox.Limits())
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "nonet" in done.stderr and "NET\n" not in done.stderr
    assert "False" in done.stderr  # the repository's solutions do not exist in the jail
    if sandbox.mode() == "root":
        assert not done.stderr.startswith("0 ")


FACTS = r"""
import json, os, resource, signal, sys
status = dict(line.split(':', 1) for line in open('/proc/self/status') if ':' in line)
print(json.dumps({
    'warm': 'torch' in sys.modules,   # before anything imported it: forked from the zygote
    'uid': os.getuid(), 'pid': os.getpid(),
    'caps': [status[k].strip() for k in ('CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb')],
    'no_new_privs': status['NoNewPrivs'].strip(), 'seccomp': status['Seccomp'].strip(),
    'memory_rlimit': resource.getrlimit(resource.RLIMIT_AS)[0],
    'solutions': os.path.exists(SOLUTIONS), 'zygote_socket': os.path.exists(ZYGOTE),
    'environment': repr(dict(os.environ)),
    'cgroup': open('/proc/self/cgroup').read(), 'cwd': os.getcwd(),
    'signals': {name: getattr(signal.getsignal(getattr(signal, name)), 'name', 'a handler') for name in ('SIGPIPE', 'SIGXFSZ', 'SIGCHLD', 'SIGTERM')},
}))
"""


def _memory_holds(scratch, needle):
    """Whether the kernel whose connection file lies in ``scratch`` holds ``needle`` anywhere in its
    writable memory (heap, stack, anonymous maps: where a copy of an environment would be)."""
    kernels = []
    for entry in Path("/proc").iterdir():
        try:
            line = (entry / "cmdline").read_bytes()   # a title set by setproctitle has no NULs
        except OSError:
            continue
        if b"ipykernel_launcher" in line and b"jail.py" not in line and b"bwrap" not in line \
                and str(scratch).encode() in line:
            kernels.append(entry)
    assert len(kernels) == 1, kernels
    found = False
    with open(kernels[0] / "maps") as maps, open(kernels[0] / "mem", "rb", buffering=0) as mem:
        for line in maps:
            fields = line.split()
            if fields[1].startswith("rw") and (len(fields) == 5 or fields[5].startswith("[")):
                start, end = (int(x, 16) for x in fields[0].split("-"))
                try:
                    mem.seek(start)
                    found = found or needle in mem.read(end - start)
                except OSError:
                    pass
    return found


def _kernel_facts(tmp_path, monkeypatch, zygote_on):
    """What a kernel started by the grader (``start_kernel``, no warm-up) reports about itself."""
    from autograder.grading import execute, zygote
    from autograder.grading.pipeline import _run_to_completion

    monkeypatch.setenv("COURSE_KERNEL_ZYGOTE", "1" if zygote_on else "0")
    monkeypatch.setenv("GRADER_ONLY_TOKEN", "not-for-kernels")   # a CI token the grader's environment holds
    zygote.stop()   # a zygote of its own, started with this environment
    data = Path(__file__).parents[1] / "data"
    socket_path = zygote.address(execute.kernel_env(data, tmp_path)) if zygote_on else None
    limits = sandbox.Limits()

    async def run():
        kernel = await execute.start_kernel(scratch_root=tmp_path, data_dir=data, limits=limits, warm=False)
        try:
            code = f"SOLUTIONS, ZYGOTE = {str(SOLUTIONS)!r}, {str(socket_path)!r}\n" + FACTS
            msg_id = kernel.kc.execute(code)
            text = ""
            while True:
                msg = await kernel.kc.get_iopub_msg(timeout=60)
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                if msg["msg_type"] == "stream":
                    text += msg["content"]["text"]
                if msg["msg_type"] == "error":
                    raise AssertionError(msg["content"]["traceback"])
                if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    return json.loads(text), kernel.scratch, _memory_holds(kernel.scratch, b"not-for-kernels")
        finally:
            await execute.stop_kernel(kernel)

    try:
        return _run_to_completion(run()), limits
    finally:
        zygote.stop()


@pytest.mark.slow
@pytest.mark.parametrize("zygote_on", [True, False], ids=["forked-by-the-zygote", "started-fresh"])
def test_a_kernel_is_confined_alike_whether_forked_warm_or_started_fresh(tmp_path, monkeypatch, zygote_on):
    need_namespaces("no zygote without namespaces: kernels start fresh")
    (facts, scratch, token_in_memory), limits = _kernel_facts(tmp_path, monkeypatch, zygote_on)
    assert facts["warm"] is zygote_on   # the zygote's kernels come with torch already imported
    assert facts["caps"] == ["0000000000000000"] * 5, facts["caps"]
    assert facts["no_new_privs"] == "1"
    if sandbox.seccomp_available():
        assert facts["seccomp"] == "2"   # the keyring filter is loaded
    assert facts["memory_rlimit"] == limits.memory_bytes
    assert facts["solutions"] is False and facts["zygote_socket"] is False
    assert "GRADER_ONLY_TOKEN" not in facts["environment"]
    assert not token_in_memory   # not even a copy of the grader's environment left in the kernel's memory
    assert facts["pid"] < 10   # its own PID namespace: bubblewrap's init, the placeholder, the kernel
    assert facts["cwd"] == str(scratch)
    # as Python starts: a broken pipe or the file-size limit raises an error instead of killing the kernel
    assert facts["signals"] == {"SIGPIPE": "SIG_IGN", "SIGXFSZ": "SIG_IGN", "SIGCHLD": "SIG_DFL",
                                "SIGTERM": "SIG_DFL"}, facts["signals"]
    if sandbox.mode() == "root":
        import pwd

        assert pwd.getpwuid(facts["uid"]).pw_name.startswith("course-sbx-")
        if sandbox.cgroup_available():
            assert "course-sandbox/slot-" in facts["cgroup"], facts["cgroup"]
    else:
        assert facts["uid"] == os.getuid()


@pytest.mark.slow
def test_kernels_still_start_when_the_zygote_is_gone(tmp_path):
    """A zygote killed between two kernels (the OOM killer, a stray kill): the next kernel gets a new one."""
    from autograder.grading import execute, zygote
    from autograder.grading.pipeline import _run_to_completion

    need_namespaces("no zygote without namespaces: kernels start fresh")
    data = Path(__file__).parents[1] / "data"

    async def one():
        kernel = await execute.start_kernel(scratch_root=tmp_path, data_dir=data, limits=sandbox.Limits(), warm=False)
        try:
            return await execute.run_silent(kernel, "import sys\nassert 'torch' in sys.modules", timeout=60)
        finally:
            await execute.stop_kernel(kernel)

    assert _run_to_completion(one())
    process, _path = zygote._running["server"]
    process.kill()
    process.wait()
    assert _run_to_completion(one())
    assert zygote._running["server"][0].pid != process.pid


def test_a_zygote_ends_with_its_grader_even_while_it_is_still_importing(tmp_path):
    """A Dask worker killed while its zygote imports torch (seconds, more on a loaded machine; CI
    caught one left behind): the zygote ends when its standard input does, not after the imports.
    The warm-up is made to take a minute so that only the early exit can pass."""
    path = tmp_path / "socket"
    code = ("import time\nfrom autograder.grading import zygote\n"
            "zygote.warm_up = lambda: time.sleep(60)\n"
            f"zygote.serve({str(path)!r})\n")
    process = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                               cwd=Path(__file__).parents[1])
    try:
        while not path.exists():
            assert process.poll() is None, "the zygote did not start"
            time.sleep(0.01)
        process.stdin.close()   # what a dying grader's end of the pipe does
        assert process.wait(timeout=20) == 0
    finally:
        process.kill()
        process.wait()


@pytest.mark.slow
def test_a_jail_whose_grader_died_while_it_started_ends_at_once(tmp_path):
    """A Dask worker killed right after it launched a jail, before the jail could ask to die with it:
    the jail must not live on (until its deadline, half an hour) with nobody to end it."""
    import psutil

    need_namespaces("nothing confines the command")
    launcher = ("import subprocess, sys\nfrom autograder.grading import sandbox\n"
                f"argv = sandbox.wrap_kernel_command([sys.executable, '-c', 'import time; time.sleep(600)'], "
                f"scratch_dir={str(tmp_path)!r}, limits=sandbox.Limits())\n"
                "print(subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).pid, flush=True)\n"
                "import os; os._exit(0)   # gone before the jail has even started Python\n")
    done = subprocess.run([sys.executable, "-c", launcher], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).parents[1])
    jail = psutil.Process(int(done.stdout.split()[0]))
    try:
        jail.wait(timeout=10)   # gone (or a zombie nobody reaps: that is ended too)
    except psutil.TimeoutExpired:
        if jail.status() != psutil.STATUS_ZOMBIE:
            jail.kill()
            pytest.fail("the jail still runs 10 s after the grader that started it died")
