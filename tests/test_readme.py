"""The READMEs a newcomer reads first (issue 24): every command they show exists, and so does the picture.

A command is a ``make TARGET [VAR=value ...]`` or a ``[.venv/bin/]course SUBCOMMAND [--option ...]``
in a code span or block. Its target must be a rule of the Makefile, each variable one the Makefile
reads, its subcommand and options ones the ``course`` CLI accepts.
"""

import re
from pathlib import Path

import pytest

from autograder.cli import build_parser

REPO = Path(__file__).resolve().parent.parent
READMES = ["README.md", "README.zh.md"]
CODE = re.compile(r"```[^\n]*\n(.*?)```|`([^`\n]+)`", re.DOTALL)
MAKE = re.compile(r"(?:^|[\s;&(])make((?:\s+[A-Za-z0-9_.-]+(?:=\S*)?)+)")
COURSE = re.compile(r"(?:^|[\s;&(])(?:\.venv/bin/)?course\s+([a-z-]+)((?:\s+\S+)*)")


def commands(text):
    """``(kind, words)`` of every make and course command in the code of a Markdown text."""
    found = []
    for block, span in CODE.findall(text):
        for line in (block or span).splitlines():
            line = line.split("#", 1)[0]
            found += [("make", m.group(1).split()) for m in MAKE.finditer(line)]
            found += [("course", [m.group(1), *m.group(2).split()]) for m in COURSE.finditer(line)]
    return found


def makefile_targets_and_variables():
    text = (REPO / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z0-9-]*):", text, re.MULTILINE))
    variables = set(re.findall(r"\$[({]([A-Z_][A-Z0-9_]*)", text)) | set(re.findall(r"^([A-Z_]+)\s*[:?+]?=", text,
                                                                                 re.MULTILINE))
    return targets, variables


def course_subcommands():
    """``{subcommand: {option strings}}`` of the ``course`` CLI."""
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return {name: {o for action in p._actions for o in action.option_strings} for name, p in sub.choices.items()}


@pytest.mark.parametrize("readme", READMES)
def test_every_command_a_readme_shows_exists(readme):
    text = (REPO / readme).read_text()
    targets, variables = makefile_targets_and_variables()
    subcommands = course_subcommands()
    shown = commands(text)
    assert ("make", ["lab"]) in shown or any(w and w[0] == "lab" for kind, w in shown if kind == "make"), shown
    problems = []
    for kind, words in shown:
        if kind == "make":
            for word in words:
                name = word.split("=", 1)[0]
                if "=" in word and name not in variables:
                    problems.append(f"make {' '.join(words)}: the Makefile reads no variable {name}")
                elif "=" not in word and name not in targets:
                    problems.append(f"make {' '.join(words)}: the Makefile has no target {name}")
        else:
            name, *rest = words
            if name not in subcommands:
                problems.append(f"course {' '.join(words)}: the course CLI has no command {name}")
                continue
            problems += [f"course {' '.join(words)}: {name} takes no option {w}" for w in rest
                         if w.startswith("--") and w.split("=", 1)[0] not in subcommands[name]]
    assert not problems, "\n".join(problems)


def test_the_readme_shows_the_learner_and_instructor_loops_in_order():
    text = (REPO / "README.md").read_text()
    learners = text[text.index("## For learners"):text.index("## For instructors")]
    steps = ["make lab", "token", "Run All Cells", "raise NotImplementedError()", "Validate", "Hand in"]
    assert [learners.index(s) for s in steps] == sorted(learners.index(s) for s in steps)
    instructors = text[text.index("## For instructors"):text.index("## For maintainers")]
    loop = ["make grade-demo", "make grade SUBMISSIONS", "report.html", "make formgrader", "course override"]
    assert [instructors.index(s) for s in loop] == sorted(instructors.index(s) for s in loop)
    assert "make test" in text[text.index("## For maintainers"):]
    assert len(text.splitlines()) < 100, "the README is the first five minutes: details go to docs/"


@pytest.mark.parametrize("readme", READMES)
def test_the_picture_of_a_check_answering_is_committed(readme):
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", (REPO / readme).read_text())
    assert pictures, f"{readme} shows no picture of a check answering"
    for picture in pictures:
        data = (REPO / picture).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000, picture


def test_the_command_finder_finds_what_it_must():
    found = commands("Run `make lab EDITION=zh`, then\n```bash\nmake grade SUBMISSIONS=x  # grade\n"
                     ".venv/bin/course override cy 01 ex 1 --out demo\n```\nand `make`.")
    assert found == [("make", ["lab", "EDITION=zh"]), ("make", ["grade", "SUBMISSIONS=x"]),
                     ("course", ["override", "cy", "01", "ex", "1", "--out", "demo"])]


def _printed_by_zeros_long_check(notebook, monkeypatch):
    """Every line the chapter's zeros_long check prints for the untouched starter, a float answer and a
    right one, in the language of ``notebook`` (its kernel reads the language as JupyterLab tells it)."""
    import nbformat
    from nbclient import NotebookClient

    from autograder.cells import grade_id

    nb = nbformat.read(notebook, as_version=4)
    cells = {grade_id(c): c for c in nb.cells}
    check = cells["tensors-zeros-long-check"].source
    answers = [cells["tensors-zeros-long"].source, "def zeros_long(rows, cols):\n    return torch.zeros(rows, cols)",
               "def zeros_long(rows, cols):\n    return torch.zeros(rows, cols, dtype=torch.long)"]
    nb.cells = [nb.cells[1]] + [nbformat.v4.new_code_cell(s) for answer in answers for s in (answer, check)]
    monkeypatch.setenv("JPY_SESSION_NAME", str(notebook))
    NotebookClient(nb, allow_errors=True, timeout=300).execute()
    printed = [line for cell in nb.cells[2::2] for out in cell.outputs
               for line in (out.get("evalue") or out.get("text") or "").splitlines()]
    return [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in printed]


@pytest.mark.slow
@pytest.mark.parametrize(("readme", "notebook"), [("README.md", "notebooks/01_tensors/tensors.ipynb"),
                                                  ("README.zh.md", "notebooks/zh/01_tensors/tensors.ipynb")])
def test_the_check_answering_in_a_readme_is_what_the_check_prints(readme, notebook, monkeypatch):
    text = (REPO / readme).read_text()
    block = next(b for b in re.findall(r"```[^\n]*\n(.*?)```", text, re.DOTALL) if "zeros_long" in b)
    shown = [line.strip() for line in block.splitlines() if line.strip()]
    printed = _printed_by_zeros_long_check(REPO / notebook, monkeypatch)
    assert len(shown) == 4 and not [line for line in shown if line not in printed], (shown, printed)
