"""The sandbox, piece by piece (issue 6); the full attacks are in test_redteam.py."""

import subprocess
import sys

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
