"""Mutation testing of the exercises: do the checks catch a solution with one small change?

For every answer cell of a chapter's solution, :func:`mutants` makes single-token
changes of its solution code: an operator (``+``/``-``, ``*``/``/``, ``<``/``<=``,
``==``/``!=``, ``@``/``*``), a number (``n`` to ``n+1``), a dimension, a dtype
(``torch.long``/``torch.float``, ``float32``/``float64``), in-place against
out-of-place (``add_``/``add``), ``True``/``False``, ``and``/``or``, a dropped
call (``optimizer.zero_grad()``, ``model.train()``, ``.detach()``, ``.item()``).

:func:`run_chapter` executes the solution notebook once, in order, in an
IPython shell of a subprocess; at each answer cell it forks once per mutant:
the child runs the mutant and then the full check cell (hidden tests
included), and reports whether the checks passed. The parent goes on with
the real answer. A mutant is *killed* when its checks fail (or it raises, or
runs past its time limit), *survives* when they pass. A child that dies without
reporting (a crash of the interpreter, a signal) has *died*: that is no verdict,
and the report fails until someone looks.

The gate has no tolerance: every survivor must be listed in
``solutions/equivalent_mutants.json`` with the reason it computes what the
instructions ask. Mutants that drop a ``.to(device)`` run on the CPU too (the
checks can tell some of them with PyTorch's "meta" device); one that no check
can tell without a GPU is listed as ``{"without_gpu": reason}``: equivalent on
a CPU-only machine, and it must be killed where a GPU is present.

    python -m autograder.authoring.mutation solutions/01_tensors/tensors.ipynb
"""

import ast
import copy
import io
import json
import os
import re
import select
import signal
import sys
import textwrap
import time
from dataclasses import asdict, dataclass

SHARD_MUTANTS = 100   # a chapter with more mutants is shared by several processes (see _work)
SOLUTION_RE = re.compile(r"(### BEGIN SOLUTION\n)(.*?)(\n?[ \t]*### END SOLUTION)", re.S)

_BINOPS = {ast.Add: [ast.Sub], ast.Sub: [ast.Add], ast.Mult: [ast.Div], ast.Div: [ast.Mult],
           ast.FloorDiv: [ast.Div], ast.Pow: [ast.Mult], ast.MatMult: [ast.Mult], ast.Mod: [ast.FloorDiv]}
_CMPOPS = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE,
           ast.GtE: ast.Gt, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}
# attribute and function names swapped for a likely mistake (dtypes, reductions, modes, factories)
_SWAPS = {"long": "float", "int64": "float32", "float": "double", "double": "float", "float32": "float64",
          "float64": "float32", "int32": "int64", "sum": "mean", "mean": "sum", "max": "min", "min": "max",
          "argmax": "argmin", "argmin": "argmax", "train": "eval", "eval": "train", "zeros": "ones",
          "ones": "zeros", "new_ones": "new_zeros", "new_zeros": "new_ones", "zeros_like": "ones_like",
          "ones_like": "zeros_like", "from_numpy": "tensor", "view": "reshape", "reshape": "view",
          "cat": "stack", "stack": "cat", "matmul": "mul", "mm": "mul", "no_grad": "enable_grad",
          "load_state_dict": "state_dict", "backward": "detach", "step": "zero_grad", "zero_grad": "step",
          "unsqueeze": "squeeze", "squeeze": "unsqueeze", "T": "mT", "add": "sub", "sub": "add",
          "detach": "clone", "clone": "detach", "state_dict": "parameters", "bincount": "unique"}
_IN_PLACE = {"add", "sub", "mul", "div", "zero", "fill", "clamp", "requires_grad", "copy", "abs", "neg", "t"}
# a method whose result is (shaped like) its receiver: ``x.m(...)`` -> ``x`` is a likely omission
_DROPPABLE = {"detach", "item", "clone", "float", "long", "double", "cpu", "contiguous", "to", "view",
              "reshape", "unsqueeze", "squeeze", "requires_grad_", "T", "numpy", "t", "sum", "mean",
              "tolist", "eval", "train"}


@dataclass
class Mutant:
    grade_id: str
    id: str          # stable within one version of the solution: "line:col kind old->new"
    source: str      # the whole answer cell with the change


@dataclass
class Result:
    grade_id: str
    id: str
    killed: bool
    how: str         # "check failed", "raised", "timeout", "survived", "died" (no report: not a kill)
    seconds: float


def _compiles(source):
    try:
        compile(source, "<mutant>", "exec")
        return True
    except SyntaxError:
        return False


def _name(node):
    return type(node).__name__


