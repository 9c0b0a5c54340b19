"""System accounts of a hub's class: one Unix user per roster row, whose home only they can read.

JupyterHub's PAM authenticator checks these users' passwords, and LocalProcessSpawner starts
each person's JupyterLab as their own user, so the kernel's rights are that user's rights.
"""

import json
import os
import pwd
import subprocess
from pathlib import Path

from .config import learner_nbgrader_config, learner_page_config


class AccountError(RuntimeError):
    """An account that could not be made or removed; the message says what the system answered."""


def _run(command, *, stdin=None):
    done = subprocess.run(command, input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        raise AccountError(f"{' '.join(command[:2])}...: {(done.stderr or done.stdout).strip()}")
    return done


def exists(user_id):
    """Whether a system user ``user_id`` exists."""
    try:
        pwd.getpwnam(user_id)
    except KeyError:
        return False
    return True


def home_of(user_id):
    """The home folder of system user ``user_id``."""
    return Path(pwd.getpwnam(user_id).pw_dir)


def _write_owned(path, text, entry, mode=0o644):
    """Write ``path`` in a user's home; it and the folders made for it belong to that user."""
    home = Path(entry.pw_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    part = path
    while part != home and home in part.parents:
        os.chown(part, entry.pw_uid, entry.pw_gid)
        part = part.parent


def ensure_account(person, *, exchange, course_dir=None, password=None):
    """Create ``person``'s system user if missing (a private home, mode 0700), set ``password`` if
    given, and write the nbgrader and JupyterLab settings of their role and edition into their home.
    Returns True when the user was created."""
    created = not exists(person.id)
    if created:
        _run(["useradd", "--create-home", "--user-group", "--shell", "/bin/bash",
              "--comment", person.name.replace(":", " ").replace(",", " "), person.id])
    entry = pwd.getpwnam(person.id)
    home = Path(entry.pw_dir)
    home.chmod(0o700)
    if password is not None:
        _run(["chpasswd"], stdin=f"{person.id}:{password}\n")
    jupyter = home / ".jupyter"
    _write_owned(jupyter / "nbgrader_config.py", learner_nbgrader_config(person, exchange, course_dir), entry)
    _write_owned(jupyter / "labconfig" / "page_config.json", json.dumps(learner_page_config(person), indent=1), entry)
    return created


def remove_account(user_id):
    """Remove system user ``user_id`` and their home (their processes must have ended)."""
    if exists(user_id):
        _run(["userdel", "--remove", user_id])


def can_read(user_id, path):
    """Whether system user ``user_id`` can read ``path`` (asked as that user, not reasoned about)."""
    done = subprocess.run(["runuser", "-u", user_id, "--", "cat", str(path)], capture_output=True)
    return done.returncode == 0
