"""requirements.lock: one universal lock for every supported Python, made and checked with uv.

``make lock`` runs ``python -m autograder.maintainers.lock --uv PATH``: ``uv pip compile
--universal`` resolves requirements.in for all of Python 3.10 to 3.13 at once,
and environment markers in the lock choose each version's pins (for example
``soupsieve==2.10 ; python_full_version < '3.11.5'`` for Debian 12's 3.11.2).
Two things stay out of the lock on purpose, as before:

- rfc3987-syntax and lark: jsonschema's optional URI-format checker adds
  about 1.6 s to every Jupyter tool start, and the course never needs it
  (installing with ``--no-deps`` keeps them out);
- torch's CUDA-only wheels (nvidia-*, cuda-*, triton): ``make setup`` lets
  pip add them where PyPI's torch is the CUDA build.

:func:`check` resolves a lock for one Python version, metadata only: the
lock's pins as ``pip install --no-deps`` reads them must all exist as wheels
for that Python on x86_64 Linux, and a full resolution of requirements.in
constrained by the lock must need nothing that the lock does not pin for it.
``make lock`` runs it for :func:`check_points` before writing the lock, and
tests/test_pythons.py runs it in ``make test``.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from packaging.markers import Marker
from packaging.utils import canonicalize_name

from ..paths import REPO_ROOT as REPO
from .pythons import SUPPORTED

EXCLUDED = ("rfc3987-syntax", "lark")
CUDA_ONLY = re.compile(r"^(nvidia-.*|cuda-.*|triton)$")
PLATFORM = "x86_64-manylinux_2_28"
# Distributions' Pythons, checked by name: Ubuntu 22.04, Debian 12, Ubuntu 24.04.
DISTRO_PYTHONS = ("3.10.12", "3.11.2", "3.12.3")
HEADER = """\
# Pinned lock for the course environment (venv and conda): one lock for Python 3.10 to 3.13, whose
# environment markers choose each version's pins. Made by 'make lock' (uv pip compile --universal over
# requirements.in); do not edit by hand. Installed with --no-deps. Left out on purpose: rfc3987-syntax and
# lark (jsonschema's optional URI-format checker adds ~1.6 s to every Jupyter tool start and the course
# never needs it), and torch's CUDA-only wheels (nvidia-*, cuda-*, triton): make setup lets pip add
# those where PyPI's torch is the CUDA build.
"""
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)\s*(?:;\s*(.+?))?\s*$")


def pins(text):
    """``[(name, version, marker or None), ...]`` of a lock's requirement lines."""
    found = []
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if line and not line.startswith("#"):
            match = _PIN.match(line)
            if not match:
                raise ValueError(f"not a pinned requirement: {line!r}")
            found.append((canonicalize_name(match[1]), match[2], match[3]))
    return found


def _environment(python_version):
    """Marker variables of CPython ``python_version`` on x86_64 Linux."""
    return {"python_version": ".".join(python_version.split(".")[:2]), "python_full_version": python_version,
            "implementation_version": python_version, "implementation_name": "cpython",
            "platform_python_implementation": "CPython", "sys_platform": "linux", "platform_system": "Linux",
            "os_name": "posix", "platform_machine": "x86_64"}


def pins_for(text, python_version):
    """``{name: version}`` that ``pip install -r`` takes from the lock on ``python_version``."""
    env = _environment(python_version)
    return {name: version for name, version, marker in pins(text)
            if marker is None or Marker(marker).evaluate(env)}


def check_points(text):
    """Python versions that together cover every patch release of every supported version.

    Markers only change at the ``python_full_version`` bounds the lock names, so each
    minor version's .0, both sides of each bound, and the distributions' versions do.
    """
    points = {f"{major}.{minor}.0" for major, minor in SUPPORTED} | set(DISTRO_PYTHONS)
    for bound in re.findall(r"python_full_version\s*[<>=!~]+\s*'(\d+\.\d+\.\d+)'", text):
        major, minor, patch = (int(p) for p in bound.split("."))
        if (major, minor) in SUPPORTED:
            points |= {bound, f"{major}.{minor}.{max(patch - 1, 0)}"}
    return sorted(points, key=lambda v: tuple(int(p) for p in v.split(".")))