def _edits(node):
    """(label, function that changes a copy of ``node`` in place or returns a replacement) for one node."""
    where = f"{getattr(node, 'lineno', 0)}:{getattr(node, 'col_offset', 0)}"
    edits = []
    if isinstance(node, (ast.BinOp, ast.AugAssign)):
        for new in _BINOPS.get(type(node.op), []):
            edits.append((f"{where} op {_name(node.op)}->{new.__name__}",
                          lambda n, new=new: setattr(n, "op", new())))
    elif isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in _CMPOPS:
                edits.append((f"{where} compare {_name(op)}->{_CMPOPS[type(op)].__name__}",
                              lambda n, i=i: n.ops.__setitem__(i, _CMPOPS[type(n.ops[i])]())))
    elif isinstance(node, ast.BoolOp):
        other = ast.Or if isinstance(node.op, ast.And) else ast.And
        edits.append((f"{where} boolop ->{other.__name__}", lambda n, other=other: setattr(n, "op", other())))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
        edits.append((f"{where} drop {_name(node.op)}", lambda n: n.operand))
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float, bool):
        if isinstance(node.value, bool):
            edits.append((f"{where} constant {node.value}->{not node.value}",
                          lambda n: setattr(n, "value", not n.value)))
        elif isinstance(node.value, int):
            for new in {node.value + 1, node.value - 1} - {node.value}:
                edits.append((f"{where} number {node.value}->{new}", lambda n, new=new: setattr(n, "value", new)))
        else:
            new = node.value * 2 if node.value else 1.0
            edits.append((f"{where} number {node.value}->{new}", lambda n, new=new: setattr(n, "value", new)))
    elif isinstance(node, ast.Attribute):
        if node.attr in _SWAPS:
            edits.append((f"{where} name {node.attr}->{_SWAPS[node.attr]}",
                          lambda n: setattr(n, "attr", _SWAPS[n.attr])))
        base = node.attr.rstrip("_")
        if node.attr.endswith("_") and base in _IN_PLACE:
            edits.append((f"{where} out-of-place {node.attr}->{base}", lambda n, b=base: setattr(n, "attr", b)))
        elif node.attr in _IN_PLACE:
            edits.append((f"{where} in-place {node.attr}->{node.attr}_",
                          lambda n: setattr(n, "attr", n.attr + "_")))
        if node.attr == "T":
            edits.append((f"{where} drop .T", lambda n: n.value))
    elif isinstance(node, ast.Call):
        for i, kw in enumerate(node.keywords):
            if kw.arg:
                edits.append((f"{where} drop keyword {kw.arg}=", lambda n, i=i: n.keywords.pop(i) and None))
        if isinstance(node.func, ast.Attribute) and node.func.attr in _DROPPABLE:
            edits.append((f"{where} drop .{node.func.attr}(...)", lambda n: n.func.value))
        if len(node.args) >= 2:
            edits.append((f"{where} swap first two arguments",
                          lambda n: n.args.__setitem__(slice(0, 2), [n.args[1], n.args[0]])))
    elif isinstance(node, (ast.Set, ast.List, ast.Tuple)) and len(node.elts) >= 2 and not isinstance(
            getattr(node, "ctx", None), ast.Store):
        for i in range(len(node.elts)):
            edits.append((f"{where} drop element {i}", lambda n, i=i: n.elts.pop(i) and None))
    elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        edits.append((f"{where} drop statement {ast.unparse(node)[:40]}", lambda n: ast.Pass()))
    return edits


def _ast_mutants(code):
    """(id, mutated code) for every single change of ``code``."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    nodes = list(ast.walk(tree))
    found = []
    for index, node in enumerate(nodes):
        for label, edit in _edits(node):
            copy_tree = copy.deepcopy(tree)
            target = list(ast.walk(copy_tree))[index]
            replacement = edit(target)
            if isinstance(replacement, ast.AST) and replacement is not target:
                if not _swap_child(copy_tree, target, replacement):
                    continue
            try:
                found.append((label, ast.unparse(ast.fix_missing_locations(copy_tree)) + "\n"))
            except Exception:
                continue
    return found


def _swap_child(tree, old, new):
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
                return True
            if isinstance(value, list) and any(v is old for v in value):
                value[[i for i, v in enumerate(value) if v is old][0]] = new
                return True
    return False


def mutants(grade_id, cell_source):
    """Every compilable single-token mutant of the solution block of an answer cell."""
    match = SOLUTION_RE.search(cell_source)
    if not match:
        return []
    code = match.group(2)
    out, seen = [], set()
    indent = re.match(r"[ \t]*", code).group(0)
    for mutant_id, changed in _ast_mutants(textwrap.dedent(code)):
        changed = textwrap.indent(changed, indent).rstrip("\n")
        source = cell_source[:match.start(2)] + changed + cell_source[match.end(2):]
        if source in seen or not _compiles(_strip_markers(source)):
            continue
        seen.add(source)
        out.append(Mutant(grade_id, mutant_id, source))
    return out


def _strip_markers(source):
    return "\n".join(line for line in source.splitlines() if "### BEGIN SOLUTION" not in line
                     and "### END SOLUTION" not in line)


# ---------------------------------------------------------------- running (in a subprocess)

def _run_child(shell, answer, check, write_fd):
    """In a forked child: run a mutant and the check cell; report and exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    how = "survived"
    result = shell.run_cell(_strip_markers(answer), silent=True, store_history=False)
    if not result.success:
        how = "raised"
    else:
        result = shell.run_cell(check, silent=True, store_history=False)
        if not result.success:
            how = "check failed"
    os.write(write_fd, how.encode())
    os._exit(0)


