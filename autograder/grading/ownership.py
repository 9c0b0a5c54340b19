"""What root writes into someone else's folder becomes that folder owner's.

An instructor's course folder graded with ``sudo course grade`` (the hub's way: the sandbox needs
root) must stay theirs: formgrader and ``course override`` run as the instructor and write the
gradebook, the CSVs and the feedback pages again.
"""

import os
from pathlib import Path


def give_to_folder_owner(folder, paths=None):
    """As root, hand ``paths`` (default: ``folder`` itself), with everything under them, to ``folder``'s
    owner; links are changed, never followed. A no-op for an ordinary user or a folder root owns."""
    folder = Path(folder)
    if os.geteuid() != 0 or not folder.is_dir():
        return
    owner = folder.stat()
    if owner.st_uid == 0:
        return
    for path in paths if paths is not None else [folder]:
        path = Path(path)
        if not os.path.lexists(path):
            continue
        tops = [(str(path), [], [])] if path.is_symlink() or not path.is_dir() else os.walk(path)
        for top, dirs, files in tops:
            for name in (top, *(os.path.join(top, entry) for entry in dirs + files)):
                os.lchown(name, owner.st_uid, owner.st_gid)
