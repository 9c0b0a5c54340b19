"""Supported Pythons (issue 17): named, checked by `make setup`, and the lock resolves on each.

The resolution tests ask uv (installed by `make test` into .venv-tools) for
metadata only: no torch build is downloaded. The real setup test builds a
venv with Debian's system python3 where there is one and grades a chapter in it.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.maintainers import lock
from autograder.maintainers.pythons import SUPPORTED, supported_names, unsupported_message
from needs import need

REPO = Path(__file__).resolve().parent.parent
LOCK_TEXT = (REPO / "requirements.lock").read_text()
SYSTEM_PYTHON = Path("/usr/bin/python3")


def _uv():
    path = os.environ.get("COURSE_UV") or str(REPO / ".venv-tools" / "bin" / "uv")
    need(os.access(path, os.X_OK), f"uv is not at {path}: `make test` installs it (make .venv-tools/.uv-*)")
    return path


def _make_env():
    """The environment for a nested make: no flags or level of an outer `make test`."""
    return {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "VENV")}


def _fake_python(tmp_path, version):
    """An interpreter that reports ``version`` to the scripts it runs (this one, underneath)."""
    fake = tmp_path / f"python{version}"
    parts = tuple(int(p) for p in version.split("."))
    fake.write_text(f"#!{sys.executable}\nimport runpy, sys\nsys.version_info = {parts + ('final', 0)!r}\n"
                    "sys.argv = sys.argv[1:]\nrunpy.run_path(sys.argv[0], run_name='__main__')\n")
    fake.chmod(0o755)
    return fake


# ------------------------------------------------------------------ named everywhere


def test_readme_opens_by_naming_the_supported_pythons():
    head = "\n".join((REPO / "README.md").read_text().splitlines()[:12])
    for major, minor in SUPPORTED:
        assert f"{major}.{minor}" in head, f"README's first lines do not name Python {major}.{minor}"


def test_pyproject_requires_exactly_the_supported_pythons():
    spec = re.search(r'^requires-python = "([^"]+)"', (REPO / "pyproject.toml").read_text(), re.M)[1]
    (low_major, low_minor), (high_major, high_minor) = SUPPORTED[0], SUPPORTED[-1]
    assert spec.replace(" ", "") == f">={low_major}.{low_minor},<{high_major}.{high_minor + 1}"


def test_unsupported_message_names_the_versions_and_the_ways_out():
    text = unsupported_message((3, 9, 18), "/usr/bin/python3.9")
    assert "Python 3.9.18 (/usr/bin/python3.9) is not supported" in text
    assert supported_names() == "3.10, 3.11, 3.12 and 3.13" and supported_names() in text
    assert "make setup PYTHON=" in text and "conda env create -f environment.yml" in text


@pytest.mark.parametrize("version", ["3.9.18", "3.14.0"])
def test_make_setup_stops_at_once_on_an_unsupported_python(tmp_path, version):
    venv = tmp_path / "venv"
    done = subprocess.run(["make", "--no-print-directory", "setup", f"PYTHON={_fake_python(tmp_path, version)}",
                           f"VENV={venv}"], cwd=REPO, env=_make_env(), capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert f"Python {version} (" in done.stderr and supported_names() in done.stderr, done.stderr
    assert "make setup PYTHON=" in done.stderr and "conda" in done.stderr
    assert not venv.exists() and "pip install" not in done.stdout, "make went on after the check"


def test_make_setup_stops_on_a_real_old_python_where_one_is_installed(tmp_path):
    olds = sorted(Path("/root/.pyenv/versions").glob("3.9.*/bin/python3")) if os.access("/root", os.X_OK) else []
    if not olds:
        pytest.skip("no Python 3.9 installed here (the fake-interpreter test covers the check)")
    done = subprocess.run(["make", "--no-print-directory", "setup", f"PYTHON={olds[-1]}", f"VENV={tmp_path / 'v'}"],
                          cwd=REPO, env=_make_env(), capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "is not supported" in done.stderr and not (tmp_path / "v").exists()


# ------------------------------------------------------------------ the lock


def test_the_lock_covers_each_patch_bound_it_names():
    points = lock.check_points(LOCK_TEXT)
    assert {"3.10.0", "3.11.0", "3.11.2", "3.12.0", "3.13.0"} <= set(points)
    for bound in re.findall(r"python_full_version\s*[<>=]+\s*'(3\.\d+\.\d+)'", LOCK_TEXT):
        assert bound in points


def test_markers_pick_pins_a_debian_12_python_can_install():
    at_3_11_2, at_3_11_7 = lock.pins_for(LOCK_TEXT, "3.11.2"), lock.pins_for(LOCK_TEXT, "3.11.7")
    assert at_3_11_2["torch"] == at_3_11_7["torch"] == "2.13.0"
    assert at_3_11_2["soupsieve"] != "4.1.3"  # 4.1.3 requires Python >= 3.11.5


@pytest.mark.slow
@pytest.mark.parametrize("version", lock.check_points(LOCK_TEXT))
def test_lock_resolves_on_every_supported_python(version):
    problems = lock.check(_uv(), REPO / "requirements.lock", version)
    assert not problems, "\n".join(problems)


@pytest.mark.slow
@pytest.mark.parametrize("breakage, version, expected", [
    ("soupsieve 4.1.3 for every Python", "3.11.2", "soupsieve==4.1.3 depends on Python>=3.11.5"),
    ("no exceptiongroup", "3.10.0", "needs exceptiongroup"),
])
def test_resolution_check_fails_on_a_broken_lock(tmp_path, breakage, version, expected):
    lines = LOCK_TEXT.splitlines()
    if breakage.startswith("soupsieve"):
        lines = [l for l in lines if not l.startswith("soupsieve==")] + ["soupsieve==4.1.3"]
    else:
        lines = [l for l in lines if not l.startswith("exceptiongroup==")]
    broken = tmp_path / "requirements.lock"
    broken.write_text("\n".join(lines) + "\n")
    problems = lock.check(_uv(), broken, version)
    assert problems and expected in "\n".join(problems), problems


# ------------------------------------------------------------------ Debian's own python3


def _built_by_make_test():
    """.venv-hub where `make test` has just built it from SYSTEM_PYTHON and it is up to date, else None.

    On a machine where the learners' servers cannot run .venv's Python (root's pyenv in CI), `make test`
    builds .venv-hub with `make setup PYTHON=/usr/bin/python3` (target learner-venv) before the tests:
    the very build this test would repeat (about 100 s of a core). Grading with that venv then tests the
    same thing; anywhere else the test builds its own."""
    hub = REPO / ".venv-hub"
    if not (hub / "pyvenv.cfg").exists():
        return None
    home = re.search(r"^home\s*=\s*(.+)$", (hub / "pyvenv.cfg").read_text(), re.M)
    if not home or Path(home[1].strip()) != SYSTEM_PYTHON.parent:
        return None
    current = subprocess.run(["make", "-q", "--no-print-directory", str(hub / ".installed"), "VENV=.venv-hub",
                              f"PYTHON={SYSTEM_PYTHON}"], cwd=REPO, env=_make_env(), capture_output=True)
    return hub if current.returncode == 0 else None


@pytest.mark.slow
def test_make_setup_with_the_system_python3_grades_a_chapter(tmp_path):
    if not SYSTEM_PYTHON.exists():
        pytest.skip(f"{SYSTEM_PYTHON} does not exist here (no system Python to try)")
    version = subprocess.run([SYSTEM_PYTHON, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                             capture_output=True, text=True).stdout.strip()
    if tuple(int(p) for p in version.split(".")[:2]) not in SUPPORTED:
        pytest.skip(f"{SYSTEM_PYTHON} is Python {version}, which the course does not support")
    venv = _built_by_make_test()
    own = venv is None
    try:
        if own:
            venv = tmp_path / "venv"
            done = subprocess.run(["make", "--no-print-directory", "setup", f"PYTHON={SYSTEM_PYTHON}", f"VENV={venv}"],
                                  cwd=REPO, env=_make_env(), capture_output=True, text=True, timeout=900)
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        python = venv / "bin" / "python"
        assert subprocess.run([python, "-c", "import sys; print(sys.base_prefix)"], capture_output=True,
                              text=True).stdout.strip() == "/usr"
        done = subprocess.run([python, "-m", "pytest", "-p", "no:cacheprovider", "-q", f"--basetemp={tmp_path / 'pt'}",
                               "tests/test_chapters.py", "-k", "round_trip and 01_tensors"],
                              cwd=REPO, env=dict(_make_env(), PATH=f"{venv / 'bin'}:{os.environ['PATH']}"),
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]
    finally:
        if own:
            shutil.rmtree(venv, ignore_errors=True)  # 1.6 GB: pytest keeps its last three temp folders
