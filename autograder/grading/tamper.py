"""Detecting submissions that defeat the checks in-process (issue 6).

Interface used by the grading pipeline:

- ``instrument(nb) -> (nb, token)``: a copy of the (test-restored) notebook with
  detection cells added; ``token`` is secret to the grader.
- ``verify(executed_nb, token) -> Verdict``: whether the run was tampered with,
  which grade ids are affected, and why. Detection cells are removed from the
  notebook by ``strip(executed_nb)`` before scoring and feedback.

How: an *arming* cell runs first, before any learner code, and records the
genuine objects the checks and the notebook rely on (the check library's
modules, ``torch``, ``torch.Tensor``, ``math``, ``numpy``, ``builtins``, the
IPython shell's exception, transformation and event machinery, the kernel's
message sending, ``sys`` hooks). A *canary* cell runs right before and right
after every grade cell. It (1) compares all of that with the record,
(2) calls every check function, as the notebook names them, on a deliberately
wrong answer and requires each to raise the genuine ``CheckFailed``, (3) asks
``torch``/``math`` comparisons that must be false, and then (4) always raises an
exception carrying the per-run token and its findings. The executed notebook
must show that error output for every canary: a swallowed exception
(``set_custom_exc``, ``sys.excepthook``, patched ``showtraceback`` or message
sending), a redefined check or a patched comparison shows up as a missing or
unhappy canary, and the grade cells between such canaries are affected.

This is detection, not prevention: code that studies this module can, in
principle, forge its record. The README says so.
"""

import copy
import re
import secrets
from dataclasses import dataclass, field

import nbformat

META_KEY = "autograder_tamper"

