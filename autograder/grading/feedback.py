"""Feedback pages: a learner's judged notebook as safe HTML with nbgrader's feedback template.

Points come from the gradebook (``GetGrades``); hidden tests are cleared (``ClearHiddenTests``,
from test cells only, so an answer cell's text cannot break feedback). Learner text is data:
before rendering, every cell goes through nbconvert's own ``SanitizeHTML`` (bleach: markdown and
raw cells, ``text/html`` and ``text/markdown`` outputs; scripts, event handlers and unknown output
types such as ``application/javascript`` are dropped), images must be plain base64 and output
metadata is dropped (it becomes HTML attributes); the exporter runs with ``sanitize_html=True``.
"""

import copy
import functools
import re
from pathlib import Path

from ..cells import grade_id, is_check_cell, is_protected, is_solution
from ..learner.i18n import notebook_language, speaking, translate_message
from ..learner.messages import CATALOGUE, message
from ..learner.outcomes import starts_with_a_label
from .course import chapter_title
from .interference import review_of
from .late import late_notice
from .math_html import MATHML_ATTRIBUTES, MATHML_TAGS, mathml_renderer
from .scores import results

# message keys feedback_*: the page's header, and the words of nbgrader's feedback template it overrides
FEEDBACK_LABELS = ("learner", "score", "exercise", "points", "verdict", "answer", "task", "check", "comments", "top",
                   "in_prompt", "out_prompt")

HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
TEMPLATES = Path(__file__).parent / "templates"
FEEDBACK_TEMPLATE = "course_feedback.html.j2"
SOLUTION_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)


class Feedback:
    """HTML feedback with nbgrader's template; the exporter is built once."""

    def __init__(self, db_url):
        import nbgrader

        self.db_url = db_url
        formgrader = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader"
        css = formgrader / "static" / "node_modules" / "bootstrap" / "dist" / "css"
        self.exporter = _safe_exporter()(template_name="feedback", template_file=FEEDBACK_TEMPLATE,
                                         extra_template_basedirs=[str(formgrader / "templates")],
                                         extra_template_paths=[str(css), str(TEMPLATES), str(formgrader / "templates")], sanitize_html=True)

    def render(self, nb, *, chapter, learner, late=""):
        """The learner's feedback page for judged ``nb``, in the language of its edition; when ``late``
        (the report's reason, or any true value) the page says how late it came, from the gradebook."""
        from nbgrader.api import Gradebook
        from nbgrader.preprocessors import ClearHiddenTests, GetGrades


        class ClearHiddenTestsInTests(ClearHiddenTests):
            """Only test cells (from the source) hold hidden tests; a learner's text stays text."""

            def preprocess_cell(self, cell, resources, cell_index):
                if is_protected(cell):
                    return super().preprocess_cell(cell, resources, cell_index)
                return cell, resources

        language = notebook_language(nb)   # the page speaks the submission's edition's language
        edition = chapter.template_in(language)
        with Gradebook(self.db_url) as gb:
            found = results(gb, None, chapter, learner, nb=nb, template=edition)
        nb = copy.deepcopy(nb)
        resources = {"nbgrader": {"db_url": self.db_url, "assignment": chapter.name,
                                  "notebook": chapter.topic, "student": learner}}
        hidden = {i for i, c in enumerate(nb.cells) if is_protected(c) and HIDDEN_BEGIN in c.source}
        nb, resources = GetGrades().preprocess(nb, resources)
        nb, resources = ClearHiddenTestsInTests().preprocess(nb, resources)
        nb = sanitize(nb)
        for cell in nb.cells:   # an answer pasted from a solution notebook: its markers mean nothing here
            if cell.cell_type == "code" and SOLUTION_MARKER.search(cell.source):
                cell.source = SOLUTION_MARKER.sub("", cell.source)
        anchors = answer_anchors(nb)
        with speaking(language):
            for index in hidden:
                # A traceback could quote a hidden line; keep only the verdict's own message
                # (a check's message already starts with its label: "Incorrect: ...", "不正确：...").
                for output in nb.cells[index].get("outputs", []):
                    if output.output_type == "error":
                        own = starts_with_a_label(output.evalue)
                        output.traceback = [output.evalue if own else f"{output.ename}: {output.evalue}"]
            labels = {key: translate_message(f"feedback_{key}", CATALOGUE[f"feedback_{key}"]) for key in FEEDBACK_LABELS}
            labels["separator"] = message("label_separator")
            verdicts = {r.verdict: message("verdict_" + r.verdict.replace(" ", "_")) for r in found}
            late = late_notice(self.db_url, chapter, learner) if late else ""
            flags, _manual = review_of(nb)
            review = {"notice": message("review_notice"), "flags": flags} if flags else None
        title = chapter_title(chapter, edition)
        resources["course"] = {
            "learner": learner, "chapter": chapter.name, "chapter_title": title,
            "late": late, "labels": labels, "review": review,
            "score": f"{resources['nbgrader']['score']:g}", "max_score": f"{resources['nbgrader']['max_score']:g}",
            "exercises": [{"title": r.exercise.title, "anchor": anchors.get(r.exercise.grade_id, r.exercise.grade_id),
                           "verdict": r.verdict,
                           "verdict_text": verdicts[r.verdict],
                           "score": "-" if r.score is None else f"{r.score:g}", "points": f"{r.exercise.points:g}"}
                          for r in found]}
        html, _ = self.exporter.from_notebook_node(nb, resources=resources)
        return html


