"""Make sure a Chromium for the browser tests exists (Debian's package).

``make test`` runs this before pytest. As root it installs ``chromium`` with
apt-get when it is missing; otherwise it only reports, and the e2e tests skip
with that reason. Never downloads a browser build of its own.
"""

import os
import shutil
import subprocess
import sys

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def find_chromium():
    """Path of a usable Chromium, or None."""
    for path in CANDIDATES:
        if os.access(path, os.X_OK):
            return path
    return shutil.which("chromium")


def ensure_chromium():
    """Return a Chromium path, installing Debian's package as root when needed."""
    path = find_chromium()
    if path or not apt_install("chromium"):
        return path
    return find_chromium()


def apt_install(package):
    """Install Debian's ``package`` with apt-get, as root only; False where that cannot be tried."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return False
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
    subprocess.run(["apt-get", "install", "-y", "-qq", package], env=env, check=False,
                   stdout=subprocess.DEVNULL)
    return True


if __name__ == "__main__":
    found = ensure_chromium()
    print(f"chromium: {found or 'not available (browser tests will skip)'}", file=sys.stderr)
