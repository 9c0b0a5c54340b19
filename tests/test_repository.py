"""The repository's promises to a new user: one lock, idempotent setup, discoverable targets."""

import json
import os
import re
import subprocess

from autograder.maintainers.lab_settings import install
from autograder.paths import data_path

import pytest


def test_make_help_is_the_default_and_lists_every_target(repo):
    out = subprocess.run(["make", "--no-print-directory"], cwd=repo, capture_output=True, text=True).stdout
    for target in ("setup", "lab", "test", "release", "outputs", "grade", "grade-demo", "bench", "clean"):
        assert re.search(rf"make {re.escape(target)}\s+\S", out), f"`make help` does not describe {target}"


def test_setup_on_a_set_up_checkout_has_nothing_to_do(repo):
    """`make setup` again (dry run, the target a user types): no recipe line would run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE") and k != "MFLAGS"}
    done = subprocess.run(["make", "--dry-run", "--no-print-directory", "setup"], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "make: Nothing to be done for 'setup'.", done.stdout


def test_grading_uses_every_core_even_where_omp_num_threads_is_one(repo):
    """nproc honours OMP_NUM_THREADS, which the Makefile sets to 1 and many clusters export: `make grade`
    once ran one submission at a time there."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE") and k not in ("MFLAGS", "JOBS")}
    dry = subprocess.run(["make", "--dry-run", "--no-print-directory", "grade", "SUBMISSIONS=x"], cwd=repo,
                         env={**env, "OMP_NUM_THREADS": "1"}, capture_output=True, text=True, timeout=120)
    jobs = re.search(r"course grade .*--jobs (\d+)", dry.stdout)
    assert jobs, dry.stdout + dry.stderr
    assert int(jobs.group(1)) == len(os.sched_getaffinity(0)), dry.stdout


def test_the_lock_pins_every_package_and_torch_exactly(repo):
    lines = [l for l in (repo / "requirements.lock").read_text().splitlines() if l and not l.startswith("#")]
    assert lines and all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[^=\s;]+( ; .+)?", l) for l in lines), "unpinned line in the lock"
    assert "torch==2.13.0" in lines
    names = {l.split("==")[0].lower() for l in lines}
    for needed in ("jupyterlab", "nbgrader", "nbval", "matplotlib", "pytest", "jupytext", "numpy"):
        assert needed in names


def test_the_lock_leaves_out_slow_optional_and_cuda_only_packages(repo):
    from autograder.maintainers.lock import CUDA_ONLY, EXCLUDED, pins

    names = {name for name, _version, _marker in pins((repo / "requirements.lock").read_text())}
    assert not names & set(EXCLUDED), "rfc3987-syntax/lark slow every Jupyter start"
    assert not [n for n in names if CUDA_ONLY.match(n)], "torch's CUDA wheels come from pip at setup, not the lock"


def test_conda_environment_installs_the_same_lock(repo):
    text = (repo / "environment.yml").read_text()
    assert "-r requirements.lock" in text
    assert not re.search(r"==\d", text), "environment.yml must not pin versions of its own"


def test_ci_runs_make_test_and_nothing_else_with_ci_set(repo, tmp_path):
    """.ci/run, with a `make` that only records its call: one call, `make test`, from the repository, CI=true."""
    calls = tmp_path / "calls.txt"
    fake = tmp_path / "bin" / "make"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\necho "$PWD|$*|${{CI-unset}}" >> {calls}\n')
    fake.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PATH"] = f"{fake.parent}:{env['PATH']}"
    subprocess.run([str(repo / ".ci" / "run")], cwd=tmp_path, env=env, check=True, timeout=60)
    assert calls.read_text().splitlines() == [f"{repo}|test|true"]


def test_readme_opens_with_the_two_commands(repo):
    head = "\n".join((repo / "README.md").read_text().splitlines()[:40])
    assert "make lab" in head and "make test" in head


def test_lab_overrides_switch_off_the_news_popup_and_hide_instructor_tools(tmp_path):
    written = json.loads(install(tmp_path).read_text())
    assert written["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    page = json.loads((tmp_path / "etc" / "jupyter" / "labconfig" / "page_config.json").read_text())
    assert page["disabledExtensions"]["@jupyter/nbgrader:create-assignment"] is True
    assert "@jupyter/nbgrader:validate-assignment" not in page["disabledExtensions"]


def test_the_disabled_extensions_exist_in_this_venv(repo):
    import sys
    from pathlib import Path

    from autograder.maintainers.lab_settings import INSTRUCTOR_ONLY

    bundle = "".join(p.read_text(errors="ignore") for p in
                     (Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyter" / "nbgrader").rglob("*.js"))
    for name in INSTRUCTOR_ONLY:
        assert f'"{name}"' in bundle, f"{name} is not a plugin of the installed nbgrader"


def test_data_path_finds_course_files_and_honours_the_grading_override(tmp_path, monkeypatch):
    (tmp_path / "thing.npz").write_bytes(b"x")
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    assert data_path("thing.npz") == tmp_path / "thing.npz"
    with pytest.raises(FileNotFoundError, match="missing.npz"):
        data_path("missing.npz")
