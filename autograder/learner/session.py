"""What a check knows of the learner's JupyterLab session: one verdict per cell, and stale answers.

When the checks run in an IPython kernel, two cell hooks are installed (once):

- confirmations of passed checks are collected during a cell and printed as one
  line after it, only if the whole cell passed: a check cell never shows
  "Correct" next to the "Incorrect" of a later check in the same cell;
- for every other cell, whether its last run raised is recorded against the
  names it assigns, so a check can say "the cell that defines x failed when it
  last ran" instead of grading a value left over from an earlier attempt.

Outside IPython (plain Python, the test suite) confirmations print at once.
"""

import ast

_state = {"installed": False, "parts": [], "checked": False}
_last_run_ok = {}      # name -> whether the last cell that assigns it ran without error
_verdicts = {}         # a check cell's source (stripped) -> "correct" / "incorrect" / "not attempted"


def _shell():
    try:
        return get_ipython()  # noqa: F821 - defined in an IPython kernel
    except NameError:
        return None


def install():
    """Register the cell hooks in the running IPython shell, once; False outside IPython."""
    shell = _shell()
    if shell is None or not hasattr(shell, "events"):
        return False
    if not _state["installed"]:
        shell.events.register("pre_run_cell", _before_cell)
        shell.events.register("post_run_cell", _after_cell)
        _state["installed"] = True
    return True


def assigned_names(source):
    """Top-level names a cell assigns (variables, functions, classes), from its source."""
    try:
        tree = ast.parse(source or "")
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        targets = []
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.For, ast.With)):
            targets = [node.target] if isinstance(node, ast.For) else [i.optional_vars for i in node.items
                                                                       if i.optional_vars is not None]
        for target in targets:
            names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names


def _before_cell(info=None):
    _state["parts"], _state["checked"] = [], False


def _after_cell(result):
    from .judge import format_correct

    parts, checked = _state["parts"], _state["checked"]
    _state["parts"], _state["checked"] = [], False
    ok = result.error_in_exec is None and result.error_before_exec is None
    if checked:
        _verdicts[getattr(result.info, "raw_cell", "").strip()] = _verdict(result.error_in_exec)
    else:
        for name in assigned_names(getattr(result.info, "raw_cell", "")):
            _last_run_ok[name] = ok
    if parts and ok:
        print(format_correct(parts))


def _verdict(error):
    from .outcomes import NotAttempted

    if error is None:
        return "correct"
    return "not attempted" if isinstance(error, NotAttempted) else "incorrect"


def verdict_of(source):
    """The last verdict of the check cell with this source in this kernel, or None."""
    return _verdicts.get((source or "").strip())


def checking():
    """A check is running in this cell (its cell does not count as an answer cell)."""
    _state["checked"] = True


def confirm(part):
    """Collect one passed check's ``(name, summary)``; printed with the cell's other confirmations."""
    from .judge import format_correct

    if _state["installed"]:
        _state["parts"].append(part)
    else:
        print(format_correct([part]))


def failed_last_time(name):
    """True when the last run of the cell that assigns ``name`` raised an error."""
    return _last_run_ok.get(name.split(".")[0]) is False
