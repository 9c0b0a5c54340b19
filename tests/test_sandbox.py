"""Sandbox and tamper detection, piece by piece (issue 6); the full attacks are in test_redteam.py."""

import subprocess
import sys

import nbformat
import pytest

from autograder.grading import sandbox, tamper


def _grade_nb():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("check_value('x', 1)", metadata={"nbgrader": {"grade": True, "grade_id": "g1"}}),
        nbformat.v4.new_code_cell("check_value('x', 2)", metadata={"nbgrader": {"grade": True, "grade_id": "g2"}}),
    ]
    return nb


def _run_canaries(nb, token, *, result="ok"):
    for cell in nb.cells:
        meta = cell.metadata.get(tamper.META_KEY)
        if meta and meta["role"] == "canary":
            cell.execution_count = 1
            verdict = "ok" if result == "ok" else "TAMPERED " + result
            cell.outputs = [nbformat.v4.new_output("error", ename="CanaryRaised",
                                                   evalue=f"[{token}|{meta['where']}|{verdict}]", traceback=[])]
    return nb


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
    if sandbox.mode() == "rlimits":
        pytest.skip("rlimits mode (no namespaces here, or COURSE_SANDBOX_MODE=rlimits): nothing confines the command")
    code = ("import os, socket; print(os.getuid(), sorted(os.listdir('/')), os.path.exists('/work/main/solutions'));"
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


def test_instrument_surrounds_every_grade_cell_with_canaries():
    nb, token = tamper.instrument(_grade_nb())
    roles = [c.metadata.get(tamper.META_KEY, {}).get("role", "cell") for c in nb.cells]
    assert roles == ["arm", "cell", "canary", "cell", "canary", "cell", "canary"]
    assert len(token) == 32


def test_clean_canaries_verify_and_strip_leaves_the_original_cells():
    original = _grade_nb()
    nb, token = tamper.instrument(original)
    verdict = tamper.verify(_run_canaries(nb, token), token)
    assert not verdict.tampered and verdict.affected_grade_ids == []
    assert [c.source for c in tamper.strip(nb).cells] == [c.source for c in original.cells]


def test_swallowed_canary_marks_the_grade_cells_around_it():
    nb, token = tamper.instrument(_grade_nb())
    nb = _run_canaries(nb, token)
    last = [c for c in nb.cells if c.metadata.get(tamper.META_KEY, {}).get("role") == "canary"][-1]
    last.outputs = []  # the error was swallowed
    verdict = tamper.verify(nb, token)
    assert verdict.tampered and verdict.affected_grade_ids == ["g2"]
    assert "swallowed" in verdict.reasons[0]


def test_a_forged_token_does_not_count():
    nb, token = tamper.instrument(_grade_nb())
    verdict = tamper.verify(_run_canaries(nb, "0" * 32), token)
    assert verdict.tampered and set(verdict.affected_grade_ids) == {"g1", "g2"}


def test_canary_findings_become_reasons():
    nb, token = tamper.instrument(_grade_nb())
    verdict = tamper.verify(_run_canaries(nb, token, result="check_value redefined in the notebook"), token)
    assert verdict.tampered and "check_value redefined" in verdict.reasons[0]
