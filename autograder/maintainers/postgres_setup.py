"""Make sure a PostgreSQL server for the gradebook tests exists (Debian's ``postgresql``).

``make test`` runs this before pytest, as it does ``browser_setup``. As root it
installs the package with apt-get when it is missing; otherwise it only reports,
and the PostgreSQL tests skip with that reason. The tests start a throwaway
server of their own (tests/postgres.py); the package's own cluster is not used.
"""

import shutil
import sys
from pathlib import Path

from .browser_setup import apt_install


def find_postgres_bin():
    """The folder of ``initdb`` and ``pg_ctl`` (the newest Debian version first), or None."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                      key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    if versions:
        return versions[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def ensure_postgres():
    """Return the PostgreSQL bin folder, installing Debian's package as root when needed."""
    found = find_postgres_bin()
    if found or not apt_install("postgresql"):
        return found
    return find_postgres_bin()


if __name__ == "__main__":
    found = ensure_postgres()
    print(f"postgresql: {found or 'not available (PostgreSQL gradebook tests will skip)'}", file=sys.stderr)
