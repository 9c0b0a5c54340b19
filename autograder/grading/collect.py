"""Finding submissions: ``submitted/<learner>/<chapter>/`` folders or an LMS zip.

A zip may hold the same folder layout (``[...]/<learner>/<chapter>/<topic>.ipynb``)
or flat LMS file names as nbgrader's zip-collect names them, e.g.
``01_tensors_ana.b@uni.edu_attempt_2024-05-01-10-00-00_tensors.ipynb``
(:func:`lms_regexp` knows the chapter names, so a learner id may hold ``_ @ + .``).
Exactly one attempt per learner and chapter is graded: the latest by timestamp
(a folder entry's timestamp is its zip entry's date), ties broken by name; the
others are listed in the submission's notes.

Nothing a submission names is followed: folders and files are looked at with
``lstat`` and opened with ``O_NOFOLLOW`` (:func:`read_regular`); a symbolic
link, device, FIFO or socket is refused with a reason, and so is a zip entry
that is a link or lies outside the archive. Data files next to a notebook are
copied (the same way) into the grader's work folder before a kernel sees them.
A zip with too many entries or too many unpacked bytes is refused as a whole
(:class:`ArchiveRefused`). Nothing is ever deleted: archives are extracted into
a scratch folder.
"""

import errno
import os
import re
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

LEARNER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+\-]{0,99}$")
TIMESTAMP = r"[0-9]{4}(?:-[0-9]{1,2}){5}(?:[.-][0-9]+)?"
MAX_NOTEBOOK_BYTES = 50 * 1024**2       # a submitted notebook
MAX_DATA_FILE_BYTES = 50 * 1024**2      # one data file next to it
MAX_DATA_FILES = 50                     # data files per submission
MAX_ZIP_ENTRIES = 20_000
MAX_ZIP_BYTES = 2 * 1024**3             # unpacked, all entries together


class Refused(Exception):
    """A path that is not a plain file under the submission root; the message says why."""


class ArchiveRefused(ValueError):
    """The zip as a whole cannot be used (too many entries, too large: a zip bomb?)."""


@dataclass
class Submission:
    learner: str
    chapter: str
    notebook: Path | None          # the notebook to grade (None: none found)
    folder: Path | None = None     # its folder
    notes: list = field(default_factory=list)
    root: Path | None = None       # nothing outside it is read
    files: list = field(default_factory=list)   # data files, already copied by the grader
    refused: str = ""              # why the notebook cannot be used (a link, a device, ...)
    timestamp: str = ""            # when it was submitted (timestamp.txt, LMS name or zip entry date), UTC


# ------------------------------------------------------------------ reading without following links

def _kind(mode):
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_regular(path, root):
    """``lstat`` of ``path`` after checking that no component below ``root`` is a link."""
    path, root = Path(os.path.abspath(path)), Path(os.path.realpath(root))
    try:
        rel = path.relative_to(root)
    except ValueError:
        raise Refused(f"{path.name} lies outside the submissions") from None
    current = root
    for index, part in enumerate(rel.parts):
        current = current / part
        try:
            st = os.lstat(current)
        except OSError as error:
            raise Refused(f"cannot read {part}: {error.strerror}") from None
        last = index == len(rel.parts) - 1
        if stat.S_ISLNK(st.st_mode) or (not last and not stat.S_ISDIR(st.st_mode)):
            raise Refused(f"{part} is {_kind(st.st_mode)}: refused (only plain files are graded)")
        if last and not stat.S_ISREG(st.st_mode):
            raise Refused(f"{part} is {_kind(st.st_mode)}: refused (only plain files are graded)")
    if os.path.realpath(path) != str(path):
        raise Refused(f"{path.name} does not resolve to itself: refused")
    return st


