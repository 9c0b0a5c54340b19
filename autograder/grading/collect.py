"""Finding submissions: ``submitted/<learner>/<chapter>/`` folders or an LMS zip.

A zip may hold the same folder layout (``[...]/<learner>/<chapter>/<topic>.ipynb``)
or flat LMS file names, matched with nbgrader's zip-collect plugin
(``FileNameCollectorPlugin``) against :data:`LMS_REGEXP`, e.g.
``01_tensors_alice_attempt_2024-05-01-10-00-00_tensors.ipynb``; when several
attempts are present the latest timestamp wins. Nothing is ever deleted:
archives are extracted into a scratch folder.
"""

import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

LMS_REGEXP = (r"(?:(?P<chapter>\d\d_[A-Za-z0-9]+)_)?(?P<student_id>[A-Za-z0-9.\-]+)"
              r"_attempt_(?P<timestamp>[0-9\-]+)_(?P<file_id>.+)")
LEARNER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


@dataclass
class Submission:
    learner: str
    chapter: str
    notebook: Path | None          # the notebook to grade (None: none found)
    folder: Path | None = None     # its folder (other files are copied next to it)
    notes: list = field(default_factory=list)


def _pick_notebook(folder, topic):
    expected = folder / f"{topic}.ipynb"
    if expected.exists():
        return expected, []
    others = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    if len(others) == 1:
        return others[0], [f"graded {others[0].name} (expected {topic}.ipynb)"]
    return None, [f"no {topic}.ipynb in the submission"
                  + (f" (found {', '.join(p.name for p in others)})" if others else "")]


def from_folder(root, chapters):
    """Submissions under ``root/<learner>/<chapter>/``."""
    root = Path(root)
    topics = {c.name: c.topic for c in chapters}
    found = []
    for learner_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for chapter_dir in sorted(p for p in learner_dir.iterdir() if p.is_dir()):
            if chapter_dir.name not in topics:
                continue
            notebook, notes = _pick_notebook(chapter_dir, topics[chapter_dir.name])
            found.append(Submission(learner_dir.name, chapter_dir.name, notebook, chapter_dir, notes))
    return found


def from_zip(archive, chapters, scratch):
    """Submissions in an LMS zip, extracted under ``scratch`` (a fresh folder)."""
    from nbgrader.plugins import FileNameCollectorPlugin

    scratch = Path(scratch)
    extracted = scratch / "extracted"
    if extracted.exists():
        shutil.rmtree(extracted)
    extracted.mkdir(parents=True)
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            name = Path(info.filename)
            if info.is_dir() or name.is_absolute() or ".." in name.parts:
                continue
            zf.extract(info, extracted)
    by_name = {c.name: c for c in chapters}
    by_topic = {c.topic: c for c in chapters}
    collector = FileNameCollectorPlugin(named_regexp=LMS_REGEXP)
    chosen = {}   # (learner, chapter) -> (timestamp, path)
    folders = set()
    for path in sorted(p for p in extracted.rglob("*") if p.is_file()):
        rel = path.relative_to(extracted)
        if any(part.startswith(("__MACOSX", ".")) for part in rel.parts):
            continue
        if len(rel.parts) >= 3 and rel.parts[-2] in by_name:
            folders.add(path.parent)
            continue
        info = collector.collect(path.name)
        if not info:
            continue
        chapter = by_name.get(info.get("chapter") or "") or by_topic.get(Path(info["file_id"]).stem)
        if chapter is None:
            continue
        key = (info["student_id"], chapter.name)
        stamp = info.get("timestamp") or ""
        if key not in chosen or stamp >= chosen[key][0]:
            chosen[key] = (stamp, path)
    found = []
    for folder in sorted(folders):
        chapter = by_name[folder.name]
        notebook, notes = _pick_notebook(folder, chapter.topic)
        found.append(Submission(folder.parent.name, chapter.name, notebook, folder, notes))
    for (learner, chapter_name), (stamp, path) in sorted(chosen.items()):
        found.append(Submission(learner, chapter_name, path, None,
                                [f"from {path.name}"] if stamp else []))
    return found


def collect(submissions, chapters, scratch):
    """All submissions in a folder or zip, for the given chapters."""
    submissions = Path(submissions)
    if submissions.is_file() and zipfile.is_zipfile(submissions):
        found = from_zip(submissions, chapters, scratch)
    elif submissions.is_dir():
        found = from_folder(submissions, chapters)
    else:
        raise FileNotFoundError(f"{submissions}: neither a submissions folder nor a zip file")
    for sub in found:
        if not LEARNER_RE.match(sub.learner):
            sub.notebook = None
            sub.notes = [f"learner name {sub.learner!r} is not usable as a gradebook id"]
    return found
