"""Reference evidence: the solution notebook, run once per chapter in a kernel of its own.

In that kernel every check records its *spec* (what it expects, as data) and
its *probe* (what the learner's kernel must run: names, inputs and, for
``check_that``, the rule's own expression). The grader keeps the specs; each
learner's kernel gets only the probes, through :func:`probe_request`.

A check cell's checks must be top-level calls (``check_tensor(...)`` etc.), so
that the i-th record belongs to the i-th call in the source: that is how a
``check_that`` predicate's source is found for the learner's kernel.
"""

import ast
import base64
import copy
import hashlib
import io
import os
import pickle
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..learner.probe import REFERENCE_MIME
from ..cells import grade_id, is_check_cell

CHECK_FUNCTIONS = ("check_tensor", "check_value", "check_function", "check_module", "check_that", "check_view")
PUBLISH = '\n__import__("autograder.learner.probe").learner.probe.publish_records()\n'
HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"


class ReferenceFailed(Exception):
    """The solution notebook did not produce the records grading needs."""


@dataclass
class Reference:
    chapter: str
    cells: dict = field(default_factory=dict)   # grade id -> [{"spec": ..., "probe": ...}]
    seconds: float = 0.0
    requests: dict = field(default_factory=dict, repr=False)   # grade id -> its request, as first made

    def request(self, gid):
        """What a kernel receives for check cell ``gid``: made once, so that a copy of this reference (the
        judging process's) names the very text that was sent (pickling again may give other bytes)."""
        if gid not in self.requests:
            self.requests[gid] = probe_request(self.cells[gid])
        return self.requests[gid]


def check_calls(source):
    """The top-level check calls of a check cell, in order, and its top-level defs by name."""
    tree = ast.parse(source)
    calls, defs = [], {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            defs[node.name] = node
        if (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name) and node.value.func.id in CHECK_FUNCTIONS):
            calls.append(node.value)
    return calls, defs


def _rule_defs(node, defs, source):
    """The sources of the cell's functions a rule calls, directly or through one another, in source order:
    the learner's kernel never runs the check cell, so it defines them before it evaluates the rule."""
    visible_end = source.find(HIDDEN_BEGIN)
    used, todo = set(), [node]
    while todo:
        for name in {n.id for n in ast.walk(todo.pop()) if isinstance(n, ast.Name)} & set(defs) - used:
            start = sum(len(line) for line in source.splitlines(keepends=True)[:defs[name].lineno - 1])
            if visible_end != -1 and start > visible_end:
                raise ReferenceFailed(f"check_that's rule calls {name}, defined in the hidden tests: define it "
                                      "in the visible part or write the rule as a lambda")
            used.add(name)
            todo.append(defs[name])
    return [ast.get_source_segment(source, defs[name]) for name in sorted(used, key=lambda n: defs[n].lineno)]


def _predicate_source(call, defs, source):
    node = call.args[1] if len(call.args) > 1 else next(
        (k.value for k in call.keywords if k.arg == "predicate"), None)
    if isinstance(node, ast.Lambda):
        return f"({ast.get_source_segment(source, node)})", _rule_defs(node, defs, source)
    if isinstance(node, ast.Name) and node.id in defs:
        return node.id, _rule_defs(node, defs, source)
    raise ReferenceFailed("check_that needs a lambda, or a function defined in the same check cell")


def reference_notebook(solution):
    """The solution notebook, outputs cleared, each check cell publishing its records."""
    nb = copy.deepcopy(solution)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if is_check_cell(cell):
                cell.source = cell.source.rstrip() + "\n" + PUBLISH
    return nb


def _records(cell):
    import torch

    found = [o for o in cell.get("outputs", []) if o.get("output_type") == "display_data"
             and REFERENCE_MIME in o.get("data", {})]
    if len(found) != 1:
        errors = [f"{o.get('ename')}: {o.get('evalue')}" for o in cell.get("outputs", [])
                  if o.get("output_type") == "error"]
        raise ReferenceFailed(f"cell {grade_id(cell)} recorded nothing" + (f" ({errors[0]})"[:300] if errors else ""))
    data = base64.b64decode(found[0]["data"][REFERENCE_MIME])
    return torch.load(io.BytesIO(data), weights_only=True)


def collect(executed, template, chapter):
    """The :class:`Reference` of an executed reference notebook, checked against the template."""
    ref = Reference(chapter)
    sources = {grade_id(c): c.source for c in template.cells if is_check_cell(c)}
    for cell in executed.cells:
        if not is_check_cell(cell):
            continue
        gid = grade_id(cell)
        records = _records(cell)
        source = sources.get(gid, cell.source)
        calls, defs = check_calls(source)
        if len(calls) != len(records) or not records:
            raise ReferenceFailed(f"cell {gid}: {len(records)} checks ran but the cell has {len(calls)} "
                                  "top-level check calls (checks must not run in loops or functions)")
        for call, record in zip(calls, records):
            if call.func.id.replace("check_", "") != record["spec"]["check"]:
                raise ReferenceFailed(f"cell {gid}: record order does not match the check calls")
            if record["probe"]["check"] == "that":
                record["probe"]["predicate"], record["probe"]["defs"] = _predicate_source(call, defs, source)
        ref.cells[gid] = records
    missing = set(sources) - set(ref.cells)
    if missing:
        raise ReferenceFailed(f"no records for {', '.join(sorted(missing))}")
    return ref


def probe_request(records):
    """What a learner's kernel receives for one check cell: the probes, never the specs."""
    return base64.b64encode(pickle.dumps({"probes": [r["probe"] for r in records]})).decode("ascii")


def learner_cell_source(nonce):
    return f'__import__("autograder.learner.probe").learner.probe.run_pending("{nonce}")\n'


def delivery_source(nonce, request):
    return f'__import__("autograder.learner.probe").learner.probe.receive("{nonce}", "{request}")'


def cache_key(chapter, secret, data_dir):
    """What a chapter's records depend on: its notebooks, the secret, this package, torch and the data."""
    import torch

    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent
    files = [chapter.source_path, chapter.release_path, *sorted(package.rglob("*.py"))]
    if Path(data_dir).is_dir():
        files += sorted(p for p in Path(data_dir).rglob("*") if p.is_file())
    for path in files:
        digest.update(str(path.name).encode() + b"\0" + Path(path).read_bytes() + b"\0")
    digest.update(f"{secret}|{torch.__version__}|{sys.version}".encode())
    return digest.hexdigest()[:32]


def load_cached(folder, chapter, key):
    """A :class:`Reference` saved by an earlier run with the same key, or None."""
    import torch

    path = Path(folder) / f"{chapter}-{key}.pt"
    if not path.is_file():
        return None
    try:
        saved = torch.load(path, weights_only=True)
        return Reference(chapter, saved["cells"], float(saved["seconds"]))
    except Exception:   # a damaged cache is only a cache: run the reference again
        return None


def save_cached(folder, ref, key):
    import torch

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"{ref.chapter}-*.pt"):   # one entry per chapter
        old.unlink()
    tmp = folder / f".{ref.chapter}-{key}.tmp"
    torch.save({"cells": ref.cells, "seconds": ref.seconds}, tmp)
    os.replace(tmp, folder / f"{ref.chapter}-{key}.pt")