def read_regular(path, root, max_bytes):
    """The bytes of a plain file under ``root``, opened with ``O_NOFOLLOW``; :class:`Refused` else."""
    check_regular(path, root)
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise Refused(f"{Path(path).name} is a symbolic link: refused") from None
        raise Refused(f"cannot read {Path(path).name}: {error.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        st = os.fstat(handle.fileno())
        if not stat.S_ISREG(st.st_mode):   # swapped after the check
            raise Refused(f"{Path(path).name} is {_kind(st.st_mode)}: refused")
        if st.st_size > max_bytes:
            raise Refused(f"{Path(path).name} is larger than {max_bytes >> 20} MiB")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise Refused(f"{Path(path).name} is larger than {max_bytes >> 20} MiB")
    return data


def _entries(folder):
    """The entries of ``folder`` by name, hidden ones (``.x``, ``__MACOSX``) left out; [] if unreadable."""
    try:
        return sorted((e for e in os.scandir(folder) if not e.name.startswith((".", "__MACOSX"))),
                      key=lambda e: e.name)
    except OSError:
        return []


def _stage_files(folder, root, dest, notes):
    """Copy the plain data files of a submission folder into ``dest`` (the grader's own copies)."""
    copied = []
    for entry in _entries(folder):
        if entry.name.endswith(".ipynb"):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if stat.S_ISDIR(st.st_mode):
            continue
        if len(copied) >= MAX_DATA_FILES:
            notes.append(f"more than {MAX_DATA_FILES} data files: the rest are not copied")
            break
        try:
            data = read_regular(entry.path, root, MAX_DATA_FILE_BYTES)
        except Refused as error:
            notes.append(f"data file not copied: {error}")
            continue
        if not copied and dest.exists():
            shutil.rmtree(dest)   # the grader's own copies from an earlier run
        dest.mkdir(parents=True, exist_ok=True)
        target = dest / entry.name
        target.write_bytes(data)
        copied.append(target)
    return copied


# ------------------------------------------------------------------ folders

def _lexists_regular(path):
    try:
        return not stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _pick_notebook(folder, topic):
    expected = folder / f"{topic}.ipynb"
    if _lexists_regular(expected):
        return expected, []
    others = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith(".") and _lexists_regular(p))
    if len(others) == 1:
        return others[0], [f"graded {others[0].name} (expected {topic}.ipynb)"]
    return None, [f"no {topic}.ipynb in the submission"
                  + (f" (found {', '.join(p.name for p in others)})" if others else "")]


def _subfolders(path):
    """(name, path, link?) of the folders in ``path``, links included and flagged, never followed."""
    found = []
    for entry in _entries(path):
        if entry.is_symlink():
            found.append((entry.name, Path(entry.path), True))
        elif entry.is_dir(follow_symlinks=False):
            found.append((entry.name, Path(entry.path), False))
    return found


TIMESTAMP_FILE = "timestamp.txt"   # nbgrader's: when the learner submitted


def _timestamp_file(folder, root, notes):
    """The text of nbgrader's ``timestamp.txt`` in ``folder`` ("" if none or unreadable, with a note)."""
    path = Path(folder) / TIMESTAMP_FILE
    if not os.path.lexists(path):
        return ""
    try:
        return read_regular(path, root, 1024).decode("utf-8", "replace").strip()
    except Refused as why:
        notes.append(f"{TIMESTAMP_FILE} not used: {why}")
        return ""


def from_folder(root, chapters, work=None):
    """Submissions under ``root/<learner>/<chapter>/``."""
    root = Path(os.path.realpath(root))
    topics = {c.name: c.topic for c in chapters}
    found = []
    for learner, learner_dir, learner_link in _subfolders(root):
        if learner_link:
            found.append(Submission(learner, "", None, None, root=root,
                                    refused=f"{learner}/ is a symbolic link: refused"))
            continue
        for chapter, chapter_dir, link in _subfolders(learner_dir):
            if chapter not in topics:
                continue
            if link:
                found.append(Submission(learner, chapter, None, None, root=root,
                                        refused=f"{learner}/{chapter}/ is a symbolic link: refused"))
                continue
            notebook, notes = _pick_notebook(chapter_dir, topics[chapter])
            sub = Submission(learner, chapter, notebook, chapter_dir, notes, root=root)
            sub.timestamp = _timestamp_file(chapter_dir, root, sub.notes)
            if work is not None:
                sub.files = _stage_files(chapter_dir, root, Path(work) / "files" / learner / chapter, sub.notes)
            found.append(sub)
    return found