_ARM = r'''
def _autograder_arm(token):
    import builtins, math, sys, threading, types
    import torch
    import autograder, autograder.checks, autograder.outcomes
    try:
        import numpy
    except ImportError:
        numpy = None
    ip = get_ipython()
    mod = types.ModuleType("_autograder_guard_" + token)
    watched = {"autograder": autograder, "autograder.checks": autograder.checks,
               "autograder.outcomes": autograder.outcomes, "torch": torch,
               "torch.Tensor": torch.Tensor, "torch.nn.Module": torch.nn.Module, "math": math,
               "numpy": numpy, "builtins": builtins}
    SHELL = ("showtraceback", "_showtraceback", "showsyntaxerror", "run_cell", "run_cell_async",
             "run_ast_nodes", "run_code", "transform_cell", "transform_ast", "should_run_async",
             "custom_exceptions", "CustomTB", "InteractiveTB", "SyntaxTB", "compile", "ast_transformers",
             "input_transformers_cleanup", "input_transformers_post", "input_transformer_manager",
             "events", "displayhook", "display_pub", "excepthook", "user_ns", "user_global_ns", "kernel",
             "_get_exc_info", "set_custom_exc", "ex", "ev", "run_line_magic")
    KERNEL = ("do_execute", "execute_request", "send_response", "session", "iopub_socket",
              "iopub_thread", "shell_handlers", "_publish_execute_input", "_publish_status")

    def unbound(value):
        return (getattr(value, "__func__", value), getattr(value, "__self__", None))

    def snap():
        s = {}
        for label, m in watched.items():
            if m is None:
                continue
            for k, v in list(vars(m).items()):
                if label == "builtins" and (k in ("input", "raw_input") or
                                            k.startswith("_") and k not in ("__import__", "__build_class__")):
                    continue  # ipykernel rebinds input() for every request
                if label == "torch" and k in ("Storage",):
                    continue  # torch.set_default_dtype() rebinds it
                s[(label, k)] = v
            if label in sys.modules:
                s[("sys.modules", label)] = sys.modules[label]
        for k in SHELL:
            s[("shell", k)] = unbound(getattr(ip, k, None))
            s[("shell-class", k)] = getattr(type(ip), k, None)
            v = getattr(ip, k, None)
            if isinstance(v, list):
                s[("shell-list", k)] = tuple(v)
        itm = getattr(ip, "input_transformer_manager", None)
        for k in ("cleanup_transforms", "line_transforms", "token_transformers"):
            s[("transformers", k)] = tuple(getattr(itm, k, ()) or ())
        kernel = getattr(ip, "kernel", None)
        for k in KERNEL:
            s[("kernel", k)] = unbound(getattr(kernel, k, None))
            s[("kernel-class", k)] = getattr(type(kernel), k, None)
        session = getattr(kernel, "session", None)
        for k in ("send", "serialize", "sign", "msg"):
            s[("session", k)] = unbound(getattr(session, k, None))
            s[("session-class", k)] = getattr(type(session), k, None)
        handlers = getattr(kernel, "shell_handlers", None) or {}
        for k, v in dict(handlers).items():
            s[("handler", k)] = unbound(v)
        # sys.excepthook is left out: ipykernel sets it per request and never uses it for cells.
        for k in ("displayhook", "stdout", "stderr", "modules"):
            s[("sys", k)] = getattr(sys, k)
        s[("sys", "trace")] = sys.gettrace()
        s[("sys", "profile")] = sys.getprofile()
        s[("threading", "trace")] = getattr(threading, "_trace_hook", None)
        s[("threading", "profile")] = getattr(threading, "_profile_hook", None)
        return s

    missing = object()
    # Names that torch rebinds by itself to a functools.wraps wrapper of the original: importing
    # torch._dynamo (which optimizers and DataLoaders do lazily) wraps torch.manual_seed.
    REWRAPPED = {("torch", "manual_seed")}

    def same(a, b):  # identity only: never call a (possibly hostile) __eq__
        if type(a) is tuple and type(b) is tuple:
            return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
        return a is b

    baseline = snap()
    callbacks = {name: tuple(fns) for name, fns in ip.events.callbacks.items()}
    trusted = tuple(p for p in {sys.prefix, sys.base_prefix, sys.exec_prefix} if p)
    CheckFailed = autograder.outcomes.CheckFailed
    genuine = {name: getattr(autograder.checks, name) for name in
               ("check_tensor", "check_value", "check_function", "check_module", "check_that")}
    real_isinstance, real_tensor, real_Linear = isinstance, torch.tensor, torch.nn.Linear

    class CanaryRaised(Exception):
        pass

    def audit(namespace):
        problems = []
        now = snap()
        for key, value in baseline.items():
            current = now.get(key, missing)
            if key in REWRAPPED and getattr(current, "__wrapped__", None) is value:
                continue  # torch itself wrapped it (see REWRAPPED)
            if not same(current, value):
                problems.append("changed " + ".".join(map(str, key)))
        for name, fns in ip.events.callbacks.items():
            before = callbacks.get(name, ())
            for fn in fns:
                if fn in before:
                    continue
                code = getattr(getattr(fn, "__func__", fn), "__code__", None)
                if code is None or not code.co_filename.startswith(trusted):
                    problems.append("new event callback on " + name)
        for name, fn in genuine.items():
            if name in namespace and namespace[name] is not fn:
                problems.append(name + " redefined in the notebook")
        for name, module in (("torch", torch), ("math", math), ("autograder", autograder)):
            if name in namespace and namespace[name] is not module:
                problems.append(name + " rebound in the notebook")
        return problems

    def probes(namespace):
        problems = []
        t = real_tensor
        calls = {
            "check_tensor": lambda f: f("p", t([1.0, 2.0]), namespace={"p": t([1.0, 3.0])}),
            "check_value": lambda f: f("p", 1.0, namespace={"p": 2.0}),
            "check_function": lambda f: f("p", [((t([1.0, 2.0]),), t([2.0, 4.0]))], namespace={"p": lambda x: x}),
            "check_module": lambda f: f("p", n_params=3, namespace={"p": real_Linear(1, 1)}),
            "check_that": lambda f: f("p", lambda v: False, "canary", namespace={"p": 1}),
        }
        for name, call in calls.items():
            for where, fn in (("notebook", namespace.get(name)), ("library", genuine[name])):
                if fn is None:
                    continue
                try:
                    call(fn)
                except CheckFailed:
                    continue
                except BaseException as error:
                    problems.append(f"{name} ({where}) raised {type(error).__name__}, not a failed check")
                    continue
                problems.append(f"{name} ({where}) passed a wrong answer")
        tm = namespace.get("torch", torch)
        a, b = t([1.0]), t([2.0])
        for label, result in (("torch.allclose", lambda: tm.allclose(a, b)),
                              ("torch.equal", lambda: tm.equal(a, b)),
                              ("torch.isclose", lambda: bool(tm.isclose(a, b).all())),
                              ("Tensor.__eq__", lambda: bool((a == b).all())),
                              ("math.isclose", lambda: math.isclose(1.0, 2.0))):
            try:
                if result():
                    problems.append(label + " says different values are equal")
            except BaseException as error:
                problems.append(f"{label} raised {type(error).__name__}")
        return problems

    def canary(where, namespace):
        try:
            problems = audit(namespace) + probes(namespace)
        except BaseException as error:
            problems = [f"canary could not run: {type(error).__name__}"]
        verdict = "ok" if not problems else "TAMPERED " + "; ".join(problems)
        raise CanaryRaised(f"[{token}|{where}|{verdict}]")

    mod.canary = canary
    sys.modules[mod.__name__] = mod
    return mod.__name__
'''


