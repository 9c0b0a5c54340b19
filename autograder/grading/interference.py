"""Interference: code in a submission that reaches into the grading machinery or the interpreter.

The grader reads every code cell a learner could edit (Python's ``ast``, after IPython turns
magics into calls) and flags what no honest answer of this course needs: the ``autograder``
package beyond its public API, ``sys.modules`` and the interpreter's hooks, IPython's shell
(events, input and AST transformers), torch function and dispatch modes, the ``builtins``
module, frames, ``inspect``, ``gc``, ``ctypes``, threads, dynamic code, attributes by computed
name and changes to a library module. A name that merely shadows a builtin (``type = ...``) is
not flagged: the evidence code never reads it. The rules are data (``MODULES``, ``NAMES``,
``ATTRIBUTES``); ``scan_notebook`` returns one :class:`Flag` per flagged line.
"""

import ast
from dataclasses import dataclass

from .. import __all__ as _flat_api
from ..cells import is_check_cell, is_protected

# dotted names (a module, or an attribute of one) and why using them is flagged
MODULES = {
    "autograder": "reaches into the grading machinery (the autograder package beyond its public API)",
    "sys.modules": "replaces or reads loaded modules (sys.modules)",
    "sys._getframe": "reads the interpreter's frames",
    "sys._current_frames": "reads the interpreter's frames",
    "sys.settrace": "installs an interpreter hook",
    "sys.setprofile": "installs an interpreter hook",
    "sys.addaudithook": "installs an interpreter hook",
    "sys.excepthook": "installs an interpreter hook",
    "sys.displayhook": "installs an interpreter hook",
    "sys.breakpointhook": "installs an interpreter hook",
    "sys.meta_path": "changes how modules are imported",
    "sys.path_hooks": "changes how modules are imported",
    "sys.path_importer_cache": "changes how modules are imported",
    "IPython": "reaches into IPython's shell",
    "ipykernel": "reaches into the kernel",
    "torch.overrides": "uses a torch function mode or override (torch.overrides)",
    "torch.utils._python_dispatch": "uses a torch dispatch mode",
    "torch._C": "reaches into torch's internals (torch._C)",
    "torch.library": "registers torch operators",
    "builtins": "changes or reads the builtins module",
    "inspect": "inspects frames and source (inspect)",
    "gc": "reaches objects through the garbage collector (gc)",
    "ctypes": "reaches into memory through ctypes",
    "importlib": "imports code dynamically (importlib)",
    "threading": "runs code in a thread, outside the cell's turn",
    "_thread": "runs code in a thread, outside the cell's turn",
}
# the public names of these modules are what a notebook uses: allowed
ALLOWED = ("IPython.display",)
PUBLIC_API = frozenset(_flat_api)   # autograder/__init__.py's flat API
# names that are flagged wherever they are used (unless the notebook binds them itself)
NAMES = {
    "exec": "runs dynamic code (exec)",
    "eval": "runs dynamic code (eval)",
    "compile": "compiles dynamic code (compile)",
    "__import__": "imports code dynamically (__import__)",
    "get_ipython": "reaches into IPython's shell (get_ipython)",
    "__builtins__": "changes or reads the builtins module",
}
# attributes flagged on any object
ATTRIBUTES = {
    "__globals__": "reads a function's globals", "__code__": "reads or replaces a function's code",
    "__closure__": "reads a function's closure", "__builtins__": "changes or reads the builtins module",
    "__subclasses__": "walks the class hierarchy to reach other objects",
    "__dict__": "reads or writes an object's attributes directly (__dict__)",
    "__torch_function__": "overrides torch functions (__torch_function__)",
    "__torch_dispatch__": "overrides torch operators (__torch_dispatch__)",
    "f_back": "reads the interpreter's frames", "f_locals": "reads the interpreter's frames",
    "f_globals": "reads the interpreter's frames", "f_builtins": "reads the interpreter's frames",
    "tb_frame": "reads the interpreter's frames", "gi_frame": "reads the interpreter's frames",
    "cr_frame": "reads the interpreter's frames",
}
DEFINED = {"__torch_function__": ATTRIBUTES["__torch_function__"],
           "__torch_dispatch__": ATTRIBUTES["__torch_dispatch__"]}
