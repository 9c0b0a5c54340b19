"""What a check knows of the learner's JupyterLab session: one verdict per cell, and stale answers.

When the checks run in an IPython kernel, two cell hooks and one exception handler are
installed (once):

- confirmations of passed checks are collected during a cell and printed as one
  line after it, only if the whole cell passed: a check cell never shows
  "Correct" next to the "Incorrect" of a later check in the same cell;
- for every other cell, how its last run ended is recorded against the names it
  assigns (a SyntaxError included, the names then read from the lines that still
  make sense), so a check can say "the cell that defines x raised SyntaxError: ..."
  instead of grading a value left over from an earlier attempt;
- an answer cell's untouched stub (``raise NotImplementedError()``, raised by the
  cell's own code) shows one "Not attempted" line instead of a traceback, and
  counts as not attempted rather than as an error: its check gives the plain
  "still raises NotImplementedError" or "not defined yet".

Outside IPython (plain Python, the test suite) confirmations print at once.
"""

import ast
import re

from .outcomes import NotAttempted

_state = {"installed": False, "parts": [], "checked": False}
STUB = "stub"          # a cell's last run stopped at an answer stub (not attempted, not an error)
_last_run = {}         # name -> None (ran), STUB, or the error text of the last cell that assigns it
_cell_names = {}       # a cell's id (JupyterLab, nbclient) -> the names its last parsable source assigns
_verdicts = {}         # a check cell's source (stripped) -> "correct" / "incorrect" / "not attempted"
# Names a line at the start of an unparsable cell assigns: `x = ...`, `x, y += ...`, `def f`, `class C`.
_ASSIGNS = re.compile(r"^(?:(?:async\s+)?def\s+(\w+)|class\s+(\w+)|([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*"
                      r"(?::[^=]*)?(?:[-+*/@%&|^]|//|\*\*|<<|>>)?=(?!=))")


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
        _state["user_ns"] = shell.user_ns   # the hooks run where get_ipython is no builtin
        shell.events.register("pre_run_cell", _before_cell)
        shell.events.register("post_run_cell", _after_cell)
        if not shell.custom_exceptions:   # a handler of the learner's own stays
            shell.set_custom_exc((NotImplementedError,), _show_not_implemented)
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


def names_in_broken_source(source):
    """Names that the unindented lines of a cell that does not parse would assign."""
    names = set()
    for line in (source or "").splitlines():
        match = _ASSIGNS.match(line)
        if match:
            def_name, class_name, targets = match.groups()
            names.update(n.strip() for n in (def_name or class_name or targets).split(","))
    return names


def _names_of(info):
    """The names a cell assigns; for a cell that does not parse, also those of its last parsable run."""
    source = getattr(info, "raw_cell", "") or ""
    cell_id = getattr(info, "cell_id", None)
    try:
        ast.parse(source)
    except SyntaxError:
        return names_in_broken_source(source) | _cell_names.get(cell_id, set())
    names = assigned_names(source)
    if cell_id:
        _cell_names[cell_id] = names
    return names


def is_stub(error):
    """True for the answer stub's ``raise NotImplementedError()``: raised, without a message, by code
    of the cell that ran (its own top level, or a function or class it defines)."""
    if type(error) is not NotImplementedError or error.args:
        return False
    user_ns = _state.get("user_ns")
    frames = []   # the frames of the traceback that run notebook code: cell file names
    tb = error.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame.f_code.co_filename if tb.tb_frame.f_globals is user_ns else None)
        tb = tb.tb_next
    cell = next((f for f in frames if f), None)
    return cell is not None and frames[-1] == cell


def error_text(error):
    """``SyntaxError: '(' was never closed (line 3)``: an error on one short line."""
    return error_line(type(error).__name__, str(error))


_CELL_FILE = re.compile(r"\s*\([^()]*, line (\d+)\)$")   # SyntaxError's "(/tmp/ipykernel_7/123.py, line 3)"


def error_line(ename, evalue):
    """An error's name and value on one line of at most 120 characters, without the cell's file name."""
    value = _CELL_FILE.sub(r" (line \1)", str(evalue))
    text = " ".join(f"{ename}: {value}".split()).rstrip(":")
    return text if len(text) <= 120 else text[:119] + "…"


def _show_not_implemented(shell, etype, value, tb, tb_offset=None):
    """IPython's handler for NotImplementedError: the stub as one line, anything else as usual."""
    if is_stub(value):
        shell._showtraceback(etype, value, NotAttempted(_stub_message())._render_traceback_())
    else:
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset, running_compiled_code=True)


def _stub_message():
    from .messages import message

    return message("stub_answer")


def _before_cell(info=None):
    _state["parts"], _state["checked"] = [], False


def _after_cell(result):
    from .judge import format_correct

    parts, checked = _state["parts"], _state["checked"]
    _state["parts"], _state["checked"] = [], False
    error = result.error_before_exec or result.error_in_exec
    if checked:
        _verdicts[getattr(result.info, "raw_cell", "").strip()] = _verdict(result.error_in_exec)
    else:
        state = None if error is None else STUB if is_stub(error) else error_text(error)
        for name in _names_of(result.info):
            _last_run[name] = state
    if parts and error is None:
        print(format_correct(parts, styled=True))


def _verdict(error):
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


def last_error(name):
    """The error (one line) that the last run of the cell assigning ``name`` raised, else None.

    A cell stopped by an untouched answer stub has no error: its names are not attempted yet,
    and the check says so plainly ("still raises NotImplementedError", "not defined yet")."""
    state = _last_run.get(name.split(".")[0])
    return None if state is STUB else state
