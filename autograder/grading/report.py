"""``report.html``: the instructor's overview of a graded class, one self-contained file.

For each chapter in play: a histogram of the scores (matplotlib, one bar per whole
point, drawn at the page's width and embedded as a PNG data URI, so the file opens
from disk with no server), each exercise's pass rate and mean score, the most
frequent failure messages per exercise (the class's misconceptions), and the
learners who need a look with the reason and a link to their feedback: any status
but ``graded``, graded with a reason such as a restored test cell, nothing
attempted, or a score under ``LOW_SCORE`` of the chapter's points. Everything is read
back from the gradebook (overrides included), the status file and the
autograded notebooks, so the report always covers the whole class, not only the
learners of the last run. Learner text is escaped (jinja2 autoescape). The page speaks the
instructor's language (``instructor_language``): its own words, the chapter's edition's titles,
status words and the reasons that come from message keys; learners' failure messages stay in
their edition's language.
"""

import base64
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..learner.i18n import SOURCE_LANGUAGE, current_language, speaking
from ..learner.messages import message
from .course import chapter_title
from .grades import chapters_in_play
from .instructor_language import shown_reasons, status_word
from .scores import exercises, feedback_path, results

TEMPLATE = Path(__file__).parent / "templates" / "report.html.j2"
TOP_MESSAGES = 3
LOW_SCORE = 0.5   # a graded learner under this share of a chapter's points needs a look


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
    flagged: list = field(default_factory=list)         # (learner, status word, score or "", reasons, feedback link)
    counts: Counter = field(default_factory=Counter)    # status -> learners
    workers: Counter = field(default_factory=Counter)   # Dask worker -> submissions it executed (--scheduler)
    histogram: str = ""                                 # data URI of the PNG


def learning_reasons(score, max_score, verdicts, low_score=LOW_SCORE):
    """Why a learner's work needs a look, apart from how grading went: nothing attempted, or a score
    under ``low_score`` of the chapter's points (in the current language). ``verdicts`` are the
    learner's exercise verdicts."""
    if verdicts and all(v == "not attempted" for v in verdicts):
        return [message("reason_attempted_nothing", count=len(verdicts))]
    if max_score and score < low_score * max_score:
        return [message("reason_low_score", score=f"{score:g}", max_score=f"{max_score:g}", share=f"{low_score:.0%}")]
    return []


def chapter_stats(gb, out_dir, chapter, statuses, low_score=LOW_SCORE):
    """The statistics of one chapter, from gradebook ``gb`` and the status file's entries, in the
    current language; a graded learner under ``low_score`` of the points, or who attempted nothing,
    needs a look too."""
    from nbgrader.api import MissingEntry

    edition = chapter.template_in(current_language())   # its titles, in the report's language
    stats = ChapterStats(chapter.name, chapter_title(chapter, edition), chapter.max_score)
    by_id = {e.grade_id: ExerciseStats(e.title, e.points) for e in exercises(chapter, edition)}
    learners = sorted({s.student.id for s in gb.assignment_submissions(chapter.name)}
                      | {name for name, entry in statuses.items() if chapter.name in entry})
    for learner in learners:
        entry = statuses.get(learner, {}).get(chapter.name) or {"status": "graded", "reasons": []}
        status = entry["status"]
        stats.counts[status] += 1
        if entry.get("worker"):
            stats.workers[entry["worker"]] += 1
        # how grading went: a timeout, a restored test cell, ...
        reasons = shown_reasons(gb, chapter.name, learner, entry.get("reasons", []))
        score = None
        if status not in ("unreadable", "missing"):
            try:
                sub = gb.find_submission(chapter.name, learner)
            except MissingEntry:
                sub = None
            if sub is not None:
                score = float(sub.score) - float(sub.late_submission_penalty or 0)
                stats.scores.append(score)
                found = results(gb, out_dir, chapter, learner)
                reasons += learning_reasons(score, chapter.max_score, [r.verdict for r in found], low_score)
                _count(by_id, found)
        if status != "graded" or reasons:
            link = feedback_path(out_dir, chapter, learner)
            link = str(link.relative_to(out_dir)) if link.exists() else ""
            stats.flagged.append((learner, status, "" if score is None else f"{score:g}",
                                  message("joiner").join(reasons), link))
    stats.flagged.sort(key=lambda entry: entry[1] != "review")   # interference first: a person decides
    stats.flagged = [(learner, status_word(status), *rest) for learner, status, *rest in stats.flagged]
    stats.exercises = list(by_id.values())
    return stats