COMPUTED = "uses an attribute by a computed name ({call} with a name that is not written out)"
PATCH = "changes the library module {module} (an attribute of it assigned or deleted)"
SWAP_CLASS = "changes an object's class (__class__ assigned)"
# magics that only time, plot or show: their Python argument is scanned as code
SAFE_MAGICS = frozenset({"time", "timeit", "matplotlib", "who", "whos", "who_ls", "pinfo", "pinfo2", "pdef",
                         "pdoc", "psearch", "lsmagic", "magic", "precision", "pprint", "pwd", "ls"})
CODE_MAGICS = frozenset({"time", "timeit"})
MAX_LINE = 160


@dataclass(frozen=True)
class Flag:
    """One flagged line of a submission: its cell (index in the notebook), line, text and why."""

    cell: int
    line: int
    code: str
    why: str

    def text(self):
        return f"cell {self.cell + 1}, line {self.line}: `{self.code}`: {self.why}"


def _python(source):
    """The cell as Python (IPython's transformations of magics and shell escapes), or None."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return TransformerManager().transform_cell(source)
    except Exception:   # a cell IPython cannot transform does not run either
        return None


def _flagged_module(dotted):
    """Why the dotted name (``sys.modules``, ``autograder.learner``) is flagged, or None."""
    if dotted.startswith(ALLOWED) and (len(dotted) == len(next(a for a in ALLOWED if dotted.startswith(a)))
                                       or dotted[len(next(a for a in ALLOWED if dotted.startswith(a)))] == "."):
        return None
    parts = dotted.split(".")
    if parts[0] == "autograder":
        return None if len(parts) == 1 or parts[1] in PUBLIC_API else MODULES["autograder"]
    for end in range(len(parts), 0, -1):
        why = MODULES.get(".".join(parts[:end]))
        if why:
            return why
    return None


class _Scanner(ast.NodeVisitor):
    def __init__(self, imported):
        self.imported = imported    # name -> dotted module path it is bound to by an import
        self.found = []             # (line, why)

    def flag(self, node, why):
        self.found.append((getattr(node, "lineno", 1), why))

    def dotted(self, node):
        """``alias.a.b`` resolved through the notebook's imports (``sys.modules``), or None."""
        attrs = []
        while isinstance(node, ast.Attribute):
            attrs.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name) and node.id in self.imported:
            return ".".join([self.imported[node.id], *reversed(attrs)])
        return None

    def visit_Import(self, node):
        for alias in node.names:
            why = _flagged_module(alias.name)
            if why:
                self.flag(node, why)
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        if node.level == 0 and node.module:
            why = _flagged_module(node.module) if node.module != "autograder" else None
            names = [why] if why else [_flagged_module(f"{node.module}.{a.name}") for a in node.names
                                       if a.name != "*"]
            if node.module == "autograder" and any(a.name == "*" for a in node.names):
                names = names   # the public API only: allowed
            for reason in dict.fromkeys(n for n in names if n):
                self.flag(node, reason)
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id in NAMES and node.id not in self.imported and not isinstance(node.ctx, ast.Store):
            self.flag(node, NAMES[node.id])

    def visit_Attribute(self, node):
        if node.attr in ATTRIBUTES:
            self.flag(node, ATTRIBUTES[node.attr])
        elif node.attr == "__class__" and isinstance(node.ctx, ast.Store):
            self.flag(node, SWAP_CLASS)
        dotted = self.dotted(node)
        if dotted:
            why = _flagged_module(dotted)
            if why:
                self.flag(node, why)
                return          # one reason per chain
            if isinstance(node.ctx, (ast.Store, ast.Del)):
                self.flag(node, PATCH.format(module=dotted.rsplit(".", 1)[0]))
        self.generic_visit(node)

    def visit_FunctionDef(self, node):
        if node.name in DEFINED:
            self.flag(node, DEFINED[node.name])
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Name) and func.id in ("getattr", "setattr", "delattr", "hasattr") \
                and func.id not in self.imported and len(node.args) >= 2:
            target, name = node.args[0], node.args[1]
            computed = not (isinstance(name, ast.Constant) and isinstance(name.value, str))
            on_module = self.dotted(target) is not None
            if computed and (on_module or func.id != "hasattr"):
                self.flag(node, COMPUTED.format(call=func.id))
            elif func.id in ("setattr", "delattr") and on_module:
                self.flag(node, PATCH.format(module=self.dotted(target)))
            elif not computed:
                if name.value in ATTRIBUTES:
                    self.flag(node, ATTRIBUTES[name.value])
                elif on_module and _flagged_module(f"{self.dotted(target)}.{name.value}"):
                    self.flag(node, _flagged_module(f"{self.dotted(target)}.{name.value}"))
        if _shell_escape(node):   # ``!cmd``: a process of its own, as the sandbox allows
            for argument in node.args:
                self.visit(argument)
            return
        magic = _magic(node)
        if magic is not None:
            kind, name, argument = magic
            if name in SAFE_MAGICS:
                if name in CODE_MAGICS and argument:
                    code = argument if kind == "run_cell_magic" else _timeit_statement(argument)
                    for line, why in scan_source(code, self.imported):
                        self.found.append((node.lineno + line - 1 if kind == "run_line_magic" else line + 1, why))
                return
            self.flag(node, f"runs the IPython magic %{name}")
            return
        self.generic_visit(node)