# ------------------------------------------------------------------ LMS zips

def lms_regexp(chapters):
    """nbgrader zip-collect's file names, the chapter prefix matched against the real chapter names."""
    names = "|".join(re.escape(c.name) for c in sorted(chapters, key=lambda c: -len(c.name)))
    return (rf"^(?:(?P<chapter>{names})_)?(?P<student_id>.+)"
            rf"_attempt_(?P<timestamp>{TIMESTAMP})_(?P<file_id>[^/]+)$")


def _stamp_key(stamp):
    return tuple(int(n) for n in re.findall(r"\d+", stamp or ""))


def _points_outside(name):
    """True for a zip entry name that would land outside the folder it is extracted to (``/``, ``..``, ``\\``)."""
    parts = Path(name).parts
    return name.startswith("/") or ".." in parts or "\\" in name or not parts


def _entry_mode(info):
    return info.external_attr >> 16 if info.create_system == 3 else 0   # 3: made on Unix


def _extract(archive, extracted, *, max_entries, max_bytes):
    """Extract plain-file entries; returns {relative path: reason} for the refused ones."""
    refused = {}
    with zipfile.ZipFile(archive) as zf:
        infos = zf.infolist()
        if len(infos) > max_entries:
            raise ArchiveRefused(f"{Path(archive).name} has {len(infos)} entries, more than the "
                                 f"{max_entries} allowed: refused (a zip bomb?)")
        declared = sum(i.file_size for i in infos)
        if declared > max_bytes:
            raise ArchiveRefused(f"{Path(archive).name} unpacks to {declared / 1024**2:.0f} MiB, more than "
                                 f"the {max_bytes / 1024**2:.0f} MiB allowed: refused (a zip bomb?)")
        written = 0
        for info in infos:
            name = info.filename
            parts = Path(name).parts
            if info.is_dir():
                continue
            if _points_outside(name):
                refused[name] = f"zip entry {name!r} points outside the archive: refused"
                continue
            mode = _entry_mode(info)
            if stat.S_IFMT(mode) not in (0, stat.S_IFREG):   # 0: no file type recorded, a plain file
                refused[name] = f"zip entry {Path(name).name} is {_kind(mode)}: refused"
                continue
            target = extracted.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            with zf.open(info) as src, os.fdopen(fd, "wb") as dst:
                while True:
                    chunk = src.read(1024 * 1024)
                    if not chunk:
                        break
                    written += len(chunk)
                    if written > max_bytes:
                        raise ArchiveRefused(f"{Path(archive).name} unpacks to more than "
                                             f"{max_bytes / 1024**2:.0f} MiB: refused (a zip bomb?)")
                    dst.write(chunk)
            os.utime(target, (0, 0))
    return refused


