"""The package's folders say who runs what, and its imports never go in a circle.

Read from the source (every import statement, those inside functions included), so a lazy
import that closes a cycle is caught as well as a top-level one.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "autograder"

# Who runs each folder, lowest first: a module may import its own folder and the folders before it.
# The top-level modules (``paths``, ``cells``) are shared by all; ``cli`` and ``__init__`` sit above.
LAYERS = ["learner", "authoring", "grading", "hub", "maintainers"]
SHARED = {"autograder.paths", "autograder.cells"}
ENTRY_POINTS = {"autograder", "autograder.__main__", "autograder.cli"}


def module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name):
    """Every autograder module that ``name`` imports, anywhere in its source."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            targets = [origin] + [f"{origin}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {t for t in targets if t in MODULES and t != name}
    return found


GRAPH = {name: imports_of(name) for name in MODULES}


def layer(name):
    parts = name.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in LAYERS) else None


def test_no_module_imports_itself_back_through_others():
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node):   # Tarjan's strongly connected components, iteratively deep enough for 60 modules
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in GRAPH[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in GRAPH:
        if name not in index:
            visit(name)
    # a package's __init__ importing its own modules is no cycle unless they import it back
    assert cycles == [], f"import cycles: {cycles}"


@pytest.mark.parametrize("name", sorted(set(MODULES) - ENTRY_POINTS))
def test_module_imports_only_its_own_folder_and_the_folders_below(name):
    own = layer(name)
    allowed = set(LAYERS[:LAYERS.index(own) + 1]) if own else set()
    wrong = sorted(t for t in GRAPH[name] if t not in SHARED and t != "autograder" and layer(t) not in allowed)
    assert not wrong, f"{name} ({own or 'shared'}) imports {wrong}"


def test_the_learners_kernel_loads_nothing_an_instructor_or_maintainer_runs():
    reached, todo = set(), ["autograder"] + [n for n in MODULES if layer(n) == "learner"]
    while todo:
        name = todo.pop()
        if name not in reached:
            reached.add(name)
            todo += GRAPH[name] - {"autograder.cli", "autograder.__main__"} if name == "autograder" else GRAPH[name]
    assert {layer(n) for n in reached} <= {None, "learner"}, sorted(n for n in reached if layer(n) not in (None, "learner"))


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_module_opens_with_a_line_saying_its_job(name):
    docstring = ast.get_docstring(ast.parse(MODULES[name].read_text(encoding="utf-8")))
    assert docstring, f"{MODULES[name].relative_to(PACKAGE.parent)} has no docstring"
    assert len(docstring.splitlines()[0]) > 20, f"{name}: its first line does not say its job"