def _count(by_id, found):
    """Add one learner's exercise results to the exercises' statistics."""
    for result in found:
        ex = by_id[result.exercise.grade_id]
        ex.attempts += 1
        ex.total += result.score or 0.0
        if result.score is not None and result.score >= result.exercise.points > 0:
            ex.passed += 1
        elif result.message and result.verdict != "correct":
            ex.messages[result.message] += 1


HISTOGRAM_PX = (1080, 330)   # drawn at about the report's width (70em), so it is never scaled up


def score_bins(scores, max_score):
    """Histogram bin edges: one bin per whole point, centred on it, when every score is a whole
    number (the usual case); else 20 equal bins over 0..max_score."""
    import numpy

    top = max([max_score, *scores, 1])
    if float(top).is_integer() and all(float(s).is_integer() for s in scores):
        return numpy.arange(-0.5, int(top) + 1)
    return numpy.linspace(0, top, 21)


def histogram_figure(scores, max_score, title, axis_labels=("score", "learners"), font=None):
    """The matplotlib Figure of a chapter's score histogram: whole-point bins and ticks, learners counted;
    ``font``: a font family added after matplotlib's default ones, for words the default cannot draw."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    width, height = HISTOGRAM_PX
    with matplotlib.rc_context({"font.family": [*matplotlib.rcParams["font.family"], *([font] if font else [])]}):
        figure = Figure(figsize=(width / 100, height / 100), dpi=100)
        axes = figure.subplots()
        bins = score_bins(scores, max_score)
        axes.hist(scores, bins=bins, color="#3b6ea5", edgecolor="white")
        axes.set_xlim(bins[0], bins[-1])
        axes.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10], nbins=25))
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlabel(axis_labels[0], fontsize=12)
        axes.set_ylabel(axis_labels[1], fontsize=12)
        axes.tick_params(labelsize=11)
        axes.set_title(title, fontsize=13)
        figure.tight_layout()
    return figure


def histogram(scores, max_score, title, axis_labels=("score", "learners"), font=None):
    """A PNG data URI of the score histogram (matplotlib, no display needed); ``font`` as in ``histogram_figure``."""
    buffer = io.BytesIO()
    histogram_figure(scores, max_score, title, axis_labels, font).savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def histogram_words(chapter, language):
    """``(title, axis labels, font)`` of the histogram of ``ChapterStats`` ``chapter``: in ``language``
    with a font that draws it where one is installed, else in English (as the chapters' own plots)."""
    from ..learner.notebook_text import FONTS, installed_font

    font = installed_font(FONTS[language]) if language in FONTS else None
    with speaking(language if font or language not in FONTS else SOURCE_LANGUAGE):
        title = message("report_histogram_title", chapter=chapter.name, max_score=f"{chapter.max_score:g}",
                        count=len(chapter.scores))
        return title, (message("report_axis_score"), message("report_axis_learners")), font


def counts_text(chapter):
    """``3 graded, 1 late; mean score 9.5 / 18.``: how many learners have each status, and the mean."""
    counts = message("list_separator").join(message("status_count", count=n, status=status_word(status))
                                            for status, n in sorted(chapter.counts.items()))
    if not chapter.scores:
        return message("report_counts", counts=counts)
    return message("report_counts_mean", counts=counts, mean=f"{sum(chapter.scores) / len(chapter.scores):.1f}",
                   max_score=f"{chapter.max_score:g}")


def workers_of(chapter):
    """``["10.0.0.2:4101 (5)", ...]``: the Dask workers that executed a chapter's submissions, and how many."""
    return [f"{worker} ({n})" for worker, n in sorted(chapter.workers.items())]


def report_html(db_url, out_dir, chapters, statuses, language=SOURCE_LANGUAGE):
    """The whole report page, as text, in the instructor's ``language``."""
    import jinja2
    from nbgrader.api import Gradebook

    out_dir = Path(out_dir)
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                             loader=jinja2.FileSystemLoader(TEMPLATE.parent))
    env.globals.update(text=message, counts_text=counts_text, workers_of=workers_of)
    with speaking(language):
        with Gradebook(db_url) as gb:
            in_play = chapters_in_play(gb, chapters, statuses)
            stats = [chapter_stats(gb, out_dir, c, statuses) for c in in_play]
        for chapter in stats:
            chapter.histogram = histogram(chapter.scores, chapter.max_score, *histogram_words(chapter, language))
        return env.get_template(TEMPLATE.name).render(
            chapters=stats, low_score=LOW_SCORE, language=language,
            generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