def _fork_mutant(shell, mutant, check, timeout):
    read_fd, write_fd = os.pipe()
    started = time.perf_counter()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        try:
            _run_child(shell, mutant.source, check, write_fd)
        finally:
            os._exit(1)
    os.close(write_fd)
    ready, _, _ = select.select([read_fd], [], [], timeout)
    how = os.read(read_fd, 64).decode() if ready else ""
    os.close(read_fd)
    if not ready:
        os.kill(pid, signal.SIGKILL)
        how = "timeout"
    os.waitpid(pid, 0)
    how = how or "died"   # the child ended without a word: nothing says its checks failed
    return Result(mutant.grade_id, mutant.id, how not in ("survived", "died"), how, time.perf_counter() - started)


def run_chapter(notebook_path, *, timeout=30.0, only=None, shard=(0, 1)):
    """Run every mutant of the chapter's answer cells (with ``shard=(k, n)``: the k-th of every n, in
    order, so that n processes share a chapter); yield :class:`Result`s. Call in a subprocess."""
    import matplotlib

    matplotlib.use("Agg")
    import nbformat
    from IPython.core.interactiveshell import InteractiveShell

    import torch

    nb = nbformat.read(notebook_path, as_version=4)
    shell = InteractiveShell.instance()
    os.chdir(os.path.dirname(os.path.abspath(notebook_path)))
    cells = nb.cells
    answers = dict(_answer_cells(cells))
    counted = 0
    for index, cell in enumerate(cells):
        if cell.cell_type != "code":
            continue
        gid = answers.get(index)
        if gid is not None and (only is None or gid in only):
            for mutant in mutants(gid, cell.source):
                counted += 1
                if counted % shard[1] == shard[0]:
                    yield _fork_mutant(shell, mutant, cells[index + 1].source, timeout)
        result = shell.run_cell(_strip_markers(cell.source), silent=True, store_history=False)
        if not result.success and "raises-exception" not in cell.metadata.get("tags", []) \
                and "nbval-raises-exception" not in cell.metadata.get("tags", []):
            raise RuntimeError(f"cell {index} of the solution failed: {result.error_in_exec!r}")


def _run_one(path, shard=(0, 1)):
    """Run one chapter's mutants (or one shard of them) in a subprocess of its own; its results."""
    import subprocess

    env = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, "-m", "autograder.authoring.mutation", "--run", str(path),
                           f"{shard[0]}/{shard[1]}"], capture_output=True, text=True, env=env, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"{path}: the mutation run failed:\n{done.stderr[-3000:]}")
    return [Result(**json.loads(line)) for line in done.stdout.splitlines() if line.strip()]


def _answer_cells(cells):
    """``(index, grade_id)`` of every answer cell that its check cell follows: the cells mutated."""
    for index, cell in enumerate(cells[:-1]):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution") and not meta.get("grade"):
            yield index, meta.get("grade_id")


def _mutant_count(notebook_path):
    """How many mutants the chapter's answer cells make."""
    import nbformat

    cells = nbformat.read(notebook_path, as_version=4).cells
    return sum(len(mutants(gid, cells[index].source)) for index, gid in _answer_cells(cells))


