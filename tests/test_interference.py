"""Interference flags (issue 21, point 3): hostile code is flagged, honest code never is."""

import nbformat
import pytest

from autograder.authoring.mutation import mutants
from autograder.cells import grade_id, is_solution
from autograder.grading import demo, interference
from autograder.grading.course import find_chapters

LIBRARIES = {"torch": "torch", "nn": "torch.nn", "np": "numpy", "F": "torch.nn.functional"}


def _why(source):
    return [why for _line, why in interference.scan_source(source, dict(LIBRARIES))]


@pytest.fixture(scope="module")
def chapters(repo):
    return find_chapters(repo)


def test_every_honest_notebook_of_the_repository_has_no_flag(repo, chapters):
    """Solutions (lesson cells included), starters of both editions and every demo learner."""
    flagged = []
    for chapter in chapters:
        notebooks = {"solution": nbformat.read(chapter.source_path, as_version=4),
                     "zh starter": chapter.template_in("zh"),
                     "starter": demo.starter(chapter), "wrong answers": demo.wrong(chapter, repo),
                     "edited tests": demo.edited_tests(chapter), "infinite loop": demo.infinite_loop(chapter)}
        for name, nb in notebooks.items():
            flagged += [(chapter.name, name, flag.text()) for flag in interference.scan_notebook(nb)]
    assert flagged == []


def test_no_wrong_answer_or_mutant_of_any_exercise_is_flagged(repo, chapters):
    scanned, flagged = 0, []
    for chapter in chapters:
        source = nbformat.read(chapter.source_path, as_version=4)
        imported = interference.imported_names([c.source for c in source.cells if c.cell_type == "code"])
        answers = [(gid, code) for gid, options in demo.wrong_answers(repo, chapter.name).items()
                   for code, _part in options]
        answers += [(m.grade_id, m.source) for cell in source.cells
                    if is_solution(cell) and not cell.metadata["nbgrader"].get("grade")
                    for m in mutants(grade_id(cell), cell.source)]
        for gid, code in answers:
            scanned += 1
            flagged += [(gid, why) for _line, why in interference.scan_source(code, imported)]
    assert scanned > 300 and flagged == []


@pytest.mark.parametrize("code", [
    "type = lambda x: int\ninput = [1, 2]\nsum = 0\n",                   # shadowing builtins is common
    "def sum(values):\n    return 1\nmax = max(3, 4)\n",
    "from IPython.display import display\ndisplay(torch.zeros(2))\n",
    "%timeit torch.zeros(3)\n%matplotlib inline\n!ls\n",
    "getattr(model, 'weight')\nsetattr(cfg, 'lr', 0.1)\n",
    "from autograder import check_tensor, hidden_seed\nimport autograder\nautograder.check_tensor('x')\n",
    "x = torch.zeros(3)\nx.add_(1)\nnet.fc.weight.data = torch.ones(2)\n",
])
def test_honest_code_is_not_flagged(code):
    assert _why(code) == []


@pytest.mark.parametrize("code, reason", [
    # the attacks: probe replacement, a torch function mode, builtins, IPython hooks
    ("import sys\nfor n, m in list(sys.modules.items()):\n    pass\n", "sys.modules"),
    ("from sys import modules\n", "sys.modules"),
    ("from torch.overrides import TorchFunctionMode\n", "torch function mode"),
    ("class M(torch.overrides.TorchFunctionMode):\n    pass\n", "torch function mode"),
    ("class T(torch.Tensor):\n    @classmethod\n    def __torch_function__(cls, f, t, a=(), k=None):\n"
     "        return 1\n", "__torch_function__"),
    ("from torch.utils._python_dispatch import TorchDispatchMode\n", "dispatch mode"),
    ("import builtins\nbuiltins.type = lambda x: int\n", "builtins"),
    ("__builtins__.type = None\n", "builtins"),
    ("get_ipython().input_transformers_post.append(lambda lines: lines)\n", "IPython's shell"),
    ("ip = get_ipython()\nip.events.register('pre_run_cell', print)\n", "IPython's shell"),
    ("import IPython\nIPython.get_ipython().ast_transformers.append(0)\n", "IPython's shell"),
    ("import autograder.learner.evidence as ev\n", "grading machinery"),
    ("from autograder.learner import probe\n", "grading machinery"),
    ("import autograder\nautograder.learner.probe.run = print\n", "grading machinery"),
    ("from autograder import _NEEDS_TORCH\n", "grading machinery"),
    ("import inspect\n", "inspect"), ("import gc\n", "garbage collector"), ("import ctypes\n", "ctypes"),
    ("import importlib\n", "importlib"), ("import threading\n", "thread"),
    ("exec('x = 1')\n", "exec"), ("eval('1')\n", "eval"), ("compile('1', 'f', 'eval')\n", "compile"),
    ("__import__('sys')\n", "__import__"), ("getattr(torch, 'eq' + 'ual')\n", "computed name"),
    ("setattr(torch, 'equal', None)\n", "changes the library module torch"),
    ("torch.equal = lambda a, b: True\n", "changes the library module torch"),
    ("nn.Module.__call__ = None\n", "changes the library module torch.nn.Module"),
    ("import sys\nf = sys._getframe(1)\n", "frames"), ("def f(frame):\n    return frame.f_back\n", "frames"),
    ("(lambda: 0).__globals__\n", "globals"), ("x.__dict__['dtype'] = 1\n", "__dict__"),
    ("x.__class__ = int\n", "class"),
    ("%load_ext evil\n", "magic %load_ext"), ("%timeit exec('1')\n", "exec"),
])
def test_interference_is_flagged_with_a_reason(code, reason):
    found = _why(code)
    assert any(reason in why for why in found), found


