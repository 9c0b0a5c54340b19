"""Which Pythons the course supports, and the check ``make setup`` runs before anything else.

``make setup`` runs this file with the interpreter that is about to create the
venv (``$(PYTHON) autograder/maintainers/pythons.py``, or that of an existing venv, named
as the argument), so it must parse and run on any
Python, old ones included: no syntax newer than 2.7, nothing imported from the
package. It exits 0 when that interpreter can make the course venv, else 1 with
a message that names the supported versions and the ways out. On Debian and
Ubuntu, a system Python without its ``venv`` package gets it from apt-get when
run as root (the way ``make test`` installs Chromium); otherwise the message
says which package to install.
"""

from __future__ import print_function

import os
import subprocess
import sys

# Every patch release of these minor versions (3.11.2, Debian 12's, included): requirements.lock
# carries environment markers for each, and tests/test_pythons.py resolves it for all of them.
SUPPORTED = ((3, 10), (3, 11), (3, 12), (3, 13))


def supported_names():
    """'3.10, 3.11, 3.12 and 3.13'."""
    names = ["%d.%d" % v for v in SUPPORTED]
    return ", ".join(names[:-1]) + " and " + names[-1]


def unsupported_message(version_info, executable):
    """What ``make setup`` says for an interpreter outside SUPPORTED."""
    return "\n".join([
        "make setup: Python %s (%s) is not supported by this course." % (
            ".".join(str(part) for part in version_info[:3]), executable),
        "Supported: Python %s, any patch release." % supported_names(),
        "Point make at one of them, for example:",
        "    make setup PYTHON=python3.12        (or PYTHON=/full/path/to/python3)",
        "or use conda, which brings its own Python:",
        "    conda env create -f environment.yml && conda activate pytorch-course",
    ])


def _venv_missing():
    """Why ``python -m venv`` would fail here (Debian's split python3-venv package), or None."""
    try:
        import ensurepip  # noqa: F401
        import venv  # noqa: F401
    except ImportError as error:
        return str(error)
    return None


def _venv_package(version_info):
    return "python%d.%d-venv" % tuple(version_info[:2])


def _install_venv_package(version_info):
    """As root on a Debian-like system with a system Python: apt-get install its venv package."""
    if not (hasattr(os, "geteuid") and os.geteuid() == 0 and sys.executable.startswith("/usr/bin/")):
        return False
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        subprocess.call(["apt-get", "update", "-qq"], env=env)
        return subprocess.call(["apt-get", "install", "-y", "-qq", _venv_package(version_info)], env=env) == 0
    except OSError:  # no apt-get
        return False


def main(argv):
    if tuple(sys.version_info[:2]) not in SUPPORTED:
        print(unsupported_message(sys.version_info, sys.executable), file=sys.stderr)
        if argv:  # the interpreter of an existing venv
            print("That is the Python of %s: remove it first (make clean)." % argv[0], file=sys.stderr)
        return 1
    problem = _venv_missing()
    if problem and _install_venv_package(sys.version_info) and \
            subprocess.call([sys.executable, "-c", "import ensurepip, venv"]) == 0:
        problem = None
    if problem:
        print("\n".join([
            "make setup: %s cannot create a virtual environment (%s)." % (sys.executable, problem),
            "On Debian or Ubuntu install its venv module: sudo apt-get install %s" % _venv_package(sys.version_info),
            "or use another Python %s: make setup PYTHON=/path/to/python3" % supported_names(),
        ]), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
