"""Start and stop one JupyterHub (with its proxy) for a class, and wait until it answers."""

import functools
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from ..paths import REPO_ROOT, tool_env
from .config import PROXY, hub_config

START_S = 120
# Built by `make hub` from the system's Python where the course venv's is not everyone's to run.
HUB_VENV = REPO_ROOT / ".venv-hub"


def usable_by_others(python):
    """Whether an unprivileged user (``nobody``) can run ``python`` with the hub and the course."""
    # light imports only (the package's own __init__ loads torch): the hub's, and the course's files readable
    probe = f"import jupyterhub; open({str(REPO_ROOT / 'autograder' / 'cells.py')!r}).close()"
    done = subprocess.run(["runuser", "-u", "nobody", "--", str(python), "-c", probe], capture_output=True, cwd="/")
    return done.returncode == 0


@functools.lru_cache(maxsize=None)
def learner_venv_bin():
    """The ``bin/`` of a venv whose Python every learner can run: the course's own, else .venv-hub."""
    for candidate in (Path(sys.executable).parent, HUB_VENV / "bin"):
        if (candidate / "python").exists() and usable_by_others(candidate / "python"):
            return candidate
    return None


class HubError(RuntimeError):
    """A hub that cannot start here; the message says what is missing and how to get it."""


def requirements_problem():
    """Why a hub cannot start on this machine (None when it can)."""
    if os.geteuid() != 0:
        return ("the hub runs as root: it creates a system user for each person and starts their "
                "JupyterLab as that user (run `sudo make hub`)")
    if not PROXY.exists():
        return f"{PROXY} is missing: `make hub` installs it (npm ci, from package-lock.json)"
    if not (Path(sys.executable).parent / "jupyterhub").exists():
        return "jupyterhub is not in the course's venv: run `make setup`"
    if learner_venv_bin() is None:
        return (f"no venv whose Python the learners' users may run: {Path(sys.executable).resolve()} is not "
                f"readable by other users; `make hub` builds {HUB_VENV.name} from /usr/bin/python3 "
                "(or HUB_PYTHON=...) for them")
    return None


def free_port():
    """A loopback port nothing listens on now.

    The course's one such helper, for JupyterHub alone: its config must name the ports of the hub,
    its proxy's API and the proxy before either process starts (neither takes port 0 and reports
    back), so a port is chosen, freed and handed over. Elsewhere servers choose their own port
    (formgrader: ``--port 0``) or need none (the tests' PostgreSQL listens on a Unix socket)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Hub:
    """A running ``jupyterhub`` process of ``site``, answering on ``url``."""

    def __init__(self, site, *, ip="127.0.0.1", port=8000):
        self.site, self.url = site, f"http://{ip}:{port}"
        self.ip, self.port, self.process = ip, port, None
        self.log_path = site.dir / "jupyterhub.log"

    def start(self, timeout=START_S):
        """Write the config, start the hub and wait until its API answers."""
        problem = requirements_problem()
        if problem:
            raise HubError(problem)
        self.site.save()
        self.site.config_path.write_text(hub_config(state=self.site.dir, people=self.site.people,
                                                    ip=self.ip, port=self.port, venv_bin=learner_venv_bin(),
                                                    hub_port=free_port(), proxy_api_port=free_port()))
        command = [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(self.site.config_path)]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(command, cwd=self.site.dir, env=tool_env(), stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise HubError(f"jupyterhub stopped at start (exit {self.process.returncode}):\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/hub/api", timeout=5) as answer:
                    if answer.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        self.stop()
        raise HubError(f"jupyterhub did not answer on {self.url} within {timeout} s:\n{self.log_tail()}")

    def log_tail(self, lines=30):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def wait(self):
        """Wait until the hub ends (Ctrl-C or SIGTERM stop it cleanly first)."""
        def stop(_signum, _frame):
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        try:
            self.process.wait()
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def stop(self, timeout=60):
        """Stop the hub: JupyterHub stops every learner's server and its proxy, then exits."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
