"""The three outcomes of a check and how they render.

Failing outcomes are ``AssertionError`` subclasses, so nbgrader scores the
cell 0. They define ``_render_traceback_`` so that IPython shows a few clear
lines instead of a traceback; ``str()`` gives the same text for plain output.
"""

from .messages import message

# Bold, in the theme's own text colour: ANSI yellow or red on JupyterLab's pink error background
# reads at 1.5:1 or 2.7:1; the theme's text colour on it is well above WCAG AA's 4.5:1.
_BOLD, _RESET = "\x1b[1m", "\x1b[0m"
# "Correct" has no error box: its label is bold white on dark green (#007427), 5.9:1, a colour of
# its own that carries its own background, so it reads the same in the light and the dark theme.
_CORRECT = "\x1b[1;38;2;255;255;255;48;2;0;116;39m"


def correct_label():
    """The label of a passed check as a kernel shows it: "Correct", white on green."""
    return f"{_CORRECT}{message('label_correct')}{_RESET}"


def labelled(label_key, text):
    """``text`` after its label, as the language writes it: "Incorrect: ...", "不正确：..."."""
    return message(label_key) + message("label_separator") + text


def starts_with_a_label(text):
    """Whether ``text`` begins with a verdict's label in the current language ("Incorrect: ...")."""
    return any(text.startswith(labelled(key, "")) for key in
               ("label_not_attempted", "label_incorrect", "label_correct"))


class CheckFailed(AssertionError):
    """A check did not pass. ``problem`` says what is wrong, ``hint`` a likely cause."""

    label_key = "label_incorrect"

    def __init__(self, problem, hint=None):
        self.problem = problem
        self.hint = hint
        super().__init__(self._text())

    def _lines(self):
        lines = [labelled(self.label_key, self.problem)]
        if self.hint:
            lines.append(labelled("label_hint", self.hint))
        return lines

    def _text(self):
        return "\n".join(self._lines())

    def _render_traceback_(self):
        first, *rest = self._lines()
        return [f"{_BOLD}{first}{_RESET}", *rest]


class NotAttempted(CheckFailed):
    """The answer is still missing: undefined, or still raising NotImplementedError."""

    label_key = "label_not_attempted"


class Incorrect(CheckFailed):
    """The answer is there but wrong."""