def _work(folders, per_shard=SHARD_MUTANTS):
    """``(folder, (k, n))`` for every shard of every chapter, in the order to start them. A chapter
    with many mutants is shared by several processes (chapter 05's took two minutes on one core, half
    the whole run, and ran alone at the end while the other core idled); later chapters start first:
    their mutants train networks, and the longest work started first leaves no long tail."""
    from .notebooks import chapter_notebook

    items = []
    for folder in sorted(folders, key=lambda f: f.name, reverse=True):
        n = max(1, -(-_mutant_count(chapter_notebook(folder)) // per_shard))
        items.extend((folder, (k, n)) for k in range(n))
    return items


def _listing(entry, gpu):
    """The reason an equivalent is listed with, or None where it does not hold on this machine
    (``{"without_gpu": reason}`` holds only where no GPU is present)."""
    if isinstance(entry, dict):
        return None if gpu else entry["without_gpu"]
    return entry


def report(results_by_chapter, equivalent, *, gpu=False):
    """The printed table (each exercise's and chapter's share of killed mutants) and whether the
    gate holds: every mutant is killed or listed as equivalent with a reason. A listed one that is
    killed is an error, so the list stays true, unless only the time limit stopped it (an
    equivalent may be slower); a mutant whose child died without a verdict is an error; ``gpu``
    says whether the run had a GPU (``{"without_gpu": reason}`` listings hold only without one)."""
    lines, ok = [], True
    for chapter, results in results_by_chapter.items():
        listed = {gid: {mid: _listing(entry, gpu) for mid, entry in entries.items()}
                  for gid, entries in equivalent.get(chapter, {}).items()}
        by_exercise = {}
        for r in results:
            by_exercise.setdefault(r.grade_id, []).append(r)
        killed = counted = survived = 0
        lines.append(f"{chapter}:")
        for gid, rs in by_exercise.items():
            eq = [r for r in rs if listed.get(gid, {}).get(r.id)]
            k = sum(r.killed for r in rs if r not in eq)
            n = len(rs) - len(eq)
            killed, counted = killed + k, counted + n
            rate = f"{k / n:.0%}" if n else "-"
            lines.append(f"  {gid:<28} {k:>3}/{n:<3} killed {rate:>5}" + (f"  ({len(eq)} equivalent)" if eq else ""))
            for r in rs:
                if r in eq:
                    if r.killed and r.how == "timeout":   # an equivalent that is slower (a loaded machine)
                        lines.append(f"    equivalent, past the time limit this run: {r.id}: {listed[gid][r.id]}")
                    elif r.killed:
                        ok = False
                        lines.append(f"    LISTED AS EQUIVALENT BUT KILLED: {r.id}")
                    else:
                        lines.append(f"    equivalent: {r.id}: {listed[gid][r.id]}")
                elif r.how == "died":
                    ok = False
                    lines.append(f"    DIED WITHOUT A VERDICT (investigate): {r.id}")
                elif not r.killed:
                    ok, survived = False, survived + 1
                    lines.append(f"    SURVIVED (kill it with a better check, or list it with its reason): {r.id}")
        generated = {(r.grade_id, r.id) for r in results}
        for gid, entries in equivalent.get(chapter, {}).items():
            for mid in entries:
                if (gid, mid) not in generated:
                    ok = False
                    lines.append(f"    LISTED AS EQUIVALENT BUT NOT GENERATED: {gid} {mid}")
        rate = killed / counted if counted else 1.0
        lines.append(f"  {chapter}: {killed}/{counted} killed = {rate:.1%}, {survived} unlisted survivor(s)")
    return "\n".join(lines), ok


def main(argv=None):
    """``--run NOTEBOOK``: one JSON line per mutant (internal); otherwise run and report every
    chapter's mutants: ``python -m autograder.authoring.mutation [--jobs N] solutions``."""
    import argparse
    import concurrent.futures
    from pathlib import Path

    from .notebooks import chapter_notebook, chapters

    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--run"]:
        out = sys.stdout
        sys.stdout = io.StringIO()   # the notebook's own prints go nowhere
        shard = tuple(int(n) for n in argv[2].split("/")) if len(argv) > 2 else (0, 1)
        for result in run_chapter(argv[1], shard=shard):
            out.write(json.dumps(asdict(result)) + "\n")
            out.flush()
            sys.stdout = io.StringIO()
        return 0
    parser = argparse.ArgumentParser(prog="python -m autograder.authoring.mutation")
    parser.add_argument("root", nargs="?", default="solutions")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--chapter", action="append")
    args = parser.parse_args(argv)
    root = Path(args.root)
    folders = [f for f in chapters(root) if not args.chapter or f.name in args.chapter]
    equivalent_file = root / "equivalent_mutants.json"
    equivalent = json.loads(equivalent_file.read_text()) if equivalent_file.exists() else {}
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        runs = [(f.name, pool.submit(_run_one, chapter_notebook(f), shard)) for f, shard in _work(folders)]
        results = {f.name: [] for f in folders}
        for name, run in runs:
            results[name].extend(run.result())
    import torch

    text, ok = report(results, equivalent, gpu=torch.cuda.is_available())
    print(text)
    print(f"mutation testing: {sum(len(r) for r in results.values())} mutants in "
          f"{time.perf_counter() - started:.0f} s; equivalents and their reasons: {equivalent_file}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
