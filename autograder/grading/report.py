"""``report.html``: the instructor's overview of a graded class, one self-contained file.

For each chapter in play: a histogram of the scores (matplotlib, embedded as a
PNG data URI, so the file opens from disk with no server), each exercise's pass
rate and mean score, the most frequent failure messages per exercise (the
class's misconceptions), and the learners who need a look (any status but
``graded``, or graded with a reason such as a restored test cell) with the reason and a link to their feedback. Everything is read
back from the gradebook (overrides included), the status file and the
autograded notebooks, so the report always covers the whole class, not only the
learners of the last run. Learner text is escaped (jinja2 autoescape).
"""

import base64
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .course import chapter_title
from .grades import chapters_in_play
from .scores import exercises, feedback_path, results

TEMPLATE = Path(__file__).parent / "templates" / "report.html.j2"
TOP_MESSAGES = 3


@dataclass
class ExerciseStats:
    title: str
    points: float
    attempts: int = 0
    passed: int = 0
    total: float = 0.0
    messages: Counter = field(default_factory=Counter)

    @property
    def pass_rate(self):
        return self.passed / self.attempts if self.attempts else 0.0

    @property
    def mean(self):
        return self.total / self.attempts if self.attempts else 0.0

    def top_messages(self, n=TOP_MESSAGES):
        return self.messages.most_common(n)


@dataclass
class ChapterStats:
    name: str
    title: str
    max_score: float
    scores: list = field(default_factory=list)          # final scores of submissions with one
    exercises: list = field(default_factory=list)       # ExerciseStats, in notebook order
    flagged: list = field(default_factory=list)         # (learner, status, reason, feedback link or "")
    counts: Counter = field(default_factory=Counter)    # status -> learners
    workers: Counter = field(default_factory=Counter)   # Dask worker -> submissions it executed (--scheduler)
    histogram: str = ""                                 # data URI of the PNG


def chapter_stats(gb, out_dir, chapter, statuses):
    """The statistics of one chapter, from gradebook ``gb`` and the status file's entries."""
    from nbgrader.api import MissingEntry

    stats = ChapterStats(chapter.name, chapter_title(chapter), chapter.max_score)
    by_id = {e.grade_id: ExerciseStats(e.title, e.points) for e in exercises(chapter)}
    learners = sorted({s.student.id for s in gb.assignment_submissions(chapter.name)}
                      | {name for name, entry in statuses.items() if chapter.name in entry})
    for learner in learners:
        entry = statuses.get(learner, {}).get(chapter.name) or {"status": "graded", "reasons": []}
        status = entry["status"]
        stats.counts[status] += 1
        if entry.get("worker"):
            stats.workers[entry["worker"]] += 1
        link = feedback_path(out_dir, chapter, learner)
        if status != "graded" or entry.get("reasons"):   # graded, but with a restored test cell, say
            stats.flagged.append((learner, status, "; ".join(entry.get("reasons", [])),
                                  str(link.relative_to(out_dir)) if link.exists() else ""))
        if status in ("unreadable", "missing"):
            continue
        try:
            sub = gb.find_submission(chapter.name, learner)
        except MissingEntry:
            continue
        stats.scores.append(float(sub.score) - float(sub.late_submission_penalty or 0))
        for result in results(gb, out_dir, chapter, learner):
            ex = by_id[result.exercise.grade_id]
            ex.attempts += 1
            ex.total += result.score or 0.0
            if result.score is not None and result.score >= result.exercise.points > 0:
                ex.passed += 1
            elif result.message and result.verdict != "correct":
                ex.messages[result.message] += 1
    stats.exercises = list(by_id.values())
    return stats


def histogram(scores, max_score, title):
    """A PNG data URI of the score histogram (matplotlib, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 2.6), dpi=100)
    axes = figure.subplots()
    bins = max(1, min(20, int(max_score) or 1))
    axes.hist(scores, bins=bins, range=(0, max_score or 1), color="#3b6ea5", edgecolor="white")
    axes.set_xlabel("score")
    axes.set_ylabel("learners")
    axes.set_title(title, fontsize=10)
    axes.yaxis.get_major_locator().set_params(integer=True)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def report_html(db_url, out_dir, chapters, statuses):
    """The whole report page, as text."""
    import jinja2
    from nbgrader.api import Gradebook

    out_dir = Path(out_dir)
    with Gradebook(db_url) as gb:
        in_play = chapters_in_play(gb, chapters, statuses)
        stats = [chapter_stats(gb, out_dir, c, statuses) for c in in_play]
    for chapter in stats:
        chapter.histogram = histogram(chapter.scores, chapter.max_score, f"{chapter.name}: scores out of "
                                      f"{chapter.max_score:g} ({len(chapter.scores)} learners)")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                             loader=jinja2.FileSystemLoader(TEMPLATE.parent))
    return env.get_template(TEMPLATE.name).render(
        chapters=stats, generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