def from_zip(archive, chapters, scratch, *, max_entries=MAX_ZIP_ENTRIES, max_bytes=MAX_ZIP_BYTES):
    """Submissions in an LMS zip, extracted under ``scratch`` (a fresh folder)."""
    scratch = Path(scratch)
    extracted = scratch / "extracted"
    if extracted.exists():
        shutil.rmtree(extracted)
    extracted.mkdir(parents=True)
    refused = _extract(archive, extracted, max_entries=max_entries, max_bytes=max_bytes)
    with zipfile.ZipFile(archive) as zf:
        dates = {i.filename: "-".join(f"{n:02d}" for n in i.date_time) for i in zf.infolist()}
    by_name = {c.name: c for c in chapters}
    by_topic = {c.topic: c for c in chapters}
    pattern = re.compile(lms_regexp(chapters))
    attempts = {}   # (learner, chapter) -> [(stamp key, label, Submission)]
    names = sorted({str(p.relative_to(extracted)) for p in extracted.rglob("*") if p.is_file()} | set(refused))
    folders_done = set()
    outside = sorted(n for n in refused if _points_outside(n))   # no learner, folder or stamp is read from these
    for rel in names:
        if rel in refused and _points_outside(rel):
            continue
        parts = Path(rel).parts
        if any(part.startswith(("__MACOSX", ".")) for part in parts):
            continue
        if len(parts) >= 3 and parts[-2] in by_name:           # [...]/<learner>/<chapter>/<file>
            folder = extracted.joinpath(*parts[:-1])
            if folder in folders_done:
                continue
            folders_done.add(folder)
            learner, chapter = parts[-3], by_name[parts[-2]]
            prefix = "/".join(parts[:-1]) + "/"
            mine = {n: why for n, why in refused.items() if n.startswith(prefix) and "/" not in n[len(prefix):]}
            notebook, notes = _pick_notebook(folder, chapter.topic)
            sub = Submission(learner, chapter.name, notebook, folder, notes, root=extracted)
            wanted = f"{prefix}{chapter.topic}.ipynb"
            if wanted in mine:
                sub.notebook, sub.refused = None, mine.pop(wanted)
            sub.notes.extend(mine.values())
            sub.files = _stage_files(folder, extracted, scratch / "files" / learner / chapter.name, sub.notes)
            stamp = max((d for n, d in dates.items() if n.startswith(prefix) and "/" not in n[len(prefix):]),
                        default="")
            sub.timestamp = _timestamp_file(folder, extracted, sub.notes) or stamp
            attempts.setdefault((learner, chapter.name), []).append((_stamp_key(stamp), rel, sub))
            continue
        match = pattern.match(parts[-1])
        if not match:
            continue
        info = match.groupdict()
        chapter = by_name.get(info.get("chapter") or "") or by_topic.get(Path(info["file_id"]).stem)
        if chapter is None:
            continue
        path = extracted / rel
        sub = Submission(info["student_id"], chapter.name, None if rel in refused else path, None, [],
                         root=extracted, refused=refused.get(rel, ""), timestamp=info["timestamp"])
        attempts.setdefault((sub.learner, chapter.name), []).append((_stamp_key(info["timestamp"]), rel, sub))
    found = []
    for key in sorted(attempts):
        ranked = sorted(attempts[key], key=lambda a: (a[0], a[1]))
        *older, (_stamp, label, chosen) = ranked
        if older:
            chosen.notes.insert(0, f"graded the latest of {len(ranked)} attempts ({label}); not graded: "
                                   + ", ".join(a[1] for a in older))
        elif chosen.folder is None and chosen.notebook is not None:
            chosen.notes.insert(0, f"from {Path(label).name}")
        found.append(chosen)
    found += [Submission(name, "", None, refused=refused[name]) for name in outside]   # rejected, with the reason
    return found


def collect(submissions, chapters, scratch):
    """``(submissions, rejected)`` in a folder or zip, for the given chapters.

    ``rejected`` lists ``(name, reason)`` for learner names that cannot be gradebook
    ids, linked learner folders and zip entries that point outside the archive: they
    never become rows of grades.csv or the status file.
    """
    submissions = Path(submissions)
    if submissions.is_file() and zipfile.is_zipfile(submissions):
        found = from_zip(submissions, chapters, scratch)
    elif submissions.is_dir():
        found = from_folder(submissions, chapters, scratch)
    else:
        raise FileNotFoundError(f"{submissions}: neither a submissions folder nor a zip file")
    kept, rejected = [], []
    for sub in found:
        if not sub.chapter:   # a learner folder that is a link, a zip entry outside the archive: no chapter
            rejected.append((sub.learner, sub.refused))
        elif not LEARNER_RE.match(sub.learner):
            rejected.append((sub.learner, "not usable as a gradebook id (letters, digits and _ . @ + - only, "
                                          "starting with a letter or digit)"))
        else:
            kept.append(sub)
    return kept, sorted(set(rejected))
