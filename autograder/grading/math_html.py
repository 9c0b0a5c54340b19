"""Math in feedback pages as MathML, written into the page: it renders offline, with no script.

nbgrader's feedback template loads MathJax from a CDN, so its formulas break where a class grades
or reads feedback without the internet. Here nbconvert's markdown renderer turns each ``$...$``,
``$$...$$`` and ``\\begin{...}`` into MathML with latex2mathml (pure Python); browsers draw MathML
themselves (MathML Core: Chromium 109+, Firefox, Safari). A formula latex2mathml cannot read stays
TeX, as code. The page's HTML cleaner lets through only the MathML elements and attributes listed
here (a ``\\text{<script>}`` in a learner's markdown cell is stripped with the rest).
"""

import html

MATHML_TAGS = {"math", "semantics", "annotation", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "mfrac",
               "msqrt", "mroot", "msub", "msup", "msubsup", "munder", "mover", "munderover", "mtable", "mtr",
               "mtd", "mstyle", "mpadded", "mphantom", "menclose", "merror"}
MATHML_ATTRIBUTES = {"math": ["display", "xmlns"],
                     **{tag: ["mathvariant", "stretchy", "fence", "separator", "lspace", "rspace", "accent",
                              "accentunder", "displaystyle", "scriptlevel", "columnalign", "rowalign", "width",
                              "height", "depth", "linethickness", "notation", "minsize", "maxsize", "symmetric",
                              "largeop", "movablelimits", "form"]
                        for tag in MATHML_TAGS - {"math"}}}


def tex_to_mathml(tex, *, display=False):
    """MathML for the TeX formula ``tex``; the TeX itself, as code, if latex2mathml cannot read it."""
    from latex2mathml.converter import convert

    try:
        return convert(tex.strip(), display="block" if display else "inline")
    except Exception:   # latex2mathml raises its own and plain errors on TeX it does not know
        return f"<code>{html.escape(tex)}</code>"


def mathml_renderer():
    """nbconvert's markdown renderer class, writing formulas as MathML instead of TeX for MathJax."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer

    class MathMLRenderer(IPythonRenderer):
        def block_math(self, body):
            return tex_to_mathml(body, display=True)

        def inline_math(self, body):
            return tex_to_mathml(body)

        def latex_environment(self, name, body):
            return tex_to_mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", display=True)

    return MathMLRenderer
