"""Fixtures for the end-to-end suite: one JupyterLab server per session (the browser is tests/conftest.py's).

The server is started the way ``make lab`` starts it (the Makefile's own ``LAB_FLAGS``,
read from make, and the venv's JupyterLab settings overrides), except that it listens on a
free loopback port with a known token, keeps its Jupyter config, data, runtime, settings and
workspace directories in a temporary folder, and serves a *copy* of ``notebooks/``.

A failing test leaves a screenshot, the page's HTML and the server log in
``tests/.artifacts/`` (``E2E_SCREENSHOTS=1`` keeps the screenshots of passing tests too).
"""

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest


REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / ".artifacts"
# Variables an outer `make test` leaves behind that would confuse the inner `make` call.
MAKE_VARS = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "MAKE_TERMOUT", "MAKE_TERMERR",
             "MAKE_JOBSERVER_FIFO")
SERVER_START_S = 90
# A learner's own `python3` kernel (`ipykernel install --user` from another Python) must not
# replace the course's: the isolated user data folder holds one that would fail loudly.
DECOY_KERNEL = {"argv": ["/nonexistent/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Decoy user kernel (not the course venv)", "language": "python"}


def _ask_make(recipe):
    """Run one extra recipe with the Makefile loaded; its output, NUL-separated, as a list."""
    env = {k: v for k, v in os.environ.items() if k not in MAKE_VARS and not k.startswith("JUPYTER")}
    rule = f"print-for-e2e:\n\t@{recipe}\n"
    try:
        done = subprocess.run(["make", "-s", "--no-print-directory", "-f", "Makefile", "-f", "-",
                               "print-for-e2e"], input=rule, cwd=REPO, env=env, text=True,
                              capture_output=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError) as error:
        pytest.fail(f"could not read the `lab` settings from the Makefile: {error}")
    return [item for item in done.stdout.split("\0") if item]


def make_lab_command():
    """The ``LAB_FLAGS`` and the environment that ``make lab`` gives ``jupyter lab``, from make itself.

    The recipe's shell splits and unquotes ``$(LAB_FLAGS)`` as the ``lab`` recipe's shell does,
    and its environment holds the Makefile's exports (PATH, JUPYTER_PLATFORM_DIRS, ...).
    """
    flags = _ask_make("printf '%s\\0' $(LAB_FLAGS)")
    assert any(f.startswith("--ServerApp.root_dir=") for f in flags), flags
    env = dict(item.split("=", 1) for item in _ask_make("env -0") if "=" in item)
    return flags, {k: v for k, v in env.items() if k not in MAKE_VARS}


class LabServer:
    """A running ``jupyter lab`` on 127.0.0.1; ``url(path)`` adds the token."""

    def __init__(self, root, process, base_url, token, log_path):
        self.root, self.process, self.base_url = root, process, base_url.rstrip("/")
        self.token, self.log_path = token, log_path
        self.closing = []  # threads closing sessions

    def url(self, path=""):
        sep = "&" if "?" in path else "?"
        return f"{self.base_url}/{path.lstrip('/')}{sep}token={self.token}"

    def api(self, path, method="GET"):
        request = urllib.request.Request(f"{self.base_url}/{path.lstrip('/')}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self):
        """Close every notebook session, so that no test's kernel outlives it.

        The server waits for each kernel to exit; that wait runs beside the next test.
        """
        def close(session_id):
            try:
                self.api(f"api/sessions/{session_id}", method="DELETE")
            except OSError:
                pass  # already gone, or the server is stopping

        for session in self.api("api/sessions"):
            thread = threading.Thread(target=close, args=(session["id"],), daemon=True)
            thread.start()
            self.closing.append(thread)

    def log_tail(self, chars=6000):
        return self.log_path.read_text(errors="replace")[-chars:]


def _wait_for_server(process, runtime_dir, log_path, token):
    """Read the server's info file (port chosen by the OS) and wait until its API answers."""
    deadline = time.monotonic() + SERVER_START_S
    info = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"jupyter lab exited with {process.returncode}:\n{log_path.read_text()[-4000:]}")
        if info is None:
            for path in runtime_dir.glob("jpserver-*.json"):
                try:
                    info = json.loads(path.read_text())
                except ValueError:
                    info = None  # being written
        if info is not None:
            try:
                request = urllib.request.Request(f"{info['url'].rstrip('/')}/api/status",
                                                 headers={"Authorization": f"token {token}"})
                with urllib.request.urlopen(request, timeout=5):
                    return info
            except OSError:
                pass
        time.sleep(0.2)
    process.kill()
    pytest.fail(f"jupyter lab did not start within {SERVER_START_S} s:\n{log_path.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    """JupyterLab as ``make lab`` starts it, isolated, serving a copy of ``notebooks/``."""
    base = tmp_path_factory.mktemp("lab")
    shutil.copytree(REPO / "notebooks", base / "notebooks",
                    ignore=shutil.ignore_patterns(".release-*", ".*.previous", ".ipynb_checkpoints"))
    dirs = {name: base / name for name in ("config", "data", "runtime", "settings", "workspaces", "ipython")}
    for path in dirs.values():
        path.mkdir()
    # window.jupyterapp, for tests that wait on JupyterLab's own promises instead of a fixed time
    (dirs["config"] / "labconfig").mkdir()
    (dirs["config"] / "labconfig" / "page_config.json").write_text(json.dumps({"exposeAppInBrowser": True}))
    decoy = dirs["data"] / "kernels" / "python3"
    decoy.mkdir(parents=True)
    (decoy / "kernel.json").write_text(json.dumps(DECOY_KERNEL))
    token = secrets.token_hex(16)
    flags, env = make_lab_command()
    env.update(
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_DATA_DIR=str(dirs["data"]),  # the venv's share/jupyter stays on the data path
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        IPYTHONDIR=str(dirs["ipython"]),
    )
    jupyter = Path(sys.executable).parent / "jupyter"  # $(BIN)/jupyter
    command = [str(jupyter), "lab"] if jupyter.exists() else [sys.executable, "-m", "jupyterlab"]
    command += flags + [
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.port=0",  # the OS picks a free port; the info file says which
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--LabApp.user_settings_dir={dirs['settings']}",
        f"--LabApp.workspaces_dir={dirs['workspaces']}",
    ]
    log_path = base / "server.log"
    with open(log_path, "wb") as log:
        # cwd=base: the Makefile's relative root_dir=notebooks then means the copy.
        process = subprocess.Popen(command, cwd=base, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = None
    try:
        info = _wait_for_server(process, dirs["runtime"], log_path, token)
        server = LabServer(base / "notebooks", process, info["url"], token, log_path)
        yield server
    finally:
        for thread in server.closing if server else []:
            thread.join(timeout=15)
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _artifact_stem(nodeid):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1]).strip("_")


@pytest.fixture
def page(request, browser, lab_server):
    """A fresh browser page; on failure its screenshot, HTML and the server log go to tests/.artifacts/."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    report = getattr(request.node, "report_call", None)
    failed = report is None or report.failed
    if failed or os.environ.get("E2E_SCREENSHOTS"):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        stem = _artifact_stem(request.node.nodeid)
        try:
            page.screenshot(path=str(ARTIFACTS / f"{stem}.png"), full_page=False)
            if failed:
                (ARTIFACTS / f"{stem}.html").write_text(page.content())
        except Exception as error:  # the page may have crashed: keep what we can
            (ARTIFACTS / f"{stem}.error.txt").write_text(repr(error))
        if failed:
            (ARTIFACTS / f"{stem}.server.log").write_text(lab_server.log_tail(200_000))
            print(f"screenshot, page HTML and server log: {ARTIFACTS / stem}.*")
    context.close()
    try:
        lab_server.shutdown_kernels()
    except OSError:
        pass