def _magic(node):
    """``(kind, name, argument)`` of ``get_ipython().run_line_magic('name', 'arg')`` (and cell magics)."""
    func = node.func
    if not (isinstance(func, ast.Attribute) and func.attr in ("run_line_magic", "run_cell_magic")
            and isinstance(func.value, ast.Call) and isinstance(func.value.func, ast.Name)
            and func.value.func.id == "get_ipython" and node.args
            and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args)):
        return None
    values = [a.value for a in node.args]
    argument = values[-1] if len(values) > 1 else ""
    return func.attr, values[0], argument


def _shell_escape(node):
    """``get_ipython().system(...)`` or ``.getoutput(...)``: what ``!cmd`` becomes."""
    func = node.func
    return (isinstance(func, ast.Attribute) and func.attr in ("system", "getoutput")
            and isinstance(func.value, ast.Call) and isinstance(func.value.func, ast.Name)
            and func.value.func.id == "get_ipython" and not func.value.args)


def _timeit_statement(argument):
    """The statement of a ``%timeit``/``%time`` line without its options (``-n 10 -r 3 x + 1``)."""
    words = argument.split()
    while words and words[0].startswith("-"):
        words = words[2:] if words[0] in ("-n", "-r", "-p") else words[1:]
    return " ".join(words)


def imported_names(sources):
    """``{name: dotted module path}`` for every name the cells bind by an import."""
    names = {}
    for source in sources:
        tree = _tree(source)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        names[alias.asname] = alias.name
                    else:
                        head = alias.name.split(".")[0]
                        names[head] = head
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                for alias in node.names:
                    if alias.name != "*":
                        names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _tree(source):
    python = _python(source)
    if python is None:
        return None
    try:
        return ast.parse(python)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def scan_source(source, imported=None):
    """``[(line, why)]`` for one cell's source; ``imported``: the notebook's import bindings."""
    tree = _tree(source)
    if tree is None:
        return []
    scanner = _Scanner({**(imported or {}), **imported_names([source])})
    try:
        scanner.visit(tree)
    except RecursionError:
        return [(1, "code nested too deeply to read")]
    return scanner.found


def learner_cells(nb, template=None):
    """``[(index, source)]`` of the code cells a learner may have written: not check or protected cells,
    and not the course's own cells as released (``template``: their sources are trusted)."""
    course = set()
    if template is not None:
        course = {c.source for c in template.cells if c.cell_type == "code" and not c.metadata.get(
            "nbgrader", {}).get("solution")}
    return [(i, c.source) for i, c in enumerate(nb.cells) if c.cell_type == "code" and not is_check_cell(c)
            and not is_protected(c) and isinstance(c.source, str) and c.source not in course]


def scan_notebook(nb, template=None):
    """Every flagged line of the notebook's learner cells, as :class:`Flag`; [] for honest work."""
    cells = learner_cells(nb, template)
    imported = imported_names([c.source for c in nb.cells if c.cell_type == "code" and isinstance(c.source, str)])
    flags = []
    for index, source in cells:
        lines = source.splitlines()
        seen = set()
        for line, why in scan_source(source, imported):
            if (line, why) in seen:
                continue
            seen.add((line, why))
            code = lines[line - 1].strip() if 0 < line <= len(lines) else ""
            flags.append(Flag(index, line, code[:MAX_LINE] + ("..." if len(code) > MAX_LINE else ""), why))
    return flags


# ---------------------------------------------------------------- a flagged submission goes to a person

