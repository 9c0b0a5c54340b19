"""A throwaway class of system users and a scratch exchange for the hub tests; removed afterwards.

The accounts are made by the course's own ``add_people`` (as ``make hub`` makes them), with ids
unique to the run (``hubt<random>-...``), and deleted with their homes when the test ends.
Root is needed (system users, PAM): outside CI a test skips and says so; under ``CI=true`` it fails.
"""

import contextlib
import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from autograder.hub import accounts
from autograder.hub.cli import add_people
from autograder.hub.roster import Person
from autograder.hub.server import learner_venv_bin, requirements_problem
from autograder.hub.site import Site


def need(problem):
    """Skip (outside CI) or fail (under CI=true) with ``problem``, when there is one."""
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the hub tests: {problem}")
        pytest.skip(problem)


def need_hub_machine():
    """Root, JupyterHub's proxy and a venv the learners' users may run (what `make test` installs)."""
    need(requirements_problem())


@contextlib.contextmanager
def throwaway_class(people_spec):
    """Yield ``(site, {short name: Person})`` for ``people_spec`` ``[(short, role, edition)]``."""
    tag = "hubt" + secrets.token_hex(3)
    people = {short: Person(f"{tag}-{short}", short.title(), role, edition) for short, role, edition in people_spec}
    scratch = Path(tempfile.mkdtemp(prefix=f"{tag}-"))
    scratch.chmod(0o755)   # the learners' users reach the exchange inside it
    site = Site(scratch / "state", exchange=scratch / "exchange")
    try:
        yield site, people, {p.id: pw for p, pw in add_people(site, list(people.values()))}
    finally:
        for person in people.values():
            subprocess.run(["pkill", "-KILL", "-u", person.id], capture_output=True)   # only this run's users
            accounts.remove_account(person.id)
        shutil.rmtree(scratch, ignore_errors=True)


def as_user(person, *command, check=True):
    """Run ``command`` as ``person``'s system user in their home, with their Jupyter config, the way
    their JupyterLab on the hub runs it; returns the CompletedProcess."""
    home = accounts.home_of(person.id)
    env = {"HOME": str(home), "USER": person.id, "LOGNAME": person.id, "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
           "JUPYTER_CONFIG_PATH": str(home / ".jupyter"),
           "PATH": f"{learner_venv_bin()}:/usr/bin:/bin", "JUPYTER_PREFER_ENV_PATH": "1", "LANG": "C.UTF-8"}
    done = subprocess.run(["runuser", "-u", person.id, "--", "env", "-i", *[f"{k}={v}" for k, v in env.items()],
                           *command], cwd=home, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(command)} as {person.id} failed:\n{done.stdout}\n{done.stderr}")
    return done
