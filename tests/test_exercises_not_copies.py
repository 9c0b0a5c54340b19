"""No exercise can be answered by copying a lesson cell above it.

An exercise's solution (the code between ``### BEGIN SOLUTION`` and ``### END SOLUTION``) is
normalised: comments, blank lines and layout dropped, names of local variables made anonymous
(attribute names, numbers and strings kept), a leading ``return`` or assignment target dropped.
It must not appear inside any lesson code cell above the exercise, normalised the same way:
renaming the variables of a demo is still a copy.
"""

import builtins
import io
import keyword
import re
import tokenize

import nbformat
import pytest

from autograder.cells import grade_id, is_protected, is_solution
from chapters import CHAPTERS, read, solution_path

SOLUTION_RE = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
KEEP = set(keyword.kwlist) | set(dir(builtins))
SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
        tokenize.ENDMARKER}


def normalised_statements(source):
    """The code as one token string per logical line, local names written as ``_``.

    Attribute and keyword-argument names stay: ``torch.add(u, v, alpha=a)`` is not ``torch.add(x, y, out=r)``.
    """
    source = "\n".join(line.strip() for line in source.splitlines())   # a solution is indented
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(source + "\n").readline)
              if t.type not in SKIP or t.type == tokenize.NEWLINE]
    lines, line, depth = [], [], 0
    for index, token in enumerate(tokens):
        if token.type == tokenize.NEWLINE:
            if line:
                lines.append(line)
            line = []
            continue
        text = token.string
        depth += (text in "([{") - (text in ")]}") if token.type == tokenize.OP else 0
        following = tokens[index + 1].string if index + 1 < len(tokens) else ""
        keyword_argument = depth > 0 and following == "="
        after_dot = index > 0 and tokens[index - 1].string == "."
        if token.type == tokenize.NAME and text not in KEEP and not after_dot and not keyword_argument:
            text = "_"
        line.append(text)
    return [" ".join(statement) for statement in lines + ([line] if line else [])]


def without_target(statement):
    """A statement without its leading ``return`` or ``name =``: the expression that does the work."""
    return re.sub(r"^(return |_ (\. \w+ )*= )", "", statement)


def solution_code(cell):
    return "".join(SOLUTION_RE.findall(cell.source))


def copied_exercises(cells):
    """(grade id, lesson cell source) for each exercise whose normalised solution a lesson cell above holds."""
    found, lessons = [], []
    for cell in cells:
        if cell.cell_type != "code":
            continue
        if is_solution(cell):
            statements = [without_target(s) for s in normalised_statements(solution_code(cell))]
            wanted = " ; ".join(s for s in statements if s)
            for lesson in lessons:
                if wanted and wanted in " ; ".join(normalised_statements(lesson)):
                    found.append((grade_id(cell), lesson))
        elif not is_protected(cell):
            lessons.append(cell.source)
    return found


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_solution_is_a_lesson_cell_above_it(chapter):
    copies = copied_exercises(read(solution_path(chapter)).cells)
    assert not copies, "\n\n".join(f"{gid} is answered by copying:\n{lesson}" for gid, lesson in copies)


def test_a_demo_with_renamed_variables_counts_as_a_copy():
    lesson = "with torch.no_grad():\n    for p in net.parameters():\n        p -= learning_rate * p.grad\n"
    answer = ("def sgd_step(model, lr):\n    ### BEGIN SOLUTION\n    with torch.no_grad():  # no graph\n"
              "        for param in model.parameters():\n            param -= lr * param.grad\n    ### END SOLUTION\n")
    other = answer.replace("param.grad", "param.grad.clamp(-1, 1)")
    cells = [_cell(lesson), _cell(answer, "copy"), _cell(other, "new-case")]
    assert [gid for gid, _ in copied_exercises(cells)] == ["copy"]


def test_a_one_line_demo_applied_to_another_tensor_counts_as_a_copy():
    lesson = "batch = one_image.unsqueeze(0)\nprint(batch.shape)\n"
    answer = "def batch_of_one(image):\n    ### BEGIN SOLUTION\n    return image.unsqueeze(0)\n    ### END SOLUTION\n"
    assert copied_exercises([_cell(lesson), _cell(answer, "copy")])


def _cell(source, answer_id=None):
    cell = nbformat.v4.new_code_cell(source)
    if answer_id:
        cell.metadata["nbgrader"] = {"solution": True, "grade": False, "locked": False,
                                     "grade_id": answer_id, "schema_version": 3}
    return cell
