"""A throwaway PostgreSQL server for tests: ``initdb`` in a temporary folder, on a Unix socket only.

The server listens on no TCP port (``listen_addresses`` is empty): its socket lies in its own
temporary folder, so no port is chosen, freed and then taken by someone else before it binds.

PostgreSQL refuses to run as root: as root the server runs as Debian's ``postgres``
system user (the package creates it), otherwise as the caller. Trust authentication,
no fsync; everything is removed afterwards.
"""

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from autograder.maintainers.postgres_setup import find_postgres_bin
from needs import need


@contextlib.contextmanager
def throwaway_postgres():
    """Yield the URL (``postgresql://grader@/postgres?host=SOCKET_FOLDER``) of a fresh server."""
    bin_dir = find_postgres_bin()
    if bin_dir is None:
        need(False, "PostgreSQL is not installed (make test installs Debian's postgresql as root)")
    folder = Path(tempfile.mkdtemp(prefix="course-pg-"))
    as_user = []
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    folder.chmod(0o700)
    data = folder / "data"

    def run(*argv):
        result = subprocess.run([*as_user, *argv], capture_output=True, text=True, timeout=120)
        if result.returncode:
            raise RuntimeError(f"{' '.join(map(str, argv))} failed:\n{result.stdout}{result.stderr}")

    try:
        run(bin_dir / "initdb", "-D", data, "-U", "grader", "--auth=trust", "--no-sync", "-E", "UTF8")
        run(bin_dir / "pg_ctl", "-D", data, "-l", folder / "server.log", "-w", "-t", "60", "start",
            "-o", f"-c listen_addresses='' -k {folder} -F")
        yield f"postgresql://grader@/postgres?host={folder}"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run([*as_user, bin_dir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"],
                           capture_output=True, timeout=60)
        for _ in range(20):   # the server's files go with it
            if not (data / "postmaster.pid").exists():
                break
            time.sleep(0.1)
        shutil.rmtree(folder, ignore_errors=True)