def answer_anchors(nb):
    """``{check cell's grade id: anchor}``: where an exercise's link lands, on the learner's answer (the
    first answer cell after the previous check; nbgrader's template names it ``comment-<grade id>``)."""
    anchors, answer = {}, None
    for cell in nb.cells:
        if is_check_cell(cell):
            anchors[grade_id(cell)] = f"comment-{answer}" if answer else grade_id(cell)
            answer = None
        elif is_solution(cell) and answer is None:
            answer = grade_id(cell)
    return anchors


_BASE64 = re.compile(r"^[A-Za-z0-9+/=\s]*$")
SAFE_OUTPUT_KEYS = {"text/plain", "image/png", "image/jpeg"}   # rendered without markup
SANITIZED_OUTPUT_TYPES = {"text/html", "text/markdown"}        # rendered after bleach


def sanitize(nb):
    """``nb`` (in place) made safe to render as HTML: nbconvert's ``SanitizeHTML`` and stricter output rules."""
    sanitizer = _sanitizer()
    for cell in nb.cells:
        cell.pop("attachments", None)
        if cell.cell_type in ("markdown", "raw"):
            cell.source = _sanitized_text(cell.source)
            continue
        for output in cell.get("outputs", []):
            if "data" not in output:
                continue
            output["metadata"] = {}     # width/height/... become unquoted HTML attributes
            for mime, value in list(output["data"].items()):
                if isinstance(value, list):
                    value = output["data"][mime] = "".join(str(v) for v in value)
                if not isinstance(value, str) or (mime.startswith("image/") and not _BASE64.match(value)):
                    del output["data"][mime]
        if cell.cell_type == "code":
            cell.outputs = sanitizer.sanitize_code_outputs(cell.outputs)
    return nb


@functools.lru_cache(maxsize=1)
def _sanitizer():
    from nbconvert.preprocessors.sanitize import SanitizeHTML

    return SanitizeHTML(safe_output_keys=SAFE_OUTPUT_KEYS, sanitized_output_types=SANITIZED_OUTPUT_TYPES)


@functools.lru_cache(maxsize=4096)
def _sanitized_text(source):
    """``SanitizeHTML`` on a markdown or raw cell's text (the course's own cells repeat in every submission)."""
    return _sanitizer().sanitize_html_tags(source)


# What markdown renders to (nbconvert's renderer: headings with anchor links, highlighted code, tables).
MARKDOWN_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "a", "img", "em", "strong", "b", "i", "code", "pre",
                 "blockquote", "ul", "ol", "li", "hr", "br", "table", "thead", "tbody", "tr", "th", "td", "del",
                 "span", "div", "sup", "sub"}
MARKDOWN_ATTRIBUTES = {"a": ["href", "title"], "img": ["src", "alt", "title"], "th": ["align"], "td": ["align"],
                       "*": ["class", "id"]}
# nbgrader's template loads MathJax from a CDN; formulas are MathML in the page instead (math_html).
_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<script type=\"text/x-mathjax-config\">.*?</script>", re.DOTALL)


def without_mathjax(header):
    """nbgrader's feedback page header without the MathJax it loads from the internet."""
    return _MATHJAX.sub("", header)


@functools.lru_cache(maxsize=4096)
def clean_markdown_html(html):
    """Rendered markdown with only the tags markdown makes and http(s)/mailto links (bleach)."""
    return _markdown_cleaner().clean(html)


@functools.lru_cache(maxsize=1)
def _markdown_cleaner():
    import bleach

    return bleach.Cleaner(tags=MARKDOWN_TAGS | MATHML_TAGS, attributes={**MATHML_ATTRIBUTES, **MARKDOWN_ATTRIBUTES},
                          protocols={"http", "https", "mailto"}, strip=True)


def _safe_exporter():
    """nbconvert's HTMLExporter whose markdown filter writes formulas as MathML and cleans what markdown
    itself produced (the raw HTML in it is already escaped by ``SanitizeHTML``): ``[x](javascript:...)``."""
    from jinja2 import pass_context
    from nbconvert.exporters import HTMLExporter
    from nbconvert.filters.markdown_mistune import MarkdownWithMath

    renderer_class = mathml_renderer()

    class SafeHTMLExporter(HTMLExporter):
        @pass_context
        def markdown2html(self, context, source):
            # nbconvert's own HTMLExporter.markdown2html, with the MathML renderer
            renderer = renderer_class(escape=False, attachments=context.get("cell", {}).get("attachments", {}),
                                      embed_images=self.embed_images,
                                      path=context.get("resources", {}).get("metadata", {}).get("path", ""),
                                      anchor_link_text=self.anchor_link_text,
                                      exclude_anchor_links=self.exclude_anchor_links, **self.lexer_options)
            return clean_markdown_html(MarkdownWithMath(renderer=renderer).render(source))

        def default_filters(self):
            yield from super().default_filters()
            yield ("without_mathjax", without_mathjax)

    return SafeHTMLExporter