REVIEW_KEY = "course_review"     # the autograded notebook's metadata: what the feedback page shows
MAX_SHOWN = 20                   # flagged lines listed in reasons and feedback; the rest are counted


def kernel_only(records):
    """Whether a check cell's points rest on a fact only the learner's kernel can tell: a ``check_that``
    rule, whose result is the kernel's word, or "argument unchanged", judged from states the kernel
    reports about inputs it was sent, so a forgery needs no answer (every other check sends values
    the grader judges against expected values the kernel never sees)."""
    return any(r["spec"]["check"] == "that" or _judges_unchanged(r["spec"]) for r in records)


def _judges_unchanged(spec):
    return spec["check"] == "function" and bool(spec.get("check_mutation")) and any(
        state is not None for case in spec["cases"] for state in case.get("inputs") or ())


def review_cells(reference, cell_verdicts):
    """Grade ids of the passed check cells whose points rest on kernel-only facts."""
    return [v.grade_id for v in cell_verdicts if v.passed and kernel_only(reference.cells.get(v.grade_id, []))]


def send_to_review(db_url, chapter, learner, grade_ids):
    """Move those cells' points to nbgrader's manual grading (no automatic score, ``needs_manual_grade``,
    so formgrader lists them); a score a person already set stays. Returns the submission's new score."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        for gid in grade_ids:
            grade = gb.find_grade(gid, chapter.topic, chapter.name, learner)
            grade.auto_score = None
            grade.needs_manual_grade = True
        gb.db.commit()
        return float(gb.find_submission_notebook(chapter.topic, chapter.name, learner).score)


def mark_notebook(nb, flags, grade_ids):
    """Record the flags and the cells sent to review in ``nb``'s metadata (always overwritten: a
    learner's own metadata there means nothing)."""
    nb.metadata.pop(REVIEW_KEY, None)
    if flags:
        nb.metadata[REVIEW_KEY] = {"flags": _shown(flags), "manual": list(grade_ids)}
    return nb


def review_of(nb):
    """``(flag texts, grade ids sent to review)`` recorded by :func:`mark_notebook`, or ``([], [])``."""
    entry = nb.metadata.get(REVIEW_KEY) or {}
    flags, manual = entry.get("flags", []), entry.get("manual", [])
    return ([str(f) for f in flags] if isinstance(flags, list) else [],
            [str(g) for g in manual] if isinstance(manual, list) else [])


def reasons(flags, grade_ids):
    """The status file's reasons for a flagged submission: what goes to a person, then each flagged line."""
    head = (f"interference flagged for review ({len(flags)} line(s)); "
            + (f"points of {', '.join(grade_ids)} wait for manual grading" if grade_ids
               else "no points rest on kernel-only facts"))
    return [head, *_shown(flags)]


def _shown(flags):
    texts = [f.text() for f in flags[:MAX_SHOWN]]
    return texts + ([f"and {len(flags) - MAX_SHOWN} more flagged line(s)"] if len(flags) > MAX_SHOWN else [])


# ---------------------------------------------------------------- what the grader sent stays out of what it stores

REDACTED = "[hidden by the grader]"


def delivered_texts(nonce, reference):
    """What the grader sent a kernel that a hook could copy into an output: the nonce, each cell's request
    and each rule's source."""
    texts = {nonce}
    for gid, records in reference.cells.items():
        texts.add(reference.request(gid))
        for record in records:
            probe = record.get("probe", {})
            texts.update(t for t in [probe.get("predicate"), *probe.get("defs", ())] if isinstance(t, str))
    return sorted((t for t in texts if t and len(t) >= 8), key=len, reverse=True)


def redact(nb, texts):
    """Replace every verbatim copy of ``texts`` in ``nb``'s outputs (in place); the number of cells changed."""
    def clean(value):
        if isinstance(value, list):
            return [clean(v) for v in value]
        if not isinstance(value, str):
            return value
        for text in texts:
            if text in value:
                value = value.replace(text, REDACTED)
        return value

    changed = 0
    for cell in nb.cells:
        before = repr(cell.get("outputs", []))
        for output in cell.get("outputs", []):
            for key in ("text", "evalue", "traceback"):
                if key in output:
                    output[key] = clean(output[key])
            for mime, value in list(output.get("data", {}).items()):
                if isinstance(value, (str, list)):
                    output["data"][mime] = clean(value)
        changed += repr(cell.get("outputs", [])) != before
    return changed