def test_a_flag_names_its_cell_line_and_code():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import torch"),
        nbformat.v4.new_code_cell("x = 1\nimport sys\nsys.modules['autograder'] = None\n"),
    ])
    flags = interference.scan_notebook(nb)
    assert [(f.cell, f.line, f.code) for f in flags] == [(1, 3, "sys.modules['autograder'] = None")]
    assert flags[0].text().startswith("cell 2, line 3: `sys.modules['autograder'] = None`: ")


def test_course_cells_as_released_and_check_cells_are_not_read(repo, chapters):
    """Check cells are the course's (restored from the source); a lesson cell as released is trusted."""
    template = chapters[0].template
    nb = demo.solution(chapters[0])
    lesson = next(c for c in nb.cells if c.cell_type == "code" and not c.metadata.get("nbgrader"))
    lesson.source += "\nimport gc\n"
    assert [f.why for f in interference.scan_notebook(nb, template)] == [interference.MODULES["gc"]]
    lesson.source = lesson.source.replace("\nimport gc\n", "")
    assert interference.scan_notebook(nb, template) == []


def test_unparsable_and_deeply_nested_cells_do_not_break_the_scan():
    assert interference.scan_source("def broken(:\n") == []
    assert isinstance(interference.scan_source("x = " + "(" * 5000 + ")" * 5000), list)


def test_what_the_grader_sent_is_hidden_in_every_output():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="LEAK receive('0123456789abcdef', 'QUJDREVGR0g=')"),
        nbformat.v4.new_output("error", ename="E", evalue="(lambda c: c is table)", traceback=["QUJDREVGR0g="]),
        nbformat.v4.new_output("display_data", data={"text/plain": ["ok ", "0123456789abcdef"]}),
    ]), nbformat.v4.new_code_cell("y", outputs=[nbformat.v4.new_output("stream", name="stdout", text="fine")])])
    texts = ["0123456789abcdef", "QUJDREVGR0g=", "(lambda c: c is table)"]
    assert interference.redact(nb, texts) == 1
    dumped = nbformat.writes(nb)
    assert not any(t in dumped for t in texts) and dumped.count(interference.REDACTED) == 5
    assert nb.cells[1].outputs[0].text == "fine"


def test_flags_are_recorded_in_the_notebook_and_read_back_for_feedback():
    nb = nbformat.v4.new_notebook()
    nb.metadata[interference.REVIEW_KEY] = {"flags": ["forged by the learner"], "manual": ["x"]}
    interference.mark_notebook(nb, [], [])
    assert interference.review_of(nb) == ([], [])
    flags = [interference.Flag(i, 1, "import gc", interference.MODULES["gc"]) for i in range(25)]
    interference.mark_notebook(nb, flags, ["tensors-view-infer-check"])
    shown, manual = interference.review_of(nb)
    assert len(shown) == interference.MAX_SHOWN + 1 and shown[-1] == "and 5 more flagged line(s)"
    assert manual == ["tensors-view-infer-check"]
    reasons = interference.reasons(flags, manual)
    assert "tensors-view-infer-check wait for manual grading" in reasons[0] and reasons[1] == shown[0]
