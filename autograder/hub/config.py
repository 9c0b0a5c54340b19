"""Configuration files of a hub: JupyterHub's, and each person's nbgrader and JupyterLab settings."""

import sys
from pathlib import Path

from ..learner.i18n import SOURCE_LANGUAGE
from ..paths import REPO_ROOT

COURSE_ID = "pytorch-course"
PROXY = REPO_ROOT / "node_modules" / ".bin" / "configurable-http-proxy"
# The course's venv hides all of nbgrader's Lab parts but Validate (a learner on their own machine has no
# exchange); on a hub every learner gets the Assignments panel and its menu, the instructors everything.
HUB_EXTENSIONS = ("@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:menu")
INSTRUCTOR_ONLY_EXTENSIONS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:course-list",
                              "@jupyter/nbgrader:create-assignment")


def course_id(edition):
    """The exchange's course of an edition: ``pytorch-course`` (English), ``pytorch-course-zh``, ..."""
    return COURSE_ID if edition == SOURCE_LANGUAGE else f"{COURSE_ID}-{edition}"


def learner_nbgrader_config(person, exchange, course_dir=None):
    """``~/.jupyter/nbgrader_config.py`` of ``person``: their edition's course on the hub's exchange."""
    lines = ["# Written by `course hub add-learners`: this account's course on the hub's nbgrader exchange.",
             "c = get_config()",
             f"c.CourseDirectory.course_id = {course_id(person.edition)!r}",
             f"c.Exchange.root = {str(exchange)!r}"]
    if person.is_instructor and course_dir is not None:
        lines.append(f"c.CourseDirectory.root = {str(course_dir)!r}")
    return "\n".join(lines) + "\n"


def learner_page_config(person):
    """``~/.jupyter/labconfig/page_config.json``: the Assignments panel for all, nbgrader's instructor
    panels for instructors only (it is first on JUPYTER_CONFIG_PATH, so it wins over the venv's)."""
    switches = {name: False for name in HUB_EXTENSIONS}
    switches.update({name: not person.is_instructor for name in INSTRUCTOR_ONLY_EXTENSIONS})
    return {"disabledExtensions": switches}


def hub_config(*, state, people, ip="127.0.0.1", port=8000, venv_bin=None, hub_port=8081, proxy_api_port=8001):
    """The text of ``jupyterhub_config.py`` for a class: PAM logins of the roster's accounts, each
    person's JupyterLab started from the course's venv as their own system user. ``hub_port`` and
    ``proxy_api_port`` are loopback ports of the hub's own API and the proxy's."""
    venv_bin = Path(venv_bin or Path(sys.executable).parent)
    allowed = sorted(p.id for p in people)
    admins = sorted(p.id for p in people if p.is_instructor)
    state = Path(state)
    return f'''\
# Written by `course hub` (autograder/hub/config.py); rewritten at every start, edit the roster instead.
import os
import pwd

c = get_config()
c.JupyterHub.bind_url = "http://{ip}:{port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.JupyterHub.db_url = "sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = "{state / 'jupyterhub_cookie_secret'}"
c.JupyterHub.pid_file = "{state / 'jupyterhub.pid'}"
c.ConfigurableHTTPProxy.command = ["{PROXY}"]
c.ConfigurableHTTPProxy.pid_file = "{state / 'proxy.pid'}"
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

# Logins: the system users `course hub add-learners` made (PAM checks their passwords).
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.open_sessions = False
c.Authenticator.allowed_users = {set(allowed)!r}
c.Authenticator.admin_users = {set(admins)!r}

# Each person's JupyterLab runs as their own system user, from the course's venv, in their home.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = ["{venv_bin / 'jupyterhub-singleuser'}"]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.args = ["--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 120
c.Spawner.environment = {{
    "PATH": "{venv_bin}:/usr/local/bin:/usr/bin:/bin",
    "JUPYTER_PREFER_ENV_PATH": "1",
    # the person's own config (their course, their Lab panels) comes first, before the venv's
    "JUPYTER_CONFIG_DIR": lambda spawner: os.path.join(pwd.getpwnam(spawner.user.name).pw_dir, ".jupyter"),
    "JUPYTER_CONFIG_PATH": lambda spawner: os.path.join(pwd.getpwnam(spawner.user.name).pw_dir, ".jupyter"),
    "OMP_NUM_THREADS": "1",
}}
'''