@dataclass
class Verdict:
    tampered: bool = False
    affected_grade_ids: list = field(default_factory=list)
    reasons: list = field(default_factory=list)


def _cell(source, role, **extra):
    return nbformat.from_dict({
        "cell_type": "code",
        "execution_count": None,
        "id": f"tamper-{role}-{secrets.token_hex(4)}",
        "metadata": {META_KEY: {"role": role, **extra}, "tags": []},
        "outputs": [],
        "source": source,
    })


def _is_grade(cell):
    return cell.get("cell_type") == "code" and bool(cell.get("metadata", {}).get("nbgrader", {}).get("grade"))


def _grade_id(cell):
    return cell["metadata"]["nbgrader"].get("grade_id", "")


def instrument(nb):
    """A copy of ``nb`` with the arming cell first and a canary around each grade cell."""
    token = secrets.token_hex(16)
    nb = copy.deepcopy(nb)
    name = "_autograder_guard_" + token
    arm = (_ARM + f"\n_autograder_arm({token!r})\ndel _autograder_arm\n")
    cells = [_cell(arm, "arm")]
    n = 0

    def canary():
        nonlocal n
        n += 1
        where = f"c{n}"
        source = f"__import__('sys').modules[{name!r}].canary({where!r}, globals())"
        return _cell(source, "canary", where=where)

    previous_was_canary = False
    for cell in nb["cells"]:
        if _is_grade(cell):
            if not previous_was_canary:
                cells.append(canary())
            cells.append(cell)
            cells.append(canary())
            previous_was_canary = True
        else:
            cells.append(cell)
            previous_was_canary = False
    nb["cells"] = cells
    return nb, token


def _role(cell):
    return cell.get("metadata", {}).get(META_KEY, {}).get("role")


_RESULT = re.compile(r"\[([0-9a-f]{32})\|(c\d+)\|(ok|TAMPERED [^\]]*)\]")


def _canary_result(cell, token):
    """``None`` if the canary proved a clean state, else why not."""
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    if cell.get("execution_count") is None and not errors:
        return "did not run (kernel died or timed out before it)"
    where = cell["metadata"][META_KEY]["where"]
    for output in errors:
        match = _RESULT.search(str(output.get("evalue", "")))
        if match and match.group(1) == token and match.group(2) == where:
            return None if match.group(3) == "ok" else match.group(3)[len("TAMPERED "):]
    if errors:
        return "its error was replaced (exception handling was changed)"
    return "its error was swallowed (exceptions are being hidden)"


def verify(executed_nb, token):
    """Check the canaries: a grade cell counts only if the canaries on both sides are clean."""
    verdict = Verdict()
    if token is None:
        return verdict
    cells = executed_nb["cells"]
    bad = {}
    for index, cell in enumerate(cells):
        role = _role(cell)
        if role == "arm":
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            if errors:
                bad[index] = f"detection could not be set up: {errors[0].get('ename')}"
        elif role == "canary":
            problem = _canary_result(cell, token)
            if problem is not None:
                bad[index] = problem
    seen = {}
    for index, problem in bad.items():
        if "did not run" in problem:
            continue  # a timeout or crash is reported by the pipeline, not as tampering
        where = cells[index]["metadata"].get(META_KEY, {}).get("where", "setup")
        seen.setdefault(problem, []).append(where)
    for problem, wheres in seen.items():
        span = wheres[0] if len(wheres) == 1 else f"{wheres[0]}..{wheres[-1]} ({len(wheres)} checks)"
        verdict.reasons.append(f"tamper check {span}: {problem}")
    verdict.tampered = bool(verdict.reasons)
    armed_ok = not any(_role(cells[i]) == "arm" for i in bad)
    for index, cell in enumerate(cells):
        if not _is_grade(cell):
            continue
        around = [i for i in (index - 1, index + 1) if 0 <= i < len(cells) and _role(cells[i]) == "canary"]
        if not armed_ok or any(i in bad and "did not run" not in bad[i] for i in around):
            verdict.affected_grade_ids.append(_grade_id(cell))
    if verdict.tampered and not verdict.affected_grade_ids:
        verdict.affected_grade_ids = [_grade_id(c) for c in cells if _is_grade(c)]
    return verdict


def strip(executed_nb):
    """The notebook without detection cells, execution counts renumbered 1, 2, ..."""
    nb = copy.deepcopy(executed_nb)
    nb["cells"] = [c for c in nb["cells"] if _role(c) is None]
    count = 0
    for cell in nb["cells"]:
        if cell.get("cell_type") == "code" and cell.get("execution_count") is not None:
            count += 1
            cell["execution_count"] = count
            for output in cell.get("outputs", []):
                if output.get("output_type") == "execute_result":
                    output["execution_count"] = count
    return nb