def _uv(uv, *args):
    # This interpreter only hosts the resolution (--python-version sets the target): uv must
    # neither look for nor download an interpreter of the target version.
    command = [str(uv), "pip", "compile", "--no-config", "--quiet", "--no-header", "--no-annotate",
               "--python", sys.executable, "--no-python-downloads", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, env=dict(os.environ, UV_PYTHON_DOWNLOADS="never"))


def _excludes_file(folder, names):
    path = Path(folder) / "excludes.txt"
    path.write_text("".join(f"{name}\n" for name in sorted(names)))
    return path


def check(uv, lock, python_version, *, requirements=REPO / "requirements.in"):
    """Problems (strings) with installing ``lock`` on CPython ``python_version``; [] when it resolves."""
    text = Path(lock).read_text()
    target = ["--python-version", python_version, "--python-platform", PLATFORM, "--only-binary", ":all:"]
    done = _uv(uv, lock, "--no-deps", *target)
    if done.returncode != 0:
        return [f"Python {python_version}: the lock's pins do not install:\n{done.stderr.strip()}"]
    with tempfile.TemporaryDirectory() as tmp:
        done = _uv(uv, requirements, "-c", lock, "--excludes", _excludes_file(tmp, EXCLUDED), *target)
    if done.returncode != 0:
        return [f"Python {python_version}: requirements.in does not resolve within the lock:\n{done.stderr.strip()}"]
    locked = pins_for(text, python_version)
    problems = []
    for name, version, _marker in pins(done.stdout):
        if CUDA_ONLY.match(name):
            continue
        if name not in locked:
            problems.append(f"Python {python_version}: needs {name}=={version}, which the lock does not pin for it")
        elif locked[name] != version:
            problems.append(f"Python {python_version}: needs {name}=={version}, the lock pins {locked[name]}")
    return problems


def compile_lock(uv, *, requirements=REPO / "requirements.in", previous=REPO / "requirements.lock"):
    """The text of a fresh universal lock (previous pins are kept where they still fit)."""
    lowest = "%d.%d" % SUPPORTED[0]
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "requirements.lock"
        if Path(previous).exists():  # uv prefers the pins of an existing output file
            output.write_text(Path(previous).read_text())
        # First pass: which of torch's requirements are its CUDA-only wheels.
        done = _uv(uv, requirements, "--universal", "--python-version", lowest,
                   "--excludes", _excludes_file(tmp, EXCLUDED))
        if done.returncode != 0:
            raise RuntimeError(done.stderr)
        cuda = {name for name, _v, _m in pins(done.stdout) if CUDA_ONLY.match(name)}
        done = _uv(uv, requirements, "--universal", "--python-version", lowest, "-o", output,
                   "--excludes", _excludes_file(tmp, {*EXCLUDED, *cuda}))
        if done.returncode != 0:
            raise RuntimeError(done.stderr)
        return HEADER + output.read_text()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uv", required=True, help="the uv executable")
    parser.add_argument("--lock", default=str(REPO / "requirements.lock"))
    args = parser.parse_args(argv)
    text = compile_lock(args.uv, previous=args.lock)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "requirements.lock"
        fresh.write_text(text)
        problems = [p for version in check_points(text) for p in check(args.uv, fresh, version)]
        if problems:
            print("\n".join(["the new lock does not resolve everywhere; requirements.lock is unchanged:",
                             *problems]), file=sys.stderr)
            return 1
        Path(args.lock).write_text(text)
    print(f"{args.lock}: {len(pins(text))} pins, resolved for Python {', '.join(check_points(text))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
