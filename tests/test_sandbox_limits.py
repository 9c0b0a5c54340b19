"""The jail's limits (issue 11), on direct jail runs: a small script runs where a kernel would.

Each test runs ``sandbox.wrap_kernel_command`` on ``python -c CODE`` in a scratch folder and
reads what the script printed (the jail passes its stdout on as stderr). Root mode is what
these protections need; elsewhere the tests say which protection is off and skip (under CI they fail).
"""

import os
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from autograder.grading import sandbox
from needs import need

pytestmark = pytest.mark.slow
ROOT_ONLY = pytest.mark.usefixtures("root_mode")
SMALL = replace(sandbox.Limits(), scratch_bytes=16 * 1024**2, tmp_bytes=16 * 1024**2, inodes=2_000,
                cgroup_memory_bytes=384 * 1024**2, max_processes=32, submission_timeout_s=60, grace_s=0)


@pytest.fixture
def root_mode():
    need(sandbox.mode() == "root", f"the sandbox runs in {sandbox.mode()} mode here; these protections need "
                                   "root mode (tmpfs scratch, cgroup, slot users)")


def jailed(tmp_path, code, limits=SMALL, timeout=60, arm_after=None):
    scratch = tmp_path / f"s{time.monotonic_ns()}"
    scratch.mkdir()
    argv = sandbox.wrap_kernel_command([sys.executable, "-c", code], scratch_dir=str(scratch), limits=limits)
    started = time.monotonic()
    process = subprocess.Popen(argv, cwd=scratch, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if arm_after is not None:
        time.sleep(arm_after)
        sandbox.arm(scratch, limits.submission_timeout_s)
    out, err = process.communicate(timeout=timeout)
    return process.returncode, err, time.monotonic() - started


@ROOT_ONLY
def test_unlinked_open_files_count_against_the_scratch_cap(tmp_path):
    code = ("import os\nf = open('gone', 'wb'); os.unlink('gone'); n = 0\n"
            "try:\n    [f.write(b'x' * 2**20) or f.flush() for _ in range(64)]; print('WROTE ALL')\n"
            "except OSError as e: print('stopped', e.errno)")
    _rc, err, _s = jailed(tmp_path, code)
    assert "stopped 28" in err and "WROTE ALL" not in err, err   # ENOSPC well before 64 MiB


@ROOT_ONLY
@pytest.mark.parametrize("where", [".", "/tmp"])
def test_thirty_thousand_empty_files_hit_the_inode_cap(tmp_path, where):
    code = (f"import os\nn = 0\ntry:\n    for i in range(30000): open(os.path.join({where!r}, f'e{{i}}'), 'w').close(); n += 1\n"
            "except OSError as e: print('stopped at', n, e.errno)\nelse: print('ALL 30000')")
    _rc, err, _s = jailed(tmp_path, code)
    assert "stopped at" in err and "ALL 30000" not in err, err


@ROOT_ONLY
def test_memory_cap_holds_for_all_processes_of_a_kernel_together(tmp_path):
    # four processes of 150 MiB each: every one is far under its own address-space rlimit,
    # together they pass the kernel's 384 MiB cgroup cap
    code = ("import os, time\npids = []\nfor _ in range(4):\n    pid = os.fork()\n"
            "    if pid == 0:\n        b = bytearray(150 * 2**20); b[::4096] = b'x' * len(b[::4096]); time.sleep(5); os._exit(0)\n"
            "    pids.append(pid)\n"
            "codes = [os.waitpid(p, 0)[1] for p in pids]\nprint('killed', sum(1 for c in codes if os.WIFSIGNALED(c)))")
    _rc, err, _s = jailed(tmp_path, code)
    assert "killed" in err and "killed 0" not in err, err


@ROOT_ONLY
def test_process_cap_holds_for_the_whole_kernel(tmp_path):
    code = ("import os, time\nn = 0\ntry:\n    for _ in range(100):\n        if os.fork() == 0: time.sleep(3); os._exit(0)\n"
            "        n += 1\nexcept OSError as e: print('stopped at', n, e.errno)\nelse: print('ALL 100')")
    _rc, err, _s = jailed(tmp_path, code)
    assert "stopped at" in err and "ALL 100" not in err, err
    assert int(err.split("stopped at")[1].split()[0]) <= SMALL.max_processes, err


def test_keyring_calls_are_denied_so_no_key_reaches_the_next_kernel(tmp_path):
    need(sandbox.seccomp_available(), "libseccomp or pyseccomp is missing: keyring calls are allowed")
    numbers = {"x86_64": (248, 250), "aarch64": (217, 219)}.get(os.uname().machine)
    if numbers is None:
        pytest.skip("syscall numbers known for x86_64 and aarch64 only")
    add_key, keyctl = numbers
    code = ("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
            f"r = libc.syscall({add_key}, b'user', b'planted', b'secret', 6, ctypes.c_int(-4))\n"
            "print('add_key', r, ctypes.get_errno())\n"
            f"r = libc.syscall({keyctl}, 0, ctypes.c_int(-4), 0)\nprint('keyctl', r, ctypes.get_errno())")
    for _ in range(2):   # the second run is the "next submission"
        _rc, err, _s = jailed(tmp_path, code)
        assert "add_key -1 1" in err and "keyctl -1 1" in err, err   # EPERM both times


@ROOT_ONLY
def test_wall_clock_limit_counts_from_the_submission_start_not_the_prewarm(tmp_path):
    limits = replace(SMALL, submission_timeout_s=2.0, grace_s=0.0, prewarm_wait_s=2.0)
    code = "import time; time.sleep(30)"
    _rc, err, never_armed = jailed(tmp_path, code, limits=limits)
    # killed by the limit (its sleep would last 30 s), not before 2 s of pre-warm wait + its own 2 s;
    # lower bounds only: a loaded machine makes a run longer, never shorter
    assert "wall-clock limit" in err and never_armed > 3.5, (never_armed, err)
    _rc, err, armed_late = jailed(tmp_path, code, limits=limits, arm_after=3.0)   # waited 3 s warm
    assert "wall-clock limit" in err and armed_late > 4.8, (armed_late, err)   # 3 s + its own 2 s


def test_rlimits_mode_needs_an_explicit_choice(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv("COURSE_SANDBOX_MODE", raising=False)
    monkeypatch.setattr(sandbox, "_detect", lambda: "rlimits")
    monkeypatch.setattr(sandbox, "_undumpable", lambda: None)
    with pytest.raises(sandbox.SandboxRefused, match="--insecure"):
        sandbox.preflight(course_root=tmp_path, out_dir=tmp_path / "out")
    sandbox.preflight(course_root=tmp_path, out_dir=tmp_path / "out", insecure=True)
    assert "INSECURE GRADING" in capsys.readouterr().err
    monkeypatch.setenv("COURSE_SANDBOX_MODE", "rlimits")   # set explicitly, as the tests do
    sandbox.preflight(course_root=tmp_path, out_dir=tmp_path / "out")


def test_without_bubblewrap_grading_refuses_and_names_the_package_to_install(monkeypatch, tmp_path):
    tools = tmp_path / "bin"   # a PATH with util-linux's tools but no bwrap
    tools.mkdir()
    for tool in ("setpriv", "prlimit"):
        (tools / tool).symlink_to(shutil.which(tool))
    monkeypatch.setenv("PATH", str(tools))
    monkeypatch.delenv("COURSE_SANDBOX_MODE", raising=False)
    sandbox._detect.cache_clear()
    try:
        assert sandbox.mode() == "rlimits"
        with pytest.raises(sandbox.SandboxRefused, match=r"bwrap missing.*apt-get install bubblewrap"):
            sandbox.preflight(course_root=tmp_path, out_dir=tmp_path / "out")
    finally:
        sandbox._detect.cache_clear()   # the next test detects with its own PATH


def test_refuses_a_course_or_output_inside_a_folder_bound_into_the_jail(monkeypatch, tmp_path):
    monkeypatch.setattr(sandbox, "mode", lambda: "root")
    with pytest.raises(sandbox.SandboxRefused, match="solutions"):
        sandbox.preflight(course_root="/usr/src/app", out_dir=tmp_path)
    with pytest.raises(sandbox.SandboxRefused, match="output folder"):
        sandbox.preflight(course_root=tmp_path, out_dir=os.path.join(sys.prefix, "grades"))
    sandbox.preflight(course_root=tmp_path, out_dir=tmp_path / "out")


def test_grade_cli_says_why_it_refuses(monkeypatch, tmp_path, capsys):
    from autograder.cli import main

    monkeypatch.setattr(sandbox, "mode", lambda: "root")
    (tmp_path / "sub").mkdir()
    code = main(["grade", "--submissions", str(tmp_path / "sub"), "--out", os.path.join(sys.prefix, "x")])
    assert code == 2 and "every kernel can read" in capsys.readouterr().err
    assert not os.path.exists(os.path.join(sys.prefix, "x"))


def test_protections_name_every_new_defence():
    names = {name for name, _on, _detail in sandbox.protections()}
    assert {"scratch on a tmpfs", "cgroup memory and process cap", "kernel keyring denied"} <= names


def test_a_kernel_the_jail_stops_is_reported_with_the_jails_reason(tmp_path):
    """The jail's wall-clock limit ends a cell the grader still waits for: the row says so, not "memory"."""
    import nbformat

    from autograder.grading.execute import execute, start_kernel, stop_kernel
    from autograder.grading.pipeline import _run_to_completion

    jail_limits = replace(sandbox.Limits(), submission_timeout_s=3, grace_s=0)   # the jail's deadline comes first
    grader_limits = replace(jail_limits, cell_timeout_s=60, submission_timeout_s=60)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import time\ntime.sleep(30)")])

    async def run():
        kernel = await start_kernel(scratch_root=tmp_path, data_dir=Path(__file__).parents[1] / "data",
                                    limits=jail_limits)
        try:
            sandbox.arm(kernel.scratch, jail_limits.submission_timeout_s)
            return await execute(kernel, nb, limits=grader_limits)
        finally:
            await stop_kernel(kernel)

    outcome = _run_to_completion(run())   # works beside Playwright's running loop
    assert outcome.status == "crashed", (outcome.status, outcome.reason)
    assert outcome.reason == "the kernel died in cell 0 (the jail stopped it: wall-clock limit)", outcome.reason


def test_a_submission_out_of_time_between_cells_stops_as_a_timeout(tmp_path):
    """Quick cells after the submission's time is up: the grader stops at the next cell with ``timeout``
    instead of running on (each cell given half a second) until the jail ends the kernel as a crash."""
    import nbformat

    from autograder.grading.execute import execute, start_kernel, stop_kernel
    from autograder.grading.pipeline import _run_to_completion

    limits = replace(sandbox.Limits(), cell_timeout_s=30, submission_timeout_s=4)
    # 40 cells of 0.3 s: 12 s in all, each under the half second a cell still gets once time is up
    cells = [nbformat.v4.new_code_cell("import time\ntime.sleep(0.3)") for _ in range(40)]

    async def run():
        kernel = await start_kernel(scratch_root=tmp_path, data_dir=Path(__file__).parents[1] / "data", limits=limits)
        try:
            return await execute(kernel, nbformat.v4.new_notebook(cells=cells), limits=limits)
        finally:
            await stop_kernel(kernel)

    outcome = _run_to_completion(run())   # works beside Playwright's running loop
    assert outcome.status == "timeout", (outcome.status, outcome.reason)
    assert 0 < outcome.stopped_at < len(cells), outcome.stopped_at
    assert outcome.reason == f"stopped at cell {outcome.stopped_at}: the whole submission ran past 4 s", outcome.reason
